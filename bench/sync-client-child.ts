// The integrator of bench/sync, in its own process: sends the convertOpportunity
// mutations through the gateway, `concurrency` at a time, so the load generator
// does not share an event loop (or its CPU accounting) with the Tandem it measures.
// Options as JSON in argv[2]; reports { submitted } as it goes, then
// { done, ids, submitMs, cpuMs } (ids in submission order, latency of each mutation,
// this process's CPU time while sending).
//
// It sends with node:http over keep-alive connections rather than fetch: the client
// shares the machine's two cores with Tandem and the simulators, and fetch cost
// 2.4 ms of CPU per mutation here against 0.6 ms (bench:sync run A, 2026-12-07).
import http from 'node:http';
import { performance } from 'node:perf_hooks';

interface Options {
  gatewayUrl: string;
  authorization: string;
  /** canonical opportunity ids, one mutation each */
  opportunityIds: string[];
  /** idempotency keys are `${tag}:${i}` */
  tag: string;
  concurrency: number;
}

/** One POST of a JSON body; resolves to the parsed JSON answer. */
function postJson(agent: http.Agent, url: URL, headers: Record<string, string>, body: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new Error(`gateway answered ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const o = JSON.parse(process.argv[2]) as Options;
  const url = new URL(o.gatewayUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });
  const cpu0 = process.cpuUsage();
  const query = `mutation($o: ID!, $k: String!) { convertOpportunity(opportunityId: $o, idempotencyKey: $k) { id status } }`;
  const ids: string[] = [];
  const submitMs: number[] = [];
  let next = 0;
  const progress = setInterval(() => process.send!({ submitted: ids.length }), 250);
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (next < o.opportunityIds.length) {
        const i = next++;
        const t0 = performance.now();
        const body = (await postJson(agent, url, { authorization: o.authorization }, JSON.stringify({ query, variables: { o: o.opportunityIds[i], k: `${o.tag}:${i}` } }))) as {
          data?: { convertOpportunity: { id: string } };
          errors?: unknown;
        };
        if (!body.data) throw new Error(`convertOpportunity failed: ${JSON.stringify(body.errors)}`);
        submitMs.push(performance.now() - t0);
        ids.push(body.data.convertOpportunity.id);
      }
    }),
  );
  clearInterval(progress);
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  process.send!({ done: true, ids, submitMs, cpuMs: (cpu.user + cpu.system) / 1000 }, () => process.exit(0));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
