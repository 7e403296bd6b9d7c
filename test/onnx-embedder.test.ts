/**
 * The built-in sentence-embedding model (npm run setup:model installs it; the test run does): the same
 * conformance suite as every Embedder, its tokenizer against vectors made by HuggingFace's own tokenizers,
 * meaning over shared words on the paraphrases the hashing embedder missed, and the fallback when the
 * model is absent.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { openEmbedder } from '../src/providers/open.js';
import { cosine, HashingEmbedder } from '../src/search/embedder.js';
import { EmbeddingModelError, OnnxEmbedder } from '../src/search/onnx-embedder.js';
import { WordPieceTokenizer } from '../src/search/wordpiece.js';
import { describeEmbedderConformance } from './conformance/embedder-conformance.js';

const MODEL = path.resolve(import.meta.dirname, '..', 'models', 'all-minilm-l6-v2-int8');

describeEmbedderConformance('onnx (all-MiniLM-L6-v2 int8)', async () => {
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
  it('finds the capsule that answers a paraphrased question, where the hashing embedder does not', async () => {
    const model = await OnnxEmbedder.create({ dir: MODEL });
    const hashing = new HashingEmbedder(256);
    const cases: Array<{ question: string; answer: string; distractors: string[] }> = [
      {
        question: 'How much data can we lose if the cache server dies?',
        answer: 'Redis runs with AOF persistence: a crash loses at most one second of writes.',
        distractors: ['Exceeding the rate limit returns HTTP 429 with a Retry-After header.', 'The payments API is deployed through a canary stage.'],
      },
      {
        question: 'How often are cryptographic secrets changed?',
        answer: 'Signing keys are rotated every 90 days.',
        distractors: ['Backups run hourly and are kept for 30 days.', 'Chargebacks are disputed within 14 days.'],
      },
      {
        question: 'When is money returned to customers delayed?',
        answer: 'During the settlement window, card refunds are queued until it closes.',
        distractors: ['Exceeding the limit returns HTTP 429.', 'New merchants are onboarded after a KYC check.'],
      },
    ];
    let hashingRight = 0;
    for (const c of cases) {
      const [q, answer, ...others] = await model.embed([c.question, c.answer, ...c.distractors]);
      for (const other of others) expect(cosine(q as Float32Array, answer as Float32Array), c.question).toBeGreaterThan(cosine(q as Float32Array, other as Float32Array));
      const h = hashing.embedOne(c.question);
      if (c.distractors.every((d) => cosine(h, hashing.embedOne(c.answer)) > cosine(h, hashing.embedOne(d)))) hashingRight++;
    }
    // The point of the model: the hashing embedder gets some of these wrong.
    expect(hashingRight).toBeLessThan(cases.length);
    await model.close();
  });
});

describe('when the model is absent', () => {
  it('refuses to make an embedder, naming the missing files and the fix', async () => {
    await expect(OnnxEmbedder.create({ dir: '/nonexistent/model' })).rejects.toThrow(EmbeddingModelError);
    await expect(OnnxEmbedder.create({ dir: '/nonexistent/model' })).rejects.toThrow(/missing model\.onnx, tokenizer\.json \(npm run setup:model/);
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
