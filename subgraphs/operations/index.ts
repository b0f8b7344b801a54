import type { GraphQLSchema } from 'graphql';
import { uuidSchema } from '../../canonical-schema';
import type { SubgraphContext } from '../shared/context';
import { buildFederatedSchema } from '../shared/federation';
import { IntegrationHealthResolver, SyncTransactionResolver } from './operations.resolver';

/** The operations subgraph: sync transactions, integration health and operational metrics (system of record: the sync engine). */
export function buildOperationsSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [SyncTransactionResolver, IntegrationHealthResolver] },
    {
      SyncTransaction: {
        __resolveReference: (ref: { id: string }, { sync }: SubgraphContext) => (uuidSchema.safeParse(ref.id).success ? sync.get(ref.id) : null),
      },
    },
  );
}
