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

// Constitutional review of a governance proposal against the rules the organisation configured.
// Input: {proposal: {kind, title, description, action}, rules: {min_description_chars, max_trust_step,
// forbidden_kinds}, current_trust?}. Output: {compliant, findings, rules_checked}.
export function review_proposal(ptr: usize, len: i32): i64 {
  const req = input(ptr, len);
  const proposal = req.get("proposal");
  const rules = req.get("rules");
  const findings = JSONValue.array();
  let checked = 0;
  if (proposal == null || rules == null) {
    findings.push(JSONValue.string("no proposal or no rules given"));
    return output(JSONValue.object().setBool("compliant", false).set("findings", findings).setNumber("rules_checked", 0));
  }
  const kind = proposal.getString("kind");
  const description = proposal.getString("description");
  const minChars = rules.getNumber("min_description_chars", 0);
  if (minChars > 0) {
    checked++;
    if (<f64>description.length < minChars) {
      findings.push(JSONValue.string("the description has " + description.length.toString() + " characters; the rules ask for at least " + (<i32>minChars).toString()));
    }
  }
  const forbidden = rules.getArray("forbidden_kinds");
  checked++;
  for (let i = 0; i < forbidden.length; i++) {
    if (forbidden[i].s == kind) findings.push(JSONValue.string("proposals of kind " + kind + " are not allowed by the rules"));
  }
  const maxStep = rules.getNumber("max_trust_step", 0);
  const action = proposal.get("action");
  if (kind == "trust_change" && maxStep > 0 && action != null && req.get("current_trust") != null) {
    checked++;
    const to = action.getNumber("trust_level", 0);
    const from = req.getNumber("current_trust", 0);
    const step = to > from ? to - from : from - to;
    if (step > maxStep) {
      findings.push(JSONValue.string("a trust change of " + (<i32>step).toString() + " levels exceeds the rules' largest step of " + (<i32>maxStep).toString()));
    }
  }
  return output(JSONValue.object().setBool("compliant", findings.items.length == 0).set("findings", findings).setNumber("rules_checked", <f64>checked));
}
