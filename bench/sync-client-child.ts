// The integrator of bench/sync, in its own process: sends the convertOpportunity
// mutations through the gateway, `concurrency` at a time, so the load generator
// does not share an event loop (or its CPU accounting) with the Tandem it measures.
// Options as JSON in argv[2]; reports { submitted } as it goes, then
// { done, ids, submitMs } (ids in submission order, latency of each mutation).
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

async function main() {
  const o = JSON.parse(process.argv[2]) as Options;
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
        const res = await fetch(o.gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: o.authorization },
          body: JSON.stringify({ query, variables: { o: o.opportunityIds[i], k: `${o.tag}:${i}` } }),
        });
        const body = (await res.json()) as { data?: { convertOpportunity: { id: string } }; errors?: unknown };
        if (!body.data) throw new Error(`convertOpportunity failed: ${JSON.stringify(body.errors)}`);
        submitMs.push(performance.now() - t0);
        ids.push(body.data.convertOpportunity.id);
      }
    }),
  );
  clearInterval(progress);
  process.send!({ done: true, ids, submitMs }, () => process.exit(0));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
