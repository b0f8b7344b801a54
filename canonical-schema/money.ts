import Decimal from 'decimal.js';
import { z } from 'zod';

/** ISO 4217 alphabetic code: three upper-case letters. */
export const currencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as USD or EUR');

/** A decimal amount written as a string, so that no float ever touches money. */
export const decimalString = z
  .string()
  .regex(/^-?\d{1,15}(\.\d{1,6})?$/, 'must be a decimal number such as 1250.00');

/** Money: a decimal amount and an ISO currency. Amounts are strings with two decimals. */
export const moneySchema = z.object({ amount: decimalString, currency: currencyCode });
export type Money = z.infer<typeof moneySchema>;

/** Builds Money from a string, number or Decimal, rounded half-up to cents. */
export function money(amount: Decimal.Value, currency: string): Money {
  return { amount: new Decimal(amount).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2), currency };
}

export function zeroMoney(currency: string): Money {
  return money(0, currency);
}

export class CurrencyMismatchError extends Error {
  constructor(a: string, b: string) {
    super(`cannot combine ${a} and ${b} amounts`);
    this.name = 'CurrencyMismatchError';
  }
}

export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new CurrencyMismatchError(a.currency, b.currency);
  return money(new Decimal(a.amount).plus(b.amount), a.currency);
}

/** Sums amounts of one currency; an empty list gives zero in `currency`. */
export function sumMoney(items: readonly Money[], currency: string): Money {
  return items.reduce((total, m) => addMoney(total, m), zeroMoney(currency));
}

/** Rate × quantity (hours), exact in decimal arithmetic. */
export function multiplyMoney(rate: Money, quantity: Decimal.Value): Money {
  return money(new Decimal(rate.amount).times(quantity), rate.currency);
}

export function compareMoney(a: Money, b: Money): number {
  if (a.currency !== b.currency) throw new CurrencyMismatchError(a.currency, b.currency);
  return new Decimal(a.amount).comparedTo(b.amount);
}

export { Decimal };
