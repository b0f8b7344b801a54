import type { GraphQLSchema } from 'graphql';
import type { SubgraphContext } from '../shared/context';
import { buildFederatedSchema } from '../shared/federation';
import { ProjectRef } from './stubs/project.stub';
import { Assignment, TimeEntry } from './resource.type';
import { ResourceMutations } from './resource.mutations';
import { AssignmentResolver, nodeOf, ProjectStaffingResolver, ResourceResolver, TimeEntryResolver } from './resource.resolver';
import { entityRef } from '../shared/node';

/** The resource subgraph: resources, assignments and time (system of record: the PSA). */
export function buildResourceSchema(): Promise<GraphQLSchema> {
  const byId = (entity: 'resource' | 'assignment' | 'timeEntry') => ({
    __resolveReference: async (ref: { id: string }, { reader }: SubgraphContext) => nodeOf(entity, await reader.load(entity, ref.id)),
  });
  return buildFederatedSchema(
    {
      resolvers: [ResourceResolver, AssignmentResolver, TimeEntryResolver, ProjectStaffingResolver, ResourceMutations],
      // reachable only through Project, an entity this subgraph extends: not from Query
      orphanedTypes: [ProjectRef, Assignment, TimeEntry],
    },
    {
      Resource: byId('resource'),
      Assignment: byId('assignment'),
      TimeEntry: byId('timeEntry'),
      Project: { __resolveReference: (ref: { id: string }) => entityRef(ProjectRef, ref.id) },
    },
  );
}
