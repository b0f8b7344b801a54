import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a webhook's timestamp may be from now (either way), in seconds. */
export const TIMESTAMP_TOLERANCE_SECONDS = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`: what a sender puts in X-Tandem-Signature. */
export function webhookSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(rawBody);
  return `sha256=${mac.digest('hex')}`;
}

/**
 * Checks X-Tandem-Webhook-Timestamp and X-Tandem-Signature of a raw body: the
 * timestamp must be unix seconds within the tolerance of `now`, and the
 * signature must equal ours, compared in constant time. The reason never
 * contains the secret or either signature.
 */
export function verifyWebhookSignature(args: {
  secret: string;
  rawBody: Buffer;
  timestamp: string | undefined;
  signature: string | undefined;
  now?: Date;
  toleranceSeconds?: number;
}): SignatureCheck {
  const { secret, rawBody, timestamp, signature } = args;
  if (!signature) return { ok: false, reason: 'missing X-Tandem-Signature header' };
  if (!timestamp) return { ok: false, reason: 'missing X-Tandem-Webhook-Timestamp header' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'X-Tandem-Webhook-Timestamp must be unix seconds' };
  const tolerance = args.toleranceSeconds ?? TIMESTAMP_TOLERANCE_SECONDS;
  const skew = Math.abs((args.now ?? new Date()).getTime() / 1000 - Number(timestamp));
  if (skew > tolerance) return { ok: false, reason: `X-Tandem-Webhook-Timestamp is more than ${tolerance} s away from now` };
  const expected = Buffer.from(webhookSignature(secret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // timingSafeEqual needs equal lengths; comparing against ourselves keeps the time constant either way
  const same = given.length === expected.length ? timingSafeEqual(given, expected) : (timingSafeEqual(expected, expected), false);
  return same ? { ok: true } : { ok: false, reason: 'X-Tandem-Signature does not match the body' };
}
