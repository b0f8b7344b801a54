import type { SubgraphContext } from '../shared/context';
import { customerNode, opportunityNode } from './customer.resolver';

export const customerReferences = {
  Customer: {
    __resolveReference: async (ref: { id: string }, { reader }: SubgraphContext) => customerNode(await reader.load('customer', ref.id)),
  },
  Opportunity: {
    __resolveReference: async (ref: { id: string }, { reader }: SubgraphContext) => opportunityNode(await reader.load('opportunity', ref.id)),
  },
};
