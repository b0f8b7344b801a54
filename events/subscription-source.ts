/**
 * Tandem's subscription fields on the event stream: which event type feeds
 * each, which entity it is about (the representation the gateway resolves the
 * selection on), and which arguments filter it. The gateway knows none of this.
 */
import { GraphQLError } from 'graphql';
import type { SubscriptionEvent, SubscriptionSource } from '../gateway';
import { StreamCursorError, type EventStream, type StreamEvent } from './stream';

interface Topic {
  /** the event type feeding the field */
  type: string;
  /** the entity the event is about */
  typename: string;
  key(payload: Record<string, unknown>): unknown;
  /** argument name -> the payload value it must equal (a null argument does not filter) */
  filters: Record<string, (payload: Record<string, unknown>) => unknown>;
}

/** The subscription fields of Tandem's subgraphs, by name. */
export const SUBSCRIPTION_TOPICS: Readonly<Record<string, Topic>> = Object.freeze({
  invoiceStatusChanged: {
    type: 'invoice.status-changed.v1',
    typename: 'Invoice',
    key: (p) => p.invoiceId,
    filters: { customerId: (p) => p.customerId },
  },
  projectStatusChanged: {
    type: 'project.status-changed.v1',
    typename: 'Project',
    key: (p) => p.projectId,
    filters: { customerId: (p) => p.customerId },
  },
  syncTransactionUpdated: {
    type: 'sync.transaction-updated.v1',
    typename: 'SyncTransaction',
    key: (p) => p.transactionId,
    filters: { id: (p) => p.transactionId, workflow: (p) => p.workflow },
  },
});

const badCursor = (message: string, code: 'BAD_CURSOR' | 'CURSOR_EXPIRED') =>
  new GraphQLError(`Invalid argument "since": ${message}`, { extensions: { code, argumentName: 'since' } });

/** Serves SUBSCRIPTION_TOPICS from an event stream; a cursor is the decimal stream position. */
export function eventSubscriptionSource(stream: EventStream): SubscriptionSource {
  // one SubscriptionEvent per stream event, shared by every subscriber of it (the gateway batches by cursor)
  const converted = new WeakMap<StreamEvent, SubscriptionEvent>();
  const toEvent = (topic: Topic, e: StreamEvent): SubscriptionEvent => {
    let s = converted.get(e);
    if (!s) {
      s = {
        cursor: String(e.seq),
        representation: { __typename: topic.typename, id: topic.key(e.payload) },
        extensions: { event: { type: e.type, occurredAt: e.occurredAt, payload: e.payload } },
      };
      converted.set(e, s);
    }
    return s;
  };

  return {
    async subscribe({ field, args, since }, sink) {
      const topic = Object.hasOwn(SUBSCRIPTION_TOPICS, field) ? SUBSCRIPTION_TOPICS[field] : undefined;
      if (!topic) throw new GraphQLError(`Subscription field "${field}" has no events in Tandem`, { extensions: { code: 'SUBSCRIPTION_NOT_AVAILABLE' } });
      let position: number | null = null;
      if (since !== null) {
        if (!/^\d{1,15}$/.test(since)) throw badCursor(`"${since}" is not a cursor: pass the extensions.cursor of an event you received`, 'BAD_CURSOR');
        position = Number(since);
      }
      const filters = Object.entries(topic.filters).filter(([arg]) => args[arg] !== null && args[arg] !== undefined);
      try {
        return await stream.subscribe({
          types: [topic.type],
          since: position,
          onEvent: (e) => {
            for (const [arg, value] of filters) if (value(e.payload) !== args[arg]) return;
            sink.event(toEvent(topic, e));
          },
          onError: (err) => sink.error(err),
          drained: () => sink.drained(),
        });
      } catch (err) {
        if (err instanceof StreamCursorError) throw badCursor(err.message, err.code);
        throw err;
      }
    },
  };
}
