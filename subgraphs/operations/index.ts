import type { GraphQLSchema } from 'graphql';
import { uuidSchema } from '../../canonical-schema';
import type { SubgraphContext } from '../shared/context';
import { buildFederatedSchema } from '../shared/federation';
import { requireScope, SCOPE } from '../shared/auth';
import { AuditLogResolver, IntegrationHealthResolver, SyncTransactionResolver } from './operations.resolver';
import { SyncTransactionSubscriptionResolver } from './sync-transaction.subscription';
import { gatewayServedPubSub } from '../shared/subscriptions';

/** The operations subgraph: sync transactions, integration health and operational metrics (system of record: the sync engine). */
export function buildOperationsSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [SyncTransactionResolver, IntegrationHealthResolver, AuditLogResolver, SyncTransactionSubscriptionResolver], pubSub: gatewayServedPubSub },
    {
      SyncTransaction: {
        __resolveReference: (ref: { id: string }, ctx: SubgraphContext) => {
          requireScope(ctx, [SCOPE.opsRead], 'SyncTransaction (entity reference)');
          return uuidSchema.safeParse(ref.id).success ? ctx.sync.get(ref.id) : null;
        },
      },
    },
  );
}
