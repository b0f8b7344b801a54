/** The Kantata client and PSA mappers against the PSA simulator: writes read back, side-loads, skipped orphans. */
import { assignmentSchema, canonicalId, timeEntrySchema } from '../../canonical-schema';
import { startSimulatedAdapters, type SimulatedAdapters } from '../testing/simulated-adapters';
import { assignmentToWorkspaceResource, projectToWorkspace, resourceToUser, timeEntryToPsa } from './psa-mapper';

let env: SimulatedAdapters;
beforeAll(async () => {
  env = await startSimulatedAdapters({ customers: 10 });
});
afterAll(async () => {
  await env?.stop();
});
beforeEach(() => env.sim.PSA.resetCounters());

const psa = () => env.adapters.PSA;

describe('PSA writes through the reverse mappers', () => {
  const jobId = '987654';
  let workspaceId: string;
  let userId: string;

  beforeAll(async () => {
    const [user] = await psa().client.create(
      'users',
      [resourceToUser({ name: 'Grace Hopper', email: 'grace@example.com', title: 'Architect', skills: ['COBOL'], billRate: { amount: '250.00', currency: 'USD' }, costRate: null })],
      { idempotencyKey: 'grace-1' },
    );
    userId = user.id;
    const [ws] = await psa().client.create('workspaces', [
      projectToWorkspace({ name: 'Initech migration', status: 'ACTIVE', budget: { amount: '120000.50', currency: 'USD' }, startDate: '2025-07-01', endDate: null }, { erpJobId: jobId }),
    ]);
    workspaceId = ws.id;
  });

  it('creates a user that reads back as the same resource', async () => {
    const [again] = await psa().client.create('users', [resourceToUser({ name: 'Grace Hopper', email: 'grace@example.com', title: null, skills: [], billRate: null, costRate: null })], {
      idempotencyKey: 'grace-1',
    });
    expect(again.id).toBe(userId);
    const [r] = await psa().fetchMany('resource', [userId]);
    expect(r).toEqual({
      id: canonicalId('resource', userId),
      name: 'Grace Hopper',
      email: 'grace@example.com',
      title: 'Architect',
      skills: ['COBOL'],
      billRate: { amount: '250.00', currency: 'USD' },
      costRate: null,
      externalIds: [{ system: 'PSA', id: userId }],
    });
  });

  it('creates an assignment whose project is the ERP job behind the workspace', async () => {
    const [created] = await psa().client.create('workspace_resources', [
      assignmentToWorkspaceResource({ role: 'Architect', plannedHours: 120.5, billRate: { amount: '240.00', currency: 'USD' }, status: 'CONFIRMED' }, { psaWorkspaceId: workspaceId, psaUserId: userId }),
    ]);
    const [a] = await psa().fetchMany('assignment', [created.id]);
    expect(assignmentSchema.parse(a)).toEqual(a);
    expect(a).toEqual({
      id: canonicalId('assignment', created.id),
      projectId: canonicalId('project', jobId),
      resourceId: canonicalId('resource', userId),
      role: 'Architect',
      plannedHours: 120.5,
      billRate: { amount: '240.00', currency: 'USD' },
      status: 'CONFIRMED',
      externalIds: [{ system: 'PSA', id: created.id }],
    });
  });

  it('creates a time entry and marks it invoiced', async () => {
    const entry = { date: '2025-07-02', hours: 7.25, billable: true, status: 'SUBMITTED' as const, notes: 'Kick-off' };
    const [created] = await psa().client.create('time_entries', [timeEntryToPsa(entry, { psaUserId: userId, psaWorkspaceId: workspaceId })]);
    const [t] = await psa().fetchMany('timeEntry', [created.id]);
    expect(timeEntrySchema.parse(t)).toEqual(t);
    expect(t).toEqual({
      ...entry,
      id: canonicalId('timeEntry', created.id),
      resourceId: canonicalId('resource', userId),
      projectId: canonicalId('project', jobId),
      invoiceId: null,
      externalIds: [{ system: 'PSA', id: created.id }],
    });
    await psa().client.update('time_entries', created.id, timeEntryToPsa({ ...entry, status: 'INVOICED' }, { psaUserId: userId, psaWorkspaceId: workspaceId, erpInvoiceId: '555' }));
    const [invoiced] = await psa().fetchMany('timeEntry', [created.id]);
    expect(invoiced).toMatchObject({ status: 'INVOICED', invoiceId: canonicalId('invoice', '555') });
    // one call each: the workspace came side-loaded
    expect(env.sim.PSA.counters().byEndpoint['GET /api/v1/time_entries']).toBe(2);
    expect(env.sim.PSA.counters().byEndpoint['GET /api/v1/workspaces'] ?? 0).toBe(0);
  });

  it('skips time and assignments in a workspace that has no ERP job', async () => {
    const [orphan] = await psa().client.create('workspaces', [
      projectToWorkspace({ name: 'Internal training', status: 'ACTIVE', budget: null, startDate: null, endDate: null }, { erpJobId: null, currency: 'USD' }),
    ]);
    const [te] = await psa().client.create('time_entries', [
      timeEntryToPsa({ date: '2025-07-03', hours: 1, billable: false, status: 'DRAFT', notes: null }, { psaUserId: userId, psaWorkspaceId: orphan.id }),
    ]);
    const [wr] = await psa().client.create('workspace_resources', [
      assignmentToWorkspaceResource({ role: 'Trainee', plannedHours: 8, billRate: { amount: '0', currency: 'USD' }, status: 'PROPOSED' }, { psaWorkspaceId: orphan.id, psaUserId: userId }),
    ]);
    const known = env.world.psa.timeEntries[0].id;
    const got = await psa().fetchMany('timeEntry', [te.id, known]);
    expect(got.map((t) => t.externalIds[0].id)).toEqual([known]);
    expect(await psa().fetchMany('assignment', [wr.id])).toEqual([]);
  });
});
