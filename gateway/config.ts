/**
 * Gateway configuration: environment variables (prefix TANDEM_GATEWAY_ and
 * TANDEM_SUBGRAPHS) or a JSON file. Nothing here knows Tandem's own subgraphs.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, envBool, envInt, envString } from '../lib/env';

export interface SubgraphEndpoint {
  /** Subgraph name, unique in the supergraph (letters, digits, `_` and `-`). */
  name: string;
  /** Its GraphQL endpoint, e.g. `http://127.0.0.1:4001/graphql`. */
  url: string;
}

export interface GatewayConfig {
  /**
   * Port the gateway listens on (0 picks a free one).
   * @default 4000 (TANDEM_GATEWAY_PORT)
   */
  port: number;
  /**
   * Interface to bind. Use `0.0.0.0` to accept connections from other hosts.
   * @default '127.0.0.1' (TANDEM_GATEWAY_HOST)
   */
  host: string;
  /**
   * Subgraphs to fetch SDL from and compose at start. Ignored for composition when
   * `supergraphFile` is set; then an entry overrides the routing URL of the subgraph
   * with the same name.
   * @default [] (TANDEM_SUBGRAPHS="name=url,name=url")
   */
  subgraphs: SubgraphEndpoint[];
  /**
   * A supergraph SDL composed elsewhere (e.g. by `rover supergraph compose`).
   * @default undefined (TANDEM_SUPERGRAPH_FILE)
   */
  supergraphFile?: string;
  /**
   * Whether introspection queries are allowed.
   * @default true, false when NODE_ENV=production (TANDEM_GATEWAY_INTROSPECTION)
   */
  introspection: boolean;
  /**
   * Timeout of each subgraph fetch in milliseconds.
   * @default 30000 (TANDEM_GATEWAY_SUBGRAPH_TIMEOUT_MS)
   */
  subgraphTimeoutMs: number;
}

/** Shape of a gateway JSON config file; every field is optional. */
export type GatewayConfigFile = Partial<GatewayConfig>;

export const GATEWAY_CONFIG_DEFAULTS: Readonly<GatewayConfig> = Object.freeze({
  port: 4000,
  host: '127.0.0.1',
  subgraphs: [],
  supergraphFile: undefined,
  introspection: process.env.NODE_ENV !== 'production',
  subgraphTimeoutMs: 30_000,
});

export function applyGatewayConfigDefaults(config: Partial<GatewayConfig>): GatewayConfig {
  const merged: GatewayConfig = { ...GATEWAY_CONFIG_DEFAULTS, subgraphs: [], ...stripUndefined(config) };
  validateSubgraphs(merged.subgraphs, 'subgraphs');
  return merged;
}

/**
 * Reads TANDEM_GATEWAY_PORT, TANDEM_GATEWAY_HOST, TANDEM_SUBGRAPHS, TANDEM_SUPERGRAPH_FILE,
 * TANDEM_GATEWAY_INTROSPECTION, TANDEM_GATEWAY_SUBGRAPH_TIMEOUT_MS; TANDEM_GATEWAY_CONFIG names a
 * JSON file whose values the variables override. Pass `fromFile` to use an already loaded file
 * instead of TANDEM_GATEWAY_CONFIG.
 */
export function gatewayConfigFromEnv(fromFile?: GatewayConfigFile): GatewayConfig {
  if (!fromFile) {
    const configPath = envString('TANDEM_GATEWAY_CONFIG');
    fromFile = configPath ? readGatewayConfigFile(configPath) : {};
  }
  const subgraphsRaw = envString('TANDEM_SUBGRAPHS');
  return applyGatewayConfigDefaults({
    ...fromFile,
    port: envInt('TANDEM_GATEWAY_PORT', fromFile.port ?? GATEWAY_CONFIG_DEFAULTS.port, 0, 65535),
    host: envString('TANDEM_GATEWAY_HOST', fromFile.host ?? GATEWAY_CONFIG_DEFAULTS.host),
    subgraphs: subgraphsRaw ? parseSubgraphList(subgraphsRaw, 'TANDEM_SUBGRAPHS') : fromFile.subgraphs,
    supergraphFile: envString('TANDEM_SUPERGRAPH_FILE') ?? fromFile.supergraphFile,
    introspection: envBool('TANDEM_GATEWAY_INTROSPECTION', fromFile.introspection ?? GATEWAY_CONFIG_DEFAULTS.introspection),
    subgraphTimeoutMs: envInt(
      'TANDEM_GATEWAY_SUBGRAPH_TIMEOUT_MS',
      fromFile.subgraphTimeoutMs ?? GATEWAY_CONFIG_DEFAULTS.subgraphTimeoutMs,
      1,
      10 * 60_000,
    ),
  });
}

/** Loads a JSON config file (`{ "subgraphs": [{ "name", "url" }], ... }`) and applies the defaults. */
export function loadGatewayConfigFile(path: string): GatewayConfig {
  return applyGatewayConfigDefaults(readGatewayConfigFile(path));
}

/** Parses `name=url,name=url` (commas or whitespace between entries). */
export function parseSubgraphList(text: string, source = 'subgraph list'): SubgraphEndpoint[] {
  const entries = text.split(/[\s,]+/).filter(Boolean);
  const list = entries.map((entry) => parseSubgraphEntry(entry, source));
  validateSubgraphs(list, source);
  return list;
}

export function parseSubgraphEntry(entry: string, source = 'subgraph'): SubgraphEndpoint {
  const eq = entry.indexOf('=');
  if (eq <= 0) throw new ConfigError(`${source}: expected name=url, got "${entry}"`);
  return { name: entry.slice(0, eq).trim(), url: entry.slice(eq + 1).trim() };
}

function readGatewayConfigFile(path: string): GatewayConfigFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`gateway config ${path}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`gateway config ${path}: expected a JSON object`);
  }
  const file = parsed as Record<string, unknown>;
  const known = new Set(['port', 'host', 'subgraphs', 'supergraphFile', 'introspection', 'subgraphTimeoutMs', '$schema']);
  const unknown = Object.keys(file).filter((k) => !known.has(k));
  if (unknown.length) throw new ConfigError(`gateway config ${path}: unknown field(s) ${unknown.join(', ')}`);
  const check = (field: string, ok: boolean, what: string) => {
    if (file[field] !== undefined && !ok) throw new ConfigError(`gateway config ${path}: "${field}" must be ${what}`);
  };
  check('port', Number.isInteger(file.port) && (file.port as number) >= 0 && (file.port as number) <= 65535, 'an integer port');
  check('host', typeof file.host === 'string', 'a string');
  check('supergraphFile', typeof file.supergraphFile === 'string', 'a string path');
  check('introspection', typeof file.introspection === 'boolean', 'true or false');
  check('subgraphTimeoutMs', Number.isInteger(file.subgraphTimeoutMs) && (file.subgraphTimeoutMs as number) > 0, 'a positive integer');
  check('subgraphs', Array.isArray(file.subgraphs), 'an array of { name, url }');
  const subgraphs = file.subgraphs as unknown[] | undefined;
  subgraphs?.forEach((s, i) => {
    const entry = s as Record<string, unknown>;
    if (typeof entry?.name !== 'string' || typeof entry?.url !== 'string') {
      throw new ConfigError(`gateway config ${path}: subgraphs[${i}] must be { "name": string, "url": string }`);
    }
  });
  return {
    port: file.port as number | undefined,
    host: file.host as string | undefined,
    subgraphs: subgraphs?.map((s) => ({ name: (s as SubgraphEndpoint).name, url: (s as SubgraphEndpoint).url })),
    // A relative supergraph path is relative to the config file, not to the working directory.
    supergraphFile: typeof file.supergraphFile === 'string' ? resolve(dirname(path), file.supergraphFile) : undefined,
    introspection: file.introspection as boolean | undefined,
    subgraphTimeoutMs: file.subgraphTimeoutMs as number | undefined,
  };
}

function validateSubgraphs(list: SubgraphEndpoint[], source: string): void {
  const seen = new Set<string>();
  for (const { name, url } of list) {
    if (!/^[A-Za-z][\w-]*$/.test(name)) throw new ConfigError(`${source}: invalid subgraph name "${name}"`);
    if (seen.has(name)) throw new ConfigError(`${source}: subgraph "${name}" listed twice`);
    seen.add(name);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(`${source}: subgraph "${name}" has an invalid URL "${url}"`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ConfigError(`${source}: subgraph "${name}" URL must be http or https, got "${url}"`);
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
