import type { GraphQLSchema } from 'graphql';
import { guardReference } from '../shared/auth';
import type { SubgraphContext } from '../shared/context';
import { buildFederatedSchema } from '../shared/federation';
import { ProjectRef } from './stubs/project.stub';
import { Assignment, TimeEntry } from './resource.type';
import { ResourceMutations } from './resource.mutations';
import { AssignmentResolver, nodeOf, ProjectStaffingResolver, ResourceResolver, TimeEntryResolver } from './resource.resolver';
import { entityRef } from '../shared/node';

/** The resource subgraph: resources, assignments and time (system of record: the PSA). */
export function buildResourceSchema(): Promise<GraphQLSchema> {
  const projectCustomer = async (ctx: SubgraphContext, projectId: string | undefined) => (projectId ? (await ctx.reader.loadValue('project', projectId))?.customerId : undefined);
  const byId = (entity: 'resource' | 'assignment' | 'timeEntry', typeName: string) => ({
    __resolveReference: async (ref: { id: string }, ctx: SubgraphContext) => {
      const node = nodeOf(entity, await ctx.reader.load(entity, ref.id));
      // resources belong to the firm, not to a customer: no row-level rule; assignments and time follow their project
      await guardReference(ctx, typeName, ref.id, entity === 'resource' ? undefined : () => projectCustomer(ctx, (node as { projectId?: string } | null)?.projectId));
      return node;
    },
  });
  return buildFederatedSchema(
    {
      resolvers: [ResourceResolver, AssignmentResolver, TimeEntryResolver, ProjectStaffingResolver, ResourceMutations],
      // reachable only through Project, an entity this subgraph extends: not from Query
      orphanedTypes: [ProjectRef, Assignment, TimeEntry],
    },
    {
      Resource: byId('resource', 'Resource'),
      Assignment: byId('assignment', 'Assignment'),
      TimeEntry: byId('timeEntry', 'TimeEntry'),
      Project: {
        __resolveReference: async (ref: { id: string }, ctx: SubgraphContext) => {
          await guardReference(ctx, 'Project', ref.id, () => projectCustomer(ctx, ref.id));
          return entityRef(ProjectRef, ref.id);
        },
      },
    },
  );
}
