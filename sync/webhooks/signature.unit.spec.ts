import { createHmac } from 'node:crypto';
import { verifyWebhookSignature, webhookSignature } from './signature';

const now = new Date('2026-03-01T12:00:00Z');
const ts = String(now.getTime() / 1000);
const body = Buffer.from('{"id":"d1","type":"x"}');

describe('verifyWebhookSignature', () => {
  it('accepts the HMAC-SHA256 of "<timestamp>.<raw body>"', () => {
    const signature = `sha256=${createHmac('sha256', 's3cret').update(`${ts}.${body.toString()}`).digest('hex')}`;
    expect(webhookSignature('s3cret', ts, body)).toBe(signature);
    expect(verifyWebhookSignature({ secret: 's3cret', rawBody: body, timestamp: ts, signature, now })).toEqual({ ok: true });
  });

  it('refuses another secret, another body, a truncated signature and a missing header', () => {
    const good = webhookSignature('s3cret', ts, body);
    const check = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      verifyWebhookSignature({ secret: 's3cret', rawBody: body, timestamp: ts, signature: good, now, ...over });
    expect(check({ secret: 'other' })).toEqual({ ok: false, reason: 'X-Tandem-Signature does not match the body' });
    expect(check({ rawBody: Buffer.from('{"id":"d1","type":"y"}') }).ok).toBe(false);
    expect(check({ signature: good.slice(0, -1) }).ok).toBe(false);
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: 'missing X-Tandem-Signature header' });
    expect(check({ timestamp: 'yesterday' }).ok).toBe(false);
  });

  it('accepts a timestamp up to 5 minutes away and refuses one beyond, either way', () => {
    const at = (offset: number) => {
      const t = String(Number(ts) + offset);
      return verifyWebhookSignature({ secret: 's', rawBody: body, timestamp: t, signature: webhookSignature('s', t, body), now }).ok;
    };
    expect([at(-300), at(300), at(-301), at(301)]).toEqual([true, true, false, false]);
  });
});
