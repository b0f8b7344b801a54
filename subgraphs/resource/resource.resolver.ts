import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { Decimal, money, type EntityType, type Money as CanonicalMoney, type TimeEntryStatus as Status } from '../../canonical-schema';
import { SCOPE } from '../shared/auth';
import { Money } from '../shared/types';
import type { CacheEntry } from '../../cache';
import { encodeCursor, pageArgs } from '../shared/connection';
import type { SubgraphContext } from '../shared/context';
import { entityNode, entityRef } from '../shared/node';
import { TimeEntryStatus } from '../shared/enums';
import { Assignment, Resource, ResourceConnection, TimeEntry, type AssignmentNode, type ResourceNode, type TimeEntryNode } from './resource.type';
import { ProjectRef } from './stubs/project.stub';

export function node<E extends EntityType>(entry: CacheEntry<E> | null) {
  return entry && { ...entry.value, freshness: entry.freshness };
}

const CLASS_OF = { resource: Resource, assignment: Assignment, timeEntry: TimeEntry } as const;

/** The resolver object for a resource, assignment or time entry (an instance of its class: see entityNode). */
export function nodeOf<E extends keyof typeof CLASS_OF>(entity: E, entry: CacheEntry<E> | null) {
  return entityNode(CLASS_OF[entity], entry);
}

async function requireResource(ctx: SubgraphContext, id: string, owner: string): Promise<ResourceNode> {
  const r = nodeOf('resource', await ctx.reader.load('resource', id));
  if (!r) throw new Error(`resource ${id} of ${owner} is not known to the PSA`);
  return r;
}

@Resolver(() => Resource)
export class ResourceResolver {
  @Authorized(SCOPE.graphRead)
  @Query(() => Resource, { nullable: true, description: 'A resource by id; null when unknown' })
  async resource(@Arg('id', () => ID) id: string, @Ctx() { reader }: SubgraphContext): Promise<ResourceNode | null> {
    return nodeOf('resource', await reader.load('resource', id));
  }

  @Authorized(SCOPE.graphRead)
  @Query(() => ResourceConnection, { description: 'Resources ordered by name, optionally those with a skill' })
  async resources(
    @Arg('skill', () => String, { nullable: true }) skill: string | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() { reader }: SubgraphContext,
  ): Promise<ResourceConnection> {
    const args = pageArgs(first, after);
    const page = await reader.page('resource', { first: args.first, after: args.after, filter: { skill: skill ?? undefined } });
    const edges = page.entries.map((e) => ({ cursor: encodeCursor({ name: e.value.name, id: e.value.id }), node: nodeOf('resource', e)! }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null }, totalCount: page.totalCount };
  }
}

@Resolver(() => Assignment)
export class AssignmentResolver {
  @FieldResolver(() => ProjectRef)
  project(@Root() a: AssignmentNode): ProjectRef {
    return entityRef(ProjectRef, a.projectId);
  }

  @FieldResolver(() => Resource)
  resource(@Root() a: AssignmentNode, @Ctx() ctx: SubgraphContext): Promise<ResourceNode> {
    return requireResource(ctx, a.resourceId, `assignment ${a.id}`);
  }

  @Authorized(SCOPE.financeRead)
  @FieldResolver(() => Money, {
    nullable: true,
    description: "Margin per hour: the bill rate less the resource's cost rate (finance:read; null with FORBIDDEN otherwise; null when either is unknown or they differ in currency)",
  })
  async margin(@Root() a: AssignmentNode, @Ctx() ctx: SubgraphContext): Promise<CanonicalMoney | null> {
    const cost = (await ctx.reader.loadValue('resource', a.resourceId))?.costRate;
    return cost && cost.currency === a.billRate.currency ? money(new Decimal(a.billRate.amount).minus(cost.amount), cost.currency) : null;
  }
}

@Resolver(() => TimeEntry)
export class TimeEntryResolver {
  @FieldResolver(() => ProjectRef)
  project(@Root() t: TimeEntryNode): ProjectRef {
    return entityRef(ProjectRef, t.projectId);
  }

  @FieldResolver(() => Resource)
  resource(@Root() t: TimeEntryNode, @Ctx() ctx: SubgraphContext): Promise<ResourceNode> {
    return requireResource(ctx, t.resourceId, `time entry ${t.id}`);
  }
}

@Resolver(() => ProjectRef)
export class ProjectStaffingResolver {
  @FieldResolver(() => [Assignment])
  async assignments(@Root() project: ProjectRef, @Ctx() { reader }: SubgraphContext): Promise<AssignmentNode[]> {
    return (await reader.children('assignment', 'projectId', project.id)).map((e) => nodeOf('assignment', e)!);
  }

  @FieldResolver(() => [TimeEntry])
  async timeEntries(
    @Root() project: ProjectRef,
    @Arg('status', () => TimeEntryStatus, { nullable: true }) status: Status | null,
    @Ctx() { reader }: SubgraphContext,
  ): Promise<TimeEntryNode[]> {
    return (await reader.children('timeEntry', 'projectId', project.id, status ? { status } : undefined)).map((e) => nodeOf('timeEntry', e)!);
  }
}
