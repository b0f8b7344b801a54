import { Arg, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { requireCustomer, SCOPE } from '../shared/auth';
import type { ProjectStatus as Status } from '../../canonical-schema';
import type { CacheEntry } from '../../cache';
import type { SubgraphContext } from '../shared/context';
import { entityNode, entityRef } from '../shared/node';
import { ProjectStatus } from '../shared/enums';
import { Project, type ProjectNode } from './project.type';
import { CustomerRef, OpportunityRef } from './stubs/customer.stub';

export function projectNode(entry: CacheEntry<'project'> | null): ProjectNode | null {
  return entityNode(Project, entry);
}

@Resolver(() => Project)
export class ProjectResolver {
  @Authorized(SCOPE.graphRead)
  @Query(() => Project, { nullable: true, description: 'A project by id; null when unknown' })
  async project(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<ProjectNode | null> {
    const node = projectNode(await ctx.reader.load('project', id));
    if (node) requireCustomer(ctx, node.customerId, 'Query.project', `project ${id}`);
    return node;
  }

  @FieldResolver(() => CustomerRef)
  customer(@Root() project: ProjectNode): CustomerRef {
    return entityRef(CustomerRef, project.customerId);
  }

  @FieldResolver(() => OpportunityRef, { nullable: true, description: 'The opportunity this project was sold as, if any' })
  opportunity(@Root() project: ProjectNode): OpportunityRef | null {
    return project.opportunityId ? entityRef(OpportunityRef, project.opportunityId) : null;
  }
}

@Resolver(() => CustomerRef)
export class CustomerProjectsResolver {
  @FieldResolver(() => [Project])
  async projects(
    @Root() customer: CustomerRef,
    @Arg('status', () => ProjectStatus, { nullable: true }) status: Status | null,
    @Ctx() { reader }: SubgraphContext,
  ): Promise<ProjectNode[]> {
    const entries = await reader.children('project', 'customerId', customer.id, status ? { status } : undefined);
    return entries.map((e) => projectNode(e)!);
  }
}

@Resolver(() => OpportunityRef)
export class OpportunityProjectResolver {
  @FieldResolver(() => Project, { nullable: true, description: 'The project created from this opportunity, once converted' })
  async project(@Root() opportunity: OpportunityRef, @Ctx() ctx: SubgraphContext): Promise<ProjectNode | null> {
    const opp = await ctx.reader.loadValue('opportunity', opportunity.id);
    const node = opp?.projectId ? projectNode(await ctx.reader.load('project', opp.projectId)) : null;
    if (node) requireCustomer(ctx, node.customerId, 'Opportunity.project', `project ${node.id}`);
    return node;
  }
}
