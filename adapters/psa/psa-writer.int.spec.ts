/** The PSA writer (PsaWriter) against the PSA simulator: effects read back through Kantata's API, idempotency, refusals, no write retries. */
import { canonicalId } from '../../canonical-schema';
import { startSimulatedAdapters, type SimulatedAdapters } from '../testing/simulated-adapters';
import { sourceFailure } from '../../test/support/source-failure';

let env: SimulatedAdapters;
beforeAll(async () => {
  env = await startSimulatedAdapters({ customers: 10 });
});
afterAll(async () => {
  await env?.stop();
});
afterEach(() => env.sim.PSA.clearFaults());

const psa = () => env.adapters.PSA;
const sim = () => env.systems.psa;

const entry = (id: string) => sim().snapshot().timeEntries.find((t) => t.id === id)!;

describe('PsaWriter workspaces and assignments', () => {
  let workspaceId: string;
  const budget = { amount: '50000.00', currency: 'USD' };

  it('creates one workspace per ERP job, whatever the key; cancels it and reopens it on a replay', async () => {
    const ws = { erpJobId: '1777', title: 'Globex rollout', budget, startDate: '2025-01-01', endDate: '2025-12-31' };
    const before = sim().snapshot().workspaces.length;
    const { psaWorkspaceId } = await psa().createWorkspace(ws, { idempotencyKey: 'ws-1' });
    expect(await psa().createWorkspace(ws, { idempotencyKey: 'ws-1' })).toEqual({ psaWorkspaceId });
    expect(await psa().createWorkspace(ws, { idempotencyKey: 'ws-other' })).toEqual({ psaWorkspaceId });
    expect(sim().snapshot().workspaces.length).toBe(before + 1);
    const { record } = await psa().client.get('workspaces', psaWorkspaceId);
    expect(record).toMatchObject({ title: 'Globex rollout', external_reference: '1777', price_in_cents: 5_000_000, currency: 'USD', start_date: '2025-01-01', due_date: '2025-12-31', status: 'active' });

    await psa().cancelWorkspace(psaWorkspaceId, { idempotencyKey: 'ws-cancel' });
    expect((await psa().client.get('workspaces', psaWorkspaceId)).record.status).toBe('cancelled');
    // a replayed conversion (new key) reopens the cancelled workspace rather than making a second one
    const again = await psa().createWorkspace(ws, { idempotencyKey: 'ws-2' });
    expect(again.psaWorkspaceId).toBe(psaWorkspaceId);
    expect((await psa().client.get('workspaces', psaWorkspaceId)).record.status).toBe('active');
    expect(sim().snapshot().workspaces.length).toBe(before + 1);
    workspaceId = again.psaWorkspaceId;
  });

  it('sets the budget, refusing another currency before writing', async () => {
    await psa().setWorkspaceBudget(workspaceId, { amount: '61234.57', currency: 'USD' }, { idempotencyKey: 'ws-b1' });
    expect((await psa().client.get('workspaces', workspaceId)).record.price_in_cents).toBe(6_123_457);
    const err = await sourceFailure(psa().setWorkspaceBudget(workspaceId, { amount: '1.00', currency: 'EUR' }, { idempotencyKey: 'ws-b2' }));
    expect(err.code).toBe('REJECTED');
    expect(err.message).toContain(`workspace ${workspaceId}`);
    expect((await psa().client.get('workspaces', workspaceId)).record.price_in_cents).toBe(6_123_457);
  });

  it('creates an assignment once per key, and reads staffing facts', async () => {
    const user = env.world.psa.users.find((u) => u.currency === 'USD')!;
    const a = { psaWorkspaceId: workspaceId, psaUserId: user.id, role: 'Lead consultant', plannedHours: 120.5, billRate: { amount: '210.00', currency: 'USD' } };
    const created = await psa().createAssignment(a, { idempotencyKey: 'as-1' });
    expect(await psa().createAssignment(a, { idempotencyKey: 'as-1' })).toEqual(created);
    expect(sim().snapshot().workspaceResources.filter((r) => r.workspace_id === workspaceId)).toHaveLength(1);
    expect(created.assignment).toMatchObject({
      projectId: canonicalId('project', '1777'),
      resourceId: canonicalId('resource', user.id),
      role: 'Lead consultant',
      plannedHours: 120.5,
      billRate: { amount: '210.00', currency: 'USD' },
      status: 'CONFIRMED',
    });

    // a second non-cancelled assignment of the same user is a Kantata validation error naming the field
    const dup = await sourceFailure(psa().createAssignment(a, { idempotencyKey: 'as-2' }));
    expect(dup).toMatchObject({ code: 'REJECTED', retryable: false });
    expect(dup.message).toContain('fields: user_id');

    sim().resetCounters();
    const facts = await psa().staffingFacts(user.id, workspaceId);
    expect(sim().counters().total).toBe(4);
    expect(facts.resource.id).toBe(canonicalId('resource', user.id));
    expect(facts.workspace).toEqual({ psaWorkspaceId: workspaceId, budget: { amount: '61234.57', currency: 'USD' }, startDate: '2025-01-01', endDate: '2025-12-31', status: 'ACTIVE' });
    expect(facts.workspaceAssignments.map((x) => x.id)).toEqual([created.assignment.id]);
    const seeded = env.world.psa.workspaceResources.filter((r) => r.user_id === user.id && r.status !== 'cancelled').length;
    expect(facts.resourceAssignments.length).toBe(seeded + 1);
    expect(facts.weeklyCapacityHours).toBe(40);
  });

  it('NOT_FOUND for an unknown user or workspace', async () => {
    const err = await sourceFailure(psa().staffingFacts('999999', workspaceId));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('user 999999');
    expect((await sourceFailure(psa().cancelWorkspace('999999', { idempotencyKey: 'nf' }))).code).toBe('NOT_FOUND');
  });
});

describe('PsaWriter time', () => {
  const ws = () => env.world.psa.workspaces.find((w) => w.external_reference && w.status === 'active')!;
  const staffed = () => env.world.psa.workspaceResources.find((r) => r.workspace_id === ws().id && r.status !== 'cancelled')!;

  it('creates time entries all at once as submitted, once per key; a bad one fails all naming the field', async () => {
    const userId = staffed().user_id;
    const entries = [
      { psaUserId: userId, psaWorkspaceId: ws().id, date: '2025-06-02', hours: 7.5, billable: true, notes: 'workshop' },
      { psaUserId: userId, psaWorkspaceId: ws().id, date: '2025-06-03', hours: 3.25, billable: false, notes: null },
    ];
    const before = sim().snapshot().timeEntries.length;
    const r = await psa().createTimeEntries(entries, { idempotencyKey: 'te-1' });
    expect(await psa().createTimeEntries(entries, { idempotencyKey: 'te-1' })).toEqual(r);
    expect(sim().snapshot().timeEntries.length).toBe(before + 2);
    expect(r.entries.map((e) => [e.hours, e.status, e.billable])).toEqual([
      [7.5, 'SUBMITTED', true],
      [3.25, 'SUBMITTED', false],
    ]);
    expect(entry(r.psaTimeEntryIds[0])).toMatchObject({ time_in_minutes: 450, status: 'submitted', date_performed: '2025-06-02' });

    const bad = await sourceFailure(psa().createTimeEntries([entries[0], { ...entries[1], hours: 30 }], { idempotencyKey: 'te-bad' }));
    expect(bad.code).toBe('REJECTED');
    expect(bad.message).toContain('time_in_minutes');
    expect(sim().snapshot().timeEntries.length).toBe(before + 2);
  });

  it('approves entries one PUT each, skipping approved ones, and refuses invoiced ones before writing', async () => {
    const userId = staffed().user_id;
    const { psaTimeEntryIds } = await psa().createTimeEntries(
      [1, 2, 3, 4, 5].map((d) => ({ psaUserId: userId, psaWorkspaceId: ws().id, date: `2025-06-0${d}`, hours: 1, billable: true, notes: null })),
      { idempotencyKey: 'te-2' },
    );
    await psa().approveTimeEntries(psaTimeEntryIds.slice(0, 2), { idempotencyKey: 'ap-1' });
    sim().resetCounters();
    const { entries } = await psa().approveTimeEntries(psaTimeEntryIds, { idempotencyKey: 'ap-2' });
    expect(entries.map((e) => e.status)).toEqual(['APPROVED', 'APPROVED', 'APPROVED', 'APPROVED', 'APPROVED']);
    expect(sim().counters().byEndpoint).toEqual({ 'GET /api/v1/time_entries': 1, 'PUT /api/v1/time_entries/:id': 3 });
    expect(psaTimeEntryIds.map((id) => entry(id).status)).toEqual(['approved', 'approved', 'approved', 'approved', 'approved']);

    const invoiced = env.world.psa.timeEntries.find((t) => t.status === 'invoiced')!;
    const submitted = env.world.psa.timeEntries.find((t) => t.status === 'submitted')!;
    const err = await sourceFailure(psa().approveTimeEntries([submitted.id, invoiced.id], { idempotencyKey: 'ap-3' }));
    expect(err.code).toBe('REJECTED');
    expect(err.message).toContain(`${invoiced.id} (invoiced)`);
    expect(entry(submitted.id).status).toBe('submitted');
    expect((await sourceFailure(psa().approveTimeEntries(['999999999'], { idempotencyKey: 'ap-4' }))).code).toBe('NOT_FOUND');
  });

  it('finds approved unbilled time with rates, marks it invoiced once, and then finds none', async () => {
    const w = ws();
    const unbilled = await psa().unbilledApprovedTime(w.id, '2099-12-31');
    const expected = sim()
      .snapshot()
      .timeEntries.filter((t) => t.workspace_id === w.id && t.status === 'approved' && t.billable && !t.invoice_reference);
    expect(unbilled.map((u) => u.psaTimeEntryId).sort()).toEqual(expected.map((t) => t.id).sort());
    expect(unbilled.length).toBeGreaterThan(0);
    for (const u of unbilled) {
      const wr = env.world.psa.workspaceResources.find((r) => r.workspace_id === w.id && r.user_id === u.psaUserId && r.status !== 'cancelled');
      if (wr?.bill_rate_in_cents) expect(u.rate).toEqual({ amount: (wr.bill_rate_in_cents / 100).toFixed(2), currency: wr.currency });
      expect(u.resourceName).toBe(env.world.psa.users.find((x) => x.id === u.psaUserId)!.full_name);
    }
    const early = await psa().unbilledApprovedTime(w.id, '2025-06-01');
    expect(early.every((u) => entry(u.psaTimeEntryId).date_performed <= '2025-06-01')).toBe(true);

    const ids = unbilled.map((u) => u.psaTimeEntryId);
    await psa().markTimeInvoiced(ids, '29999', { idempotencyKey: 'inv-1' });
    sim().resetCounters();
    await psa().markTimeInvoiced(ids, '29999', { idempotencyKey: 'inv-1' });
    expect(sim().counters().byEndpoint).toEqual({ 'GET /api/v1/time_entries': Math.ceil(ids.length / 1000) });
    expect(ids.every((id) => entry(id).status === 'invoiced' && entry(id).invoice_reference === '29999')).toBe(true);
    expect(await psa().unbilledApprovedTime(w.id, '2099-12-31')).toEqual([]);

    const err = await sourceFailure(psa().markTimeInvoiced(ids.slice(0, 1), '30000', { idempotencyKey: 'inv-2' }));
    expect(err.code).toBe('REJECTED');
    expect(err.message).toContain('already invoiced');
  });

  it('writes are not retried: a 503 on the per-entry PUTs stops after the first failures', async () => {
    const userId = staffed().user_id;
    const { psaTimeEntryIds } = await psa().createTimeEntries(
      [1, 2, 3, 4, 5, 6, 7, 8].map((d) => ({ psaUserId: userId, psaWorkspaceId: ws().id, date: `2025-05-0${d}`, hours: 2, billable: true, notes: null })),
      { idempotencyKey: 'te-3' },
    );
    sim().setFaults({ error5xx: true });
    sim().resetCounters();
    const err = await sourceFailure(psa().createTimeEntries([{ psaUserId: userId, psaWorkspaceId: ws().id, date: '2025-05-09', hours: 1, billable: true, notes: null }], { idempotencyKey: 'te-4' }));
    expect(err).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(sim().counters().byEndpoint['POST /api/v1/time_entries']).toBe(1);
    sim().clearFaults();
    // the read succeeds, then every PUT fails: 4 start at once (the concurrency), none is repeated, none starts after
    const api = env.make().PSA;
    const listAll = api.client.listAll.bind(api.client);
    api.client.listAll = (async (...args: Parameters<typeof listAll>) => {
      const out = await listAll(...args);
      sim().setFaults({ error5xx: true });
      sim().resetCounters();
      return out;
    }) as typeof api.client.listAll;
    const err2 = await sourceFailure(api.approveTimeEntries(psaTimeEntryIds, { idempotencyKey: 'ap-5' }));
    expect(err2).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(err2.message).toMatch(/time_entries \d+/);
    expect(sim().counters().byEndpoint).toEqual({ 'PUT /api/v1/time_entries/:id': 4 });
    sim().clearFaults();
    expect(psaTimeEntryIds.map((id) => entry(id).status)).toEqual(Array(8).fill('submitted'));
  });
});
