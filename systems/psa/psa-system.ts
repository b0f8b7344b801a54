import { isIsoDate } from '../shared/dates';
import {
  PSA_ASSIGNMENT_STATUSES,
  PSA_TIME_STATUSES,
  PSA_WORKSPACE_STATUSES,
  type PsaData,
  type PsaTimeEntry,
  type PsaUser,
  type PsaWorkspace,
  type PsaWorkspaceResource,
} from '../seed/world';
import type { SystemModel } from '../server/system-server';
import { Table } from '../server/table';
import { type Dialect, type RouteDef, type SystemEvent, type SystemRequest, type SystemResponse, VendorError } from '../server/types';

export const PSA_API = '/api/v1';
/** Most ids in one `only=` list. */
export const PSA_MAX_ONLY = 1000;
export const PSA_DEFAULT_PER_PAGE = 200;
export const PSA_MAX_PER_PAGE = 2000;

export type PsaObjectKey = 'users' | 'workspaces' | 'workspace_resources' | 'time_entries';
type PsaRecord = PsaUser | PsaWorkspace | PsaWorkspaceResource | PsaTimeEntry;
type Filter = 'workspace_id' | 'user_id' | 'external_reference';
type Include = 'workspace' | 'user';

/** Kantata errors: `{ "errors": [{ "type", "message", "field"? }] }`. */
export const kantataDialect: Dialect = {
  errorBody: (e) => ({ errors: [{ type: e.code, message: e.message, ...(typeof e.extra.field === 'string' ? { field: e.extra.field } : {}) }] }),
  standard: {
    unauthorized: ['unauthorized', 'You must be authenticated: the bearer token is missing or invalid.'],
    rateLimited: ['rate_limited', 'Too many concurrent requests; retry after the time given in Retry-After.'],
    unavailable: ['service_unavailable', 'The service is temporarily unavailable.'],
    notFound: ['not_found', 'The requested resource does not exist.'],
    methodNotAllowed: ['method_not_allowed', 'The HTTP method is not allowed for this resource.'],
    invalidJson: ['bad_request', 'The request body is not valid JSON.'],
    payloadTooLarge: ['bad_request', 'The request body is too large.'],
    internal: ['server_error', 'An unexpected error occurred.'],
  },
  rejectWrite: (route) => ({
    status: 422,
    body: { errors: [{ type: 'validation', message: `A validation rule rejected this record (simulated fault rejectWrites on ${route})` }] },
  }),
};

function badRequest(message: string): VendorError {
  return new VendorError(400, 'bad_request', message);
}

function invalid(field: string, message: string): VendorError {
  return new VendorError(422, 'validation', `${field} ${message}`, { field });
}

interface ObjectDef {
  key: PsaObjectKey;
  singular: string;
  table: Table<PsaRecord>;
  filters: readonly Filter[];
  includes: readonly Include[];
  build(input: Fields, existing: PsaRecord | undefined, now: string): PsaRecord;
}

/** Reads one record's attributes from a request body, with Kantata's 422 validation errors. */
class Fields {
  private readonly seen = new Set(['id', 'created_at', 'updated_at']);

  constructor(
    private readonly body: Record<string, unknown>,
    private readonly creating: boolean,
  ) {}

  /** `required`: must be given on create; `nullable`: may be set to null. */
  private take<T>(name: string, read: (v: unknown) => T | undefined, expected: string, rule: { required?: boolean; nullable: boolean }, current: T): T {
    this.seen.add(name);
    if (!Object.prototype.hasOwnProperty.call(this.body, name)) {
      if (this.creating && rule.required) throw invalid(name, "can't be blank");
      return current;
    }
    const raw = this.body[name];
    if (raw === null || raw === '') {
      if (!rule.nullable) throw invalid(name, "can't be blank");
      return null as T;
    }
    const v = read(raw);
    if (v === undefined) throw invalid(name, `must be ${expected}`);
    return v;
  }

  string(name: string, current: string | null | undefined, required = false): string | null {
    return this.take(name, (v) => (typeof v === 'string' ? v : undefined), 'a string', { required, nullable: !required }, current ?? null);
  }

  int(name: string, current: number | null | undefined, min: number, max = Number.MAX_SAFE_INTEGER, required = false): number | null {
    const read = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : undefined);
    return this.take(name, read, `an integer from ${min} to ${max}`, { required, nullable: !required }, current ?? null);
  }

  boolean(name: string, current: boolean): boolean {
    return this.take(name, (v) => (typeof v === 'boolean' ? v : undefined), 'true or false', { nullable: false }, current);
  }

  date(name: string, current: string | null | undefined, required = false): string | null {
    return this.take(name, (v) => (isIsoDate(v) ? v : undefined), 'a date written YYYY-MM-DD', { required, nullable: !required }, current ?? null);
  }

  oneOf<T extends string>(name: string, values: readonly T[], current: T): T {
    return this.take(name, (v) => (values.includes(v as T) ? (v as T) : undefined), `one of ${values.join(', ')}`, { nullable: false }, current);
  }

  currency(current: string): string {
    const read = (v: unknown) => (typeof v === 'string' && /^[A-Z]{3}$/.test(v) ? v : undefined);
    return this.take('currency', read, 'an ISO 4217 code such as USD', { nullable: false }, current);
  }

  strings(name: string, current: string[]): string[] {
    const read = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
    return this.take(name, read, 'a list of strings', { nullable: false }, current);
  }

  /** An id of another object: a string or number that exists in `table`. */
  reference(name: string, current: string | undefined, table: Table<PsaRecord>): string {
    const read = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
    const id = this.take(name, read, 'an id', { required: true, nullable: false }, current ?? '');
    if (!table.has(id)) throw invalid(name, `refers to a record that does not exist (${id})`);
    return id;
  }

  done(): void {
    const unknown = Object.keys(this.body).filter((k) => !this.seen.has(k));
    if (unknown.length) throw invalid(unknown[0], 'is not an attribute of this object');
  }
}

/** The Kantata-shaped PSA: users, workspaces, workspace resources and time entries. */
export class PsaSystem implements SystemModel<PsaData> {
  readonly users: Table<PsaUser>;
  readonly workspaces: Table<PsaWorkspace>;
  readonly workspaceResources: Table<PsaWorkspaceResource>;
  readonly timeEntries: Table<PsaTimeEntry>;
  readonly routes: readonly RouteDef[];
  private readonly defs: Record<PsaObjectKey, ObjectDef>;
  private readonly seq: Record<PsaObjectKey, number>;

  constructor(data: PsaData) {
    const byId = (r: { id: string }) => r.id;
    this.users = new Table<PsaUser>(byId, [], data.users);
    this.workspaces = new Table<PsaWorkspace>(byId, ['external_reference'], data.workspaces);
    this.workspaceResources = new Table<PsaWorkspaceResource>(byId, ['workspace_id', 'user_id'], data.workspaceResources);
    this.timeEntries = new Table<PsaTimeEntry>(byId, ['workspace_id', 'user_id'], data.timeEntries);
    this.seq = {
      users: Math.max(10000, maxId(data.users)),
      workspaces: Math.max(30000, maxId(data.workspaces)),
      workspace_resources: Math.max(50000, maxId(data.workspaceResources)),
      time_entries: Math.max(100000, maxId(data.timeEntries)),
    };
    const users = this.users as unknown as Table<PsaRecord>;
    const workspaces = this.workspaces as unknown as Table<PsaRecord>;
    this.defs = {
      users: {
        key: 'users',
        singular: 'user',
        table: users,
        filters: [],
        includes: [],
        build: (f, e, now) => {
          const u = e as PsaUser | undefined;
          const email = f.string('email_address', u?.email_address, true)!;
          if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw invalid('email_address', 'is not an email address');
          return {
            id: u?.id ?? '',
            full_name: f.string('full_name', u?.full_name, true)!,
            email_address: email,
            headline: f.string('headline', u?.headline),
            skills: f.strings('skills', u?.skills ?? []),
            bill_rate_in_cents: f.int('bill_rate_in_cents', u?.bill_rate_in_cents, 0),
            cost_rate_in_cents: f.int('cost_rate_in_cents', u?.cost_rate_in_cents, 0),
            currency: f.currency(u?.currency ?? 'USD'),
            created_at: u?.created_at ?? now,
            updated_at: now,
          };
        },
      },
      workspaces: {
        key: 'workspaces',
        singular: 'workspace',
        table: workspaces,
        filters: ['external_reference'],
        includes: [],
        build: (f, e, now) => {
          const w = e as PsaWorkspace | undefined;
          return {
            id: w?.id ?? '',
            title: f.string('title', w?.title, true)!,
            external_reference: f.string('external_reference', w?.external_reference),
            price_in_cents: f.int('price_in_cents', w?.price_in_cents, 0),
            currency: f.currency(w?.currency ?? 'USD'),
            start_date: f.date('start_date', w?.start_date),
            due_date: f.date('due_date', w?.due_date),
            status: f.oneOf('status', PSA_WORKSPACE_STATUSES, w?.status ?? 'planned'),
            created_at: w?.created_at ?? now,
            updated_at: now,
          };
        },
      },
      workspace_resources: {
        key: 'workspace_resources',
        singular: 'workspace_resource',
        table: this.workspaceResources as unknown as Table<PsaRecord>,
        filters: ['workspace_id', 'user_id'],
        includes: ['workspace', 'user'],
        build: (f, e, now) => {
          const a = e as PsaWorkspaceResource | undefined;
          const workspaceId = f.reference('workspace_id', a?.workspace_id, workspaces);
          const userId = f.reference('user_id', a?.user_id, users);
          const workspace = this.workspaces.get(workspaceId)!;
          const user = this.users.get(userId)!;
          const defaultRate = user.currency === workspace.currency ? user.bill_rate_in_cents : null;
          const record: PsaWorkspaceResource = {
            id: a?.id ?? '',
            workspace_id: workspaceId,
            user_id: userId,
            role_name: f.string('role_name', a?.role_name),
            planned_minutes: f.int('planned_minutes', a?.planned_minutes ?? 0, 0)!,
            bill_rate_in_cents: f.int('bill_rate_in_cents', a ? a.bill_rate_in_cents : defaultRate, 0),
            currency: f.currency(a?.currency ?? workspace.currency),
            status: f.oneOf('status', PSA_ASSIGNMENT_STATUSES, a?.status ?? 'confirmed'),
            created_at: a?.created_at ?? now,
            updated_at: now,
          };
          const clash = this.workspaceResources
            .where('workspace_id', [workspaceId])
            .find((o) => o.user_id === userId && o.id !== a?.id && o.status !== 'cancelled');
          if (clash && record.status !== 'cancelled') throw invalid('user_id', `is already a resource of workspace ${workspaceId} (${clash.id})`);
          return record;
        },
      },
      time_entries: {
        key: 'time_entries',
        singular: 'time_entry',
        table: this.timeEntries as unknown as Table<PsaRecord>,
        filters: ['workspace_id', 'user_id'],
        includes: ['workspace', 'user'],
        build: (f, e, now) => {
          const t = e as PsaTimeEntry | undefined;
          return {
            id: t?.id ?? '',
            user_id: f.reference('user_id', t?.user_id, users),
            workspace_id: f.reference('workspace_id', t?.workspace_id, workspaces),
            date_performed: f.date('date_performed', t?.date_performed, true)!,
            time_in_minutes: f.int('time_in_minutes', t?.time_in_minutes, 1, 1440, true)!,
            billable: f.boolean('billable', t?.billable ?? true),
            notes: f.string('notes', t?.notes),
            status: f.oneOf('status', PSA_TIME_STATUSES, t?.status ?? 'draft'),
            invoice_reference: f.string('invoice_reference', t?.invoice_reference),
            created_at: t?.created_at ?? now,
            updated_at: now,
          };
        },
      },
    };
    this.routes = (Object.keys(this.defs) as PsaObjectKey[]).flatMap((key): RouteDef[] => [
      { method: 'GET', template: `${PSA_API}/${key}`, handler: (r) => this.list(this.defs[key], r) },
      { method: 'GET', template: `${PSA_API}/${key}/:id`, handler: (r) => this.show(this.defs[key], r) },
      { method: 'POST', template: `${PSA_API}/${key}`, handler: (r) => this.create(this.defs[key], r) },
      { method: 'PUT', template: `${PSA_API}/${key}/:id`, handler: (r) => this.update(this.defs[key], r) },
    ]);
  }

  serialize(): PsaData {
    return {
      users: this.users.toArray(),
      workspaces: this.workspaces.toArray(),
      workspaceResources: this.workspaceResources.toArray(),
      timeEntries: this.timeEntries.toArray(),
    };
  }

  private list(def: ObjectDef, r: SystemRequest): SystemResponse {
    const includes = this.includes(def, r.query.get('include'));
    const only = idList(r.query.get('only'));
    if (only && only.length > PSA_MAX_ONLY) throw badRequest(`only accepts at most ${PSA_MAX_ONLY} ids, got ${only.length}`);
    const filters: [Filter, Set<string>][] = [];
    for (const name of ['workspace_id', 'user_id', 'external_reference'] as const) {
      const values = idList(r.query.get(name));
      if (!values) continue;
      if (!def.filters.includes(name)) throw badRequest(`${def.key} cannot be filtered by ${name}`);
      filters.push([name, new Set(values)]);
    }
    let rows: PsaRecord[];
    if (only) rows = def.table.getMany(only);
    else if (filters.length) rows = def.table.where(filters[0][0] as never, filters[0][1]);
    else rows = def.table.toArray();
    if (filters.length) rows = rows.filter((row) => filters.every(([f, set]) => set.has((row as unknown as Record<Filter, string>)[f])));

    const page = positiveInt(r.query.get('page'), 'page', 1);
    const perPage = Math.min(PSA_MAX_PER_PAGE, positiveInt(r.query.get('per_page'), 'per_page', PSA_DEFAULT_PER_PAGE));
    const slice = rows.slice((page - 1) * perPage, page * perPage);
    return { status: 200, body: this.envelope(def, slice, includes, rows.length, page, perPage) };
  }

  private show(def: ObjectDef, r: SystemRequest): SystemResponse {
    const includes = this.includes(def, r.query.get('include'));
    const row = def.table.get(r.params.id);
    if (!row) throw new VendorError(404, 'not_found', `${def.singular} ${r.params.id} was not found`);
    return { status: 200, body: this.envelope(def, [row], includes, 1, 1, 1) };
  }

  private create(def: ObjectDef, r: SystemRequest): SystemResponse {
    const payload = this.payload(def, r.body);
    const items = Array.isArray(payload) ? payload : [payload];
    if (items.length === 0) throw badRequest(`${def.key} must hold at least one record`);
    const now = r.now.toISOString();
    const built: PsaRecord[] = [];
    items.forEach((item) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw badRequest(`each of ${def.key} must be a JSON object`);
      const fields = new Fields(item as Record<string, unknown>, true);
      const record = def.build(fields, undefined, now);
      fields.done();
      built.push(record);
    });
    for (const record of built) {
      record.id = String(++this.seq[def.key]);
      def.table.insert(record);
    }
    return { status: 200, body: this.envelope(def, built, [], built.length, 1, built.length) };
  }

  private update(def: ObjectDef, r: SystemRequest): SystemResponse {
    const existing = def.table.get(r.params.id);
    if (!existing) throw new VendorError(404, 'not_found', `${def.singular} ${r.params.id} was not found`);
    const payload = this.payload(def, r.body);
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw badRequest(`${def.key} must be a JSON object`);
    const fields = new Fields(payload as Record<string, unknown>, false);
    const next = def.build(fields, existing, r.now.toISOString());
    fields.done();
    const before = (existing as PsaTimeEntry).status;
    def.table.update(existing.id, (row) => Object.assign(row, next));
    const events: SystemEvent[] = [];
    if (def.key === 'time_entries' && before !== 'approved' && (next as PsaTimeEntry).status === 'approved') {
      const t = next as PsaTimeEntry;
      events.push({ type: 'timesheet.approved', data: { time_entry_ids: [existing.id], user_id: t.user_id, workspace_id: t.workspace_id } });
    }
    return { status: 200, body: this.envelope(def, [existing], [], 1, 1, 1), events };
  }

  /** The records of a write body: `{ "<object>": ... }` (the singular key is accepted too). */
  private payload(def: ObjectDef, body: unknown): unknown {
    const b = body as Record<string, unknown> | undefined;
    const payload = b?.[def.key] ?? b?.[def.singular];
    if (payload === undefined) throw badRequest(`the request body must be {"${def.key}": ...}`);
    return payload;
  }

  private includes(def: ObjectDef, raw: string | null): Include[] {
    if (raw === null || raw.trim() === '') return [];
    return raw.split(',').map((s) => {
      const name = s.trim();
      if (!(def.includes as readonly string[]).includes(name)) throw badRequest(`${def.key} cannot include ${name}`);
      return name as Include;
    });
  }

  private envelope(def: ObjectDef, rows: readonly PsaRecord[], includes: readonly Include[], total: number, page: number, perPage: number) {
    const body: Record<string, unknown> = {
      count: total,
      results: rows.map((row) => ({ key: def.key, id: row.id })),
      [def.key]: Object.fromEntries(rows.map((row) => [row.id, row])),
    };
    for (const inc of includes) {
      const [key, table, field] =
        inc === 'workspace' ? (['workspaces', this.workspaces, 'workspace_id'] as const) : (['users', this.users, 'user_id'] as const);
      const side: Record<string, unknown> = {};
      for (const row of rows) {
        const id = (row as unknown as Record<string, string>)[field];
        const rec = table.get(id);
        if (rec) side[id] = rec;
      }
      body[key] = side;
    }
    body.meta = { count: total, page_count: Math.ceil(total / perPage), page_number: page, page_size: perPage };
    return body;
  }
}

function idList(raw: string | null): string[] | undefined {
  if (raw === null) return undefined;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function positiveInt(raw: string | null, name: string, fallback: number): number {
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw badRequest(`${name} must be a positive integer, got ${raw}`);
  return n;
}

function maxId(rows: readonly { id: string }[]): number {
  let max = 0;
  for (const r of rows) {
    const n = Number(r.id);
    if (Number.isInteger(n) && n > max) max = n;
  }
  return max;
}
