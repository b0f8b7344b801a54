/** SalesforceClient.subresponse: one Composite subresponse read as a record or as the SourceError its status means. */
import { z } from 'zod';
import { SourceError } from '../http/source-error';
import type { VendorHttpClient } from '../http/http-client';
import { SalesforceClient } from './salesforce-client';

// subresponse reads an answer already received: it never calls the vendor
const client = new SalesforceClient({} as VendorHttpClient);
const record = z.looseObject({ Id: z.string(), Name: z.string() });
const endpoint = 'GET /services/data/v60.0/sobjects/Account/:id';
const failure = (f: () => unknown): SourceError => {
  try {
    f();
  } catch (e) {
    return e as SourceError;
  }
  throw new Error('expected a failure');
};

describe('SalesforceClient.subresponse', () => {
  it('returns the record of a 200 subresponse, unknown fields kept', () => {
    const answer = { referenceId: 'account', httpStatusCode: 200, body: { Id: '001A', Name: 'Acme', Extra__c: 1 } };
    expect(client.subresponse(answer, endpoint, record)).toEqual({ Id: '001A', Name: 'Acme', Extra__c: 1 });
  });

  it('maps a failed subresponse as it maps a call of its own: 404 NOT_FOUND, 400 PROCESSING_HALTED REJECTED, with the vendor message', () => {
    const notFound = failure(() => client.subresponse({ referenceId: 'a', httpStatusCode: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] }, endpoint, record));
    expect(notFound).toBeInstanceOf(SourceError);
    expect(notFound).toMatchObject({ code: 'NOT_FOUND', system: 'CRM', status: 404 });
    const halted = failure(() =>
      client.subresponse({ referenceId: 'a', httpStatusCode: 400, body: [{ errorCode: 'PROCESSING_HALTED', message: 'Invalid reference specified. No value for opportunity.AccountId' }] }, endpoint, record),
    );
    expect(halted).toMatchObject({ code: 'REJECTED', status: 400 });
    expect(halted.message).toContain('No value for opportunity.AccountId');
  });

  it('answers BAD_RESPONSE for a 200 subresponse of the wrong shape, naming the field', () => {
    const bad = failure(() => client.subresponse({ referenceId: 'a', httpStatusCode: 200, body: { Id: 7 } }, endpoint, record));
    expect(bad).toMatchObject({ code: 'BAD_RESPONSE' });
    expect(bad.message).toContain('Id');
  });
});
