import { afterEach, expect, it } from 'vitest';
import { createTestForge, type TestForge } from './helpers/forge.js';

let t: TestForge | undefined;
afterEach(async () => t?.cleanup());

it('answers a request', async () => {
  t = await createTestForge();
  const { forge } = t;
  forge.startWorkers();
  const c = await forge.capsules.create({ id: 'x', roles: [], trust_level: 100 }, { content: 'Redis persistence uses AOF. Append only files log every write.', type: 'knowledge', trust_level: 50 });
  const { record } = await forge.requests.submit(forge.localCaller, { query: 'how does redis persistence work?' });
  const done = await forge.requests.waitFor(record.id, 10000);
  console.log(done);
  expect(done.status).toBe('completed');
  expect(done.citations).toContain(c.id);
});
