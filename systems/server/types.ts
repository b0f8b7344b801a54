import type { IncomingHttpHeaders } from 'node:http';

/** The three simulated systems, by folder name. */
export type SystemName = 'crm' | 'erp' | 'psa';
/** The three simulated systems, as the canonical model names them. */
export type SystemLabel = 'CRM' | 'ERP' | 'PSA';

export const SYSTEM_LABELS: Readonly<Record<SystemName, SystemLabel>> = { crm: 'CRM', erp: 'ERP', psa: 'PSA' };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A parsed request as a route handler sees it. */
export interface SystemRequest {
  method: HttpMethod;
  /** Path without the query string, percent-decoded per segment in `params` only. */
  path: string;
  /** The route template that matched, e.g. `/api/v1/users/:id`. */
  template: string;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined when the request had none. */
  body: unknown;
  /** `http://host:port` as the client addressed the server. */
  origin: string;
  /** When the request is handled (after latency). */
  now: Date;
}

/** A business event a write caused; the server sends it as a webhook once the write answered 2xx. */
export interface SystemEvent {
  /** e.g. `opportunity.stage_changed` */
  type: string;
  data: Record<string, unknown>;
}

/** What a handler answers; `body` undefined means no body (204). */
export interface SystemResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Webhook events to send (only when the answer is 2xx). */
  events?: SystemEvent[];
}

export type Handler = (req: SystemRequest) => SystemResponse;

/** One entry of a system's route table. */
export interface RouteDef {
  method: HttpMethod;
  /** Path template; `:name` segments capture one path segment. */
  template: string;
  handler: Handler;
  /** A POST that only reads (SuiteQL): never refused by the `rejectWrites` fault. */
  read?: boolean;
}

/** A failure a handler throws; the server renders it in the vendor's error shape. */
export class VendorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra fields some vendors put next to the message (e.g. Salesforce `fields`). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'VendorError';
  }
}

/** The errors the shared server raises itself, before any handler runs. */
export type StandardError =
  | 'unauthorized'
  | 'rateLimited'
  | 'unavailable'
  | 'notFound'
  | 'methodNotAllowed'
  | 'invalidJson'
  | 'payloadTooLarge'
  | 'internal';

/** How one vendor writes its errors. */
export interface Dialect {
  /** The vendor error body for a status, vendor code and message. */
  errorBody(error: VendorError): unknown;
  /** Vendor code and message for each error the shared server raises itself. */
  standard: Readonly<Record<StandardError, readonly [code: string, message: string]>>;
  /** The vendor's validation refusal of a write, answered under the `rejectWrites` fault. */
  rejectWrite(route: string, body: unknown): SystemResponse;
}
