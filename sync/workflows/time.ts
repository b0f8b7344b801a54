import { z } from 'zod';
import { canonicalId, timeEntryInputSchema, type TimeEntry } from '../../canonical-schema';
import type { WorkflowDefinition } from '../workflow';

/** time-submission: time entries created in the PSA (submitted), all or none. */
export const timeSubmission: WorkflowDefinition<'time-submission'> = {
  name: 'time-submission',
  inputSchema: z.object({ entries: z.array(timeEntryInputSchema).min(1, 'must hold at least one entry').max(500, 'must hold at most 500 entries') }),
  subject: (input): Record<string, string> => {
    const projects = [...new Set(input.entries.map((e) => e.projectId))];
    const resources = [...new Set(input.entries.map((e) => e.resourceId))];
    return { ...(projects.length === 1 ? { projectId: projects[0] } : {}), ...(resources.length === 1 ? { resourceId: resources[0] } : {}) };
  },
  steps: [
    {
      name: 'create-psa-time-entries',
      system: 'PSA',
      async run(ctx) {
        const entries = [];
        for (const e of ctx.input.entries) {
          entries.push({
            psaUserId: await ctx.externalId('resource', e.resourceId, 'PSA', 'resource'),
            psaWorkspaceId: await ctx.externalId('project', e.projectId, 'PSA', 'project workspace'),
            date: e.date,
            hours: e.hours,
            billable: e.billable,
            notes: e.notes ?? null,
          });
        }
        return ctx.psa.createTimeEntries(entries, { idempotencyKey: ctx.idempotencyKey });
      },
    },
  ],
  result: (outputs) => ({
    timeEntryIds: (outputs['create-psa-time-entries'].psaTimeEntryIds as string[]).map((id) => canonicalId('timeEntry', id)),
  }),
  async refresh(outputs, _input, store) {
    await store.putMany('timeEntry', outputs['create-psa-time-entries'].entries as TimeEntry[], 'PSA');
  },
};

/** time-approval: time entries set to approved in the PSA. */
export const timeApproval: WorkflowDefinition<'time-approval'> = {
  name: 'time-approval',
  inputSchema: z.object({ ids: z.array(z.string().trim().min(1)).min(1, 'must hold at least one id').max(1000, 'must hold at most 1000 ids') }),
  subject: () => ({}),
  steps: [
    {
      name: 'approve-psa-time-entries',
      system: 'PSA',
      async run(ctx) {
        const psaIds = [];
        for (const id of ctx.input.ids) psaIds.push(await ctx.externalId('timeEntry', id, 'PSA', 'time entry'));
        const r = await ctx.psa.approveTimeEntries(psaIds, { idempotencyKey: ctx.idempotencyKey });
        return { psaTimeEntryIds: psaIds, entries: r.entries };
      },
    },
  ],
  result: (_outputs, input) => ({ timeEntryIds: input.ids }),
  async refresh(outputs, _input, store) {
    await store.putMany('timeEntry', outputs['approve-psa-time-entries'].entries as TimeEntry[], 'PSA');
  },
};
