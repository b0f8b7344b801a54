import type { GraphQLSchema } from 'graphql';
import type { CanonicalCache } from '../cache';
import type { SyncEngine } from '../sync';
import type { InternalTokenVerifier } from '../gateway';
import type { Health } from '../telemetry';
import { createLogger, envInt } from '../lib';
import { buildBillingSchema } from './billing';
import { buildCustomerSchema } from './customer';
import { buildOperationsSchema } from './operations';
import { buildProjectSchema } from './project';
import { buildResourceSchema } from './resource';
import { serveSubgraph, type RunningSubgraph } from './shared/server';

export type { RunningSubgraph } from './shared/server';
export type { SubgraphContext } from './shared/context';
export { SCOPE, ROLES, ROLE_SCOPES, ROLE_PURPOSE, isRole, principalFromClaims, redactSecrets, createAuditLog } from './shared/auth';
export type { Scope, Role, Principal, AuditLog } from './shared/auth';

/** Tandem's subgraphs, in composition order: the four domain subgraphs, then operations (sync state). */
export const SUBGRAPH_NAMES = ['customer', 'project', 'resource', 'billing', 'operations'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

const builders: Record<SubgraphName, () => Promise<GraphQLSchema>> = {
  customer: buildCustomerSchema,
  project: buildProjectSchema,
  resource: buildResourceSchema,
  billing: buildBillingSchema,
  operations: buildOperationsSchema,
};

/** @default customer 4001, project 4002, resource 4003, billing 4004, operations 4005 (`TANDEM_<NAME>_SUBGRAPH_PORT`) */
export const DEFAULT_SUBGRAPH_PORTS: Record<SubgraphName, number> = { customer: 4001, project: 4002, resource: 4003, billing: 4004, operations: 4005 };

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

/** Builds and serves one subgraph over the canonical cache and the sync engine. Port 0 picks a free port. */
export async function startSubgraph(
  name: SubgraphName,
  options: { cache: CanonicalCache; sync: SyncEngine; port: number; host?: string; /** verifies the gateway's x-gateway-token */ internalToken: InternalTokenVerifier; health?: Health },
): Promise<RunningSubgraph> {
  return serveSubgraph({
    name,
    schema: await buildSubgraph(name),
    cache: options.cache,
    sync: options.sync,
    port: options.port,
    host: options.host,
    internalToken: options.internalToken,
    health: options.health,
    logger: createLogger(`subgraph-${name}`),
  });
}
