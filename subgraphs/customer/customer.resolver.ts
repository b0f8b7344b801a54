import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { OpportunityStage as Stage } from '../../canonical-schema';
import type { CacheEntry } from '../../cache';
import { pageArgs, encodeCursor } from '../shared/connection';
import type { SubgraphContext } from '../shared/context';
import { requireCustomer, SCOPE } from '../shared/auth';
import { entityNode } from '../shared/node';
import { Consistency, OpportunityStage } from '../shared/enums';
import { Customer, CustomerConnection, type CustomerNode } from './customer.type';
import { CustomerFilter } from './customer-filter.input';
import { Opportunity, type OpportunityNode } from './opportunity.type';

export function customerNode(entry: CacheEntry<'customer'> | null): CustomerNode | null {
  return entityNode(Customer, entry);
}

export function opportunityNode(entry: CacheEntry<'opportunity'> | null): OpportunityNode | null {
  return entityNode(Opportunity, entry);
}

@Resolver(() => Customer)
export class CustomerResolver {
  @Authorized(SCOPE.graphRead)
  @Query(() => Customer, { nullable: true, description: 'A customer by id; null when no system knows it' })
  async customer(
    @Arg('id', () => ID) id: string,
    @Arg('consistency', () => Consistency, { nullable: true, defaultValue: 'CACHED' }) consistency: keyof typeof Consistency | null,
    @Ctx() ctx: SubgraphContext,
  ): Promise<CustomerNode | null> {
    requireCustomer(ctx, id, 'Query.customer', `customer ${id}`);
    return customerNode(await ctx.reader.load('customer', id, { fresh: consistency === 'FRESH' }));
  }

  @Authorized(SCOPE.graphRead)
  @Query(() => CustomerConnection, { description: "Customers ordered by name, a page at a time (a portal token: its own customer only)" })
  async customers(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('filter', () => CustomerFilter, { nullable: true }) filter: CustomerFilter | null,
    @Ctx() ctx: SubgraphContext,
  ): Promise<CustomerConnection> {
    const { reader } = ctx;
    const args = pageArgs(first, after);
    if (ctx.principal.rowLevel) return ownCustomerPage(ctx, args.first, args.after !== null, filter);
    const page = await reader.page('customer', {
      first: args.first,
      after: args.after,
      filter: {
        status: filter?.status ?? undefined,
        currency: filter?.currency ?? undefined,
        nameContains: filter?.nameContains ?? undefined,
      },
    });
    const edges = page.entries.map((e) => ({ cursor: encodeCursor({ name: e.value.name, id: e.value.id }), node: customerNode(e)! }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: page.totalCount,
    };
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'The parent account in a customer hierarchy' })
  async parent(@Root() customer: CustomerNode, @Ctx() ctx: SubgraphContext): Promise<CustomerNode | null> {
    if (!customer.parentId) return null;
    requireCustomer(ctx, customer.parentId, 'Customer.parent', `customer ${customer.parentId}`);
    return customerNode(await ctx.reader.load('customer', customer.parentId));
  }

  @FieldResolver(() => [Opportunity])
  async opportunities(
    @Root() customer: CustomerNode,
    @Arg('stage', () => OpportunityStage, { nullable: true }) stage: Stage | null,
    @Ctx() { reader }: SubgraphContext,
  ): Promise<OpportunityNode[]> {
    const entries = await reader.children('opportunity', 'customerId', customer.id, stage ? { stage } : undefined);
    return entries.map((e) => opportunityNode(e)!);
  }
}

@Resolver(() => Opportunity)
export class OpportunityResolver {
  @Authorized(SCOPE.graphRead)
  @Query(() => Opportunity, { nullable: true, description: 'An opportunity by id; null when unknown' })
  async opportunity(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<OpportunityNode | null> {
    const node = opportunityNode(await ctx.reader.load('opportunity', id));
    if (node) requireCustomer(ctx, node.customerId, 'Query.opportunity', `opportunity ${id}`);
    return node;
  }

  @FieldResolver(() => Customer)
  async customer(@Root() opportunity: OpportunityNode, @Ctx() { reader }: SubgraphContext): Promise<CustomerNode> {
    const entry = await reader.load('customer', opportunity.customerId);
    if (!entry) throw new Error(`customer ${opportunity.customerId} of opportunity ${opportunity.id} is not known to any system`);
    return customerNode(entry)!;
  }
}

/**
 * `customers` for a portal token: its own customer, if it matches the filter,
 * on the first page (the row-level rule: no other customer is listed).
 */
async function ownCustomerPage(ctx: SubgraphContext, first: number, paged: boolean, filter: CustomerFilter | null): Promise<CustomerConnection> {
  const own = ctx.principal.customerId ? customerNode(await ctx.reader.load('customer', ctx.principal.customerId)) : null;
  const matches =
    !!own &&
    (!filter?.status || own.status === filter.status) &&
    (!filter?.currency || own.currency === filter.currency) &&
    (!filter?.nameContains || own.name.toLowerCase().includes(filter.nameContains.toLowerCase()));
  const edges = matches && !paged && first > 0 ? [{ cursor: encodeCursor({ name: own.name, id: own.id }), node: own }] : [];
  return { edges, pageInfo: { hasNextPage: false, endCursor: edges.at(-1)?.cursor ?? null }, totalCount: matches ? 1 : 0 };
}
