/**
 * What the gateway needs from an event bus to serve subscriptions. The gateway
 * knows nothing of the events' meaning: a source maps a subscription field and
 * its arguments to a stream of events, each naming the entity it is about as a
 * federation representation; the gateway resolves the subscriber's selection
 * on that entity through the supergraph.
 */

/** One event for one subscription field. */
export interface SubscriptionEvent {
  /**
   * The event's position in its stream, opaque to the gateway: sent to the
   * client as `extensions.cursor`, and what a client passes as `since` to resume
   * after it. Equal cursors are the same event (the gateway resolves it once for
   * every subscriber with the same selection).
   */
  cursor: string;
  /** The entity the event is about: `__typename` and its key fields (those of the entity's @key). */
  representation: { __typename: string } & Record<string, unknown>;
  /** Sent to the client in `extensions`, beside `cursor` (e.g. the event's type and time). */
  extensions?: Record<string, unknown>;
}

/** Where a source delivers the events of one subscription, in stream order. */
export interface SubscriptionSink {
  event(event: SubscriptionEvent): void;
  /** The subscription cannot go on (the client gets a graphql-ws `error` message, then nothing more). */
  error(error: Error): void;
  /**
   * Resolves when the subscriber has room again. A source replaying missed
   * events awaits it between batches, so a long replay never overflows the
   * subscriber's buffer; live events do not wait (a subscriber too slow for
   * them is closed).
   */
  drained(): Promise<void>;
}

export interface SubscriptionRequest {
  /** the Subscription field */
  field: string;
  /** its arguments as coerced by the schema (variables applied), without `since` */
  args: Record<string, unknown>;
  /** the `since` argument: resume after this cursor; null for events from now on */
  since: string | null;
  /**
   * The caller's verified claims when the gateway authenticates connections
   * (undefined when it does not): for the source's own access rules, e.g. a
   * caller who may see only some rows gets only their events (the gateway
   * resolves each event's selection with the caller's identity too, but an
   * event refused there would still tell that it happened).
   */
  caller?: Readonly<Record<string, unknown>>;
}

export interface SubscriptionSource {
  /**
   * Starts delivering the events of `request` to `sink`; resolves once they
   * flow (missed events first when `since` is given). Reject with a GraphQLError
   * to refuse with a code the client sees (e.g. `CURSOR_EXPIRED`, with
   * `extensions.argumentName: "since"`); any other error is reported as
   * SUBSCRIPTION_SOURCE_FAILED.
   */
  subscribe(request: SubscriptionRequest, sink: SubscriptionSink): Promise<{ close(): void }>;
}
