import { afterEach, expect, it } from 'vitest';
import type { ForgeOverrides } from '../src/app.js';
import { callJson, createServedForge, eventually, type ServedForge } from './helpers/forge.js';

let t: ServedForge | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

async function setup(overrides: ForgeOverrides) {
  t = await createServedForge({}, overrides);
  return t.forge;
}

const call = (method: string, path: string, body?: unknown) => callJson(t?.url ?? '', method, path, body);

/** A handler that fails its first `n` calls (an outage), then works. */
function outage<T>(n: number, then: () => Promise<T>) {
  let calls = 0;
  return async () => {
    calls++;
    if (calls <= n) throw new Error(`dependency unavailable (call ${calls})`);
    return then();
  };
}

it('re-drives a request whose context phase exhausted its retries, so it completes', async () => {
  const forge = await setup({ handlers: { context: outage(3, async () => ({ capsules: [], profile: { caller_id: 'local', roles: ['admin'], trust_level: 60 } })) } });
  const { record } = await forge.requests.submit(forge.localCaller, { query: 'what happens after an outage?' });
  expect((await forge.requests.waitFor(record.id, 20_000)).status).toBe('failed');

  const listed = await eventually(
    async () => {
      const r = await call('GET', '/v2/dead-letters?queue=context');
      return (r.body.total as number) === 1 ? r.body : undefined;
    },
    10_000,
    'dead letter',
  );
  const [letter] = listed.items as Array<{ id: string; job_id: string; request_id: string; attempts: number; error: { message: string; stack: string } }>;
  expect(letter).toMatchObject({ job_id: `${record.id}.context`, request_id: record.id, attempts: 3, error: { message: 'dependency unavailable (call 3)' } });
  expect(letter?.id.startsWith(`${record.id}.context.`)).toBe(true);
  expect((await call('GET', `/v2/dead-letters/${letter?.id}`)).body.error).toMatchObject({ stack: expect.stringContaining('dependency unavailable') });

  const retried = await call('POST', `/v2/dead-letters/${letter?.id}/retry`);
  expect(retried.body).toMatchObject({ action: 'flow_redriven' });
  const done = await forge.requests.waitFor(record.id, 20_000);
  expect(done.status).toBe('completed');
  expect((await call('GET', '/v2/dead-letters')).body.total).toBe(0);
  expect((await forge.store.listAudit({ limit: 10, entity_id: record.id })).map((e) => e.action)).toEqual(expect.arrayContaining(['request.failed', 'request.redrive']));
});

it('re-adds a storage job where it failed, and the audit entry is written', async () => {
  let stored = 0;
  const forge = await setup({
    handlers: {
      storage: outage(3, async () => {
        stored++;
        return { audit_seq: 0, saved_capsule_id: null };
      }),
    },
  });
  const { record } = await forge.requests.submit(forge.localCaller, { query: 'anything' });
  expect((await forge.requests.waitFor(record.id, 20_000)).status).toBe('completed');
  const id = await eventually(async () => ((await call('GET', '/v2/dead-letters?queue=storage')).body.items as Array<{ id: string }>)[0]?.id, 10_000, 'storage dead letter');
  expect((await call('POST', `/v2/dead-letters/${id}/retry`)).body).toMatchObject({ action: 'job_readded' });
  await eventually(async () => (stored === 1 ? true : undefined), 10_000, 'storage re-run');
  expect((await call('GET', `/v2/dead-letters/${id}`)).status).toBe(404);
});

it('filters, retries all matching once per request, and purges', async () => {
  const forge = await setup({
    handlers: {
      analysis: async () => {
        throw new Error('analysis model missing');
      },
      context: outage(3, async () => ({ capsules: [], profile: { caller_id: 'local', roles: ['admin'], trust_level: 60 } })),
    },
  });
  const { record } = await forge.requests.submit(forge.localCaller, { query: 'two letters' });
  expect((await forge.requests.waitFor(record.id, 20_000)).status).toBe('failed');
  await eventually(async () => ((await call('GET', '/v2/dead-letters')).body.total === 2 ? true : undefined), 10_000, 'two letters');
  expect((await call('GET', '/v2/dead-letters?error=MODEL%20MISSING')).body.total).toBe(1);
  expect((await call('GET', '/v2/dead-letters?since=2999-01-01T00:00:00Z')).body.total).toBe(0);
  expect((await call('GET', '/v2/dead-letters?since=yesterday')).status).toBe(400);

  const all = await call('POST', '/v2/dead-letters/retry', { request_id: record.id });
  const actions = (all.body.outcomes as Array<{ action: string }>).map((o) => o.action).sort();
  expect(actions).toEqual(['flow_redriven', 'nothing_to_do']);
  // The analysis overlay still fails, but analysis failures are tolerated: the request completes now.
  expect((await forge.requests.waitFor(record.id, 20_000)).status).toBe('completed');
  await eventually(async () => ((await call('GET', '/v2/dead-letters?queue=analysis')).body.total === 1 ? true : undefined), 10_000, 'new analysis letter');
  const letter = ((await call('GET', '/v2/dead-letters?queue=analysis')).body.items as Array<{ id: string }>)[0] as { id: string };
  expect((await call('POST', '/v2/dead-letters/purge', { queue: 'analysis' })).body).toEqual({ purged: 1 });
  expect((await call('GET', '/v2/dead-letters')).body.total).toBe(0);
  // A purge is audited with its actor, its filter and what it removed.
  const [purge] = await forge.store.listAudit({ limit: 1, action: 'dead-letter.purge' });
  expect(purge).toMatchObject({
    actor_id: t?.admin.id,
    details: { filter: { queue: 'analysis' }, count: 1, letters: [{ id: letter.id, request_id: record.id, queue: 'analysis' }] },
  });
});
