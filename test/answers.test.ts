/**
 * Answers on the embedded default (the sentence-embedding model): paraphrased questions answered from the
 * right capsule of the sample knowledge base, and questions nothing answers refused rather than answered
 * from weak matches.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadSampleKnowledge, readSampleFile } from '../src/cli/sample.js';
import { OnnxEmbedder } from '../src/search/onnx-embedder.js';
import { callJson, createServedForge, createUserWithKey, type ServedForge } from './helpers/forge.js';

let t: ServedForge;
let key: string;
const content = new Map<string, string>();

beforeAll(async () => {
  t = await createServedForge();
  expect(t.forge.embedder).toBeInstanceOf(OnnxEmbedder);
  await loadSampleKnowledge(t.forge, readSampleFile(path.resolve(import.meta.dirname, '..', 'samples', 'knowledge.json')));
  for (const c of (await t.forge.store.listCapsules({ include_superseded: true }, { limit: 100 })).items) content.set(c.id, c.content);
  // CORE: the key-rotation capsule is for CORE readers.
  key = (await createUserWithKey(t.forge, 'answers-reader', 'reader', 100)).apiKey;
}, 60_000);
afterAll(async () => t.cleanup());

async function ask(query: string) {
  const as = { authorization: `Bearer ${key}` };
  const posted = await callJson(t.url, 'POST', '/v2/requests', { query }, as);
  return (await callJson(t.url, 'GET', `/v2/requests/${posted.body.id as string}?wait=15000`, undefined, as)).body as { status: string; answer: string; citations: string[] };
}

it.each([
  ['How much data can we lose if the cache server dies?', /one second of writes/i],
  ['How often are cryptographic secrets changed?', /rotated every 90 days/i],
  ['When is money returned to customers delayed?', /refunds are queued/i],
])('answers the paraphrase %s from the capsule that says it', async (question, says) => {
  const done = await ask(question);
  expect(done.status).toBe('completed');
  expect(
    done.citations.some((id) => says.test(content.get(id) ?? '')),
    `${question} cited ${done.citations.map((id) => content.get(id)).join(' | ')}`,
  ).toBe(true);
  expect(done.answer).toMatch(says);
});

it.each(['What is the capital of France?', 'Who won the football world cup in 1998?'])('says that nothing answers %s rather than citing weak matches', async (question) => {
  const done = await ask(question);
  expect(done.status).toBe('completed');
  expect(done.citations).toEqual([]);
  expect(done.answer).toMatch(/^No capsule you can read answers/);
});
