import {
  canonicalId,
  type Address,
  type Customer,
  type CustomerStatus,
  type ExternalId,
  type Money,
  type Opportunity,
  type OpportunityStage,
} from '../../canonical-schema';
import { EnumTable, isoDateFromVendor, moneyFromVendor, moneyToNumber, orNull } from '../shared/mapping';
import type { AccountFields, AccountWire, OpportunityFields, OpportunityWire } from './crm-wire';

/** `Account.Type` ↔ canonical customer status. */
export const ACCOUNT_TYPE = new EnumTable<string, CustomerStatus>('CRM', 'Account.Type', {
  Prospect: 'PROSPECT',
  Customer: 'ACTIVE',
  'Customer - On Hold': 'ON_HOLD',
  'Former Customer': 'INACTIVE',
});

/** `Opportunity.StageName` ↔ canonical stage. */
export const OPPORTUNITY_STAGE = new EnumTable<string, OpportunityStage>('CRM', 'Opportunity.StageName', {
  Prospecting: 'PROSPECTING',
  Qualification: 'QUALIFICATION',
  'Proposal/Price Quote': 'PROPOSAL',
  'Negotiation/Review': 'NEGOTIATION',
  'Closed Won': 'CLOSED_WON',
  'Closed Lost': 'CLOSED_LOST',
});

/** A Salesforce Account as a canonical customer (anchored on the Account Id). */
export function accountToCustomer(a: AccountWire): Customer {
  const externalIds: ExternalId[] = [{ system: 'CRM', id: a.Id }];
  if (a.ERP_Customer_Id__c) externalIds.push({ system: 'ERP', id: a.ERP_Customer_Id__c });
  return {
    id: canonicalId('customer', a.Id),
    name: a.Name,
    legalName: orNull(a.Legal_Name__c),
    legalEntity: orNull(a.Legal_Entity__c),
    taxId: orNull(a.Tax_Id__c),
    currency: a.CurrencyIsoCode,
    status: accountStatus(a),
    billingAddress: billingAddress(a),
    parentId: a.ParentId ? canonicalId('customer', a.ParentId) : null,
    externalIds,
  };
}

/**
 * The status of an Account from its `Type`. Salesforce does not require a Type: an
 * Account without one is ACTIVE once it has an ERP customer, else a PROSPECT. An
 * unknown Type is a BAD_RESPONSE.
 */
export function accountStatus(a: Pick<AccountWire, 'Type' | 'ERP_Customer_Id__c'>): CustomerStatus {
  if (a.Type === null || a.Type === undefined || a.Type === '') return a.ERP_Customer_Id__c ? 'ACTIVE' : 'PROSPECT';
  return ACCOUNT_TYPE.toCanonical(a.Type);
}

/** A billing address needs a street, a city and a country; anything less is no address. */
function billingAddress(a: AccountWire): Address | null {
  if (!a.BillingStreet || !a.BillingCity || !a.BillingCountryCode) return null;
  return {
    line1: a.BillingStreet,
    city: a.BillingCity,
    postalCode: orNull(a.BillingPostalCode),
    country: a.BillingCountryCode,
  };
}

/**
 * A Salesforce Opportunity as a canonical opportunity; null when it has no Account
 * (Salesforce allows it, the canonical model does not). A missing `Amount` reads as zero.
 */
export function opportunityToCanonical(o: OpportunityWire): Opportunity | null {
  if (!o.AccountId) return null;
  return {
    id: canonicalId('opportunity', o.Id),
    name: o.Name,
    customerId: canonicalId('customer', o.AccountId),
    stage: OPPORTUNITY_STAGE.toCanonical(o.StageName),
    amount: moneyFromVendor('CRM', 'Opportunity.Amount', o.Amount ?? 0, o.CurrencyIsoCode),
    closeDate: isoDateFromVendor('CRM', 'Opportunity.CloseDate', o.CloseDate),
    serviceLine: orNull(o.Service_Line__c),
    projectId: o.ERP_Project_Id__c ? canonicalId('project', o.ERP_Project_Id__c) : null,
    externalIds: [{ system: 'CRM', id: o.Id }],
  };
}

/** The canonical customer data a write carries (ids and references are resolved by the caller). */
export type CustomerData = Pick<Customer, 'name' | 'legalName' | 'legalEntity' | 'taxId' | 'currency' | 'billingAddress'> & {
  status?: CustomerStatus;
};

/** Vendor ids of the records a customer refers to, resolved by the caller. */
export interface CustomerAccountRefs {
  /** The parent's Salesforce Account Id (null clears it; undefined leaves it alone). */
  parentAccountId?: string | null;
  /** The NetSuite customer id, once the customer exists in the ERP. */
  erpCustomerId?: string | null;
}

/** Canonical customer → Account fields for `POST`/`PATCH /sobjects/Account`. */
export function customerToAccountFields(c: CustomerData, refs: CustomerAccountRefs = {}): AccountFields {
  const fields: AccountFields = {
    Name: c.name,
    Legal_Name__c: c.legalName ?? null,
    Legal_Entity__c: c.legalEntity ?? null,
    Tax_Id__c: c.taxId ?? null,
    CurrencyIsoCode: c.currency,
    BillingStreet: c.billingAddress?.line1 ?? null,
    BillingCity: c.billingAddress?.city ?? null,
    BillingPostalCode: c.billingAddress?.postalCode ?? null,
    BillingCountryCode: c.billingAddress?.country ?? null,
  };
  if (c.status !== undefined) fields.Type = ACCOUNT_TYPE.toVendor(c.status);
  if (refs.parentAccountId !== undefined) fields.ParentId = refs.parentAccountId;
  if (refs.erpCustomerId !== undefined) fields.ERP_Customer_Id__c = refs.erpCustomerId;
  return fields;
}

/** The field that links an Account to its ERP customer. */
export function accountLinkFields(erpCustomerId: string): AccountFields {
  return { ERP_Customer_Id__c: erpCustomerId };
}

/** Billing status written back to the Account (`AR_Balance__c`, `Invoice_Status__c`). */
export function accountBillingFields(arBalance: Money, invoiceStatus: string | null): AccountFields {
  return { AR_Balance__c: moneyToNumber(arBalance), Invoice_Status__c: invoiceStatus };
}

/** The canonical opportunity data a write carries. */
export type OpportunityData = Pick<Opportunity, 'name' | 'stage' | 'amount' | 'closeDate' | 'serviceLine'>;

/** Canonical opportunity → Opportunity fields; `accountId` is the customer's Salesforce Account Id. */
export function opportunityToFields(o: OpportunityData, refs: { accountId: string }): OpportunityFields {
  return {
    Name: o.name,
    AccountId: refs.accountId,
    StageName: OPPORTUNITY_STAGE.toVendor(o.stage),
    Amount: moneyToNumber(o.amount),
    CurrencyIsoCode: o.amount.currency,
    CloseDate: o.closeDate,
    Service_Line__c: o.serviceLine,
  };
}

/** The fields that mark an opportunity converted into a project (ERP job and PSA workspace ids). */
export function opportunityConversionFields(refs: { erpJobId: string; psaWorkspaceId?: string | null }): OpportunityFields {
  return { ERP_Project_Id__c: refs.erpJobId, PSA_Workspace_Id__c: refs.psaWorkspaceId ?? null };
}
