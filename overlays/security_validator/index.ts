// security_validator (security): refuses queries that carry secrets or card numbers, or are too long.
import { JSONValue, configGet, eventPublish, input, output } from "../sdk";
export { forge_alloc } from "../sdk";

function isDigit(c: i32): bool { return c >= 48 && c <= 57; }

/** 13 to 19 digits in a row, allowing single spaces or dashes between them: a payment card number. */
function hasCardNumber(s: string): bool {
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) {
      digits++;
      if (digits >= 13) return true;
    } else if ((c == 32 || c == 45) && digits > 0 && i + 1 < s.length && isDigit(s.charCodeAt(i + 1))) {
      continue;
    } else digits = 0;
  }
  return false;
}

/** An access key id shaped like "AKIA" + 16 upper-case letters or digits. */
function hasAccessKey(s: string): bool {
  let at = s.indexOf("AKIA");
  while (at >= 0) {
    let n = 0;
    for (let i = at + 4; i < s.length && n < 16; i++, n++) {
      const c = s.charCodeAt(i);
      if (!((c >= 65 && c <= 90) || isDigit(c))) break;
    }
    if (n == 16) return true;
    at = s.indexOf("AKIA", at + 1);
  }
  return false;
}

export function process(ptr: usize, len: i32): i64 {
  const req = input(ptr, len);
  const request = req.get("request");
  const query = request != null ? request.getString("query") : "";
  const configured = configGet("max_query_length");
  const limit = configured.getBool("ok") ? configured.getNumber("value", 4000) : 4000;
  const checks = JSONValue.array()
    .push(JSONValue.string("length"))
    .push(JSONValue.string("card-number"))
    .push(JSONValue.string("access-key"));
  let reason = "";
  let pattern = "";
  let severity = "";
  if (<f64>query.length > limit) {
    reason = "query is longer than " + (<i32>limit).toString() + " characters";
    pattern = "oversized-query";
    severity = "low";
  } else if (hasCardNumber(query)) {
    reason = "query contains what looks like a payment card number";
    pattern = "card-number";
    severity = "high";
  } else if (hasAccessKey(query)) {
    reason = "query contains what looks like an access key";
    pattern = "access-key";
    severity = "critical";
  }
  const result = JSONValue.object().setBool("allowed", reason.length == 0).set("checks", checks);
  if (reason.length > 0) {
    result.setString("reason", reason);
    // Tell the fleet: the start of a cascade (ml-intelligence learns the pattern, and so on).
    const threat = JSONValue.object().setString("pattern", pattern).setString("severity", severity);
    const id = request != null ? request.getString("id") : "";
    if (id.length > 0) threat.setString("request_id", id);
    result.setBool("reported", eventPublish("security_threat", threat) == 0);
  }
  return output(result);
}
