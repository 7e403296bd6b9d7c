import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Telemetry } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { packageVersion } from '../util/package-root.js';

/** Where traces go: resolved from the standard `OTEL_*` variables (see config). */
export interface TracingSettings {
  /** The OTLP/HTTP traces endpoint; null: tracing is off and costs nothing. */
  readonly endpoint: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly serviceName: string;
}

export interface Tracing {
  /** For BullMQ's queues, flows and workers: carries the trace from a job's producer to its processor. */
  readonly telemetry: Telemetry | undefined;
  /** Sends what is buffered. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const OFF: Tracing = { telemetry: undefined, flush: async () => undefined, shutdown: async () => undefined };
/** The process's provider (one per process, shared by every Forge in it), and how many hold it. */
let shared: { provider: NodeTracerProvider; telemetry: BullMQOtel; holders: number } | null = null;

/** Whether this process records spans (anything else is a no-op, skipped before any work). */
export function tracingOn(): boolean {
  return shared !== null;
}

/**
 * Starts exporting traces over OTLP/HTTP when an endpoint is configured; otherwise returns a no-op and
 * installs nothing (no provider, no BullMQ telemetry), so an untraced fleet pays nothing for it.
 */
export function startTracing(settings: TracingSettings): Tracing {
  if (!settings.endpoint) return OFF;
  if (!shared) {
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': settings.serviceName, 'service.version': packageVersion() }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.endpoint, headers: { ...settings.headers } }), { scheduledDelayMillis: 500 })],
    });
    provider.register();
    shared = { provider, telemetry: new BullMQOtel({ tracerName: 'forge.queues', version: packageVersion() }), holders: 0 };
  }
  shared.holders++;
  const held = shared;
  let released = false;
  return {
    telemetry: held.telemetry,
    flush: () => held.provider.forceFlush(),
    async shutdown() {
      if (released) return;
      released = true;
      if (--held.holders > 0) return void (await held.provider.forceFlush());
      await held.provider.shutdown();
      trace.disable();
      context.disable();
      if (shared === held) shared = null;
    },
  };
}

const tracer = () => trace.getTracer('forge', packageVersion());

/**
 * Runs `work` in a span named `name` (a child of the active one), recording an exception as the span's
 * error. With tracing off it only runs `work`.
 */
export async function inSpan<T>(name: string, attributes: Attributes, work: (span: Span | null) => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  if (!shared) return work(null);
  return tracer().startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await work(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Starts a server span for an HTTP request and runs `next` inside it; the span ends with the response. */
export function traceHttp(method: string, path: string, run: (span: Span, done: (status: number, route: string | undefined) => void) => void): void {
  const span = tracer().startSpan(`${method} ${path}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } });
  const done = (status: number, route: string | undefined) => {
    span.setAttribute('http.response.status_code', status);
    if (route) {
      span.setAttribute('http.route', route);
      span.updateName(`${method} ${route}`);
    }
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
  context.with(trace.setSpan(context.active(), span), () => run(span, done));
}
