import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/errors.js';
import { OverlayManifest } from '../../src/overlays/manifest.js';
import { HashingEmbedder, cosine } from '../../src/search/embedder.js';
import type { CascadeLink, Caller, CapsuleType, GraphStore, NewCapsule, NewEvent } from '../../src/store/graph-store.js';

/**
 * The behaviour every GraphStore adapter must have. Call from one test file per adapter with a factory
 * that returns a fresh, empty store (and cleans it up in `destroy`).
 */
export function describeGraphStoreConformance(name: string, factory: () => Promise<{ store: GraphStore; destroy: () => Promise<void> }>): void {
  describe(`GraphStore conformance: ${name}`, () => {
    const embedder = new HashingEmbedder(256);
    const ctx = { actor_id: 'tester' };
    let store: GraphStore;
    let destroy: () => Promise<void>;

    beforeEach(async () => {
      ({ store, destroy } = await factory());
    });
    afterEach(async () => destroy());

    const capsule = (content: string, extra: Partial<Omit<NewCapsule, 'content' | 'embedding'>> = {}): NewCapsule => ({
      content,
      type: 'knowledge',
      owner_id: 'owner-a',
      trust_level: 60,
      embedding: embedder.embedOne(content),
      ...extra,
    });

    it('creates and reads a capsule with every V2 field', async () => {
      const c = await store.createCapsule(capsule('Kafka retains messages for seven days.', { tags: ['kafka', 'retention'], metadata: { source: 'wiki' } }), ctx);
      expect(c.id).toMatch(/^[0-9a-f-]{36}$/);
      const got = await store.getCapsule(c.id);
      expect(got).toEqual(c);
      expect(got).toMatchObject({
        version: '1.0.0',
        parent_id: null,
        owner_id: 'owner-a',
        trust_level: 60,
        archived: false,
        superseded_by: null,
        tags: ['kafka', 'retention'],
        metadata: { source: 'wiki' },
      });
      expect(await store.getCapsule(randomUUID())).toBeNull();
    });

    it('reads many capsules by id in the order asked, each once, absent ones left out, changes seen', async () => {
      const a = await store.createCapsule(capsule('Alpha runs the ledger.'), ctx);
      const b = await store.createCapsule(capsule('Beta runs the payouts.', { trust_level: 90 }), ctx);
      expect(await store.getCapsules([])).toEqual([]);
      expect((await store.getCapsules([b.id, randomUUID(), a.id, b.id])).map((c) => c.id)).toEqual([b.id, a.id]);
      expect(await store.getCapsules([a.id])).toEqual([await store.getCapsule(a.id)]);
      // A capsule changed after it was read is read as it is now (no stale copy).
      const v2 = await store.updateCapsule(a.id, { content: 'Alpha runs the ledger and the vault.', embedding: embedder.embedOne('Alpha runs the ledger and the vault.') }, ctx);
      expect((await store.getCapsules([a.id, v2.id])).map((c) => [c.id, c.superseded_by])).toEqual([
        [a.id, v2.id],
        [v2.id, null],
      ]);
    });

    it('treats a create with an existing id as already done', async () => {
      const id = randomUUID();
      const first = await store.createCapsule(capsule('first text', { id }), ctx);
      const second = await store.createCapsule(capsule('different text', { id }), ctx);
      expect(second).toEqual(first);
      expect((await store.stats()).capsules).toBe(1);
    });

    it('lists with filters and a cursor that visits every capsule once', async () => {
      const types: CapsuleType[] = ['knowledge', 'decision', 'code'];
      for (let i = 0; i < 25; i++) {
        await store.createCapsule(
          capsule(`note number ${i}`, { type: types[i % 3] as CapsuleType, owner_id: i % 2 ? 'odd' : 'even', trust_level: i * 4, tags: i % 5 === 0 ? ['fives'] : [] }),
          ctx,
        );
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.listCapsules({}, { limit: 7, cursor });
        seen.push(...page.items.map((c) => c.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toHaveLength(25);
      expect(new Set(seen).size).toBe(25);
      expect((await store.listCapsules({ type: 'decision' }, { limit: 100 })).items.every((c) => c.type === 'decision')).toBe(true);
      expect((await store.listCapsules({ owner_id: 'odd' }, { limit: 100 })).items).toHaveLength(12);
      expect((await store.listCapsules({ tag: 'fives' }, { limit: 100 })).items).toHaveLength(5);
      const trusted = (await store.listCapsules({ min_trust: 40, max_trust: 60 }, { limit: 100 })).items;
      expect(trusted.map((c) => c.trust_level).sort((a, b) => a - b)).toEqual([40, 44, 48, 52, 56, 60]);
    });

    it('updates by writing a new version DERIVED_FROM the previous one, which stays readable', async () => {
      const v1 = await store.createCapsule(capsule('Deploys happen on Tuesdays.'), ctx);
      const v2 = await store.updateCapsule(
        v1.id,
        { content: 'Deploys happen on Tuesdays and Thursdays.', embedding: embedder.embedOne('Deploys happen on Tuesdays and Thursdays.'), reason: 'second window' },
        ctx,
      );
      expect(v2.id).not.toBe(v1.id);
      expect(v2).toMatchObject({ version: '1.0.1', parent_id: v1.id, content: 'Deploys happen on Tuesdays and Thursdays.' });
      expect(await store.getCapsule(v1.id)).toMatchObject({ content: 'Deploys happen on Tuesdays.', superseded_by: v2.id });
      const v3 = await store.updateCapsule(v2.id, { trust_level: 80, version: '2.0.0' }, ctx);
      expect(v3).toMatchObject({ version: '2.0.0', trust_level: 80, content: v2.content });
      // Only the newest version is listed by default.
      expect((await store.listCapsules({}, { limit: 10 })).items.map((c) => c.id)).toEqual([v3.id]);
      await expect(store.updateCapsule(v1.id, { trust_level: 10 }, ctx)).rejects.toBeInstanceOf(ConflictError);
      await expect(store.updateCapsule(v3.id, { trust_level: 10, version: '1.9.9' }, ctx)).rejects.toBeInstanceOf(ConflictError);
      await expect(store.updateCapsule(randomUUID(), { trust_level: 10 }, ctx)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('archives: hidden from lists and search, still readable, no longer updatable', async () => {
      const c = await store.createCapsule(capsule('Archived knowledge about zebras.'), ctx);
      const archived = await store.archiveCapsule(c.id, ctx);
      expect(archived.archived).toBe(true);
      expect((await store.getCapsule(c.id))?.archived).toBe(true);
      expect((await store.listCapsules({}, { limit: 10 })).items).toHaveLength(0);
      expect((await store.listCapsules({ include_archived: true }, { limit: 10 })).items).toHaveLength(1);
      expect(await store.searchCapsules({ text: 'zebras', embedding: embedder.embedOne('zebras') })).toHaveLength(0);
      await expect(store.updateCapsule(c.id, { trust_level: 1 }, ctx)).rejects.toBeInstanceOf(ConflictError);
    });

    it('forks into a new capsule at 1.0.0 DERIVED_FROM the source', async () => {
      const source = await store.createCapsule(capsule('Runbook for the payments API.'), ctx);
      const updated = await store.updateCapsule(source.id, { tags: ['runbook'] }, ctx);
      const fork = await store.forkCapsule(
        updated.id,
        { owner_id: 'owner-b', content: 'EU runbook for the payments API.', embedding: embedder.embedOne('EU runbook'), reason: 'eu' },
        ctx,
      );
      expect(fork).toMatchObject({ version: '1.0.0', parent_id: updated.id, owner_id: 'owner-b', tags: ['runbook'] });
      const lineage = await store.getLineage(fork.id);
      expect(lineage.map((e) => [e.capsule.id, e.depth, e.edge.reason])).toEqual([
        [updated.id, 1, 'eu'],
        [source.id, 2, 'update'],
      ]);
    });

    it('walks full ancestry nearest first, each ancestor once, and descendants the other way', async () => {
      const a = await store.createCapsule(capsule('root A'), ctx);
      const b = await store.createCapsule(capsule('root B'), ctx);
      const c = await store.createCapsule(
        capsule('child of A and B', {
          derived_from: [
            { parent_id: a.id, reason: 'cited' },
            { parent_id: b.id, reason: 'cited' },
          ],
        }),
        ctx,
      );
      const d = await store.createCapsule(
        capsule('grandchild', {
          derived_from: [
            { parent_id: c.id, reason: 'cited' },
            { parent_id: a.id, reason: 'cited' },
          ],
        }),
        ctx,
      );
      expect(c.parent_id).toBe(a.id);
      const lineage = await store.getLineage(d.id);
      expect(lineage.map((e) => e.capsule.id).sort()).toEqual([a.id, b.id, c.id].sort());
      expect(lineage.find((e) => e.capsule.id === a.id)?.depth).toBe(1);
      expect(lineage.find((e) => e.capsule.id === b.id)?.depth).toBe(2);
      const depths = lineage.map((e) => e.depth);
      expect(depths).toEqual([...depths].sort((x, y) => x - y));
      const down = await store.getDescendants(a.id);
      expect(down.map((e) => [e.capsule.id, e.depth])).toEqual(
        expect.arrayContaining([
          [c.id, 1],
          [d.id, 1],
        ]),
      );
      expect(await store.getLineage(a.id)).toEqual([]);
      await expect(store.getLineage(randomUUID())).rejects.toBeInstanceOf(NotFoundError);
    });

    it('rejects derivation from a capsule that does not exist', async () => {
      await expect(store.createCapsule(capsule('orphan', { derived_from: [{ parent_id: randomUUID(), reason: 'cited' }] }), ctx)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('hybrid search ranks related capsules above unrelated ones and reports both scores', async () => {
      const related = await store.createCapsule(capsule('Redis persistence with AOF: appendfsync everysec loses at most one second of writes.'), ctx);
      await store.createCapsule(capsule('The cafeteria serves lunch between noon and two.'), ctx);
      await store.createCapsule(capsule('Quarterly revenue grew in the EU market.'), ctx);
      const q = 'how does redis persistence work';
      const hits = await store.searchCapsules({ text: q, embedding: embedder.embedOne(q), limit: 3 });
      expect(hits[0]?.capsule.id).toBe(related.id);
      expect(hits[0]?.vector_score).toBeGreaterThan(0);
      expect(hits[0]?.text_score).not.toBeNull();
      expect(hits.every((h, i) => i === 0 || h.score <= (hits[i - 1] as typeof h).score)).toBe(true);
    });

    it('scores a capsule by the nearer of its whole text and its best passage, kept by a version that keeps the content, replaced by re-embedding', async () => {
      const axis = (...weights: Array<[number, number]>) => {
        const v = new Float32Array(256);
        for (const [i, w] of weights) v[i] = w;
        const norm = Math.hypot(...v);
        return v.map((x) => x / norm);
      };
      const [e1, e2, e3] = [axis([1, 1]), axis([2, 1]), axis([3, 1])];
      const passages = await store.createCapsule({ ...capsule('First sentence. Second sentence.'), embedding: e1, passage_embeddings: [e2, e3] }, ctx);
      const whole = await store.createCapsule({ ...capsule('One sentence only.'), embedding: axis([1, 1], [2, 1]) }, ctx);
      const search = () => store.searchCapsules({ text: 'qqqq', embedding: e2 as Float32Array, limit: 5 });
      let hits = await search();
      expect(hits.map((h) => h.capsule.id)).toEqual([passages.id, whole.id]);
      expect(hits[0]?.vector_score).toBeCloseTo(1, 3);
      expect(hits[1]?.vector_score).toBeCloseTo(Math.SQRT1_2, 3);
      const next = await store.updateCapsule(passages.id, { metadata: { reviewed: true } }, ctx);
      hits = await search();
      expect(hits[0]?.capsule.id).toBe(next.id);
      expect(hits[0]?.vector_score).toBeCloseTo(1, 3);
      // Re-embedded without passages: only its whole text (orthogonal to the query) is left.
      expect(await store.setEmbeddings('another-model@256', [{ id: next.id, embedding: e1 as Float32Array, passage_embeddings: [] }])).toBe(1);
      hits = await search();
      expect(hits.map((h) => h.capsule.id)).toEqual([whole.id]);
    });

    it('raises a capsule whose neighbour in its thread is found with it, and only by a neighbour in the same thread', async () => {
      const turn = (content: string, thread: string, position: number) => store.createCapsule(capsule(content, { metadata: { thread, position } }), ctx);
      await turn('Did you adopt the rescue greyhound in the end?', 'chat-1', 0);
      const answer = await turn('Yes, last Saturday, and we named her Pepper.', 'chat-1', 1);
      const elsewhere = await turn('Yes, last Saturday, and we named her Pepper.', 'chat-2', 7);
      const q = 'rescue greyhound adopt';
      const search = (neighbours: number) =>
        store.searchCapsules({ text: q, embedding: embedder.embedOne(q), limit: 5, fusion: { vector: 0.5, text: 0.5, neighbours, answers: 0 } });
      const scoreOf = (hits: Awaited<ReturnType<typeof search>>, id: string) => hits.find((h) => h.capsule.id === id)?.score ?? 0;
      const without = await search(0);
      const withNeighbours = await search(0.5);
      expect(scoreOf(withNeighbours, answer.id)).toBeGreaterThan(scoreOf(without, answer.id));
      expect(scoreOf(withNeighbours, elsewhere.id)).toBeCloseTo(scoreOf(without, elsewhere.id), 9);
      expect(scoreOf(withNeighbours, answer.id)).toBeGreaterThan(scoreOf(withNeighbours, elsewhere.id));
    });

    it('raises the capsule after one in its thread that asks a question, found with it', async () => {
      const turn = (content: string, thread: string, position: number) => store.createCapsule(capsule(content, { metadata: { thread, position } }), ctx);
      await turn('Did you adopt the rescue greyhound in the end?', 'chat-1', 0);
      const answer = await turn('Yes, last Saturday.', 'chat-1', 1);
      const q = 'rescue greyhound adopt';
      const search = (answers: number) => store.searchCapsules({ text: q, embedding: embedder.embedOne(q), limit: 5, fusion: { vector: 0.5, text: 0.5, neighbours: 0, answers } });
      const scoreOf = (hits: Awaited<ReturnType<typeof search>>, id: string) => hits.find((h) => h.capsule.id === id)?.score ?? 0;
      expect(scoreOf(await search(0.4), answer.id) - scoreOf(await search(0), answer.id)).toBeGreaterThan(0.3);
    });

    it('finds the current capsule at a place in a thread: not a superseded or archived one, the latest of several', async () => {
      const first = await store.createCapsule(capsule('Turn one.', { metadata: { thread: 't', position: 1 } }), ctx);
      const elsewhere = await store.createCapsule(capsule('Turn one, elsewhere.', { metadata: { thread: 'u', position: 1 } }), ctx);
      expect((await store.capsuleInThread('t', 1))?.id).toBe(first.id);
      expect((await store.capsuleInThread('u', 1))?.id).toBe(elsewhere.id);
      const next = await store.updateCapsule(first.id, { content: 'Turn one, corrected.', embedding: embedder.embedOne('Turn one, corrected.') }, ctx);
      expect((await store.capsuleInThread('t', 1))?.id).toBe(next.id);
      await store.archiveCapsule(next.id, ctx);
      expect(await store.capsuleInThread('t', 1)).toBeNull();
      await store.createCapsule(capsule('Turn two.', { metadata: { thread: 't', position: 2 } }), ctx);
      const later = await store.createCapsule(capsule('Turn two, again.', { metadata: { thread: 't', position: 2 } }), ctx);
      expect((await store.capsuleInThread('t', 2))?.id).toBe(later.id);
      expect(await store.capsuleInThread('t', 3)).toBeNull();
      expect(await store.capsuleInThread('t', 1.5)).toBeNull();
      // Below a ceiling, one above it is passed over as if absent: the one before it is found.
      await store.createCapsule(capsule('Turn two, above.', { metadata: { thread: 't', position: 2 }, trust_level: 90 }), ctx);
      expect((await store.capsuleInThread('t', 2, 60))?.id).toBe(later.id);
      expect((await store.capsuleInThread('t', 2))?.content).toBe('Turn two, above.');
      expect(await store.capsuleInThread('t', 2, 59)).toBeNull();
    });

    it('applies the trust filter before top-k, so a filtered search finds the matches that exist', async () => {
      for (let i = 0; i < 40; i++) await store.createCapsule(capsule(`Settlement batch reconciliation guide part ${i}`, { trust_level: 90 }), ctx);
      const low = await store.createCapsule(capsule('Settlement batch reconciliation for sandbox merchants', { trust_level: 40 }), ctx);
      const q = 'settlement batch reconciliation';
      const hits = await store.searchCapsules({ text: q, embedding: embedder.embedOne(q), limit: 5, filter: { max_trust: 60 } });
      expect(hits.map((h) => h.capsule.id)).toEqual([low.id]);
      const high = await store.searchCapsules({ text: q, embedding: embedder.embedOne(q), limit: 5, filter: { min_trust: 80 } });
      expect(high).toHaveLength(5);
      expect(high.every((h) => h.capsule.trust_level >= 80)).toBe(true);
    });

    it('marks stale, in the transaction that supersedes or archives a source, everything derived from it — a deep chain and a diamond — but never a newer version', async () => {
      const source = await store.createCapsule(capsule('Backups are kept for 30 days.', { id: 'src' }), ctx);
      // A chain four deep, and a diamond (two derivations of the source, and one of both).
      let parent = source.id;
      const chain: string[] = [];
      for (let i = 0; i < 4; i++) {
        const c = await store.createCapsule(capsule(`Derived ${i}: backups last 30 days.`, { id: `chain-${i}`, derived_from: [{ parent_id: parent, reason: 'cited' }] }), ctx);
        chain.push(c.id);
        parent = c.id;
      }
      const left = await store.createCapsule(capsule('Left: 30-day backups.', { id: 'left', derived_from: [{ parent_id: source.id, reason: 'cited' }] }), ctx);
      const right = await store.createCapsule(capsule('Right: 30-day backups.', { id: 'right', derived_from: [{ parent_id: source.id, reason: 'cited' }] }), ctx);
      const both = await store.createCapsule(
        capsule('Both: 30-day backups.', {
          id: 'both',
          derived_from: [
            { parent_id: left.id, reason: 'cited' },
            { parent_id: right.id, reason: 'cited' },
          ],
        }),
        ctx,
      );
      const unrelated = await store.createCapsule(capsule('Unrelated: the cafeteria opens at eight.', { id: 'other' }), ctx);
      const next = await store.updateCapsule(
        source.id,
        { content: 'Backups are kept for 90 days.', embedding: embedder.embedOne('Backups are kept for 90 days.'), reason: 'policy change' },
        ctx,
      );
      const stale = [...chain, left.id, right.id, both.id];
      for (const id of stale) {
        expect((await store.getCapsule(id))?.stale, id).toMatchObject({ reason: expect.stringContaining('superseded'), source_id: next.id, since: expect.any(String) });
      }
      expect((await store.getCapsule(next.id))?.stale).toBeNull();
      expect((await store.getCapsule(unrelated.id))?.stale).toBeNull();
      // One audit entry names what was marked.
      const [audited] = await store.listAudit({ limit: 1, action: 'capsule.stale' });
      expect(audited?.details).toMatchObject({ count: stale.length, source_id: next.id });
      // Stale capsules leave search and lists unless asked for.
      const q = '30 days backups';
      const hits = await store.searchCapsules({ text: q, embedding: embedder.embedOne(q), limit: 20 });
      expect(hits.map((h) => h.capsule.id).filter((id) => stale.includes(id))).toEqual([]);
      const withStale = await store.searchCapsules({ text: q, embedding: embedder.embedOne(q), limit: 20, filter: { include_stale: true } });
      expect(withStale.some((h) => stale.includes(h.capsule.id))).toBe(true);
      expect((await store.listCapsules({}, { limit: 50 })).items.map((c) => c.id).filter((id) => stale.includes(id))).toEqual([]);
      // Archiving marks too; what is stale already keeps its first reason.
      const fresh = await store.createCapsule(capsule('Fresh note on the 90-day policy.', { id: 'fresh', derived_from: [{ parent_id: next.id, reason: 'cited' }] }), ctx);
      await store.archiveCapsule(next.id, ctx);
      expect((await store.getCapsule(fresh.id))?.stale).toMatchObject({ reason: expect.stringContaining('archived') });
      expect((await store.getCapsule(both.id))?.stale?.reason).toContain('superseded');
      // An overlay's capsules, and what was derived from them, on request (quarantine).
      const written = await store.createCapsule(capsule('Written by an overlay.', { id: 'by-overlay', owner_id: 'overlay:x' }), ctx);
      const onTop = await store.createCapsule(capsule('Built on it.', { id: 'on-top', derived_from: [{ parent_id: written.id, reason: 'cited' }] }), ctx);
      expect((await store.markDerivedStale([written.id], 'quarantined', ctx, { includeRoots: true })).sort()).toEqual([onTop.id, written.id].sort());
      expect(await store.markDerivedStale([written.id], 'again', ctx, { includeRoots: true })).toEqual([]);
    });

    it('scores and orders a reader’s search by what it may read only: capsules added above it change nothing', async () => {
      const visible = [
        'Ledger reconciliation runs nightly for merchant accounts.',
        'Refunds are queued until the settlement window closes.',
        'The ledger vault keys rotate every ninety days.',
        'Card disputes reach the ledger within two days.',
      ];
      for (const [i, content] of visible.entries()) await store.createCapsule(capsule(content, { id: `visible-${i}`, trust_level: 20 + i * 5 }), ctx);
      const queries = ['ledger reconciliation', 'vault keys rotate', 'settlement window refunds ledger'];
      const seen = async () =>
        Promise.all(
          queries.map(async (q) =>
            (await store.searchCapsules({ text: q, embedding: embedder.embedOne(q), limit: 10, filter: { max_trust: 40 } })).map((h) => [
              h.capsule.id,
              h.score,
              h.vector_score,
              h.text_score,
            ]),
          ),
        );
      const before = await seen();
      // Capsules above the reader sharing its words change every corpus-wide statistic of the index.
      for (let i = 0; i < 12; i++)
        await store.createCapsule(capsule(`Ledger ledger reconciliation vault keys ${i % 2 ? 'settlement' : 'refunds'} note ${i}.`, { trust_level: 41 + i * 5 }), ctx);
      expect(await seen()).toEqual(before);
      // They are there for a reader who may read them.
      const all = await store.searchCapsules({ text: 'ledger reconciliation', embedding: embedder.embedOne('ledger reconciliation'), limit: 20 });
      expect(all.some((h) => h.capsule.trust_level > 40)).toBe(true);
    });

    it('ranks the vector side as exact cosine does over what the filter passes (recall@10 at least 0.95)', async () => {
      // Random words from a fixed vocabulary: nearest neighbours barely stand out, the hard case for an index.
      let seed = 7;
      const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
      const words = Array.from({ length: 400 }, (_, i) => `w${i}x`);
      const text = (n: number) => Array.from({ length: n }, () => words[Math.floor(random() * words.length)]).join(' ');
      const kept: Array<{ id: string; embedding: Float32Array; trust: number }> = [];
      for (let i = 0; i < 600; i++) {
        const c = await store.createCapsule(capsule(text(12), { trust_level: Math.floor(random() * 101) }), ctx);
        kept.push({ id: c.id, embedding: embedder.embedOne(c.content), trust: c.trust_level });
      }
      let recall = 0;
      for (let q = 0; q < 20; q++) {
        const embedding = embedder.embedOne(text(4));
        const exact = kept
          .filter((k) => k.trust <= 50)
          .map((k) => [k.id, cosine(embedding, k.embedding)] as const)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 10)
          .map(([id]) => id);
        const hits = await store.searchCapsules({ text: '', embedding, limit: 10, filter: { max_trust: 50 }, min_similarity: -1 });
        expect(hits.every((h) => h.capsule.trust_level <= 50)).toBe(true);
        recall += exact.filter((id) => hits.some((h) => h.capsule.id === id)).length / 10;
      }
      expect(recall / 20).toBeGreaterThanOrEqual(0.95);
    });

    it('keeps events in order, once per id, readable by cascade, kind and trust, and each delivery once per subscriber', async () => {
      const event = (id: string, extra: Partial<NewEvent> = {}): NewEvent => ({
        id,
        kind: 'security_threat',
        payload: { pattern: 'sql injection', severity: 'high' },
        trust_level: 60,
        source: { type: 'overlay', id: 'o1', name: 'security_validator' },
        correlation_id: 'c1',
        cascade_id: 'root',
        hop: 0,
        parent_id: null,
        visited: ['overlay:security_validator'],
        ...extra,
      });
      const first = await store.appendEvent(event('root'));
      expect(first.created).toBe(true);
      expect(first.event).toMatchObject({ id: 'root', kind: 'security_threat', payload: { pattern: 'sql injection' }, source: { type: 'overlay', name: 'security_validator' } });
      expect((await store.appendEvent(event('root', { kind: 'model_updated' }))).created).toBe(false);
      await store.appendEvent(event('child', { kind: 'model_updated', payload: { model: 'm' }, hop: 1, parent_id: 'root', trust_level: 80 }));
      await store.appendEvent(event('other', { cascade_id: 'other', kind: 'custom.audit' }));
      const all = await store.listEvents({ limit: 10 });
      expect(all.map((e) => e.id)).toEqual(['root', 'child', 'other']);
      expect(all[1]?.seq).toBeGreaterThan(all[0]?.seq as number);
      expect((await store.listEvents({ limit: 10, cascade_id: 'root' })).map((e) => e.id)).toEqual(['root', 'child']);
      expect((await store.listEvents({ limit: 10, max_trust: 60 })).map((e) => e.id)).toEqual(['root', 'other']);
      expect((await store.listEvents({ limit: 10, kind: 'custom.audit' })).map((e) => e.id)).toEqual(['other']);
      expect((await store.listEvents({ limit: 10, after_seq: all[0]?.seq as number })).map((e) => e.id)).toEqual(['child', 'other']);
      expect((await store.getEvent('child'))?.parent_id).toBe('root');
      expect(await store.getEvent('missing')).toBeNull();
      expect(await store.wasDelivered('root', 'audit')).toBe(false);
      expect(await store.markDelivered('root', 'audit')).toBe(true);
      expect(await store.wasDelivered('root', 'audit')).toBe(true);
      expect(await store.markDelivered('root', 'audit')).toBe(false);
      expect(await store.markDelivered('root', 'metrics')).toBe(true);
      expect((await store.getEvent('root'))?.visited).toEqual(['overlay:security_validator']);
    });

    it('records cascade links, delivered with the delivery and stopped with the event, once per (event, target)', async () => {
      const link = (event_id: string, source: string, target: string, extra: Partial<CascadeLink> = {}): CascadeLink => ({
        event_id,
        cascade_id: 'c',
        hop: 0,
        kind: 'custom.step',
        source,
        target,
        target_id: null,
        payload_digest: 'd'.repeat(64),
        outcome: 'delivered',
        reason: null,
        trust_level: 40,
        at: new Date().toISOString(),
        ...extra,
      });
      const base = { kind: 'custom.step', payload: {}, trust_level: 40, source: { type: 'overlay', id: 'a1', name: 'a' }, correlation_id: null, cascade_id: 'c' } as const;
      await store.appendEvent({ ...base, id: 'e1', hop: 0, parent_id: null, visited: ['overlay:a'] });
      expect(await store.markDelivered('e1', 'overlay:b', link('e1', 'overlay:a', 'overlay:b', { target_id: 'b1' }))).toBe(true);
      // A redelivery records no second link.
      expect(await store.markDelivered('e1', 'overlay:b', link('e1', 'overlay:a', 'overlay:b'))).toBe(false);
      const stop = link('e2', 'overlay:b', 'overlay:a', { hop: 1, outcome: 'stopped', reason: 'cycle' });
      await store.appendEvent({ ...base, id: 'e2', hop: 1, parent_id: 'e1', visited: ['overlay:a', 'overlay:b'] }, [stop]);
      await store.appendEvent({ ...base, id: 'e2', hop: 1, parent_id: 'e1', visited: ['overlay:a', 'overlay:b'] }, [stop]);
      await store.markDelivered('e2', 'overlay:c', link('e2', 'overlay:b', 'overlay:c', { hop: 1 }));
      const links = await store.listCascadeLinks('c');
      expect(links.map((l) => [l.event_id, l.source, l.target, l.outcome, l.reason])).toEqual([
        ['e1', 'overlay:a', 'overlay:b', 'delivered', null],
        ['e2', 'overlay:b', 'overlay:a', 'stopped', 'cycle'],
        ['e2', 'overlay:b', 'overlay:c', 'delivered', null],
      ]);
      expect(links[0]).toMatchObject({ target_id: 'b1', trust_level: 40, hop: 0, kind: 'custom.step' });
      expect(await store.listCascadeLinks('none')).toEqual([]);
      // One step of reach: only delivered links count.
      expect(await store.triggeredTargets(['overlay:a'], 100)).toEqual([{ source: 'overlay:a', target: 'overlay:b', links: 1 }]);
      expect(await store.triggeredTargets(['overlay:b', 'overlay:x'], 100)).toEqual([{ source: 'overlay:b', target: 'overlay:c', links: 1 }]);
      expect(await store.triggeredTargets([], 100)).toEqual([]);
      // Only deliveries of events the reader may see count (these are at 40).
      expect(await store.triggeredTargets(['overlay:a'], 39)).toEqual([]);
    });

    it('keeps proposals with conditional transitions, one vote per voter (changeable while voting), delegations and settings, all audited', async () => {
      const ctx2 = { actor_id: 'u1' };
      const p = await store.createProposal({ id: 'p1', title: 'T', description: 'D', kind: 'policy', action: { text: 'x' }, proposer_id: 'u1' }, ctx2);
      expect(p).toMatchObject({ id: 'p1', status: 'draft', outcome: null, action: { text: 'x' }, tally: null, analysis: null, execution: null });
      expect(await store.castVote({ proposal_id: 'p1', voter_id: 'v1', choice: 'for', weight: 80 }, ctx2)).toBe(false);
      const opened = await store.changeProposal('p1', { from: ['draft'], status: 'voting', opened_at: '2026-01-01T00:00:00.000Z', closes_at: '2026-01-08T00:00:00.000Z' }, ctx2);
      expect(opened).toMatchObject({ status: 'voting', closes_at: '2026-01-08T00:00:00.000Z' });
      expect(await store.changeProposal('p1', { from: ['draft'], status: 'voting' }, ctx2)).toBeNull();
      expect(await store.castVote({ proposal_id: 'p1', voter_id: 'v1', choice: 'for', weight: 80 }, ctx2)).toBe(true);
      expect(await store.castVote({ proposal_id: 'p1', voter_id: 'v1', choice: 'against', weight: 85 }, ctx2)).toBe(true);
      expect(await store.castVote({ proposal_id: 'p1', voter_id: 'v2', choice: 'abstain', weight: 90 }, ctx2)).toBe(true);
      expect((await store.listVotes('p1')).map((v) => [v.voter_id, v.choice, v.weight])).toEqual([
        ['v1', 'against', 85],
        ['v2', 'abstain', 90],
      ]);
      await expect(store.castVote({ proposal_id: 'nope', voter_id: 'v1', choice: 'for', weight: 80 }, ctx2)).rejects.toBeInstanceOf(NotFoundError);
      const closed = await store.changeProposal(
        'p1',
        { from: ['voting'], status: 'closed', outcome: 'passed', closed_at: '2026-01-08T00:00:00.000Z', tally: { for: 1 }, execution: { state: 'pending' } },
        ctx2,
      );
      expect(closed).toMatchObject({ status: 'closed', outcome: 'passed', tally: { for: 1 }, execution: { state: 'pending' } });
      await store.changeProposal('p1', { from: ['closed'], execution: { state: 'done' } }, ctx2);
      await store.setProposalAnalysis('p1', { review: { compliant: true } });
      expect(await store.getProposal('p1')).toMatchObject({ execution: { state: 'done' }, analysis: { review: { compliant: true } } });
      expect((await store.listProposals({ limit: 10, status: 'closed' })).map((x) => x.id)).toEqual(['p1']);
      expect(await store.listProposals({ limit: 10, status: 'draft' })).toEqual([]);
      expect((await store.listAudit({ limit: 20, entity_id: 'p1' })).map((a) => a.action).reverse()).toEqual([
        'proposal.create',
        'proposal.voting',
        'proposal.vote',
        'proposal.vote',
        'proposal.vote',
        'proposal.closed',
        'proposal.execution.done',
      ]);
      await store.setDelegation('a', 'b', ctx2);
      await store.setDelegation('a', 'c', ctx2);
      await store.setDelegation('b', 'c', ctx2);
      await store.setDelegation('b', null, ctx2);
      expect((await store.listDelegations()).map((d) => [d.delegator_id, d.delegate_id])).toEqual([['a', 'c']]);
      await store.putSetting('governance.quorum', 0.3, ctx2);
      await store.putSetting('governance.rules', { max_trust_step: 10 }, ctx2);
      await store.putSetting('governance.quorum', 0.4, ctx2);
      expect(await store.getSettings()).toEqual({ 'governance.quorum': 0.4, 'governance.rules': { max_trust_step: 10 } });
      await store.advanceCursor('c', 5);
      await store.advanceCursor('c', 3);
      expect(await store.getCursor('c')).toBe(5);
      expect(await store.getCursor('never')).toBe(0);
      const after = await store.listAuditAfter(0, 3);
      expect(after.map((a) => a.seq)).toEqual([...after.map((a) => a.seq)].sort((x, y) => x - y));
    });

    it('treats search text as words, never as query syntax', async () => {
      await store.createCapsule(capsule('Quotes "and" parentheses (are) fine: NEAR OR AND * ^'), ctx);
      for (const text of ['"unbalanced', 'a OR', 'NEAR(', '*', '^x', "'; DROP TABLE capsules; --"]) {
        await expect(store.searchCapsules({ text, embedding: embedder.embedOne(text) })).resolves.toBeInstanceOf(Array);
      }
    });

    const caller: Caller = { id: 'u1', roles: ['user'], trust_level: 60 };
    const newRequest = (extra: { id?: string; idempotency_key?: string | null } = {}) => ({
      id: extra.id ?? randomUUID(),
      correlation_id: randomUUID(),
      caller,
      query: 'q?',
      required_trust: 0,
      save_as_capsule: false,
      metadata: { a: 1 },
      idempotency_key: extra.idempotency_key ?? null,
    });

    it('records requests, honours idempotency keys per caller, and keeps the first outcome', async () => {
      const first = await store.createRequest(newRequest({ idempotency_key: 'k1' }));
      expect(first.created).toBe(true);
      expect(first.record).toMatchObject({ status: 'queued', caller, metadata: { a: 1 }, citations: [], answer: null });
      const again = await store.createRequest(newRequest({ idempotency_key: 'k1' }));
      expect(again).toEqual({ record: first.record, created: false });
      expect((await store.createRequest(newRequest({ id: first.record.id }))).created).toBe(false);
      const done = await store.finishRequest(first.record.id, {
        status: 'completed',
        answer: 'yes',
        citations: ['c1'],
        phase_timings: { context: { started_at: new Date().toISOString(), duration_ms: 3, attempt: 1 } },
        result: { cache: 'miss' },
      });
      expect(done).toMatchObject({ status: 'completed', answer: 'yes', citations: ['c1'], result: { cache: 'miss' } });
      expect(done.finished_at).not.toBeNull();
      const later = await store.finishRequest(first.record.id, { status: 'failed', error: { phase: 'x', code: 'y', message: 'z' } });
      expect(later.status).toBe('completed');
      expect((await store.getRequest(first.record.id))?.status).toBe('completed');
      await store.annotateRequest(first.record.id, { saved_capsule_id: 'c9' });
      expect((await store.getRequest(first.record.id))?.result).toEqual({ cache: 'miss', saved_capsule_id: 'c9' });
      expect(await store.getRequest(randomUUID())).toBeNull();
      await expect(store.reopenRequest(first.record.id, ctx)).rejects.toBeInstanceOf(ConflictError);
      const failed = await store.createRequest(newRequest());
      await store.finishRequest(failed.record.id, { status: 'failed', error: { phase: 'context', code: 'x', message: 'boom' } });
      const reopened = await store.reopenRequest(failed.record.id, ctx);
      expect(reopened).toMatchObject({ status: 'queued', error: null, finished_at: null });
      expect((await store.listAudit({ limit: 1, entity_id: failed.record.id }))[0]?.action).toBe('request.redrive');
      expect((await store.finishRequest(failed.record.id, { status: 'completed', answer: 'ok' })).status).toBe('completed');
    });

    it('writes an audit entry for every mutation, in a verifiable hash chain', async () => {
      const c = await store.createCapsule(capsule('audited'), ctx);
      const v2 = await store.updateCapsule(c.id, { tags: ['x'] }, ctx);
      await store.forkCapsule(v2.id, { owner_id: 'o' }, ctx);
      await store.archiveCapsule(v2.id, ctx);
      const request = await store.createRequest(newRequest());
      await store.finishRequest(request.record.id, { status: 'failed', error: { phase: 'context', code: 'x', message: 'y' } });
      const entries = await store.listAudit({ limit: 100 });
      expect(entries.map((e) => e.action)).toEqual(['request.failed', 'capsule.archive', 'capsule.fork', 'capsule.update', 'capsule.create']);
      expect(entries.map((e) => e.actor_id)).toEqual(['system', 'tester', 'tester', 'tester', 'tester']);
      expect(await store.verifyAudit()).toEqual({ ok: true, checked: 5, broken_at: null });
      const deduped = await store.appendAudit({ actor_id: 'a', action: 'x', entity_type: 't', entity_id: 'e', dedupe_key: 'once' });
      expect(await store.appendAudit({ actor_id: 'a', action: 'x', entity_type: 't', entity_id: 'e', dedupe_key: 'once' })).toEqual(deduped);
      expect((await store.listAudit({ limit: 2, entity_id: c.id })).map((e) => e.action)).toEqual(['capsule.create']);
      const page = await store.listAudit({ limit: 2, before_seq: deduped.seq });
      expect(page.every((e) => e.seq < deduped.seq)).toBe(true);
    });

    const overlay = (name: string, version = '1.0.0', manifest: Record<string, unknown> = {}) => ({
      name,
      version,
      manifest: OverlayManifest.parse({ name, version, capabilities: [{ name: 'capsule:read', constraints: {} }], phases: ['analysis'], ...manifest }),
      manifest_text: `name: ${name}\nversion: ${version}\n`,
      sha256: 'ab'.repeat(32),
      blob_key: `overlays/${name}/${version}/${'ab'.repeat(32)}.wasm`,
      wasm_size: 123,
      imports: ['log', 'capsule_read'],
      trust_level: 40,
      submitted_by: 'tester',
    });

    it('registers overlays once per (name, version), lists them by filter and audits every change', async () => {
      const a = await store.createOverlay(overlay('alpha'), ctx);
      expect(a).toMatchObject({ name: 'alpha', version: '1.0.0', state: 'pending', imports: ['log', 'capsule_read'], config: {}, activated_at: null });
      await expect(store.createOverlay(overlay('alpha'), ctx)).rejects.toBeInstanceOf(ConflictError);
      const b = await store.createOverlay(overlay('beta', '2.0.0', { capabilities: [], phases: ['security'] }), ctx);
      expect((await store.listOverlays({})).map((o) => o.name)).toEqual(['alpha', 'beta']);
      expect((await store.listOverlays({ capability: 'capsule:read' })).map((o) => o.id)).toEqual([a.id]);
      expect((await store.listOverlays({ phase: 'security' })).map((o) => o.id)).toEqual([b.id]);
      expect((await store.listOverlays({ name: 'beta' })).map((o) => o.id)).toEqual([b.id]);

      const active = await store.setOverlayState(a.id, { state: 'active', config: { threshold: 1 }, expires_at: '2030-01-01T00:00:00.000Z' }, ctx);
      expect(active).toMatchObject({ state: 'active', config: { threshold: 1 }, expires_at: '2030-01-01T00:00:00.000Z' });
      expect(active?.activated_at).not.toBeNull();
      expect((await store.listOverlays({ state: 'active' })).map((o) => o.id)).toEqual([a.id]);
      // A guarded change applies only from the named states.
      expect(await store.setOverlayState(a.id, { state: 'suspended', reason: 'ttl', from: ['pending'] }, ctx)).toBeNull();
      const suspended = await store.setOverlayState(a.id, { state: 'suspended', reason: 'maintenance', from: ['active'] }, ctx);
      expect(suspended).toMatchObject({ state: 'suspended', state_reason: 'maintenance', config: { threshold: 1 } });
      await store.deleteOverlay(b.id, ctx);
      expect(await store.getOverlay(b.id)).toBeNull();
      await expect(store.deleteOverlay(b.id, ctx)).rejects.toBeInstanceOf(NotFoundError);
      const actions = (await store.listAudit({ limit: 10 })).map((e) => e.action);
      expect(actions).toEqual(['overlay.delete', 'overlay.suspended', 'overlay.active', 'overlay.register', 'overlay.register']);
    });

    it('keeps users with unique names, their trust history with reasons, and audits every change', async () => {
      const admin = { actor_id: 'admin-1' };
      const ana = await store.createUser({ name: 'ana', role: 'contributor', trust_level: 60, password_hash: 'scrypt$x' }, admin);
      expect(ana).toMatchObject({ name: 'ana', role: 'contributor', trust_level: 60, disabled: false, has_password: true });
      expect(ana).not.toHaveProperty('password_hash');
      await expect(store.createUser({ name: 'ana', role: 'reader', trust_level: 40, password_hash: null }, admin)).rejects.toBeInstanceOf(ConflictError);
      expect(await store.getUser(ana.id)).toEqual(ana);
      expect(await store.getUserCredentials('ana')).toEqual({ user: ana, password_hash: 'scrypt$x', totp_secret: null });
      expect(await store.getUserCredentials('nobody')).toBeNull();
      // A second factor: pending until enabled, and only an enabled one is asked for at sign-in.
      expect((await store.setTotp(ana.id, { secret: 'PENDINGSECRET', enabled: false }, admin)).totp_enabled).toBe(false);
      expect((await store.getUserCredentials('ana'))?.totp_secret).toBeNull();
      expect(await store.getTotpSecret(ana.id)).toBe('PENDINGSECRET');
      expect((await store.setTotp(ana.id, { secret: 'PENDINGSECRET', enabled: true }, admin)).totp_enabled).toBe(true);
      expect((await store.getUserCredentials('ana'))?.totp_secret).toBe('PENDINGSECRET');
      expect((await store.setTotp(ana.id, null, admin)).totp_enabled).toBe(false);
      expect(await store.getTotpSecret(ana.id)).toBeNull();
      await expect(store.setTotp('missing', null, admin)).rejects.toBeInstanceOf(NotFoundError);

      const raised = await store.updateUser(ana.id, { trust_level: 80, reason: 'reviewed by the board' }, admin);
      expect(raised.trust_level).toBe(80);
      const demoted = await store.updateUser(ana.id, { role: 'reader', trust_level: 40, disabled: true, reason: 'left the team' }, { actor_id: 'admin-2' });
      expect(demoted).toMatchObject({ role: 'reader', trust_level: 40, disabled: true });
      await store.updateUser(ana.id, { disabled: false, reason: 'back' }, admin); // no trust change: no history step
      expect(await store.getTrustHistory(ana.id)).toEqual([
        { user_id: ana.id, at: expect.any(String), actor_id: 'admin-1', old_trust: 60, new_trust: 80, reason: 'reviewed by the board' },
        { user_id: ana.id, at: expect.any(String), actor_id: 'admin-2', old_trust: 80, new_trust: 40, reason: 'left the team' },
      ]);
      await expect(store.updateUser('missing', { reason: 'x' }, admin)).rejects.toBeInstanceOf(NotFoundError);
      const bo = await store.createUser({ name: 'bo', role: 'admin', trust_level: 100, password_hash: null }, admin);
      expect((await store.listUsers()).map((u) => u.name)).toEqual(['ana', 'bo']);
      expect(bo.has_password).toBe(false);
      const audit = (await store.listAudit({ limit: 20, entity_id: ana.id })).filter((e) => !e.action.startsWith('user.totp'));
      expect(audit.map((e) => [e.action, e.actor_id])).toEqual([
        ['user.update', 'admin-1'],
        ['user.update', 'admin-2'],
        ['user.update', 'admin-1'],
        ['user.create', 'admin-1'],
      ]);
      expect(audit[1]?.details).toMatchObject({ reason: 'left the team', trust: { from: 80, to: 40 }, role: { from: 'contributor', to: 'reader' } });
    });

    it('finds a live API key by its hash only, and revokes it for good', async () => {
      const admin = { actor_id: 'admin-1' };
      const user = await store.createUser({ name: 'cy', role: 'reader', trust_level: 40, password_hash: null }, admin);
      const key = await store.createApiKey({ id: 'k1', user_id: user.id, label: 'laptop', prefix: 'forge_k1', hash: 'h'.repeat(64) }, admin);
      expect(key).toMatchObject({ id: 'k1', user_id: user.id, label: 'laptop', prefix: 'forge_k1', last_used_at: null, revoked_at: null });
      expect(key).not.toHaveProperty('hash');
      await expect(store.createApiKey({ id: 'k2', user_id: 'nobody', label: '', prefix: 'forge_k2', hash: 'i'.repeat(64) }, admin)).rejects.toBeInstanceOf(NotFoundError);
      const found = await store.useApiKey('h'.repeat(64));
      expect(found?.user).toEqual(user);
      expect(found?.key.last_used_at).toEqual(expect.any(String));
      expect((await store.listApiKeys(user.id))[0]?.last_used_at).toBe(found?.key.last_used_at);
      expect(await store.useApiKey('x'.repeat(64))).toBeNull();
      const revoked = await store.revokeApiKey('k1', admin);
      expect(revoked.revoked_at).toEqual(expect.any(String));
      expect((await store.revokeApiKey('k1', admin)).revoked_at).toBe(revoked.revoked_at);
      expect(await store.useApiKey('h'.repeat(64))).toBeNull();
      await expect(store.revokeApiKey('missing', admin)).rejects.toBeInstanceOf(NotFoundError);
      expect((await store.listAudit({ limit: 5, entity_id: 'k1' })).map((e) => e.action)).toEqual(['key.revoke', 'key.create']);
    });

    it('rotates refresh tokens within their family and revokes the family when a used one comes back', async () => {
      const user = await store.createUser({ name: 'rt', role: 'reader', trust_level: 40, password_hash: null }, { actor_id: 'a' });
      const later = new Date(Date.now() + 3600_000).toISOString();
      await store.createRefreshToken({ id: 'r1', family_id: 'fam', user_id: user.id, hash: 'h1', expires_at: later });
      expect(await store.useRefreshToken('h1', { id: 'r2', hash: 'h2', expires_at: later })).toEqual({ kind: 'rotated', user, family_id: 'fam' });
      expect(await store.refreshFamilyOf('h2')).toBe('fam');
      expect(await store.useRefreshToken('h1', { id: 'r3', hash: 'h3', expires_at: later })).toEqual({ kind: 'reused', family_id: 'fam' });
      expect(await store.useRefreshToken('h2', { id: 'r4', hash: 'h4', expires_at: later })).toEqual({ kind: 'invalid' });
      expect(await store.useRefreshToken('nope', { id: 'r5', hash: 'h5', expires_at: later })).toEqual({ kind: 'invalid' });
      await store.createRefreshToken({ id: 'r6', family_id: 'old', user_id: user.id, hash: 'h6', expires_at: new Date(Date.now() - 1000).toISOString() });
      expect(await store.useRefreshToken('h6', { id: 'r7', hash: 'h7', expires_at: later })).toEqual({ kind: 'invalid' });
      await store.createRefreshToken({ id: 'r8', family_id: 'out', user_id: user.id, hash: 'h8', expires_at: later });
      expect(await store.revokeRefreshFamily('out', { actor_id: 'a' })).toBe(1);
      expect(await store.revokeRefreshFamily('out', { actor_id: 'a' })).toBe(0);
      expect(await store.useRefreshToken('h8', { id: 'r9', hash: 'h9', expires_at: later })).toEqual({ kind: 'invalid' });
    });

    it('decides concurrent changes that depend on what they read one at a time: of several from one state, exactly one happens', async () => {
      const at = (n: number) => Array.from({ length: n }, (_, i) => i);
      // An overlay moved from active by several processes at once (each saw it failing): one quarantine.
      const o = await store.createOverlay(overlay('racer'), ctx);
      await store.setOverlayState(o.id, { state: 'active' }, ctx);
      const moved = await Promise.all(at(6).map(() => store.setOverlayState(o.id, { state: 'quarantined', from: ['active'], reason: 'failing' }, ctx)));
      expect(moved.filter(Boolean)).toHaveLength(1);
      expect(await store.listAudit({ limit: 20, entity_id: o.id, action: 'overlay.quarantined' })).toHaveLength(1);
      // A refresh token presented twice at once: one rotation, and the other is a reuse (the family is revoked).
      const user = await store.createUser({ name: 'racer', role: 'reader', trust_level: 40, password_hash: null }, ctx);
      const later = new Date(Date.now() + 3600_000).toISOString();
      await store.createRefreshToken({ id: 'race-1', family_id: 'race', user_id: user.id, hash: 'race-h1', expires_at: later });
      const uses = await Promise.all(at(4).map((i) => store.useRefreshToken('race-h1', { id: `race-n${i}`, hash: `race-hn${i}`, expires_at: later })));
      expect(uses.filter((u) => u.kind === 'rotated')).toHaveLength(1);
      expect(await store.refreshFamilyLive('race')).toBe(false);
      // One version updated at once by several writers: one new version, the others refused.
      const c = await store.createCapsule(capsule('version one'), ctx);
      const updates = await Promise.allSettled(at(4).map((i) => store.updateCapsule(c.id, { tags: [`t${i}`] }, ctx)));
      expect(updates.filter((u) => u.status === 'fulfilled')).toHaveLength(1);
      expect(updates.filter((u) => u.status === 'rejected').every((u) => (u as PromiseRejectedResult).reason instanceof ConflictError)).toBe(true);
      expect(await store.getDescendants(c.id)).toHaveLength(1);
      // A request ended by several at once keeps one outcome, audited once.
      const r = (await store.createRequest(newRequest())).record;
      await Promise.all(at(4).map((i) => store.finishRequest(r.id, { status: 'failed', error: { phase: 'context', code: `e${i}`, message: 'x' } })));
      expect(await store.listAudit({ limit: 20, entity_id: r.id, action: 'request.failed' })).toHaveLength(1);
      // A proposal closed by several at once: one close.
      await store.createProposal({ id: 'race-p', title: 'T', description: 'D', kind: 'policy', action: { text: 'x' }, proposer_id: user.id }, ctx);
      await store.changeProposal('race-p', { from: ['draft'], status: 'voting', opened_at: new Date().toISOString(), closes_at: later }, ctx);
      const closed = await Promise.all(at(4).map(() => store.changeProposal('race-p', { from: ['voting'], status: 'closed', outcome: 'expired', closed_at: later }, ctx)));
      expect(closed.filter(Boolean)).toHaveLength(1);
      // One submission sent twice at once (a client's retry): one request.
      const submitted = await Promise.all(at(4).map(() => store.createRequest(newRequest({ idempotency_key: 'race-key' }))));
      expect(submitted.filter((x) => x.created)).toHaveLength(1);
      expect(new Set(submitted.map((x) => x.record.id)).size).toBe(1);
      // One event (a fixed id) published twice at once: recorded once.
      const event = {
        id: randomUUID(),
        kind: 'custom.race',
        payload: {},
        trust_level: 40,
        source: { type: 'system' as const, id: 'race' },
        correlation_id: null,
        cascade_id: 'race',
        hop: 0,
        parent_id: null,
        visited: [],
      };
      const appended = await Promise.all(at(4).map(() => store.appendEvent(event)));
      expect(appended.filter((x) => x.created)).toHaveLength(1);
    });
  });
}
