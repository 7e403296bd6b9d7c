import { stem, words, isStopword } from './text.js';

/** The embedder port: text in, a unit-length vector out. */
export interface Embedder {
  readonly name: string;
  readonly dimensions: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
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
    const counts = new Map<number, number>();
    const add = (feature: string, weight: number) => {
      const h = fnv1a(feature);
      const bucket = h % this.dimensions;
      const sign = (fnv1a(feature, 0x9747b28c) & 1) === 0 ? 1 : -1;
      counts.set(bucket, (counts.get(bucket) ?? 0) + sign * weight);
    };
    const stems = words(text)
      .filter((w) => !isStopword(w))
      .map(stem);
    for (let i = 0; i < stems.length; i++) {
      const s = stems[i] as string;
      add(`w:${s}`, 1);
      if (i > 0) add(`b:${stems[i - 1]} ${s}`, 0.5);
      const padded = `^${s}$`;
      for (let j = 0; j + 4 <= padded.length; j++) add(`c:${padded.slice(j, j + 4)}`, 0.25);
    }
    const vector = new Float32Array(this.dimensions);
    let norm = 0;
    for (const [bucket, value] of counts) {
      const scaled = Math.sign(value) * Math.log1p(Math.abs(value));
      vector[bucket] = scaled;
      norm += scaled * scaled;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / norm;
    return vector;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }
}

/** Cosine similarity of two unit vectors. */
export function cosine(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let dot = 0;
  for (let i = 0; i < n; i++) dot += (a[i] as number) * (b[i] as number);
  return dot;
}
