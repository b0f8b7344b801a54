/**
 * The event stream kept in the canonical store (table domain_event, positions
 * given by event_stream_sequence()): the in-process bus. Every process with the
 * store tails it from the `tandem_event_stream` notifications, so on PostgreSQL
 * the subscribers of one process see the events committed by any other.
 */
import type { Logger } from '../lib';
import type { Store } from '../store';
import { LiveHub, openSubscription, type EventStream, type StreamEvent, type StreamHead } from './stream';

/** NOTIFY channel of a committed domain event (trigger on domain_event) */
export const DOMAIN_EVENT_CHANNEL = 'tandem_domain_event';
/** NOTIFY channel of newly sequenced events; the payload is the stream's last position */
export const EVENT_STREAM_CHANNEL = 'tandem_event_stream';

interface EventRow {
  seq: number;
  type: string;
  key: string;
  payload: string;
  trace_id: string | null;
  occurred_at: string;
}

const toEvent = (r: EventRow): StreamEvent => ({
  seq: Number(r.seq),
  type: r.type,
  key: r.key,
  payload: JSON.parse(r.payload) as Record<string, unknown>,
  traceId: r.trace_id,
  occurredAt: r.occurred_at,
});

/** Sequenced events after `after` (up to `upTo` when given), of `types` (null: all), oldest first. One round trip. */
export async function readEvents(store: Store, after: number, types: readonly string[] | null, limit: number, upTo?: number): Promise<StreamEvent[]> {
  const rows = await store.rawBackground<EventRow>(
    `SELECT seq::float8 AS seq, type, key, payload::text AS payload, trace_id,
       to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at
     FROM domain_event WHERE seq > $1 AND seq <= $2 AND ($3::text[] IS NULL OR type = ANY($3::text[]))
     ORDER BY seq LIMIT $4`,
    after,
    upTo ?? Number.MAX_SAFE_INTEGER,
    types,
    limit,
  );
  return rows.map(toEvent);
}

/** The retained range of the store's stream. One round trip. */
export async function storeStreamHead(store: Store): Promise<StreamHead & { published: number }> {
  const [r] = await store.rawBackground<{ last: number | null; published: number | null; first: number | null }>(
    `SELECT (SELECT last_seq FROM event_stream WHERE name = 'default')::float8 AS last,
       (SELECT published_seq FROM event_stream WHERE name = 'default')::float8 AS published,
       (SELECT min(seq) FROM domain_event)::float8 AS first`,
  );
  return { first: r.first === null ? null : Number(r.first), last: Number(r.last ?? 0), published: Number(r.published ?? 0) };
}

/** Gives committed events their positions (event_stream_sequence); returns them and the stream's last position. One round trip. */
export async function sequenceEvents(store: Store, limit = 1000): Promise<{ last: number; events: StreamEvent[] }> {
  const rows = await store.rawBackground<EventRow & { last_seq: number | null }>(
    `SELECT last_seq::float8 AS last_seq, seq::float8 AS seq, type, key, payload, trace_id, occurred_at FROM event_stream_sequence($1)`,
    limit,
  );
  const last = rows.find((r) => r.last_seq !== null);
  return { last: Number(last?.last_seq ?? 0), events: rows.filter((r) => r.seq !== null).map(toEvent) };
}

/** The in-process bus: the stream, and where this process's relay hands the events it sequenced (saving a read). */
export interface StoreEventStream extends EventStream {
  offer(events: readonly StreamEvent[]): void;
}

export interface StoreEventStreamOptions {
  store: Store;
  logger: Logger;
  /** how often to look for events a lost notification did not announce @default 1000 */
  pollMs?: number;
  /** rows per read @default 500 */
  pageSize?: number;
}

/** The in-process bus over the store: live from the notifications, replay from the table. */
export async function createStoreEventStream(options: StoreEventStreamOptions): Promise<StoreEventStream> {
  const { store, logger } = options;
  const pageSize = options.pageSize ?? 500;
  const hub = new LiveHub();
  hub.last = (await storeStreamHead(store)).last;
  let target = hub.last;
  let pulling: Promise<void> | undefined;
  let closed = false;

  const pull = async () => {
    while (!closed && hub.last < target) {
      if (hub.size === 0) {
        hub.last = target; // nobody listens: skip ahead, nothing to read
        return;
      }
      const events = await readEvents(store, hub.last, null, pageSize, target);
      if (events.length === 0) {
        // a position announced but not readable yet cannot be: skip it rather than stall
        logger.warn({ from: hub.last, to: target }, 'stream positions announced but not found; skipping them');
        hub.last = target;
        return;
      }
      for (const e of events) hub.dispatch(e);
    }
  };
  let scheduled = false;
  const advance = (to: number) => {
    if (to > target) target = to;
    if (pulling || scheduled || hub.last >= target) return;
    // a moment later: this process's relay hands over what it sequenced (offer) before then, saving the read
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      startPull();
    });
  };
  const startPull = () => {
    if (closed || pulling || hub.last >= target) return;
    pulling = pull()
      .catch((err: unknown) => logger.warn({ err }, 'reading the event stream failed; retrying at the next notification or poll'))
      .finally(() => {
        pulling = undefined;
        if (!closed && hub.last < target) setImmediate(() => advance(target));
      });
  };
  const poll = () =>
    storeStreamHead(store).then(
      (h) => advance(h.last),
      (err: unknown) => {
        if (!closed) logger.warn({ err }, 'could not read the event stream head');
      },
    );

  const unlisten = await store.listen(EVENT_STREAM_CHANNEL, (payload) => {
    if (payload === null || payload === '') void poll();
    else advance(Number(payload));
  });
  const timer = setInterval(() => void poll(), options.pollMs ?? 1000);
  timer.unref();

  const replay = async (since: number, types: readonly string[] | null, deliver: (e: StreamEvent) => void, stopped: () => boolean, drained: () => Promise<void>) => {
    const upTo = (await storeStreamHead(store)).last;
    let after = since;
    while (!stopped()) {
      const events = await readEvents(store, after, types, pageSize, upTo);
      for (const e of events) deliver(e);
      if (events.length < pageSize) return;
      after = events[events.length - 1].seq;
      await drained();
    }
  };

  return {
    kind: 'in-process',
    offer(events) {
      // only what continues the feed; anything else is read by the notification's pull
      for (const e of events) if (e.seq === hub.last + 1 && !pulling) hub.dispatch(e);
    },
    subscribe: (o) => openSubscription(hub, o, () => storeStreamHead(store), replay),
    head: () => storeStreamHead(store),
    listeners: () => hub.size,
    async close() {
      closed = true;
      clearInterval(timer);
      await unlisten().catch(() => undefined);
      await pulling;
    },
  };
}
