/**
 * `tandem gateway`: serve any Federation 2 supergraph, from a file composed
 * elsewhere or composed at start from subgraphs listed by name and URL.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '../lib/env';
import { createLogger, Logger } from '../lib/logger';
import { CompositionError, SubgraphSdlError } from './compose';
import {
  applyGatewayConfigDefaults,
  GatewayConfig,
  gatewayConfigFromEnv,
  loadGatewayConfigFile,
  parseSubgraphEntry,
} from './config';
import { createGatewaySecurity, securityConfigFromEnv, type SecurityConfig, type SecurityKeyDefaults } from './policies';
import { RunningGateway, startGateway, type StartGatewayOptions } from './server';

export const GATEWAY_USAGE = `Usage: tandem gateway [options]

Serve a Federation 2 supergraph over HTTP at /graphql.

  --supergraph <file>     serve a supergraph SDL composed elsewhere
  --subgraph <name=url>   compose from this subgraph (repeatable); with --supergraph,
                          overrides that subgraph's routing URL
  --config <file.json>    { "subgraphs": [{ "name", "url" }], "supergraphFile", "port", "host" }
  --port <n>              port (default 4000, TANDEM_GATEWAY_PORT)
  --host <addr>           interface (default 127.0.0.1, TANDEM_GATEWAY_HOST)
  --no-introspection      refuse introspection queries
  -h, --help              this text

Environment: TANDEM_SUBGRAPHS="name=url,name=url", TANDEM_SUPERGRAPH_FILE, TANDEM_GATEWAY_CONFIG.
Options override the environment, which overrides the config file.
Security (README "Security"): TANDEM_AUTH_JWKS_URL or TANDEM_AUTH_PUBLIC_KEY with TANDEM_AUTH_ISSUER and
TANDEM_AUTH_AUDIENCE, TANDEM_INTERNAL_TOKEN_SECRET (shared with the subgraphs), limits, rate limits, safelist.
`;

export interface GatewayCommandOptions {
  /** @default process.stdout */
  out?: { write(text: string): unknown };
  /** @default process.stderr */
  err?: { write(text: string): unknown };
  /** @default createLogger('gateway') */
  logger?: Logger;
  /** Stops the gateway when aborted, like SIGINT/SIGTERM. */
  signal?: AbortSignal;
  /** Called once the gateway listens. */
  onStarted?: (gateway: RunningGateway) => void;
  /** Keys to use for whatever security setting the environment leaves unset (Tandem's development keys). */
  securityDefaults?: () => Promise<SecurityKeyDefaults>;
  /** graphql-ws subscriptions: the event source and limits (see StartGatewayOptions.subscriptions). */
  subscriptions?: StartGatewayOptions['subscriptions'];
}

/** Exit codes: 0 stopped cleanly (or --help), 1 failed to start, 2 usage error. */
export async function runGatewayCommand(argv: string[], options: GatewayCommandOptions = {}): Promise<number> {
  const out = options.out ?? process.stdout;
  const err = options.err ?? process.stderr;
  const logger = options.logger ?? createLogger('gateway');
  const args = argv[0] === 'gateway' ? argv.slice(1) : argv;

  let config: GatewayConfig;
  let securityConfig: SecurityConfig;
  try {
    const parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        supergraph: { type: 'string' },
        subgraph: { type: 'string', multiple: true },
        config: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'no-introspection': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
    if (parsed.help) {
      out.write(GATEWAY_USAGE);
      return 0;
    }
    const base = parsed.config ? gatewayConfigFromEnv(loadGatewayConfigFile(parsed.config)) : gatewayConfigFromEnv();
    config = applyGatewayConfigDefaults({
      ...base,
      port: parsed.port !== undefined ? parsePort(parsed.port) : base.port,
      host: parsed.host ?? base.host,
      supergraphFile: parsed.supergraph ?? base.supergraphFile,
      subgraphs: parsed.subgraph ? parsed.subgraph.map((s) => parseSubgraphEntry(s, '--subgraph')) : base.subgraphs,
      introspection: parsed['no-introspection'] ? false : base.introspection,
    });
    if (!config.supergraphFile && config.subgraphs.length === 0) {
      throw new ConfigError('nothing to serve: give --supergraph <file>, --subgraph name=url, --config <file> or TANDEM_SUBGRAPHS');
    }
    securityConfig = securityConfigFromEnv(await options.securityDefaults?.());
  } catch (e) {
    err.write(`tandem gateway: ${(e as Error).message}\n\n${GATEWAY_USAGE}`);
    return 2;
  }

  let running: RunningGateway;
  try {
    const supergraphSdl = config.supergraphFile ? readSupergraph(config.supergraphFile) : undefined;
    running = await startGateway({
      port: config.port,
      host: config.host,
      supergraphSdl,
      subgraphs: config.subgraphs,
      introspection: config.introspection,
      subgraphTimeoutMs: config.subgraphTimeoutMs,
      logger,
      security: createGatewaySecurity(securityConfig.security, logger),
      corsOrigins: securityConfig.corsOrigins,
      maxBodyBytes: securityConfig.maxBodyBytes,
      subscriptions: options.subscriptions,
    });
  } catch (e) {
    const known = e instanceof CompositionError || e instanceof SubgraphSdlError || e instanceof ConfigError;
    err.write(`tandem gateway: could not start: ${known ? (e as Error).message : String((e as Error)?.stack ?? e)}\n`);
    return 1;
  }

  out.write(`Gateway ready at ${running.url}\n`);
  options.onStarted?.(running);

  await new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      options.signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (options.signal?.aborted) done();
    else options.signal?.addEventListener('abort', done, { once: true });
  });

  out.write('Stopping gateway...\n');
  await running.stop();
  out.write('Gateway stopped.\n');
  return 0;
}

function parsePort(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`--port must be an integer between 0 and 65535, got "${raw}"`);
  return n;
}

function readSupergraph(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read supergraph file ${path}: ${(e as Error).message}`);
  }
}
