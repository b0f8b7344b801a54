import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { IdempotencyConflictError, SYNC_STATUSES, type SyncStatus as Status, type WorkflowInputs, type WorkflowName } from '../../sync';
import type { SubgraphContext } from './context';
import { DateTimeScalar } from './scalars';
import { IdempotencyKeyReusedError } from './write-errors';

export const SyncStatus = Object.fromEntries(SYNC_STATUSES.map((s) => [s, s])) as { [K in Status]: K };
registerEnumType(SyncStatus, {
  name: 'SyncStatus',
  description: 'PENDING (queued), RUNNING, SUCCEEDED, FAILED (a transient failure; retry scheduled), DEAD_LETTERED (failed for good; replayable), COMPENSATED (failed after earlier steps, which were undone)',
});

/** Fields of SyncTransaction a domain subgraph provides from the submit's answer (@provides on every mutation). */
export const PROVIDED_SYNC_FIELDS = 'workflow status idempotencyKey traceId createdAt';
/** Put on every mutation that returns a SyncTransactionRef. */
export const PROVIDES_SYNC = `@provides(fields: "${PROVIDED_SYNC_FIELDS}")`;

/**
 * The operations subgraph's SyncTransaction as a domain subgraph returns it from
 * a mutation: the key, and the fields known at submit time (provided, so the
 * mutation answers the transaction as submitted, PENDING on a first submit).
 * Every other field is resolved by the operations subgraph.
 */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('SyncTransaction')
export class SyncTransactionRef {
  @Field(() => ID)
  id!: string;

  @Directive('@external')
  @Field()
  workflow!: string;

  @Directive('@external')
  @Field(() => SyncStatus)
  status!: Status;

  @Directive('@external')
  @Field()
  idempotencyKey!: string;

  @Directive('@external')
  @Field()
  traceId!: string;

  @Directive('@external')
  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

/**
 * Submits a validated command to the sync engine on behalf of the request's
 * caller and returns the transaction as a reference. The mutation has validated
 * the idempotency key first (before its other checks); a key reused with
 * another input is IDEMPOTENCY_KEY_REUSED.
 */
export async function submitSync<W extends WorkflowName>(
  ctx: SubgraphContext,
  workflow: W,
  input: WorkflowInputs[W],
  idempotencyKey: string,
): Promise<SyncTransactionRef> {
  try {
    const { transaction, created } = await ctx.sync.submit({ workflow, input, idempotencyKey, requestedBy: ctx.caller, traceId: ctx.traceId, origin: 'api' });
    ctx.logger.info({ workflow, transactionId: transaction.id, created, caller: ctx.caller }, created ? 'sync transaction submitted' : 'idempotent resubmit: existing sync transaction');
    return {
      id: transaction.id,
      workflow: transaction.workflow,
      status: transaction.status,
      idempotencyKey: transaction.idempotencyKey,
      traceId: transaction.traceId,
      createdAt: transaction.createdAt,
    };
  } catch (err) {
    if (err instanceof IdempotencyConflictError) throw new IdempotencyKeyReusedError(err.message, err.idempotencyKey, err.existingTransactionId);
    throw err;
  }
}
