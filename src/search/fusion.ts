/** How much each side of a hybrid search weighs in `weightedFusion`, and a thread neighbour in `withThreadNeighbours`. */
export interface FusionWeights {
  readonly vector: number;
  readonly text: number;
  /** @defaultValue THREAD_NEIGHBOUR_WEIGHT */
  readonly neighbours?: number;
}

/**
 * The weights of an embedder that names none (`Embedder.vectorWeight`; the built-in model's MODEL.json
 * says 0.5): measured best through the store on the LoCoMo development half (docs/benchmarks.md,
 * "Retrieval on LoCoMo"), the text side — the reader's BM25 over stemmed terms — a little ahead.
 */
export const DEFAULT_FUSION: FusionWeights = { vector: 0.4, text: 0.6 };

/**
 * Weighted score fusion: each side's scores are scaled to [0, 1] over its own candidates (min–max; a side
 * whose candidates all score alike gives each 1), then summed with the weights; a capsule one side did not
 * find gets 0 from it. Unlike rank fusion it keeps how far apart the candidates of a side are.
 */
export function weightedFusion(
  sides: { readonly vector: ReadonlyArray<readonly [string, number]>; readonly text: ReadonlyArray<readonly [string, number]> },
  weights: FusionWeights = DEFAULT_FUSION,
): Map<string, number> {
  const scores = new Map<string, number>();
  const add = (side: ReadonlyArray<readonly [string, number]>, weight: number) => {
    if (side.length === 0) return;
    let lo = Infinity;
    let hi = -Infinity;
    for (const [, s] of side) {
      if (s < lo) lo = s;
      if (s > hi) hi = s;
    }
    for (const [id, s] of side) scores.set(id, (scores.get(id) ?? 0) + weight * (hi > lo ? (s - lo) / (hi - lo) : 1));
  };
  add(sides.vector, weights.vector);
  add(sides.text, weights.text);
  return scores;
}

/** Where a capsule sits in a thread (a conversation, a document read in order): `metadata.thread` and `metadata.position`. */
export interface ThreadPlace {
  readonly thread: string;
  readonly position: number;
}

/** A capsule's place in its thread, when its metadata names one (a string `thread`, an integer `position`). */
export function threadPlaceOf(metadata: Readonly<Record<string, unknown>>): ThreadPlace | null {
  const { thread, position } = metadata;
  return typeof thread === 'string' && thread.length > 0 && Number.isSafeInteger(position) ? { thread, position: position as number } : null;
}

/**
 * How much of its better neighbour's fused score a capsule in a thread gains (docs/benchmarks.md: on LoCoMo
 * a turn's answer is often spread over it and the turn next to it).
 */
export const THREAD_NEIGHBOUR_WEIGHT = 0.3;

/**
 * Fused scores with each threaded capsule raised by `weight` × the better fused score of the capsules just
 * before and after it in its thread, where they are candidates too (a neighbour found by neither side adds
 * nothing). Scores are read from `fused` as it was: a neighbour's own gain does not pass on.
 */
export function withThreadNeighbours(
  fused: ReadonlyMap<string, number>,
  placeOf: (id: string) => ThreadPlace | null,
  weight: number = THREAD_NEIGHBOUR_WEIGHT,
): Map<string, number> {
  const at = new Map<string, number>();
  const places = new Map<string, ThreadPlace>();
  for (const [id, score] of fused) {
    const place = placeOf(id);
    if (!place) continue;
    places.set(id, place);
    at.set(`${place.position}\u0000${place.thread}`, score);
  }
  if (places.size === 0) return new Map(fused);
  const out = new Map(fused);
  for (const [id, { thread, position }] of places) {
    const neighbour = Math.max(at.get(`${position - 1}\u0000${thread}`) ?? 0, at.get(`${position + 1}\u0000${thread}`) ?? 0);
    if (neighbour > 0) out.set(id, (fused.get(id) as number) + weight * neighbour);
  }
  return out;
}
