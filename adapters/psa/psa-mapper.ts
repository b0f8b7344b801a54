import {
  canonicalId,
  type Assignment,
  type AssignmentStatus,
  type Money,
  type Project,
  type ProjectStatus,
  type Resource,
  type TimeEntry,
  type TimeEntryStatus,
} from '../../canonical-schema';
import { badResponse } from '../http/source-error';
import { EnumTable, isoDateFromVendor, moneyFromCents, moneyToCents, orNull } from '../shared/mapping';
import type {
  TimeEntryBody,
  TimeEntryWire,
  UserBody,
  UserWire,
  WorkspaceBody,
  WorkspaceResourceBody,
  WorkspaceResourceWire,
  WorkspaceWire,
} from './psa-wire';

/** `workspace_resources.status` ↔ canonical assignment status. */
export const ASSIGNMENT_STATUS = new EnumTable<string, AssignmentStatus>('PSA', 'workspace_resources.status', {
  proposed: 'PROPOSED',
  confirmed: 'CONFIRMED',
  completed: 'COMPLETED',
  cancelled: 'CANCELLED',
});

/** `time_entries.status` ↔ canonical time entry status. */
export const TIME_ENTRY_STATUS = new EnumTable<string, TimeEntryStatus>('PSA', 'time_entries.status', {
  draft: 'DRAFT',
  submitted: 'SUBMITTED',
  approved: 'APPROVED',
  rejected: 'REJECTED',
  invoiced: 'INVOICED',
});

/** `workspaces.status` ↔ canonical project status. */
export const WORKSPACE_STATUS = new EnumTable<string, ProjectStatus>('PSA', 'workspaces.status', {
  planned: 'PLANNED',
  active: 'ACTIVE',
  on_hold: 'ON_HOLD',
  completed: 'COMPLETED',
  cancelled: 'CANCELLED',
});

/** Minutes as hours (a plain number; minutes are whole, so hours × 60 round-trips exactly). */
export function minutesToHours(minutes: number): number {
  return minutes / 60;
}

/** Hours as whole minutes. */
export function hoursToMinutes(hours: number): number {
  return Math.round(hours * 60);
}

/** A Kantata user as a canonical resource. */
export function userToResource(u: UserWire): Resource {
  const currency = u.currency ?? null;
  const rate = (field: string, cents: number | null | undefined) => {
    if (cents === null || cents === undefined) return null;
    if (!currency) throw badResponse('PSA', 'users.currency', `missing while ${field} is set`);
    return moneyFromCents('PSA', field, cents, currency);
  };
  return {
    id: canonicalId('resource', u.id),
    name: u.full_name,
    email: u.email_address,
    title: orNull(u.headline),
    skills: u.skills ?? [],
    billRate: rate('users.bill_rate_in_cents', u.bill_rate_in_cents),
    costRate: rate('users.cost_rate_in_cents', u.cost_rate_in_cents),
    externalIds: [{ system: 'PSA', id: u.id }],
  };
}

/** The canonical project id of a workspace, or null when the workspace has no ERP job. */
export function workspaceProjectId(w: WorkspaceWire | undefined): string | null {
  return w?.external_reference ? canonicalId('project', w.external_reference) : null;
}

/**
 * A workspace resource as a canonical assignment; null when it cannot be one: its
 * workspace (side-loaded) has no ERP job (a project is anchored on the job), or it
 * has no role or no bill rate (Kantata allows both; the canonical model does not).
 */
export function workspaceResourceToAssignment(r: WorkspaceResourceWire, workspace: WorkspaceWire | undefined): Assignment | null {
  const projectId = workspaceProjectId(workspace);
  if (projectId === null || !r.role_name || r.bill_rate_in_cents === null || r.bill_rate_in_cents === undefined) return null;
  return {
    id: canonicalId('assignment', r.id),
    projectId,
    resourceId: canonicalId('resource', r.user_id),
    role: r.role_name,
    plannedHours: minutesToHours(r.planned_minutes),
    billRate: moneyFromCents('PSA', 'workspace_resources.bill_rate_in_cents', r.bill_rate_in_cents, r.currency),
    status: ASSIGNMENT_STATUS.toCanonical(r.status),
    externalIds: [{ system: 'PSA', id: r.id }],
  };
}

/** A time entry as a canonical time entry; null when its workspace has no ERP job. */
export function timeEntryToCanonical(t: TimeEntryWire, workspace: WorkspaceWire | undefined): TimeEntry | null {
  const projectId = workspaceProjectId(workspace);
  if (projectId === null) return null;
  const date = isoDateFromVendor('PSA', 'time_entries.date_performed', t.date_performed);
  if (date === null) throw badResponse('PSA', 'time_entries.date_performed', 'missing');
  return {
    id: canonicalId('timeEntry', t.id),
    resourceId: canonicalId('resource', t.user_id),
    projectId,
    date,
    hours: minutesToHours(t.time_in_minutes),
    billable: t.billable,
    status: TIME_ENTRY_STATUS.toCanonical(t.status),
    notes: orNull(t.notes),
    invoiceId: t.invoice_reference ? canonicalId('invoice', t.invoice_reference) : null,
    externalIds: [{ system: 'PSA', id: t.id }],
  };
}

// ---- canonical → Kantata (bodies for the sync engine's writes) ----

/** Canonical resource → `users` body. */
export function resourceToUser(r: Pick<Resource, 'name' | 'email' | 'title' | 'skills' | 'billRate' | 'costRate'>): UserBody {
  return {
    full_name: r.name,
    email_address: r.email,
    headline: r.title,
    skills: [...r.skills],
    bill_rate_in_cents: r.billRate ? moneyToCents(r.billRate) : null,
    cost_rate_in_cents: r.costRate ? moneyToCents(r.costRate) : null,
    currency: r.billRate?.currency ?? r.costRate?.currency ?? null,
  };
}

/** Canonical project → `workspaces` body; `erpJobId` becomes `external_reference`. */
export function projectToWorkspace(
  p: Pick<Project, 'name' | 'status' | 'budget' | 'startDate' | 'endDate'>,
  refs: { erpJobId: string | null; currency?: string },
): WorkspaceBody {
  const body: WorkspaceBody = {
    title: p.name,
    external_reference: refs.erpJobId,
    price_in_cents: p.budget ? moneyToCents(p.budget) : null,
    start_date: p.startDate,
    due_date: p.endDate,
    status: WORKSPACE_STATUS.toVendor(p.status),
  };
  const currency = p.budget?.currency ?? refs.currency;
  if (currency) body.currency = currency;
  return body;
}

/** Canonical assignment → `workspace_resources` body. */
export function assignmentToWorkspaceResource(
  a: Pick<Assignment, 'role' | 'plannedHours' | 'billRate' | 'status'>,
  refs: { psaWorkspaceId: string; psaUserId: string },
): WorkspaceResourceBody {
  return {
    workspace_id: refs.psaWorkspaceId,
    user_id: refs.psaUserId,
    role_name: a.role,
    planned_minutes: hoursToMinutes(a.plannedHours),
    bill_rate_in_cents: moneyToCents(a.billRate),
    currency: a.billRate.currency,
    status: ASSIGNMENT_STATUS.toVendor(a.status),
  };
}

/** Canonical time entry → `time_entries` body. */
export function timeEntryToPsa(
  t: Pick<TimeEntry, 'date' | 'hours' | 'billable' | 'status' | 'notes'>,
  refs: { psaUserId: string; psaWorkspaceId: string; erpInvoiceId?: string | null },
): TimeEntryBody {
  const body: TimeEntryBody = {
    user_id: refs.psaUserId,
    workspace_id: refs.psaWorkspaceId,
    date_performed: t.date,
    time_in_minutes: hoursToMinutes(t.hours),
    billable: t.billable,
    notes: t.notes,
    status: TIME_ENTRY_STATUS.toVendor(t.status),
  };
  if (refs.erpInvoiceId !== undefined) body.invoice_reference = refs.erpInvoiceId;
  return body;
}

/** `workspaces` PUT body setting the status. */
export function workspaceStatusBody(status: ProjectStatus): WorkspaceBody {
  return { status: WORKSPACE_STATUS.toVendor(status) };
}

/** `workspaces` PUT body setting the budget (absolute, in the workspace's currency). */
export function workspaceBudgetBody(budget: Money): WorkspaceBody {
  return { price_in_cents: moneyToCents(budget) };
}

/** `time_entries` PUT body moving an entry to `status` (with the ERP invoice id when invoiced). */
export function timeEntryStatusBody(status: TimeEntryStatus, erpInvoiceId?: string): TimeEntryBody {
  const body: TimeEntryBody = { status: TIME_ENTRY_STATUS.toVendor(status) };
  if (erpInvoiceId !== undefined) body.invoice_reference = erpInvoiceId;
  return body;
}

/** A workspace's budget as Money (null without a price). */
export function workspaceBudget(w: WorkspaceWire): Money | null {
  if (w.price_in_cents === null || w.price_in_cents === undefined) return null;
  if (!w.currency) throw badResponse('PSA', 'workspaces.currency', `missing on workspace ${w.id} while price_in_cents is set`);
  return moneyFromCents('PSA', 'workspaces.price_in_cents', w.price_in_cents, w.currency);
}

/**
 * A user's weekly capacity in hours: Kantata keeps none on the user by default; a
 * `weekly_capacity_in_minutes` attribute (if an account has one) wins, else 40.
 */
export function weeklyCapacityHours(u: UserWire): number {
  const minutes = (u as Record<string, unknown>).weekly_capacity_in_minutes;
  return typeof minutes === 'number' && Number.isFinite(minutes) && minutes >= 0 ? minutes / 60 : DEFAULT_WEEKLY_CAPACITY_HOURS;
}

/** Capacity of a user without a capacity setting. */
export const DEFAULT_WEEKLY_CAPACITY_HOURS = 40;
