import { FlowProducer } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { RequestService } from '../src/producers/requests.js';
import { freePort } from '../src/redis/local-redis.js';
import { createTestForge, eventually, type TestForge } from './helpers/forge.js';

let t: TestForge | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

it('a request whose flow could not be added is not accepted, and a retry with its Idempotency-Key enqueues it', async () => {
  t = await createTestForge();
  const { forge, config } = t;
  // A producer whose Redis is not there: adding the flow fails.
  const nowhere = new Redis(`redis://127.0.0.1:${await freePort()}`, { maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
  nowhere.on('error', () => undefined);
  const deadFlows = new FlowProducer({ connection: nowhere, prefix: config.queuePrefix });
  const broken = new RequestService({ config, store: forge.store, flows: deadFlows, queues: forge.queues, events: forge.fleet.events });
  await expect(broken.submit(forge.localCaller, { query: 'will it run?' }, { idempotencyKey: 'retry-me' })).rejects.toThrow();
  await deadFlows.close().catch(() => undefined);
  nowhere.disconnect();

  // The client retries with the same key against a healthy ingress: the same request, enqueued this time.
  forge.startWorkers();
  const again = await forge.requests.submit(forge.localCaller, { query: 'will it run?' }, { idempotencyKey: 'retry-me' });
  expect(again.created).toBe(true);
  const done = await forge.requests.waitFor(again.record.id, 20_000);
  expect(done.status).toBe('completed');
  const actions = await eventually(
    async () => {
      const a = (await forge.store.listAudit({ limit: 10, entity_id: done.id })).map((e) => e.action);
      return a.includes('request.complete') ? a : undefined;
    },
    10_000,
    'completion audit entry',
  );
  expect(actions).toEqual(expect.arrayContaining(['request.failed', 'request.redrive', 'request.complete']));
});
