import { Arg, Authorized, Ctx, Directive, Mutation, Resolver } from 'type-graphql';
import { SCOPE } from '../shared/auth';
import { addMoney, changeOrderInputSchema, Decimal, idempotencyKeySchema, validate } from '../../canonical-schema';
import type { SubgraphContext } from '../shared/context';
import { PROVIDES_SYNC, SyncTransactionRef, submitSync } from '../shared/sync';
import { describe, requireEntity } from '../shared/write-checks';
import { BadInputError, RuleViolationError } from '../shared/write-errors';
import { ChangeOrderInput } from './change-order.input';

const CLOSED = new Set(['COMPLETED', 'CANCELLED']);

@Resolver()
export class ProjectMutations {
  @Authorized(SCOPE.syncWrite)
  @Directive(PROVIDES_SYNC)
  @Mutation(() => SyncTransactionRef, {
    description: 'Approves a change order: recorded on the ERP job, new budget set in the ERP and the PSA (workflow change-order). Returns the sync transaction at once (PENDING).',
  })
  async approveChangeOrder(
    @Arg('input', () => ChangeOrderInput) input: ChangeOrderInput,
    @Arg('idempotencyKey') idempotencyKey: string,
    @Ctx() ctx: SubgraphContext,
  ): Promise<SyncTransactionRef> {
    const key = validate(idempotencyKeySchema, idempotencyKey, 'idempotencyKey');
    const change = validate(changeOrderInputSchema, { ...input, budgetDelta: { ...input.budgetDelta } }, 'input');
    if (new Decimal(change.budgetDelta.amount).isZero()) {
      throw new BadInputError('input.budgetDelta.amount', 'a change order must change the budget (not 0)');
    }
    const project = await requireEntity(ctx, 'project', change.projectId, 'input.projectId', { fresh: true });
    const label = describe('Project', project.code, project.name);
    if (CLOSED.has(project.status)) {
      throw new RuleViolationError('PROJECT_CLOSED', `${label} is ${project.status}; change orders need an open project`, { argumentName: 'input' });
    }
    if (project.budget) {
      if (project.budget.currency !== change.budgetDelta.currency) {
        throw new RuleViolationError(
          'CURRENCY_MISMATCH',
          `The change order is in ${change.budgetDelta.currency} but the budget of ${label} is in ${project.budget.currency}`,
          { argumentName: 'input' },
        );
      }
      const after = addMoney(project.budget, change.budgetDelta);
      if (new Decimal(after.amount).isNegative()) {
        throw new RuleViolationError(
          'BUDGET_NEGATIVE',
          `The change order would take the budget of ${label} from ${project.budget.amount} to ${after.amount} ${after.currency}`,
          { argumentName: 'input' },
        );
      }
    }
    return submitSync(ctx, 'change-order', change, key);
  }
}
