/** The CRM writer (CrmWriter) against the CRM simulator: effects read back through Salesforce's API, idempotency, refusals. */
import { canonicalId } from '../../canonical-schema';
import { startSimulatedAdapters, type SimulatedAdapters } from '../testing/simulated-adapters';
import { accountWire, opportunityWire } from './crm-wire';
import { sourceFailure } from '../../test/support/source-failure';

let env: SimulatedAdapters;
beforeAll(async () => {
  env = await startSimulatedAdapters({ customers: 10 });
});
afterAll(async () => {
  await env?.stop();
});
afterEach(() => env.sim.CRM.clearFaults());

const crm = () => env.adapters.CRM;
const sim = () => env.systems.crm;

const awaiting = () => env.world.crm.opportunities.filter((o) => o.StageName === 'Closed Won' && !o.ERP_Project_Id__c);

describe('CrmWriter reads for the sync engine', () => {
  it('reads an opportunity with its account in one call (Composite)', async () => {
    const opp = awaiting()[0];
    sim().resetCounters();
    const r = await crm().getOpportunityForConversion(opp.Id);
    expect(sim().counters().byEndpoint).toEqual({ 'POST /services/data/v60.0/composite': 1 });
    expect(r).toMatchObject({
      crmOpportunityId: opp.Id,
      crmAccountId: opp.AccountId,
      opportunity: { id: canonicalId('opportunity', opp.Id), stage: 'CLOSED_WON', customerId: canonicalId('customer', opp.AccountId!) },
      account: { id: canonicalId('customer', opp.AccountId!) },
      erpProjectId: null,
      psaWorkspaceId: null,
    });
    const account = env.world.crm.accounts.find((a) => a.Id === opp.AccountId)!;
    expect(r.erpCustomerId).toBe(account.ERP_Customer_Id__c ?? null);
  });

  it('NOT_FOUND for an unknown or malformed opportunity id, naming it', async () => {
    const err = await sourceFailure(crm().getOpportunityForConversion('006000000000000AAA'));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('Opportunity 006000000000000AAA');
    expect((await sourceFailure(crm().getOpportunityForConversion('nope'))).code).toBe('NOT_FOUND');
  });

  it('lists Closed Won opportunities without a project', async () => {
    const list = await crm().listClosedWonWithoutProject();
    expect(list.map((o) => o.crmOpportunityId).sort()).toEqual(awaiting().map((o) => o.Id).sort());
    expect(list.length).toBeGreaterThan(0);
  });

  it("lists every linked account's billing, equal to the ERP's billing positions on a fresh world", async () => {
    const [crmSide, erpSide] = await Promise.all([crm().listAccountBilling(), env.adapters.ERP.listCustomerBilling()]);
    expect(crmSide.length).toBe(env.world.crm.accounts.filter((a) => a.ERP_Customer_Id__c).length);
    const erpById = new Map(erpSide.map((b) => [b.erpCustomerId, b]));
    for (const a of crmSide) {
      const e = erpById.get(a.erpCustomerId)!;
      expect({ id: a.crmAccountId, arBalance: a.arBalance, status: a.invoiceStatus }).toEqual({ id: a.crmAccountId, arBalance: e.arBalance, status: e.latestInvoiceStatus });
    }
  });
});

describe('CrmWriter writes', () => {
  it('creates an account once per key, then updates it, links it and writes its billing', async () => {
    const data = {
      name: 'Initrode',
      legalName: 'Initrode GmbH',
      legalEntity: 'Tandem Consulting GmbH',
      taxId: 'DE123',
      currency: 'EUR',
      billingAddress: { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
    };
    const before = sim().snapshot().accounts.length;
    const { crmAccountId } = await crm().upsertAccount(data, null, { idempotencyKey: 'acct-1' });
    expect(await crm().upsertAccount(data, null, { idempotencyKey: 'acct-1' })).toEqual({ crmAccountId });
    expect(sim().snapshot().accounts.length).toBe(before + 1);

    await crm().upsertAccount({ ...data, taxId: 'DE456' }, crmAccountId, { idempotencyKey: 'acct-2' });
    await crm().linkAccount(crmAccountId, { erpCustomerId: '1999' }, { idempotencyKey: 'acct-3' });
    await crm().updateAccountBilling(crmAccountId, { arBalance: { amount: '1234.56', currency: 'EUR' }, invoiceStatus: 'OVERDUE' }, { idempotencyKey: 'acct-4' });
    const a = await crm().client.getSObject('Account', crmAccountId, accountWire);
    expect(a).toMatchObject({
      Name: 'Initrode',
      Legal_Name__c: 'Initrode GmbH',
      Legal_Entity__c: 'Tandem Consulting GmbH',
      Tax_Id__c: 'DE456',
      CurrencyIsoCode: 'EUR',
      BillingCountryCode: 'DE',
      ERP_Customer_Id__c: '1999',
      AR_Balance__c: 1234.56,
      Invoice_Status__c: 'OVERDUE',
    });
    const [listed] = (await crm().listAccountBilling()).filter((x) => x.crmAccountId === crmAccountId);
    expect(listed).toEqual({ crmAccountId, erpCustomerId: '1999', arBalance: { amount: '1234.56', currency: 'EUR' }, invoiceStatus: 'OVERDUE' });
  });

  it('refuses a bad picklist value with a REJECTED naming the field and the account', async () => {
    const account = env.world.crm.accounts[0];
    const err = await sourceFailure(
      crm().upsertAccount({ name: account.Name, legalName: null, legalEntity: null, taxId: null, currency: 'euro', billingAddress: null }, account.Id, { idempotencyKey: 'acct-bad' }),
    );
    expect(err).toMatchObject({ code: 'REJECTED', retryable: false, vendorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST' });
    expect(err.message).toContain(`Account ${account.Id} (${account.Name})`);
    expect(err.message).toContain('CurrencyIsoCode');
    expect((await crm().client.getSObject('Account', account.Id, accountWire)).CurrencyIsoCode).toBe(account.CurrencyIsoCode);
  });

  it('links an opportunity to its project and workspace; it then leaves the reconciliation list', async () => {
    const opp = awaiting()[1];
    await crm().linkOpportunity(opp.Id, { erpProjectId: '1500', psaWorkspaceId: '30500' }, { idempotencyKey: 'opp-1' });
    const o = await crm().client.getSObject('Opportunity', opp.Id, opportunityWire);
    expect(o).toMatchObject({ ERP_Project_Id__c: '1500', PSA_Workspace_Id__c: '30500' });
    expect((await crm().listClosedWonWithoutProject()).map((x) => x.crmOpportunityId)).not.toContain(opp.Id);
    expect(await crm().getOpportunityForConversion(opp.Id)).toMatchObject({ erpProjectId: '1500', psaWorkspaceId: '30500' });
  });

  it('NOT_FOUND for an unknown record; a 503 is not retried', async () => {
    expect((await sourceFailure(crm().linkAccount('001000000000000AAA', { erpCustomerId: '1' }, { idempotencyKey: 'x-1' }))).code).toBe('NOT_FOUND');
    sim().setFaults({ error5xx: true });
    sim().resetCounters();
    const err = await sourceFailure(crm().linkAccount(env.world.crm.accounts[0].Id, { erpCustomerId: '1' }, { idempotencyKey: 'x-2' }));
    expect(err).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(sim().counters().total).toBe(1);
  });
});
