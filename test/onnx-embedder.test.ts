/**
 * The built-in sentence-embedding model (npm run setup:model installs it; the test run does): the same
 * conformance suite as every Embedder, its tokenizer against vectors made by HuggingFace's own tokenizers,
 * meaning over shared words on the paraphrases the hashing embedder missed, and the fallback when the
 * model is absent.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { openEmbedder } from '../src/providers/open.js';
import { cosine, HashingEmbedder } from '../src/search/embedder.js';
import { defaultModelDir, EmbeddingModelError, OnnxEmbedder } from '../src/search/onnx-embedder.js';
import { WordPieceTokenizer } from '../src/search/wordpiece.js';
import { describeEmbedderConformance } from './conformance/embedder-conformance.js';

const MODEL = defaultModelDir();

describeEmbedderConformance('onnx (e5-small-v2 int8)', async () => {
  const embedder = await OnnxEmbedder.create({ dir: MODEL });
  return { embedder, destroy: () => embedder.close() };
});

describe('WordPiece tokenizer', () => {
  it('gives the ids HuggingFace’s tokenizer gives, on accents, CJK, punctuation, emoji, long words and empty text', () => {
    const tokenizer = WordPieceTokenizer.fromFile(path.join(MODEL, 'tokenizer.json'), 10_000);
    const { cases } = JSON.parse(readFileSync(path.resolve(import.meta.dirname, 'fixtures', 'wordpiece', 'minilm-vectors.json'), 'utf8')) as {
      cases: Array<{ text: string; ids: number[] }>;
    };
    expect(cases.length).toBeGreaterThan(10);
    for (const { text, ids } of cases) expect(tokenizer.encode(text), JSON.stringify(text)).toEqual(ids);
  });

  it('cuts a long text to its maximum, keeping [CLS] and [SEP]', () => {
    const tokenizer = WordPieceTokenizer.fromFile(path.join(MODEL, 'tokenizer.json'), 16);
    const ids = tokenizer.encode('word '.repeat(100));
    expect(ids).toHaveLength(16);
    expect([ids[0], ids.at(-1)]).toEqual([tokenizer.cls, tokenizer.sep]);
  });
});

describe('meaning, not shared words', () => {
  it('ranks the capsule that answers a paraphrased question near the top of the sample knowledge, where the hashing embedder does not', async () => {
    const model = await OnnxEmbedder.create({ dir: MODEL });
    const hashing = new HashingEmbedder(256);
    // The sample knowledge as search sees it: current versions only.
    const sample = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '..', 'samples', 'knowledge.json'), 'utf8')) as {
      capsules: Array<{ key: string; content: string; update_of?: string }>;
    };
    const superseded = new Set(sample.capsules.flatMap((c) => (c.update_of ? [c.update_of] : [])));
    const haystack = sample.capsules.filter((c) => !superseded.has(c.key)).map((c) => c.content);
    const cases: Array<[question: string, answer: RegExp]> = [
      ['How much data can we lose if the cache server dies?', /at most one second of writes/],
      ['How often are cryptographic secrets changed?', /rotated every 90 days/],
      ['When is money returned to customers delayed?', /refunds are queued/],
    ];
    const vectors = await model.embed(haystack);
    const rankOf = (scores: number[], answer: RegExp) =>
      scores
        .map((score, i) => ({ score, i }))
        .sort((a, b) => b.score - a.score)
        .findIndex(({ i }) => answer.test(haystack[i] as string));
    let hashingMissed = 0;
    for (const [question, answer] of cases) {
      const [q] = await model.embedQueries([question]);
      const modelRank = rankOf(
        vectors.map((v) => cosine(q as Float32Array, v)),
        answer,
      );
      expect(modelRank, question).toBeGreaterThanOrEqual(0);
      expect(modelRank, question).toBeLessThan(2);
      const h = hashing.embedOne(question);
      if (
        rankOf(
          haystack.map((c) => cosine(h, hashing.embedOne(c))),
          answer,
        ) >= 2
      )
        hashingMissed++;
    }
    // The point of the model: the hashing embedder ranks some of these far down.
    expect(hashingMissed).toBeGreaterThan(0);
    await model.close();
  });
});

describe('when the model is absent', () => {
  it('refuses to make an embedder, naming the missing files and the fix', async () => {
    await expect(OnnxEmbedder.create({ dir: '/nonexistent/model' })).rejects.toThrow(EmbeddingModelError);
    await expect(OnnxEmbedder.create({ dir: '/nonexistent/model' })).rejects.toThrow(/missing model\.onnx, tokenizer\.json \(npm run setup:model/);
  });

  it('reads how to run the model from MODEL.json, and refuses a bad one naming the field', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'forge-model-'));
    try {
      for (const f of ['model.onnx', 'tokenizer.json']) symlinkSync(path.join(MODEL, f), path.join(dir, f));
      writeFileSync(path.join(dir, 'MODEL.json'), JSON.stringify({ pooling: 'max' }));
      await expect(OnnxEmbedder.create({ dir })).rejects.toThrow(/MODEL\.json: pooling: /);
      writeFileSync(path.join(dir, 'MODEL.json'), JSON.stringify({ relevance_floor: 0.5, vector_weight: 0.7, batch_size: 1 }));
      const configured = await OnnxEmbedder.create({ dir });
      expect([configured.relevanceFloor, configured.vectorWeight]).toEqual([0.5, 0.7]);
      await configured.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('falls back to the hashing embedder with FORGE_EMBEDDER=local, and says so', async () => {
    const lines: string[] = [];
    const embedder = await openEmbedder(loadConfig({ FORGE_EMBEDDER: 'local', FORGE_EMBEDDER_MODEL: '/nonexistent/model', REDIS_URL: 'redis://127.0.0.1:1' }), (l) =>
      lines.push(l),
    );
    expect(embedder).toBeInstanceOf(HashingEmbedder);
    expect(lines.join('\n')).toMatch(/no embedding model in \/nonexistent\/model.*feature-hashing embedder instead/);
    const real = await openEmbedder(loadConfig({ FORGE_EMBEDDER: 'local', FORGE_EMBEDDER_MODEL: MODEL, REDIS_URL: 'redis://127.0.0.1:1' }));
    expect(real).toBeInstanceOf(OnnxEmbedder);
    expect(real.dimensions).toBe(384);
    await (real as OnnxEmbedder).close();
  });
});
