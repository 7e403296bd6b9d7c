// lineage_tracker (intelligence): the sources behind an answer, with their versions and parents.
import { JSONValue, capsuleRead, input, output } from "../sdk";
export { forge_alloc } from "../sdk";

export function process(ptr: usize, len: i32): i64 {
  const req = input(ptr, len);
  const citations = req.getArray("citations");
  const sources = JSONValue.array();
  let derived = 0;
  for (let i = 0; i < citations.length; i++) {
    const read = capsuleRead(citations[i].s);
    const capsule = read.get("capsule");
    if (!read.getBool("ok") || capsule == null) {
      sources.push(JSONValue.object().setString("id", citations[i].s).setBool("readable", false));
      continue;
    }
    const parent = capsule.get("parent_id");
    if (parent != null && !parent.isNull) derived++;
    sources.push(
      JSONValue.object()
        .setString("id", capsule.getString("id"))
        .setString("version", capsule.getString("version"))
        .set("parent_id", parent != null ? parent : JSONValue.null())
        .setBool("readable", true),
    );
  }
  return output(JSONValue.object().setNumber("cited", <f64>citations.length).setNumber("derived_sources", <f64>derived).set("sources", sources));
}
