import { canonicalId, customerInputSchema, type Customer, type CustomerInput } from '../../canonical-schema';
import type { StepContext, WorkflowDefinition } from '../workflow';

function asCustomer(input: CustomerInput, crmAccountId: string, parentId: string | null): Customer {
  return {
    id: canonicalId('customer', crmAccountId),
    name: input.name,
    legalName: input.legalName ?? null,
    legalEntity: input.legalEntity ?? null,
    taxId: input.taxId ?? null,
    currency: input.currency,
    status: 'ACTIVE',
    billingAddress: input.billingAddress ? { ...input.billingAddress, postalCode: input.billingAddress.postalCode ?? null } : null,
    parentId,
    externalIds: [{ system: 'CRM', id: crmAccountId }],
  };
}

async function crmAccountOf(ctx: StepContext<CustomerInput>): Promise<string> {
  return (ctx.outputs['upsert-crm-account'] as { crmAccountId: string }).crmAccountId;
}

/** customer-master: canonical master data → CRM account (create or update) → ERP customer → ERP id back on the account. */
export const customerMaster: WorkflowDefinition<'customer-master'> = {
  name: 'customer-master',
  inputSchema: customerInputSchema,
  subject: (input): Record<string, string> => (input.id ? { customerId: input.id } : {}),
  steps: [
    {
      name: 'upsert-crm-account',
      system: 'CRM',
      async run(ctx) {
        const i = ctx.input;
        const crmAccountId = i.id ? await ctx.externalId('customer', i.id, 'CRM', 'customer') : null;
        const parentCrmAccountId = i.parentId ? await ctx.externalId('customer', i.parentId, 'CRM', 'parent customer') : null;
        const r = await ctx.crm.upsertAccount(
          {
            name: i.name,
            legalName: i.legalName ?? null,
            legalEntity: i.legalEntity ?? null,
            taxId: i.taxId ?? null,
            currency: i.currency,
            billingAddress: i.billingAddress ? { ...i.billingAddress, postalCode: i.billingAddress.postalCode ?? null } : null,
            parentCrmAccountId,
          },
          crmAccountId,
          { idempotencyKey: ctx.idempotencyKey },
        );
        return { crmAccountId: r.crmAccountId, parentId: i.parentId ?? null };
      },
    },
    {
      name: 'upsert-erp-customer',
      system: 'ERP',
      async run(ctx) {
        const crmAccountId = await crmAccountOf(ctx);
        return ctx.erp.upsertCustomer(asCustomer(ctx.input, crmAccountId, ctx.input.parentId ?? null), crmAccountId, {
          idempotencyKey: ctx.idempotencyKey,
        });
      },
    },
    {
      name: 'link-crm-account',
      system: 'CRM',
      async run(ctx) {
        const crmAccountId = await crmAccountOf(ctx);
        const { erpCustomerId } = ctx.outputs['upsert-erp-customer'] as { erpCustomerId: string };
        await ctx.crm.linkAccount(crmAccountId, { erpCustomerId }, { idempotencyKey: ctx.idempotencyKey });
        return { linked: true };
      },
    },
  ],
  result: (outputs) => ({ customerId: canonicalId('customer', outputs['upsert-crm-account'].crmAccountId) }),
  events: (outputs) => {
    const customerId = canonicalId('customer', outputs['upsert-crm-account'].crmAccountId);
    return [{ type: 'customer.upserted.v1', key: customerId, payload: { customerId } }];
  },
  async refresh(outputs, input, store) {
    const crmAccountId = outputs['upsert-crm-account'].crmAccountId as string;
    const c = asCustomer(input, crmAccountId, input.parentId ?? null);
    c.externalIds.push({ system: 'ERP', id: outputs['upsert-erp-customer'].erpCustomerId });
    await store.putMany('customer', [c], 'CRM');
  },
};
