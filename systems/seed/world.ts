/**
 * The records of the three simulated systems, in each vendor's own field names.
 * CRM and PSA records are stored exactly as they travel on the wire; ERP records
 * are stored flat (references as ids) and rendered as NetSuite REST records or
 * SuiteQL rows by the ERP simulator.
 */

export const CRM_ACCOUNT_TYPES = ['Prospect', 'Customer', 'Customer - On Hold', 'Former Customer'] as const;
export type CrmAccountType = (typeof CRM_ACCOUNT_TYPES)[number];

export const CRM_STAGES = [
  'Prospecting',
  'Qualification',
  'Proposal/Price Quote',
  'Negotiation/Review',
  'Closed Won',
  'Closed Lost',
] as const;
export type CrmStage = (typeof CRM_STAGES)[number];

/** Salesforce `Account`. */
export interface CrmAccount {
  Id: string;
  Name: string;
  Legal_Name__c: string | null;
  Legal_Entity__c: string | null;
  Tax_Id__c: string | null;
  CurrencyIsoCode: string;
  BillingStreet: string | null;
  BillingCity: string | null;
  BillingPostalCode: string | null;
  BillingCountryCode: string | null;
  ParentId: string | null;
  Type: CrmAccountType | null;
  ERP_Customer_Id__c: string | null;
  AR_Balance__c: number | null;
  Invoice_Status__c: string | null;
  LastModifiedDate: string;
}

/** Salesforce `Opportunity`. */
export interface CrmOpportunity {
  Id: string;
  Name: string;
  AccountId: string | null;
  StageName: CrmStage;
  Amount: number | null;
  CurrencyIsoCode: string;
  CloseDate: string;
  Service_Line__c: string | null;
  ERP_Project_Id__c: string | null;
  PSA_Workspace_Id__c: string | null;
  LastModifiedDate: string;
}

export const ERP_JOB_STATUSES = ['Pending', 'In Progress', 'On Hold', 'Closed', 'Cancelled'] as const;
export type ErpJobStatus = (typeof ERP_JOB_STATUSES)[number];
export const ERP_CONTRACT_TYPES = ['T&M', 'Fixed Fee', 'Retainer'] as const;
export type ErpContractType = (typeof ERP_CONTRACT_TYPES)[number];
export const ERP_INVOICE_STATUSES = ['Pending Approval', 'Open', 'Paid In Full', 'Voided'] as const;
export type ErpInvoiceStatus = (typeof ERP_INVOICE_STATUSES)[number];

/** A NetSuite subsidiary: one of the firm's legal entities. */
export interface Subsidiary {
  id: string;
  name: string;
  currency: string;
  country: string;
}

/** The firm's legal entities, shared by the CRM (`Legal_Entity__c`) and the ERP (`subsidiary`). */
export const SUBSIDIARIES: readonly Subsidiary[] = [
  { id: '1', name: 'Tandem Consulting Inc.', currency: 'USD', country: 'US' },
  { id: '2', name: 'Tandem Consulting Ltd', currency: 'GBP', country: 'GB' },
  { id: '3', name: 'Tandem Consulting GmbH', currency: 'EUR', country: 'DE' },
];

/** NetSuite currency internal ids by ISO code. */
export const ERP_CURRENCIES: Readonly<Record<string, string>> = {
  USD: '1',
  GBP: '2',
  CAD: '3',
  EUR: '4',
  AUD: '5',
  JPY: '6',
  CHF: '7',
  SEK: '8',
  NOK: '9',
  DKK: '10',
  SGD: '11',
  INR: '12',
};

/** NetSuite `customer` (references flattened to ids; `currency` is the ISO code). */
export interface ErpCustomer {
  id: string;
  entityId: string;
  companyName: string;
  externalId: string | null;
  subsidiary: string;
  currency: string;
  vatRegNumber: string | null;
  email: string | null;
  isInactive: boolean;
  lastModifiedDate: string;
}

/** NetSuite `job` (project). */
export interface ErpJob {
  id: string;
  entityId: string;
  companyName: string;
  parent: string;
  entityStatus: ErpJobStatus;
  custentity_contract_type: ErpContractType | null;
  custentity_budget_amount: number | null;
  currency: string;
  startDate: string | null;
  projectedEndDate: string | null;
  custentity_sf_opportunity_id: string | null;
  custentity_psa_workspace_id: string | null;
  lastModifiedDate: string;
}

/** NetSuite custom record `customrecord_change_order`. */
export interface ErpChangeOrder {
  id: string;
  custrecord_co_job: string;
  custrecord_co_description: string;
  custrecord_co_amount: number;
  custrecord_co_approved_date: string | null;
  lastModifiedDate: string;
}

/** One line of the `item` sublist of an invoice. */
export interface ErpInvoiceLine {
  line: number;
  description: string;
  quantity: number;
  rate: number;
  amount: number;
  custcol_psa_user_id: string | null;
}

/** NetSuite `invoice`. `total` is the sum of the lines; `amountRemaining` is total minus payments. */
export interface ErpInvoice {
  id: string;
  tranId: string;
  entity: string;
  job: string | null;
  status: ErpInvoiceStatus;
  tranDate: string;
  dueDate: string | null;
  total: number;
  amountRemaining: number;
  currency: string;
  custbody_blocked_reason: string | null;
  lines: ErpInvoiceLine[];
  lastModifiedDate: string;
}

/** NetSuite `customerPayment`, applied to one invoice. */
export interface ErpCustomerPayment {
  id: string;
  customer: string;
  custbody_invoice: string;
  payment: number;
  tranDate: string;
  currency: string;
  lastModifiedDate: string;
}

export const PSA_WORKSPACE_STATUSES = ['planned', 'active', 'on_hold', 'completed', 'cancelled'] as const;
export type PsaWorkspaceStatus = (typeof PSA_WORKSPACE_STATUSES)[number];
export const PSA_ASSIGNMENT_STATUSES = ['proposed', 'confirmed', 'completed', 'cancelled'] as const;
export type PsaAssignmentStatus = (typeof PSA_ASSIGNMENT_STATUSES)[number];
export const PSA_TIME_STATUSES = ['draft', 'submitted', 'approved', 'rejected', 'invoiced'] as const;
export type PsaTimeStatus = (typeof PSA_TIME_STATUSES)[number];

/** Kantata `users`. */
export interface PsaUser {
  id: string;
  full_name: string;
  email_address: string;
  headline: string | null;
  skills: string[];
  bill_rate_in_cents: number | null;
  cost_rate_in_cents: number | null;
  currency: string;
  created_at: string;
  updated_at: string;
}

/** Kantata `workspaces`. */
export interface PsaWorkspace {
  id: string;
  title: string;
  external_reference: string | null;
  price_in_cents: number | null;
  currency: string;
  start_date: string | null;
  due_date: string | null;
  status: PsaWorkspaceStatus;
  created_at: string;
  updated_at: string;
}

/** Kantata `workspace_resources` (assignments). */
export interface PsaWorkspaceResource {
  id: string;
  workspace_id: string;
  user_id: string;
  role_name: string | null;
  planned_minutes: number;
  bill_rate_in_cents: number | null;
  currency: string;
  status: PsaAssignmentStatus;
  created_at: string;
  updated_at: string;
}

/** Kantata `time_entries`. */
export interface PsaTimeEntry {
  id: string;
  user_id: string;
  workspace_id: string;
  date_performed: string;
  time_in_minutes: number;
  billable: boolean;
  notes: string | null;
  status: PsaTimeStatus;
  invoice_reference: string | null;
  created_at: string;
  updated_at: string;
}

export interface CrmData {
  accounts: CrmAccount[];
  opportunities: CrmOpportunity[];
}

export interface ErpData {
  customers: ErpCustomer[];
  jobs: ErpJob[];
  changeOrders: ErpChangeOrder[];
  invoices: ErpInvoice[];
  payments: ErpCustomerPayment[];
}

export interface PsaData {
  users: PsaUser[];
  workspaces: PsaWorkspace[];
  workspaceResources: PsaWorkspaceResource[];
  timeEntries: PsaTimeEntry[];
}

/** One consistent world for the three systems, as generated by `generateWorld`. */
export interface World {
  meta: {
    seed: number;
    customers: number;
    /** The base date (`YYYY-MM-DD`) all seeded dates are relative to. */
    today: string;
  };
  crm: CrmData;
  erp: ErpData;
  psa: PsaData;
}
