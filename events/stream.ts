/**
 * The event stream's contract, whichever bus carries it, and the fan-out both
 * buses share: one live feed per process, delivered to every local subscriber,
 * and the replay-then-live hand-over of a subscriber resuming from a cursor.
 */

/** One committed domain event at its position in the stream. */
export interface StreamEvent {
  /** position in the stream: gapless, in commit order (the cursor) */
  seq: number;
  /** the event contract, e.g. `invoice.status-changed.v1` */
  type: string;
  /** canonical id of the entity the event is about */
  key: string;
  payload: Record<string, unknown>;
  traceId: string | null;
  /** when the change happened, ISO 8601 */
  occurredAt: string;
}

/** A cursor the stream cannot resume from. */
export class StreamCursorError extends Error {
  constructor(
    readonly code: 'CURSOR_EXPIRED' | 'BAD_CURSOR',
    message: string,
  ) {
    super(message);
    this.name = 'StreamCursorError';
  }
}

export interface StreamSubscribeOptions {
  /** event types to receive; null for all */
  types: readonly string[] | null;
  /** resume after this position: the events after it first, in order (StreamCursorError when the stream no longer holds them) */
  since?: number | null;
  onEvent(event: StreamEvent): void;
  /** the subscription broke (e.g. its replay failed); nothing more is delivered */
  onError(error: Error): void;
  /** awaited between replayed batches, so a replay goes at the subscriber's pace */
  drained?(): Promise<void>;
}

export interface StreamSubscription {
  close(): void;
}

/** The retained range: positions first..last (first null when nothing is retained). */
export interface StreamHead {
  first: number | null;
  last: number;
}

export interface EventStream {
  readonly kind: 'in-process' | 'nats';
  /** Resolves once live (a cursor checked and its replay started); events come in stream order, each once. */
  subscribe(options: StreamSubscribeOptions): Promise<StreamSubscription>;
  head(): Promise<StreamHead>;
  /** number of local subscriptions (live listeners) */
  listeners(): number;
  close(): Promise<void>;
}

/** Checks `since` against the retained range. */
export function checkCursor(since: number, head: StreamHead): void {
  if (!Number.isSafeInteger(since) || since < 0) throw new StreamCursorError('BAD_CURSOR', `"${since}" is not a cursor of this stream`);
  if (since > head.last) {
    throw new StreamCursorError('BAD_CURSOR', `cursor ${since} is ahead of the stream (its last event is ${head.last}): it was not issued by this stream`);
  }
  const oldest = head.first ?? head.last + 1;
  if (since < oldest - 1) {
    throw new StreamCursorError(
      'CURSOR_EXPIRED',
      `the stream no longer holds the events after cursor ${since} (it keeps ${head.first === null ? 'none' : `${head.first} to ${head.last}`}); subscribe without since and reload what you show`,
    );
  }
}

interface Listener {
  types: ReadonlySet<string> | null;
  push(event: StreamEvent): void;
}

/** One process's live feed: events in order, each once, to every local listener of its type. */
export class LiveHub {
  /** position of the last event dispatched */
  last = 0;
  private readonly set = new Set<Listener>();

  get size(): number {
    return this.set.size;
  }

  dispatch(event: StreamEvent): void {
    if (event.seq <= this.last) return;
    this.last = event.seq;
    for (const l of this.set) {
      if (!l.types || l.types.has(event.type)) l.push(event);
    }
  }

  add(l: Listener): void {
    this.set.add(l);
  }

  remove(l: Listener): void {
    this.set.delete(l);
  }
}

/** Reads the stream from `since` to its head, delivering in order; stops early when `stopped()`. */
export type Replay = (since: number, types: readonly string[] | null, deliver: (e: StreamEvent) => void, stopped: () => boolean, drained: () => Promise<void>) => Promise<void>;

/**
 * A subscription on `hub`: live events from now, or, with `since`, the replay
 * first and then live ones. The live listener is attached before the replay
 * starts and buffers meanwhile (at most `maxBuffered`), so the hand-over has no
 * gap; whatever both deliver is dropped by position.
 */
export async function openSubscription(
  hub: LiveHub,
  options: StreamSubscribeOptions,
  head: () => Promise<StreamHead>,
  replay: Replay,
  maxBuffered = 100_000,
): Promise<StreamSubscription> {
  const types = options.types ? new Set(options.types) : null;
  let closed = false;
  let replaying = options.since != null;
  let last = options.since ?? 0;
  const buffered: StreamEvent[] = [];
  const deliver = (e: StreamEvent) => {
    if (closed || e.seq <= last) return;
    last = e.seq;
    options.onEvent(e);
  };
  const fail = (err: Error) => {
    if (closed) return;
    closed = true;
    hub.remove(listener);
    options.onError(err);
  };
  const listener: Listener = {
    types,
    push: (e) => {
      if (!replaying) return deliver(e);
      if (buffered.length >= maxBuffered) return fail(new Error(`more than ${maxBuffered} live events arrived while replaying: resume again from the last cursor received`));
      buffered.push(e);
    },
  };
  hub.add(listener);
  if (options.since != null) {
    const since = options.since;
    try {
      checkCursor(since, await head());
    } catch (err) {
      hub.remove(listener);
      throw err;
    }
    void replay(since, options.types, deliver, () => closed, options.drained ?? (() => Promise.resolve())).then(
      () => {
        replaying = false;
        for (const e of buffered.splice(0)) deliver(e);
      },
      (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
    );
  }
  return {
    close() {
      closed = true;
      buffered.length = 0;
      hub.remove(listener);
    },
  };
}
