import { assignmentInputSchema, canonicalId, type Assignment, type Money } from '../../canonical-schema';
import { StepFailure } from '../errors';
import type { WorkflowDefinition } from '../workflow';
import { checkStaffing } from './staffing-check';

/** staffing: the staffing rules on the PSA's facts (refused with a clear reason), then the assignment. */
export const staffing: WorkflowDefinition<'staffing'> = {
  name: 'staffing',
  inputSchema: assignmentInputSchema,
  subject: (input) => ({ projectId: input.projectId, resourceId: input.resourceId }),
  steps: [
    {
      name: 'check-staffing',
      system: 'PSA',
      async run(ctx) {
        const psaUserId = await ctx.externalId('resource', ctx.input.resourceId, 'PSA', 'resource');
        const psaWorkspaceId = await ctx.externalId('project', ctx.input.projectId, 'PSA', 'project workspace');
        const facts = await ctx.psa.staffingFacts(psaUserId, psaWorkspaceId);
        // cost rates of the people already staffed, where the cache knows them
        const cached = await ctx.store.getMany('resource', [...new Set(facts.workspaceAssignments.map((a) => a.resourceId))]);
        const decision = checkStaffing(facts, { plannedHours: ctx.input.plannedHours, billRate: ctx.input.billRate ?? null }, {
          costRateOf: (a: Assignment) => cached.get(a.resourceId)?.value.costRate ?? null,
        });
        if (!decision.ok) {
          throw new StepFailure('STAFFING_REFUSED', `staffing refused (${decision.code}): ${decision.reason}`, {
            remediation: `Change the request (hours, bill rate) or the project (budget, dates) and submit again; the PSA workspace is ${psaWorkspaceId}`,
          });
        }
        return { psaUserId, psaWorkspaceId, billRate: decision.billRate, plannedCost: decision.plannedCost };
      },
    },
    {
      name: 'create-psa-assignment',
      system: 'PSA',
      async run(ctx) {
        const c = ctx.outputs['check-staffing'] as { psaUserId: string; psaWorkspaceId: string; billRate: Money };
        return ctx.psa.createAssignment(
          { psaWorkspaceId: c.psaWorkspaceId, psaUserId: c.psaUserId, role: ctx.input.role, plannedHours: ctx.input.plannedHours, billRate: c.billRate },
          { idempotencyKey: ctx.idempotencyKey },
        );
      },
    },
  ],
  result: (outputs) => ({ assignmentId: canonicalId('assignment', outputs['create-psa-assignment'].psaAssignmentId) }),
  async refresh(outputs, _input, store) {
    await store.putMany('assignment', [outputs['create-psa-assignment'].assignment as Assignment], 'PSA');
  },
};
