import { ERP_CURRENCIES, type ErpData } from '../seed/world';
import type { SystemModel } from '../server/system-server';
import { type Dialect, type RouteDef, type SystemEvent, type SystemRequest, type SystemResponse, VendorError } from '../server/types';
import { nsError } from './erp-input';
import { ERP_RECORD_TYPES, type ErpRecordType, ErpStore, INVOICE_STATUS_IDS, JOB_STATUS_IDS, nonexistent } from './erp-store';
import { runSuiteQl, SUITEQL_MAX_LIMIT, suiteQlTables } from './suiteql';

export const RECORD_API = '/services/rest/record/v1';
export const SUITEQL_PATH = '/services/rest/query/v1/suiteql';

const STATUS_TITLES: Record<number, [string, string]> = {
  400: ['Bad Request', 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1'],
  401: ['Unauthorized', 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2'],
  404: ['Not Found', 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5'],
  405: ['Method Not Allowed', 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.6'],
  413: ['Content Too Large', 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.14'],
  429: ['Too Many Requests', 'https://www.rfc-editor.org/rfc/rfc6585.html#section-4'],
  500: ['Internal Server Error', 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.1'],
  503: ['Service Unavailable', 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.4'],
};

/** NetSuite errors: `{ "type", "title", "status", "o:errorDetails": [{ "detail", "o:errorCode" }] }`. */
export const netSuiteDialect: Dialect = {
  errorBody: (e) => {
    const [title, type] = STATUS_TITLES[e.status] ?? ['Error', 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15'];
    return { type, title, status: e.status, 'o:errorDetails': [{ detail: e.message, 'o:errorCode': e.code }] };
  },
  standard: {
    unauthorized: ['INVALID_LOGIN', 'Invalid login attempt. The bearer token is missing, invalid or expired.'],
    rateLimited: ['CONCURRENCY_LIMIT_EXCEEDED', 'Request blocked: the concurrency limit for this account has been exceeded.'],
    unavailable: ['UNEXPECTED_ERROR', 'The service is temporarily unavailable. Try again later.'],
    notFound: ['INVALID_URL', 'The requested URL does not name a REST resource of this account.'],
    methodNotAllowed: ['METHOD_NOT_ALLOWED', 'The HTTP method is not allowed for this resource.'],
    invalidJson: ['INVALID_CONTENT', 'The request body is not valid JSON.'],
    payloadTooLarge: ['INVALID_CONTENT', 'The request body is too large.'],
    internal: ['UNEXPECTED_ERROR', 'An unexpected error occurred.'],
  },
  rejectWrite: (route) => ({
    status: 400,
    body: netSuiteDialect.errorBody(new VendorError(400, 'USER_ERROR', `A validation rule rejected this record (simulated fault rejectWrites on ${route}).`)),
  }),
};

type Ref = { id: string; refName: string } | null;

/** The NetSuite-shaped ERP: REST record API and SuiteQL. */
export class ErpSystem implements SystemModel<ErpData> {
  readonly store: ErpStore;
  readonly routes: readonly RouteDef[];
  private readonly tables: ReturnType<typeof suiteQlTables>;

  constructor(data: ErpData) {
    this.store = new ErpStore(data);
    this.tables = suiteQlTables(this.store);
    this.routes = [
      ...ERP_RECORD_TYPES.flatMap((type): RouteDef[] => [
        { method: 'GET', template: `${RECORD_API}/${type}/:id`, handler: (r) => this.get(type, r) },
        { method: 'POST', template: `${RECORD_API}/${type}`, handler: (r) => this.create(type, r) },
        { method: 'PATCH', template: `${RECORD_API}/${type}/:id`, handler: (r) => this.update(type, r) },
      ]),
      { method: 'POST', template: SUITEQL_PATH, handler: (r) => this.suiteql(r), read: true },
    ];
  }

  serialize(): ErpData {
    return this.store.serialize();
  }

  private get(type: ErpRecordType, r: SystemRequest): SystemResponse {
    const body = this.render(type, r.params.id, r.origin);
    if (!body) throw nonexistent();
    return { status: 200, body };
  }

  private create(type: ErpRecordType, r: SystemRequest): SystemResponse {
    const s = this.store;
    const body = r.body ?? {};
    const id = {
      customer: () => s.createCustomer(body, r.now),
      job: () => s.createJob(body, r.now),
      invoice: () => s.createInvoice(body, r.now),
      customerPayment: () => s.createPayment(body, r.now),
      customrecord_change_order: () => s.createChangeOrder(body, r.now),
    }[type]();
    const events: SystemEvent[] = [];
    if (type === 'customerPayment') {
      // a payment is accepted only on an Open invoice; the one that pays it off makes it Paid In Full
      const invoiceId = s.payments.get(id)?.custbody_invoice;
      const event = invoiceId === undefined ? undefined : this.invoiceStatusEvent(invoiceId, 'Open');
      if (event) events.push(event);
    }
    return { status: 204, headers: { location: `${r.origin}${RECORD_API}/${type}/${id}` }, events };
  }

  private update(type: ErpRecordType, r: SystemRequest): SystemResponse {
    const s = this.store;
    const body = r.body ?? {};
    const id = r.params.id;
    const before = type === 'invoice' ? s.invoices.get(id)?.status : undefined;
    ({
      customer: () => s.updateCustomer(id, body, r.now),
      job: () => s.updateJob(id, body, r.now),
      invoice: () => s.updateInvoice(id, body, r.now),
      customerPayment: () => s.updatePayment(id, body, r.now),
      customrecord_change_order: () => s.updateChangeOrder(id, body, r.now),
    })[type]();
    const event = before === undefined ? undefined : this.invoiceStatusEvent(id, before);
    return { status: 204, events: event ? [event] : [] };
  }

  /** `invoice.status_changed` when the invoice's status is no longer `previousStatus`. */
  private invoiceStatusEvent(invoiceId: string, previousStatus: string): SystemEvent | undefined {
    const invoice = this.store.invoices.get(invoiceId);
    if (!invoice || invoice.status === previousStatus) return undefined;
    return {
      type: 'invoice.status_changed',
      data: { id: invoice.id, entity: invoice.entity, status: invoice.status, previousStatus, amountRemaining: invoice.amountRemaining },
    };
  }

  private suiteql(r: SystemRequest): SystemResponse {
    const prefer = String(r.headers.prefer ?? '').toLowerCase();
    if (!prefer.split(/[,;]/).some((p) => p.trim() === 'transient')) {
      throw nsError('INVALID_HEADER', 'SuiteQL requests must carry the header "Prefer: transient".');
    }
    const limit = intParam(r.query.get('limit'), 'limit', SUITEQL_MAX_LIMIT, 1, SUITEQL_MAX_LIMIT);
    const offset = intParam(r.query.get('offset'), 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const q = (r.body as { q?: unknown } | undefined)?.q;
    if (typeof q !== 'string' || q.trim() === '') throw nsError('INVALID_PARAMETER', 'The request body must be {"q": "<SuiteQL statement>"}.');
    const page = runSuiteQl(this.tables, q, limit, offset);
    return {
      status: 200,
      body: {
        links: [],
        count: page.items.length,
        hasMore: offset + page.items.length < page.totalResults,
        offset,
        totalResults: page.totalResults,
        items: page.items,
      },
    };
  }

  // ---- REST record rendering ----------------------------------------------

  private render(type: ErpRecordType, id: string, origin: string): Record<string, unknown> | undefined {
    const s = this.store;
    const links = (recordId: string) => [{ rel: 'self', href: `${origin}${RECORD_API}/${type}/${recordId}` }];
    const currency = (iso: string): Ref => ({ id: ERP_CURRENCIES[iso] ?? iso, refName: iso });
    const customerRef = (cid: string): Ref => ({ id: cid, refName: s.customers.get(cid)?.companyName ?? cid });
    const jobRef = (jid: string | null): Ref => (jid === null ? null : { id: jid, refName: s.jobs.get(jid)?.companyName ?? jid });
    switch (type) {
      case 'customer': {
        const c = s.customer(id);
        if (!c) return undefined;
        return {
          links: links(c.id),
          id: c.id,
          entityId: c.entityId,
          companyName: c.companyName,
          externalId: c.externalId,
          subsidiary: { id: c.subsidiary, refName: s.subsidiary(c.subsidiary)?.name ?? c.subsidiary },
          currency: currency(c.currency),
          vatRegNumber: c.vatRegNumber,
          email: c.email,
          isInactive: c.isInactive,
          lastModifiedDate: c.lastModifiedDate,
        };
      }
      case 'job': {
        const j = s.jobs.get(id);
        if (!j) return undefined;
        return {
          links: links(j.id),
          id: j.id,
          entityId: j.entityId,
          companyName: j.companyName,
          parent: customerRef(j.parent),
          entityStatus: { id: JOB_STATUS_IDS[j.entityStatus], refName: j.entityStatus },
          custentity_contract_type: j.custentity_contract_type,
          custentity_budget_amount: j.custentity_budget_amount,
          currency: currency(j.currency),
          startDate: j.startDate,
          projectedEndDate: j.projectedEndDate,
          custentity_sf_opportunity_id: j.custentity_sf_opportunity_id,
          custentity_psa_workspace_id: j.custentity_psa_workspace_id,
          lastModifiedDate: j.lastModifiedDate,
        };
      }
      case 'customrecord_change_order': {
        const c = s.changeOrders.get(id);
        if (!c) return undefined;
        return {
          links: links(c.id),
          id: c.id,
          custrecord_co_job: jobRef(c.custrecord_co_job),
          custrecord_co_description: c.custrecord_co_description,
          custrecord_co_amount: c.custrecord_co_amount,
          custrecord_co_approved_date: c.custrecord_co_approved_date,
          lastModifiedDate: c.lastModifiedDate,
        };
      }
      case 'invoice': {
        const i = s.invoices.get(id);
        if (!i) return undefined;
        return {
          links: links(i.id),
          id: i.id,
          tranId: i.tranId,
          entity: customerRef(i.entity),
          job: jobRef(i.job),
          status: { id: INVOICE_STATUS_IDS[i.status], refName: i.status },
          tranDate: i.tranDate,
          dueDate: i.dueDate,
          total: i.total,
          amountRemaining: i.amountRemaining,
          currency: currency(i.currency),
          custbody_blocked_reason: i.custbody_blocked_reason,
          item: { items: i.lines.map((l) => ({ ...l })), totalResults: i.lines.length },
          lastModifiedDate: i.lastModifiedDate,
        };
      }
      case 'customerPayment': {
        const p = s.payments.get(id);
        if (!p) return undefined;
        const invoice = s.invoices.get(p.custbody_invoice);
        return {
          links: links(p.id),
          id: p.id,
          customer: customerRef(p.customer),
          custbody_invoice: { id: p.custbody_invoice, refName: invoice?.tranId ?? p.custbody_invoice },
          payment: p.payment,
          tranDate: p.tranDate,
          currency: currency(p.currency),
          lastModifiedDate: p.lastModifiedDate,
        };
      }
    }
  }
}

function intParam(raw: string | null, name: string, fallback: number, min: number, max: number): number {
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new VendorError(400, 'INVALID_PARAMETER', `Invalid value for the ${name} query parameter: ${raw} (expected an integer from ${min} to ${max}).`);
  }
  return n;
}
