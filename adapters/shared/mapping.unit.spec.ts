import { SourceError } from '../http/source-error';
import { EnumTable, chunk, isoDateFromVendor, moneyFromCents, moneyFromVendor, moneyToCents, moneyToNumber, unique } from './mapping';

describe('money conversions', () => {
  it('converts vendor numbers and cents exactly', () => {
    expect(moneyFromVendor('ERP', 'x', 0.1 + 0.2, 'USD')).toEqual({ amount: '0.30', currency: 'USD' });
    expect(moneyFromVendor('ERP', 'x', '99999999999.99', 'USD').amount).toBe('99999999999.99');
    expect(moneyFromVendor('ERP', 'x', -12.345, 'EUR').amount).toBe('-12.35');
    expect(moneyFromCents('PSA', 'x', 1, 'USD').amount).toBe('0.01');
    expect(moneyFromCents('PSA', 'x', 999999999999, 'USD').amount).toBe('9999999999.99');
    expect(moneyFromCents('PSA', 'x', -5, 'USD').amount).toBe('-0.05');
    expect(moneyToCents({ amount: '0.29', currency: 'USD' })).toBe(29);
    expect(moneyToCents({ amount: '1.005', currency: 'USD' })).toBe(101);
    expect(moneyToNumber({ amount: '1234.50', currency: 'USD' })).toBe(1234.5);
  });

  it('rejects non-numbers as BAD_RESPONSE', () => {
    expect(() => moneyFromVendor('ERP', 'invoice.total', 'N/A', 'USD')).toThrow(SourceError);
    expect(() => moneyFromCents('PSA', 'users.bill_rate_in_cents', 1.5, 'USD')).toThrow(/bill_rate_in_cents/);
  });
});

describe('isoDateFromVendor', () => {
  it('normalises vendor dates', () => {
    expect(isoDateFromVendor('ERP', 'd', '2025-01-02')).toBe('2025-01-02');
    expect(isoDateFromVendor('ERP', 'd', '2025-01-02T10:00:00.000Z')).toBe('2025-01-02');
    expect(isoDateFromVendor('ERP', 'd', '1/2/2025')).toBe('2025-01-02');
    expect(isoDateFromVendor('ERP', 'd', '')).toBeNull();
    expect(isoDateFromVendor('ERP', 'd', undefined)).toBeNull();
    expect(() => isoDateFromVendor('ERP', 'd', 'Jan 2')).toThrow(/d: not a date/);
  });
});

describe('EnumTable', () => {
  const t = new EnumTable<string, 'A' | 'B'>('CRM', 'Thing.Kind', { a: 'A', alpha: 'A', b: 'B' }, { A: 'alpha' });
  it('maps both ways; the reverse override wins', () => {
    expect(t.toCanonical('a')).toBe('A');
    expect(t.toVendor('A')).toBe('alpha');
    expect(t.toVendor('B')).toBe('b');
  });
  it('rejects unknown, missing and prototype values', () => {
    for (const v of ['c', null, undefined, 'toString', '__proto__']) {
      expect(() => t.toCanonical(v)).toThrow(/Thing.Kind: unknown value/);
    }
  });
});

describe('chunk and unique', () => {
  it('split and dedupe', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).toEqual([]);
    expect(unique(['a', 'b', 'a'])).toEqual(['a', 'b']);
  });
});
