import { z } from 'zod';
import type { OpportunityForConversion } from '../../adapters/writes';
import { canonicalId, type Customer, type Project } from '../../canonical-schema';
import { StepFailure } from '../errors';
import type { StepContext, WorkflowDefinition } from '../workflow';

type Input = { opportunityId: string };

/** The CRM field a person fixes for each piece of master data a conversion needs. */
const MASTER_DATA_FIELDS: { field: keyof Customer; crmField: string; what: string }[] = [
  { field: 'legalEntity', crmField: 'Legal_Entity__c', what: 'legal entity' },
  { field: 'taxId', crmField: 'Tax_Id__c', what: 'tax id' },
  { field: 'currency', crmField: 'CurrencyIsoCode', what: 'currency' },
  { field: 'billingAddress', crmField: 'BillingStreet, BillingCity and BillingCountryCode', what: 'billing address' },
];

/** The master-data fields a conversion needs that the account lacks. */
export function missingMasterData(account: Customer): { crmField: string; what: string }[] {
  return MASTER_DATA_FIELDS.filter((f) => account[f.field] === null || account[f.field] === '').map(({ crmField, what }) => ({ crmField, what }));
}

type Loaded = OpportunityForConversion;

function loaded(ctx: StepContext<Input>): Loaded {
  return ctx.outputs['load-opportunity'] as Loaded;
}

/**
 * opportunity-to-project: a Closed Won opportunity becomes an ERP customer (upsert),
 * an ERP job, a PSA workspace, linked both ways and back onto the CRM opportunity.
 */
export const opportunityToProject: WorkflowDefinition<'opportunity-to-project'> = {
  name: 'opportunity-to-project',
  inputSchema: z.object({ opportunityId: z.string().trim().min(1, 'must not be empty') }),
  subject: (input) => ({ opportunityId: input.opportunityId }),
  steps: [
    {
      name: 'load-opportunity',
      system: 'CRM',
      async run(ctx) {
        const crmId = await ctx.externalId('opportunity', ctx.input.opportunityId, 'CRM', 'opportunity');
        const o = await ctx.crm.getOpportunityForConversion(crmId);
        if (o.opportunity.stage !== 'CLOSED_WON') {
          throw new StepFailure('NOT_CLOSED_WON', `CRM Opportunity ${o.crmOpportunityId} (${o.opportunity.name}) is ${o.opportunity.stage}, not Closed Won`, {
            remediation: `Set StageName to "Closed Won" on CRM Opportunity ${o.crmOpportunityId} (${o.opportunity.name}) when the deal is won, then replay the transaction`,
          });
        }
        const missing = missingMasterData(o.account);
        if (missing.length > 0) {
          const fields = missing.map((m) => m.crmField).join('; ');
          const label = `CRM Account ${o.crmAccountId} (${o.account.name})`;
          throw new StepFailure(
            'MASTER_DATA_INCOMPLETE',
            `${label} lacks master data a project needs: ${missing.map((m) => m.what).join(', ')}`,
            {
              remediation: `${fields} ${missing.length === 1 && !fields.includes(',') ? 'is' : 'are'} empty on ${label}: set ${missing.length === 1 ? 'it' : 'them'} in the CRM, then replay the transaction`,
            },
          );
        }
        return o;
      },
    },
    {
      name: 'upsert-erp-customer',
      system: 'ERP',
      async run(ctx) {
        const o = loaded(ctx);
        return ctx.erp.upsertCustomer(o.account, o.crmAccountId, { idempotencyKey: ctx.idempotencyKey });
      },
    },
    {
      name: 'create-erp-project',
      system: 'ERP',
      async run(ctx) {
        const o = loaded(ctx);
        const { erpCustomerId } = ctx.outputs['upsert-erp-customer'] as { erpCustomerId: string };
        return ctx.erp.createProject(
          {
            crmOpportunityId: o.crmOpportunityId,
            erpCustomerId,
            name: o.opportunity.name,
            budget: o.opportunity.amount,
            contractType: 'TIME_AND_MATERIALS',
            startDate: o.opportunity.closeDate,
            endDate: null,
          },
          { idempotencyKey: ctx.idempotencyKey },
        );
      },
      async compensate(ctx, output: { erpJobId: string }) {
        await ctx.erp.cancelProject(output.erpJobId, `conversion ${ctx.transactionId} failed after the project was created`, {
          idempotencyKey: ctx.idempotencyKey,
        });
      },
    },
    {
      name: 'create-psa-workspace',
      system: 'PSA',
      async run(ctx) {
        const o = loaded(ctx);
        const { erpJobId } = ctx.outputs['create-erp-project'] as { erpJobId: string };
        return ctx.psa.createWorkspace(
          { erpJobId, title: o.opportunity.name, budget: o.opportunity.amount, startDate: o.opportunity.closeDate, endDate: null },
          { idempotencyKey: ctx.idempotencyKey },
        );
      },
      async compensate(ctx, output: { psaWorkspaceId: string }) {
        await ctx.psa.cancelWorkspace(output.psaWorkspaceId, { idempotencyKey: ctx.idempotencyKey });
      },
    },
    {
      name: 'link-erp-project',
      system: 'ERP',
      async run(ctx) {
        const { erpJobId } = ctx.outputs['create-erp-project'] as { erpJobId: string };
        const { psaWorkspaceId } = ctx.outputs['create-psa-workspace'] as { psaWorkspaceId: string };
        await ctx.erp.linkProjectWorkspace(erpJobId, psaWorkspaceId, { idempotencyKey: ctx.idempotencyKey });
        return { linked: true };
      },
    },
    {
      name: 'link-crm-opportunity',
      system: 'CRM',
      async run(ctx) {
        const o = loaded(ctx);
        const { erpCustomerId } = ctx.outputs['upsert-erp-customer'] as { erpCustomerId: string };
        const { erpJobId } = ctx.outputs['create-erp-project'] as { erpJobId: string };
        const { psaWorkspaceId } = ctx.outputs['create-psa-workspace'] as { psaWorkspaceId: string };
        await ctx.crm.linkOpportunity(o.crmOpportunityId, { erpProjectId: erpJobId, psaWorkspaceId }, { idempotencyKey: `${ctx.idempotencyKey}:1` });
        if (o.erpCustomerId !== erpCustomerId) {
          await ctx.crm.linkAccount(o.crmAccountId, { erpCustomerId }, { idempotencyKey: `${ctx.idempotencyKey}:2` });
        }
        return { linked: true };
      },
    },
  ],
  result(outputs) {
    const o = outputs['load-opportunity'] as Loaded;
    return {
      projectId: canonicalId('project', outputs['create-erp-project'].erpJobId),
      customerId: canonicalId('customer', o.crmAccountId),
      opportunityId: canonicalId('opportunity', o.crmOpportunityId),
      projectCode: outputs['create-erp-project'].code,
    };
  },
  events(outputs) {
    const o = outputs['load-opportunity'] as Loaded;
    const projectId = canonicalId('project', outputs['create-erp-project'].erpJobId);
    return [
      {
        type: 'project.created.v1',
        key: projectId,
        payload: {
          projectId,
          customerId: canonicalId('customer', o.crmAccountId),
          opportunityId: canonicalId('opportunity', o.crmOpportunityId),
          code: outputs['create-erp-project'].code,
        },
      },
    ];
  },
  async refresh(outputs, _input, store) {
    const o = outputs['load-opportunity'] as Loaded;
    const { erpCustomerId } = outputs['upsert-erp-customer'] as { erpCustomerId: string };
    const { erpJobId, code } = outputs['create-erp-project'] as { erpJobId: string; code: string };
    const { psaWorkspaceId } = outputs['create-psa-workspace'] as { psaWorkspaceId: string };
    const projectId = canonicalId('project', erpJobId);
    const customerId = canonicalId('customer', o.crmAccountId);
    const project: Project = {
      id: projectId,
      code,
      name: o.opportunity.name,
      customerId,
      opportunityId: canonicalId('opportunity', o.crmOpportunityId),
      status: 'PLANNED',
      contractType: 'TIME_AND_MATERIALS',
      budget: o.opportunity.amount,
      startDate: o.opportunity.closeDate,
      endDate: null,
      changeOrders: [],
      externalIds: [
        { system: 'ERP', id: erpJobId },
        { system: 'PSA', id: psaWorkspaceId },
      ],
    };
    await store.putMany('project', [project], 'ERP');
    await store.putMany('opportunity', [{ ...o.opportunity, id: canonicalId('opportunity', o.crmOpportunityId), projectId }], 'CRM');
    const ids = [...o.account.externalIds.filter((x) => x.system !== 'ERP'), { system: 'ERP' as const, id: erpCustomerId }];
    await store.putMany('customer', [{ ...o.account, id: customerId, externalIds: ids }], 'CRM');
  },
};
