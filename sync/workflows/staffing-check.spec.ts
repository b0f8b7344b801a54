import type { StaffingFacts } from '../../adapters/writes';
import type { Assignment, Resource } from '../../canonical-schema';
import { checkStaffing } from './staffing-check';

const person = (id: string, currency: string, bill: string, cost: string): Resource => ({
  id, name: id, email: `${id}@firm.test`, title: null, skills: [], billRate: { amount: bill, currency }, costRate: { amount: cost, currency }, externalIds: [],
});
const staffed = (resourceId: string, hours: number, bill: string): Assignment => ({
  id: `a-${resourceId}`, projectId: 'p', resourceId, role: 'Consultant', plannedHours: hours, billRate: { amount: bill, currency: 'EUR' }, status: 'CONFIRMED', externalIds: [],
});

describe('checkStaffing, budget of a workspace staffed across currencies', () => {
  // an EUR workspace with a USD-paid person already on it (billed in EUR)
  const usdPerson = person('usd', 'USD', '200.00', '90.00');
  const eurPerson = person('eur', 'EUR', '150.00', '70.00');
  const facts = (budget: string): StaffingFacts => ({
    resource: eurPerson,
    workspace: { psaWorkspaceId: 'w1', budget: { amount: budget, currency: 'EUR' }, startDate: '2026-01-05', endDate: '2026-06-26', status: 'active' },
    resourceAssignments: [],
    workspaceAssignments: [staffed('usd', 100, '180.00')],
    weeklyCapacityHours: 40,
  });
  const costRateOf = (a: Assignment) => (a.resourceId === 'usd' ? usdPerson.costRate : eurPerson.costRate);

  test('a cost rate in another currency is replaced by the assignment bill rate, not a refusal', () => {
    // spent = 100 h × 180 EUR = 18,000; the request costs 10 h × 70 = 700
    const d = checkStaffing(facts('20000.00'), { plannedHours: 10 }, { costRateOf });
    expect(d).toMatchObject({ ok: true, remainingBudget: { amount: '2000.00', currency: 'EUR' }, plannedCost: { amount: '700.00', currency: 'EUR' } });
  });

  test('and still refuses what is over the remaining budget', () => {
    const d = checkStaffing(facts('18500.00'), { plannedHours: 10 }, { costRateOf });
    expect(d).toMatchObject({ ok: false, code: 'OVER_BUDGET' });
  });
});
