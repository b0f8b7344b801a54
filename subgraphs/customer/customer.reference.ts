import { guardReference } from '../shared/auth';
import type { SubgraphContext } from '../shared/context';
import { customerNode, opportunityNode } from './customer.resolver';

export const customerReferences = {
  Customer: {
    __resolveReference: async (ref: { id: string }, ctx: SubgraphContext) => {
      await guardReference(ctx, 'Customer', ref.id, async () => ref.id);
      return customerNode(await ctx.reader.load('customer', ref.id));
    },
  },
  Opportunity: {
    __resolveReference: async (ref: { id: string }, ctx: SubgraphContext) => {
      const node = opportunityNode(await ctx.reader.load('opportunity', ref.id));
      await guardReference(ctx, 'Opportunity', ref.id, async () => node?.customerId);
      return node;
    },
  },
};
