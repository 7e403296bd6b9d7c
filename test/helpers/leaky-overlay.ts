import type { Forge } from '../../src/app.js';
import type { OverlayPhase } from '../../src/overlays/manifest.js';
import type { OverlayRecord } from '../../src/store/graph-store.js';
import { TEST_SETUP } from './forge.js';
import { compileWatSource } from './wat.js';

const ADMIN = { id: 'root', roles: ['admin'], trust_level: 100 };

/** A WAT string literal of `text` (its bytes, escaped), with its length in bytes. */
function literal(text: string): { wat: string; length: number } {
  const bytes = Buffer.from(text, 'utf8');
  return { wat: [...bytes].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join(''), length: bytes.length };
}

/**
 * The leaky overlay: it tries every output channel with everything it is given and everything it can read.
 * Each entry point (`process` for the phases and `/invoke`, `on_event` for events) searches `query` (what
 * it can read), then logs what it was given, publishes a `custom.leak` event and creates a capsule whose
 * payload / metadata hold `{given, read}`, and returns `{given, read}` as its report. Its `health_check`
 * does the same with nothing given, searching "escrow", and returns 1 when that found anything (a status
 * that would encode what it read). The flow rules must keep all of it at or above the label of what it held.
 */
export function leakyWat(query = 'ledger'): string {
  const strings = {
    search: literal(JSON.stringify({ query, limit: 2 })),
    healthSearch: literal(JSON.stringify({ query: 'escrow', limit: 2 })),
    needle: literal('escrow'),
    eventHead: literal('{"type":"custom.leak","payload":{"given":'),
    capsuleHead: literal('{"content":"Knowledge an overlay wrote from what it held.","type":"insight","metadata":{"given":'),
    outputHead: literal('{"given":'),
    read: literal(',"read":'),
    close2: literal('}}'),
    close1: literal('}'),
    empty: literal('{}'),
  };
  let at = 16;
  const placed: Record<string, { at: number; length: number }> = {};
  const data: string[] = [];
  for (const [name, s] of Object.entries(strings)) {
    placed[name] = { at, length: s.length };
    data.push(`(data (i32.const ${at}) "${s.wat}")`);
    at += s.length + 8;
  }
  const s = (name: keyof typeof strings) => `(i32.const ${placed[name]?.at}) (i32.const ${placed[name]?.length})`;
  return `(module
    (import "forge" "log" (func $log (param i32 i32 i32)))
    (import "forge" "capsule_search" (func $search (param i32 i32) (result i64)))
    (import "forge" "capsule_create" (func $create (param i32 i32) (result i64)))
    (import "forge" "event_publish" (func $publish (param i32 i32) (result i32)))
    (memory (export "memory") 40)
    (global $heap (mut i32) (i32.const 1048576))
    (global $out (mut i32) (i32.const 0))
    ${data.join('\n    ')}
    (func (export "forge_alloc") (param $len i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $heap))
      (global.set $heap (i32.add (global.get $heap) (local.get $len)))
      (local.get $p))
    (func $append (param $p i32) (param $n i32)
      (memory.copy (i32.add (i32.const 65536) (global.get $out)) (local.get $p) (local.get $n))
      (global.set $out (i32.add (global.get $out) (local.get $n))))
    ;; Builds head + given + ,"read": + read + tail at 65536.
    (func $build (param $hp i32) (param $hl i32) (param $gp i32) (param $gl i32) (param $rp i32) (param $rl i32) (param $tp i32) (param $tl i32)
      (global.set $out (i32.const 0))
      (call $append (local.get $hp) (local.get $hl))
      (call $append (local.get $gp) (local.get $gl))
      (call $append ${s('read')})
      (call $append (local.get $rp) (local.get $rl))
      (call $append (local.get $tp) (local.get $tl)))
    ;; Everything it holds, through every channel; returns the length of {given, read} built at 65536.
    (func $leak (param $sp i32) (param $sl i32) (param $gp i32) (param $gl i32) (result i32)
      (local $r i64) (local $rp i32) (local $rl i32)
      (local.set $r (call $search (local.get $sp) (local.get $sl)))
      (local.set $rp (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32))))
      (local.set $rl (i32.wrap_i64 (local.get $r)))
      (call $log (i32.const 1) (local.get $gp) (local.get $gl))
      (call $build ${s('eventHead')} (local.get $gp) (local.get $gl) (local.get $rp) (local.get $rl) ${s('close2')})
      (drop (call $publish (i32.const 65536) (global.get $out)))
      (call $build ${s('capsuleHead')} (local.get $gp) (local.get $gl) (local.get $rp) (local.get $rl) ${s('close2')})
      (drop (call $create (i32.const 65536) (global.get $out)))
      (call $build ${s('outputHead')} (local.get $gp) (local.get $gl) (local.get $rp) (local.get $rl) ${s('close1')})
      (global.get $out))
    (func (export "process") (param $p i32) (param $n i32) (result i64)
      (i64.or (i64.shl (i64.const 65536) (i64.const 32)) (i64.extend_i32_u (call $leak ${s('search')} (local.get $p) (local.get $n)))))
    (func (export "on_event") (param $p i32) (param $n i32) (result i64)
      (i64.or (i64.shl (i64.const 65536) (i64.const 32)) (i64.extend_i32_u (call $leak ${s('search')} (local.get $p) (local.get $n)))))
    ;; 1 when bytes [$p, $p + $n) contain [$q, $q + $m), else 0.
    (func $contains (param $p i32) (param $n i32) (param $q i32) (param $m i32) (result i32)
      (local $i i32) (local $j i32)
      (block $none (loop $at
        (br_if $none (i32.gt_s (local.get $m) (i32.sub (local.get $n) (local.get $i))))
        (local.set $j (i32.const 0))
        (block $miss (loop $cmp
          (br_if $miss (i32.ne (i32.load8_u (i32.add (local.get $p) (i32.add (local.get $i) (local.get $j)))) (i32.load8_u (i32.add (local.get $q) (local.get $j)))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (if (i32.eq (local.get $j) (local.get $m)) (then (return (i32.const 1))))
          (br $cmp)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $at)))
      (i32.const 0))
    (func (export "health_check") (result i32)
      (local $n i32)
      (local.set $n (call $leak ${s('healthSearch')} ${s('empty')}))
      ;; Unhealthy (1) when what it read mentions "escrow": a status that would carry what it read.
      (call $contains (i32.const 65536) (local.get $n) ${s('needle')})))`;
}

/** The leaky overlay's manifest. */
export function leakyManifest(options: { name: string; trust: number; phases?: readonly OverlayPhase[]; subscriptions?: readonly string[] }): string {
  const subscriptions = options.subscriptions ?? [];
  return [
    `name: ${options.name}`,
    'version: 1.0.0',
    `trust_level: ${options.trust}`,
    `entry_points: [process${subscriptions.length ? ', on_event' : ''}]`,
    `phases: [${(options.phases ?? []).join(', ')}]`,
    ...(subscriptions.length ? [`subscriptions: [${subscriptions.join(', ')}]`] : []),
    `capabilities: [capsule:read, capsule:write, event:publish${subscriptions.length ? ', event:subscribe' : ''}]`,
    'limits: { max_memory_mb: 4, max_execution_ms: 3000, max_fuel: 100000000 }',
  ].join('\n');
}

/** Registers the leaky overlay (pending); `activate` makes it active (past the gate in a declared emergency). */
export async function leakyOverlay(
  forge: Forge,
  options: { name: string; trust: number; phases?: readonly OverlayPhase[]; subscriptions?: readonly string[]; activate?: boolean; query?: string },
): Promise<OverlayRecord> {
  const overlay = await forge.overlays.registry.register(ADMIN, leakyManifest(options), await compileWatSource(options.name, leakyWat(options.query)));
  return options.activate === false ? overlay : forge.overlays.registry.activate(ADMIN, overlay.id, { authority: TEST_SETUP });
}
