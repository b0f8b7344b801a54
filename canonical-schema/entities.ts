import { z } from 'zod';
import { currencyCode, moneySchema } from './money';
import { externalIdSchema, SourceSystem } from './identity';

export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD');

export const CUSTOMER_STATUSES = ['PROSPECT', 'ACTIVE', 'ON_HOLD', 'INACTIVE'] as const;
export const OPPORTUNITY_STAGES = ['PROSPECTING', 'QUALIFICATION', 'PROPOSAL', 'NEGOTIATION', 'CLOSED_WON', 'CLOSED_LOST'] as const;
export const PROJECT_STATUSES = ['PLANNED', 'ACTIVE', 'ON_HOLD', 'COMPLETED', 'CANCELLED'] as const;
export const CONTRACT_TYPES = ['TIME_AND_MATERIALS', 'FIXED_FEE', 'RETAINER'] as const;
export const ASSIGNMENT_STATUSES = ['PROPOSED', 'CONFIRMED', 'COMPLETED', 'CANCELLED'] as const;
export const TIME_ENTRY_STATUSES = ['DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED', 'INVOICED'] as const;
export const INVOICE_STATUSES = ['DRAFT', 'ISSUED', 'PARTIALLY_PAID', 'PAID', 'OVERDUE', 'VOID', 'BLOCKED'] as const;

export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];
export type OpportunityStage = (typeof OPPORTUNITY_STAGES)[number];
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];
export type ContractType = (typeof CONTRACT_TYPES)[number];
export type AssignmentStatus = (typeof ASSIGNMENT_STATUSES)[number];
export type TimeEntryStatus = (typeof TIME_ENTRY_STATUSES)[number];
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export const addressSchema = z.object({
  line1: z.string().min(1),
  city: z.string().min(1),
  postalCode: z.string().nullable().optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 two-letter country code'),
});
export type Address = z.infer<typeof addressSchema>;

const refs = { externalIds: z.array(externalIdSchema) };

/** A customer: a CRM account, and once sold to, an ERP customer. */
export const customerSchema = z.object({
  id: z.string(),
  name: z.string().min(1),
  legalName: z.string().nullable(),
  legalEntity: z.string().nullable(),
  taxId: z.string().nullable(),
  currency: currencyCode,
  status: z.enum(CUSTOMER_STATUSES),
  billingAddress: addressSchema.nullable(),
  parentId: z.string().nullable(),
  ...refs,
});
export type Customer = z.infer<typeof customerSchema>;

/** A sales opportunity in the CRM pipeline. */
export const opportunitySchema = z.object({
  id: z.string(),
  name: z.string().min(1),
  customerId: z.string(),
  stage: z.enum(OPPORTUNITY_STAGES),
  amount: moneySchema,
  closeDate: isoDate.nullable(),
  serviceLine: z.string().nullable(),
  /** The project created from this opportunity, once converted. */
  projectId: z.string().nullable(),
  ...refs,
});
export type Opportunity = z.infer<typeof opportunitySchema>;

export const changeOrderSchema = z.object({
  id: z.string(),
  description: z.string().min(1),
  budgetDelta: moneySchema,
  approvedAt: z.string().nullable(),
});
export type ChangeOrder = z.infer<typeof changeOrderSchema>;

/** A project: an ERP job, staffed and timed as a PSA workspace. */
export const projectSchema = z.object({
  id: z.string(),
  code: z.string().min(1),
  name: z.string().min(1),
  customerId: z.string(),
  opportunityId: z.string().nullable(),
  status: z.enum(PROJECT_STATUSES),
  contractType: z.enum(CONTRACT_TYPES),
  budget: moneySchema.nullable(),
  startDate: isoDate.nullable(),
  endDate: isoDate.nullable(),
  changeOrders: z.array(changeOrderSchema),
  ...refs,
});
export type Project = z.infer<typeof projectSchema>;

/** A person who can be staffed: a PSA user. */
export const resourceSchema = z.object({
  id: z.string(),
  name: z.string().min(1),
  email: z.string().email(),
  title: z.string().nullable(),
  skills: z.array(z.string()),
  billRate: moneySchema.nullable(),
  costRate: moneySchema.nullable(),
  ...refs,
});
export type Resource = z.infer<typeof resourceSchema>;

export const assignmentSchema = z.object({
  id: z.string(),
  projectId: z.string(),
  resourceId: z.string(),
  role: z.string().min(1),
  plannedHours: z.number().nonnegative(),
  billRate: moneySchema,
  status: z.enum(ASSIGNMENT_STATUSES),
  ...refs,
});
export type Assignment = z.infer<typeof assignmentSchema>;

export const timeEntrySchema = z.object({
  id: z.string(),
  resourceId: z.string(),
  projectId: z.string(),
  date: isoDate,
  hours: z.number().positive().max(24),
  billable: z.boolean(),
  status: z.enum(TIME_ENTRY_STATUSES),
  notes: z.string().nullable(),
  /** The invoice that billed this entry, once invoiced. */
  invoiceId: z.string().nullable(),
  ...refs,
});
export type TimeEntry = z.infer<typeof timeEntrySchema>;

export const invoiceLineSchema = z.object({
  description: z.string(),
  resourceId: z.string().nullable(),
  hours: z.number().nullable(),
  rate: moneySchema.nullable(),
  amount: moneySchema,
});
export type InvoiceLine = z.infer<typeof invoiceLineSchema>;

/** An ERP invoice. */
export const invoiceSchema = z.object({
  id: z.string(),
  number: z.string().nullable(),
  customerId: z.string(),
  projectId: z.string().nullable(),
  status: z.enum(INVOICE_STATUSES),
  issueDate: isoDate.nullable(),
  dueDate: isoDate.nullable(),
  total: moneySchema,
  balance: moneySchema,
  lines: z.array(invoiceLineSchema),
  blockedReason: z.string().nullable(),
  ...refs,
});
export type Invoice = z.infer<typeof invoiceSchema>;

/** An ERP customer payment applied to one invoice. */
export const paymentSchema = z.object({
  id: z.string(),
  invoiceId: z.string(),
  customerId: z.string(),
  amount: moneySchema,
  date: isoDate,
  ...refs,
});
export type Payment = z.infer<typeof paymentSchema>;

/** Where a cached value came from and when; `stale` is computed against the entity's freshness budget. */
export interface Freshness {
  source: SourceSystem;
  syncedAt: Date;
  stale: boolean;
}

export interface EntityMap {
  customer: Customer;
  opportunity: Opportunity;
  project: Project;
  resource: Resource;
  assignment: Assignment;
  timeEntry: TimeEntry;
  invoice: Invoice;
  payment: Payment;
}
