import { canonicalId, customerSchema, opportunitySchema } from '../../canonical-schema';
import { SourceError } from '../http/source-error';
import {
  ACCOUNT_TYPE,
  OPPORTUNITY_STAGE,
  accountBillingFields,
  accountToCustomer,
  customerToAccountFields,
  opportunityConversionFields,
  opportunityToCanonical,
  opportunityToFields,
} from './crm-mapper';
import { accountWire, opportunityWire, type AccountWire, type OpportunityWire } from './crm-wire';

const ACC = '001Hs0000000001AAA';
const PARENT = '001Hs0000000002AAA';
const OPP = '006Hs0000000001AAA';

function account(over: Partial<AccountWire> = {}): AccountWire {
  return accountWire.parse({
    attributes: { type: 'Account', url: `/services/data/v60.0/sobjects/Account/${ACC}` },
    Id: ACC,
    Name: 'Acme',
    Legal_Name__c: 'Acme Corporation',
    Legal_Entity__c: 'Tandem Consulting Inc.',
    Tax_Id__c: 'US-12-3456789',
    CurrencyIsoCode: 'USD',
    BillingStreet: '1 Main St',
    BillingCity: 'Springfield',
    BillingPostalCode: '12345',
    BillingCountryCode: 'US',
    ParentId: null,
    Type: 'Customer',
    ERP_Customer_Id__c: '17',
    AR_Balance__c: 1200.5,
    Invoice_Status__c: null,
    LastModifiedDate: '2025-01-01T00:00:00.000+0000',
    ...over,
  });
}

function opportunity(over: Partial<OpportunityWire> = {}): OpportunityWire {
  return opportunityWire.parse({
    attributes: { type: 'Opportunity' },
    Id: OPP,
    Name: 'Acme — data platform',
    AccountId: ACC,
    StageName: 'Closed Won',
    Amount: 125000.1,
    CurrencyIsoCode: 'USD',
    CloseDate: '2025-02-03',
    Service_Line__c: 'Data',
    ERP_Project_Id__c: '42',
    PSA_Workspace_Id__c: '7',
    ...over,
  });
}

describe('accountToCustomer', () => {
  it('maps every field, anchored on the Account Id, with CRM and ERP external ids', () => {
    const c = accountToCustomer(account());
    expect(customerSchema.parse(c)).toEqual(c);
    expect(c).toEqual({
      id: canonicalId('customer', ACC),
      name: 'Acme',
      legalName: 'Acme Corporation',
      legalEntity: 'Tandem Consulting Inc.',
      taxId: 'US-12-3456789',
      currency: 'USD',
      status: 'ACTIVE',
      billingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
      parentId: null,
      externalIds: [
        { system: 'CRM', id: ACC },
        { system: 'ERP', id: '17' },
      ],
    });
  });

  it('maps the parent and a prospect without ERP id or address', () => {
    const c = accountToCustomer(
      account({ ParentId: PARENT, Type: 'Prospect', ERP_Customer_Id__c: null, BillingStreet: null, Tax_Id__c: null }),
    );
    expect(c.parentId).toBe(canonicalId('customer', PARENT));
    expect(c.status).toBe('PROSPECT');
    expect(c.billingAddress).toBeNull();
    expect(c.taxId).toBeNull();
    expect(c.externalIds).toEqual([{ system: 'CRM', id: ACC }]);
  });

  it.each([
    ['Prospect', 'PROSPECT'],
    ['Customer', 'ACTIVE'],
    ['Customer - On Hold', 'ON_HOLD'],
    ['Former Customer', 'INACTIVE'],
  ] as const)('Type %s → %s', (type, status) => {
    expect(accountToCustomer(account({ Type: type })).status).toBe(status);
    expect(ACCOUNT_TYPE.toVendor(status)).toBe(type);
  });

  it('reads an Account without Type as ACTIVE with an ERP customer, else PROSPECT', () => {
    expect(accountToCustomer(account({ Type: null })).status).toBe('ACTIVE');
    expect(accountToCustomer(account({ Type: null, ERP_Customer_Id__c: null })).status).toBe('PROSPECT');
  });

  it('rejects an unknown Type as BAD_RESPONSE naming the field', () => {
    let err: unknown;
    try {
      accountToCustomer(account({ Type: 'Partner' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ code: 'BAD_RESPONSE', system: 'CRM' });
    expect((err as Error).message).toContain('Account.Type');
    expect((err as Error).message).toContain('"Partner"');
  });
});

describe('opportunityToCanonical', () => {
  it('maps every field with exact money and the converted project', () => {
    const o = opportunityToCanonical(opportunity());
    expect(opportunitySchema.parse(o)).toEqual(o);
    expect(o).toEqual({
      id: canonicalId('opportunity', OPP),
      name: 'Acme — data platform',
      customerId: canonicalId('customer', ACC),
      stage: 'CLOSED_WON',
      amount: { amount: '125000.10', currency: 'USD' },
      closeDate: '2025-02-03',
      serviceLine: 'Data',
      projectId: canonicalId('project', '42'),
      externalIds: [{ system: 'CRM', id: OPP }],
    });
  });

  it('keeps money exact where floats would not', () => {
    expect(opportunityToCanonical(opportunity({ Amount: 0.1 + 0.2 }))?.amount.amount).toBe('0.30');
    expect(opportunityToCanonical(opportunity({ Amount: 1234567.895 }))?.amount.amount).toBe('1234567.90');
    expect(opportunityToCanonical(opportunity({ Amount: null }))?.amount).toEqual({ amount: '0.00', currency: 'USD' });
  });

  it.each([
    ['Prospecting', 'PROSPECTING'],
    ['Qualification', 'QUALIFICATION'],
    ['Proposal/Price Quote', 'PROPOSAL'],
    ['Negotiation/Review', 'NEGOTIATION'],
    ['Closed Won', 'CLOSED_WON'],
    ['Closed Lost', 'CLOSED_LOST'],
  ] as const)('StageName %s → %s', (stage, canonical) => {
    expect(opportunityToCanonical(opportunity({ StageName: stage }))?.stage).toBe(canonical);
    expect(OPPORTUNITY_STAGE.toVendor(canonical)).toBe(stage);
  });

  it('rejects an unknown stage as BAD_RESPONSE', () => {
    expect(() => opportunityToCanonical(opportunity({ StageName: 'Id. Decision Makers' }))).toThrow(/Opportunity.StageName/);
  });

  it('an unconverted opportunity has no project', () => {
    expect(opportunityToCanonical(opportunity({ ERP_Project_Id__c: null }))?.projectId).toBeNull();
  });

  it('an opportunity without an Account cannot be canonical', () => {
    expect(opportunityToCanonical(opportunity({ AccountId: null }))).toBeNull();
  });
});

describe('canonical → Salesforce', () => {
  it('writes a customer as Account fields and round-trips', () => {
    const c = accountToCustomer(account());
    const fields = customerToAccountFields(c, { parentAccountId: PARENT, erpCustomerId: '17' });
    expect(fields).toEqual({
      Name: 'Acme',
      Legal_Name__c: 'Acme Corporation',
      Legal_Entity__c: 'Tandem Consulting Inc.',
      Tax_Id__c: 'US-12-3456789',
      CurrencyIsoCode: 'USD',
      BillingStreet: '1 Main St',
      BillingCity: 'Springfield',
      BillingPostalCode: '12345',
      BillingCountryCode: 'US',
      Type: 'Customer',
      ParentId: PARENT,
      ERP_Customer_Id__c: '17',
    });
    const back = accountToCustomer(account({ ...fields, ParentId: null }));
    expect(back).toEqual(c);
  });

  it('leaves references and status alone when not given, clears the address when absent', () => {
    const fields = customerToAccountFields({ name: 'N', legalName: null, legalEntity: null, taxId: null, currency: 'EUR', billingAddress: null });
    expect(fields).not.toHaveProperty('ParentId');
    expect(fields).not.toHaveProperty('ERP_Customer_Id__c');
    expect(fields).not.toHaveProperty('Type');
    expect(fields.BillingStreet).toBeNull();
  });

  it('writes opportunity, conversion and billing fields', () => {
    const o = opportunityToCanonical(opportunity())!;
    expect(opportunityToFields(o, { accountId: ACC })).toEqual({
      Name: o.name,
      AccountId: ACC,
      StageName: 'Closed Won',
      Amount: 125000.1,
      CurrencyIsoCode: 'USD',
      CloseDate: '2025-02-03',
      Service_Line__c: 'Data',
    });
    expect(opportunityConversionFields({ erpJobId: '42', psaWorkspaceId: '7' })).toEqual({ ERP_Project_Id__c: '42', PSA_Workspace_Id__c: '7' });
    expect(accountBillingFields({ amount: '1200.50', currency: 'USD' }, 'OVERDUE')).toEqual({ AR_Balance__c: 1200.5, Invoice_Status__c: 'OVERDUE' });
  });
});
