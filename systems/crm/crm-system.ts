import type { CrmData } from '../seed/world';
import type { SystemModel } from '../server/system-server';
import { Router } from '../server/router';
import { type Dialect, type RouteDef, type SystemEvent, type SystemRequest, type SystemResponse, VendorError } from '../server/types';
import { compositeError, CRM_API, CrmStore, notFound, type SfCompositeError, SOQL_PAGE_SIZE, type SoqlResult } from './crm-model';
import { type SObjectName, SOBJECT_NAMES, SOBJECTS, sobjectOf } from './crm-schema';

/** Most ids or records in one sObject Collections call. */
export const COMPOSITE_LIMIT = 200;
/** Most subrequests in one Composite call (Salesforce's limit). */
export const COMPOSITE_SUBREQUEST_LIMIT = 25;

/** Salesforce errors: `[{ "message", "errorCode", "fields"? }]`. */
export const salesforceDialect: Dialect = {
  errorBody: (e) => [{ message: e.message, errorCode: e.code, ...(Array.isArray(e.extra.fields) ? { fields: e.extra.fields } : {}) }],
  standard: {
    unauthorized: ['INVALID_SESSION_ID', 'Session expired or invalid'],
    rateLimited: ['REQUEST_LIMIT_EXCEEDED', 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.'],
    unavailable: ['SERVER_UNAVAILABLE', 'Service temporarily unavailable, please retry later'],
    notFound: ['NOT_FOUND', 'The requested resource does not exist'],
    methodNotAllowed: ['METHOD_NOT_ALLOWED', 'HTTP method not allowed for this resource'],
    invalidJson: ['JSON_PARSER_ERROR', 'The request body is not valid JSON'],
    payloadTooLarge: ['REQUEST_TOO_LARGE', 'The request body is too large'],
    internal: ['UNKNOWN_EXCEPTION', 'An unexpected error occurred. Please include this ErrorId if you contact support'],
  },
  rejectWrite: (route, body) => {
    const error = {
      message: `A validation rule rejected this record (simulated fault rejectWrites on ${route})`,
      errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      fields: [] as string[],
    };
    // sObject Collections answer 200 with one failed result per record, as Salesforce does for validation rules.
    if (route.endsWith('/composite/sobjects')) {
      const records = Array.isArray((body as { records?: unknown } | undefined)?.records) ? ((body as { records: unknown[] }).records) : [];
      return {
        status: 200,
        body: records.map((rec) => {
          const id = (rec as { Id?: unknown } | null)?.Id;
          return { ...(typeof id === 'string' ? { id } : {}), success: false, errors: [{ statusCode: error.errorCode, message: error.message, fields: [] }] };
        }),
      };
    }
    return { status: 400, body: [error] };
  },
};

/** The Salesforce-shaped CRM: sObject reads and writes, SOQL, sObject Collections. */
export class CrmSystem implements SystemModel<CrmData> {
  readonly store: CrmStore;
  readonly routes: readonly RouteDef[];
  /** the one-record reads (`GET /sobjects/{object}/{id}`): what a Composite subrequest may be */
  private readonly recordReads: Router;

  constructor(data: CrmData) {
    this.store = new CrmStore(data);
    const perObject = SOBJECT_NAMES.flatMap((object): RouteDef[] => [
      { method: 'GET', template: `${CRM_API}/sobjects/${object}/:id`, handler: (r) => this.getRecord(object, r) },
      { method: 'POST', template: `${CRM_API}/sobjects/${object}`, handler: (r) => this.createRecord(object, r) },
      { method: 'PATCH', template: `${CRM_API}/sobjects/${object}/:id`, handler: (r) => this.updateRecord(object, r) },
      { method: 'GET', template: `${CRM_API}/composite/sobjects/${object}`, handler: (r) => this.getCollection(object, r) },
    ]);
    this.recordReads = new Router(perObject.filter((route) => route.method === 'GET' && route.template.endsWith('/:id')));
    this.routes = [
      ...perObject,
      { method: 'GET', template: `${CRM_API}/query`, handler: (r) => this.query(r) },
      { method: 'GET', template: `${CRM_API}/query/:cursor`, handler: (r) => this.queryMore(r) },
      { method: 'POST', template: `${CRM_API}/composite/sobjects`, handler: (r) => this.writeCollection('create', r) },
      { method: 'PATCH', template: `${CRM_API}/composite/sobjects`, handler: (r) => this.writeCollection('update', r) },
      { method: 'POST', template: `${CRM_API}/composite`, handler: (r) => this.composite(r) },
    ];
  }

  serialize(): CrmData {
    return this.store.serialize();
  }

  private getRecord(object: SObjectName, r: SystemRequest): SystemResponse {
    const record = this.store.get(object, r.params.id);
    if (!record) throw notFound();
    const describe = SOBJECTS[object];
    return { status: 200, body: this.store.render(describe, record, this.store.resolveFields(describe, r.query.get('fields'))) };
  }

  /**
   * Salesforce's Composite resource, the subset the adapters use: up to 25 GET
   * subrequests of one record (`/sobjects/{object}/{id}`, `?fields=` allowed) in
   * one API call, answered in order. A later subrequest may name a field of an
   * earlier answer in its URL (`@{referenceId.Field}`); when that answer failed,
   * or the field is empty, the subrequest is not run and answers 400
   * PROCESSING_HALTED, as Salesforce does. Each subrequest answers with its own
   * status and body (`compositeResponse`); the call itself answers 200.
   */
  private composite(r: SystemRequest): SystemResponse {
    const subs = (r.body as { compositeRequest?: unknown } | undefined)?.compositeRequest;
    if (!Array.isArray(subs) || subs.length === 0) throw new VendorError(400, 'INVALID_FIELD', 'compositeRequest must be a non-empty array of subrequests');
    if (subs.length > COMPOSITE_SUBREQUEST_LIMIT) {
      throw new VendorError(400, 'LIMIT_EXCEEDED', `A composite request takes at most ${COMPOSITE_SUBREQUEST_LIMIT} subrequests, got ${subs.length}`);
    }
    const answers = new Map<string, { status: number; body: unknown }>();
    const compositeResponse = subs.map((raw: unknown) => {
      const sub = raw as { method?: unknown; url?: unknown; referenceId?: unknown } | null;
      if (typeof sub?.referenceId !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(sub.referenceId) || answers.has(sub.referenceId)) {
        throw new VendorError(400, 'INVALID_FIELD', 'every subrequest needs a referenceId of its own (letters, digits and underscores, starting with a letter)');
      }
      const referenceId = sub.referenceId;
      const answer = (status: number, body: unknown) => {
        answers.set(referenceId, { status, body });
        return { body, httpHeaders: {}, httpStatusCode: status, referenceId };
      };
      if (sub.method !== 'GET' || typeof sub.url !== 'string') {
        throw new VendorError(400, 'INVALID_FIELD', `subrequest ${referenceId}: this CRM's composite resource takes GET subrequests of one record only`);
      }
      let halted: string | undefined;
      const url = sub.url.replace(/@\{([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z0-9_]+)\}/g, (ref: string, id: string, field: string) => {
        const earlier = answers.get(id);
        const value = earlier && earlier.status < 300 ? (earlier.body as Record<string, unknown> | null)?.[field] : undefined;
        if (typeof value !== 'string' || value === '') halted ??= `Invalid reference specified. No value for ${id}.${field} found in ${id}. Provided referenceId ${ref}`;
        return typeof value === 'string' ? encodeURIComponent(value) : '';
      });
      if (halted) return answer(400, [{ errorCode: 'PROCESSING_HALTED', message: halted }]);
      const [path, query = ''] = url.split('?', 2);
      const found = this.recordReads.match('GET', path);
      if (found.kind !== 'found') throw new VendorError(400, 'INVALID_FIELD', `subrequest ${referenceId}: ${path} is not a record of an sObject this CRM has`);
      try {
        const res = found.route.handler({ ...r, method: 'GET', path, template: found.route.template, params: found.params, query: new URLSearchParams(query), body: undefined });
        return answer(res.status, res.body);
      } catch (e) {
        if (!(e instanceof VendorError)) throw e;
        return answer(e.status, salesforceDialect.errorBody(e));
      }
    });
    return { status: 200, body: { compositeResponse } };
  }

  private createRecord(object: SObjectName, r: SystemRequest): SystemResponse {
    const id = this.store.create(object, r.body ?? {}, r.now);
    return { status: 201, headers: { location: `${CRM_API}/sobjects/${object}/${id}` }, body: { id, success: true, errors: [] } };
  }

  private updateRecord(object: SObjectName, r: SystemRequest): SystemResponse {
    const before = this.stageOf(object, r.params.id);
    this.store.update(object, r.params.id, r.body ?? {}, r.now);
    const event = this.stageEvent(object, r.params.id, before);
    return { status: 204, events: event ? [event] : [] };
  }

  private stageOf(object: SObjectName, id: string | undefined): string | null | undefined {
    if (object !== 'Opportunity' || id === undefined) return undefined;
    return this.store.get(object, id)?.StageName as string | null | undefined;
  }

  /** `opportunity.stage_changed` when an Opportunity's StageName is no longer `before`. */
  private stageEvent(object: SObjectName, id: string | undefined, before: string | null | undefined): SystemEvent | undefined {
    if (object !== 'Opportunity' || id === undefined || before === undefined) return undefined;
    const record = this.store.get(object, id);
    if (!record || record.StageName === before) return undefined;
    return {
      type: 'opportunity.stage_changed',
      data: { Id: record.Id, AccountId: record.AccountId, StageName: record.StageName, PreviousStageName: before },
    };
  }

  private query(r: SystemRequest): SystemResponse {
    const q = r.query.get('q');
    if (q === null || q.trim() === '') throw new VendorError(400, 'MALFORMED_QUERY', 'A SOQL query must be given in the q parameter');
    const result = this.store.query(q);
    const total = result.rows.length;
    if (total <= SOQL_PAGE_SIZE) return { status: 200, body: this.page(result, 0, total) };
    const locator = this.store.openCursor(result);
    return { status: 200, body: this.page(result, 0, total, locator) };
  }

  private queryMore(r: SystemRequest): SystemResponse {
    const m = /^(.+)-(\d+)$/.exec(r.params.cursor);
    const cursor = m ? this.store.readCursor(m[1]) : undefined;
    if (!m || !cursor || Number(m[2]) >= cursor.total) {
      throw new VendorError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    return { status: 200, body: this.page(cursor.result, Number(m[2]), cursor.total, m[1]) };
  }

  private page(result: SoqlResult, offset: number, total: number, locator?: string): Record<string, unknown> {
    const end = Math.min(total, offset + SOQL_PAGE_SIZE);
    const records = result.rows.slice(offset, end).map((row) => this.store.render(result.object, row, result.fields));
    const body: Record<string, unknown> = { totalSize: total, done: end >= total, records };
    if (end < total) body.nextRecordsUrl = `${CRM_API}/query/${locator}-${end}`;
    return body;
  }

  private getCollection(object: SObjectName, r: SystemRequest): SystemResponse {
    const raw = r.query.get('ids');
    if (raw === null || raw.trim() === '') throw new VendorError(400, 'MISSING_ARGUMENT', 'ids parameter is required');
    const ids = raw.split(',').map((s) => s.trim());
    if (ids.length > COMPOSITE_LIMIT) {
      throw new VendorError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${COMPOSITE_LIMIT} records into this call`);
    }
    const describe = SOBJECTS[object];
    const fields = this.store.resolveFields(describe, r.query.get('fields'));
    return {
      status: 200,
      body: ids.map((id) => {
        const record = this.store.get(object, id);
        return record ? this.store.render(describe, record, fields) : null;
      }),
    };
  }

  private writeCollection(mode: 'create' | 'update', r: SystemRequest): SystemResponse {
    const body = r.body as { allOrNone?: unknown; records?: unknown } | undefined;
    if (typeof body !== 'object' || body === null || !Array.isArray(body.records)) {
      throw new VendorError(400, 'JSON_PARSER_ERROR', 'Expected a JSON object with a records array');
    }
    const records = body.records as unknown[];
    if (records.length > COMPOSITE_LIMIT) {
      throw new VendorError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${COMPOSITE_LIMIT} records into this call`);
    }
    const allOrNone = body.allOrNone === true;
    const items = records.map((rec) => {
      const type = typeof rec === 'object' && rec !== null ? (rec as { attributes?: { type?: unknown } }).attributes?.type : undefined;
      const object = typeof type === 'string' ? sobjectOf(type) : undefined;
      if (!object) throw new VendorError(400, 'INVALID_TYPE', 'Must send a concrete entity type.');
      const { Id, ...fields } = rec as Record<string, unknown>;
      const id = typeof Id === 'string' ? Id : undefined;
      if (mode === 'create' && Id !== undefined) {
        return { object: object.name, id, fields, errors: [{ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', message: 'cannot specify Id in an insert call', fields: ['Id'] }] };
      }
      if (mode === 'update' && id === undefined) {
        return { object: object.name, id, fields, errors: [{ statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] }] };
      }
      return { object: object.name, id, fields, errors: this.store.check(object.name, fields, mode, id) };
    });
    const anyFailed = items.some((i) => i.errors.length > 0);
    const rolledBack: SfCompositeError = {
      statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
      fields: [],
    };
    const events: SystemEvent[] = [];
    const results = items.map((item) => {
      const idPart = item.id !== undefined ? { id: this.store.get(item.object, item.id)?.Id ?? item.id } : {};
      if (item.errors.length) return { ...idPart, success: false, errors: item.errors };
      if (allOrNone && anyFailed) return { ...idPart, success: false, errors: [rolledBack] };
      try {
        if (mode === 'create') return { id: this.store.create(item.object, item.fields, r.now), success: true, errors: [] };
        const before = this.stageOf(item.object, item.id);
        this.store.update(item.object, item.id!, item.fields, r.now);
        const event = this.stageEvent(item.object, item.id, before);
        if (event) events.push(event);
        return { ...idPart, success: true, errors: [] };
      } catch (e) {
        return { ...idPart, success: false, errors: [compositeError(e)] };
      }
    });
    return { status: 200, body: results, events };
  }
}
