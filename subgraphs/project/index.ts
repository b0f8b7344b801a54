import type { GraphQLSchema } from 'graphql';
import { guardReference } from '../shared/auth';
import type { SubgraphContext } from '../shared/context';
import { buildFederatedSchema } from '../shared/federation';
import { ProjectMutations } from './project.mutations';
import { ProjectSubscriptionResolver } from './project.subscription';
import { gatewayServedPubSub } from '../shared/subscriptions';
import { CustomerProjectsResolver, OpportunityProjectResolver, ProjectResolver, projectNode } from './project.resolver';
import { entityRef } from '../shared/node';
import { CustomerRef, OpportunityRef } from './stubs/customer.stub';

/** The project subgraph: projects and change orders (system of record: the ERP), and Customer.projects. */
export function buildProjectSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [ProjectResolver, CustomerProjectsResolver, OpportunityProjectResolver, ProjectMutations, ProjectSubscriptionResolver], pubSub: gatewayServedPubSub },
    {
      Project: {
        __resolveReference: async (ref: { id: string }, ctx: SubgraphContext) => {
          const node = projectNode(await ctx.reader.load('project', ref.id));
          await guardReference(ctx, 'Project', ref.id, async () => node?.customerId);
          return node;
        },
      },
      Customer: {
        __resolveReference: async (ref: { id: string }, ctx: SubgraphContext) => {
          await guardReference(ctx, 'Customer', ref.id, async () => ref.id);
          return entityRef(CustomerRef, ref.id);
        },
      },
      Opportunity: {
        __resolveReference: async (ref: { id: string }, ctx: SubgraphContext) => {
          await guardReference(ctx, 'Opportunity', ref.id, async () => (await ctx.reader.loadValue('opportunity', ref.id))?.customerId);
          return entityRef(OpportunityRef, ref.id);
        },
      },
    },
  );
}
