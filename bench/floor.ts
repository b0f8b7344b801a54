// The framework floor of the warm BI query: what the chosen stack alone costs
// for it, with none of Tandem's code.
//
// Four subgraphs built with @apollo/subgraph's buildSubgraphSchema from SDL,
// with resolvers that answer from in-memory maps (no store, no cache, no
// DataLoader, no type-graphql, no security, no telemetry), composed with
// @apollo/composition and served by @apollo/gateway (its own
// LocalGraphQLDataSource: bare graphql-js execution, no HTTP between gateway
// and subgraphs) behind @apollo/server, NODE_ENV=production. The query is
// bench:query's BI query, field for field. In bench:query the floor's world is
// sized from the real stack's answer of that run (`countAnswer`), so both
// answers have the same number of customers, projects, assignments, resources
// and invoices; run alone it uses WORLD.
//
// The same load as bench:query's warm step (autocannon, 20 connections, after
// a warm-up), in a child process whose CPU and resident memory are measured.
// Writes bench/results/floor.json.
//   npm run bench:floor            (BENCH_DURATION_S, default 10)
import { fork } from 'node:child_process';
import os from 'node:os';
import autocannon from 'autocannon';
import { requireApolloGateway } from '../gateway/apollo-gateway';
import { BI_QUERY } from './queries';
import { cpuMsOf, peakRssMbOf, settle, writeResult } from './harness';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);

/** What the BI query's answer holds (and its size in bytes, where it was counted from one). */
export interface AnswerShape {
  customers: number;
  projects: number;
  assignments: number;
  /** distinct resources among the assignments (by name: the query asks for no id) */
  resources: number;
  invoices: number;
  answerBytes?: number;
}

/** The standalone default: the real stack's 100-customer answer of 2026-12-07, counted with countAnswer (the seed world follows the day). */
export const WORLD: AnswerShape = { customers: 100, projects: 160, assignments: 724, resources: 339, invoices: 656 };

interface BiAnswer {
  data?: { customers: { edges: { node: { projects: { assignments: { resource: { name: string } }[] }[]; invoices: unknown[] } }[] } };
  errors?: unknown;
}

/** Counts a BI query answer (its JSON text); throws on an answer with errors. */
export function countAnswer(answer: string): AnswerShape {
  const parsed = JSON.parse(answer) as BiAnswer;
  if (!parsed.data || parsed.errors) throw new Error(`BI answer has errors: ${answer.slice(0, 500)}`);
  const nodes = parsed.data.customers.edges.map((e) => e.node);
  const assignments = nodes.flatMap((c) => c.projects.flatMap((p) => p.assignments));
  return {
    customers: nodes.length,
    projects: nodes.reduce((n, c) => n + c.projects.length, 0),
    assignments: assignments.length,
    resources: new Set(assignments.map((a) => a.resource.name)).size,
    invoices: nodes.reduce((n, c) => n + c.invoices.length, 0),
    answerBytes: Buffer.byteLength(answer),
  };
}

/** One BI query (first: 100) against `url`: the answer's JSON text. */
export async function biAnswer(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: BI_QUERY, variables: { first: 100 } }) });
  return res.text();
}

const SDL = {
  customer: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
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

/** A deterministic world of the given shape: children spread over their parents round-robin. */
function world(shape: AnswerShape) {
  const customers: Row[] = Array.from({ length: shape.customers }, (_, i) => ({ id: `c${i}`, name: `Customer ${i} Holdings` }));
  const resources: Row[] = Array.from({ length: shape.resources }, (_, i) => ({ id: `r${i}`, name: `Person ${i}`, title: i % 3 ? 'Consultant' : null }));
  const projects: Row[] = Array.from({ length: shape.projects }, (_, i) => ({ id: `p${i}`, customerId: `c${i % shape.customers}`, code: `PRJ-${1000 + i}`, status: ['PLANNED', 'ACTIVE', 'ON_HOLD', 'CLOSED'][i % 4] }));
  const assignments: Row[] = Array.from({ length: shape.assignments }, (_, i) => ({ id: `a${i}`, projectId: `p${i % shape.projects}`, resourceId: `r${i % shape.resources}`, role: i % 2 ? 'Developer' : 'Lead' }));
  const invoices: Row[] = Array.from({ length: shape.invoices }, (_, i) => ({
    id: `i${i}`,
    customerId: `c${i % shape.customers}`,
    number: `INV-${10000 + i}`,
    status: ['DRAFT', 'ISSUED', 'PAID', 'VOID'][i % 4],
    total: { amount: `${(i * 137.5).toFixed(2)}`, currency: 'USD' },
  }));
  const by = (rows: Row[], key: string) => {
    const m = new Map<string, Row[]>();
    for (const r of rows) {
      const list = m.get(r[key] as string);
      if (list) list.push(r);
      else m.set(r[key] as string, [r]);
    }
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
  const w = world(JSON.parse(process.argv[3]) as AnswerShape);
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

/**
 * The floor's figures under bench:query's warm load, for a world of `shape` (a
 * child process of its own, stopped at the end).
 */
export async function measureFloor(durationS = DURATION_S, shape: AnswerShape = WORLD) {
  const child = fork(__filename, ['serve', JSON.stringify(shape)], { execArgv: process.execArgv });
  const { url } = await new Promise<{ url: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string }));
    child.once('exit', (code) => reject(new Error(`floor child exited with ${code}`)));
  });
  const body = JSON.stringify({ query: BI_QUERY, variables: { first: 100 } });
  try {
    const world = countAnswer(await biAnswer(url));
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
