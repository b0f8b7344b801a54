import { assignmentSchema, canonicalId, resourceSchema, timeEntrySchema } from '../../canonical-schema';
import { SourceError } from '../http/source-error';
import {
  ASSIGNMENT_STATUS,
  TIME_ENTRY_STATUS,
  WORKSPACE_STATUS,
  assignmentToWorkspaceResource,
  hoursToMinutes,
  minutesToHours,
  projectToWorkspace,
  resourceToUser,
  timeEntryToCanonical,
  timeEntryToPsa,
  userToResource,
  workspaceResourceToAssignment,
} from './psa-mapper';
import { timeEntryWire, userWire, workspaceResourceWire, workspaceWire, type WorkspaceWire } from './psa-wire';

const ws: WorkspaceWire = workspaceWire.parse({ id: '7', title: 'Acme data platform', external_reference: '42', price_in_cents: 25000050, currency: 'USD', status: 'active' });
const orphan: WorkspaceWire = workspaceWire.parse({ id: '8', title: 'Internal', external_reference: null, status: 'active' });

const user = (over: Record<string, unknown> = {}) =>
  userWire.parse({
    id: 55,
    full_name: 'Ada Lovelace',
    email_address: 'ada@example.com',
    headline: 'Principal Engineer',
    skills: ['TypeScript', 'GraphQL'],
    bill_rate_in_cents: 22550,
    cost_rate_in_cents: 11001,
    currency: 'USD',
    ...over,
  });
const wr = (over: Record<string, unknown> = {}) =>
  workspaceResourceWire.parse({ id: '300', workspace_id: '7', user_id: '55', role_name: 'Lead', planned_minutes: 9000, bill_rate_in_cents: 20000, currency: 'USD', status: 'confirmed', ...over });
const te = (over: Record<string, unknown> = {}) =>
  timeEntryWire.parse({ id: '9001', user_id: '55', workspace_id: '7', date_performed: '2025-03-03', time_in_minutes: 450, billable: true, notes: 'Pairing', status: 'approved', invoice_reference: null, ...over });

describe('userToResource', () => {
  it('maps a user with exact cents → money; a numeric id reads as a string', () => {
    const r = userToResource(user());
    expect(resourceSchema.parse(r)).toEqual(r);
    expect(r).toEqual({
      id: canonicalId('resource', '55'),
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      title: 'Principal Engineer',
      skills: ['TypeScript', 'GraphQL'],
      billRate: { amount: '225.50', currency: 'USD' },
      costRate: { amount: '110.01', currency: 'USD' },
      externalIds: [{ system: 'PSA', id: '55' }],
    });
  });

  it('maps absent rates and headline to null', () => {
    expect(userToResource(user({ bill_rate_in_cents: null, cost_rate_in_cents: undefined, headline: null, skills: undefined }))).toMatchObject({
      billRate: null,
      costRate: null,
      title: null,
      skills: [],
    });
  });
});

describe('workspaceResourceToAssignment', () => {
  it('maps an assignment; the project comes from the workspace external_reference', () => {
    const a = workspaceResourceToAssignment(wr(), ws);
    expect(a).not.toBeNull();
    expect(assignmentSchema.parse(a)).toEqual(a);
    expect(a).toEqual({
      id: canonicalId('assignment', '300'),
      projectId: canonicalId('project', '42'),
      resourceId: canonicalId('resource', '55'),
      role: 'Lead',
      plannedHours: 150,
      billRate: { amount: '200.00', currency: 'USD' },
      status: 'CONFIRMED',
      externalIds: [{ system: 'PSA', id: '300' }],
    });
  });

  it('is null when the workspace has no ERP job or was not side-loaded', () => {
    expect(workspaceResourceToAssignment(wr(), orphan)).toBeNull();
    expect(workspaceResourceToAssignment(wr(), undefined)).toBeNull();
  });

  it('is null without a role or a bill rate (Kantata allows both to be empty)', () => {
    expect(workspaceResourceToAssignment(wr({ role_name: null }), ws)).toBeNull();
    expect(workspaceResourceToAssignment(wr({ bill_rate_in_cents: null }), ws)).toBeNull();
  });

  it.each([
    ['proposed', 'PROPOSED'],
    ['confirmed', 'CONFIRMED'],
    ['completed', 'COMPLETED'],
    ['cancelled', 'CANCELLED'],
  ] as const)('status %s → %s', (v, c) => {
    expect(workspaceResourceToAssignment(wr({ status: v }), ws)?.status).toBe(c);
    expect(ASSIGNMENT_STATUS.toVendor(c)).toBe(v);
  });

  it('rejects an unknown status as BAD_RESPONSE naming the field', () => {
    let err: unknown;
    try {
      workspaceResourceToAssignment(wr({ status: 'tentative' }), ws);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ code: 'BAD_RESPONSE', system: 'PSA' });
    expect((err as Error).message).toMatch(/workspace_resources.status.*"tentative"/);
  });
});

describe('timeEntryToCanonical', () => {
  it('maps a time entry with hours from minutes', () => {
    const t = timeEntryToCanonical(te({ status: 'invoiced', invoice_reference: '900' }), ws);
    expect(timeEntrySchema.parse(t)).toEqual(t);
    expect(t).toEqual({
      id: canonicalId('timeEntry', '9001'),
      resourceId: canonicalId('resource', '55'),
      projectId: canonicalId('project', '42'),
      date: '2025-03-03',
      hours: 7.5,
      billable: true,
      status: 'INVOICED',
      notes: 'Pairing',
      invoiceId: canonicalId('invoice', '900'),
      externalIds: [{ system: 'PSA', id: '9001' }],
    });
  });

  it('is null for a workspace without ERP job', () => {
    expect(timeEntryToCanonical(te(), orphan)).toBeNull();
  });

  it.each([
    ['draft', 'DRAFT'],
    ['submitted', 'SUBMITTED'],
    ['approved', 'APPROVED'],
    ['rejected', 'REJECTED'],
    ['invoiced', 'INVOICED'],
  ] as const)('status %s → %s', (v, c) => {
    expect(timeEntryToCanonical(te({ status: v }), ws)?.status).toBe(c);
    expect(TIME_ENTRY_STATUS.toVendor(c)).toBe(v);
  });

  it('rejects an unknown status and a bad date', () => {
    expect(() => timeEntryToCanonical(te({ status: 'APPROVED' }), ws)).toThrow(/time_entries.status/);
    expect(() => timeEntryToCanonical(te({ date_performed: 'yesterday' }), ws)).toThrow(/date_performed/);
  });
});

describe('minutes and hours', () => {
  it('round-trip whole minutes', () => {
    for (const m of [1, 7, 20, 45, 50, 100, 450, 9000]) expect(hoursToMinutes(minutesToHours(m))).toBe(m);
  });
});

describe('canonical → Kantata', () => {
  it('writes a time entry that reads back the same', () => {
    const t = timeEntryToCanonical(te(), ws)!;
    const body = timeEntryToPsa(t, { psaUserId: '55', psaWorkspaceId: '7' });
    expect(body).toEqual({ user_id: '55', workspace_id: '7', date_performed: '2025-03-03', time_in_minutes: 450, billable: true, notes: 'Pairing', status: 'approved' });
    expect(timeEntryToCanonical(te({ ...body, id: '9001' }), ws)).toEqual(t);
    expect(timeEntryToPsa(t, { psaUserId: '55', psaWorkspaceId: '7', erpInvoiceId: '900' }).invoice_reference).toBe('900');
  });

  it('writes an assignment with exact cents', () => {
    const a = workspaceResourceToAssignment(wr(), ws)!;
    expect(assignmentToWorkspaceResource({ ...a, billRate: { amount: '187.55', currency: 'EUR' } }, { psaWorkspaceId: '7', psaUserId: '55' })).toEqual({
      workspace_id: '7',
      user_id: '55',
      role_name: 'Lead',
      planned_minutes: 9000,
      bill_rate_in_cents: 18755,
      currency: 'EUR',
      status: 'confirmed',
    });
  });

  it('writes a project as a workspace', () => {
    expect(
      projectToWorkspace(
        { name: 'Acme data platform', status: 'ON_HOLD', budget: { amount: '250000.50', currency: 'USD' }, startDate: '2025-01-06', endDate: null },
        { erpJobId: '42' },
      ),
    ).toEqual({ title: 'Acme data platform', external_reference: '42', price_in_cents: 25000050, currency: 'USD', start_date: '2025-01-06', due_date: null, status: 'on_hold' });
    expect(WORKSPACE_STATUS.toCanonical('completed')).toBe('COMPLETED');
  });

  it('writes a resource as a user', () => {
    const r = userToResource(user());
    expect(resourceToUser(r)).toEqual({
      full_name: 'Ada Lovelace',
      email_address: 'ada@example.com',
      headline: 'Principal Engineer',
      skills: ['TypeScript', 'GraphQL'],
      bill_rate_in_cents: 22550,
      cost_rate_in_cents: 11001,
      currency: 'USD',
    });
  });
});
