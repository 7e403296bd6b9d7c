/**
 * Derived knowledge follows its sources: a saved answer whose source got a new version is stale, leaves
 * answers and search (shown only when asked), and the marks survive a crash because they are written in
 * the transaction that superseded the source. (The store-level rules — deep chains, diamonds, versions and
 * forks not followed — are in the conformance suite, for every adapter.)
 */
import { spawnSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-graph-store.js';
import { callJson, createServedForge, createUserWithKey, eventually, type ServedForge } from './helpers/forge.js';

const root = path.resolve(import.meta.dirname, '..');

describe('across a crash', () => {
  it('keeps the stale marks of a supersede whose process was killed right after it returned', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'forge-stale-'));
    const file = path.join(dir, 'forge.db');
    try {
      // A process that supersedes a source and is SIGKILLed the moment the store says it is done.
      const script = `
        import { SqliteGraphStore } from ${JSON.stringify(path.join(root, 'dist', 'src', 'store', 'sqlite', 'sqlite-graph-store.js'))};
        const store = await SqliteGraphStore.open({ file: ${JSON.stringify(file)} });
        const e = new Float32Array(8).fill(0.5);
        const ctx = { actor_id: 'crash-test' };
        const s = await store.createCapsule({ id: 's', content: 'Backups are kept for 30 days.', type: 'knowledge', owner_id: 'o', trust_level: 40, embedding: e }, ctx);
        let parent = s.id;
        for (let i = 0; i < 5; i++) parent = (await store.createCapsule({ id: 'd' + i, content: 'derived ' + i, type: 'insight', owner_id: 'o', trust_level: 40, embedding: e, derived_from: [{ parent_id: parent, reason: 'cited' }] }, ctx)).id;
        await store.updateCapsule('s', { content: 'Backups are kept for 90 days.', embedding: e }, ctx);
        process.kill(process.pid, 'SIGKILL');`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(child.signal, child.stderr).toBe('SIGKILL');
      return SqliteGraphStore.open({ file }).then(async (store) => {
        try {
          const marked = await Promise.all(['d0', 'd1', 'd2', 'd3', 'd4'].map(async (id) => (await store.getCapsule(id))?.stale?.reason));
          expect(marked.every((r) => r?.includes('superseded'))).toBe(true);
          expect((await store.getCapsule('s'))?.superseded_by).not.toBeNull();
        } finally {
          await store.close();
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('through the API and the pipeline', () => {
  let t: ServedForge;
  beforeAll(async () => {
    t = await createServedForge();
  });
  afterAll(async () => t.cleanup());

  it('never ranks a saved answer above a source it cites, even when the answer says the question’s words', async () => {
    const asker = { id: 'asker', roles: ['contributor'], trust_level: 60 };
    const decision = await t.forge.capsules.create(asker, {
      content: 'We moved Redis from RDB snapshots to AOF after the March incident, when a crash lost fifteen minutes of writes.',
      type: 'decision',
    });
    const answer = await t.forge.capsules.create(asker, {
      content: 'Why did we switch Redis to AOF? Because a crash lost fifteen minutes of writes in March. [1]',
      type: 'insight',
      metadata: { request_id: 'earlier-request', query: 'Why did we switch Redis to AOF?' },
      derived_from: [{ parent_id: decision.id, reason: 'cited' }],
    });
    const hits = await t.forge.capsules.search(asker, { q: 'Why did we switch Redis to AOF?', limit: 10 });
    const order = hits.map((h) => h.capsule.id);
    expect(order).toContain(answer.id);
    expect(order.indexOf(decision.id)).toBeLessThan(order.indexOf(answer.id));
    const score = (id: string) => hits.find((h) => h.capsule.id === id)?.score as number;
    expect(score(decision.id)).toBeGreaterThan(score(answer.id));
  });

  it('a saved answer whose source moved on is stale: flagged, out of answers and search, shown with include_stale', async () => {
    const writer = await createUserWithKey(t.forge, 'stale-writer', 'contributor', 60);
    const as = { authorization: `Bearer ${writer.apiKey}` };
    const source = (await callJson(t.url, 'POST', '/v2/capsules', { content: 'Backups run hourly and are kept for 30 days.', type: 'knowledge', tags: ['backups'] }, as)).body;
    const posted = await callJson(t.url, 'POST', '/v2/requests', { query: 'How long are backups kept?', save_as_capsule: true }, as);
    const done = (await callJson(t.url, 'GET', `/v2/requests/${posted.body.id as string}?wait=15000`, undefined, as)).body;
    expect(done.citations).toContain(source.id);
    // The storage phase saves the answer after the request completed.
    const saved = await eventually(async () => {
      const record = (await callJson(t.url, 'GET', `/v2/requests/${posted.body.id as string}`, undefined, as)).body as { result: { saved_capsule_id?: string } };
      return record.result.saved_capsule_id;
    });

    // While it is fresh, the saved answer never ranks above the source it cites.
    const ranked = (await callJson(t.url, 'GET', '/v2/capsules/search?q=how%20long%20are%20backups%20kept&limit=20', undefined, as)).body as {
      results: Array<{ capsule: { id: string }; score: number }>;
    };
    const order = ranked.results.map((h) => h.capsule.id);
    expect(order).toContain(saved);
    expect(order.indexOf(source.id as string)).toBeLessThan(order.indexOf(saved));
    const next = (await callJson(t.url, 'PUT', `/v2/capsules/${source.id as string}`, { content: 'Backups run hourly and are kept for 90 days.', reason: 'policy change' }, as))
      .body;
    const flagged = (await callJson(t.url, 'GET', `/v2/capsules/${saved}`, undefined, as)).body;
    expect(flagged.stale).toMatchObject({ reason: expect.stringContaining('superseded'), source_id: next.id });

    const search = (await callJson(t.url, 'GET', '/v2/capsules/search?q=how%20long%20are%20backups%20kept&limit=20', undefined, as)).body;
    const ids = (body: unknown) => (body as { results: Array<{ capsule: { id: string } }> }).results.map((h) => h.capsule.id);
    expect(ids(search)).not.toContain(saved);
    const withStale = (await callJson(t.url, 'GET', '/v2/capsules/search?q=how%20long%20are%20backups%20kept&limit=20&include_stale=true', undefined, as)).body;
    expect(ids(withStale)).toContain(saved);

    // MCP: its search leaves the stale answer out; reading it says it is stale.
    const client = new Client({ name: 'stale-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url), { requestInit: { headers: as } }));
    try {
      const found = (await client.callTool({ name: 'search_capsules', arguments: { query: 'How long are backups kept?', limit: 20 } })) as { content: Array<{ text: string }> };
      expect(found.content[0]?.text).not.toContain(saved);
      const read = (await client.callTool({ name: 'read_capsule', arguments: { id: saved } })) as { content: Array<{ text: string }> };
      expect(JSON.parse(read.content[0]?.text ?? '{}')).toMatchObject({ capsule: { id: saved, stale: { reason: expect.stringContaining('superseded') } } });
    } finally {
      await client.close();
    }

    // The next answer cites the new version, never the stale answer beside it.
    const again = await callJson(t.url, 'POST', '/v2/requests', { query: 'How long are backups kept now?' }, as);
    const answered = (await callJson(t.url, 'GET', `/v2/requests/${again.body.id as string}?wait=15000`, undefined, as)).body;
    expect(answered.citations).toContain(next.id);
    expect(answered.citations).not.toContain(saved);
    expect(answered.answer).toContain('90 days');
    expect(answered.answer).not.toContain('30 days');

    // Re-derived: asked again, the answer's next version says what the new source says, and is fresh.
    const again2 = await callJson(t.url, 'POST', `/v2/capsules/${saved}/rederive`, undefined, as);
    expect(again2.status).toBe(202);
    const rederived = await eventually(async () => {
      const record = (await callJson(t.url, 'GET', `/v2/requests/${again2.body.id as string}?wait=5000`, undefined, as)).body as { result: { saved_capsule_id?: string } };
      return record.result.saved_capsule_id;
    });
    const fresh = (await callJson(t.url, 'GET', `/v2/capsules/${rederived}`, undefined, as)).body as { content: string; stale: unknown; parent_id: string };
    expect(fresh).toMatchObject({ stale: null, parent_id: saved });
    expect(fresh.content).toContain('90 days');
    const lineage = (await callJson(t.url, 'GET', `/v2/capsules/${rederived}/lineage`, undefined, as)).body as { ancestors: Array<{ capsule: { id: string }; depth: number }> };
    expect(lineage.ancestors.filter((e) => e.depth === 1).map((e) => e.capsule.id)).toEqual(expect.arrayContaining([saved, next.id]));
    expect((await callJson(t.url, 'GET', `/v2/capsules/${saved}`, undefined, as)).body).toMatchObject({ superseded_by: rederived });
    // A fresh capsule is not re-derived.
    expect((await callJson(t.url, 'POST', `/v2/capsules/${rederived}/rederive`, undefined, as)).status).toBe(409);
  }, 60_000);
});
