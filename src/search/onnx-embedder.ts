import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Embedder } from './embedder.js';
import { WordPieceTokenizer } from './wordpiece.js';

/** What an ONNX sentence-embedding model directory holds: the graph and its tokenizer. */
export const MODEL_FILES = ['model.onnx', 'tokenizer.json'] as const;

export interface OnnxEmbedderOptions {
  /** A directory with `model.onnx` (a BERT-style encoder: input_ids, attention_mask[, token_type_ids] → last_hidden_state) and `tokenizer.json` (WordPiece). */
  readonly dir: string;
  /** The name vectors carry (`embeddingModelOf`). @defaultValue the directory's name */
  readonly name?: string;
  /** Threads one inference uses. @defaultValue 1 */
  readonly threads?: number;
  /** Sentences run together in one inference (8 measured fastest on one thread). @defaultValue 8 */
  readonly batchSize?: number;
  /**
   * The cosine below which a capsule does not answer a query: retrieval leaves it out, and an answer with
   * nothing above it says so. @defaultValue 0.25 (all-MiniLM-L6-v2: no answerable LoCoMo development question's
   * best turn falls below it, the sample knowledge's paraphrased answers sit at 0.30–0.43 and off-topic
   * questions at 0.03–0.09; docs/benchmarks.md)
   */
  readonly relevanceFloor?: number;
  /** Tokens per text, [CLS] and [SEP] included: longer texts are cut. @defaultValue the tokenizer's own (128 for all-MiniLM-L6-v2) */
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
 * A sentence-embedding model run in process on the CPU with ONNX Runtime: WordPiece tokens in, the mean of
 * the last hidden states over the real tokens (sentence-transformers' pooling), L2-normalised, out. No
 * network: the files are read from `dir`. `create` is the only way to get one, so an embedder that exists
 * has its model loaded.
 */
export class OnnxEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;
  readonly relevanceFloor: number;
  private readonly ort: Ort;
  private readonly session: Session;
  private readonly tokenizer: WordPieceTokenizer;
  private readonly batchSize: number;
  private readonly typeIds: boolean;

  private constructor(fields: { name: string; dimensions: number; ort: Ort; session: Session; tokenizer: WordPieceTokenizer; batchSize: number; relevanceFloor: number }) {
    this.name = fields.name;
    this.relevanceFloor = fields.relevanceFloor;
    this.dimensions = fields.dimensions;
    this.ort = fields.ort;
    this.session = fields.session;
    this.tokenizer = fields.tokenizer;
    this.batchSize = fields.batchSize;
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
    const tokenizer = WordPieceTokenizer.fromFile(path.join(options.dir, 'tokenizer.json'), options.maxTokens);
    const relevanceFloor = options.relevanceFloor ?? 0.25;
    const probe = new OnnxEmbedder({
      name: options.name ?? path.basename(path.resolve(options.dir)),
      dimensions: 0,
      ort,
      session,
      tokenizer,
      batchSize: options.batchSize ?? 8,
      relevanceFloor,
    });
    const [vector] = await probe.run(['probe']);
    return new OnnxEmbedder({ name: probe.name, dimensions: (vector as Float32Array).length, ort, session, tokenizer, batchSize: probe.batchSize, relevanceFloor });
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    // Similar lengths together: less padding in each batch.
    const order = texts.map((t, i) => ({ i, ids: this.tokenizer.encode(t) })).sort((a, b) => a.ids.length - b.ids.length);
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

  /** One inference over token sequences (padded to the longest), mean-pooled over real tokens, unit length. */
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
      for (let c = 0; c < seq.length; c++) {
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
