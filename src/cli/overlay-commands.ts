import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { packageRoot } from '../util/package-root.js';
import { callApi, printResponse as show, type ApiTarget } from './http.js';

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
  const api = options.target;
  const post = (p: string, body: unknown) => callApi(api, p, { json: body });
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
      return show(await callApi(api, '/v2/overlays', { body: form }));
    }
    case 'list':
      return show(await callApi(api, '/v2/overlays'));
    case 'activate': {
      const id = need(rest[0], 'id', 'forge overlay activate <id> [--config JSON] [--ttl SECONDS]');
      const ttl = options.ttl === undefined ? undefined : Number(options.ttl);
      return show(await post(`/v2/overlays/${id}/activate`, { ...(options.config ? { config: json(options.config, 'config') } : {}), ...(ttl ? { ttl_seconds: ttl } : {}) }));
    }
    case 'suspend': {
      const id = need(rest[0], 'id', 'forge overlay suspend <id> <reason>');
      return show(await post(`/v2/overlays/${id}/suspend`, { reason: rest.slice(1).join(' ') || 'suspended from the CLI' }));
    }
    case 'invoke': {
      const id = need(rest[0], 'id', 'forge overlay invoke <id> --function NAME [--args JSON] [--timeout-ms N]');
      return show(
        await post(`/v2/overlays/${id}/invoke`, {
          function: need(options.function, '--function'),
          args: json(options.args, 'args') ?? {},
          ...(options.timeoutMs ? { timeout_ms: Number(options.timeoutMs) } : {}),
        }),
      );
    }
    case 'affected': {
      const id = need(rest[0], 'id', 'forge overlay affected <id> [--hops N]');
      return show(await callApi(api, `/v2/overlays/${id}/affected?hops=${encodeURIComponent(options.hops ?? '5')}`));
    }
    default:
      throw new ConfigError([{ field: 'overlay', message: `unknown subcommand "${sub ?? ''}"; use build, register, list, activate, suspend, invoke or affected` }]);
  }
}
