import { memoByKey } from '../../lib';
import { z } from 'zod';

/**
 * Salesforce REST (API v60.0) wire shapes, as docs/source-systems.md describes them.
 * Lenient: unknown fields pass through; only what the mapping reads is checked.
 */

export const SF_API = '/services/data/v60.0';

const attributes = z.looseObject({ type: z.string(), url: z.string().optional() });

/** An `Account` as selected by {@link ACCOUNT_FIELDS}. */
export const accountWire = z.looseObject({
  attributes: attributes.optional(),
  Id: z.string().min(1),
  Name: z.string(),
  Legal_Name__c: z.string().nullish(),
  Legal_Entity__c: z.string().nullish(),
  Tax_Id__c: z.string().nullish(),
  CurrencyIsoCode: z.string(),
  BillingStreet: z.string().nullish(),
  BillingCity: z.string().nullish(),
  BillingPostalCode: z.string().nullish(),
  BillingCountryCode: z.string().nullish(),
  ParentId: z.string().nullish(),
  Type: z.string().nullish(),
  ERP_Customer_Id__c: z.string().nullish(),
  AR_Balance__c: z.number().nullish(),
  Invoice_Status__c: z.string().nullish(),
  LastModifiedDate: z.string().nullish(),
});
export type AccountWire = z.output<typeof accountWire>;

/** An `Opportunity` as selected by {@link OPPORTUNITY_FIELDS}. */
export const opportunityWire = z.looseObject({
  attributes: attributes.optional(),
  Id: z.string().min(1),
  Name: z.string(),
  AccountId: z.string().nullish(),
  StageName: z.string(),
  Amount: z.number().nullish(),
  CurrencyIsoCode: z.string(),
  CloseDate: z.string().nullish(),
  Service_Line__c: z.string().nullish(),
  ERP_Project_Id__c: z.string().nullish(),
  PSA_Workspace_Id__c: z.string().nullish(),
  LastModifiedDate: z.string().nullish(),
});
export type OpportunityWire = z.output<typeof opportunityWire>;

/** The fields the adapter selects; vendor field names live here and in the mapper only. */
export const ACCOUNT_FIELDS = [
  'Id',
  'Name',
  'Legal_Name__c',
  'Legal_Entity__c',
  'Tax_Id__c',
  'CurrencyIsoCode',
  'BillingStreet',
  'BillingCity',
  'BillingPostalCode',
  'BillingCountryCode',
  'ParentId',
  'Type',
  'ERP_Customer_Id__c',
  'AR_Balance__c',
  'Invoice_Status__c',
  'LastModifiedDate',
] as const;

export const OPPORTUNITY_FIELDS = [
  'Id',
  'Name',
  'AccountId',
  'StageName',
  'Amount',
  'CurrencyIsoCode',
  'CloseDate',
  'Service_Line__c',
  'ERP_Project_Id__c',
  'PSA_Workspace_Id__c',
  'LastModifiedDate',
] as const;

/** `GET /query` and `GET /query/{cursor}` answer. */
export function queryResultWire<S extends z.ZodType>(record: S) {
  return queryResultWires(record) as ReturnType<typeof buildQueryResultWire<S>>;
}
function buildQueryResultWire<S extends z.ZodType>(record: S) {
  return z.looseObject({
    totalSize: z.number(),
    done: z.boolean(),
    records: z.array(record),
    nextRecordsUrl: z.string().nullish(),
  });
}
const queryResultWires = memoByKey((record: z.ZodType) => buildQueryResultWire(record));

/** `GET /composite/sobjects/{type}?ids=` answer: the records, null where an id is unknown. */
export const collectionReadWire = memoByKey((record: z.ZodType) => z.array(record.nullable()));
export interface QueryResult<T> {
  totalSize: number;
  done: boolean;
  records: T[];
  nextRecordsUrl?: string | null;
}

/** `POST /sobjects/{Object}` and each entry of a composite save answer. */
export const saveResultWire = z.looseObject({
  id: z.string().nullish(),
  success: z.boolean(),
  errors: z.array(z.looseObject({ message: z.string().optional(), statusCode: z.string().optional(), errorCode: z.string().optional() })).default([]),
});
export type SaveResult = z.output<typeof saveResultWire>;
/** The sObject Collections write answer: one save result per record. */
export const saveResultsWire = z.array(saveResultWire);

/** The Composite resource's answer: one subresponse per subrequest, in order (`POST /composite`). */
export const compositeResponseWire = z.object({
  compositeResponse: z.array(z.looseObject({ body: z.unknown(), httpStatusCode: z.number().int(), referenceId: z.string() })),
});
export type CompositeSubresponse = z.output<typeof compositeResponseWire>['compositeResponse'][number];

/** The writable fields of an Account (what the reverse mapper produces). */
export interface AccountFields {
  Name?: string;
  Legal_Name__c?: string | null;
  Legal_Entity__c?: string | null;
  Tax_Id__c?: string | null;
  CurrencyIsoCode?: string;
  BillingStreet?: string | null;
  BillingCity?: string | null;
  BillingPostalCode?: string | null;
  BillingCountryCode?: string | null;
  ParentId?: string | null;
  Type?: string;
  ERP_Customer_Id__c?: string | null;
  AR_Balance__c?: number | null;
  Invoice_Status__c?: string | null;
}

/** The writable fields of an Opportunity. */
export interface OpportunityFields {
  Name?: string;
  AccountId?: string;
  StageName?: string;
  Amount?: number | null;
  CurrencyIsoCode?: string;
  CloseDate?: string | null;
  Service_Line__c?: string | null;
  ERP_Project_Id__c?: string | null;
  PSA_Workspace_Id__c?: string | null;
}

/** Salesforce object names the adapter uses. */
export type SObjectType = 'Account' | 'Opportunity';

/** An `Opportunity` as selected for reconciliation (`Id, AccountId, ERP_Project_Id__c`). */
export const opportunityLinkWire = z.looseObject({
  Id: z.string().min(1),
  AccountId: z.string().nullish(),
  ERP_Project_Id__c: z.string().nullish(),
});
export type OpportunityLinkWire = z.output<typeof opportunityLinkWire>;

/** An `Account` as selected for reconciliation (its ERP link and written-back billing). */
export const accountBillingWire = z.looseObject({
  Id: z.string().min(1),
  CurrencyIsoCode: z.string(),
  ERP_Customer_Id__c: z.string().nullish(),
  AR_Balance__c: z.number().nullish(),
  Invoice_Status__c: z.string().nullish(),
});
export type AccountBillingWire = z.output<typeof accountBillingWire>;
