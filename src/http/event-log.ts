// The one sink that logs committed domain events (app/kernel/events.ts) at info: a fill, an
// instance's change of status, a procurement starved of money. Each line carries the event's
// fields under `event` for machines and a sentence for people. Matched orders, one per order
// placed, are logged at debug: the fills they made are already at info.

import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AppContext } from '../app/kernel/context.js';
import type { DomainEvent } from '../app/kernel/events.js';
import { formatDollars } from '../domain/kernel/money.js';

export function registerEventLog(app: FastifyInstance, context: AppContext): void {
  const unsubscribe = context.events?.subscribe((event) => logEvent(app.log, event));
  app.addHook('onClose', (_instance, done) => {
    unsubscribe?.();
    done();
  });
}

export function logEvent(log: FastifyBaseLogger, event: DomainEvent): void {
  switch (event.kind) {
    case 'fill':
      log.info({ event }, `fill ${event.contractId}: ${event.nodeSeconds / 3600} node-hours of ${event.instanceSkuId} at ${formatDollars(event.priceMicrosPerNodeHour)} dollars per node-hour`);
      return;
    case 'instance_status_changed':
      log.info({ event }, `instance ${event.instanceId} is ${event.status}`);
      return;
    case 'procurement_starved':
      log.info({ event }, `procurement ${event.procurementId} is starved of money: ${event.message}`);
      return;
    case 'order_matched':
      log.debug({ event }, `order ${event.orderId} (${event.side}) matched: ${event.fills} fill(s), ${event.status}`);
      return;
  }
}
