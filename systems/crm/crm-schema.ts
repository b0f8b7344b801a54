import { CRM_ACCOUNT_TYPES, CRM_STAGES } from '../seed/world';

export type SObjectName = 'Account' | 'Opportunity';
export const SOBJECT_NAMES: readonly SObjectName[] = ['Account', 'Opportunity'];

export type SfFieldType = 'id' | 'string' | 'picklist' | 'currencyCode' | 'countryCode' | 'currency' | 'date' | 'datetime' | 'reference';

/** Salesforce field metadata: enough to validate writes and resolve SOQL field names. */
export interface SfField {
  name: string;
  type: SfFieldType;
  createable: boolean;
  updateable: boolean;
  /** Required on create, and may not be cleared on update. */
  required?: boolean;
  picklist?: readonly string[];
  referenceTo?: SObjectName;
  maxLength?: number;
}

export interface SObjectDescribe {
  name: SObjectName;
  keyPrefix: string;
  fields: readonly SfField[];
  /** Fields with an exact-match index (ids and references). */
  indexed: readonly string[];
  byLowerName: ReadonlyMap<string, SfField>;
}

const text = (name: string, maxLength = 255, required = false): SfField => ({ name, type: 'string', createable: true, updateable: true, maxLength, required });
const readOnly = (name: string, type: SfFieldType): SfField => ({ name, type, createable: false, updateable: false });

function describe(name: SObjectName, keyPrefix: string, fields: SfField[]): SObjectDescribe {
  return {
    name,
    keyPrefix,
    fields,
    indexed: fields.filter((f) => f.type === 'id' || f.type === 'reference').map((f) => f.name),
    byLowerName: new Map(fields.map((f) => [f.name.toLowerCase(), f])),
  };
}

export const SOBJECTS: Readonly<Record<SObjectName, SObjectDescribe>> = {
  Account: describe('Account', '001', [
    readOnly('Id', 'id'),
    text('Name', 255, true),
    text('Legal_Name__c'),
    text('Legal_Entity__c', 100),
    text('Tax_Id__c', 50),
    { name: 'CurrencyIsoCode', type: 'currencyCode', createable: true, updateable: true },
    text('BillingStreet'),
    text('BillingCity', 40),
    text('BillingPostalCode', 20),
    { name: 'BillingCountryCode', type: 'countryCode', createable: true, updateable: true },
    { name: 'ParentId', type: 'reference', referenceTo: 'Account', createable: true, updateable: true },
    { name: 'Type', type: 'picklist', picklist: CRM_ACCOUNT_TYPES, createable: true, updateable: true },
    text('ERP_Customer_Id__c', 40),
    { name: 'AR_Balance__c', type: 'currency', createable: true, updateable: true },
    text('Invoice_Status__c', 40),
    readOnly('LastModifiedDate', 'datetime'),
  ]),
  Opportunity: describe('Opportunity', '006', [
    readOnly('Id', 'id'),
    text('Name', 120, true),
    { name: 'AccountId', type: 'reference', referenceTo: 'Account', createable: true, updateable: true },
    { name: 'StageName', type: 'picklist', picklist: CRM_STAGES, createable: true, updateable: true, required: true },
    { name: 'Amount', type: 'currency', createable: true, updateable: true },
    { name: 'CurrencyIsoCode', type: 'currencyCode', createable: true, updateable: true },
    { name: 'CloseDate', type: 'date', createable: true, updateable: true, required: true },
    text('Service_Line__c', 80),
    text('ERP_Project_Id__c', 40),
    text('PSA_Workspace_Id__c', 40),
    readOnly('LastModifiedDate', 'datetime'),
  ]),
};

/** The object named `name` (case-insensitive, as SOQL resolves it). */
export function sobjectOf(name: string): SObjectDescribe | undefined {
  const found = SOBJECT_NAMES.find((n) => n.toLowerCase() === name.toLowerCase());
  return found ? SOBJECTS[found] : undefined;
}
