import type { Forge } from '../../src/app.js';
import type { OverlayRecord } from '../../src/store/graph-store.js';
import { TEST_SETUP } from './forge.js';
import { compileWatSource } from './wat.js';

const ADMIN = { id: 'root', roles: ['admin'], trust_level: 100 };

/**
 * A relay overlay: subscribed to `listen`, its `on_event` publishes one `emit` event (payload
 * `{"from": name}`), after `spin` loop iterations of busy work when asked. A cascade of these is a chain
 * (or a cycle) as long as the test wants.
 */
export async function relayOverlay(forge: Forge, options: { name: string; listen: string; emit: string; spin?: number; trust?: number }): Promise<OverlayRecord> {
  const request = JSON.stringify({ type: options.emit, payload: { from: options.name } });
  const escaped = request.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const wat = `(module
    (import "forge" "event_publish" (func $publish (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 8192))
    (data (i32.const 16) "${escaped}")
    (data (i32.const 4096) "{\\"published\\":true}")
    (func (export "forge_alloc") (param $len i32) (result i32)
      (local $at i32)
      (local.set $at (global.get $heap))
      (global.set $heap (i32.add (global.get $heap) (local.get $len)))
      (local.get $at))
    (func (export "on_event") (param i32 i32) (result i64)
      (local $i i32)
      (block $done (loop $spin
        (br_if $done (i32.ge_u (local.get $i) (i32.const ${options.spin ?? 0})))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $spin)))
      (if (i32.lt_s (call $publish (i32.const 16) (i32.const ${Buffer.byteLength(request)})) (i32.const 0)) (then unreachable))
      (i64.or (i64.shl (i64.const 4096) (i64.const 32)) (i64.const 18))))`;
  const manifest = [
    `name: ${options.name}`,
    'version: 1.0.0',
    `trust_level: ${options.trust ?? 60}`,
    'entry_points: [on_event]',
    `subscriptions: [${options.listen}]`,
    'capabilities: [event:subscribe, event:publish]',
    'limits: { max_memory_mb: 1, max_execution_ms: 5000, max_fuel: 10000000000 }',
  ].join('\n');
  const overlay = await forge.overlays.registry.register(ADMIN, manifest, await compileWatSource(options.name, wat));
  return forge.overlays.registry.activate(ADMIN, overlay.id, { authority: TEST_SETUP });
}
