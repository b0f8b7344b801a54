import { Directive, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { SourceSystem as System } from '../../canonical-schema';
import type { CircuitState as Circuit, SyncErrorRecord, SyncStatus as Status, SyncStepRecord, SystemStatus as SysStatus } from '../../sync';
export type { SysStatus };
import { SourceSystem } from '../shared/enums';
import { DateTimeScalar } from '../shared/scalars';
import { SyncStatus } from '../shared/sync';
import { Money, PageInfo } from '../shared/types';

export const CircuitState = { CLOSED: 'CLOSED', OPEN: 'OPEN', HALF_OPEN: 'HALF_OPEN' } as const satisfies { [K in Circuit]: K };
registerEnumType(CircuitState, {
  name: 'CircuitState',
  description: "The workers' circuit breaker for a system: CLOSED (calls flow), OPEN (calls held back, work queues), HALF_OPEN (probing)",
});

export const SystemStatus = { UP: 'UP', DEGRADED: 'DEGRADED', DOWN: 'DOWN' } as const satisfies { [K in SysStatus]: K };
registerEnumType(SystemStatus, {
  name: 'SystemStatus',
  description: 'UP (answering, healthy), DEGRADED (answering but slow, rate limiting, failing often, or its circuit half-open), DOWN (not answering, or its circuit open)',
});

@ObjectType({ description: 'One step of a sync transaction: one call (or a few) to one source system' })
export class SyncStep implements SyncStepRecord {
  @Field({ description: 'e.g. create-erp-project' })
  name!: string;

  @Field(() => SourceSystem)
  system!: System;

  @Field(() => SyncStatus)
  status!: Status;

  @Field(() => Int, { description: 'Attempts made so far (retries included)' })
  attempts!: number;

  @Field(() => String, { nullable: true })
  lastError!: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  startedAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  finishedAt!: Date | null;
}

@ObjectType({ description: 'One call a step made to a source system: the audit trail of what was sent and what came back' })
export class SyncCall {
  @Field({ description: 'The step that made the call, e.g. create-erp-project' })
  step!: string;

  @Field(() => SourceSystem)
  system!: System;

  @Field({ description: 'The system API operation, e.g. ERP.createProject' })
  operation!: string;

  @Field(() => String, { nullable: true, description: 'What was sent, as JSON (canonical arguments; secrets redacted)' })
  request!: string | null;

  @Field(() => String, { nullable: true, description: 'What came back, as JSON (truncated), or the error' })
  response!: string | null;

  @Field({ description: '`ok`, or the error code (UNAVAILABLE, RATE_LIMITED, REJECTED, CIRCUIT_OPEN, ...)' })
  outcome!: string;

  @Field(() => Int)
  durationMs!: number;

  @Field(() => DateTimeScalar)
  at!: Date;
}

@ObjectType({ description: 'Why a sync transaction failed, and what a person should do about it' })
export class SyncError implements SyncErrorRecord {
  @Field({ description: 'e.g. MASTER_DATA_INCOMPLETE, SOURCE_REJECTED, SOURCE_UNAVAILABLE' })
  code!: string;

  @Field()
  message!: string;

  @Field(() => String, { nullable: true, description: 'Which field to fix in which system, then replay' })
  remediation!: string | null;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A cross-system synchronization: one mutation (or webhook, or reconciliation finding) carried across CRM, ERP and PSA, step by step' })
export class SyncTransaction {
  @Field(() => ID)
  id!: string;

  @Directive('@shareable')
  @Field({ description: 'opportunity-to-project, customer-master, change-order, staffing, time-submission, time-approval, time-to-invoice, payment or invoice-status' })
  workflow!: string;

  @Directive('@shareable')
  @Field(() => SyncStatus)
  status!: Status;

  @Directive('@shareable')
  @Field()
  idempotencyKey!: string;

  @Field(() => [SyncStep], { description: 'Every step in order, those not started yet included (PENDING)' })
  steps!: SyncStep[];

  @Field(() => SyncError, { nullable: true })
  error!: SyncError | null;

  @Directive('@shareable')
  @Field({ description: 'W3C trace id: the request that submitted it, across every system call it made' })
  traceId!: string;

  @Field({ description: 'Who asked: the verified caller as `subject (roles)`, webhook:crm|erp|psa or reconciliation; with authentication off, the x-tandem-caller header or anonymous' })
  requestedBy!: string;

  @Field({ description: 'api, webhook, reconciliation or replay' })
  origin!: string;

  @Directive('@shareable')
  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  finishedAt!: Date | null;

  input!: unknown;
  result!: Record<string, unknown> | null;
  subject!: Record<string, string>;
}

@ObjectType()
export class SyncTransactionEdge {
  @Field()
  cursor!: string;

  @Field(() => SyncTransaction)
  node!: SyncTransaction;
}

@ObjectType()
export class SyncTransactionConnection {
  @Field(() => [SyncTransactionEdge])
  edges!: SyncTransactionEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field({ description: 'Transactions matching the filter, across all pages' })
  totalCount!: number;
}

@ObjectType({ description: "How the workers' calls to one source system fare (last 5 minutes)" })
export class SystemHealth {
  @Field(() => SourceSystem)
  system!: System;

  @Field(() => CircuitState)
  circuit!: Circuit;

  @Field(() => Float, { nullable: true, description: 'Median call latency; null when there were no calls' })
  latencyP50Ms!: number | null;

  @Field(() => Float, { description: 'Share of calls that failed, 0 to 1' })
  errorRate!: number;

  @Field(() => Int, { description: "The workers' calls to the system over the last 5 minutes" })
  calls!: number;

  @Field(() => DateTimeScalar)
  checkedAt!: Date;
}

@ObjectType({ description: 'What needs attention across the integration' })
export class OperationalMetrics {
  @Field(() => Int, { description: 'Closed Won opportunities with no project yet' })
  opportunitiesAwaitingProject!: number;

  @Field(() => Int)
  invoicesBlocked!: number;

  @Field(() => [Money], { description: 'Approved, billable time not yet invoiced, at its bill rate, one amount per currency' })
  unbilledAmount!: Money[];

  @Field(() => Int, { description: 'Outbox rows waiting for or held by a worker' })
  outboxDepth!: number;

  @Field(() => Int, { description: 'Transactions PENDING, RUNNING or FAILED (retry scheduled)' })
  syncBacklog!: number;

  @Field(() => Int)
  deadLettered!: number;

  @Field(() => Float, { nullable: true, description: 'Age of the oldest PENDING or FAILED transaction; null when none' })
  oldestPendingSeconds!: number | null;
}
