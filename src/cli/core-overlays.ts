import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Forge } from '../app.js';
import { parseManifest } from '../overlays/manifest.js';
import type { Caller, OverlayRecord } from '../store/graph-store.js';
import { packageRoot } from '../util/package-root.js';

export interface OverlaySource {
  readonly dir: string;
  readonly manifestPath: string;
  readonly wasmPath: string;
}

/** Overlays in `overlays/` that `npm run build:overlays` has built. */
export function builtOverlays(root: string = path.join(packageRoot(), 'overlays')): OverlaySource[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'sdk')
    .map((d) => ({
      dir: d.name,
      manifestPath: path.join(root, d.name, 'manifest.yaml'),
      wasmPath: path.join(root, d.name, 'build', `${d.name}.wasm`),
    }))
    .filter((o) => existsSync(o.manifestPath) && existsSync(o.wasmPath));
}

/**
 * Registers each built overlay that is not registered yet (same name and version) and activates it; an
 * older active version of the same overlay is suspended once the new one is active, so one version runs.
 * Idempotent; overlays an operator suspended or quarantined stay as they are.
 */
export async function installOverlays(forge: Forge, caller: Caller, sources: readonly OverlaySource[]): Promise<OverlayRecord[]> {
  const installed: OverlayRecord[] = [];
  for (const source of sources) {
    const text = readFileSync(source.manifestPath, 'utf8');
    const manifest = parseManifest(text);
    const existing = (await forge.overlays.registry.list({ name: manifest.name })).find((o) => o.version === manifest.version);
    const overlay = existing ?? (await forge.overlays.registry.register(caller, text, new Uint8Array(readFileSync(source.wasmPath))));
    if (overlay.state !== 'pending') {
      installed.push(overlay);
      continue;
    }
    installed.push(await forge.overlays.registry.activate(caller, overlay.id));
    const older = (await forge.overlays.registry.list({ name: manifest.name, state: 'active' })).filter((o) => o.id !== overlay.id);
    for (const o of older) await forge.overlays.registry.suspend(caller, o.id, `superseded by ${manifest.name}@${manifest.version}`);
  }
  return installed;
}
