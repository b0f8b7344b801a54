import { z } from 'zod';
import { Decimal, money, type Money, type SourceSystem } from '../../canonical-schema';
import { badResponse } from '../http/source-error';

/**
 * A two-way enum table between a vendor's values and canonical values. Reading an
 * unknown vendor value is a BAD_RESPONSE naming the field; writing uses the reverse
 * table (the first vendor value listed for a canonical value wins).
 */
export class EnumTable<V extends string, C extends string> {
  private readonly reverse: Map<C, V>;

  constructor(
    private readonly system: SourceSystem,
    /** Vendor field name, used in error messages (`Account.Type`). */
    readonly field: string,
    readonly entries: Readonly<Record<V, C>>,
    reverseOverrides: Partial<Record<C, V>> = {},
  ) {
    this.reverse = new Map();
    for (const [v, c] of Object.entries(entries) as [V, C][]) if (!this.reverse.has(c)) this.reverse.set(c, v);
    for (const [c, v] of Object.entries(reverseOverrides) as [C, V][]) this.reverse.set(c, v);
  }

  /** The canonical value of a vendor value; throws BAD_RESPONSE for an unknown or missing one. */
  toCanonical(value: string | null | undefined): C {
    if (value !== null && value !== undefined && Object.prototype.hasOwnProperty.call(this.entries, value)) {
      return this.entries[value as V];
    }
    throw badResponse(this.system, this.field, `unknown value ${JSON.stringify(value ?? null)} (expected one of ${Object.keys(this.entries).map((k) => JSON.stringify(k)).join(', ')})`);
  }

  /** The vendor value for a canonical value. */
  toVendor(value: C): V {
    const v = this.reverse.get(value);
    if (v === undefined) throw new Error(`${this.field}: no ${this.system} value for ${value}`);
    return v;
  }
}

/** A vendor number or numeric string as canonical Money (never through float arithmetic). */
export function moneyFromVendor(system: SourceSystem, field: string, amount: number | string, currency: string): Money {
  const text = String(amount).trim();
  if (text === '' || !/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text)) throw badResponse(system, field, `not a number: ${JSON.stringify(amount)}`);
  return money(text, currency);
}

/** Integer cents (Kantata) as Money. */
export function moneyFromCents(system: SourceSystem, field: string, cents: number | string, currency: string): Money {
  const text = String(cents).trim();
  if (!/^-?\d+$/.test(text)) throw badResponse(system, field, `not a whole number of cents: ${JSON.stringify(cents)}`);
  return money(new Decimal(text).div(100), currency);
}

/** Money as integer cents (Kantata), rounded half-up. */
export function moneyToCents(m: Money): number {
  return new Decimal(m.amount).times(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}

/** Money as the JSON number a vendor expects on the wire (Salesforce `Amount`, NetSuite amounts). */
export function moneyToNumber(m: Money): number {
  return new Decimal(m.amount).toNumber();
}

/**
 * A vendor date as `YYYY-MM-DD`: accepts ISO dates, ISO date-times (date part) and
 * NetSuite's `M/D/YYYY`. Null or empty gives null; anything else is a BAD_RESPONSE.
 */
export function isoDateFromVendor(system: SourceSystem, field: string, value: string | null | undefined): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const v = value.trim();
  const iso = /^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$/.exec(v);
  if (iso) return iso[1];
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v);
  if (us) return `${us[3]}-${us[1].padStart(2, '0')}-${us[2].padStart(2, '0')}`;
  throw badResponse(system, field, `not a date: ${JSON.stringify(value)}`);
}

/** Empty strings and undefined as null. */
export function orNull<T>(v: T | null | undefined): T | null {
  return v === undefined || v === null || (typeof v === 'string' && v === '') ? null : v;
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Distinct values, first occurrence order. */
export function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

/** An id on the wire that may be a JSON string or number; always read as a string. */
export const wireId = z.union([z.string(), z.number()]).transform((v) => String(v));
