// A small JSON value type for overlays: parse the input, build the output.

export enum Kind { Null, Bool, Number, String, Array, Object }

export class JSONValue {
  kind: Kind = Kind.Null;
  b: bool = false;
  n: f64 = 0;
  s: string = "";
  items: JSONValue[] = [];
  keys: string[] = [];
  values: JSONValue[] = [];

  static null(): JSONValue { return new JSONValue(); }
  static bool(b: bool): JSONValue { const v = new JSONValue(); v.kind = Kind.Bool; v.b = b; return v; }
  static number(n: f64): JSONValue { const v = new JSONValue(); v.kind = Kind.Number; v.n = n; return v; }
  static string(s: string): JSONValue { const v = new JSONValue(); v.kind = Kind.String; v.s = s; return v; }
  static array(): JSONValue { const v = new JSONValue(); v.kind = Kind.Array; return v; }
  static object(): JSONValue { const v = new JSONValue(); v.kind = Kind.Object; return v; }

  get isNull(): bool { return this.kind == Kind.Null; }
  get isObject(): bool { return this.kind == Kind.Object; }
  get isArray(): bool { return this.kind == Kind.Array; }

  /** The member `key` of an object, or null. */
  get(key: string): JSONValue | null {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] == key) return this.values[i];
    return null;
  }
  getString(key: string, fallback: string = ""): string {
    const v = this.get(key);
    return v != null && v.kind == Kind.String ? v.s : fallback;
  }
  getNumber(key: string, fallback: f64 = 0): f64 {
    const v = this.get(key);
    return v != null && v.kind == Kind.Number ? v.n : fallback;
  }
  getBool(key: string, fallback: bool = false): bool {
    const v = this.get(key);
    return v != null && v.kind == Kind.Bool ? v.b : fallback;
  }
  /** The member `key` as an array (empty when absent or not an array). */
  getArray(key: string): JSONValue[] {
    const v = this.get(key);
    return v != null && v.kind == Kind.Array ? v.items : [];
  }

  set(key: string, value: JSONValue): JSONValue {
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] == key) { this.values[i] = value; return this; }
    }
    this.keys.push(key);
    this.values.push(value);
    return this;
  }
  setString(key: string, s: string): JSONValue { return this.set(key, JSONValue.string(s)); }
  setNumber(key: string, n: f64): JSONValue { return this.set(key, JSONValue.number(n)); }
  setBool(key: string, b: bool): JSONValue { return this.set(key, JSONValue.bool(b)); }
  push(value: JSONValue): JSONValue { this.items.push(value); return this; }

  toString(): string {
    switch (this.kind) {
      case Kind.Null: return "null";
      case Kind.Bool: return this.b ? "true" : "false";
      case Kind.Number: return formatNumber(this.n);
      case Kind.String: return quote(this.s);
      case Kind.Array: {
        let out = "[";
        for (let i = 0; i < this.items.length; i++) { if (i > 0) out += ","; out += this.items[i].toString(); }
        return out + "]";
      }
      default: {
        let out = "{";
        for (let i = 0; i < this.keys.length; i++) {
          if (i > 0) out += ",";
          out += quote(this.keys[i]) + ":" + this.values[i].toString();
        }
        return out + "}";
      }
    }
  }
}

function formatNumber(n: f64): string {
  if (!isFinite(n)) return "null";
  if (n == Math.floor(n) && Math.abs(n) < 9007199254740992) return (<i64>n).toString();
  return n.toString();
}

function quote(s: string): string {
  let out = "\"";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x0d) out += "\\r";
    else if (c == 0x09) out += "\\t";
    else if (c < 0x20) {
      const hex = c.toString(16);
      out += "\\u" + "0000".substring(0, 4 - hex.length) + hex;
    } else out += String.fromCharCode(c);
  }
  return out + "\"";
}

class Parser {
  pos: i32 = 0;
  constructor(public text: string) {}

  fail(): JSONValue { this.pos = this.text.length + 1; return JSONValue.null(); }
  get failed(): bool { return this.pos > this.text.length; }

  skip(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09) this.pos++;
      else break;
    }
  }

  value(): JSONValue {
    this.skip();
    if (this.pos >= this.text.length) return this.fail();
    const c = this.text.charCodeAt(this.pos);
    if (c == 0x7b) return this.object();
    if (c == 0x5b) return this.array();
    if (c == 0x22) { const s = this.string(); return this.failed ? s : s; }
    if (this.text.startsWith("true", this.pos)) { this.pos += 4; return JSONValue.bool(true); }
    if (this.text.startsWith("false", this.pos)) { this.pos += 5; return JSONValue.bool(false); }
    if (this.text.startsWith("null", this.pos)) { this.pos += 4; return JSONValue.null(); }
    return this.number();
  }

  object(): JSONValue {
    const v = JSONValue.object();
    this.pos++;
    this.skip();
    if (this.pos < this.text.length && this.text.charCodeAt(this.pos) == 0x7d) { this.pos++; return v; }
    while (!this.failed) {
      this.skip();
      if (this.pos >= this.text.length || this.text.charCodeAt(this.pos) != 0x22) return this.fail();
      const key = this.string();
      this.skip();
      if (this.pos >= this.text.length || this.text.charCodeAt(this.pos) != 0x3a) return this.fail();
      this.pos++;
      v.set(key.s, this.value());
      this.skip();
      if (this.pos >= this.text.length) return this.fail();
      const c = this.text.charCodeAt(this.pos++);
      if (c == 0x7d) return v;
      if (c != 0x2c) return this.fail();
    }
    return v;
  }

  array(): JSONValue {
    const v = JSONValue.array();
    this.pos++;
    this.skip();
    if (this.pos < this.text.length && this.text.charCodeAt(this.pos) == 0x5d) { this.pos++; return v; }
    while (!this.failed) {
      v.push(this.value());
      this.skip();
      if (this.pos >= this.text.length) return this.fail();
      const c = this.text.charCodeAt(this.pos++);
      if (c == 0x5d) return v;
      if (c != 0x2c) return this.fail();
    }
    return v;
  }

  string(): JSONValue {
    this.pos++;
    let out = "";
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos++);
      if (c == 0x22) return JSONValue.string(out);
      if (c != 0x5c) { out += String.fromCharCode(c); continue; }
      if (this.pos >= this.text.length) break;
      const e = this.text.charCodeAt(this.pos++);
      if (e == 0x6e) out += "\n";
      else if (e == 0x74) out += "\t";
      else if (e == 0x72) out += "\r";
      else if (e == 0x62) out += "\b";
      else if (e == 0x66) out += "\f";
      else if (e == 0x75) {
        if (this.pos + 4 > this.text.length) break;
        out += String.fromCharCode(<i32>I32.parseInt(this.text.substring(this.pos, this.pos + 4), 16));
        this.pos += 4;
      } else out += String.fromCharCode(e);
    }
    this.fail();
    return JSONValue.string(out);
  }

  number(): JSONValue {
    const start = this.pos;
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if ((c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x2b || c == 0x2e || c == 0x65 || c == 0x45) this.pos++;
      else break;
    }
    if (this.pos == start) return this.fail();
    return JSONValue.number(F64.parseFloat(this.text.substring(start, this.pos)));
  }
}

/** Parses JSON text; malformed text gives null. */
export function parse(text: string): JSONValue {
  const p = new Parser(text);
  const v = p.value();
  return p.failed ? JSONValue.null() : v;
}
