import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError } from '../src/errors.js';
import { TrustFlowError } from '../src/auth/policy.js';
import type { Caller, Capsule } from '../src/store/graph-store.js';
import { createServedForge, createUserWithKey, callJson, type ServedForge, TEST_SETUP } from './helpers/forge.js';

let t: ServedForge;
beforeAll(async () => {
  t = await createServedForge();
});
afterAll(async () => t.cleanup());

const admin: Caller = { id: 'root', roles: ['admin'], trust_level: 100 };
const at = (trust_level: number, roles: Caller['roles'] = ['contributor'], id = `writer-${trust_level}`): Caller => ({ id, roles, trust_level });

describe('trust flow', () => {
  it('derived capsules sit between their highest source and their writer: random derivation graphs never let a reader see a capsule without all its sources', async () => {
    const made: Capsule[] = [];
    let refusedBelow = 0;
    let refusedAbove = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 100 }),
        fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
        fc.array(fc.nat(), { maxLength: 3 }),
        async (writerTrust, requested, picks) => {
          const writer = at(writerTrust);
          const readable = made.filter((c) => c.trust_level <= writerTrust);
          const sources = readable.length ? [...new Set(picks.map((i) => readable[i % readable.length] as Capsule))] : [];
          const highest = Math.max(0, ...sources.map((s) => s.trust_level));
          const attempt = t.forge.capsules.create(writer, {
            content: `derived knowledge ${made.length}`,
            type: 'insight',
            ...(requested === undefined ? {} : { trust_level: requested }),
            derived_from: sources.map((s) => ({ parent_id: s.id, reason: 'derived' })),
          });
          const level = requested ?? Math.max(writerTrust, highest);
          if (level < highest) {
            await expect(attempt).rejects.toBeInstanceOf(TrustFlowError);
            await expect(attempt).rejects.toMatchObject({ requested: level, sourcesMax: highest });
            refusedBelow++;
          } else if (level > writerTrust) {
            await expect(attempt).rejects.toBeInstanceOf(ForbiddenError);
            refusedAbove++;
          } else {
            const c = await attempt;
            expect(c.trust_level).toBe(level);
            made.push(c);
          }
        },
      ),
      { numRuns: 150, seed: 42 },
    );
    expect(made.length).toBeGreaterThan(30);
    expect(refusedBelow + refusedAbove).toBeGreaterThan(5);
    // Every reader level: whatever it can read, it can read every ancestor of.
    for (const reader of [0, 20, 40, 60, 80, 100]) {
      for (const c of made.filter((m) => m.trust_level <= reader)) {
        const lineage = await t.forge.capsules.lineage(at(reader, ['reader']), c.id);
        expect(lineage.redacted).toBe(0);
      }
    }
  }, 120_000);

  it('new versions: the owner or a contributor at or above the trust writes them, and they are owned by their writer', async () => {
    const owner = at(60, ['contributor'], 'owner-a');
    const v1 = await t.forge.capsules.create(owner, { content: 'Refunds settle in two days.', type: 'knowledge', trust_level: 50 });
    await expect(t.forge.capsules.update(at(90, ['reader'], 'someone'), v1.id, { content: 'Refunds settle in one day.' })).rejects.toBeInstanceOf(ForbiddenError);
    const lowContributor = at(40, ['contributor'], 'low');
    await expect(t.forge.capsules.update(lowContributor, v1.id, { content: 'x' })).rejects.toThrow(); // cannot even read it
    const v2 = await t.forge.capsules.update(at(70, ['contributor'], 'editor-b'), v1.id, { content: 'Refunds settle in one day.' });
    expect(v2.owner_id).toBe('editor-b');
    const lineage = await t.forge.capsules.lineage(owner, v2.id);
    expect(lineage.entries.map((e) => [e.capsule.id, e.capsule.owner_id])).toEqual([[v1.id, 'owner-a']]);
    expect(lineage.entries[0]?.edge.changes).toMatchObject({ fields: ['content', 'owner'], previous_owner: 'owner-a' });
  });

  it('trust never drops below sources; lowering a standalone capsule is for admins, with a reason, audited', async () => {
    const writer = at(80, ['contributor'], 'lowering');
    const source = await t.forge.capsules.create(writer, { content: 'Merchant limits for tier two.', type: 'knowledge', trust_level: 70 });
    const derived = await t.forge.capsules.create(writer, { content: 'Tier two summary.', type: 'insight', derived_from: [{ parent_id: source.id, reason: 'summary' }] });
    expect(derived.trust_level).toBe(80);
    const down = t.forge.capsules.update(writer, derived.id, { trust_level: 50 });
    await expect(down).rejects.toBeInstanceOf(TrustFlowError);
    await expect(down).rejects.toThrow('trust_level 50 is below 70, the highest trust among its sources');
    expect((await t.forge.capsules.update(writer, derived.id, { trust_level: 70 })).trust_level).toBe(70);
    await expect(t.forge.capsules.fork(writer, source.id, { trust_level: 30 })).rejects.toBeInstanceOf(TrustFlowError);

    await expect(t.forge.capsules.update(writer, source.id, { trust_level: 30 })).rejects.toThrow('needs the admin role');
    await expect(t.forge.capsules.update(admin, source.id, { trust_level: 30 })).rejects.toThrow('needs a reason');
    const lowered = await t.forge.capsules.update(admin, source.id, { trust_level: 30, reason: 'declassified by the risk board' });
    expect(lowered.trust_level).toBe(30);
    const audit = await t.forge.store.listAudit({ limit: 5, entity_id: lowered.id });
    expect(audit[0]).toMatchObject({ actor_id: 'root', action: 'capsule.update' });
    expect(audit[0]?.details).toMatchObject({ derived_from: [{ id: source.id, reason: 'declassified by the risk board', changes: { trust_from: 70, trust_to: 30 } }] });
  });

  it('shows a hidden ancestor only as a count: no id, trust or edge of it anywhere in the answer', async () => {
    const secret = await t.forge.capsules.create(admin, { content: 'Board-only acquisition notes.', type: 'knowledge', trust_level: 90 });
    const mid = await t.forge.capsules.create(admin, {
      content: 'Acquisition digest.',
      type: 'insight',
      trust_level: 90,
      derived_from: [{ parent_id: secret.id, reason: 'digest' }],
    });
    const open = await t.forge.capsules.create(admin, { content: 'Public acquisition FAQ.', type: 'insight', trust_level: 95 });
    void open;
    const base = await t.forge.capsules.create(admin, { content: 'Public market overview.', type: 'knowledge', trust_level: 10 });
    const top = await t.forge.capsules.create(admin, {
      content: 'Analyst notes.',
      type: 'insight',
      trust_level: 90,
      derived_from: [
        { parent_id: mid.id, reason: 'notes' },
        { parent_id: base.id, reason: 'context' },
      ],
    });
    // A reader at 90 sees everything; check what one at 90 with a capsule at 10 sees from below instead.
    const reader = await createUserWithKey(t.forge, 'auditor-10', 'reader', 10);
    const down = await callJson(t.url, 'GET', `/v2/capsules/${base.id}/descendants`, undefined, { authorization: `Bearer ${reader.apiKey}` });
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ descendants: [], redacted: 1, truncated: false });
    const text = JSON.stringify(down.body);
    for (const hidden of [top.id, mid.id, secret.id, '"trust_level":90', 'notes']) expect(text).not.toContain(hidden);
  });

  it('walks a dense lineage breadth-first, once per capsule: 200 capsules each derived from the 20 before, in well under 200 ms', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const c = await t.forge.capsules.create(admin, {
        content: `step ${i}`,
        type: 'knowledge',
        trust_level: 50,
        derived_from: ids.slice(-20).map((parent_id) => ({ parent_id, reason: 'builds on' })),
      });
      ids.push(c.id);
    }
    const started = performance.now();
    const lineage = await t.forge.capsules.lineage(admin, ids[199] as string);
    const took = performance.now() - started;
    console.log(`lineage of a 200-capsule DAG (20 parents each): ${took.toFixed(1)} ms`);
    expect(lineage.entries).toHaveLength(199);
    expect(lineage.truncated).toBe(false);
    expect(took).toBeLessThan(200);
  });

  it('an overlay serving a caller reads at no more than that caller’s trust', async () => {
    const { compileWat } = await import('./helpers/wat.js');
    const wasm = await compileWat('capsule-host');
    const o = await t.forge.overlays.registry.register(
      admin,
      'name: reader-overlay\nversion: 1.0.0\ntrust_level: 80\nentry_points: [read]\ncapabilities: [capsule:read, capsule:write, config:read]',
      wasm,
    );
    await t.forge.overlays.registry.activate(admin, o.id, { authority: TEST_SETUP });
    const c = await t.forge.capsules.create(admin, { content: 'Mid-level runbook.', type: 'knowledge', trust_level: 50 });
    const as = (trust: number) => t.forge.overlays.executor.invoke(o.id, { function: 'read', args: { id: c.id } }, at(trust, ['reader']));
    expect((await as(60)).result).toMatchObject({ ok: true, capsule: { id: c.id } });
    expect((await as(30)).result).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

describe('overlay output', () => {
  it('never carries a marker above the requester’s trust, whatever the overlay may read', async () => {
    const { compileWat } = await import('./helpers/wat.js');
    t.forge.startWorkers();
    const levels = [0, 20, 40, 60, 80, 100];
    for (const level of levels) await t.forge.capsules.create(admin, { content: `marker classified knowledge MARK-${level}-X`, type: 'knowledge', trust_level: level });
    const o = await t.forge.overlays.registry.register(
      admin,
      'name: marker-search\nversion: 1.0.0\ntrust_level: 100\nphases: [context]\ncapabilities: [capsule:read]\nlimits: { max_execution_ms: 2000 }',
      await compileWat('phase-search'),
    );
    await t.forge.overlays.registry.activate(admin, o.id, { authority: TEST_SETUP });
    for (const asker of [0, 40, 60, 100]) {
      const { record } = await t.forge.requests.submit(at(asker, ['reader'], `asker-${asker}`), { query: `what is classified? (${asker})` });
      const done = await t.forge.requests.waitFor(record.id, 20_000);
      expect(done.status).toBe('completed');
      const text = JSON.stringify(done);
      const seen = levels.filter((l) => text.includes(`MARK-${l}-X`));
      expect(seen.length).toBeGreaterThan(0);
      expect(Math.max(...seen)).toBeLessThanOrEqual(asker);
      expect(seen).toEqual(levels.filter((l) => l <= asker));
    }
    await t.forge.overlays.registry.remove(admin, o.id);
  }, 60_000);
});
