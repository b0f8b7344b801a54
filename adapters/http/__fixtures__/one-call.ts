// A plain script for http-client.unit.spec.ts: one vendor read through the
// process's default transport (the IO thread), nothing else that would keep the
// process alive (no server, no timer). Prints the answer as JSON on stdout.
import { z } from 'zod';
import { createLogger } from '../../../lib';
import { systemConfig } from '../../config';
import { VendorHttpClient } from '../http-client';

const [baseUrl] = process.argv.slice(2);
const client = new VendorHttpClient('CRM', systemConfig({ baseUrl, token: 't0k', timeoutMs: 5_000 }), createLogger('one-call'));
client.json({ method: 'GET', path: '/thing', endpoint: 'GET /thing' }, z.looseObject({ id: z.string(), n: z.number() })).then(
  ({ data }) => process.stdout.write(JSON.stringify(data) + '\n'),
  (err: unknown) => {
    process.stderr.write(`failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
