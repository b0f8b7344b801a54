import type { Assignment, Money, TimeEntry, TimeEntryStatus } from '../../canonical-schema';
import { createLogger, type Logger } from '../../lib';
import type { SystemConfig } from '../config';
import { VendorHttpClient } from '../http/http-client';
import { SourceError, inSourceContext } from '../http/source-error';
import { mapLimit } from '../shared/concurrency';
import { chunk, moneyFromCents, unique } from '../shared/mapping';
import type { PsaWriter, StaffingFacts, WriteOptions } from '../writes';
import { KANTATA_ONLY_LIMIT, KantataClient, isKantataId } from './kantata-client';
import { PsaAdapter } from './psa-adapter';
import {
  TIME_ENTRY_STATUS,
  WORKSPACE_STATUS,
  assignmentToWorkspaceResource,
  minutesToHours,
  projectToWorkspace,
  timeEntryStatusBody,
  timeEntryToCanonical,
  timeEntryToPsa,
  userToResource,
  weeklyCapacityHours,
  workspaceBudget,
  workspaceBudgetBody,
  workspaceResourceToAssignment,
  workspaceStatusBody,
} from './psa-mapper';
import type { TimeEntryWire, WorkspaceResourceWire, WorkspaceWire } from './psa-wire';

/** Per-entry PUTs in flight at once (Kantata has no bulk update). */
export const PSA_WRITE_CONCURRENCY = 4;

/**
 * The PSA system API, read and write: the read-side {@link PsaAdapter} plus the
 * {@link PsaWriter} operations. Writes carry `Idempotency-Key`; per-entry updates use
 * `<key>:<entry id>` and skip entries already in the target state, so a retried step
 * redoes only what is left. Writes are never retried here.
 */
export class PsaSystemApi extends PsaAdapter implements PsaWriter {
  /**
   * Returns the workspace whose `external_reference` is the job, if any (one filtered
   * list call; a cancelled one, left by a compensated conversion now replayed, is
   * reopened with one PUT), else `POST workspaces` (status planned before the start
   * date, active from it). Calls: 1 or 2.
   */
  async createWorkspace(
    workspace: { erpJobId: string; title: string; budget: Money; startDate: string | null; endDate: string | null },
    opts: WriteOptions,
  ): Promise<{ psaWorkspaceId: string }> {
    return inSourceContext('PSA', `PSA workspace for ERP job ${workspace.erpJobId} (${workspace.title})`, async () => {
      const { records } = await this.client.listAll('workspaces', { filters: { external_reference: workspace.erpJobId }, signal: opts.signal });
      const today = new Date().toISOString().slice(0, 10);
      const status = workspace.startDate === null || workspace.startDate > today ? 'PLANNED' : 'ACTIVE';
      // Prefer a live workspace; a cancelled one (a compensated conversion being replayed) is reopened, not duplicated.
      const existing = [...records].sort((a, b) => Number(a.status === 'cancelled') - Number(b.status === 'cancelled') || Number(a.id) - Number(b.id))[0];
      if (existing) {
        if (existing.status === 'cancelled') {
          await this.client.update('workspaces', existing.id, workspaceStatusBody(status), { idempotencyKey: `${opts.idempotencyKey}:reopen`, signal: opts.signal });
        }
        return { psaWorkspaceId: existing.id };
      }
      const body = projectToWorkspace(
        { name: workspace.title, status, budget: workspace.budget, startDate: workspace.startDate, endDate: workspace.endDate },
        { erpJobId: workspace.erpJobId },
      );
      const [created] = await this.client.create('workspaces', [body], { idempotencyKey: opts.idempotencyKey, signal: opts.signal });
      if (!created) throw new SourceError('BAD_RESPONSE', 'PSA', 'workspaces: create answered without the record');
      return { psaWorkspaceId: created.id };
    });
  }

  /** `PUT workspaces/{id}` status cancelled. Calls: 1. */
  async cancelWorkspace(psaWorkspaceId: string, opts: WriteOptions): Promise<void> {
    await inSourceContext('PSA', `PSA workspace ${psaWorkspaceId}`, async () => {
      this.assertId('workspaces', psaWorkspaceId);
      await this.client.update('workspaces', psaWorkspaceId, workspaceStatusBody('CANCELLED'), { idempotencyKey: opts.idempotencyKey, signal: opts.signal });
    });
  }

  /** `GET workspaces/{id}` (the budget must be in its currency), then `PUT` `price_in_cents`. Calls: 2. */
  async setWorkspaceBudget(psaWorkspaceId: string, budget: Money, opts: WriteOptions): Promise<void> {
    await inSourceContext('PSA', `PSA workspace ${psaWorkspaceId}`, async () => {
      this.assertId('workspaces', psaWorkspaceId);
      const { record } = await this.client.get('workspaces', psaWorkspaceId, { signal: opts.signal });
      const currency = record.currency ?? 'USD';
      if (currency !== budget.currency) {
        throw new SourceError('REJECTED', 'PSA', `the budget is in ${budget.currency} but the workspace's currency is ${currency}; price_in_cents is not changed`);
      }
      await this.client.update('workspaces', psaWorkspaceId, workspaceBudgetBody(budget), { idempotencyKey: opts.idempotencyKey, signal: opts.signal });
    });
  }

  /** The user, the workspace, and the workspace resources of each (four reads in parallel). */
  async staffingFacts(psaUserId: string, psaWorkspaceId: string, signal?: AbortSignal): Promise<StaffingFacts> {
    return inSourceContext('PSA', `PSA staffing of user ${psaUserId} on workspace ${psaWorkspaceId}`, async () => {
      this.assertId('users', psaUserId);
      this.assertId('workspaces', psaWorkspaceId);
      const include = ['workspace'];
      const [user, workspace, ofUser, ofWorkspace] = await Promise.all([
        inSourceContext('PSA', `PSA user ${psaUserId}`, () => this.client.get('users', psaUserId, { signal })),
        inSourceContext('PSA', `PSA workspace ${psaWorkspaceId}`, () => this.client.get('workspaces', psaWorkspaceId, { signal })),
        this.client.listAll('workspace_resources', { filters: { user_id: psaUserId }, include, signal }),
        this.client.listAll('workspace_resources', { filters: { workspace_id: psaWorkspaceId }, include, signal }),
      ]);
      const w = workspace.record;
      const active = (list: { records: WorkspaceResourceWire[]; workspaces: Record<string, WorkspaceWire> }): Assignment[] =>
        list.records
          .filter((r) => r.status !== 'cancelled')
          .map((r) => workspaceResourceToAssignment(r, list.workspaces[r.workspace_id]))
          .filter((a): a is Assignment => a !== null);
      return {
        resource: userToResource(user.record),
        workspace: {
          psaWorkspaceId: w.id,
          budget: workspaceBudget(w),
          startDate: w.start_date ?? null,
          endDate: w.due_date ?? null,
          status: WORKSPACE_STATUS.toCanonical(w.status),
        },
        resourceAssignments: active(ofUser),
        workspaceAssignments: active(ofWorkspace),
        weeklyCapacityHours: weeklyCapacityHours(user.record),
      };
    });
  }

  /**
   * `GET workspaces/{id}` (it must reference an ERP job, or the assignment could not be
   * a canonical one), then `POST workspace_resources` (confirmed). Calls: 2.
   */
  async createAssignment(
    assignment: { psaWorkspaceId: string; psaUserId: string; role: string; plannedHours: number; billRate: Money },
    opts: WriteOptions,
  ): Promise<{ psaAssignmentId: string; assignment: Assignment }> {
    return inSourceContext('PSA', `PSA workspace_resources for user ${assignment.psaUserId} on workspace ${assignment.psaWorkspaceId} (${assignment.role})`, async () => {
      this.assertId('workspaces', assignment.psaWorkspaceId);
      const { record: workspace } = await this.client.get('workspaces', assignment.psaWorkspaceId, { signal: opts.signal });
      if (!workspace.external_reference) {
        throw new SourceError('REJECTED', 'PSA', `workspace ${workspace.id} (${workspace.title ?? ''}) has no external_reference (ERP job); link it to its project first`);
      }
      const body = assignmentToWorkspaceResource(
        { role: assignment.role, plannedHours: assignment.plannedHours, billRate: assignment.billRate, status: 'CONFIRMED' },
        { psaWorkspaceId: assignment.psaWorkspaceId, psaUserId: assignment.psaUserId },
      );
      const [created] = await this.client.create('workspace_resources', [body], { idempotencyKey: opts.idempotencyKey, signal: opts.signal });
      const mapped = created ? workspaceResourceToAssignment(created, workspace) : null;
      if (!created || !mapped) throw new SourceError('BAD_RESPONSE', 'PSA', 'workspace_resources: create answered without a complete record');
      return { psaAssignmentId: created.id, assignment: mapped };
    });
  }

  /** One `POST time_entries` of all entries (Kantata creates all or none), status submitted; then their workspaces. Calls: 2. */
  async createTimeEntries(
    entries: { psaUserId: string; psaWorkspaceId: string; date: string; hours: number; billable: boolean; notes: string | null }[],
    opts: WriteOptions,
  ): Promise<{ psaTimeEntryIds: string[]; entries: TimeEntry[] }> {
    if (entries.length === 0) return { psaTimeEntryIds: [], entries: [] };
    return inSourceContext('PSA', `PSA time_entries create (${entries.length} entries)`, async () => {
      const bodies = entries.map((e) =>
        timeEntryToPsa({ date: e.date, hours: e.hours, billable: e.billable, status: 'SUBMITTED', notes: e.notes }, { psaUserId: e.psaUserId, psaWorkspaceId: e.psaWorkspaceId }),
      );
      const created = await this.client.create('time_entries', bodies, { idempotencyKey: opts.idempotencyKey, signal: opts.signal });
      if (created.length !== entries.length) {
        throw new SourceError('BAD_RESPONSE', 'PSA', `time_entries: created ${created.length} records for ${entries.length} entries`);
      }
      const workspaces = await this.workspacesById(created.map((t) => t.workspace_id), opts.signal);
      return { psaTimeEntryIds: created.map((t) => t.id), entries: this.toCanonical(created, workspaces) };
    });
  }

  /**
   * Reads the entries (`only=`, with their workspaces), refuses invoiced or rejected ones
   * before writing anything, then one `PUT` per entry not yet approved. Calls: 1 + n.
   */
  async approveTimeEntries(psaTimeEntryIds: readonly string[], opts: WriteOptions): Promise<{ entries: TimeEntry[] }> {
    return inSourceContext('PSA', 'PSA time_entries approval', async () => {
      const { records, workspaces } = await this.readEntries(psaTimeEntryIds, opts.signal);
      const refused = records.filter((t) => t.status === 'invoiced' || t.status === 'rejected');
      if (refused.length > 0) {
        throw new SourceError('REJECTED', 'PSA', `time_entries ${describeEntries(refused)} cannot be approved (status must be draft, submitted or approved)`);
      }
      const updated = await this.updateStatus(records, 'APPROVED', undefined, opts);
      return { entries: this.toCanonical(updated, workspaces) };
    });
  }

  /**
   * Time entries of the workspace (`workspace_id` filter, paged) that are approved,
   * billable, without `invoice_reference` and dated on or before `periodEnd`, each with
   * the bill rate of the user's workspace resource on that workspace (a non-cancelled
   * one first), else the user's own bill rate. Calls: 3 (+1 per further 2,000 entries).
   */
  async unbilledApprovedTime(
    psaWorkspaceId: string,
    periodEnd: string,
    signal?: AbortSignal,
  ): Promise<{ psaTimeEntryId: string; psaUserId: string; resourceName: string; hours: number; rate: Money }[]> {
    return inSourceContext('PSA', `PSA unbilled time of workspace ${psaWorkspaceId} to ${periodEnd}`, async () => {
      this.assertId('workspaces', psaWorkspaceId);
      const [time, resources] = await Promise.all([
        this.client.listAll('time_entries', { filters: { workspace_id: psaWorkspaceId }, signal }),
        this.client.listAll('workspace_resources', { filters: { workspace_id: psaWorkspaceId }, signal }),
      ]);
      const unbilled = time.records
        .filter((t) => t.status === 'approved' && t.billable && !t.invoice_reference && t.date_performed <= periodEnd)
        .sort((a, b) => Number(a.id) - Number(b.id));
      if (unbilled.length === 0) return [];
      const userIds = unique(unbilled.map((t) => t.user_id));
      const users = new Map<string, { full_name: string; bill_rate_in_cents?: number | null; currency?: string | null }>();
      for (const part of chunk(userIds, KANTATA_ONLY_LIMIT)) {
        for (const u of (await this.client.listAll('users', { only: part, perPage: KANTATA_ONLY_LIMIT, signal })).records) users.set(u.id, u);
      }
      const rateOf = new Map<string, Money>();
      for (const userId of userIds) {
        const mine = resources.records
          .filter((r) => r.user_id === userId && r.bill_rate_in_cents !== null && r.bill_rate_in_cents !== undefined)
          .sort((a, b) => Number(a.status === 'cancelled') - Number(b.status === 'cancelled') || Number(b.id) - Number(a.id));
        const user = users.get(userId);
        if (mine[0]) rateOf.set(userId, moneyFromCents('PSA', 'workspace_resources.bill_rate_in_cents', mine[0].bill_rate_in_cents!, mine[0].currency));
        else if (user && user.bill_rate_in_cents !== null && user.bill_rate_in_cents !== undefined) {
          rateOf.set(userId, moneyFromCents('PSA', 'users.bill_rate_in_cents', user.bill_rate_in_cents, user.currency ?? 'USD'));
        } else {
          throw new SourceError(
            'REJECTED',
            'PSA',
            `user ${userId}${user ? ` (${user.full_name})` : ''} has no bill rate: set bill_rate_in_cents on the user's workspace_resources for workspace ${psaWorkspaceId} or on the user`,
          );
        }
      }
      return unbilled.map((t) => ({
        psaTimeEntryId: t.id,
        psaUserId: t.user_id,
        resourceName: users.get(t.user_id)?.full_name ?? `PSA user ${t.user_id}`,
        hours: minutesToHours(t.time_in_minutes),
        rate: rateOf.get(t.user_id)!,
      }));
    });
  }

  /**
   * Reads the entries, refuses any that are not approved (or are invoiced on another
   * invoice) before writing, then one `PUT` per entry not yet invoiced on this invoice
   * (`status` invoiced, `invoice_reference`). Calls: 1 + n.
   */
  async markTimeInvoiced(psaTimeEntryIds: readonly string[], erpInvoiceId: string, opts: WriteOptions): Promise<void> {
    await inSourceContext('PSA', `PSA time_entries invoicing on ERP invoice ${erpInvoiceId}`, async () => {
      const { records } = await this.readEntries(psaTimeEntryIds, opts.signal);
      const elsewhere = records.filter((t) => t.status === 'invoiced' && t.invoice_reference !== erpInvoiceId);
      if (elsewhere.length > 0) {
        throw new SourceError('REJECTED', 'PSA', `time_entries ${elsewhere.map((t) => `${t.id} (invoice_reference ${t.invoice_reference ?? 'empty'})`).join(', ')} are already invoiced on another invoice`);
      }
      const unapproved = records.filter((t) => t.status !== 'invoiced' && t.status !== 'approved');
      if (unapproved.length > 0) throw new SourceError('REJECTED', 'PSA', `time_entries ${describeEntries(unapproved)} are not approved and cannot be invoiced`);
      await this.updateStatus(records, 'INVOICED', erpInvoiceId, opts);
    });
  }

  /** Entries by id with their workspaces (`only=`, chunked); unknown ids are NOT_FOUND naming them. */
  private async readEntries(ids: readonly string[], signal?: AbortSignal): Promise<{ records: TimeEntryWire[]; workspaces: Record<string, WorkspaceWire> }> {
    const wanted = unique(ids);
    const bad = wanted.filter((id) => !isKantataId(id));
    if (bad.length > 0) throw new SourceError('NOT_FOUND', 'PSA', `not Kantata time entry ids: ${bad.slice(0, 20).join(', ')}`);
    const records: TimeEntryWire[] = [];
    const workspaces: Record<string, WorkspaceWire> = {};
    for (const part of chunk(wanted, KANTATA_ONLY_LIMIT)) {
      const page = await this.client.listAll('time_entries', { only: part, include: ['workspace'], perPage: KANTATA_ONLY_LIMIT, signal });
      records.push(...page.records);
      Object.assign(workspaces, page.workspaces);
    }
    const found = new Set(records.map((r) => r.id));
    const missing = wanted.filter((id) => !found.has(id));
    if (missing.length > 0) throw new SourceError('NOT_FOUND', 'PSA', `time_entries ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ` and ${missing.length - 20} more` : ''} do not exist`);
    return { records, workspaces };
  }

  /**
   * One `PUT` per entry not yet in `target` (keys `<key>:<entry id>`), {@link PSA_WRITE_CONCURRENCY}
   * at a time; answers every entry as it stands after.
   */
  private async updateStatus(records: readonly TimeEntryWire[], target: TimeEntryStatus, erpInvoiceId: string | undefined, opts: WriteOptions): Promise<TimeEntryWire[]> {
    const vendorTarget = TIME_ENTRY_STATUS.toVendor(target);
    const todo = records.filter((t) => t.status !== vendorTarget);
    const updated = await mapLimit(todo, PSA_WRITE_CONCURRENCY, (t) =>
      inSourceContext('PSA', `PSA time_entries ${t.id}`, () =>
        this.client.update('time_entries', t.id, timeEntryStatusBody(target, erpInvoiceId), { idempotencyKey: `${opts.idempotencyKey}:${t.id}`, signal: opts.signal }),
      ),
    );
    const byId = new Map(updated.map((t) => [t.id, t]));
    return records.map((t) => byId.get(t.id) ?? t);
  }

  private async workspacesById(ids: readonly string[], signal?: AbortSignal): Promise<Record<string, WorkspaceWire>> {
    const out: Record<string, WorkspaceWire> = {};
    for (const part of chunk(unique(ids), KANTATA_ONLY_LIMIT)) {
      for (const w of (await this.client.listAll('workspaces', { only: part, perPage: KANTATA_ONLY_LIMIT, signal })).records) out[w.id] = w;
    }
    return out;
  }

  /** Canonical entries; those whose workspace has no ERP job cannot be canonical and are skipped with a warning. */
  private toCanonical(records: readonly TimeEntryWire[], workspaces: Record<string, WorkspaceWire>): TimeEntry[] {
    const out: TimeEntry[] = [];
    const skipped: string[] = [];
    for (const r of records) {
      const t = timeEntryToCanonical(r, workspaces[r.workspace_id]);
      if (t) out.push(t);
      else skipped.push(r.id);
    }
    if (skipped.length > 0) this.log.warn({ skipped: skipped.slice(0, 20), count: skipped.length }, 'time entries whose workspace has no ERP job are left out of the answer');
    return out;
  }

  private assertId(object: string, id: string): void {
    if (!isKantataId(id)) throw new SourceError('NOT_FOUND', 'PSA', `${object}: not a Kantata id: ${JSON.stringify(id)}`);
  }

}

function describeEntries(entries: readonly TimeEntryWire[]): string {
  const shown = entries.slice(0, 20).map((t) => `${t.id} (${t.status})`);
  return `${shown.join(', ')}${entries.length > 20 ? ` and ${entries.length - 20} more` : ''}`;
}

/** The PSA system API (reads and writes) over its own HTTP client. */
export function createPsaAdapter(config: SystemConfig, log: Logger = createLogger('adapter-psa')): PsaSystemApi {
  return new PsaSystemApi(new KantataClient(new VendorHttpClient('PSA', config, log)), log);
}
