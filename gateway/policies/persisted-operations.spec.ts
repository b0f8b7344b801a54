import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSafelist, sha256Hex } from './index';

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
