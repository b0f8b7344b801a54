/**
 * Resolves subscription events: the subscriber's selection on each event's
 * entity, executed by an Apollo Gateway over the event graph (event-graph.ts).
 * Subscribers with the same selection and forwarded headers form a group; a
 * group runs one execution at a time, and the events that arrive meanwhile
 * (for any of its subscribers) make up its next batch, each event resolved once
 * however many subscribers receive it.
 */
import { randomUUID } from 'node:crypto';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError, Kind, parse, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import type { Logger } from '../../lib/logger';
import { requireApolloGateway } from '../apollo-gateway';
import type { GatewayContext } from '../data-source';
import { EVENTS_SUBGRAPH, type EventGraph } from './event-graph';
import type { PreparedSubscription } from './operation';
import type { SubscriptionEvent } from './source';

/** What a subscriber is sent for one event: a GraphQL result as JSON, shared by every subscriber of the group. */
export interface EventResult {
  data: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
  extensions: Record<string, unknown>;
}

/** Receives its events' results in the order it gave the events. */
export interface EventReceiver {
  deliver(result: EventResult): void;
}

const EVENTS_KEY = '__subscriptionEvents';

interface EventsContext extends GatewayContext {
  [EVENTS_KEY]: Record<string, unknown>[];
}

type BuildService = (definition: { name: string; url?: string }) => GraphQLDataSource<GatewayContext>;

/** The synthetic subgraph: answers its root field with the batch's representations, trimmed to what was asked. */
function eventsDataSource(): GraphQLDataSource<GatewayContext> {
  const shapes = new Map<string, { key: string; fields: string[] }>();
  const shapeOf = (query: string) => {
    let s = shapes.get(query);
    if (!s) {
      const op = parse(query).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
      const root = op?.kind === Kind.OPERATION_DEFINITION ? op.selectionSet.selections[0] : undefined;
      if (!root || root.kind !== Kind.FIELD) throw new Error(`unexpected fetch to ${EVENTS_SUBGRAPH}: ${query}`);
      const fields = (root.selectionSet?.selections ?? []).flatMap((x) => (x.kind === Kind.FIELD ? [x.name.value] : []));
      s = { key: root.alias?.value ?? root.name.value, fields };
      if (shapes.size > 1000) shapes.clear();
      shapes.set(query, s);
    }
    return s;
  };
  return {
    async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
      const events = (options.context as Partial<EventsContext>)[EVENTS_KEY] ?? [];
      const { key, fields } = shapeOf(options.request.query ?? '');
      return { data: { [key]: events.map((r) => Object.fromEntries(fields.map((f) => [f, r[f] ?? null]))) } };
    },
  };
}

export interface EventResolverOptions {
  graph: EventGraph;
  /** the data sources of the real subgraphs (the main gateway's buildService) */
  buildService: BuildService;
  logger: Logger;
}

export class EventResolver {
  private executor: ((requestContext: never) => Promise<{ data?: Record<string, unknown> | null; errors?: readonly GraphQLError[]; extensions?: Record<string, unknown> }>) | undefined;
  private gateway: { stop(): Promise<void> } | undefined;
  private readonly groups = new Map<string, EventGroup>();
  readonly log: Logger;

  constructor(private readonly options: EventResolverOptions) {
    this.log = options.logger;
  }

  async start(): Promise<void> {
    const { ApolloGateway } = requireApolloGateway();
    const gateway = new ApolloGateway({
      supergraphSdl: this.options.graph.supergraphSdl,
      logger: this.options.logger.child({ component: 'apollo-events' }),
      buildService: (def) => (def.name === EVENTS_SUBGRAPH ? eventsDataSource() : this.options.buildService(def)),
    });
    const { executor } = await gateway.load();
    this.executor = executor as never;
    this.gateway = gateway;
  }

  /** The group of subscribers with this selection and this identity; `headers` gives the forwarded headers of an execution. */
  group(prepared: PreparedSubscription, identity: string, headers: () => Promise<Record<string, string>>): EventGroup {
    const key = `${prepared.selectionHash}\u0000${identity}`;
    let g = this.groups.get(key);
    if (!g) {
      g = new EventGroup(this, key, prepared, headers);
      this.groups.set(key, g);
    }
    return g;
  }

  /** @internal a group with no subscribers left */
  drop(group: EventGroup): void {
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
  }

  /** @internal runs a prepared selection for the representations of a batch */
  async execute(prepared: PreparedSubscription, document: DocumentNode, forwardHeaders: Record<string, string>, representations: Record<string, unknown>[]) {
    if (!this.executor) throw new Error('the event resolver is not started');
    const requestId = `subscription-${randomUUID()}`;
    const context: EventsContext = { forwardHeaders: { ...forwardHeaders, 'x-request-id': requestId }, requestId, [EVENTS_KEY]: representations };
    return this.executor({
      request: { query: prepared.query, variables: prepared.variables, operationName: prepared.operationName },
      document,
      queryHash: prepared.selectionHash,
      operationName: prepared.operationName,
      context,
      metrics: {},
      logger: this.log,
    } as never);
  }

  /** subscribers' groups (for stats) */
  get groupCount(): number {
    return this.groups.size;
  }

  async stop(): Promise<void> {
    this.groups.clear();
    await this.gateway?.stop().catch(() => undefined);
  }
}

/** A batch: its distinct events, and each receiver's events in the order it queued them. */
interface Batch {
  events: Map<string, SubscriptionEvent>;
  receivers: Map<EventReceiver, string[]>;
}

const emptyBatch = (): Batch => ({ events: new Map(), receivers: new Map() });

export class EventGroup {
  private members = 0;
  private batch = emptyBatch();
  private running = false;
  private scheduled = false;

  constructor(
    private readonly resolver: EventResolver,
    readonly key: string,
    private readonly prepared: PreparedSubscription,
    private readonly headers: () => Promise<Record<string, string>>,
  ) {}

  join(): void {
    this.members++;
  }

  leave(): void {
    if (--this.members <= 0) this.resolver.drop(this);
  }

  /** Queues an event for a receiver; results come back in the order each receiver queued its events. */
  add(event: SubscriptionEvent, receiver: EventReceiver): void {
    if (!this.batch.events.has(event.cursor)) this.batch.events.set(event.cursor, event);
    const mine = this.batch.receivers.get(receiver);
    if (mine) mine.push(event.cursor);
    else this.batch.receivers.set(receiver, [event.cursor]);
    this.schedule();
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.running || this.batch.events.size === 0) return;
    this.running = true;
    const batch = this.batch;
    this.batch = emptyBatch();
    try {
      const events = [...batch.events.values()];
      const results = await this.resolve(events);
      const byCursor = new Map(events.map((e, i) => [e.cursor, results[i]]));
      // each receiver in the order it queued its events; batches run one at a time, so order holds across them
      for (const [receiver, cursors] of batch.receivers) for (const c of cursors) receiver.deliver(byCursor.get(c)!);
    } finally {
      this.running = false;
      if (this.batch.events.size > 0) this.schedule();
    }
  }

  private async resolve(events: SubscriptionEvent[]): Promise<EventResult[]> {
    const { responseKey } = this.prepared;
    const ext = (e: SubscriptionEvent) => ({ cursor: e.cursor, ...e.extensions });
    let result: Awaited<ReturnType<EventResolver['execute']>>;
    try {
      result = await this.resolver.execute(this.prepared, this.prepared.document, await this.headers(), events.map((e) => e.representation));
    } catch (err) {
      this.resolver.log.warn({ err, events: events.length }, 'resolving subscription events failed');
      const code = (err as { extensions?: { code?: unknown } }).extensions?.code;
      const error: GraphQLFormattedError = {
        message: `The event could not be resolved: ${(err as Error).message}`,
        path: [responseKey],
        extensions: { code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR' },
      };
      return events.map((e) => ({ data: null, errors: [error], extensions: ext(e) }));
    }
    const list = (result.data?.[responseKey] as unknown[] | undefined) ?? [];
    const perEvent: GraphQLFormattedError[][] = events.map(() => []);
    /** per event: only errors of completing the value (a null where the schema has none), no subgraph error */
    const onlyCompletion = events.map(() => true);
    const everyEvent: GraphQLFormattedError[] = [];
    const completion = new Set((result.extensions?.valueCompletion as GraphQLFormattedError[] | undefined) ?? []);
    for (const raw of [...(result.errors ?? []), ...completion]) {
      const e: GraphQLFormattedError = raw instanceof GraphQLError ? raw.toJSON() : raw;
      const [head, index, ...rest] = e.path ?? [];
      if (head === responseKey && typeof index === 'number' && perEvent[index]) {
        perEvent[index].push({ ...e, path: [responseKey, ...rest] });
        if (!completion.has(raw as GraphQLFormattedError)) onlyCompletion[index] = false;
      } else {
        everyEvent.push({ ...e, path: e.path ? [responseKey] : undefined });
      }
    }
    return events.map((event, i) => {
      const value = list[i] ?? null;
      let errors = [...perEvent[i], ...everyEvent];
      // the subgraph answered null for the entity (unknown key): say so, rather than which field could not be null
      if (value === null && everyEvent.length === 0 && onlyCompletion[i]) {
        errors = [
          {
            message: `The ${event.representation.__typename} this event is about could not be found${perEvent[i][0] ? ` (${perEvent[i][0].message})` : ''}`,
            path: [responseKey],
            extensions: { code: 'EVENT_ENTITY_NOT_FOUND' },
          },
        ];
      }
      return {
        data: value === null ? null : { [responseKey]: value },
        ...(errors.length ? { errors } : {}),
        extensions: ext(event),
      };
    });
  }
}
