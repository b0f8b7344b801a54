import {
  addMoney,
  multiplyMoney,
  zeroMoney,
  type Assignment,
  type Invoice,
  type Money,
  type Resource,
  type TimeEntry,
} from '../../canonical-schema';

/** Invoice statuses whose balance is still receivable. */
export const OPEN_INVOICE_STATUSES: ReadonlySet<Invoice['status']> = new Set(['ISSUED', 'PARTIALLY_PAID', 'OVERDUE']);

/**
 * Accounts receivable: the balances of a customer's open invoices in `currency`.
 * Invoices in another currency are returned separately so the caller can say so.
 */
export function arBalance(invoices: readonly Invoice[], currency: string): { balance: Money; otherCurrency: Invoice[] } {
  let balance = zeroMoney(currency);
  const otherCurrency: Invoice[] = [];
  for (const inv of invoices) {
    if (!OPEN_INVOICE_STATUSES.has(inv.status)) continue;
    if (inv.balance.currency !== currency) otherCurrency.push(inv);
    else balance = addMoney(balance, inv.balance);
  }
  return { balance, otherCurrency };
}

/**
 * Work done but not yet invoiced: approved, billable, uninvoiced hours at the
 * assignment's bill rate for that resource on that project, else the resource's
 * standard rate. Entries with no rate at all are returned as `unpriced`.
 */
export function unbilledAmount(
  entries: readonly TimeEntry[],
  assignments: readonly Assignment[],
  resources: ReadonlyMap<string, Resource>,
  currency: string,
): { amount: Money; unpriced: TimeEntry[] } {
  const rateOf = new Map(assignments.filter((a) => a.status !== 'CANCELLED').map((a) => [a.resourceId, a.billRate]));
  let amount = zeroMoney(currency);
  const unpriced: TimeEntry[] = [];
  for (const e of entries) {
    if (e.status !== 'APPROVED' || !e.billable || e.invoiceId) continue;
    const rate = rateOf.get(e.resourceId) ?? resources.get(e.resourceId)?.billRate ?? null;
    if (!rate || rate.currency !== currency) unpriced.push(e);
    else amount = addMoney(amount, multiplyMoney(rate, e.hours));
  }
  return { amount, unpriced };
}
