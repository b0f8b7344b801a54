import type { z } from 'zod';
import type { CrmWriter, ErpWriter, PsaWriter } from '../adapters/writes';
import type { EntityType, EventType, SourceSystem } from '../canonical-schema';
import type { Store } from '../store';
import type { WorkflowInputs, WorkflowName } from './api';

/** The writers a workflow step may call, one per source system. */
export interface WriterSet {
  CRM: CrmWriter;
  ERP: ErpWriter;
  PSA: PsaWriter;
}

/** Step outputs by step name (JSON values, kept in the transaction's context). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StepOutputs = Record<string, any>;

/** What a step sees while it runs. */
export interface StepContext<I> {
  transactionId: string;
  traceId: string;
  input: I;
  /** outputs of the steps that already succeeded (this generation), by step name */
  outputs: StepOutputs;
  /** this step's idempotency key: `${transactionId}:${step}:${generation}`; derive `${key}:n` for more calls */
  idempotencyKey: string;
  /** the writers; every call goes through the system's bulkhead and circuit breaker and is audited in sync_call */
  crm: CrmWriter;
  erp: ErpWriter;
  psa: PsaWriter;
  store: Store;
  /** the external id of a canonical id in `system`; a StepFailure UNKNOWN_RECORD naming `label` when none is known */
  externalId(entity: EntityType, canonicalId: string, system: SourceSystem, label?: string): Promise<string>;
}

export interface StepDefinition<I> {
  name: string;
  system: SourceSystem;
  /** Does the step's work; its JSON result is stored as `outputs[name]`. Throw StepFailure to refuse. */
  run(ctx: StepContext<I>): Promise<unknown>;
  /** Undoes the step after a later step failed for good (same context, its own idempotency key). */
  compensate?(ctx: StepContext<I>, output: any): Promise<void>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface DomainEventDraft {
  type: EventType;
  /** canonical id of the entity the event is about */
  key: string;
  payload: unknown;
}

/** A workflow: validated input, ordered steps over the writers, what it produced and announces. */
export interface WorkflowDefinition<W extends WorkflowName = WorkflowName> {
  name: W;
  inputSchema: z.ZodType<WorkflowInputs[W]>;
  steps: readonly StepDefinition<WorkflowInputs[W]>[];
  /** canonical ids the transaction is about, from its input */
  subject(input: WorkflowInputs[W]): Record<string, string>;
  /** canonical ids of what the workflow produced, once every step succeeded */
  result(outputs: StepOutputs, input: WorkflowInputs[W]): Record<string, unknown>;
  /** domain events appended in the same DB transaction as the last step */
  events?(outputs: StepOutputs, input: WorkflowInputs[W], transactionId: string): DomainEventDraft[];
  /** after SUCCEEDED: write what the workflow changed into the canonical cache (or mark it stale) */
  refresh?(outputs: StepOutputs, input: WorkflowInputs[W], store: Store): Promise<void>;
}
