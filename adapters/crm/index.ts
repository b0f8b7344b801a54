export { CrmAdapter, SOQL_IN_CHUNK } from './crm-adapter';
export { CrmSystemApi, createCrmAdapter } from './crm-writer';
export {
  SalesforceClient,
  SF_COLLECTION_LIMIT,
  isSalesforceId,
  soqlIn,
  soqlQuote,
} from './salesforce-client';
export type { SfWriteOptions, SfCollectionWriteOptions } from './salesforce-client';
export {
  ACCOUNT_TYPE,
  accountStatus,
  OPPORTUNITY_STAGE,
  accountToCustomer,
  opportunityToCanonical,
  customerToAccountFields,
  accountBillingFields,
  accountLinkFields,
  opportunityToFields,
  opportunityConversionFields,
} from './crm-mapper';
export type { CustomerData, CustomerAccountRefs, OpportunityData } from './crm-mapper';
export {
  SF_API,
  ACCOUNT_FIELDS,
  OPPORTUNITY_FIELDS,
  accountWire,
  opportunityWire,
  queryResultWire,
  saveResultWire,
  opportunityLinkWire,
  accountBillingWire,
} from './crm-wire';
export type { AccountWire, OpportunityWire, OpportunityLinkWire, AccountBillingWire, AccountFields, OpportunityFields, QueryResult, SaveResult, SObjectType } from './crm-wire';
