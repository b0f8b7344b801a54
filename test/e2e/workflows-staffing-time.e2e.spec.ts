import type { StaffingFacts } from '../../adapters/writes';
import { Decimal, type Assignment, type Project, type Resource, type TimeEntry } from '../../canonical-schema';
import { checkStaffing } from '../../sync';
import { gql, startTestStack, type TestStack } from '../support/stack';
import { externalId, graph, mutate, mutateAndSettle, psaRecords, recordCounts, settled, TX_FIELDS } from './workflows.support';

/**
 * staffing (assignResource: accepted; refused at the mutation for each reason;
 * refused by the worker when the PSA changed after the cache was read),
 * time-submission and time-approval, end to end through the gateway with workers.
 */

const ASSIGN = `mutation($input: AssignmentInput!, $key: String!) { assignResource(input: $input, idempotencyKey: $key) { ${TX_FIELDS} } }`;
const SUBMIT = `mutation($entries: [TimeEntryInput!]!, $key: String!) { submitTimeEntries(entries: $entries, idempotencyKey: $key) { ${TX_FIELDS} } }`;
const APPROVE = `mutation($ids: [ID!]!, $key: String!) { approveTimeEntries(ids: $ids, idempotencyKey: $key) { ${TX_FIELDS} } }`;

let t: TestStack;
let projects: Project[];
let resources: Resource[];
let assignments: Assignment[];

beforeAll(async () => {
  t = await startTestStack({ customers: 10, workers: true });
  [projects, resources, assignments] = await Promise.all([t.adapters.ERP.listAll('project'), t.adapters.PSA.listAll('resource'), t.adapters.PSA.listAll('assignment')]);
});
afterAll(async () => {
  await t?.stop();
});

/** The facts the assignResource resolver checks (the cache mirrors the seed), to pick test data; the test asserts on what Tandem answers. */
function factsOf(project: Project, resource: Resource): StaffingFacts {
  const open = (a: Assignment) => a.status !== 'CANCELLED';
  return {
    resource,
    workspace: { psaWorkspaceId: externalId(project, 'PSA'), budget: project.budget, startDate: project.startDate, endDate: project.endDate, status: project.status.toLowerCase() },
    resourceAssignments: assignments.filter((a) => a.resourceId === resource.id && open(a)),
    workspaceAssignments: assignments.filter((a) => a.projectId === project.id && open(a)),
    weeklyCapacityHours: 40,
  };
}
const costRateOf = (a: Assignment) => resources.find((r) => r.id === a.resourceId)?.costRate ?? null;

/** Pairs of an open, budgeted project and a resource with a rate card in its currency who is not staffed on it yet. */
function candidates(): { project: Project; resource: Resource }[] {
  const out = [];
  for (const project of projects.filter((p) => (p.status === 'ACTIVE' || p.status === 'PLANNED') && p.budget)) {
    for (const resource of resources.filter((r) => r.billRate?.currency === project.budget!.currency && r.costRate?.currency === project.budget!.currency)) {
      if (assignments.some((a) => a.projectId === project.id && a.resourceId === resource.id && a.status !== 'CANCELLED')) continue;
      out.push({ project, resource });
    }
  }
  return out;
}

async function transactionCount(): Promise<number> {
  return (await t.engine.list({ first: 1 })).totalCount;
}

test('assignResource accepted: one PSA workspace resource with the rate card, in the graph; the same key creates nothing more', async () => {
  const pair = candidates().find(({ project, resource }) => checkStaffing(factsOf(project, resource), { plannedHours: 16 }, { costRateOf }).ok)!;
  expect(pair).toBeDefined();
  const { project, resource } = pair;
  const before = await recordCounts(t);
  const input = { projectId: project.id, resourceId: resource.id, role: 'Data Engineer', plannedHours: 16 };
  const key = `wf-assign-${project.id}-${resource.id}`;
  const tx = await mutateAndSettle(t, ASSIGN, { input, key });
  expect(tx.steps.map((s) => [s.name, s.status])).toEqual([
    ['check-staffing', 'SUCCEEDED'],
    ['create-psa-assignment', 'SUCCEEDED'],
  ]);
  expect(await recordCounts(t)).toEqual({ ...before, assignments: before.assignments + 1 });
  const psa = Object.values(await psaRecords(t, 'workspace_resources', `workspace_id=${externalId(project, 'PSA')}`)).filter((r: any) => r.user_id === externalId(resource, 'PSA'));
  expect(psa).toHaveLength(1);
  expect(psa[0]).toMatchObject({ role_name: 'Data Engineer', planned_minutes: 16 * 60, bill_rate_in_cents: new Decimal(resource.billRate!.amount).times(100).toNumber(), status: 'confirmed' });

  const g = await graph(t, `query($id: ID!) { project(id: $id) { assignments { id role plannedHours status resource { id } billRate { amount } } } }`, { id: project.id });
  const a = g.project.assignments.find((x: any) => x.resource.id === resource.id);
  expect(a).toMatchObject({ id: tx.result!.assignmentId, role: 'Data Engineer', plannedHours: 16, status: 'CONFIRMED' });

  const again = await mutate(t, ASSIGN, { input, key });
  expect(again.id).toBe(tx.id);
  expect(await recordCounts(t)).toEqual({ ...before, assignments: before.assignments + 1 });
});

test.each([
  ['BILL_RATE_BELOW_RATE_CARD', /below .* rate card/],
  ['OVER_BUDGET', /above the remaining budget/],
  ['NOT_AVAILABLE', /h available between/],
] as const)('assignResource refused at the mutation (%s): STAFFING_REFUSED with the reason, nothing recorded, nothing sent', async (code, message) => {
  let found: { input: Record<string, unknown> } | undefined;
  for (const { project, resource } of candidates()) {
    const facts = factsOf(project, resource);
    const tries: { plannedHours: number; billRate?: { amount: string; currency: string } }[] =
      code === 'BILL_RATE_BELOW_RATE_CARD'
        ? [{ plannedHours: 8, billRate: { amount: new Decimal(resource.billRate!.amount).minus(1).toFixed(2), currency: resource.billRate!.currency } }]
        : code === 'NOT_AVAILABLE'
          ? [{ plannedHours: 10_000 }] // the most the input allows
          : [8, 40, 80, 160, 320, 640, 1000].map((h) => ({ plannedHours: h }));
    const hit = tries.find((r) => {
      const d = checkStaffing(facts, { plannedHours: r.plannedHours, billRate: r.billRate ?? null }, { costRateOf });
      return !d.ok && d.code === code;
    });
    if (hit) {
      found = { input: { projectId: project.id, resourceId: resource.id, role: 'Consultant', ...hit } };
      break;
    }
  }
  expect(found).toBeDefined();
  const [txs, before] = await Promise.all([transactionCount(), recordCounts(t)]);
  const r = await gql(t.gatewayUrl, ASSIGN, { input: found!.input, key: `wf-refused-${code}` });
  expect(r.data?.assignResource ?? null).toBeNull();
  expect(r.errors).toHaveLength(1);
  expect(r.errors![0].extensions).toMatchObject({ code: 'STAFFING_REFUSED', reason: code });
  expect(r.errors![0].message).toMatch(message);
  expect(await transactionCount()).toBe(txs);
  expect(await recordCounts(t)).toEqual(before);
});

test("assignResource accepted on cached facts but refused by the worker's own check when the PSA budget was cut after: DEAD_LETTERED, nothing created", async () => {
  const used = new Set(assignments.map((a) => a.projectId));
  const pair = candidates().find(({ project, resource }) => !used.has(project.id) && checkStaffing(factsOf(project, resource), { plannedHours: 8 }, { costRateOf }).ok) ??
    candidates().find(({ project, resource }) => checkStaffing(factsOf(project, resource), { plannedHours: 8 }, { costRateOf }).ok)!;
  expect(pair).toBeDefined();
  const { project, resource } = pair;
  const psaWorkspaceId = externalId(project, 'PSA');
  // someone cuts the workspace budget in the PSA (Tandem's cache still has the ERP budget)
  const s = t.systems.psa!;
  const res = await fetch(`${s.url}/api/v1/workspaces/${psaWorkspaceId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ workspaces: { price_in_cents: 100 } }),
  });
  expect(res.status).toBe(200);
  const before = await recordCounts(t);

  const tx = await mutate(t, ASSIGN, { input: { projectId: project.id, resourceId: resource.id, role: 'Consultant', plannedHours: 8 }, key: `wf-assign-late-${project.id}` });
  expect(tx.status).toBe('PENDING');
  const done = await settled(t, tx.id);
  expect(done.status).toBe('DEAD_LETTERED');
  expect(done.error).toMatchObject({ code: 'STAFFING_REFUSED' });
  expect(done.error!.message).toMatch(/OVER_BUDGET/);
  expect(done.error!.remediation).toContain(psaWorkspaceId);
  expect(done.steps.map((st) => [st.name, st.status])).toEqual([
    ['check-staffing', 'DEAD_LETTERED'],
    ['create-psa-assignment', 'PENDING'],
  ]);
  expect(await recordCounts(t)).toEqual(before);
});

test('submitTimeEntries then approveTimeEntries: PSA entries created submitted (all of them, once), then approved with a seeded one; the graph follows', async () => {
  const a = assignments.find((x) => x.status === 'CONFIRMED' && projects.some((p) => p.id === x.projectId && p.status === 'ACTIVE'))!;
  expect(a).toBeDefined();
  const project = projects.find((p) => p.id === a.projectId)!;
  const psaWorkspaceId = externalId(project, 'PSA');
  const psaUserId = externalId(resources.find((r) => r.id === a.resourceId)!, 'PSA');
  const entries = [
    { resourceId: a.resourceId, projectId: a.projectId, date: '2026-01-12', hours: 7.5, billable: true, notes: 'workshop' },
    { resourceId: a.resourceId, projectId: a.projectId, date: '2026-01-13', hours: 4, billable: false, notes: null },
  ];
  const before = await recordCounts(t);
  const key = `wf-time-${a.id}`;
  const sub = await mutateAndSettle(t, SUBMIT, { entries, key });
  expect(sub.steps.map((s) => [s.name, s.system, s.status])).toEqual([['create-psa-time-entries', 'PSA', 'SUCCEEDED']]);
  const ids = sub.result!.timeEntryIds as string[];
  expect(ids).toHaveLength(2);
  expect(await recordCounts(t)).toEqual({ ...before, timeEntries: before.timeEntries + 2 });

  const psaIds = [...(await t.store.externalIds('timeEntry', ids)).values()].map((x) => externalId({ externalIds: x }, 'PSA'));
  let psa = await psaRecords(t, 'time_entries', `only=${psaIds.join(',')}`);
  expect(psaIds.map((id) => psa[id])).toEqual([
    expect.objectContaining({ user_id: psaUserId, workspace_id: psaWorkspaceId, date_performed: '2026-01-12', time_in_minutes: 450, billable: true, notes: 'workshop', status: 'submitted' }),
    expect.objectContaining({ date_performed: '2026-01-13', time_in_minutes: 240, billable: false, status: 'submitted' }),
  ]);
  const submittedInGraph = async (status: string) =>
    (await graph(t, `query($id: ID!, $s: TimeEntryStatus) { project(id: $id) { timeEntries(status: $s) { id hours billable status resource { id } } } }`, { id: project.id, s: status })).project.timeEntries as TimeEntry[];
  expect((await submittedInGraph('SUBMITTED')).filter((e) => ids.includes(e.id)).map((e) => e.hours).sort()).toEqual([4, 7.5]);

  // resubmitting the same key creates nothing
  expect((await mutate(t, SUBMIT, { entries, key })).id).toBe(sub.id);
  expect(await recordCounts(t)).toEqual({ ...before, timeEntries: before.timeEntries + 2 });

  // approve the two, and a submitted entry from the seed world
  const seeded = (await t.adapters.PSA.listAll('timeEntry')).find((e) => e.status === 'SUBMITTED' && !ids.includes(e.id))!;
  expect(seeded).toBeDefined();
  const approveIds = [...ids, seeded.id];
  const appr = await mutateAndSettle(t, APPROVE, { ids: approveIds, key: `wf-approve-${a.id}` });
  expect(appr.steps.map((s) => [s.name, s.status])).toEqual([['approve-psa-time-entries', 'SUCCEEDED']]);
  psa = await psaRecords(t, 'time_entries', `only=${[...psaIds, externalId(seeded, 'PSA')].join(',')}`);
  expect(Object.values(psa).map((e: any) => e.status)).toEqual(['approved', 'approved', 'approved']);
  expect(await recordCounts(t)).toEqual({ ...before, timeEntries: before.timeEntries + 2 });
  expect((await submittedInGraph('APPROVED')).filter((e) => ids.includes(e.id))).toHaveLength(2);

  // approving them again is refused at the mutation (they are no longer SUBMITTED), nothing recorded
  const txs = await transactionCount();
  const r = await gql(t.gatewayUrl, APPROVE, { ids, key: `wf-approve-again-${a.id}` });
  expect(r.errors?.[0].extensions?.code).toBe('TIME_ENTRY_NOT_SUBMITTED');
  expect(await transactionCount()).toBe(txs);
});
