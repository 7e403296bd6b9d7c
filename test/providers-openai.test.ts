import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../src/errors.js';
import { OpenAiClient } from '../src/providers/openai-client.js';
import { OpenAiEmbedder } from '../src/providers/openai-embedder.js';
import { groundAnswer, OpenAiIntelligence } from '../src/providers/openai-intelligence.js';
import { describeEmbedderConformance } from './conformance/embedder-conformance.js';
import { describeIntelligenceConformance } from './conformance/intelligence-conformance.js';
import { createTestForge, eventually } from './helpers/forge.js';
import { startLocalOpenAi, type LocalOpenAi } from './helpers/openai-server.js';

let api: LocalOpenAi;
beforeAll(async () => {
  api = await startLocalOpenAi({ dimensions: 64 });
});
afterAll(async () => api?.stop());
beforeEach(() => void api.calls.splice(0));

const client = (extra: { timeoutMs?: number; maxAttempts?: number } = {}) => new OpenAiClient({ baseUrl: api.baseUrl, apiKey: 'sk-test', backoffMs: 5, ...extra });
const embedder = (batchSize = 64) => new OpenAiEmbedder({ client: client(), model: 'embed-small', dimensions: 64, batchSize });

describeEmbedderConformance('openai-compatible (local server)', async () => ({ embedder: embedder(), destroy: async () => undefined }));
describeIntelligenceConformance('openai-compatible chat (local server)', async () => ({
  intelligence: new OpenAiIntelligence({ client: client(), model: 'chat-small' }),
  destroy: async () => undefined,
}));

describe('OpenAI-compatible embedder', () => {
  it('batches, keeps the input order whatever order the server answers in, and sends the key as a bearer token', async () => {
    const texts = Array.from({ length: 150 }, (_, i) => `capsule number ${i} about topic ${i % 7}`);
    const vectors = await embedder(64).embed(texts);
    expect(api.calls.map((c) => (c.body.input as string[]).length)).toEqual([64, 64, 22]);
    expect(api.calls.every((c) => c.authorization === 'Bearer sk-test' && c.body.model === 'embed-small')).toBe(true);
    const [again] = await embedder().embed([texts[100] as string]);
    expect(Array.from(vectors[100] as Float32Array)).toEqual(Array.from(again as Float32Array));
  });

  it('refuses vectors of another size, naming both numbers', async () => {
    const wrong = new OpenAiEmbedder({ client: client(), model: 'embed-small', dimensions: 128 });
    const error = await wrong.embed(['x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/returned 64 dimensions; FORGE_EMBEDDING_DIM is 128/);
    expect((error as ProviderError).retryable).toBe(false);
  });
});

describe('OpenAI-compatible client', () => {
  it('retries 5xx and 429 (honouring Retry-After) with backoff, then succeeds', async () => {
    api.script('/v1/embeddings', { status: 503 }, { status: 429, headers: { 'retry-after': '0' } });
    const [vector] = await embedder().embed(['after two failures']);
    expect(vector).toHaveLength(64);
    expect(api.calls).toHaveLength(3);
  });

  it("does not retry what a retry cannot fix, and reports the server's own message", async () => {
    api.script('/v1/embeddings', { status: 400, body: { error: { message: 'model embed-small does not exist' } } });
    const error = await embedder()
      .embed(['x'])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProviderError', code: 'provider_failed', status: 400, attempts: 1, reason: 'model embed-small does not exist', retryable: false });
    expect(api.calls).toHaveLength(1);
    expect(String((error as Error).message)).not.toContain('sk-test');
  });

  it('gives up after its attempts when the server never answers in time', async () => {
    api.script('/v1/embeddings', { delayMs: 300 }, { delayMs: 300 });
    const slow = new OpenAiEmbedder({ client: client({ timeoutMs: 100, maxAttempts: 2 }), model: 'embed-small', dimensions: 64 });
    const error = await slow.embed(['x']).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProviderError', status: null, attempts: 2, reason: 'no answer within 100 ms', retryable: true });
  });

  it('gives up at once when Retry-After asks for longer than a phase can wait, counting the attempts made', async () => {
    api.script('/v1/embeddings', { status: 429, headers: { 'retry-after': '60' } });
    const started = Date.now();
    await expect(embedder().embed(['x'])).rejects.toMatchObject({ name: 'ProviderError', status: 429, attempts: 1, retryable: true });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(api.calls).toHaveLength(1);
  });

  it('reports an unreachable endpoint after its attempts', async () => {
    const gone = new OpenAiClient({ baseUrl: 'http://127.0.0.1:9/v1', maxAttempts: 2, backoffMs: 1 });
    await expect(gone.post('/embeddings', {}, (j) => j)).rejects.toMatchObject({ name: 'ProviderError', attempts: 2, status: null });
  });
});

describe('grounded answers', () => {
  const CAPSULES = [
    { id: 'fraud', version: '1.0.0', trust_level: 60, score: 0.03, content: 'A risk score above 0.8 blocks a payment.' },
    { id: 'review', version: '1.0.0', trust_level: 60, score: 0.02, content: 'Scores between 0.55 and 0.8 hold the payment for review.' },
  ];

  it('keeps only citations of sources given, renumbers them, and flags uncited claims', async () => {
    api.script('/v1/chat/completions', {
      reply: 'Scores above 0.8 block a payment [2][1]. Payments between 0.55 and 0.8 wait for review [1]. Refunds take 5 days [7]. Everyone agrees.',
    });
    const answer = await new OpenAiIntelligence({ client: client(), model: 'chat-small' }).answer({
      query: 'what blocks a payment?',
      capsules: CAPSULES,
      parameters: { max_sentences: 4, max_citations: 3 },
    });
    expect(answer.citations).toEqual(['review', 'fraud']);
    expect(answer.text).toBe('Scores above 0.8 block a payment [1] [2]. Payments between 0.55 and 0.8 wait for review [2]. Refunds take 5 days. Everyone agrees.');
    expect(answer.uncited).toEqual(['Refunds take 5 days.', 'Everyone agrees.']);
    expect(answer.invalid_citations).toEqual([7]);
    expect(answer.model).toBe('openai-chat:chat-small');
    // The prompt numbered the sources and named their capsules.
    const prompt = ((api.calls[0]?.body.messages as Array<{ content: string }>)[1] as { content: string }).content;
    expect(prompt).toContain('[1] (capsule fraud, version 1.0.0)');
    expect(prompt).toContain('[2] (capsule review, version 1.0.0)');
  });

  it('drops citations past max_citations distinct sources', () => {
    expect(groundAnswer('A [1]. B [2]. C [3].', ['a', 'b', 'c'], 2)).toEqual({ text: 'A [1]. B [2]. C.', citations: ['a', 'b'], uncited: ['C.'], invalid_citations: [3] });
    expect(groundAnswer('A. [1] B [1].', ['a'], 2)).toEqual({ text: 'A. [1] B [1].', citations: ['a'] });
  });

  it('does not ask the model when nothing was retrieved', async () => {
    const answer = await new OpenAiIntelligence({ client: client(), model: 'chat-small' }).answer({ query: 'q', capsules: [], parameters: { max_sentences: 2, max_citations: 2 } });
    expect(answer.citations).toEqual([]);
    expect(api.calls).toHaveLength(0);
  });
});

it('runs a Forge on the OpenAI-compatible providers (FORGE_EMBEDDER=openai, FORGE_INTELLIGENCE=openai): the answer cites the capsule it retrieved, flags what it does not, and keeps the flags through the cache', async () => {
  const t = await createTestForge({
    FORGE_EMBEDDER: 'openai',
    FORGE_INTELLIGENCE: 'openai',
    FORGE_OPENAI_BASE_URL: api.baseUrl,
    FORGE_OPENAI_API_KEY: 'sk-forge',
    FORGE_OPENAI_EMBEDDING_MODEL: 'embed-small',
    FORGE_OPENAI_CHAT_MODEL: 'chat-small',
    FORGE_EMBEDDING_DIM: '64',
  });
  try {
    t.forge.startWorkers();
    const caller = t.forge.localCaller;
    const capsule = await t.forge.capsules.create(caller, { content: 'Settlement runs nightly at 23:00 UTC.', type: 'knowledge' });
    api.script('/v1/chat/completions', { reply: 'Settlement runs nightly at 23:00 UTC [1]. It has never failed.' });
    const ask = async () => {
      const { record } = await t.forge.requests.submit(caller, { query: 'When does settlement run?' });
      return eventually(async () => {
        const r = await t.forge.store.getRequest(record.id);
        return r?.status === 'completed' ? r : undefined;
      });
    };
    const done = await ask();
    expect(done.citations).toEqual([capsule.id]);
    expect(done.answer).toBe('Settlement runs nightly at 23:00 UTC [1]. It has never failed.');
    expect(done.result).toMatchObject({ model: 'openai-chat:chat-small', cache: 'miss', grounding: { uncited_claims: ['It has never failed.'], invalid_citations: [] } });
    expect(api.calls.some((c) => c.path === '/v1/embeddings' && c.authorization === 'Bearer sk-forge')).toBe(true);
    // The same question again is answered from the cache, with its grounding flags, without asking the model.
    const chats = api.calls.filter((c) => c.path === '/v1/chat/completions').length;
    const again = await ask();
    expect(again.result).toMatchObject({ cache: 'hit', grounding: { uncited_claims: ['It has never failed.'] } });
    expect(api.calls.filter((c) => c.path === '/v1/chat/completions').length).toBe(chats);
  } finally {
    await t.cleanup();
  }
}, 30_000);
