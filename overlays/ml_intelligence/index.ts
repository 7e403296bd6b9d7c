// ml_intelligence (analysis): recognises patterns in a query and scores how unusual it looks.
import { JSONValue, eventPublish, input, output } from "../sdk";
export { forge_alloc } from "../sdk";

function ratio(count: i32, total: i32): f64 {
  return total == 0 ? 0 : <f64>count / <f64>total;
}

export function process(ptr: usize, len: i32): i64 {
  const req = input(ptr, len);
  const request = req.get("request");
  const query = request != null ? request.getString("query") : "";
  let digits = 0, upper = 0, symbols = 0, longestRun = 0, run = 0;
  let last: i32 = -1;
  for (let i = 0; i < query.length; i++) {
    const c = query.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c >= 65 && c <= 90) upper++;
    else if (!(c >= 97 && c <= 122) && c != 32) symbols++;
    run = c == last ? run + 1 : 1;
    if (run > longestRun) longestRun = run;
    last = c;
  }
  const n = query.length;
  const patterns = JSONValue.array();
  if (query.indexOf("?") >= 0) patterns.push(JSONValue.string("question"));
  if (ratio(digits, n) > 0.3) patterns.push(JSONValue.string("numeric-heavy"));
  if (ratio(upper, n) > 0.5 && n > 8) patterns.push(JSONValue.string("shouting"));
  if (longestRun >= 6) patterns.push(JSONValue.string("repetition"));
  if (n > 1000) patterns.push(JSONValue.string("very-long"));
  if (query.indexOf("http://") >= 0 || query.indexOf("https://") >= 0) patterns.push(JSONValue.string("contains-url"));
  // 0 = ordinary prose; each unusual trait adds to the score, capped at 1.
  let score = ratio(symbols, n) * 1.5 + ratio(digits, n) + (ratio(upper, n) > 0.5 ? 0.3 : 0) + (longestRun >= 6 ? 0.3 : 0) + (n > 1000 ? 0.2 : 0);
  if (score > 1) score = 1;
  return output(
    JSONValue.object()
      .set("patterns", patterns)
      .setNumber("anomaly_score", Math.round(score * 1000) / 1000)
      .setNumber("length", <f64>n),
  );
}

// Cascade step 1: a threat the security validator reported becomes a pattern this model watches for.
export function on_event(ptr: usize, len: i32): i64 {
  const event = input(ptr, len).get("event");
  const payload = event != null ? event.get("payload") : null;
  const pattern = payload != null ? payload.getString("pattern", "unknown") : "unknown";
  const severity = payload != null ? payload.getString("severity", "low") : "low";
  const update = JSONValue.object()
    .setString("model", "ml-intelligence/threat-patterns")
    .setString("reason", "learned threat pattern " + pattern + " (" + severity + ")")
    .set("details", JSONValue.object().setString("pattern", pattern).setString("severity", severity));
  return output(JSONValue.object().setString("learned", pattern).setBool("published", eventPublish("model_updated", update) == 0));
}
