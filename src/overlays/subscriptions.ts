import { mayReceive } from '../auth/policy.js';
import { ForgeError } from '../errors.js';
import type { SubscriberSource } from '../events/bus.js';
import type { ForgeEvent } from '../store/graph-store.js';
import type { OverlayExecutor } from './executor.js';
import { ON_EVENT_ENTRY } from './manifest.js';
import type { OverlayRegistry } from './registry.js';

const PREFIX = 'overlay';

/** An overlay's `on_event` failed or could not run: the delivery is retried, then dead-lettered. */
export class OverlayEventError extends ForgeError {
  constructor(subscriber: string, eventId: string, why: string) {
    super('overlay_event_failed', `${subscriber} did not handle event ${eventId}: ${why}`, { retryable: true });
  }
}

/** What an overlay's `on_event` is given: the event, without the bookkeeping of its path. */
export function eventInput(event: ForgeEvent) {
  const { id, kind, payload, trust_level, source, correlation_id, cascade_id, hop, created_at } = event;
  return { event: { id, kind, payload, trust_level, source, correlation_id, cascade_id, hop, created_at } };
}

/**
 * The overlays as event subscribers (`overlay:<name>`): every active overlay whose manifest subscribes to
 * an event's kind and whose trust is at least the event's (an overlay never sees what it could not read).
 * A delivery runs the active version's `on_event` through the executor (breaker, canary, quarantine) as the
 * event's trust; what it publishes there continues the event's cascade. An overlay that is not active when
 * its delivery runs fails it: the delivery waits in retries, then in the dead-letter queue, to be re-driven
 * once the overlay is back.
 */
export function overlaySubscribers(deps: { registry: Pick<OverlayRegistry, 'active'>; executor: Pick<OverlayExecutor, 'invoke'> }): SubscriberSource {
  const subscribed = async (name: string | null, kind: string) =>
    (await deps.registry.active()).filter((o) => (name === null || o.name === name) && o.manifest.subscriptions.some((k) => k === kind));
  return {
    prefix: PREFIX,
    async subscribersOf(event) {
      const overlays = (await subscribed(null, event.kind)).filter((o) => mayReceive(o, event));
      return [...new Set(overlays.map((o) => `${PREFIX}:${o.name}`))];
    },
    async handle(subscriber, event) {
      const name = subscriber.slice(PREFIX.length + 1);
      const [overlay] = await subscribed(name, event.kind);
      if (!overlay) throw new OverlayEventError(subscriber, event.id, `no active version of ${name} subscribes to ${event.kind}`);
      if (!mayReceive(overlay, event)) throw new OverlayEventError(subscriber, event.id, `its trust (${overlay.trust_level}) is below the event's (${event.trust_level})`);
      // It acts for the event's publisher, at the event's trust: what it reads and publishes stays at that level.
      const caller = { id: `event:${event.id}`, roles: ['event'], trust_level: event.trust_level };
      const result = await deps.executor.invoke(overlay.id, { function: ON_EVENT_ENTRY, args: eventInput(event) }, caller, { event, via: subscriber, correlation_id: event.correlation_id });
      if (!result.success) throw new OverlayEventError(subscriber, event.id, `${result.error?.code}: ${result.error?.message}`);
      return { target_id: overlay.id };
    },
  };
}
