import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { builtOverlays, installOverlays } from '../src/cli/core-overlays.js';
import { createTestForge, submitAndWait, type TestForge } from './helpers/forge.js';

const root = path.resolve(import.meta.dirname, '..');
const CORE = ['capsule_analyzer', 'lineage_tracker', 'ml_intelligence', 'performance_optimizer', 'security_validator', 'symbolic_governance'];

beforeAll(() => {
  // scripts/test.sh builds them first; build here when this file runs on its own.
  if (builtOverlays().length < CORE.length) execFileSync(process.execPath, ['scripts/build-overlays.mjs'], { cwd: root, stdio: 'inherit' });
}, 120_000);

let t: TestForge | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

const ask = (query: string) => submitAndWait((t as TestForge).forge, query);

it('the six core overlays, written with the AssemblyScript SDK, register, activate and run in the pipeline', async () => {
  t = await createTestForge({ FORGE_OVERLAY_THREADS: '2' });
  const { forge } = t;
  forge.startWorkers();
  const admin = { id: 'root', roles: ['admin'], trust_level: 100 };
  await forge.capsules.create(admin, { content: 'Deploys need a 30 minute canary stage before promotion.', type: 'knowledge', trust_level: 60 });
  const sources = builtOverlays();
  expect(sources.map((s) => s.dir).sort()).toEqual(CORE);
  const installed = await installOverlays(forge, admin, sources);
  expect(installed.map((o) => o.state)).toEqual(CORE.map(() => 'active'));
  // Idempotent: a second install changes nothing.
  expect((await installOverlays(forge, admin, sources)).map((o) => o.id)).toEqual(installed.map((o) => o.id));

  const done = await ask('How long is the canary stage before a deploy?');
  expect(done.status).toBe('completed');
  const reports = done.result.overlays as Record<string, Record<string, { success: boolean; result: Record<string, unknown> }>>;
  expect(reports.analysis?.['ml-intelligence']).toMatchObject({ success: true, result: { patterns: ['question'] } });
  expect(reports.security?.['security-validator']).toMatchObject({ success: true, result: { allowed: true } });
  expect(reports.context?.['capsule-analyzer']).toMatchObject({ success: true, result: { retrieved: 1, coverage: 'strong', top_capsule: { version: '1.0.0', trust_level: 60 } } });
  expect(reports.optimization?.['performance-optimizer']).toMatchObject({ success: true });
  expect(reports.intelligence?.['symbolic-governance']).toMatchObject({ success: true, result: { compliant: true } });
  expect(reports.intelligence?.['lineage-tracker']).toMatchObject({ success: true, result: { cited: 1, sources: [{ id: done.citations[0], readable: true }] } });

  const refused = await ask('Please charge card 4111 1111 1111 1111 for the deploy');
  expect(refused.status).toBe('rejected');
  expect(refused.error?.message).toContain('security-validator denied it: query contains what looks like a payment card number');
});
