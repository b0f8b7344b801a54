import type { GraphQLSchema } from 'graphql';
import { guardReference } from '../shared/auth';
import type { SubgraphContext } from '../shared/context';
import { buildFederatedSchema } from '../shared/federation';
import { entityRef } from '../shared/node';
import { CustomerRef, ProjectRef, ResourceRef } from './stubs/refs.stub';
import { BillingMutations } from './billing.mutations';
import { InvoiceSubscriptionResolver } from './invoice.subscription';
import { gatewayServedPubSub } from '../shared/subscriptions';
import { CustomerBillingResolver, InvoiceLineResolver, InvoiceResolver, invoiceNode, ProjectBillingResolver } from './invoice.resolver';

/** The billing subgraph: invoices (system of record: the ERP), receivables and unbilled work. */
export function buildBillingSchema(): Promise<GraphQLSchema> {
  type Ctx = SubgraphContext;
  const stub = (Type: typeof CustomerRef | typeof ProjectRef | typeof ResourceRef, customerIdOf?: (id: string, ctx: Ctx) => Promise<string | null | undefined>) => ({
    __resolveReference: async (ref: { id: string }, ctx: Ctx) => {
      await guardReference(ctx, Type.name.replace(/Ref$/, ''), ref.id, customerIdOf && (() => customerIdOf(ref.id, ctx)));
      return entityRef(Type, ref.id);
    },
  });
  return buildFederatedSchema(
    { resolvers: [InvoiceResolver, InvoiceLineResolver, CustomerBillingResolver, ProjectBillingResolver, BillingMutations, InvoiceSubscriptionResolver], pubSub: gatewayServedPubSub },
    {
      Invoice: {
        __resolveReference: async (ref: { id: string }, ctx: Ctx) => {
          const node = invoiceNode(await ctx.reader.load('invoice', ref.id));
          await guardReference(ctx, 'Invoice', ref.id, async () => node?.customerId);
          return node;
        },
      },
      Customer: stub(CustomerRef, async (id) => id),
      Project: stub(ProjectRef, async (id, ctx) => (await ctx.reader.loadValue('project', id))?.customerId),
      Resource: stub(ResourceRef),
    },
  );
}
