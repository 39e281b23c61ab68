// Domain events: what happened, told to whoever listens once it is true. A use case records an
// event in its transaction (`recordEvent`); the store delivers it after the commit, and never for
// a transaction that rolled back or was retried (`Tx.afterCommit`). Listeners — the log line per
// event and the metrics' counters (http/server.ts, http/metrics.ts) — learn of it in commit
// order, in this process. Events are for people and dashboards, not for deciding anything: state
// is in the store, and nothing reads events back.

import type { Tx } from '../../store/store.js';

/** A trade: a contract moved allocation from the seller's pool to the buyer's. */
export interface FillEvent {
  readonly kind: 'fill';
  readonly contractId: string;
  readonly instanceSkuId: string;
  readonly buyOrderId: string;
  readonly sellOrderId: string;
  readonly nodeSeconds: number;
  readonly priceMicrosPerNodeHour: number;
  readonly totalMicros: number;
  readonly at: number;
}

/** An order was placed and matched against the book: what came of it. */
export interface OrderMatchedEvent {
  readonly kind: 'order_matched';
  readonly orderId: string;
  readonly instanceSkuId: string;
  readonly side: 'buy' | 'sell';
  /** The order's status once matched (`filled`, resting, or `cancelled`). */
  readonly status: string;
  readonly fills: number;
  readonly at: number;
}

/** An instance changed status (created awaiting allocation, started, terminated, failed). */
export interface InstanceStatusChangedEvent {
  readonly kind: 'instance_status_changed';
  readonly instanceId: string;
  /** An instance status (domain/compute/placement.ts), named here as the kernel uses no compute. */
  readonly status: 'awaiting_allocation' | 'running' | 'terminated' | 'failed';
  readonly at: number;
}

/** A procurement could not place a buy it planned: its account's cash does not cover it. */
export interface ProcurementStarvedEvent {
  readonly kind: 'procurement_starved';
  readonly procurementId: string;
  readonly accountId: string;
  readonly message: string;
  readonly at: number;
}

export type DomainEvent = FillEvent | OrderMatchedEvent | InstanceStatusChangedEvent | ProcurementStarvedEvent;

export type DomainEventListener = (event: DomainEvent) => void;

/**
 * Where committed events go: every listener, in the order they subscribed. A listener that
 * throws is reported to `onListenerError` and the others still hear the event: the transaction
 * has committed whatever a listener does.
 */
export class DomainEvents {
  readonly #listeners: DomainEventListener[] = [];

  constructor(private readonly onListenerError: (error: unknown, event: DomainEvent) => void = () => undefined) {}

  /** Adds a listener; returns what removes it. */
  subscribe(listener: DomainEventListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const index = this.#listeners.indexOf(listener);
      if (index >= 0) this.#listeners.splice(index, 1);
    };
  }

  deliver(event: DomainEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        try {
          this.onListenerError(error, event);
        } catch {
          // Reporting failed too; the event is still delivered to the rest.
        }
      }
    }
  }
}

/** Records an event in the caller's transaction: delivered when it commits, dropped if it does not.
 * (It takes the use cases' AppContext; typed by what it reads, as context.ts names this file.) */
export function recordEvent(context: { readonly events?: DomainEvents | undefined }, tx: Tx, event: DomainEvent): void {
  const events = context.events;
  if (events === undefined) return;
  tx.afterCommit(() => events.deliver(event));
}
