import type { GraphQLSchema } from 'graphql';
import type { CanonicalCache } from '../cache';
import { createLogger, envInt } from '../lib';
import { buildBillingSchema } from './billing';
import { buildCustomerSchema } from './customer';
import { buildProjectSchema } from './project';
import { buildResourceSchema } from './resource';
import { serveSubgraph, type RunningSubgraph } from './shared/server';

export type { RunningSubgraph } from './shared/server';
export type { SubgraphContext } from './shared/context';

/** Tandem's domain subgraphs, in composition order. */
export const SUBGRAPH_NAMES = ['customer', 'project', 'resource', 'billing'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

const builders: Record<SubgraphName, () => Promise<GraphQLSchema>> = {
  customer: buildCustomerSchema,
  project: buildProjectSchema,
  resource: buildResourceSchema,
  billing: buildBillingSchema,
};

/** @default customer 4001, project 4002, resource 4003, billing 4004 (`TANDEM_<NAME>_SUBGRAPH_PORT`) */
export const DEFAULT_SUBGRAPH_PORTS: Record<SubgraphName, number> = { customer: 4001, project: 4002, resource: 4003, billing: 4004 };

export function subgraphPortFromEnv(name: SubgraphName): number {
  return envInt(`TANDEM_${name.toUpperCase()}_SUBGRAPH_PORT`, DEFAULT_SUBGRAPH_PORTS[name], 0, 65535);
}

export function isSubgraphName(name: string): name is SubgraphName {
  return (SUBGRAPH_NAMES as readonly string[]).includes(name);
}

const schemas = new Map<SubgraphName, Promise<GraphQLSchema>>();

/** Builds (once per process) the executable Federation 2 schema of one subgraph. */
export function buildSubgraph(name: SubgraphName): Promise<GraphQLSchema> {
  let s = schemas.get(name);
  if (!s) {
    s = builders[name]();
    schemas.set(name, s);
  }
  return s;
}

/** Builds and serves one subgraph over the canonical cache. Port 0 picks a free port. */
export async function startSubgraph(name: SubgraphName, options: { cache: CanonicalCache; port: number; host?: string }): Promise<RunningSubgraph> {
  return serveSubgraph({ name, schema: await buildSubgraph(name), cache: options.cache, port: options.port, host: options.host, logger: createLogger(`subgraph-${name}`) });
}
