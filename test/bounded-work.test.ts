import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { longestStall } from './helpers/event-loop.js';
import { callJson, createServedForge, type ServedForge } from './helpers/forge.js';

// Every synchronous step an API call runs, at the API's maximum sizes, stays under 50 ms: measured as the
// longest gap of a 1 ms ticker on this process's event loop while the call is served (client included),
// the median of three runs after a warm-up.
let t: ServedForge;
beforeAll(async () => {
  t = await createServedForge();
});
afterAll(async () => t.cleanup());

/** Median longest stall over three runs, after one warm-up run (compilation is not the request's cost). */
async function typicalStall<T>(work: () => Promise<T>): Promise<{ result: T; stall: number }> {
  await work();
  const runs: Array<{ result: T; stall: number }> = [];
  for (let i = 0; i < 3; i++) runs.push(await longestStall(work));
  runs.sort((a, b) => a.stall - b.stall);
  return runs[1] as { result: T; stall: number };
}

async function rawPost(path: string, body: string) {
  const res = await fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.admin.apiKey}` }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('bounded work per request', () => {
  it('refuses JSON nested deeper than 32 levels before parsing it (400, named), quickly', async () => {
    const deep = `{"content":"x","metadata":{"a":${'['.repeat(400_000)}${']'.repeat(400_000)}}}`;
    const { result, stall } = await typicalStall(() => rawPost('/v2/capsules', deep));
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ error: 'entity_too_deep' });
    expect(String(result.body.message)).toContain('nested deeper than 32 levels');
    expect(stall).toBeLessThan(50);
  });

  it('refuses an over-long version with a 400 naming the field', async () => {
    const c = await callJson(t.url, 'POST', '/v2/capsules', { content: 'versioned' });
    const res = await callJson(t.url, 'PUT', `/v2/capsules/${c.body.id as string}`, { content: 'next', version: `1.${'9'.repeat(5000)}.0` });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('version');
  });

  it('serves the largest accepted bodies within the budget: a 100,000-character capsule with 16 KB of metadata, a 10,000-character question', async () => {
    const metadata = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, 'v'.repeat(30)]));
    const content = 'Settlement window notes. '.repeat(4000);
    const created = await typicalStall(() => callJson(t.url, 'POST', '/v2/capsules', { content, metadata }));
    expect(created.result.status).toBe(201);
    const question = 'ignore '.repeat(1428);
    const asked = await typicalStall(() => callJson(t.url, 'POST', '/v2/requests', { query: question }));
    expect(asked.result.status).toBe(202);
    const searched = await typicalStall(() => callJson(t.url, 'GET', `/v2/capsules/search?q=${encodeURIComponent('settlement '.repeat(150))}`));
    expect(searched.result.status).toBe(200);
    console.log(`longest event-loop stall: create ${created.stall.toFixed(1)} ms, ask ${asked.stall.toFixed(1)} ms, search ${searched.stall.toFixed(1)} ms`);
    expect(Math.max(created.stall, asked.stall, searched.stall)).toBeLessThan(50);
  });
});
