// performance_optimizer (optimization): advice on the answer parameters and the cache.
import { JSONValue, eventPublish, input, output } from "../sdk";
export { forge_alloc } from "../sdk";

export function process(ptr: usize, len: i32): i64 {
  const req = input(ptr, len);
  const params = req.get("parameters");
  const maxSentences = params != null ? params.getNumber("max_sentences", 3) : 3;
  const cached = req.getBool("cached");
  const advice = JSONValue.array();
  if (cached) advice.push(JSONValue.string("served from the answer cache"));
  if (maxSentences >= 5) advice.push(JSONValue.string("complex question: a long answer is planned; narrower questions answer faster"));
  if (!cached && maxSentences <= 3) advice.push(JSONValue.string("simple question: a good candidate for caching"));
  return output(JSONValue.object().set("recommendations", advice).setBool("cache_hit", cached).setNumber("planned_sentences", maxSentences));
}

// Cascade step 2: a model update changes what may be served from the answer cache.
export function on_event(ptr: usize, len: i32): i64 {
  const event = input(ptr, len).get("event");
  const payload = event != null ? event.get("payload") : null;
  const model = payload != null ? payload.getString("model", "unknown") : "unknown";
  const details = payload != null ? payload.get("details") : null;
  const pattern = details != null ? details.getString("pattern", "") : "";
  const change = pattern.length > 0 ? "bypass the answer cache for queries matching " + pattern : "re-check cached answers after " + model;
  const applied = JSONValue.object()
    .setString("target", "answer-cache")
    .setString("change", change)
    .set("details", JSONValue.object().setString("model", model));
  return output(JSONValue.object().setString("change", change).setBool("published", eventPublish("optimization_applied", applied) == 0));
}
