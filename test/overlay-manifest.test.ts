import { describe, expect, it } from 'vitest';
import { grantedHostFunctions, ManifestError, parseManifest } from '../src/overlays/manifest.js';
import { checkOverlayModule, OverlayModuleError } from '../src/overlays/validate.js';
import { compileWat } from './helpers/wat.js';

const YAML = `
name: ml-intelligence
version: 1.2.0
description: patterns and anomaly scores
author: Forge
capabilities:
  - capsule:read
  - name: event:publish
    constraints: { types: [anomaly] }
limits:
  max_memory_mb: 16
  fuel_per_entry: { process: 5000000 }
phases: [analysis]
config:
  threshold: { default: 0.8 }
  api_key: { required: true, secret: true }
dependencies:
  lineage-tracker: ^1.0.0
`;

describe('overlay manifest', () => {
  it('subscribes to event kinds only with event:subscribe (within its types) and an on_event entry point', () => {
    const base = 'name: listener\nversion: 1.0.0\n';
    const ok = parseManifest(`${base}entry_points: [on_event]\nsubscriptions: [security_threat, custom.note]\ncapabilities: [event:subscribe]`);
    expect(ok.subscriptions).toEqual(['security_threat', 'custom.note']);
    expect(parseManifest(base).subscriptions).toEqual([]);
    const issues = (text: string) => {
      try {
        parseManifest(text);
      } catch (err) {
        if (err instanceof ManifestError) return err.issues.map((i) => `${i.field}: ${i.message}`);
      }
      return [];
    };
    expect(issues(`${base}subscriptions: [security_threat]`)).toEqual([
      'subscriptions: subscribing to events needs the event:subscribe capability',
      'entry_points: an overlay with subscriptions must list on_event among its entry points (events are delivered to it)',
    ]);
    expect(issues(`${base}entry_points: [on_event]\nsubscriptions: [made_up]\ncapabilities: [event:subscribe]`)).toEqual([
      'subscriptions.0: is not an event kind (a known kind, or custom.<name>)',
    ]);
    expect(
      issues(
        `${base}entry_points: [on_event]\nsubscriptions: [model_updated, security_threat]\ncapabilities: [{ name: event:subscribe, constraints: { types: [security_threat] } }]`,
      ),
    ).toEqual(['subscriptions.0: "model_updated" is outside event:subscribe\'s types (security_threat)']);
  });

  it('reads YAML with defaults applied', () => {
    const m = parseManifest(YAML);
    expect(m).toMatchObject({
      name: 'ml-intelligence',
      version: '1.2.0',
      trust_level: 40,
      entry_points: ['process'],
      phases: ['analysis'],
      limits: { max_memory_mb: 16, max_execution_ms: 5000, max_fuel: 1_000_000, fuel_per_entry: { process: 5_000_000 } },
      config: { threshold: { required: false, default: 0.8, secret: false }, api_key: { required: true, secret: true } },
      dependencies: { 'lineage-tracker': '^1.0.0' },
    });
    expect(m.capabilities).toEqual([
      { name: 'capsule:read', constraints: {} },
      { name: 'event:publish', constraints: { types: ['anomaly'] } },
    ]);
    expect(grantedHostFunctions(m)).toEqual(['log', 'capsule_read', 'capsule_search', 'event_publish']);
  });

  it('reads JSON too', () => {
    expect(parseManifest(JSON.stringify({ name: 'x', version: '0.1.0' })).entry_points).toEqual(['process']);
  });

  it('names every field that is wrong', () => {
    const bad = `
name: Bad_Name
version: one
capabilities: [capsule:delete]
limits: { max_memory_mb: 1024, max_execution_ms: 50, max_fuel: 20000000000, fuel_per_entry: { other: 5 } }
entry_points: [memory]
config: { key: { required: true, default: 1 } }
surprise: true
`;
    let error: unknown;
    try {
      parseManifest(bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ManifestError);
    const fields = (error as ManifestError).issues.map((i) => i.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'name',
        'version',
        'capabilities.0',
        'limits.max_memory_mb',
        'limits.max_execution_ms',
        'limits.max_fuel',
        'entry_points.0',
        'config.key',
        '(manifest)',
      ]),
    );
  });

  it('rejects text that is not YAML or JSON', () => {
    expect(() => parseManifest('name: [unclosed')).toThrow(ManifestError);
  });
});

describe('module check at registration', () => {
  it('rejects imports its capabilities do not grant, naming the import and the capability', async () => {
    const wasm = await compileWat('abi-test');
    let error: unknown;
    try {
      checkOverlayModule(wasm, parseManifest('name: t\nversion: 1.0.0\nentry_points: [echo]'));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OverlayModuleError);
    expect((error as OverlayModuleError).problems).toEqual([
      'imports forge.capsule_read, which needs capability capsule:read; the manifest does not grant it',
      'imports forge.event_publish, which needs capability event:publish; the manifest does not grant it',
    ]);
    const ok = checkOverlayModule(wasm, parseManifest('name: t\nversion: 1.0.0\nentry_points: [echo, read]\ncapabilities: [capsule:read, event:publish]'));
    expect(ok).toEqual(['log', 'capsule_read', 'event_publish']);
  });

  it('rejects imports outside the host API and a missing ABI surface', async () => {
    const wasm = await compileWat('bad-imports');
    expect(() => checkOverlayModule(wasm, parseManifest('name: t\nversion: 1.0.0\nentry_points: [process, run]'))).toThrow(OverlayModuleError);
    try {
      checkOverlayModule(wasm, parseManifest('name: t\nversion: 1.0.0\nentry_points: [process, run]'));
    } catch (err) {
      expect((err as OverlayModuleError).problems).toEqual([
        'imports env.abort (function): overlays may import only from "forge"',
        'imports forge.read_file (function), which is not a host function of ABI v1 (log, capsule_read, capsule_search, capsule_create, config_get, event_publish)',
        'does not export its memory as "memory"',
        'does not export forge_alloc(len: i32) -> i32',
        'does not export entry point run(ptr: i32, len: i32) -> i64',
      ]);
    }
  });
});
