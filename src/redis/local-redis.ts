import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { RedisServerMissingError, RedisStartError } from '../errors.js';

export interface LocalRedisOptions {
  /** Directory for the AOF files; created if absent. */
  readonly dir: string;
  /** @defaultValue 'redis-server' (looked up on PATH) */
  readonly binary?: string;
  /** AOF persistence, so an accepted request survives a restart. @defaultValue true */
  readonly appendOnly?: boolean;
  /** @defaultValue 10000 */
  readonly startTimeoutMs?: number;
  /** A fixed port (e.g. to restart on the same one); default: a free one. */
  readonly port?: number;
  /** More redis-server arguments, e.g. cluster mode's. */
  readonly args?: readonly string[];
}

/** A redis-server child process on a free loopback port. It stops when `stop()` is called or this process exits. */
export interface LocalRedis {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts a private redis-server.
 * @throws RedisServerMissingError when the binary is not installed (the message says how to install it).
 * @throws RedisStartError when it exits or does not answer PING in time.
 */
export async function startLocalRedis(options: LocalRedisOptions): Promise<LocalRedis> {
  const binary = options.binary ?? 'redis-server';
  const dir = path.resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    options.appendOnly === false ? 'no' : 'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
    '--loglevel',
    'warning',
    ...(options.args ?? []),
  ];
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const exited = new Promise<Error>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code === 'ENOENT' ? new RedisServerMissingError(binary) : new RedisStartError(`could not run ${binary}: ${err.message}`, log)),
    );
    child.once('exit', (code, signal) => resolve(new RedisStartError(`${binary} exited (code ${code}, signal ${signal}) before it was ready`, log)));
  });

  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  const ready = (async () => {
    while (Date.now() < deadline) {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return null;
      } catch {
        // not listening yet
      } finally {
        probe.disconnect();
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    return new RedisStartError(`${binary} did not answer PING on port ${port} within ${options.startTimeoutMs ?? 10_000} ms`, log);
  })();

  const failure = await Promise.race([exited, ready]);
  if (failure) {
    child.kill('SIGKILL');
    throw failure;
  }

  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    pid: child.pid ?? -1,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      return stopping;
    },
  };
}
