import type { GraphQLSchema } from 'graphql';
import type { SubgraphContext } from '../shared/context';
import { buildFederatedSchema } from '../shared/federation';
import { entityRef } from '../shared/node';
import { CustomerRef, ProjectRef, ResourceRef } from './stubs/refs.stub';
import { BillingMutations } from './billing.mutations';
import { CustomerBillingResolver, InvoiceLineResolver, InvoiceResolver, invoiceNode, ProjectBillingResolver } from './invoice.resolver';

/** The billing subgraph: invoices (system of record: the ERP), receivables and unbilled work. */
export function buildBillingSchema(): Promise<GraphQLSchema> {
  const stub = (Type: typeof CustomerRef | typeof ProjectRef | typeof ResourceRef) => ({
    __resolveReference: (ref: { id: string }) => entityRef(Type, ref.id),
  });
  return buildFederatedSchema(
    { resolvers: [InvoiceResolver, InvoiceLineResolver, CustomerBillingResolver, ProjectBillingResolver, BillingMutations] },
    {
      Invoice: {
        __resolveReference: async (ref: { id: string }, { reader }: SubgraphContext) => invoiceNode(await reader.load('invoice', ref.id)),
      },
      Customer: stub(CustomerRef),
      Project: stub(ProjectRef),
      Resource: stub(ResourceRef),
    },
  );
}
