import { Arg, Authorized, Ctx, FieldResolver, Float, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { AUDIT_KINDS, SCOPE, type AuditKind } from '../shared/auth';
import { uuidSchema } from '../../canonical-schema';
import {
  NotReplayableError,
  transactionCursor,
  WORKFLOWS,
  type OperationalMetricsRecord,
  type SyncStatus as Status,
  type SyncTransactionRecord,
  type SystemHealthRecord,
  type SystemVerdict,
} from '../../sync';
import { pageArgs } from '../shared/connection';
import type { SubgraphContext } from '../shared/context';
import { InvalidArgumentError } from '../shared/errors';
import { SyncStatus } from '../shared/sync';
import { NotFoundError, RuleViolationError } from '../shared/write-errors';
import { CustomerRef, InvoiceRef, OpportunityRef, ProjectRef } from './stubs/refs.stub';
import { AuditEntry, AuditEntryConnection, AuditKindEnum } from './audit-entry.type';
import { OperationalMetrics, SyncCall, SyncTransaction, SyncTransactionConnection, SystemHealth, SystemStatus, type SysStatus } from './sync-transaction.type';

/** A canonical id the transaction is about or produced (`customerId`, `projectId`, ...), from its result first, then its subject. */
function relatedId(tx: SyncTransactionRecord, key: string): string | null {
  const v = tx.result?.[key] ?? tx.subject?.[key];
  return typeof v === 'string' && v ? v : null;
}

function ref(id: string | null): { id: string } | null {
  return id ? { id } : null;
}

/** Transaction ids are UUIDs; anything else cannot name a transaction. */
function isTransactionId(id: string): boolean {
  return uuidSchema.safeParse(id).success;
}

@Resolver(() => SyncTransaction)
export class SyncTransactionResolver {
  @Authorized(SCOPE.opsRead)
  @Query(() => SyncTransaction, { nullable: true, description: 'A sync transaction by id; null when unknown' })
  async syncTransaction(@Arg('id', () => ID) id: string, @Ctx() { sync }: SubgraphContext): Promise<SyncTransactionRecord | null> {
    return isTransactionId(id) ? sync.get(id) : null;
  }

  @Authorized(SCOPE.opsRead)
  @Query(() => SyncTransactionConnection, { nullable: true, description: 'Sync transactions, newest first, optionally by status and workflow (ops:read)' })
  async syncTransactions(
    @Arg('status', () => SyncStatus, { nullable: true }) status: Status | null,
    @Arg('workflow', () => String, { nullable: true }) workflow: string | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() { sync }: SubgraphContext,
  ): Promise<SyncTransactionConnection> {
    const args = pageArgs(first, null);
    if (workflow != null && !(WORKFLOWS as readonly string[]).includes(workflow)) {
      throw new InvalidArgumentError('workflow', `must be one of ${WORKFLOWS.join(', ')}`);
    }
    const page = await sync.list({ status, workflow, first: args.first, after }).catch((err: unknown) => {
      if (err instanceof RangeError && /\bafter\b/.test(err.message)) {
        throw new InvalidArgumentError('after', 'is not a cursor this connection issued; pass the endCursor of a previous page');
      }
      throw err;
    });
    const edges = page.nodes.map((node) => ({ cursor: transactionCursor(node.createdAt, node.id), node: node as SyncTransaction }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor }, totalCount: page.totalCount };
  }

  @Authorized(SCOPE.opsReplay)
  @Mutation(() => SyncTransaction, {
    description: 'Runs a DEAD_LETTERED or FAILED transaction again from its failed step (a COMPENSATED one from the start); returns it re-queued',
  })
  async replaySyncTransaction(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<SyncTransactionRecord> {
    const existing = isTransactionId(id) ? await ctx.sync.get(id) : null;
    if (!existing) throw new NotFoundError('id', 'sync transaction', id);
    try {
      const tx = await ctx.sync.replay(id, { requestedBy: ctx.caller });
      ctx.logger.info({ transactionId: id, workflow: tx.workflow, caller: ctx.caller }, 'sync transaction replayed');
      return tx;
    } catch (err) {
      if (err instanceof NotReplayableError) throw new RuleViolationError(err.code, err.message, { argumentName: 'id', status: err.status });
      throw err;
    }
  }

  @Authorized(SCOPE.opsPayloads)
  @FieldResolver(() => [SyncCall], {
    nullable: true,
    description: 'The audit trail: every call the steps made to a source system (what was sent, what came back), oldest first (ops:payloads)',
  })
  async calls(
    @Root() tx: SyncTransactionRecord,
    @Arg('first', () => Int, { nullable: true, defaultValue: 200, description: 'at most this many (1 to 1000)' }) first: number,
    @Ctx() { sync }: SubgraphContext,
  ): Promise<SyncCall[]> {
    if (!Number.isInteger(first) || first < 1 || first > 1000) throw new InvalidArgumentError('first', 'must be between 1 and 1000');
    const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
    return (await sync.calls(tx.id, first)).map((c) => ({ ...c, request: json(c.request), response: json(c.response) }));
  }

  @Authorized(SCOPE.opsPayloads)
  @FieldResolver(() => String, { nullable: true, description: 'The command as submitted, as JSON (canonical ids; ops:payloads)' })
  input(@Root() tx: SyncTransactionRecord): string {
    return JSON.stringify(tx.input ?? null);
  }

  @FieldResolver(() => String, { nullable: true, description: 'What the workflow produced once SUCCEEDED (canonical ids of the records it wrote), as JSON' })
  result(@Root() tx: SyncTransactionRecord): string | null {
    return tx.result ? JSON.stringify(tx.result) : null;
  }

  @FieldResolver(() => CustomerRef, { nullable: true, description: 'The customer this transaction is about, if any' })
  customer(@Root() tx: SyncTransactionRecord): CustomerRef | null {
    return ref(relatedId(tx, 'customerId'));
  }

  @FieldResolver(() => OpportunityRef, { nullable: true })
  opportunity(@Root() tx: SyncTransactionRecord): OpportunityRef | null {
    return ref(relatedId(tx, 'opportunityId'));
  }

  @FieldResolver(() => ProjectRef, { nullable: true, description: 'The project this transaction is about, or created' })
  project(@Root() tx: SyncTransactionRecord): ProjectRef | null {
    return ref(relatedId(tx, 'projectId'));
  }

  @FieldResolver(() => InvoiceRef, { nullable: true, description: 'The invoice this transaction is about, or created' })
  invoice(@Root() tx: SyncTransactionRecord): InvoiceRef | null {
    return ref(relatedId(tx, 'invoiceId'));
  }
}

/** The verdict of one health record, asked of the engine once per record however many of its fields are selected. */
const verdicts = new WeakMap<SystemHealthRecord, Promise<SystemVerdict>>();
function verdictOf(h: SystemHealthRecord, sync: SubgraphContext['sync']): Promise<SystemVerdict> {
  let v = verdicts.get(h);
  if (!v) {
    v = sync.verdict(h);
    verdicts.set(h, v);
  }
  return v;
}

@Resolver(() => SystemHealth)
export class IntegrationHealthResolver {
  // status, reason and probeLatencyMs probe the system (one call, kept ~2 s): only when selected
  @FieldResolver(() => SystemStatus, { description: 'UP, DEGRADED or DOWN: from the circuit, the error rate and a live probe of the system' })
  async status(@Root() h: SystemHealthRecord, @Ctx() { sync }: SubgraphContext): Promise<SysStatus> {
    return (await verdictOf(h, sync)).status;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Why the system is not UP' })
  async reason(@Root() h: SystemHealthRecord, @Ctx() { sync }: SubgraphContext): Promise<string | null> {
    return (await verdictOf(h, sync)).reason;
  }

  @FieldResolver(() => Float, { nullable: true, description: 'Latency of the live probe, ms; null when it failed or none ran' })
  async probeLatencyMs(@Root() h: SystemHealthRecord, @Ctx() { sync }: SubgraphContext): Promise<number | null> {
    return (await verdictOf(h, sync)).probeLatencyMs;
  }

  @Authorized(SCOPE.opsRead)
  @Query(() => [SystemHealth], { nullable: true, description: 'Circuit state, latency and error rate of the workers’ calls to each source system (ops:read)' })
  integrationHealth(@Ctx() { sync }: SubgraphContext): Promise<SystemHealthRecord[]> {
    return sync.health();
  }

  @Authorized(SCOPE.opsRead)
  @Query(() => OperationalMetrics, { nullable: true, description: 'Backlog, dead letters and business exceptions needing attention (ops:read)' })
  operationalMetrics(@Ctx() { sync }: SubgraphContext): Promise<OperationalMetricsRecord> {
    return sync.metrics();
  }
}

@Resolver(() => AuditEntry)
export class AuditLogResolver {
  @Authorized(SCOPE.auditRead)
  @Query(() => AuditEntryConnection, {
    nullable: true,
    description: 'The audit trail, newest first: every mutation, replay and denied access, with the verified caller and the arguments (secrets redacted) (audit:read)',
  })
  async auditLog(
    @Arg('kind', () => AuditKindEnum, { nullable: true }) kind: AuditKind | null,
    @Arg('caller', () => String, { nullable: true, description: "The caller's subject" }) caller: string | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() { audit }: SubgraphContext,
  ): Promise<AuditEntryConnection> {
    const args = pageArgs(first, null);
    if (after != null && !/^\d{1,19}$/.test(after)) throw new InvalidArgumentError('after', 'is not a cursor this connection issued; pass the endCursor of a previous page');
    const page = await audit.list({ first: args.first, after, kind: kind && (AUDIT_KINDS as readonly string[]).includes(kind) ? kind : null, caller });
    return {
      edges: page.nodes.map((n) => ({ cursor: n.id, node: { ...n, roles: [...n.roles], arguments: n.arguments === null || n.arguments === undefined ? null : JSON.stringify(n.arguments) } })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    };
  }
}
