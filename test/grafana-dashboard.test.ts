import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestForge, type TestForge } from './helpers/forge.js';

const file = path.join(import.meta.dirname, '..', 'deploy', 'grafana', 'forge-dashboard.json');
interface Panel {
  title: string;
  type: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: Array<{ expr: string; datasource: { uid: string } }>;
}
const dashboard = JSON.parse(readFileSync(file, 'utf8')) as { uid: string; panels: Panel[]; __inputs: Array<{ name: string }> };

let t: TestForge;
beforeAll(async () => {
  t = await createTestForge();
});
afterAll(async () => t.cleanup());

it('the Grafana dashboard queries only metrics Forge exports, through its one Prometheus input, without overlapping panels', () => {
  expect(dashboard.__inputs.map((i) => i.name)).toEqual(['DS_PROMETHEUS']);
  const names = new Set<string>();
  for (const panel of dashboard.panels) {
    expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    for (const target of panel.targets) {
      expect(target.datasource.uid).toBe('${DS_PROMETHEUS}');
      for (const m of target.expr.matchAll(/\bforge_[a-z_]+/g)) names.add(m[0].replace(/_(bucket|sum|count)$/, ''));
    }
  }
  expect(names.size).toBeGreaterThan(8);
  for (const name of names) expect(t.forge.metrics.registry.getSingleMetric(name), `${name} is exported`).toBeDefined();
  // Every metric family of Forge's own (the Node process metrics aside) is on the dashboard.
  expect([...names].sort()).toEqual(
    t.forge.metrics.registry
      .getMetricsAsArray()
      .map((m) => m.name)
      .filter((n) => n.startsWith('forge_') && !n.startsWith('forge_process_'))
      .sort(),
  );
  const cells = new Set<string>();
  for (const { gridPos: g, title } of dashboard.panels)
    for (let x = g.x; x < g.x + g.w; x++)
      for (let y = g.y; y < g.y + g.h; y++) {
        expect(cells.has(`${x},${y}`), `${title} overlaps another panel`).toBe(false);
        cells.add(`${x},${y}`);
      }
});
