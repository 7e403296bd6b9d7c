import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Embedder } from './embedder.js';
import { packageRoot } from '../util/package-root.js';
import { WordPieceTokenizer } from './wordpiece.js';

/** The model `npm run setup:model` installs and FORGE_EMBEDDER=local runs by default (scripts/install-model.mjs). */
export const DEFAULT_MODEL = 'e5-small-v2-int8';

/** Where the default model is installed: models/<name> of the installation. */
export function defaultModelDir(): string {
  return path.join(packageRoot(), 'models', DEFAULT_MODEL);
}

/** What an ONNX sentence-embedding model directory holds: the graph and its tokenizer. */
export const MODEL_FILES = ['model.onnx', 'tokenizer.json'] as const;

/**
 * How a model is run, from the `MODEL.json` beside its files (`npm run setup:model` writes it; every field
 * optional): how the last hidden states become one vector, the prefixes the model was trained to see on
 * queries and on passages (e5: `query: ` / `passage: `), the tokens it reads, the texts it runs at once, its
 * relevance floor and its weight against the text side in hybrid search.
 */
export const ModelConfig = z.object({
  pooling: z.enum(['mean', 'cls']).default('mean'),
  query_prefix: z.string().max(200).default(''),
  passage_prefix: z.string().max(200).default(''),
  max_tokens: z.number().int().min(8).max(8192).optional(),
  batch_size: z.number().int().min(1).max(256).optional(),
  relevance_floor: z.number().min(-1).max(1).optional(),
  vector_weight: z.number().min(0).max(1).optional(),
});
export type ModelConfig = z.infer<typeof ModelConfig>;

/** The model directory's MODEL.json, or the defaults when it has none. @throws EmbeddingModelError when it is not valid */
export function modelConfigOf(dir: string): ModelConfig {
  const file = path.join(dir, 'MODEL.json');
  if (!existsSync(file)) return ModelConfig.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new EmbeddingModelError(`${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = ModelConfig.safeParse(raw);
  if (!parsed.success) throw new EmbeddingModelError(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export interface OnnxEmbedderOptions {
  /** A directory with `model.onnx` (a BERT-style encoder: input_ids, attention_mask[, token_type_ids] → last_hidden_state) and `tokenizer.json` (WordPiece). */
  readonly dir: string;
  /** The name vectors carry (`embeddingModelOf`). @defaultValue the directory's name */
  readonly name?: string;
  /** Threads one inference uses. @defaultValue 1 */
  readonly threads?: number;
  /**
   * Texts run together in one inference. A graph that quantizes activations per batch gives a text a
   * slightly different vector in different company: its MODEL.json says 1. @defaultValue MODEL.json's `batch_size`, else 8
   */
  readonly batchSize?: number;
  /**
   * The cosine below which a capsule does not answer a query: retrieval leaves it out, and an answer with
   * nothing above it says so. Each model has its own scale. @defaultValue MODEL.json's `relevance_floor`,
   * else 0.25 (calibrations in docs/benchmarks.md, "Abstention")
   */
  readonly relevanceFloor?: number;
  /** Tokens per text, [CLS] and [SEP] included: longer texts are cut. @defaultValue MODEL.json's `max_tokens`, else the tokenizer's own */
  readonly maxTokens?: number;
}

/** The model directory is missing a file, or the runtime cannot load it. */
export class EmbeddingModelError extends Error {
  override readonly name = 'EmbeddingModelError';
}

/** Whether `dir` holds a model this embedder can run. */
export function hasModel(dir: string): boolean {
  return MODEL_FILES.every((f) => existsSync(path.join(dir, f)));
}

type Ort = typeof import('onnxruntime-node');
type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

/**
 * A sentence-embedding model run in process on the CPU with ONNX Runtime: WordPiece tokens in, the last
 * hidden states pooled (their mean over the real tokens, or the first token's, as MODEL.json says),
 * L2-normalised, out. Queries and passages get the prefixes the model was trained with. No network: the
 * files are read from `dir`. `create` is the only way to get one, so an embedder that exists has its model
 * loaded.
 */
export class OnnxEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;
  readonly relevanceFloor: number;
  readonly vectorWeight?: number;
  private readonly ort: Ort;
  private readonly session: Session;
  private readonly tokenizer: WordPieceTokenizer;
  private readonly batchSize: number;
  private readonly typeIds: boolean;
  private readonly config: ModelConfig;

  private constructor(fields: {
    name: string;
    dimensions: number;
    ort: Ort;
    session: Session;
    tokenizer: WordPieceTokenizer;
    batchSize: number;
    relevanceFloor: number;
    config: ModelConfig;
  }) {
    this.name = fields.name;
    this.relevanceFloor = fields.relevanceFloor;
    this.dimensions = fields.dimensions;
    this.ort = fields.ort;
    this.session = fields.session;
    this.tokenizer = fields.tokenizer;
    this.batchSize = fields.batchSize;
    this.config = fields.config;
    if (fields.config.vector_weight !== undefined) this.vectorWeight = fields.config.vector_weight;
    this.typeIds = fields.session.inputNames.includes('token_type_ids');
  }

  /** @throws EmbeddingModelError when a file is missing or the model does not load */
  static async create(options: OnnxEmbedderOptions): Promise<OnnxEmbedder> {
    const missing = MODEL_FILES.filter((f) => !existsSync(path.join(options.dir, f)));
    if (missing.length) throw new EmbeddingModelError(`no embedding model in ${options.dir}: missing ${missing.join(', ')} (npm run setup:model installs one)`);
    let ort: Ort;
    try {
      ort = (await import('onnxruntime-node')) as Ort;
    } catch (err) {
      throw new EmbeddingModelError(`ONNX Runtime could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
    }
    const config = modelConfigOf(options.dir);
    const threads = options.threads ?? 1;
    let session: Session;
    try {
      session = await ort.InferenceSession.create(path.join(options.dir, 'model.onnx'), {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionProviders: ['cpu'],
      });
    } catch (err) {
      throw new EmbeddingModelError(`${options.dir}/model.onnx did not load: ${err instanceof Error ? err.message : String(err)}`);
    }
    const tokenizer = WordPieceTokenizer.fromFile(path.join(options.dir, 'tokenizer.json'), options.maxTokens ?? config.max_tokens);
    const relevanceFloor = options.relevanceFloor ?? config.relevance_floor ?? 0.25;
    const probe = new OnnxEmbedder({
      name: options.name ?? path.basename(path.resolve(options.dir)),
      dimensions: 0,
      ort,
      session,
      tokenizer,
      batchSize: options.batchSize ?? config.batch_size ?? 8,
      relevanceFloor,
      config,
    });
    const [vector] = await probe.run(['probe']);
    return new OnnxEmbedder({ name: probe.name, dimensions: (vector as Float32Array).length, ort, session, tokenizer, batchSize: probe.batchSize, relevanceFloor, config });
  }

  /** Passages: what is stored and searched. */
  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embedAll(texts, this.config.passage_prefix);
  }

  /** Queries: what is searched for. */
  embedQueries(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embedAll(texts, this.config.query_prefix);
  }

  private async embedAll(texts: readonly string[], prefix: string): Promise<Float32Array[]> {
    // Similar lengths together: less padding in each batch.
    const order = texts.map((t, i) => ({ i, ids: this.tokenizer.encode(prefix + t) })).sort((a, b) => a.ids.length - b.ids.length);
    const vectors = new Array<Float32Array>(texts.length);
    for (let at = 0; at < order.length; at += this.batchSize) {
      const batch = order.slice(at, at + this.batchSize);
      const embedded = await this.infer(batch.map((b) => b.ids));
      batch.forEach((b, k) => (vectors[b.i] = embedded[k] as Float32Array));
    }
    return vectors;
  }

  private run(texts: readonly string[]): Promise<Float32Array[]> {
    return this.infer(texts.map((t) => this.tokenizer.encode(t)));
  }

  /** One inference over token sequences (padded to the longest), pooled, unit length. */
  private async infer(sequences: readonly number[][]): Promise<Float32Array[]> {
    const rows = sequences.length;
    const width = Math.max(...sequences.map((s) => s.length));
    const ids = new BigInt64Array(rows * width);
    const mask = new BigInt64Array(rows * width);
    sequences.forEach((seq, r) => {
      for (let c = 0; c < width; c++) {
        ids[r * width + c] = BigInt(c < seq.length ? (seq[c] as number) : this.tokenizer.pad);
        mask[r * width + c] = c < seq.length ? 1n : 0n;
      }
    });
    const { Tensor } = this.ort;
    const feeds: Record<string, InstanceType<Ort['Tensor']>> = { input_ids: new Tensor('int64', ids, [rows, width]), attention_mask: new Tensor('int64', mask, [rows, width]) };
    if (this.typeIds) feeds.token_type_ids = new Tensor('int64', new BigInt64Array(rows * width), [rows, width]);
    const result = await this.session.run(feeds);
    const hidden = result[this.session.outputNames[0] as string];
    if (!hidden) throw new EmbeddingModelError('the model returned no output');
    const states = hidden.data as Float32Array;
    const dims = hidden.dims[2] as number;
    return sequences.map((seq, r) => {
      const v = new Float32Array(dims);
      const pooled = this.config.pooling === 'cls' ? 1 : seq.length;
      for (let c = 0; c < pooled; c++) {
        const base = (r * width + c) * dims;
        for (let d = 0; d < dims; d++) v[d] = (v[d] as number) + (states[base + d] as number);
      }
      let norm = 0;
      for (let d = 0; d < dims; d++) norm += (v[d] as number) ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let d = 0; d < dims; d++) v[d] = (v[d] as number) / norm;
      return v;
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
