/**
 * The `events` module: the `events` service (each resource's bounded,
 * compacted event log in the store) and `GET /events`. Other modules
 * record through the service when it is there; nothing depends on it.
 */
import { defineModule } from '../../kernel/index.js';
import '../kinds/contract.js';
import './contract.js';
import { EventLog } from './event-log.js';
import { registerEventRoutes } from './routes.js';

export default defineModule({
  name: 'events',
  description: 'What happened to each resource: a bounded, compacted event log, listed and followed at /events',
  requires: ['store', 'kinds'],
  optional: ['api'],
  provides: ['events'],
  register(ctx) {
    const events = new EventLog(ctx.service('store'), ctx.log);
    ctx.provide('events', events);
    if (ctx.has('api')) registerEventRoutes(ctx.service('api'), ctx.service('kinds'), events);
    return { stop: () => events.flush() };
  },
});
