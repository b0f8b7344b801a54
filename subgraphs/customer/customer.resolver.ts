import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { OpportunityStage as Stage } from '../../canonical-schema';
import type { CacheEntry } from '../../cache';
import { pageArgs, encodeCursor } from '../shared/connection';
import type { SubgraphContext } from '../shared/context';
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
  @Query(() => Customer, { nullable: true, description: 'A customer by id; null when no system knows it' })
  async customer(
    @Arg('id', () => ID) id: string,
    @Arg('consistency', () => Consistency, { nullable: true, defaultValue: 'CACHED' }) consistency: keyof typeof Consistency | null,
    @Ctx() { reader }: SubgraphContext,
  ): Promise<CustomerNode | null> {
    return customerNode(await reader.load('customer', id, { fresh: consistency === 'FRESH' }));
  }

  @Query(() => CustomerConnection, { description: 'Customers ordered by name, a page at a time' })
  async customers(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('filter', () => CustomerFilter, { nullable: true }) filter: CustomerFilter | null,
    @Ctx() { reader }: SubgraphContext,
  ): Promise<CustomerConnection> {
    const args = pageArgs(first, after);
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
  async parent(@Root() customer: CustomerNode, @Ctx() { reader }: SubgraphContext): Promise<CustomerNode | null> {
    return customer.parentId ? customerNode(await reader.load('customer', customer.parentId)) : null;
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
  @Query(() => Opportunity, { nullable: true, description: 'An opportunity by id; null when unknown' })
  async opportunity(@Arg('id', () => ID) id: string, @Ctx() { reader }: SubgraphContext): Promise<OpportunityNode | null> {
    return opportunityNode(await reader.load('opportunity', id));
  }

  @FieldResolver(() => Customer)
  async customer(@Root() opportunity: OpportunityNode, @Ctx() { reader }: SubgraphContext): Promise<CustomerNode> {
    const entry = await reader.load('customer', opportunity.customerId);
    if (!entry) throw new Error(`customer ${opportunity.customerId} of opportunity ${opportunity.id} is not known to any system`);
    return customerNode(entry)!;
  }
}
