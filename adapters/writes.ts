import type { Assignment, Customer, Invoice, InvoiceStatus, Money, Opportunity, ProjectStatus, Resource, TimeEntry } from '../canonical-schema';

/**
 * The write side of the system APIs: what the sync engine's workflow steps ask
 * of each source system, in canonical terms (nothing here names a vendor field).
 * Every id in these signatures is the source system's OWN id (`crmAccountId`,
 * `erpJobId`, `psaUserId`, ...); the sync engine maps canonical ids to external
 * ids through the store's id map before it calls.
 *
 * Rules every implementation keeps:
 * - A write takes `{ idempotencyKey }` and sends it as the vendor's
 *   `Idempotency-Key` header, so a step retried with the same key never creates a
 *   second record. An operation that needs several vendor calls derives one key
 *   per call from it (`${key}:${n}` or `${key}:${vendorId}`), stable across retries.
 * - Writes are NOT retried inside the adapter (the sync engine owns retries,
 *   backoff and the circuit breaker). Reads used by workflow steps may keep the
 *   adapter's read retries.
 * - Failures reject with `SourceError` (adapters/http): `retryable` tells the engine
 *   whether to try again; a vendor validation refusal is `REJECTED` (not retryable)
 *   and its message names the vendor field and the record so that a remediation can
 *   be shown to a person ("Tax_Id__c is empty on CRM Account 001... (Acme Ltd)").
 * - Money travels as canonical `Money` (decimal string + ISO currency); the adapter
 *   converts to the vendor's representation (numbers, cents).
 */
export interface WriteOptions {
  idempotencyKey: string;
  signal?: AbortSignal;
}

/** What converting an opportunity needs to know, read from the CRM (system of record). */
export interface OpportunityForConversion {
  crmOpportunityId: string;
  crmAccountId: string;
  opportunity: Opportunity;
  /** the account as a canonical customer (master data: legalEntity, taxId, currency, billingAddress) */
  account: Customer;
  /** `ERP_Customer_Id__c` on the account, once the account is an ERP customer */
  erpCustomerId: string | null;
  /** `ERP_Project_Id__c` / `PSA_Workspace_Id__c` on the opportunity, once converted */
  erpProjectId: string | null;
  psaWorkspaceId: string | null;
}

/** A customer's billing position as the CRM account shows it (written back by Tandem). */
export interface AccountBilling {
  crmAccountId: string;
  arBalance: Money | null;
  /** the status of the account's latest invoice as last written back, or null */
  invoiceStatus: InvoiceStatus | null;
}

export interface CrmWriter {
  /** Reads the opportunity and its account in one or two calls. NOT_FOUND for an unknown opportunity. */
  getOpportunityForConversion(crmOpportunityId: string, signal?: AbortSignal): Promise<OpportunityForConversion>;
  /** Writes the ERP project and PSA workspace ids back onto the opportunity. */
  linkOpportunity(crmOpportunityId: string, links: { erpProjectId: string; psaWorkspaceId: string }, opts: WriteOptions): Promise<void>;
  /**
   * Creates (crmAccountId null) or updates an Account from canonical master data.
   * Returns the account id.
   */
  upsertAccount(
    customer: Pick<Customer, 'name' | 'legalName' | 'legalEntity' | 'taxId' | 'currency' | 'billingAddress'> & { parentCrmAccountId?: string | null },
    crmAccountId: string | null,
    opts: WriteOptions,
  ): Promise<{ crmAccountId: string }>;
  /** Records the ERP customer id on the account (`ERP_Customer_Id__c`). */
  linkAccount(crmAccountId: string, links: { erpCustomerId: string }, opts: WriteOptions): Promise<void>;
  /** Writes the AR balance and latest invoice status onto the account. */
  updateAccountBilling(crmAccountId: string, billing: { arBalance: Money; invoiceStatus: InvoiceStatus | null }, opts: WriteOptions): Promise<void>;
  /** Reconciliation: Closed Won opportunities that carry no ERP project id. */
  listClosedWonWithoutProject(signal?: AbortSignal): Promise<{ crmOpportunityId: string; crmAccountId: string }[]>;
  /** Reconciliation: the billing position every account with an ERP customer id shows. */
  listAccountBilling(signal?: AbortSignal): Promise<(AccountBilling & { erpCustomerId: string })[]>;
}

export interface ErpWriter {
  /** Creates or updates the ERP customer whose externalId is the CRM account id (one call: upsert by external id). */
  upsertCustomer(customer: Customer, crmAccountId: string, opts: WriteOptions): Promise<{ erpCustomerId: string }>;
  /**
   * Creates the project (job) for an opportunity. If a job already carries this
   * opportunity id (`custentity_sf_opportunity_id`), returns it instead of creating a second.
   */
  createProject(
    project: {
      crmOpportunityId: string;
      erpCustomerId: string;
      name: string;
      budget: Money;
      contractType: 'TIME_AND_MATERIALS' | 'FIXED_FEE' | 'RETAINER';
      startDate: string | null;
      endDate: string | null;
    },
    opts: WriteOptions,
  ): Promise<{ erpJobId: string; code: string }>;
  /** Records the PSA workspace id on the job. */
  linkProjectWorkspace(erpJobId: string, psaWorkspaceId: string, opts: WriteOptions): Promise<void>;
  /** Compensation: closes a job created by a conversion that failed later (status Cancelled: it reads as a CANCELLED project). */
  cancelProject(erpJobId: string, reason: string, opts: WriteOptions): Promise<void>;
  /** The job's current budget and (canonical) status. */
  getProjectBudget(erpJobId: string, signal?: AbortSignal): Promise<{ budget: Money | null; status: ProjectStatus }>;
  /** Records an approved change order on the job. */
  createChangeOrder(erpJobId: string, change: { description: string; amount: Money; approvedAt: string }, opts: WriteOptions): Promise<{ erpChangeOrderId: string }>;
  /** Sets the job's budget to an absolute amount (retry-safe, unlike an increment). */
  setProjectBudget(erpJobId: string, budget: Money, opts: WriteOptions): Promise<void>;
  /** Creates an invoice with one line per resource and rate. */
  createInvoice(
    invoice: {
      erpCustomerId: string;
      erpJobId: string | null;
      lines: { description: string; psaUserId: string | null; hours: number; rate: Money }[];
    },
    opts: WriteOptions,
  ): Promise<{ erpInvoiceId: string; invoice: Invoice }>;
  /** Records a payment against an invoice; returns the invoice as it stands after it. */
  recordPayment(payment: { erpInvoiceId: string; amount: Money }, opts: WriteOptions): Promise<{ erpPaymentId: string; invoice: Invoice }>;
  /** One invoice, canonical. NOT_FOUND when unknown. */
  getInvoice(erpInvoiceId: string, signal?: AbortSignal): Promise<Invoice>;
  /** A customer's open balance and the status of its latest invoice (null when it has none). */
  customerBilling(erpCustomerId: string, signal?: AbortSignal): Promise<{ arBalance: Money; latestInvoiceStatus: InvoiceStatus | null; latestErpInvoiceId: string | null }>;
  /** Reconciliation: every customer's billing position, in one or a few SuiteQL calls. */
  listCustomerBilling(signal?: AbortSignal): Promise<{ erpCustomerId: string; arBalance: Money; latestInvoiceStatus: InvoiceStatus | null; latestErpInvoiceId: string | null }[]>;
}

/** What a staffing decision needs, read from the PSA. */
export interface StaffingFacts {
  resource: Resource;
  workspace: { psaWorkspaceId: string; budget: Money | null; startDate: string | null; endDate: string | null; status: string };
  /** the resource's non-cancelled assignments on every workspace */
  resourceAssignments: Assignment[];
  /** every non-cancelled assignment on this workspace */
  workspaceAssignments: Assignment[];
  /** the resource's capacity in hours per week (PSA user setting; 40 when the PSA has none) */
  weeklyCapacityHours: number;
}

export interface PsaWriter {
  /** Creates the workspace for an ERP job (`external_reference` = job id). Returns it if one already references the job. */
  createWorkspace(
    workspace: { erpJobId: string; title: string; budget: Money; startDate: string | null; endDate: string | null },
    opts: WriteOptions,
  ): Promise<{ psaWorkspaceId: string }>;
  /** Compensation: cancels a workspace created by a conversion that failed later. */
  cancelWorkspace(psaWorkspaceId: string, opts: WriteOptions): Promise<void>;
  /** Sets the workspace budget (absolute). */
  setWorkspaceBudget(psaWorkspaceId: string, budget: Money, opts: WriteOptions): Promise<void>;
  staffingFacts(psaUserId: string, psaWorkspaceId: string, signal?: AbortSignal): Promise<StaffingFacts>;
  createAssignment(
    assignment: { psaWorkspaceId: string; psaUserId: string; role: string; plannedHours: number; billRate: Money },
    opts: WriteOptions,
  ): Promise<{ psaAssignmentId: string; assignment: Assignment }>;
  /** Creates time entries, all or none, with status submitted. */
  createTimeEntries(
    entries: { psaUserId: string; psaWorkspaceId: string; date: string; hours: number; billable: boolean; notes: string | null }[],
    opts: WriteOptions,
  ): Promise<{ psaTimeEntryIds: string[]; entries: TimeEntry[] }>;
  /** Sets time entries to approved (entries already approved are left as they are; invoiced or rejected ones are a REJECTED error naming them). */
  approveTimeEntries(psaTimeEntryIds: readonly string[], opts: WriteOptions): Promise<{ entries: TimeEntry[] }>;
  /** Approved, billable, not yet invoiced time of a workspace dated on or before periodEnd, with the bill rate of each entry's assignment. */
  unbilledApprovedTime(psaWorkspaceId: string, periodEnd: string, signal?: AbortSignal): Promise<{ psaTimeEntryId: string; psaUserId: string; resourceName: string; hours: number; rate: Money }[]>;
  /** Marks time entries invoiced with the ERP invoice id. */
  markTimeInvoiced(psaTimeEntryIds: readonly string[], erpInvoiceId: string, opts: WriteOptions): Promise<void>;
}
