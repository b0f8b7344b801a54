import { generateWorld } from '../seed/generate-world';
import type { PsaData } from '../seed/world';
import type { RunningSystem } from '../server/system-server';
import { startPsa } from '../start';
import { call } from '../testing';

const API = '/api/v1';
const world = generateWorld({ seed: 42, customers: 50, today: '2025-03-15' });

let psa: RunningSystem<PsaData>;
beforeAll(async () => {
  psa = await startPsa({ world });
});
afterAll(() => psa.stop());

describe('lists', () => {
  it('answers the Kantata envelope, 200 per page by default', async () => {
    const res = await call(psa, 'GET', `${API}/users`);
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(200);
    expect(res.body.meta).toEqual({ count: 200, page_count: 1, page_number: 1, page_size: 200 });
    expect(res.body.results).toHaveLength(200);
    expect(res.body.results[0]).toEqual({ key: 'users', id: world.psa.users[0].id });
    expect(res.body.users[world.psa.users[0].id]).toEqual(world.psa.users[0]);
  });

  it('pages with page and per_page, at most 2,000 a page', async () => {
    const page2 = await call(psa, 'GET', `${API}/time_entries?page=2&per_page=1500`);
    expect(page2.body.meta).toEqual({ count: 5000, page_count: 4, page_number: 2, page_size: 1500 });
    expect(page2.body.results.map((r: { id: string }) => r.id)).toEqual(world.psa.timeEntries.slice(1500, 3000).map((e) => e.id));
    const clamped = await call(psa, 'GET', `${API}/time_entries?per_page=5000`);
    expect(clamped.body.meta).toMatchObject({ page_size: 2000, page_count: 3 });
    expect(clamped.body.results).toHaveLength(2000);
    const beyond = await call(psa, 'GET', `${API}/time_entries?page=9&per_page=2000`);
    expect(beyond.body).toMatchObject({ count: 5000, results: [], time_entries: {} });
    expect((await call(psa, 'GET', `${API}/users?page=0`)).status).toBe(400);
  });

  it('reads a batch with only=, unknown ids absent, at most 1,000', async () => {
    const ids = [world.psa.users[5].id, '1', world.psa.users[2].id];
    const res = await call(psa, 'GET', `${API}/users?only=${ids.join(',')}`);
    expect(res.body.results).toEqual([
      { key: 'users', id: world.psa.users[2].id },
      { key: 'users', id: world.psa.users[5].id },
    ]);
    const tooMany = Array.from({ length: 1001 }, (_, i) => String(i + 1)).join(',');
    const limited = await call(psa, 'GET', `${API}/users?only=${tooMany}`);
    expect(limited.status).toBe(400);
    expect(limited.body.errors[0].type).toBe('bad_request');
  });

  it('filters by workspace_id and user_id and side-loads workspaces and users', async () => {
    const [w1, w2] = world.psa.workspaces.filter((w) => w.status === 'active');
    const expected = world.psa.timeEntries.filter((e) => e.workspace_id === w1.id || e.workspace_id === w2.id);
    const res = await call(psa, 'GET', `${API}/time_entries?workspace_id=${w1.id},${w2.id}&include=workspace&per_page=2000`);
    expect(res.body.count).toBe(expected.length);
    expect(res.body.results.map((r: { id: string }) => r.id)).toEqual(expected.map((e) => e.id));
    expect(Object.keys(res.body.workspaces).sort()).toEqual([w1.id, w2.id].sort());
    expect(res.body.workspaces[w1.id]).toEqual(w1);

    const user = expected[0].user_id;
    const both = await call(psa, 'GET', `${API}/time_entries?workspace_id=${w1.id},${w2.id}&user_id=${user}&include=workspace,user`);
    expect(both.body.count).toBe(expected.filter((e) => e.user_id === user).length);
    expect(Object.keys(both.body.users)).toEqual([user]);

    const staffing = await call(psa, 'GET', `${API}/workspace_resources?workspace_id=${w1.id}`);
    expect(staffing.body.results.map((r: { id: string }) => r.id)).toEqual(world.psa.workspaceResources.filter((a) => a.workspace_id === w1.id).map((a) => a.id));
  });

  it('rejects filters and includes an object does not have', async () => {
    expect((await call(psa, 'GET', `${API}/users?workspace_id=30001`)).status).toBe(400);
    expect((await call(psa, 'GET', `${API}/workspaces?include=user`)).status).toBe(400);
    expect((await call(psa, 'GET', `${API}/time_entries?include=invoice`)).body.errors[0].type).toBe('bad_request');
  });
});

describe('single records', () => {
  it('answers the envelope with one result, or 404', async () => {
    const entry = world.psa.timeEntries.find((e) => e.status === 'invoiced')!;
    const res = await call(psa, 'GET', `${API}/time_entries/${entry.id}?include=workspace`);
    expect(res.body).toEqual({
      count: 1,
      results: [{ key: 'time_entries', id: entry.id }],
      time_entries: { [entry.id]: entry },
      workspaces: { [entry.workspace_id]: world.psa.workspaces.find((w) => w.id === entry.workspace_id) },
      meta: { count: 1, page_count: 1, page_number: 1, page_size: 1 },
    });
    const missing = await call(psa, 'GET', `${API}/workspaces/1`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ errors: [{ type: 'not_found', message: expect.any(String) }] });
  });
});

describe('writes', () => {
  const assignment = world.psa.workspaceResources.find((a) => a.status === 'confirmed')!;

  it('creates time entries with defaults and updates their status', async () => {
    const res = await call(psa, 'POST', `${API}/time_entries`, {
      body: {
        time_entries: [
          { user_id: assignment.user_id, workspace_id: assignment.workspace_id, date_performed: '2025-03-14', time_in_minutes: 90 },
          { user_id: Number(assignment.user_id), workspace_id: assignment.workspace_id, date_performed: '2025-03-14', time_in_minutes: 30, billable: false, status: 'submitted', notes: 'Review' },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(2);
    const [a, b] = res.body.results.map((r: { id: string }) => res.body.time_entries[r.id]);
    expect(a).toMatchObject({ user_id: assignment.user_id, billable: true, status: 'draft', invoice_reference: null, notes: null });
    expect(b).toMatchObject({ billable: false, status: 'submitted', notes: 'Review' });
    expect(Number(b.id)).toBeGreaterThan(Number(world.psa.timeEntries[world.psa.timeEntries.length - 1].id));

    const put = await call(psa, 'PUT', `${API}/time_entries/${a.id}`, { body: { time_entries: { status: 'invoiced', invoice_reference: '29999' } } });
    expect(put.status).toBe(200);
    expect(put.body.time_entries[a.id]).toMatchObject({ status: 'invoiced', invoice_reference: '29999', time_in_minutes: 90, created_at: a.created_at });
    const read = await call(psa, 'GET', `${API}/time_entries/${a.id}`);
    expect(read.body.time_entries[a.id].status).toBe('invoiced');
  });

  it('creates a workspace and staffs it, once per user', async () => {
    const ws = await call(psa, 'POST', `${API}/workspaces`, {
      body: { workspaces: [{ title: 'Data Platform', external_reference: '5999', price_in_cents: 12_000_000, currency: 'EUR', start_date: '2025-04-01', status: 'active' }] },
    });
    const workspaceId = ws.body.results[0].id as string;
    const user = world.psa.users.find((u) => u.currency === 'EUR')!;
    const staff = () =>
      call(psa, 'POST', `${API}/workspace_resources`, { body: { workspace_resources: [{ workspace_id: workspaceId, user_id: user.id, role_name: 'Architect', planned_minutes: 6000 }] } });
    const first = await staff();
    expect(first.status).toBe(200);
    const created = first.body.workspace_resources[first.body.results[0].id];
    expect(created).toMatchObject({ status: 'confirmed', currency: 'EUR', bill_rate_in_cents: user.bill_rate_in_cents, planned_minutes: 6000 });
    const again = await staff();
    expect(again.status).toBe(422);
    expect(again.body.errors[0]).toMatchObject({ type: 'validation', field: 'user_id' });
  });

  it.each([
    [{ time_entries: [{ user_id: '10001', workspace_id: '30001', time_in_minutes: 60 }] }, 'date_performed'],
    [{ time_entries: [{ user_id: '1', workspace_id: '30001', date_performed: '2025-03-14', time_in_minutes: 60 }] }, 'user_id'],
    [{ time_entries: [{ user_id: '10001', workspace_id: '30001', date_performed: '2025-03-14', time_in_minutes: 0 }] }, 'time_in_minutes'],
    [{ time_entries: [{ user_id: '10001', workspace_id: '30001', date_performed: '2025-03-14', time_in_minutes: 60, status: 'paid' }] }, 'status'],
    [{ time_entries: [{ user_id: '10001', workspace_id: '30001', date_performed: '2025-03-14', time_in_minutes: 60, hours: 1 }] }, 'hours'],
  ])('rejects %j with 422 on %s and creates nothing', async (body, field) => {
    const before = psa.snapshot().timeEntries.length;
    const res = await call(psa, 'POST', `${API}/time_entries`, { body });
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ type: 'validation', field });
    expect(psa.snapshot().timeEntries).toHaveLength(before);
  });

  it('rejects a body without the object key with 400, and an unknown id with 404', async () => {
    expect((await call(psa, 'POST', `${API}/users`, { body: { full_name: 'X' } })).status).toBe(400);
    expect((await call(psa, 'PUT', `${API}/users/1`, { body: { users: { headline: 'X' } } })).status).toBe(404);
  });
});
