import { z } from 'zod';
import { SourceError, sourceErrorFromStatus } from '../http/source-error';
import { parseWire, type VendorHttpClient } from '../http/http-client';
import {
  SF_API,
  collectionReadWire,
  compositeResponseWire,
  queryResultWire,
  saveResultWire,
  saveResultsWire,
  type CompositeSubresponse,
  type QueryResult,
  type SaveResult,
  type SObjectType,
} from './crm-wire';

/** Options of a Salesforce write. */
export interface SfWriteOptions {
  /** Sent as `Idempotency-Key`: a repeated key returns the first answer and creates nothing new. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** Options of a composite (sObject Collections) write. */
export interface SfCollectionWriteOptions extends SfWriteOptions {
  /** Roll back every record if one fails. @default false */
  allOrNone?: boolean;
}

/** The most ids or records one sObject Collections call accepts. */
export const SF_COLLECTION_LIMIT = 200;

/** A Salesforce id (15 or 18 alphanumerics); anything else cannot name a record. */
export function isSalesforceId(id: string): boolean {
  return /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(id);
}

/** A SOQL string literal. */
export function soqlQuote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `Field IN ('a','b')`. */
export function soqlIn(field: string, values: readonly string[]): string {
  return `${field} IN (${values.map(soqlQuote).join(',')})`;
}

/**
 * The Salesforce REST vendor client: SOQL query with queryMore paging, sObject
 * get/create/update and sObject Collections. Speaks vendor field names only.
 */
export class SalesforceClient {
  constructor(readonly http: VendorHttpClient) {}

  /** One page of a SOQL query (`GET /query?q=`). */
  async query<S extends z.ZodType>(soql: string, record: S, signal?: AbortSignal): Promise<QueryResult<z.output<S>>> {
    const { data } = await this.http.json(
      { method: 'GET', path: `${SF_API}/query?q=${encodeURIComponent(soql)}`, endpoint: `GET ${SF_API}/query`, signal },
      queryResultWire(record),
    );
    return data as QueryResult<z.output<S>>;
  }

  /** The next page of a query, from its `nextRecordsUrl`. */
  async queryMore<S extends z.ZodType>(nextRecordsUrl: string, record: S, signal?: AbortSignal): Promise<QueryResult<z.output<S>>> {
    if (!nextRecordsUrl.startsWith(`${SF_API}/query/`)) {
      throw new SourceError('BAD_RESPONSE', 'CRM', `nextRecordsUrl: unexpected value ${JSON.stringify(nextRecordsUrl)}`);
    }
    const { data } = await this.http.json(
      { method: 'GET', path: nextRecordsUrl, endpoint: `GET ${SF_API}/query/:cursor`, signal },
      queryResultWire(record),
    );
    return data as QueryResult<z.output<S>>;
  }

  /** Every record of a SOQL query, following `nextRecordsUrl` until `done`. */
  async queryAll<S extends z.ZodType>(soql: string, record: S, signal?: AbortSignal): Promise<z.output<S>[]> {
    let page = await this.query(soql, record, signal);
    const out = [...page.records];
    while (!page.done) {
      if (!page.nextRecordsUrl) throw new SourceError('BAD_RESPONSE', 'CRM', 'nextRecordsUrl: missing on a page that is not done');
      page = await this.queryMore(page.nextRecordsUrl, record, signal);
      out.push(...page.records);
    }
    return out;
  }

  /** `GET /sobjects/{type}/{id}`; an unknown id rejects with NOT_FOUND. */
  async getSObject<S extends z.ZodType>(type: SObjectType, id: string, record: S, signal?: AbortSignal): Promise<z.output<S>> {
    const { data } = await this.http.json(
      { method: 'GET', path: `${SF_API}/sobjects/${type}/${encodeURIComponent(id)}`, endpoint: `GET ${SF_API}/sobjects/${type}/:id`, signal },
      record,
    );
    return data;
  }

  /**
   * Several record reads in one API call (`POST /composite`, GET subrequests):
   * a later subrequest's URL may name a field of an earlier answer
   * (`@{referenceId.Field}`). Returns each subresponse in order; read one with
   * {@link subresponse}. A read: retried like the other reads. Calls: 1.
   */
  async compositeGet(subrequests: readonly { url: string; referenceId: string }[], signal?: AbortSignal): Promise<CompositeSubresponse[]> {
    const { data } = await this.http.json(
      {
        method: 'POST',
        path: `${SF_API}/composite`,
        endpoint: `POST ${SF_API}/composite`,
        kind: 'read',
        body: { allOrNone: false, compositeRequest: subrequests.map((s) => ({ method: 'GET', url: s.url, referenceId: s.referenceId })) },
        signal,
      },
      compositeResponseWire,
    );
    const answers = data.compositeResponse;
    if (answers.length !== subrequests.length || answers.some((a, i) => a.referenceId !== subrequests[i].referenceId)) {
      throw new SourceError('BAD_RESPONSE', 'CRM', `POST ${SF_API}/composite: answered ${answers.map((a) => a.referenceId).join(', ')} for ${subrequests.map((s) => s.referenceId).join(', ')}`);
    }
    return answers;
  }

  /** One composite subresponse as the record it holds, or the SourceError its status and body mean (as for a call of `endpoint` of its own). */
  subresponse<S extends z.ZodType>(answer: CompositeSubresponse, endpoint: string, record: S): z.output<S> {
    if (answer.httpStatusCode < 200 || answer.httpStatusCode > 299) throw sourceErrorFromStatus('CRM', answer.httpStatusCode, answer.body, null, endpoint);
    return parseWire('CRM', endpoint, answer.httpStatusCode, answer.body, record);
  }

  /** `POST /sobjects/{type}` → the new record's id. */
  async createSObject(type: SObjectType, fields: object, opts: SfWriteOptions = {}): Promise<{ id: string }> {
    const { data } = await this.http.json(
      { method: 'POST', path: `${SF_API}/sobjects/${type}`, endpoint: `POST ${SF_API}/sobjects/${type}`, body: fields, ...opts },
      saveResultWire,
    );
    if (!data.success || !data.id) throw rejected(data, `create ${type}`);
    return { id: data.id };
  }

  /** `PATCH /sobjects/{type}/{id}` (204). */
  async updateSObject(type: SObjectType, id: string, fields: object, opts: SfWriteOptions = {}): Promise<void> {
    await this.http.send({
      method: 'PATCH',
      path: `${SF_API}/sobjects/${type}/${encodeURIComponent(id)}`,
      endpoint: `PATCH ${SF_API}/sobjects/${type}/:id`,
      body: fields,
      ...opts,
    });
  }

  /**
   * sObject Collections retrieve (`GET /composite/sobjects/{type}?ids=&fields=`, at most
   * 200 ids): records in id order, null for unknown ids.
   */
  async retrieveCollection<S extends z.ZodType>(
    type: SObjectType,
    ids: readonly string[],
    fields: readonly string[],
    record: S,
    signal?: AbortSignal,
  ): Promise<(z.output<S> | null)[]> {
    if (ids.length === 0) return [];
    if (ids.length > SF_COLLECTION_LIMIT) throw new RangeError(`at most ${SF_COLLECTION_LIMIT} ids per collection call`);
    const { data } = await this.http.json(
      {
        method: 'GET',
        path: `${SF_API}/composite/sobjects/${type}?ids=${ids.map(encodeURIComponent).join(',')}&fields=${fields.join(',')}`,
        endpoint: `GET ${SF_API}/composite/sobjects/${type}`,
        signal,
      },
      collectionReadWire(record),
    );
    return data as (z.output<S> | null)[];
  }

  /** sObject Collections create (`POST /composite/sobjects`, at most 200 records). */
  async createCollection(type: SObjectType, records: readonly object[], opts: SfCollectionWriteOptions = {}): Promise<SaveResult[]> {
    return this.collectionWrite('POST', type, records, opts);
  }

  /** sObject Collections update (`PATCH /composite/sobjects`, each record with its `Id`). */
  async updateCollection(type: SObjectType, records: readonly ({ Id: string } & object)[], opts: SfCollectionWriteOptions = {}): Promise<SaveResult[]> {
    return this.collectionWrite('PATCH', type, records, opts);
  }

  private async collectionWrite(method: 'POST' | 'PATCH', type: SObjectType, records: readonly object[], opts: SfCollectionWriteOptions): Promise<SaveResult[]> {
    if (records.length > SF_COLLECTION_LIMIT) throw new RangeError(`at most ${SF_COLLECTION_LIMIT} records per collection call`);
    const { allOrNone = false, ...rest } = opts;
    const { data } = await this.http.json(
      {
        method,
        path: `${SF_API}/composite/sobjects`,
        endpoint: `${method} ${SF_API}/composite/sobjects`,
        body: { allOrNone, records: records.map((r) => ({ attributes: { type }, ...r })) },
        ...rest,
      },
      saveResultsWire,
    );
    return data;
  }
}

function rejected(result: SaveResult, what: string): SourceError {
  const first = result.errors[0];
  return new SourceError('REJECTED', 'CRM', `${what}: ${first?.message ?? 'not saved'}`, {
    vendorCode: first?.errorCode ?? first?.statusCode,
    cause: result,
  });
}
