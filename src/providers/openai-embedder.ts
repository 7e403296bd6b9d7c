import { z } from 'zod';
import { ProviderError } from '../errors.js';
import type { Embedder } from '../search/embedder.js';
import type { OpenAiClient } from './openai-client.js';

export interface OpenAiEmbedderOptions {
  readonly client: OpenAiClient;
  readonly model: string;
  /** The model's vector size; an answer of any other size is refused, naming both. */
  readonly dimensions: number;
  /** Texts per `/embeddings` call. @defaultValue 64 */
  readonly batchSize?: number;
  /** Ask the model for `dimensions` (models that can shorten their vectors, e.g. text-embedding-3). @defaultValue false */
  readonly requestDimensions?: boolean;
}

const EmbeddingsResponse = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: z.array(z.number()) })),
});

/** Embeddings from an OpenAI-compatible `/embeddings` endpoint, batched, unit-normalised. */
export class OpenAiEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;
  private readonly client: OpenAiClient;
  private readonly model: string;
  private readonly batchSize: number;
  private readonly requestDimensions: boolean;

  constructor(options: OpenAiEmbedderOptions) {
    this.client = options.client;
    this.model = options.model;
    this.dimensions = options.dimensions;
    this.batchSize = Math.max(1, options.batchSize ?? 64);
    this.requestDimensions = options.requestDimensions ?? false;
    this.name = `openai:${options.model}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      // The API refuses empty strings; a lone space embeds as "nothing" does.
      const batch = texts.slice(start, start + this.batchSize).map((t) => (t.trim() === '' ? ' ' : t));
      const url = `${this.client.baseUrl}/embeddings`;
      const vectors = await this.client.post(
        '/embeddings',
        { model: this.model, input: batch, encoding_format: 'float', ...(this.requestDimensions ? { dimensions: this.dimensions } : {}) },
        (json) => {
          const parsed = EmbeddingsResponse.safeParse(json);
          if (!parsed.success) throw new ProviderError(url, 200, 1, `answered without an embeddings list: ${parsed.error.issues[0]?.message ?? 'bad shape'}`, false);
          const byIndex = new Map(parsed.data.data.map((d) => [d.index, d.embedding]));
          return batch.map((_, i) => {
            const embedding = byIndex.get(i);
            if (!embedding) throw new ProviderError(url, 200, 1, `answered ${parsed.data.data.length} embeddings for ${batch.length} texts`, false);
            if (embedding.length !== this.dimensions) {
              throw new ProviderError(url, 200, 1, `model ${this.model} returned ${embedding.length} dimensions; FORGE_EMBEDDING_DIM is ${this.dimensions}`, false);
            }
            return normalised(embedding);
          });
        },
      );
      out.push(...vectors);
    }
    return out;
  }
}

function normalised(values: readonly number[]): Float32Array {
  const vector = Float32Array.from(values);
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / norm;
  return vector;
}
