/**
 * How much each side of a hybrid search weighs in `weightedFusion`, and a capsule's thread in
 * `withThreadContext`.
 */
export interface FusionWeights {
  readonly vector: number;
  readonly text: number;
  /**
   * The weight of a thread neighbour next to a capsule; the farther ones' (`THREAD_WINDOW`) scale with it, 0
   * turns the window off. @defaultValue THREAD_WINDOW[0]
   */
  readonly neighbours?: number;
  /** The weight of the capsule before one, when that one asks a question. @defaultValue ANSWER_WEIGHT */
  readonly answers?: number;
}

/**
 * Candidates each side of a hybrid search ranks for fusion, at least: enough that a good match's thread
 * neighbours are among them (`withThreadContext` weighs only candidates). 50 before; 100 measured +0.006
 * recall@10 on LoCoMo (docs/benchmarks.md).
 */
export const MIN_CANDIDATES = 100;

/** Candidates each side ranks for a search that returns `limit`. */
export function candidatesPerSide(limit: number): number {
  return Math.max(limit * 4, MIN_CANDIDATES);
}

/**
 * The weights of an embedder that names none (`Embedder.vectorWeight`; the built-in model's MODEL.json
 * says 0.55): measured best through the store on the LoCoMo development half (docs/benchmarks.md,
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
  /** Its text ends with a question: what follows it in the thread may be the answer. */
  readonly asks?: boolean;
}

/**
 * A capsule's place in its thread, when its metadata names one (a string `thread`, an integer `position`);
 * given its content, whether it asks a question too.
 */
export function threadPlaceOf(metadata: Readonly<Record<string, unknown>>, content?: string): ThreadPlace | null {
  const { thread, position } = metadata;
  if (typeof thread !== 'string' || thread.length === 0 || !Number.isSafeInteger(position)) return null;
  return content === undefined ? { thread, position: position as number } : { thread, position: position as number, asks: asksQuestion(content) };
}

/** Whether a text ends with a question ("… How long have you been married?"). */
export function asksQuestion(content: string): boolean {
  return content.trimEnd().endsWith('?');
}

/**
 * How much of a neighbour's fused score a threaded capsule gains, by distance in the thread (1, 2, 3, 4):
 * the better of the two neighbours at each distance. Measured on LoCoMo (docs/benchmarks.md): a turn's
 * answer is often spread over it and the turns around it, and a turn near several good matches is in the
 * part of the conversation the question is about.
 */
export const THREAD_WINDOW: readonly number[] = [0.3, 0.25, 0.2, 0.15];

/**
 * How much of its predecessor's fused score a capsule gains when the predecessor asks a question — it may be
 * the answer ("How long have you been married?" — "5 years already!"). Measured on LoCoMo as the window.
 */
export const ANSWER_WEIGHT = 0.4;

/**
 * Fused scores with each threaded capsule raised by its thread around it, where those capsules are candidates
 * too (one found by neither side adds nothing): at each distance of `THREAD_WINDOW` the better neighbour's
 * score times the distance's weight (scaled so the nearest weighs `weights.neighbours`), and `weights.answers`
 * × its predecessor's score when the predecessor asks a question. Scores are read from `fused` as it was: a
 * neighbour's own gain does not pass on.
 */
export function withThreadContext(
  fused: ReadonlyMap<string, number>,
  placeOf: (id: string) => ThreadPlace | null,
  weights: Pick<FusionWeights, 'neighbours' | 'answers'> = {},
): Map<string, number> {
  const nearest = THREAD_WINDOW[0] as number;
  const window = THREAD_WINDOW.map((w) => (w * (weights.neighbours ?? nearest)) / nearest);
  const answers = weights.answers ?? ANSWER_WEIGHT;
  const at = new Map<string, { score: number; asks: boolean }>();
  const places = new Map<string, ThreadPlace>();
  for (const [id, score] of fused) {
    const place = placeOf(id);
    if (!place) continue;
    places.set(id, place);
    at.set(`${place.position}\u0000${place.thread}`, { score, asks: place.asks === true });
  }
  if (places.size === 0) return new Map(fused);
  const scoreAt = (thread: string, position: number) => at.get(`${position}\u0000${thread}`)?.score ?? 0;
  const out = new Map(fused);
  for (const [id, { thread, position }] of places) {
    let gain = 0;
    window.forEach((weight, i) => {
      if (weight !== 0) gain += weight * Math.max(scoreAt(thread, position - i - 1), scoreAt(thread, position + i + 1));
    });
    const before = at.get(`${position - 1}\u0000${thread}`);
    if (before?.asks) gain += answers * before.score;
    if (gain > 0) out.set(id, (fused.get(id) as number) + gain);
  }
  return out;
}

/**
 * The search's final order: `fused` weighed by each candidate's thread (`withThreadContext`, the candidates'
 * places read from `capsules`), best first (ties by id), the first `limit`.
 */
export function rankInThreads(
  fused: ReadonlyMap<string, number>,
  capsules: ReadonlyMap<string, { readonly metadata: Readonly<Record<string, unknown>>; readonly content: string }>,
  weights: Pick<FusionWeights, 'neighbours' | 'answers'>,
  limit: number,
): Array<[string, number]> {
  const placed = withThreadContext(
    fused,
    (id) => {
      const c = capsules.get(id);
      return c ? threadPlaceOf(c.metadata, c.content) : null;
    },
    weights,
  );
  return [...placed].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit);
}
