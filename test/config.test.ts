import { describe, expect, it } from 'vitest';
import { configKeys, loadConfig } from '../src/config/index.js';
import { ConfigError } from '../src/errors.js';

describe('config', () => {
  it('applies the kernel-spec defaults', () => {
    const c = loadConfig({});
    expect(c.http.port).toBe(8080);
    expect(c.queuePrefix).toBe('{forge}');
    expect(c.redisUrl).toBeUndefined();
    expect(Object.fromEntries(Object.entries(c.phases).map(([p, s]) => [p, s.timeoutMs]))).toEqual({
      context: 3000,
      analysis: 10000,
      security: 5000,
      optimization: 5000,
      intelligence: 10000,
      metrics: 5000,
      storage: 3000,
    });
    expect(c.phases.context.attempts).toBe(3);
  });

  it('reads per-phase settings and lets flags win over the environment', () => {
    const c = loadConfig({ PORT: '9000', FORGE_ATTEMPTS: '5', FORGE_SECURITY_ATTEMPTS: '1', FORGE_ANALYSIS_CONCURRENCY: '3' }, { port: 0 });
    expect(c.http.port).toBe(0);
    expect(c.phases.context.attempts).toBe(5);
    expect(c.phases.security.attempts).toBe(1);
    expect(c.phases.analysis.concurrency).toBe(3);
  });

  it('stops with a message naming every bad field', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', FORGE_CONTEXT_TIMEOUT_MS: '-1', REDIS_URL: 'http://nope', FORGE_QUEUE_PREFIX: 'forge' }, { 'data-dir': '' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const fields = (error as ConfigError).issues.map((i) => i.field).sort();
    expect(fields).toEqual(['--data-dir (FORGE_DATA_DIR)', 'FORGE_CONTEXT_TIMEOUT_MS', 'FORGE_QUEUE_PREFIX', 'PORT', 'REDIS_URL']);
    expect((error as ConfigError).message).toContain('PORT:');
  });

  it('refuses options that would silently fight, naming both', () => {
    let error: unknown;
    try {
      loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', FORGE_REDIS_SERVER: '/opt/redis/bin/redis-server' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([{ field: 'FORGE_REDIS_SERVER', message: expect.stringContaining('REDIS_URL is set') }]);
    expect(loadConfig({ FORGE_REDIS_SERVER: '/opt/redis/bin/redis-server' }).redisServerBinary).toBe('/opt/redis/bin/redis-server');
  });

  it('selects the blob store: the data directory by default, S3 with a bucket, and refuses half an S3 setup', () => {
    expect(loadConfig({}, { 'data-dir': '/srv/forge' }).blobs).toEqual({ kind: 'filesystem', root: '/srv/forge/blobs' });
    expect(
      loadConfig({ FORGE_BLOB_STORE: 's3', FORGE_S3_BUCKET: 'forge-blobs', FORGE_S3_ENDPOINT: 'http://minio:9000', FORGE_S3_PATH_STYLE: 'true', AWS_REGION: 'eu-west-1' }).blobs,
    ).toEqual({
      kind: 's3',
      bucket: 'forge-blobs',
      prefix: '',
      endpoint: 'http://minio:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
    });
    const issues = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as ConfigError).issues.map((i) => i.field);
      }
      return [];
    };
    expect(issues({ FORGE_BLOB_STORE: 's3' })).toEqual(['FORGE_S3_BUCKET']);
    expect(issues({ FORGE_S3_BUCKET: 'forge-blobs', FORGE_S3_PREFIX: 'prod' })).toEqual(['FORGE_S3_BUCKET', 'FORGE_S3_PREFIX']);
  });

  it('selects the graph store: SQLite in the data directory by default, Neo4j with NEO4J_URI and a password', () => {
    expect(loadConfig({}, { 'data-dir': '/srv/forge' }).graphStore).toEqual({ kind: 'sqlite', file: '/srv/forge/forge.db' });
    expect(loadConfig({ NEO4J_URI: 'neo4j://graph:7687', NEO4J_PASSWORD: 'secret', NEO4J_DATABASE: 'forge' }).graphStore).toEqual({
      kind: 'neo4j',
      uri: 'neo4j://graph:7687',
      user: 'neo4j',
      password: 'secret',
      database: 'forge',
    });
    expect(() => loadConfig({ NEO4J_URI: 'neo4j://graph:7687' })).toThrow(/NEO4J_PASSWORD: is needed with NEO4J_URI/);
    expect(() => loadConfig({ NEO4J_URI: 'http://graph:7474', NEO4J_PASSWORD: 'x' })).toThrow(/NEO4J_URI/);
  });

  it('lists every variable it reads, per-phase ones included', () => {
    expect(configKeys()).toEqual(expect.arrayContaining(['REDIS_URL', 'FORGE_CACHE_TTL_S', 'FORGE_CONTEXT_TIMEOUT_MS', 'FORGE_STORAGE_ATTEMPTS', 'FORGE_METRICS_CONCURRENCY']));
    expect(configKeys()).not.toContain('phases');
  });

  it('names the flag when a flag is wrong', () => {
    expect(() => loadConfig({}, { port: '70000' })).toThrow(/--port \(PORT\)/);
  });
});

describe('version ranges', () => {
  it('matches the simple ranges manifests use', async () => {
    const { satisfies } = await import('../src/store/versions.js');
    expect(satisfies('1.4.2', '^1.2.0')).toBe(true);
    expect(satisfies('2.0.0', '^1.2.0')).toBe(false);
    expect(satisfies('1.1.9', '^1.2.0')).toBe(false);
    expect(satisfies('0.2.5', '^0.2.0')).toBe(true);
    expect(satisfies('0.3.0', '^0.2.0')).toBe(false);
    expect(satisfies('1.2.9', '~1.2.3')).toBe(true);
    expect(satisfies('1.3.0', '~1.2.3')).toBe(false);
    expect(satisfies('3.0.0', '>=2.0.0')).toBe(true);
    expect(satisfies('1.0.0', '1.0.0')).toBe(true);
    expect(satisfies('1.0.1', '1.0.0 || 2.x')).toBe(false);
    expect(satisfies('5.0.0', '*')).toBe(true);
  });
});

describe('secrets in output', () => {
  it('shows a Redis URL without its password or token', async () => {
    const { redactUrl } = await import('../src/util/redact.js');
    expect(redactUrl('redis://:s3cret@redis.internal:6379/0')).toBe('redis://:***@redis.internal:6379/0');
    expect(redactUrl('rediss://app:s3cret@redis.internal:6380')).toBe('rediss://app:***@redis.internal:6380');
    expect(redactUrl('redis://tok3n@redis.internal:6379')).toBe('redis://***@redis.internal:6379');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    const { FleetStateUnavailableError } = await import('../src/fleet/redis-fleet-state.js');
    const err = new FleetStateUnavailableError('redis://:s3cret@nowhere:1', 10_000);
    expect(`${err.message} ${err.url}`).not.toContain('s3cret');
  });
});
