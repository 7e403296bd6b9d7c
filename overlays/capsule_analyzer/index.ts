// capsule_analyzer (context): how good the retrieved knowledge is for this request.
import { JSONValue, capsuleRead, input, output } from "../sdk";
export { forge_alloc } from "../sdk";

export function process(ptr: usize, len: i32): i64 {
  const req = input(ptr, len);
  const capsules = req.getArray("capsules");
  let sum: f64 = 0, top: f64 = 0;
  for (let i = 0; i < capsules.length; i++) {
    const s = capsules[i].getNumber("score");
    sum += s;
    if (s > top) top = s;
  }
  const result = JSONValue.object()
    .setNumber("retrieved", <f64>capsules.length)
    .setNumber("top_score", top)
    .setNumber("mean_score", capsules.length > 0 ? sum / <f64>capsules.length : 0);
  if (capsules.length > 0) {
    // Look at the best capsule itself (as far as this overlay's trust level allows).
    const read = capsuleRead(capsules[0].getString("id"));
    const capsule = read.get("capsule");
    if (read.getBool("ok") && capsule != null) {
      result.set(
        "top_capsule",
        JSONValue.object()
          .setString("id", capsule.getString("id"))
          .setString("version", capsule.getString("version"))
          .setNumber("trust_level", capsule.getNumber("trust_level"))
          .setNumber("length", <f64>capsule.getString("content").length),
      );
    }
  }
  result.setString("coverage", capsules.length == 0 ? "none" : top > 0.03 ? "strong" : "weak");
  return output(result);
}

// New knowledge: each capsule as it is created, read at the event's trust and sized up.
export function on_event(ptr: usize, len: i32): i64 {
  const event = input(ptr, len).get("event");
  const payload = event != null ? event.get("payload") : null;
  const id = payload != null ? payload.getString("capsule_id") : "";
  const reply = capsuleRead(id);
  const capsule = reply.get("capsule");
  if (!reply.getBool("ok") || capsule == null) return output(JSONValue.object().setString("capsule_id", id).setBool("read", false));
  const content = capsule.getString("content");
  let words = 0;
  let inWord = false;
  for (let i = 0; i < content.length; i++) {
    const space = content.charCodeAt(i) <= 32;
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return output(JSONValue.object().setString("capsule_id", id).setBool("read", true).setNumber("words", <f64>words).setNumber("trust_level", capsule.getNumber("trust_level")));
}
