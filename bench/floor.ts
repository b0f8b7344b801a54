// The framework floor of the warm BI query: what the chosen stack alone costs
// for it, with none of Tandem's code.
//
// Four subgraphs built with @apollo/subgraph's buildSubgraphSchema from SDL,
// with resolvers that answer from in-memory maps (no store, no cache, no
// DataLoader, no type-graphql, no security, no telemetry), composed with
// @apollo/composition and served by @apollo/gateway (its own
// LocalGraphQLDataSource: bare graphql-js execution, no HTTP between gateway
// and subgraphs) behind @apollo/server, NODE_ENV=production. The world has
// the same shape and size as the bench's 100-customer world (counts taken from
// one answer of the real stack; see bench/results/query.json), and the query
// is bench:query's BI query, field for field.
//
// The same load as bench:query's warm step (autocannon, 20 connections, after
// a warm-up), in a child process whose CPU and resident memory are measured.
// Writes bench/results/floor.json.
//   npm run bench:floor            (BENCH_DURATION_S, default 10)
import { fork } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import autocannon from 'autocannon';
import { requireApolloGateway } from '../gateway/apollo-gateway';
import { BI_QUERY } from './queries';
import { cpuMsOf, peakRssMbOf, settle, writeResult } from './harness';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);

/** The real stack's 100-customer answer, counted (bench world, seed 42). */
export const WORLD = { customers: 100, projects: 160, assignments: 724, resources: 200, invoices: 656 };

const SDL = {
  customer: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
    type Query { customers(first: Int): CustomerConnection! }
    type CustomerConnection { edges: [CustomerEdge!]! }
    type CustomerEdge { node: Customer! }
    type Customer @key(fields: "id") { id: ID! name: String! }`,
  project: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    enum ProjectStatus { PLANNED ACTIVE ON_HOLD CLOSED }
    type Customer @key(fields: "id") { id: ID! projects: [Project!]! }
    type Project @key(fields: "id") { id: ID! code: String! status: ProjectStatus! }`,
  resource: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Project @key(fields: "id") { id: ID! assignments: [Assignment!]! }
    type Assignment @key(fields: "id") { id: ID! role: String! resource: Resource! }
    type Resource @key(fields: "id") { id: ID! name: String! title: String }`,
  billing: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    enum InvoiceStatus { DRAFT ISSUED PAID VOID }
    type Money { amount: String! currency: String! }
    type Customer @key(fields: "id") { id: ID! invoices: [Invoice!]! }
    type Invoice @key(fields: "id") { id: ID! number: String status: InvoiceStatus! total: Money! }`,
};

type Row = Record<string, unknown> & { id: string };

/** A deterministic world of WORLD's size: children spread over their parents round-robin. */
function world() {
  const customers: Row[] = Array.from({ length: WORLD.customers }, (_, i) => ({ id: `c${i}`, name: `Customer ${i} Holdings` }));
  const resources: Row[] = Array.from({ length: WORLD.resources }, (_, i) => ({ id: `r${i}`, name: `Person ${i}`, title: i % 3 ? 'Consultant' : null }));
  const projects: Row[] = Array.from({ length: WORLD.projects }, (_, i) => ({ id: `p${i}`, customerId: `c${i % WORLD.customers}`, code: `PRJ-${1000 + i}`, status: ['PLANNED', 'ACTIVE', 'ON_HOLD', 'CLOSED'][i % 4] }));
  const assignments: Row[] = Array.from({ length: WORLD.assignments }, (_, i) => ({ id: `a${i}`, projectId: `p${i % WORLD.projects}`, resourceId: `r${(i * 7) % WORLD.resources}`, role: i % 2 ? 'Developer' : 'Lead' }));
  const invoices: Row[] = Array.from({ length: WORLD.invoices }, (_, i) => ({
    id: `i${i}`,
    customerId: `c${i % WORLD.customers}`,
    number: `INV-${10000 + i}`,
    status: ['DRAFT', 'ISSUED', 'PAID', 'VOID'][i % 4],
    total: { amount: `${(i * 137.5).toFixed(2)}`, currency: 'USD' },
  }));
  const by = (rows: Row[], key: string) => {
    const m = new Map<string, Row[]>();
    for (const r of rows) m.set(r[key] as string, [...(m.get(r[key] as string) ?? []), r]);
    return m;
  };
  const ids = (rows: Row[]) => new Map(rows.map((r) => [r.id, r]));
  return {
    customers,
    customer: ids(customers),
    projectsOf: by(projects, 'customerId'),
    assignmentsOf: by(assignments, 'projectId'),
    invoicesOf: by(invoices, 'customerId'),
    resource: ids(resources),
    project: ids(projects),
    assignment: ids(assignments),
    invoice: ids(invoices),
  };
}

async function serve() {
  process.env.NODE_ENV = 'production';
  const { parse } = await import('graphql');
  const { buildSubgraphSchema } = await import('@apollo/subgraph');
  const { composeServices } = await import('@apollo/composition');
  const { ApolloServer } = await import('@apollo/server');
  const { startStandaloneServer } = await import('@apollo/server/standalone');
  const { ApolloServerPluginCacheControlDisabled } = await import('@apollo/server/plugin/disabled');
  const { ApolloGateway, LocalGraphQLDataSource } = requireApolloGateway();
  const w = world();
  const resolvers = {
    customer: {
      Query: { customers: (_: unknown, a: { first?: number }) => ({ edges: w.customers.slice(0, a.first ?? 20).map((node) => ({ node })) }) },
      Customer: { __resolveReference: (ref: { id: string }) => w.customer.get(ref.id) },
    },
    project: {
      Customer: { projects: (c: { id: string }) => w.projectsOf.get(c.id) ?? [] },
      Project: { __resolveReference: (ref: { id: string }) => w.project.get(ref.id) },
    },
    resource: {
      Project: { assignments: (p: { id: string }) => w.assignmentsOf.get(p.id) ?? [] },
      Assignment: { __resolveReference: (ref: { id: string }) => w.assignment.get(ref.id), resource: (a: Row) => w.resource.get(a.resourceId as string) },
      Resource: { __resolveReference: (ref: { id: string }) => w.resource.get(ref.id) },
    },
    billing: {
      Customer: { invoices: (c: { id: string }) => w.invoicesOf.get(c.id) ?? [] },
      Invoice: { __resolveReference: (ref: { id: string }) => w.invoice.get(ref.id) },
    },
  };
  const names = Object.keys(SDL) as (keyof typeof SDL)[];
  const schemas = Object.fromEntries(names.map((n) => [n, buildSubgraphSchema({ typeDefs: parse(SDL[n]), resolvers: resolvers[n] as never })]));
  const composed = composeServices(names.map((n) => ({ name: n, typeDefs: parse(SDL[n]), url: `http://local/${n}` })));
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const gateway = new ApolloGateway({ supergraphSdl: composed.supergraphSdl, buildService: ({ name }) => new LocalGraphQLDataSource(schemas[name]) });
  // without the cache-control plugin, as Tandem's servers run (decision 0005): it wraps every field resolver
  const server = new ApolloServer({ gateway, plugins: [ApolloServerPluginCacheControlDisabled()] });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  process.send!({ url });
  process.on('message', async (m: { cmd: string }) => {
    if (m.cmd === 'stop') {
      await server.stop();
      process.exit(0);
    }
  });
}

/** The floor's figures under bench:query's warm load (a child process of its own, stopped at the end). */
export async function measureFloor(durationS = DURATION_S) {
  const child = fork(__filename, ['serve'], { execArgv: process.execArgv });
  const { url } = await new Promise<{ url: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string }));
    child.once('exit', (code) => reject(new Error(`floor child exited with ${code}`)));
  });
  const body = JSON.stringify({ query: BI_QUERY, variables: { first: 100 } });
  try {
    // the answer has the real stack's shape and size
    const answer = await new Promise<string>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let s = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (s += c));
        res.on('end', () => resolve(s));
      });
      req.on('error', reject);
      req.end(body);
    });
    const parsed = JSON.parse(answer) as { data?: { customers: { edges: { node: { projects: { assignments: unknown[] }[]; invoices: unknown[] } }[] } }; errors?: unknown };
    if (!parsed.data || parsed.errors) throw new Error(`floor answer has errors: ${answer.slice(0, 500)}`);
    const nodes = parsed.data.customers.edges.map((e) => e.node);
    const world = {
      customers: nodes.length,
      projects: nodes.reduce((n, c) => n + c.projects.length, 0),
      assignments: nodes.reduce((n, c) => n + c.projects.reduce((m, p) => m + p.assignments.length, 0), 0),
      invoices: nodes.reduce((n, c) => n + c.invoices.length, 0),
      answerBytes: Buffer.byteLength(answer),
    };
    const opts = { url, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body, connections: 20 };
    await autocannon({ ...opts, duration: 3 });
    await settle(child.pid!);
    const cpu0 = cpuMsOf(child.pid!);
    const r = await autocannon({ ...opts, duration: durationS });
    await settle(child.pid!);
    const cpuMsPerRequest = Math.round(((cpuMsOf(child.pid!) - cpu0) / Math.max(r.requests.sent, 1)) * 10) / 10;
    return {
      what: 'the warm BI query on @apollo/gateway (LocalGraphQLDataSource) + @apollo/server + @apollo/subgraph, resolvers over in-memory maps, none of Tandem',
      world,
      connections: 20,
      durationS,
      requestsPerSecond: Math.round(r.requests.average * 10) / 10,
      // 20 closed-loop connections: the mean latency is 20 / requests per second, and p99 cannot be below it
      meanMs: Math.round(r.latency.mean),
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      requests: r.requests.total,
      errors: r.errors + r.non2xx,
      // main thread and V8's helper threads (parallel GC) together, so at times more than one core's worth
      cpuMsPerRequest,
      peakRssMb: peakRssMbOf(child.pid!),
    };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.send({ cmd: 'stop' });
    await exited;
  }
}

async function main() {
  process.stdout.write(`the framework floor of the warm BI query: 20 connections, ${DURATION_S} s\n`);
  const floor = await measureFloor();
  process.stdout.write(`${JSON.stringify(floor)}\n`);
  const result = { date: new Date().toISOString(), machine: `${os.cpus().length} cores`, biFloor: floor, loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100) };
  process.stdout.write(`wrote ${writeResult('floor', result)}\n`);
}

if (process.argv[2] === 'serve') {
  serve().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
