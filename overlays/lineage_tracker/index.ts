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

// Cascade's end: a governance action is traced back along its chain (the event's cascade and hop), so the
// record of who decided what can be followed to the threat that started it.
export function on_event(ptr: usize, len: i32): i64 {
  const event = input(ptr, len).get("event");
  if (event == null) return output(JSONValue.object().setBool("traced", false));
  const source = event.get("source");
  return output(
    JSONValue.object()
      .setBool("traced", true)
      .setString("cascade_id", event.getString("cascade_id"))
      .setNumber("hop", event.getNumber("hop"))
      .setString("decided_by", source != null ? source.getString("name", source.getString("id")) : ""),
  );
}
