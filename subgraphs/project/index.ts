import type { GraphQLSchema } from 'graphql';
import type { SubgraphContext } from '../shared/context';
import { buildFederatedSchema } from '../shared/federation';
import { ProjectMutations } from './project.mutations';
import { CustomerProjectsResolver, OpportunityProjectResolver, ProjectResolver, projectNode } from './project.resolver';
import { entityRef } from '../shared/node';
import { CustomerRef, OpportunityRef } from './stubs/customer.stub';

/** The project subgraph: projects and change orders (system of record: the ERP), and Customer.projects. */
export function buildProjectSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [ProjectResolver, CustomerProjectsResolver, OpportunityProjectResolver, ProjectMutations] },
    {
      Project: {
        __resolveReference: async (ref: { id: string }, { reader }: SubgraphContext) => projectNode(await reader.load('project', ref.id)),
      },
      Customer: { __resolveReference: (ref: { id: string }) => entityRef(CustomerRef, ref.id) },
      Opportunity: { __resolveReference: (ref: { id: string }) => entityRef(OpportunityRef, ref.id) },
    },
  );
}
