import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '../shared/federation';
import { CustomerResolver, OpportunityResolver } from './customer.resolver';
import { CustomerMutations } from './customer.mutations';
import { customerReferences } from './customer.reference';

/** The customer subgraph: customers and opportunities (system of record: the CRM). */
export function buildCustomerSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema({ resolvers: [CustomerResolver, OpportunityResolver, CustomerMutations] }, customerReferences);
}
