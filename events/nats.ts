/**
 * The event stream on NATS JetStream (when NATS_URL is set): relays publish the
 * store's sequenced events to one stream, and every gateway replica consumes it,
 * so any replica serves any subscriber. A message is one event (JSON, subject
 * `<prefix>.<event type>`, Nats-Msg-Id = its position): published in order and
 * once, because each publish expects the previous position as the stream's last
 * message id (Nats-Expected-Last-Msg-Id) and a repeated id is dropped by
 * JetStream's de-duplication. Cursors are the store's positions, so they are the
 * same on every replica and on the in-process bus.
 */
import {
  connect,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  type StoredMsg,
} from 'nats';
import type { Logger } from '../lib';
import type { Store } from '../store';
import type { EventPublisher } from './relay';
import { readEvents } from './store-stream';
import { LiveHub, openSubscription, type EventStream, type StreamEvent, type StreamHead } from './stream';

export interface NatsStreamConfig {
  /** NATS server URL(s), comma-separated */
  url: string;
  /** JetStream stream name */
  stream: string;
  /** subjects are `<prefix>.<event type>` */
  subjectPrefix: string;
  /** JetStream keeps events this long (max_age) */
  retentionHours: number;
}

/** One NATS connection and its JetStream handles, shared by a process's publisher and stream. */
export interface NatsBus {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  config: NatsStreamConfig;
  close(): Promise<void>;
}

const NO_MESSAGE = 10037;
const STREAM_NOT_FOUND = 10059;
const WRONG_LAST_MSG_ID = 10070;

const apiCode = (err: unknown): number | undefined => (err as { api_error?: { err_code?: number } })?.api_error?.err_code;

export const subjectOf = (prefix: string, type: string) => `${prefix}.${type}`;

/** Connects and makes sure the stream exists (created with the configured retention when missing). */
export async function connectNats(config: NatsStreamConfig, logger: Logger, name = 'tandem'): Promise<NatsBus> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: config.url.split(',').map((s) => s.trim()), name, maxReconnectAttempts: -1, reconnectTimeWait: 500, timeout: 5000 });
  } catch (err) {
    throw new Error(`cannot connect to NATS at ${config.url}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const jsm = await nc.jetstreamManager();
    const js = nc.jetstream();
    await ensureStream(jsm, config, logger);
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnect') logger.warn({ status: s.type, server: s.data }, `NATS ${s.type}`);
      }
    })().catch(() => undefined);
    logger.info({ url: config.url, stream: config.stream, subjects: `${config.subjectPrefix}.>` }, 'connected to NATS JetStream');
    return {
      nc,
      js,
      jsm,
      config,
      async close() {
        if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
      },
    };
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw err;
  }
}

async function ensureStream(jsm: JetStreamManager, config: NatsStreamConfig, logger: Logger): Promise<void> {
  const subjects = [`${config.subjectPrefix}.>`];
  try {
    const info = await jsm.streams.info(config.stream);
    if (!info.config.subjects?.includes(subjects[0])) {
      logger.warn({ stream: config.stream, subjects: info.config.subjects, expected: subjects }, 'the JetStream stream exists with other subjects');
    }
    return;
  } catch (err) {
    if (apiCode(err) !== STREAM_NOT_FOUND) throw err;
  }
  const maxAgeNs = Math.round(config.retentionHours * 3600) * 1e9;
  try {
    await jsm.streams.add({
      name: config.stream,
      subjects,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      storage: StorageType.File,
      max_age: maxAgeNs,
      duplicate_window: Math.min(maxAgeNs || Infinity, 10 * 60 * 1e9),
      num_replicas: 1,
    });
    logger.info({ stream: config.stream, subjects, retentionHours: config.retentionHours }, 'created the JetStream stream');
  } catch (err) {
    // another process created it meanwhile
    await jsm.streams.info(config.stream).catch(() => {
      throw err;
    });
  }
}

const encode = (e: StreamEvent) => Buffer.from(JSON.stringify(e));
const decode = (data: Uint8Array): StreamEvent => JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as StreamEvent;
const positionOf = (m: StoredMsg | JsMsg): number => Number(('header' in m ? m.header : m.headers)?.get('Nats-Msg-Id'));

/** The relay's side: publishes the store's events to the stream in order, each once. */
export function natsPublisher(bus: NatsBus, logger: Logger): EventPublisher {
  const { js, jsm, config } = bus;
  /** position of the stream's last message (null: empty stream); undefined until read */
  let published: number | null | undefined;

  const lastInStream = async (): Promise<number | null> => {
    const info = await jsm.streams.info(config.stream);
    if (info.state.messages === 0) return null;
    const m = await jsm.streams.getMessage(config.stream, { seq: info.state.last_seq });
    const p = positionOf(m);
    if (!Number.isSafeInteger(p)) throw new Error(`the last message of JetStream stream ${config.stream} has no Tandem position (Nats-Msg-Id "${m.header?.get('Nats-Msg-Id')}"): is something else publishing to ${config.subjectPrefix}.>?`);
    return p;
  };

  return {
    async publishUpTo(store: Store, last: number, fresh: readonly StreamEvent[] = []) {
      if (published === undefined) published = await lastInStream();
      let at: number | null = published;
      if (at !== null && at > last) {
        throw new Error(
          `JetStream stream ${config.stream} is ahead of this database's event stream (${at} > ${last}): it belongs to another database. Use another TANDEM_NATS_STREAM.`,
        );
      }
      while (at === null || at < last) {
        const from = at ?? 0;
        const i = fresh.findIndex((e) => e.seq === from + 1);
        const events = at !== null && i >= 0 ? fresh.slice(i, i + 256) : await readEvents(store, from, null, 256, last);
        if (events.length === 0) return;
        const acks = await Promise.allSettled(
          events.map((e, i) => {
            const prev = i === 0 ? at : events[i - 1].seq;
            return js.publish(subjectOf(config.subjectPrefix, e.type), encode(e), {
              msgID: String(e.seq),
              ...(prev !== null && prev !== undefined ? { expect: { lastMsgID: String(prev) } } : {}),
            });
          }),
        );
        let resync = false;
        for (let i = 0; i < acks.length; i++) {
          const a = acks[i];
          if (a.status === 'fulfilled') {
            at = events[i].seq;
            continue;
          }
          if (apiCode(a.reason) !== WRONG_LAST_MSG_ID) throw a.reason;
          resync = true; // another relay published meanwhile: continue after what the stream has
          break;
        }
        if (resync) {
          const before: number | null = at;
          at = await lastInStream();
          if (at === before) throw new Error(`JetStream stream ${config.stream} refused position ${events[0].seq} after ${before}`);
          logger.debug({ from: before, to: at }, 'another relay published: continuing after the stream');
        }
        published = at;
        if (at !== null) {
          await store.rawBackground(`UPDATE event_stream SET published_seq = greatest(published_seq, $1) WHERE name = 'default'`, at);
        }
      }
    },
  };
}

/** The gateway's side: one live consumer per process, replays per resuming subscriber. */
export async function createNatsEventStream(bus: NatsBus, logger: Logger): Promise<EventStream> {
  const { js, jsm, config } = bus;
  const hub = new LiveHub();

  const state = async () => {
    const info = await jsm.streams.info(config.stream);
    const s = info.state;
    const at = async (seq: number) => positionOf(await jsm.streams.getMessage(config.stream, { seq }));
    if (s.messages === 0) return { firstJs: s.first_seq, lastJs: s.last_seq, first: null, last: s.last_seq > 0 ? Number.MAX_SAFE_INTEGER : 0 };
    const [first, last] = await Promise.all([at(s.first_seq), at(s.last_seq)]);
    return { firstJs: s.first_seq, lastJs: s.last_seq, first, last };
  };

  const initial = await state();
  hub.last = initial.first === null ? 0 : initial.last;
  const live = await js.consumers.get(config.stream, {
    filterSubjects: `${config.subjectPrefix}.>`,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: initial.lastJs + 1,
  });
  const messages = await live.consume({ max_messages: 1000 });
  const consuming = (async () => {
    for await (const m of messages) {
      try {
        hub.dispatch(decode(m.data));
      } catch (err) {
        logger.warn({ err, subject: m.subject, seq: m.seq }, 'dropping a message that is not a Tandem event');
      }
    }
  })().catch((err: unknown) => logger.error({ err }, 'the live JetStream consumer stopped'));

  const head = async (): Promise<StreamHead> => {
    const s = await state();
    return { first: s.first, last: s.last };
  };

  const replay = async (since: number, types: readonly string[] | null, deliver: (e: StreamEvent) => void, stopped: () => boolean, drained: () => Promise<void>) => {
    const s = await state();
    if (s.first === null) return;
    const one = types?.length === 1 ? subjectOf(config.subjectPrefix, types[0]) : undefined;
    let lastMatching = s.lastJs;
    if (one) {
      try {
        lastMatching = (await jsm.streams.getMessage(config.stream, { last_by_subj: one })).seq;
      } catch (err) {
        if (apiCode(err) === NO_MESSAGE) return;
        throw err;
      }
    }
    // where position since+1 is, assuming no gaps; a gap (events expired or skipped) means start at the first
    let start = Math.min(Math.max(s.firstJs, since + 1 + (s.lastJs - s.last)), s.lastJs);
    try {
      if (positionOf(await jsm.streams.getMessage(config.stream, { seq: start })) > since + 1) start = s.firstJs;
    } catch {
      start = s.firstJs;
    }
    if (lastMatching < start) return;
    const consumer = await js.consumers.get(config.stream, {
      filterSubjects: one ?? `${config.subjectPrefix}.>`,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: start,
    });
    const iter = await consumer.consume({ max_messages: 256 });
    const wanted = types ? new Set(types) : null;
    let count = 0;
    try {
      for await (const m of iter) {
        if (stopped()) break;
        const e = decode(m.data);
        if (!wanted || wanted.has(e.type)) deliver(e);
        if (m.seq >= lastMatching) break;
        if (++count % 256 === 0) await drained();
      }
    } finally {
      await iter.close().catch(() => undefined);
    }
  };

  return {
    kind: 'nats',
    subscribe: (o) => openSubscription(hub, o, head, replay),
    head,
    listeners: () => hub.size,
    async close() {
      await messages.close().catch(() => undefined);
      await consuming;
    },
  };
}
