import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { builtOverlays, installOverlays } from '../src/cli/core-overlays.js';
import type { Caller } from '../src/store/graph-store.js';
import { callJson, createServedForge, createUserWithKey, type ServedForge } from './helpers/forge.js';

const LEVELS = [0, 40, 60, 80, 100] as const;
type Level = (typeof LEVELS)[number];
const CORE: Caller = { id: 'seed', roles: ['admin'], trust_level: 100 };

/** Markers look like `mk80a2`: the number is the trust level of the knowledge they were written into. */
const MARKER = /mk(\d+)[a-z]\d*/g;
const COMMON = 'settlement ledger reconciliation runs nightly for ledger accounts';

let t: ServedForge;
const contributors = new Map<Level, string>();
const operators = new Map<Level, string>();
const capsuleIds: string[] = [];
const markers: string[] = [];

/** Every marker in a response above `trust`, but the one the caller wrote itself (`own`): a leak. */
function leaks(body: unknown, trust: number, own?: string): string[] {
  return [...JSON.stringify(body ?? null).matchAll(MARKER)].filter((m) => Number(m[1]) > trust && m[0] !== own).map((m) => m[0]);
}

beforeAll(async () => {
  t = await createServedForge();
  const { capsules } = t.forge;
  // The core overlays run in every asked request: their reports are probed with the answers.
  const overlays = await installOverlays(t.forge, CORE, builtOverlays());
  expect(overlays.filter((o) => o.state === 'active')).toHaveLength(6);
  for (const level of LEVELS) {
    contributors.set(level, (await createUserWithKey(t.forge, `ct-${level}`, 'contributor', level)).apiKey);
    operators.set(level, (await createUserWithKey(t.forge, `op-${level}`, 'operator', level)).apiKey);
  }
  const byLevel = new Map<Level, string[]>();
  for (const level of LEVELS) {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const marker = `mk${level}a${i}`;
      ids.push((await capsules.create(CORE, { content: `Note ${marker}: ${COMMON}.`, type: 'knowledge', trust_level: level })).id);
      markers.push(marker);
    }
    // A new version, and a fork made by a contributor at that level.
    const version = await capsules.update(CORE, ids[0] as string, { content: `Revised ${`mk${level}v`}: ${COMMON}, twice.`, reason: 'revision' });
    markers.push(`mk${level}v`);
    const fork = await capsules.fork({ id: 'forker', roles: ['contributor'], trust_level: level }, ids[1] as string, {
      content: `Fork ${`mk${level}f`}: ${COMMON} in the branch.`,
    });
    markers.push(`mk${level}f`);
    byLevel.set(level, [...ids, version.id, fork.id]);
  }
  // Derivations across levels: each at the higher of its two sources' levels.
  for (const low of LEVELS) {
    for (const high of LEVELS.filter((l) => l >= low)) {
      const derived = await capsules.create(CORE, {
        content: `Synthesis mk${high}d${low}: ${COMMON} combined.`,
        type: 'insight',
        trust_level: high,
        derived_from: [
          { parent_id: (byLevel.get(low) as string[])[2] as string, reason: 'combined' },
          { parent_id: (byLevel.get(high) as string[])[2] as string, reason: 'combined' },
        ],
      });
      byLevel.get(high)?.push(derived.id);
      markers.push(`mk${high}d${low}`);
    }
  }
  for (const ids of byLevel.values()) capsuleIds.push(...ids);
  // Answers saved as capsules by askers at every level.
  for (const level of LEVELS) {
    const auth = { authorization: `Bearer ${contributors.get(level) as string}` };
    const posted = await callJson(t.url, 'POST', '/v2/requests', { query: `What happens to the ledger nightly? mk${level}a0`, save_as_capsule: true }, auth);
    await callJson(t.url, 'GET', `/v2/requests/${posted.body.id as string}?wait=10000`, undefined, auth);
  }
}, 60_000);
afterAll(async () => t.cleanup());

type Probe = { op: 'get' | 'list' | 'search' | 'lineage' | 'descendants' | 'fork' | 'ask' | 'audit' | 'board'; level: Level; capsule: number; marker: number };

it('never shows a caller a marker above its trust, through any read path (property-based)', async () => {
  let probes = 0;
  let asked = 0;
  const found: string[] = [];
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        op: fc.constantFrom('get', 'list', 'search', 'lineage', 'descendants', 'fork', 'ask', 'audit', 'board'),
        level: fc.constantFrom(...LEVELS),
        capsule: fc.nat(),
        marker: fc.nat(),
      }) as fc.Arbitrary<Probe>,
      async ({ op, level, capsule, marker }) => {
        const id = capsuleIds[capsule % capsuleIds.length] as string;
        const word = markers[marker % markers.length] as string;
        const as = { authorization: `Bearer ${(op === 'audit' || op === 'board' ? operators : contributors).get(level) as string}` };
        let bodies: unknown[];
        let own: string | undefined;
        switch (op) {
          case 'get':
            bodies = [(await callJson(t.url, 'GET', `/v2/capsules/${id}`, undefined, as)).body];
            break;
          case 'list':
            bodies = [(await callJson(t.url, 'GET', '/v2/capsules?limit=200', undefined, as)).body];
            break;
          case 'search':
            // The query is echoed back as the caller wrote it: what counts is what the server found.
            bodies = [(await callJson(t.url, 'GET', `/v2/capsules/search?q=${encodeURIComponent(`ledger ${word}`)}&limit=50`, undefined, as)).body.results];
            break;
          case 'lineage':
          case 'descendants':
            bodies = [(await callJson(t.url, 'GET', `/v2/capsules/${id}/${op}`, undefined, as)).body];
            break;
          case 'fork':
            bodies = [(await callJson(t.url, 'POST', `/v2/capsules/${id}/fork`, {}, as)).body];
            break;
          case 'ask': {
            // The same few questions from askers at every level: the answer cache is exercised too.
            asked++;
            const posted = await callJson(t.url, 'POST', '/v2/requests', { query: `Which ledger notes mention ${word}?` }, as);
            const done = (await callJson(t.url, 'GET', `/v2/requests/${posted.body.id as string}?wait=10000`, undefined, as)).body;
            expect(done.status).toBe('completed');
            for (const cited of done.citations as string[]) expect((await t.forge.store.getCapsule(cited))?.trust_level).toBeLessThanOrEqual(level);
            expect(Object.keys((done.result as { overlays?: object }).overlays ?? {}).sort()).toEqual(['analysis', 'context', 'intelligence', 'optimization', 'security']);
            // The answer, citations and result are what the pipeline found; they may repeat the asker's own
            // words (a no-answer message, the query's keywords), so the asker's marker is not a leak there —
            // content carrying it would be cited, and every citation was checked against the asker's trust.
            bodies = [done.answer, done.citations, done.result, done.error];
            own = word;
            break;
          }
          case 'audit':
            bodies = [(await callJson(t.url, 'GET', '/v2/system/audit-log?limit=500', undefined, as)).body];
            break;
          case 'board': {
            const queues = await callJson(t.url, 'GET', '/admin/queues/api/queues?activeQueue=context&status=completed', undefined, as);
            if (level < 100) expect(queues.status).toBe(403);
            bodies = [queues.body];
            break;
          }
        }
        probes++;
        const leaked = bodies.flatMap((b) => leaks(b, level, own));
        found.push(...leaked.map((m) => `${op} at ${level}: ${m}`));
        expect(leaked, `${op} as trust ${level}`).toEqual([]);
      },
    ),
    { numRuns: 400, seed: 20261124 },
  );
  console.log(
    `cross-trust: ${probes} probes (${asked} asked, with the six core overlays' reports) over ${capsuleIds.length} capsules and ${markers.length} markers at 5 trust levels, ${found.length} leaks`,
  );
  expect(found).toEqual([]);
}, 120_000);
