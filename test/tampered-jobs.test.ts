import { afterEach, expect, it } from 'vitest';
import { phaseJobOptions, QUEUE_OF, requestJobData } from '../src/flows/request-flow.js';
import { createTestForge, eventually, submitAndWait, type TestForge, CORE_READER } from './helpers/forge.js';

let t: TestForge | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

it('takes the caller from the stored request, and dead-letters a job whose data claims another identity or no request', async () => {
  t = await createTestForge();
  const { forge } = t;
  forge.startWorkers();
  await forge.capsules.create(
    { id: 'board', roles: ['admin'], trust_level: 100 },
    { content: 'The acquisition closes on 3 March; code name NIGHTJAR.', type: 'knowledge', trust_level: 100 },
  );
  const done = await submitAndWait(forge, 'When does the acquisition close?');
  expect(done.status).toBe('completed');
  expect(done.answer).not.toContain('NIGHTJAR'); // the local caller is at trust 60

  // What anyone with queue access could try: the same request's context job again, claiming trust 100.
  const record = await forge.store.getRequest(done.id);
  const data = requestJobData(record as NonNullable<typeof record>);
  const forged = await forge.queues.phases.context.add(
    'context',
    { ...data, caller: { ...data.caller, trust_level: 100 } },
    { ...phaseJobOptions(forge.config, 'context'), jobId: `${done.id}.forged` },
  );
  const orphan = await forge.queues.phases.context.add(
    'context',
    { ...data, request_id: 'no-such-request' },
    { ...phaseJobOptions(forge.config, 'context'), jobId: 'orphan.context' },
  );
  for (const job of [forged, orphan]) {
    const failed = await eventually(
      async () => ((await job.getState()) === 'failed' ? await forge.queues.phases.context.getJob(job.id as string) : undefined),
      10_000,
      'tampered job failed',
    );
    expect(failed?.attemptsMade).toBe(1); // refused, not retried
    expect(failed?.returnvalue ?? null).toBeNull();
    expect(failed?.failedReason).toMatch(/TamperedJobError: job data of request .* disagrees with its stored record/);
  }
  const letters = await forge.dlq.list(CORE_READER, { queue: QUEUE_OF.context }, { limit: 10, offset: 0 });
  expect(letters.items.map((l) => l.error.name).sort()).toEqual(['TamperedJobError', 'TamperedJobError']);
  expect(letters.items.find((l) => l.job_id === `${done.id}.forged`)?.error.message).toContain('(caller)');
  expect(JSON.stringify(letters)).not.toContain('NIGHTJAR');
});
