import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { packageRoot } from '../util/package-root.js';
import { clientOf, show, type ApiTarget } from './http.js';

export interface OverlayCommandOptions {
  readonly target: ApiTarget;
  readonly manifest?: string;
  readonly wasm?: string;
  readonly config?: string;
  readonly ttl?: string;
  readonly function?: string;
  readonly args?: string;
  readonly timeoutMs?: string;
  readonly hops?: string;
}

export function json(value: string | undefined, flag: string): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw new ConfigError([{ field: `--${flag}`, message: `is not JSON: ${value}` }]);
  }
}

export function need<T>(value: T | undefined, field: string, message = 'is required'): T {
  if (value === undefined) throw new ConfigError([{ field, message }]);
  return value;
}

/**
 * `forge overlay build|register|list|activate|suspend|invoke`. Everything but `build` talks to a running
 * ingress (`--target`, default the local one), so it works the same against any deployment.
 */
export async function overlayCommand(sub: string | undefined, rest: readonly string[], options: OverlayCommandOptions): Promise<void> {
  const api = clientOf(options.target);
  const path_ = (id: string) => ({ params: { path: { id } } });
  switch (sub) {
    case 'build': {
      const result = spawnSync(process.execPath, [path.join(packageRoot(), 'scripts', 'build-overlays.mjs'), ...rest], { stdio: 'inherit' });
      if (result.status !== 0) process.exitCode = result.status ?? 1;
      return;
    }
    case 'register': {
      const form = new FormData();
      const manifestPath = need(options.manifest, '--manifest', 'give the manifest file (YAML or JSON)');
      const wasmPath = need(options.wasm, '--wasm', 'give the module file (.wasm)');
      form.set('manifest', new Blob([readFileSync(manifestPath)]), path.basename(manifestPath));
      form.set('wasm', new Blob([readFileSync(wasmPath)]), path.basename(wasmPath));
      // Multipart: the parts are sent as they are, not serialised as JSON.
      return show(await api.POST('/v2/overlays', { body: { wasm: '', manifest: '' }, bodySerializer: () => form }));
    }
    case 'list':
      return show(await api.GET('/v2/overlays'));
    case 'activate': {
      const id = need(rest[0], 'id', 'forge overlay activate <id> [--config JSON] [--ttl SECONDS]');
      const ttl = options.ttl === undefined ? undefined : Number(options.ttl);
      const config = json(options.config, 'config') as Record<string, unknown> | undefined;
      return show(await api.POST('/v2/overlays/{id}/activate', { ...path_(id), body: { ...(config ? { config } : {}), ...(ttl ? { ttl_seconds: ttl } : {}) } }));
    }
    case 'suspend': {
      const id = need(rest[0], 'id', 'forge overlay suspend <id> <reason>');
      return show(await api.POST('/v2/overlays/{id}/suspend', { ...path_(id), body: { reason: rest.slice(1).join(' ') || 'suspended from the CLI' } }));
    }
    case 'invoke': {
      const id = need(rest[0], 'id', 'forge overlay invoke <id> --function NAME [--args JSON] [--timeout-ms N]');
      return show(
        await api.POST('/v2/overlays/{id}/invoke', {
          ...path_(id),
          body: {
            function: need(options.function, '--function'),
            args: json(options.args, 'args') ?? {},
            ...(options.timeoutMs ? { timeout_ms: Number(options.timeoutMs) } : {}),
          },
        }),
      );
    }
    case 'affected': {
      const id = need(rest[0], 'id', 'forge overlay affected <id> [--hops N]');
      return show(await api.GET('/v2/overlays/{id}/affected', { params: { path: { id }, query: { hops: Number(options.hops ?? '5') } } }));
    }
    default:
      throw new ConfigError([{ field: 'overlay', message: `unknown subcommand "${sub ?? ''}"; use build, register, list, activate, suspend, invoke or affected` }]);
  }
}
