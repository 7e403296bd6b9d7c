/** How much each side of a hybrid search weighs in `weightedFusion`. */
export interface FusionWeights {
  readonly vector: number;
  readonly text: number;
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
