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
