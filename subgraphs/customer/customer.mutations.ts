import { Arg, Authorized, Ctx, Directive, ID, Mutation, Resolver } from 'type-graphql';
import { SCOPE } from '../shared/auth';
import { customerInputSchema, idempotencyKeySchema, validate } from '../../canonical-schema';
import type { SubgraphContext } from '../shared/context';
import { PROVIDES_SYNC, SyncTransactionRef, submitSync } from '../shared/sync';
import { describe, requireEntity } from '../shared/write-checks';
import { BadInputError, RuleViolationError } from '../shared/write-errors';
import { CustomerInput } from './customer.input';

@Resolver()
export class CustomerMutations {
  @Authorized(SCOPE.syncWrite)
  @Directive(PROVIDES_SYNC)
  @Mutation(() => SyncTransactionRef, {
    description: 'Creates or updates a customer: the CRM account (master data), then the ERP customer (workflow customer-master). Returns the sync transaction at once (PENDING).',
  })
  async upsertCustomer(
    @Arg('input', () => CustomerInput) input: CustomerInput,
    @Arg('idempotencyKey') idempotencyKey: string,
    @Ctx() ctx: SubgraphContext,
  ): Promise<SyncTransactionRef> {
    const key = validate(idempotencyKeySchema, idempotencyKey, 'idempotencyKey');
    const customer = validate(customerInputSchema, { ...input, billingAddress: input.billingAddress ? { ...input.billingAddress } : input.billingAddress }, 'input');
    if (customer.id) await requireEntity(ctx, 'customer', customer.id, 'input.id');
    if (customer.parentId) {
      if (customer.parentId === customer.id) throw new BadInputError('input.parentId', 'a customer cannot be its own parent');
      await requireEntity(ctx, 'customer', customer.parentId, 'input.parentId');
    }
    return submitSync(ctx, 'customer-master', customer, key);
  }

  @Authorized(SCOPE.syncWrite)
  @Directive(PROVIDES_SYNC)
  @Mutation(() => SyncTransactionRef, {
    description:
      'Turns a Closed Won opportunity into a project: ERP customer and job, PSA workspace, ids written back to the CRM (workflow opportunity-to-project). Returns the sync transaction at once (PENDING).',
  })
  async convertOpportunity(
    @Arg('opportunityId', () => ID) opportunityId: string,
    @Arg('idempotencyKey') idempotencyKey: string,
    @Ctx() ctx: SubgraphContext,
  ): Promise<SyncTransactionRef> {
    const key = validate(idempotencyKeySchema, idempotencyKey, 'idempotencyKey');
    // The stage decides. A cached CLOSED_WON row is enough to accept: the workflow's
    // first step (load-opportunity) checks the stage and the master data against the
    // CRM anyway, and dead-letters with a remediation if the deal was reopened. A
    // refusal is only given on the CRM's word (a cached row at another stage is read
    // again: the deal may have been won since); a cache miss reads the CRM.
    let opportunity = await requireEntity(ctx, 'opportunity', opportunityId, 'opportunityId');
    if (opportunity.stage !== 'CLOSED_WON') opportunity = await requireEntity(ctx, 'opportunity', opportunityId, 'opportunityId', { fresh: true });
    if (opportunity.stage !== 'CLOSED_WON') {
      throw new RuleViolationError(
        'OPPORTUNITY_NOT_CLOSED_WON',
        `${describe('Opportunity', opportunity.id, opportunity.name)} is at stage ${opportunity.stage}; only a CLOSED_WON opportunity can be converted to a project`,
        { argumentName: 'opportunityId', stage: opportunity.stage },
      );
    }
    return submitSync(ctx, 'opportunity-to-project', { opportunityId: opportunity.id }, key);
  }
}
