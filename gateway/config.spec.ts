import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../lib/env';
import { GATEWAY_CONFIG_DEFAULTS, gatewayConfigFromEnv, loadGatewayConfigFile, parseSubgraphList } from './index';

const VARS = [
  'TANDEM_GATEWAY_PORT',
  'TANDEM_GATEWAY_HOST',
  'TANDEM_SUBGRAPHS',
  'TANDEM_SUPERGRAPH_FILE',
  'TANDEM_GATEWAY_CONFIG',
  'TANDEM_GATEWAY_INTROSPECTION',
  'TANDEM_GATEWAY_SUBGRAPH_TIMEOUT_MS',
];
const saved: Record<string, string | undefined> = {};
let dir: string;

beforeEach(() => {
  for (const v of VARS) {
    saved[v] = process.env[v];
    delete process.env[v];
  }
  dir = mkdtempSync(join(tmpdir(), 'tandem-gwcfg-'));
});
afterEach(() => {
  for (const v of VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('gatewayConfigFromEnv', () => {
  it('defaults to port 4000 on loopback with no subgraphs', () => {
    expect(gatewayConfigFromEnv()).toEqual({ ...GATEWAY_CONFIG_DEFAULTS, subgraphs: [] });
    expect(GATEWAY_CONFIG_DEFAULTS).toMatchObject({ port: 4000, host: '127.0.0.1', introspection: true });
  });

  it('reads TANDEM_SUBGRAPHS="name=url,name=url" and the port', () => {
    process.env.TANDEM_SUBGRAPHS = 'users=http://127.0.0.1:4001/graphql, reviews=http://127.0.0.1:4002/graphql';
    process.env.TANDEM_GATEWAY_PORT = '4100';
    const config = gatewayConfigFromEnv();
    expect(config.port).toBe(4100);
    expect(config.subgraphs).toEqual([
      { name: 'users', url: 'http://127.0.0.1:4001/graphql' },
      { name: 'reviews', url: 'http://127.0.0.1:4002/graphql' },
    ]);
  });

  it('lets variables override TANDEM_GATEWAY_CONFIG and resolves supergraphFile beside the file', () => {
    const file = join(dir, 'gateway.json');
    writeFileSync(file, JSON.stringify({ port: 5000, host: '0.0.0.0', supergraphFile: 'supergraph.graphql', subgraphs: [{ name: 'a', url: 'http://127.0.0.1:1/graphql' }] }));
    process.env.TANDEM_GATEWAY_CONFIG = file;
    process.env.TANDEM_GATEWAY_PORT = '5001';
    expect(gatewayConfigFromEnv()).toMatchObject({ port: 5001, host: '0.0.0.0', supergraphFile: join(dir, 'supergraph.graphql'), subgraphs: [{ name: 'a' }] });
  });

  it('fails fast, naming the variable', () => {
    process.env.TANDEM_GATEWAY_PORT = 'eighty';
    expect(() => gatewayConfigFromEnv()).toThrow(/TANDEM_GATEWAY_PORT/);
    delete process.env.TANDEM_GATEWAY_PORT;
    process.env.TANDEM_SUBGRAPHS = 'users';
    expect(() => gatewayConfigFromEnv()).toThrow(/TANDEM_SUBGRAPHS: expected name=url/);
  });
});

describe('loadGatewayConfigFile / parseSubgraphList', () => {
  it('rejects unknown fields, bad entries, duplicates and non-http URLs', () => {
    const write = (content: unknown) => {
      const file = join(dir, `c${Math.random()}.json`);
      writeFileSync(file, JSON.stringify(content));
      return file;
    };
    expect(() => loadGatewayConfigFile(write({ subgrafs: [] }))).toThrow(/unknown field\(s\) subgrafs/);
    expect(() => loadGatewayConfigFile(write({ subgraphs: [{ name: 'a' }] }))).toThrow(ConfigError);
    expect(() => parseSubgraphList('a=http://x/graphql,a=http://y/graphql')).toThrow(/listed twice/);
    expect(() => parseSubgraphList('a=file:///etc/passwd')).toThrow(/must be http or https/);
    expect(loadGatewayConfigFile(write({ subgraphs: [{ name: 'a', url: 'http://127.0.0.1:1/graphql' }] })).subgraphs).toHaveLength(1);
  });
});
