import { contextPassageOf, passagesOf } from './passages.js';
import { stem, words, isStopword } from './text.js';

/** The embedder port: text in, a unit-length vector out. */
export interface Embedder {
  readonly name: string;
  readonly dimensions: number;
  /**
   * The cosine similarity below which a text does not answer a query, for embedders whose similarities mean
   * that (a sentence model, calibrated); absent: no floor.
   */
  readonly relevanceFloor?: number;
  /**
   * The vector side's weight in hybrid search, against the text side's `1 - vectorWeight`: how far this
   * embedder's similarities are worth trusting over shared words. @defaultValue DEFAULT_FUSION's
   */
  readonly vectorWeight?: number;
  /** Texts to store and search: passages. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** Texts to search for, for a model that embeds queries apart from passages (e5's `query: `); absent: `embed`. */
  embedQueries?(texts: readonly string[]): Promise<Float32Array[]>;
}

/** Embeds queries the way the embedder wants queries embedded. */
export function embedQueries(embedder: Pick<Embedder, 'embed' | 'embedQueries'>, texts: readonly string[]): Promise<Float32Array[]> {
  return embedder.embedQueries ? embedder.embedQueries(texts) : embedder.embed(texts);
}

/** What a capsule's text is embedded as: its whole, and its passages (see `passagesOf`), each a unit vector. */
export interface TextEmbedding {
  readonly embedding: Float32Array;
  readonly passage_embeddings: Float32Array[];
}

/**
 * Embeds texts and their passages in one call to the embedder. `before[i]`, when given, is the text before
 * `texts[i]` in its thread: the two read together are one more passage (`contextPassageOf`).
 */
export async function embedWithPassages(
  embedder: Pick<Embedder, 'embed'>,
  texts: readonly string[],
  before: ReadonlyArray<string | null | undefined> = [],
): Promise<TextEmbedding[]> {
  const passages = texts.map((text, i) => {
    const context = before[i];
    return context ? [...passagesOf(text), contextPassageOf(context, text)] : passagesOf(text);
  });
  const vectors = await embedder.embed([...texts, ...passages.flat()]);
  let at = texts.length;
  return texts.map((_, i) => {
    const count = (passages[i] as string[]).length;
    const own = vectors.slice(at, at + count);
    at += count;
    return { embedding: vectors[i] as Float32Array, passage_embeddings: own };
  });
}

/** The cosine of `query` and the nearer of a capsule's whole text and its passages. */
export function lateCosine(query: Float32Array, embedding: Float32Array, passages: readonly Float32Array[]): number {
  let best = cosine(query, embedding);
  for (const p of passages) {
    const c = cosine(query, p);
    if (c > best) best = c;
  }
  return best;
}

/** How a capsule records the embedder that embedded it: its name and size (`feature-hashing-v1@256`). */
export function embeddingModelOf(embedder: Pick<Embedder, 'name' | 'dimensions'>): string {
  return `${embedder.name}@${embedder.dimensions}`;
}

/** FNV-1a, 32 bit. */
function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A deterministic feature-hashing embedder that needs no download. Features are word stems, adjacent-stem
 * bigrams and character 4-grams of each stem (so "deployment" and "deploys" overlap), hashed with a sign
 * bit into `dimensions` buckets, log-scaled and L2-normalised. Texts that share vocabulary score higher
 * than texts that do not; it is not a semantic model, and the OpenAI-compatible adapter replaces it.
 */
export class HashingEmbedder implements Embedder {
  readonly name = 'feature-hashing-v1';
  readonly dimensions: number;

  constructor(dimensions = 256) {
    this.dimensions = dimensions;
  }

  embedOne(text: string): Float32Array {
    const state = this.start(text);
    this.advance(state, Infinity);
    return this.finish(state);
  }

  /**
   * Long texts are embedded a slice of words at a time, yielding to the event loop between slices, so a
   * 100,000-character capsule never holds up the requests served beside it. Same vector as `embedOne`.
   */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const text of texts) {
      const state = this.start(text);
      while (!this.advance(state, WORDS_PER_SLICE)) await new Promise((resolve) => setImmediate(resolve));
      out.push(this.finish(state));
    }
    return out;
  }

  private start(text: string): EmbeddingState {
    return { words: words(text), next: 0, previous: null, counts: new Map() };
  }

  /** Takes up to `budget` more words into the counts; true when every word is in. */
  private advance(state: EmbeddingState, budget: number): boolean {
    const { counts } = state;
    const add = (feature: string, weight: number) => {
      const h = fnv1a(feature);
      const bucket = h % this.dimensions;
      const sign = (fnv1a(feature, 0x9747b28c) & 1) === 0 ? 1 : -1;
      counts.set(bucket, (counts.get(bucket) ?? 0) + sign * weight);
    };
    const end = Math.min(state.words.length, state.next + budget);
    for (; state.next < end; state.next++) {
      const w = state.words[state.next] as string;
      if (isStopword(w)) continue;
      const s = stem(w);
      add(`w:${s}`, 1);
      if (state.previous !== null) add(`b:${state.previous} ${s}`, 0.5);
      const padded = `^${s}$`;
      for (let j = 0; j + 4 <= padded.length; j++) add(`c:${padded.slice(j, j + 4)}`, 0.25);
      state.previous = s;
    }
    return state.next >= state.words.length;
  }

  private finish(state: EmbeddingState): Float32Array {
    const vector = new Float32Array(this.dimensions);
    let norm = 0;
    for (const [bucket, value] of state.counts) {
      const scaled = Math.sign(value) * Math.log1p(Math.abs(value));
      vector[bucket] = scaled;
      norm += scaled * scaled;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / norm;
    return vector;
  }
}

/** Words embedded between two yields to the event loop. */
const WORDS_PER_SLICE = 2000;

interface EmbeddingState {
  readonly words: string[];
  next: number;
  /** The stem before the next word (bigrams span slices). */
  previous: string | null;
  readonly counts: Map<number, number>;
}

/** Cosine similarity of two unit vectors. */
export function cosine(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let dot = 0;
  for (let i = 0; i < n; i++) dot += (a[i] as number) * (b[i] as number);
  return dot;
}
