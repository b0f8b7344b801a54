import { Arg, ID, Resolver, Subscription } from 'type-graphql';
import type { SyncTransactionRecord } from '../../sync';
import { SINCE_DESCRIPTION, servedByGateway } from '../shared/subscriptions';
import { SyncTransaction } from './sync-transaction.type';

@Resolver(() => SyncTransaction)
export class SyncTransactionSubscriptionResolver {
  @Subscription(() => SyncTransaction, {
    subscribe: servedByGateway,
    description:
      'A sync transaction whose status changed (PENDING, RUNNING, FAILED, SUCCEEDED, ...), in commit order; narrowed to one transaction ' +
      '(id) and/or one workflow when given. Served by the gateway over graphql-ws; each event carries `extensions.cursor`.',
  })
  syncTransactionUpdated(
    @Arg('id', () => ID, { nullable: true, description: 'Only this transaction' }) _id: string | null,
    @Arg('workflow', () => String, { nullable: true, description: 'Only transactions of this workflow (e.g. payment)' }) _workflow: string | null,
    @Arg('since', () => String, { nullable: true, description: SINCE_DESCRIPTION }) _since: string | null,
  ): SyncTransactionRecord {
    return servedByGateway();
  }
}
