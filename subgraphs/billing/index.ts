import type { GraphQLSchema } from 'graphql';
import type { SubgraphContext } from '../shared/context';
import { buildFederatedSchema } from '../shared/federation';
import { BillingMutations } from './billing.mutations';
import { CustomerBillingResolver, InvoiceLineResolver, InvoiceResolver, invoiceNode, ProjectBillingResolver } from './invoice.resolver';

/** The billing subgraph: invoices (system of record: the ERP), receivables and unbilled work. */
export function buildBillingSchema(): Promise<GraphQLSchema> {
  const stub = { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) };
  return buildFederatedSchema(
    { resolvers: [InvoiceResolver, InvoiceLineResolver, CustomerBillingResolver, ProjectBillingResolver, BillingMutations] },
    {
      Invoice: {
        __resolveReference: async (ref: { id: string }, { reader }: SubgraphContext) => invoiceNode(await reader.load('invoice', ref.id)),
      },
      Customer: stub,
      Project: stub,
      Resource: stub,
    },
  );
}
