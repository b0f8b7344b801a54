import { isIsoDate, isIsoDateTime } from '../shared/dates';
import { VendorError } from '../server/types';

/** A NetSuite validation failure: 400 with the given `o:errorCode`. */
export function nsError(code: string, detail: string, status = 400): VendorError {
  return new VendorError(status, code, detail);
}

/** A reference as NetSuite REST writes it: `{ "id" }` or `{ "refName" }` (a bare id string is accepted too). */
export type RefInput = { id?: string; refName?: string };

/**
 * Reads the fields of a NetSuite REST record body one by one, with the
 * vendor's errors for wrong types, and rejects any field it was not asked about.
 */
export class RecordInput {
  private readonly body: Record<string, unknown>;
  private readonly seen = new Set<string>(['links']);

  constructor(
    private readonly type: string,
    body: unknown,
  ) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw nsError('INVALID_CONTENT', `The request body of a ${type} record must be a JSON object.`);
    }
    this.body = body as Record<string, unknown>;
  }

  has(name: string): boolean {
    this.seen.add(name);
    return Object.prototype.hasOwnProperty.call(this.body, name);
  }

  private raw(name: string): unknown {
    this.seen.add(name);
    return this.body[name];
  }

  private invalid(name: string, expected: string): VendorError {
    return nsError('INVALID_CONTENT', `Invalid value for field ${name} of record type ${this.type}: expected ${expected}.`);
  }

  /** A string (empty → null); undefined when absent. */
  string(name: string, maxLength = 300): string | null | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (v === null || v === '') return null;
    if (typeof v !== 'string') throw this.invalid(name, 'a string');
    if (v.length > maxLength) throw this.invalid(name, `at most ${maxLength} characters`);
    return v;
  }

  number(name: string): number | null | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (v === null) return null;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.invalid(name, 'a number');
    return v;
  }

  boolean(name: string): boolean | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw this.invalid(name, 'true or false');
    return v;
  }

  date(name: string): string | null | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (v === null || v === '') return null;
    if (!isIsoDate(v)) throw this.invalid(name, 'a date written YYYY-MM-DD');
    return v;
  }

  dateTime(name: string): string | null | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (v === null || v === '') return null;
    if (!isIsoDateTime(v)) throw this.invalid(name, 'an ISO 8601 date-time');
    return new Date(v).toISOString();
  }

  ref(name: string): RefInput | null | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (v === null) return null;
    if (typeof v === 'string' || typeof v === 'number') return { id: String(v) };
    if (typeof v === 'object' && !Array.isArray(v)) {
      const { id, refName } = v as { id?: unknown; refName?: unknown };
      const out: RefInput = {};
      if (typeof id === 'string' || typeof id === 'number') out.id = String(id);
      if (typeof refName === 'string') out.refName = refName;
      if (out.id !== undefined || out.refName !== undefined) return out;
    }
    throw this.invalid(name, 'a reference such as {"id": "123"}');
  }

  /** The `items` array of a sublist field (`{ "items": [...] }`). */
  sublist(name: string): Record<string, unknown>[] | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const items = typeof v === 'object' && v !== null ? (v as { items?: unknown }).items : undefined;
    if (!Array.isArray(items) || items.some((i) => typeof i !== 'object' || i === null || Array.isArray(i))) {
      throw this.invalid(name, 'a sublist such as {"items": [{...}]}');
    }
    return items as Record<string, unknown>[];
  }

  /** Throws for any body field none of the readers asked about. */
  done(): void {
    const unknown = Object.keys(this.body).filter((k) => !this.seen.has(k));
    if (unknown.length) {
      throw nsError('INVALID_CONTENT', `Unknown or read-only field(s) for record type ${this.type}: ${unknown.join(', ')}.`);
    }
  }
}
