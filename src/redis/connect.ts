import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A connection to one Redis server or to a Redis Cluster; BullMQ and the fleet state take either. */
export type RedisConnection = Redis | Cluster;

/**
 * Connects to `url`: one server, or with `cluster` a Redis Cluster found from that seed node (the others
 * are discovered; the URL's credentials and TLS apply to every node).
 */
export function connectRedis(url: string, cluster: boolean, options: RedisOptions = {}): RedisConnection {
  if (!cluster) return new Redis(url, options);
  const u = new URL(url);
  const { maxRetriesPerRequest, lazyConnect, enableAutoPipelining, ...rest } = options;
  return new Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], {
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
    redisOptions: {
      ...rest,
      ...(maxRetriesPerRequest === undefined ? {} : { maxRetriesPerRequest }),
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  });
}
