// performance_optimizer (optimization): advice on the answer parameters and the cache.
import { JSONValue, input, output } from "../sdk";
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
