const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

export function base62(n: number, width: number): string {
  let out = '';
  let v = n;
  while (v > 0) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out.padStart(width, '0');
}

export function fromBase62(s: string): number {
  let v = 0;
  for (const ch of s) {
    const d = BASE62.indexOf(ch);
    if (d < 0) return Number.NaN;
    v = v * 62 + d;
  }
  return v;
}

/** The 3-character case-safety suffix that turns a 15-character Salesforce id into its 18-character form. */
export function salesforceSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX_CHARS[bits];
  }
  return suffix;
}

const SF_POD = 'Hs0';

/** A Salesforce 18-character id: key prefix (`001` Account, `006` Opportunity), pod, base-62 sequence, checksum. */
export function salesforceId(prefix: string, seq: number): string {
  const id15 = `${prefix}${SF_POD}${base62(seq, 9)}`;
  return id15 + salesforceSuffix(id15);
}

/** The sequence number inside an id made by {@link salesforceId}, or NaN for any other id. */
export function salesforceSeq(id: string): number {
  if (id.length !== 18 || id.slice(3, 6) !== SF_POD) return Number.NaN;
  return fromBase62(id.slice(6, 15));
}

/** Normalises a 15- or 18-character Salesforce id to 18 characters; undefined when it cannot be one. */
export function salesforceId18(id: string): string | undefined {
  if (!/^[0-9A-Za-z]{15}([0-9A-Za-z]{3})?$/.test(id)) return undefined;
  const id15 = id.slice(0, 15);
  return id15 + salesforceSuffix(id15);
}
