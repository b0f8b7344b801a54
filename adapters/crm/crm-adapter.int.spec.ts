/** The Salesforce client and CRM mappers against the CRM simulator: writes, collections, queryMore paging. */
import { canonicalId, customerSchema } from '../../canonical-schema';
import { startSimulatedAdapters, type SimulatedAdapters } from '../testing/simulated-adapters';
import { accountToCustomer, customerToAccountFields, opportunityConversionFields, opportunityToFields } from './crm-mapper';
import { ACCOUNT_FIELDS, accountWire, opportunityWire } from './crm-wire';

let env: SimulatedAdapters;
beforeAll(async () => {
  env = await startSimulatedAdapters({ customers: 10 });
});
afterAll(async () => {
  await env?.stop();
});
beforeEach(() => env.sim.CRM.resetCounters());

const crm = () => env.adapters.CRM;

describe('CRM writes through the reverse mappers', () => {
  it('creates an account from a canonical customer and reads the same customer back', async () => {
    const parent = env.world.crm.accounts[0].Id;
    const data = {
      name: 'Globex',
      legalName: 'Globex Corporation',
      legalEntity: 'Tandem Consulting Inc.',
      taxId: 'US-98-7654321',
      currency: 'USD',
      billingAddress: { line1: '1 Globex Way', city: 'Cypress Creek', postalCode: '90210', country: 'US' },
      status: 'PROSPECT' as const,
    };
    const { id } = await crm().client.createSObject('Account', customerToAccountFields(data, { parentAccountId: parent }), { idempotencyKey: 'globex-1' });
    const [customer] = await crm().fetchMany('customer', [id]);
    expect(customerSchema.parse(customer)).toEqual(customer);
    expect(customer).toEqual({
      ...data,
      id: canonicalId('customer', id),
      parentId: canonicalId('customer', parent),
      externalIds: [{ system: 'CRM', id }],
    });

    // the same Idempotency-Key returns the first answer and creates nothing new
    const again = await crm().client.createSObject('Account', customerToAccountFields(data), { idempotencyKey: 'globex-1' });
    expect(again.id).toBe(id);

    await crm().client.updateSObject('Account', id, { ...customerToAccountFields({ ...data, status: 'ACTIVE' }, { erpCustomerId: '4711' }) });
    const [updated] = await crm().fetchMany('customer', [id]);
    expect(updated.status).toBe('ACTIVE');
    expect(updated.externalIds).toEqual([
      { system: 'CRM', id },
      { system: 'ERP', id: '4711' },
    ]);
  });

  it('writes an opportunity and its conversion', async () => {
    const accountId = env.world.crm.accounts[0].Id;
    const { id } = await crm().client.createSObject(
      'Opportunity',
      opportunityToFields({ name: 'Globex rollout', stage: 'CLOSED_WON', amount: { amount: '98765.43', currency: 'USD' }, closeDate: '2025-06-01', serviceLine: 'Data' }, { accountId }),
    );
    await crm().client.updateSObject('Opportunity', id, opportunityConversionFields({ erpJobId: '77', psaWorkspaceId: '88' }));
    const [o] = await crm().fetchMany('opportunity', [id]);
    expect(o).toMatchObject({
      customerId: canonicalId('customer', accountId),
      stage: 'CLOSED_WON',
      amount: { amount: '98765.43', currency: 'USD' },
      projectId: canonicalId('project', '77'),
    });
    const raw = await crm().client.getSObject('Opportunity', id, opportunityWire);
    expect(raw.PSA_Workspace_Id__c).toBe('88');
  });
});

describe('sObject Collections', () => {
  it('retrieves in id order with null for unknown ids', async () => {
    const [a, b] = env.world.crm.accounts;
    const got = await crm().client.retrieveCollection('Account', [b.Id, '001Zz0000000000AAA', a.Id], ACCOUNT_FIELDS, accountWire);
    expect(got.map((r) => r?.Id ?? null)).toEqual([b.Id, null, a.Id]);
    expect(accountToCustomer(got[0]!).id).toBe(canonicalId('customer', b.Id));
  });
});

describe('SOQL queryMore paging', () => {
  it('lists more than one 2,000-record page through nextRecordsUrl', async () => {
    const before = (await crm().listAll('customer')).length;
    const records = Array.from({ length: 2000 }, (_, i) =>
      customerToAccountFields({ name: `Bulk ${i}`, legalName: null, legalEntity: null, taxId: null, currency: 'EUR', billingAddress: null, status: 'PROSPECT' }),
    );
    for (let i = 0; i < records.length; i += 200) {
      const results = await crm().client.createCollection('Account', records.slice(i, i + 200), { allOrNone: true });
      expect(results.every((r) => r.success)).toBe(true);
    }
    env.sim.CRM.resetCounters();
    const all = await crm().listAll('customer');
    expect(all).toHaveLength(before + 2000);
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    const counters = env.sim.CRM.counters().byEndpoint;
    expect(counters['GET /services/data/v60.0/query']).toBe(1);
    expect(Object.entries(counters).filter(([k]) => k.startsWith('GET /services/data/v60.0/query/')).reduce((s, [, n]) => s + n, 0)).toBe(1);
  });
});
