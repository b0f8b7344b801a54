import type { StaffingFacts } from '../../adapters/writes';
import { compareMoney, Decimal, money, multiplyMoney, type Assignment, type Money } from '../../canonical-schema';

/** What a staffing request asks for. */
export interface StaffingRequest {
  plannedHours: number;
  /** the bill rate asked for; null or absent: the resource's rate card */
  billRate?: Money | null;
}

export type StaffingRefusalCode = 'NOT_AVAILABLE' | 'BILL_RATE_BELOW_RATE_CARD' | 'OVER_BUDGET' | 'NO_BILL_RATE' | 'CURRENCY_MISMATCH' | 'WORKSPACE_CLOSED';

export type StaffingDecision =
  | { ok: true; billRate: Money; plannedCost: Money | null; remainingBudget: Money | null; availableHours: number }
  | { ok: false; code: StaffingRefusalCode; reason: string };

export interface StaffingCheckOptions {
  /** cost rate of the resource of an existing assignment (e.g. from the cache); its bill rate when unknown or in another currency than the budget */
  costRateOf?: (assignment: Assignment) => Money | null | undefined;
  /** the start of the window when the workspace has no start date (YYYY-MM-DD) @default today */
  today?: string;
}

/** A workspace without an end date is checked over this many weeks from its start. */
export const DEFAULT_WINDOW_WEEKS = 13;
const OPEN: ReadonlySet<Assignment['status']> = new Set(['PROPOSED', 'CONFIRMED']);
const DAY_MS = 86_400_000;

/**
 * The staffing rules, as a pure function (the staffing workflow runs it on the PSA's
 * facts; the assignResource resolver can run it on cached facts before submitting):
 * 1. availability over the workspace's window (start..end; 13 weeks when it has no end)
 *    at the resource's weekly capacity, less the hours of the resource's open
 *    (proposed or confirmed) assignments, all counted as falling in the window;
 * 2. the bill rate (asked for, or the rate card) at or above the resource's rate card;
 * 3. planned cost = plannedHours × the resource's cost rate within the remaining budget =
 *    workspace budget − planned cost of its non-cancelled assignments (each at its person's
 *    cost rate when known in the budget's currency, else at the assignment's bill rate).
 */
export function checkStaffing(facts: StaffingFacts, request: StaffingRequest, options: StaffingCheckOptions = {}): StaffingDecision {
  const { resource, workspace } = facts;
  const who = `${resource.name}`;
  const where = `PSA workspace ${workspace.psaWorkspaceId}`;
  if (workspace.status === 'cancelled' || workspace.status === 'completed') {
    return { ok: false, code: 'WORKSPACE_CLOSED', reason: `${where} is ${workspace.status}; nobody can be staffed on it` };
  }

  // 1. availability
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const start = workspace.startDate ?? today;
  const startMs = Date.parse(`${start}T00:00:00Z`);
  const endMs = workspace.endDate ? Date.parse(`${workspace.endDate}T00:00:00Z`) : startMs + DEFAULT_WINDOW_WEEKS * 7 * DAY_MS - DAY_MS;
  const weeks = Math.max(1, (endMs - startMs + DAY_MS) / (7 * DAY_MS));
  const capacity = weeks * facts.weeklyCapacityHours;
  const committed = facts.resourceAssignments.filter((a) => OPEN.has(a.status)).reduce((sum, a) => sum + a.plannedHours, 0);
  const available = Math.max(0, capacity - committed);
  const end = new Date(endMs).toISOString().slice(0, 10);
  if (request.plannedHours > available + 1e-9) {
    return {
      ok: false,
      code: 'NOT_AVAILABLE',
      reason:
        `${who} has ${fmt(available)} h available between ${start} and ${end} ` +
        `(${fmt(weeks)} weeks × ${fmt(facts.weeklyCapacityHours)} h, ${fmt(committed)} h already planned on open assignments); ` +
        `${fmt(request.plannedHours)} h requested`,
    };
  }

  // 2. bill rate at or above the rate card
  const rateCard = resource.billRate;
  const billRate = request.billRate ?? rateCard;
  if (!billRate) {
    return { ok: false, code: 'NO_BILL_RATE', reason: `${who} has no rate card in the PSA; give a bill rate` };
  }
  if (rateCard) {
    if (rateCard.currency !== billRate.currency) {
      return {
        ok: false,
        code: 'CURRENCY_MISMATCH',
        reason: `the bill rate is in ${billRate.currency} but ${who}'s rate card is in ${rateCard.currency}`,
      };
    }
    if (compareMoney(billRate, rateCard) < 0) {
      return {
        ok: false,
        code: 'BILL_RATE_BELOW_RATE_CARD',
        reason: `bill rate ${billRate.amount} ${billRate.currency} is below ${who}'s rate card of ${rateCard.amount} ${rateCard.currency}`,
      };
    }
  }

  // 3. planned cost within the remaining budget
  const budget = workspace.budget;
  const costRate = resource.costRate ?? billRate;
  if (!budget) return { ok: true, billRate, plannedCost: multiplyMoney(costRate, request.plannedHours), remainingBudget: null, availableHours: available };
  let spent = new Decimal(0);
  for (const a of facts.workspaceAssignments) {
    if (a.status === 'CANCELLED') continue;
    // the person's cost rate where it is known in the budget's currency; else the assignment's
    // bill rate (people are staffed across currencies: the seed world bills a USD-paid
    // consultant in EUR, and a cost rate in another currency cannot be set against the budget)
    const cost = options.costRateOf?.(a);
    const rate = cost && cost.currency === budget.currency ? cost : a.billRate;
    if (rate.currency !== budget.currency) {
      return { ok: false, code: 'CURRENCY_MISMATCH', reason: `an assignment on ${where} is costed in ${rate.currency} but its budget is in ${budget.currency}` };
    }
    spent = spent.plus(new Decimal(rate.amount).times(a.plannedHours));
  }
  const remaining = money(new Decimal(budget.amount).minus(spent), budget.currency);
  if (costRate.currency !== budget.currency) {
    return { ok: false, code: 'CURRENCY_MISMATCH', reason: `${who}'s cost rate is in ${costRate.currency} but the budget of ${where} is in ${budget.currency}` };
  }
  const plannedCost = multiplyMoney(costRate, request.plannedHours);
  if (compareMoney(plannedCost, remaining) > 0) {
    return {
      ok: false,
      code: 'OVER_BUDGET',
      reason:
        `planned cost ${plannedCost.amount} ${plannedCost.currency} (${fmt(request.plannedHours)} h × ${costRate.amount}) ` +
        `is above the remaining budget of ${where}: ${remaining.amount} ${remaining.currency} ` +
        `(budget ${budget.amount} less ${money(spent, budget.currency).amount} planned on existing assignments)`,
    };
  }
  return { ok: true, billRate, plannedCost, remainingBudget: remaining, availableHours: available };
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
