import { addMoney, changeOrderInputSchema, CurrencyMismatchError, type Money } from '../../canonical-schema';
import { StepFailure } from '../errors';
import type { WorkflowDefinition } from '../workflow';

/**
 * change-order: the change order is recorded on the ERP job and the new budget is
 * computed once (kept in the context); ERP and PSA budgets are then set to that
 * absolute amount, so a retried step can never add the delta twice.
 */
export const changeOrder: WorkflowDefinition<'change-order'> = {
  name: 'change-order',
  inputSchema: changeOrderInputSchema,
  subject: (input) => ({ projectId: input.projectId }),
  steps: [
    {
      name: 'create-erp-change-order',
      system: 'ERP',
      async run(ctx) {
        const erpJobId = await ctx.externalId('project', ctx.input.projectId, 'ERP', 'project');
        const current = await ctx.erp.getProjectBudget(erpJobId);
        const delta = ctx.input.budgetDelta as Money;
        let budget: Money;
        try {
          budget = current.budget ? addMoney(current.budget, delta) : delta;
        } catch (e) {
          if (!(e instanceof CurrencyMismatchError)) throw e;
          throw new StepFailure('INVALID_INPUT', `the change order is in ${delta.currency} but ERP job ${erpJobId} is budgeted in ${current.budget!.currency}`, {
            remediation: `Submit the change order in ${current.budget!.currency}`,
          });
        }
        if (budget.amount.startsWith('-')) {
          throw new StepFailure('INVALID_INPUT', `the change order would make the budget of ERP job ${erpJobId} negative (${budget.amount} ${budget.currency})`, {
            remediation: 'Submit a smaller reduction',
          });
        }
        const { erpChangeOrderId } = await ctx.erp.createChangeOrder(
          erpJobId,
          { description: ctx.input.description, amount: delta, approvedAt: new Date().toISOString() },
          { idempotencyKey: ctx.idempotencyKey },
        );
        return { erpJobId, erpChangeOrderId, previousBudget: current.budget, budget };
      },
    },
    {
      name: 'set-erp-budget',
      system: 'ERP',
      async run(ctx) {
        const { erpJobId, budget } = ctx.outputs['create-erp-change-order'];
        await ctx.erp.setProjectBudget(erpJobId, budget, { idempotencyKey: ctx.idempotencyKey });
        return { budget };
      },
    },
    {
      name: 'set-psa-budget',
      system: 'PSA',
      async run(ctx) {
        const { budget } = ctx.outputs['create-erp-change-order'];
        const psaWorkspaceId = await ctx.externalId('project', ctx.input.projectId, 'PSA', 'project workspace');
        await ctx.psa.setWorkspaceBudget(psaWorkspaceId, budget, { idempotencyKey: ctx.idempotencyKey });
        return { psaWorkspaceId, budget };
      },
    },
  ],
  result: (outputs, input) => ({ projectId: input.projectId, budget: outputs['create-erp-change-order'].budget }),
  async refresh(_outputs, input, store) {
    await store.markStale('project', [input.projectId]);
  },
};
