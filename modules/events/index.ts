/**
 * The `events` module: the `events` service (each resource's bounded,
 * compacted event log in the store) and `GET /events`. Other modules
 * record through the service when it is there; nothing depends on it.
 */
import { defineModule } from '../../kernel/index.js';
import '../kinds/contract.js';
import { EventReason, type Events } from './contract.js';
import type { Metrics } from '../metrics/contract.js';
import { EventLog } from './event-log.js';
import { registerEventRoutes } from './routes.js';

/** What a rollout event says about the rollout it belongs to. */
const ROLLOUT_RESULT: Record<string, string> = {
  [EventReason.Rolling]: 'started',
  [EventReason.Rolled]: 'succeeded',
  [EventReason.RolloutFailed]: 'failed',
};

/**
 * The service with every recorded event counted (`voodu_events_total`) and
 * the rollout ones also as `voodu_rollouts_total`: the deployment and
 * statefulset reconciles record Rolling when a rollout begins, then Rolled
 * or RolloutFailed (a statefulset pod that never gets ready on first
 * creation is a failed rollout too).
 */
function counted(events: EventLog, metrics: Metrics): Events {
  const total = metrics.counter({ name: 'voodu_events_total', help: 'Events recorded, by resource kind, type (normal, warning) and reason', labelNames: ['kind', 'type', 'reason'] });
  const rollouts = metrics.counter({ name: 'voodu_rollouts_total', help: 'Rollouts by kind and result (started, succeeded, failed)', labelNames: ['kind', 'result'] });
  return {
    record(ref, event) {
      total.inc({ kind: ref.kind, type: event.type, reason: event.reason });
      const result = ROLLOUT_RESULT[event.reason];
      if (result) rollouts.inc({ kind: ref.kind, result });
      events.record(ref, event);
    },
    list: (query) => events.list(query),
    follow: (query, onEvent, onError) => events.follow(query, onEvent, onError),
    flush: () => events.flush(),
  };
}

export default defineModule({
  name: 'events',
  description: 'What happened to each resource: a bounded, compacted event log, listed and followed at /events',
  requires: ['store', 'kinds'],
  optional: ['api', 'metrics'],
  provides: ['events'],
  register(ctx) {
    const events = new EventLog(ctx.service('store'), ctx.log);
    ctx.provide('events', ctx.has('metrics') ? counted(events, ctx.service('metrics')) : events);
    if (ctx.has('api')) registerEventRoutes(ctx.service('api'), ctx.service('kinds'), ctx.service('events'));
    return { stop: () => events.flush() };
  },
});
