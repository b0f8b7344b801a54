/**
 * Tandem's subscription fields on the event stream: which event type feeds
 * each, which entity it is about (the representation the gateway resolves the
 * selection on), and which arguments filter it. The gateway knows none of this.
 */
import { GraphQLError } from 'graphql';
import type { SubscriptionEvent, SubscriptionSource } from '../gateway';
import { principalFromClaims, SCOPE, type Scope } from '../subgraphs';
import { StreamCursorError, type EventStream, type StreamEvent } from './stream';

interface Topic {
  /** the event type feeding the field */
  type: string;
  /** the entity the event is about */
  typename: string;
  key(payload: Record<string, unknown>): unknown;
  /** argument name -> the payload value it must equal (a null argument does not filter) */
  filters: Record<string, (payload: Record<string, unknown>) => unknown>;
  /** the scope a caller needs to subscribe (as the subgraphs ask it of the entity's fields) */
  scope: Scope;
  /** the filter naming the customer: a portal caller's subscription is held to its own customer through it */
  customerArg?: string;
}

/** The subscription fields of Tandem's subgraphs, by name. */
export const SUBSCRIPTION_TOPICS: Readonly<Record<string, Topic>> = Object.freeze({
  invoiceStatusChanged: {
    type: 'invoice.status-changed.v1',
    typename: 'Invoice',
    key: (p) => p.invoiceId,
    filters: { customerId: (p) => p.customerId },
    scope: SCOPE.graphRead,
    customerArg: 'customerId',
  },
  projectStatusChanged: {
    type: 'project.status-changed.v1',
    typename: 'Project',
    key: (p) => p.projectId,
    filters: { customerId: (p) => p.customerId },
    scope: SCOPE.graphRead,
    customerArg: 'customerId',
  },
  syncTransactionUpdated: {
    type: 'sync.transaction-updated.v1',
    typename: 'SyncTransaction',
    key: (p) => p.transactionId,
    filters: { id: (p) => p.transactionId, workflow: (p) => p.workflow },
    scope: SCOPE.opsRead,
  },
});

const forbidden = (message: string) => new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });

/**
 * The arguments a caller's subscription runs with, under the rules the
 * subgraphs apply to the same data (subgraphs/shared/auth): the topic's scope,
 * and for a portal token (row-level) its own customer as the filter, since an
 * event of another customer's invoice would tell that it happened even if its
 * selection were refused. No caller (a gateway without authentication): as asked.
 */
export function authorizeSubscription(field: string, args: Record<string, unknown>, caller: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const topic = Object.hasOwn(SUBSCRIPTION_TOPICS, field) ? SUBSCRIPTION_TOPICS[field] : undefined;
  if (!caller || !topic) return args;
  const p = principalFromClaims({ ...caller });
  if (!p.scopes.has(topic.scope)) {
    throw forbidden(`Subscription "${field}" needs the scope ${topic.scope}, which this token's roles (${p.roles.join(', ') || 'none'}) do not grant`);
  }
  if (!p.rowLevel) return args;
  if (!topic.customerArg || !p.customerId) {
    throw forbidden(
      p.customerId ? `Subscription "${field}" is not filtered by customer, so a portal token cannot subscribe to it` : `This portal token names no customer (customerId claim), so it sees no customer's events`,
    );
  }
  const asked = args[topic.customerArg];
  if (asked !== null && asked !== undefined && asked !== p.customerId) {
    throw forbidden(`Customer ${String(asked)} is another customer; this portal token only sees the events of customer ${p.customerId}`);
  }
  return { ...args, [topic.customerArg]: p.customerId };
}

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
    async subscribe({ field, args: asked, since, caller }, sink) {
      const topic = Object.hasOwn(SUBSCRIPTION_TOPICS, field) ? SUBSCRIPTION_TOPICS[field] : undefined;
      if (!topic) throw new GraphQLError(`Subscription field "${field}" has no events in Tandem`, { extensions: { code: 'SUBSCRIPTION_NOT_AVAILABLE' } });
      const args = authorizeSubscription(field, asked, caller);
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
