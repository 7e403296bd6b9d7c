// symbolic_governance (intelligence): rule checks on every answer before it is kept.
import { JSONValue, eventPublish, input, output } from "../sdk";
export { forge_alloc } from "../sdk";

export function process(ptr: usize, len: i32): i64 {
  const req = input(ptr, len);
  const answer = req.getString("answer");
  const citations = req.getArray("citations");
  const violations = JSONValue.array();
  // Rule 1: an answer that states something cites where it came from.
  if (answer.length > 0 && citations.length == 0 && answer.indexOf("No capsule") != 0) violations.push(JSONValue.string("uncited-answer"));
  // Rule 2: every citation marker in the text refers to a listed citation.
  for (let n = citations.length + 1; n <= citations.length + 3; n++) {
    if (answer.indexOf("[" + n.toString() + "]") >= 0) violations.push(JSONValue.string("dangling-citation-marker"));
  }
  // Rule 3: answers stay within a readable length.
  if (answer.length > 4000) violations.push(JSONValue.string("answer-too-long"));
  return output(JSONValue.object().setBool("compliant", violations.items.length == 0).set("violations", violations).setNumber("rules_checked", 3));
}

// Cascade step 3: an applied optimisation is put on the governance record (the audit log keeps the chain).
export function on_event(ptr: usize, len: i32): i64 {
  const event = input(ptr, len).get("event");
  const payload = event != null ? event.get("payload") : null;
  const target = payload != null ? payload.getString("target", "unknown") : "unknown";
  const change = payload != null ? payload.getString("change", "") : "";
  const action = JSONValue.object()
    .setString("action", "record_optimization")
    .setString("outcome", "recorded for review")
    .set("details", JSONValue.object().setString("target", target).setString("change", change));
  return output(JSONValue.object().setString("recorded", target).setBool("published", eventPublish("governance_action", action) == 0));
}
