import { Writable } from 'node:stream';
import { createPinoLogger } from './logger';

test('the log never holds tokens, tax ids or secrets, at whatever depth the fields are logged', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = createPinoLogger(sink, 'debug').child({ component: 'test' });
  log.info(
    {
      headers: { authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.secret-token', 'x-gateway-token': 'eyJhbGciOiJIUzI1NiJ9.internal' },
      req: { headers: { authorization: 'Bearer deep-token' } },
      input: { name: 'Acme', taxId: 'DE-123456789', billingAddress: { country: 'DE' } },
      command: { input: { customer: { taxId: 'US-98-7654321', Tax_Id__c: 'US-98-7654321' } } },
      erp: { vatregnumber: 'FR-55' },
      webhook: { url: 'http://127.0.0.1/webhooks/crm', secret: 'crm-dev-webhook-secret' },
      token: 'raw-token',
    },
    'a request',
  );
  const out = lines.join('');
  for (const secret of ['secret-token', 'internal', 'deep-token', 'DE-123456789', 'US-98-7654321', 'FR-55', 'crm-dev-webhook-secret', 'raw-token']) {
    expect({ secret, found: out.includes(secret) }).toEqual({ secret, found: false });
  }
  const entry = JSON.parse(lines[0]);
  expect(entry.input).toEqual({ name: 'Acme', taxId: '[REDACTED]', billingAddress: { country: 'DE' } });
  expect(entry.webhook).toEqual({ url: 'http://127.0.0.1/webhooks/crm', secret: '[REDACTED]' });
  expect(entry.msg).toBe('a request');
});
