import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema, parse } from 'graphql';
import { createLogger } from '../../lib';
import { createGatewaySecurity, DEFAULT_OPERATION_LIMITS, loadSafelist, sha256Hex } from './index';

describe('loadSafelist', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tandem-safelist-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (content: unknown) => {
    const path = join(dir, 'ops.json');
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  it('reads an Apollo persisted query manifest and a plain list of operations, keyed by sha256', () => {
    const body = 'query Me { me { id } }';
    const list = loadSafelist(file({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256Hex(body), name: 'Me', type: 'query', body }] }));
    expect([...list]).toEqual([[sha256Hex(body), body]]);
    expect(loadSafelist(file([body])).get(sha256Hex(body))).toBe(body);
  });

  it('refuses an id that is not the hash of its body, and files that are no manifest', () => {
    expect(() => loadSafelist(file({ operations: [{ id: 'abc', body: '{ a }' }] }))).toThrow(/has id abc, but the sha256 of its body is/);
    expect(() => loadSafelist(file({ nope: true }))).toThrow(/expected a persisted query manifest/);
    expect(() => loadSafelist(file('{'))).toThrow(/ops\.json/);
  });
});

describe('checkOperation (graphql-ws operations, which do not pass through Apollo Server)', () => {
  const schema = buildSchema('type Query { a: Int } type Subscription { tick: Int }');
  const registered = 'subscription Tick { tick }';
  const security = createGatewaySecurity(
    { auth: false, limits: { ...DEFAULT_OPERATION_LIMITS, maxAliases: 2 }, rateLimit: false, persistedQueries: { mode: 'safelist', safelist: new Map([[sha256Hex(registered), registered]]) } },
    createLogger('test'),
  );
  const codeOf = (f: () => void) => {
    try {
      f();
      return 'allowed';
    } catch (e) {
      return (e as { extensions?: { code?: string } }).extensions?.code;
    }
  };

  it('refuses an operation the safelist does not hold, and lets a registered one in', () => {
    expect(codeOf(() => security.checkOperation({ source: 'subscription { tick }', schema }))).toBe('OPERATION_NOT_IN_SAFELIST');
    expect(codeOf(() => security.checkOperation({ source: registered, schema }))).toBe('allowed');
  });

  it('applies the operation limits once parsed', () => {
    const source = 'subscription { x: tick y: tick z: tick }';
    expect(codeOf(() => security.checkOperation({ source, document: parse(source), schema }))).toBe('TOO_MANY_ALIASES');
    expect(codeOf(() => security.checkOperation({ source: registered, document: parse(registered), schema }))).toBe('allowed');
  });
});
