/**
 * What client commands print for people: a list as a table of its plainest fields, one thing as aligned
 * `field  value` lines. `--json` prints the API's answer as it is, for machines.
 */

/** The fields a table shows first, when its rows have them. */
const PREFERRED = ['id', 'name', 'title', 'version', 'status', 'state', 'role', 'kind', 'type', 'trust_level', 'score', 'content', 'created_at'] as const;
/** At most this many columns, and this many characters a cell. */
const MAX_COLUMNS = 7;
const MAX_CELL = 48;

type Row = Readonly<Record<string, unknown>>;

const isPlain = (v: unknown): v is string | number | boolean | null => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** A value on one line, cut at `width` with an ellipsis. */
function cell(value: unknown, width = MAX_CELL): string {
  const text = value === null || value === undefined ? '' : isPlain(value) ? String(value) : JSON.stringify(value);
  const line = text.replace(/\s+/g, ' ');
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** The list a body holds: itself, or its `items` / `results` / `entries`. */
function listOf(body: unknown): { rows: Row[]; rest: Row } | null {
  if (Array.isArray(body)) return { rows: body as Row[], rest: {} };
  if (body && typeof body === 'object') {
    for (const key of ['items', 'results', 'entries', 'descendants', 'ancestors']) {
      const list = (body as Row)[key];
      if (Array.isArray(list)) {
        const { [key]: _list, ...rest } = body as Row;
        return { rows: list as Row[], rest };
      }
    }
  }
  return null;
}

/** A table of rows: the preferred plain fields first, then others, at most MAX_COLUMNS. */
export function table(rows: readonly Row[]): string {
  if (rows.length === 0) return '(none)';
  // A row that wraps its subject (`{capsule, score}`) shows the subject's fields beside its own.
  const flat = rows.map((r) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r ?? {})) {
      if (v && typeof v === 'object' && !Array.isArray(v) && ['capsule', 'user', 'overlay', 'proposal'].includes(k)) Object.assign(out, v);
      else out[k] = v;
    }
    return out;
  });
  const keys = [...new Set(flat.flatMap((r) => Object.keys(r).filter((k) => isPlain(r[k]))))];
  const columns = [...PREFERRED.filter((k) => keys.includes(k)), ...keys.filter((k) => !(PREFERRED as readonly string[]).includes(k))].slice(0, MAX_COLUMNS);
  const cells = flat.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(columns), ...cells.map(line)].join('\n');
}

/** One thing as `field  value` lines; a nested list becomes a table under its field's name. */
export function details(body: Row): string {
  const entries = Object.entries(body);
  if (entries.length === 0) return '(empty)';
  const width = Math.max(...entries.map(([k]) => k.length));
  const out: string[] = [];
  for (const [key, value] of entries) {
    if (Array.isArray(value) && value.length > 0 && value.every((v) => v && typeof v === 'object')) out.push(`${key}:`, indent(table(value as Row[])));
    else if (Array.isArray(value) && value.every(isPlain)) out.push(`${key.padEnd(width)}  ${value.join(', ')}`);
    else out.push(`${key.padEnd(width)}  ${cell(value, 100)}`);
  }
  return out.join('\n');
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

/** What a client command prints of an API answer for people. */
export function human(body: unknown): string {
  if (body === undefined || body === null || body === '') return '';
  if (typeof body === 'string') return body;
  const list = listOf(body);
  if (list) {
    const summary = Object.entries(list.rest)
      .filter(([, v]) => isPlain(v) && v !== null)
      .map(([k, v]) => `${k} ${String(v)}`);
    const count = `${list.rows.length} ${list.rows.length === 1 ? 'row' : 'rows'}`;
    return `${table(list.rows)}\n(${[count, ...summary].join('; ')})`;
  }
  if (typeof body === 'object') {
    const b = body as Row;
    // An API error: its message on one line, then what it names.
    if (typeof b.error === 'string' && typeof b.message === 'string') {
      const { error, message, ...rest } = b;
      return [`${String(error)}: ${String(message)}`, ...(Object.keys(rest).length ? [details(rest)] : [])].join('\n');
    }
    return details(b);
  }
  return String(body);
}
