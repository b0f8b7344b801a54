import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REVIEWS_SDL, USERS_SDL } from './__fixtures__/subgraphs';
import { checkSupergraph, composeSupergraph, formatSchemaCheck, printApiSchema, runSchemaCheck, SchemaCheckExit } from './index';

const compose = (users = USERS_SDL, reviewsUrl = 'http://127.0.0.1:4002/graphql') =>
  composeSupergraph([
    { name: 'users', url: 'http://127.0.0.1:4001/graphql', typeDefs: users },
    { name: 'reviews', url: reviewsUrl, typeDefs: REVIEWS_SDL },
  ]);

const base = compose();
const withoutWhoami = compose(USERS_SDL.replace('whoami: String', ''));
const withEmail = compose(USERS_SDL.replace('name: String!', 'name: String!\n    email: String'));
const whoamiDeprecated = compose(USERS_SDL.replace('whoami: String', 'whoami: String @deprecated(reason: "use user(id:)")'));
const nameDeprecated = compose(USERS_SDL.replace('name: String!', 'name: String! @deprecated(reason: "becomes nullable")'));
const nameNullable = compose(USERS_SDL.replace('name: String!', 'name: String'));

describe('checkSupergraph', () => {
  it('finds two compositions of the same subgraphs identical', () => {
    expect(checkSupergraph(base, compose())).toEqual({ identical: true, apiIdentical: true, breaking: [], deprecatedBreaking: [], dangerous: [], safe: [] });
    expect(formatSchemaCheck(checkSupergraph(base, compose()))).toBe('Supergraph unchanged.');
  });

  it('compares API schemas without the join/link machinery', () => {
    const api = printApiSchema(base);
    expect(api).not.toMatch(/join__|link__|@link/);
    expect(api).toContain('type User');
  });

  it('reports a removed field as breaking and lists it', () => {
    const result = checkSupergraph(base, withoutWhoami);
    expect(result.identical).toBe(false);
    expect(result.breaking).toEqual([{ type: 'FIELD_REMOVED', description: 'Query.whoami was removed.' }]);
    expect(formatSchemaCheck(result)).toMatch(/^BREAKING changes \(1\):\n {2}- FIELD_REMOVED: Query\.whoami was removed\./);
  });

  it('flags an added field as a (safe) change', () => {
    const result = checkSupergraph(base, withEmail);
    expect(result.identical).toBe(false);
    expect(result.breaking).toEqual([]);
    expect(result.safe).toEqual([{ type: 'FIELD_ADDED', description: 'User.email was added.' }]);
  });

  it('lists breaking changes before the others', () => {
    const both = compose(USERS_SDL.replace('whoami: String', 'email: String'));
    const report = formatSchemaCheck(checkSupergraph(base, both));
    expect(report.indexOf('FIELD_REMOVED')).toBeLessThan(report.indexOf('FIELD_ADDED'));
  });

  it('allows a breaking change only to what the committed schema had deprecated first', () => {
    expect(checkSupergraph(base, nameNullable).breaking).toEqual([{ type: 'FIELD_CHANGED_KIND', description: 'User.name changed type from String! to String.' }]);
    const afterDeprecation = checkSupergraph(nameDeprecated, nameNullable);
    expect(afterDeprecation.breaking).toEqual([]);
    expect(afterDeprecation.deprecatedBreaking).toEqual([{ type: 'FIELD_CHANGED_KIND', description: 'User.name changed type from String! to String.' }]);
    const removal = checkSupergraph(whoamiDeprecated, withoutWhoami);
    expect(removal.breaking).toEqual([]);
    expect(removal.deprecatedBreaking).toEqual([{ type: 'FIELD_REMOVED', description: 'Query.whoami was removed.' }]);
    expect(formatSchemaCheck(removal)).toContain('Breaking changes to deprecated fields (allowed) (1):');
  });

  it('notices a routing change that leaves the API alone', () => {
    const result = checkSupergraph(base, compose(USERS_SDL, 'http://127.0.0.1:5002/graphql'));
    expect(result).toMatchObject({ identical: false, apiIdentical: true, breaking: [] });
  });
});

describe('runSchemaCheck', () => {
  let dir: string;
  let path: string;
  let out: string[];
  const sink = () => ({ write: (t: string) => out.push(t) });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-schema-'));
    path = join(dir, 'schema', 'supergraph.graphql');
    out = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 when identical, 2 on a breaking change, 1 on a safe one, and update writes the file', () => {
    expect(runSchemaCheck({ committedPath: path, newSdl: base, update: false, out: sink() })).toBe(SchemaCheckExit.MISSING);
    expect(runSchemaCheck({ committedPath: path, newSdl: base, update: true, out: sink() })).toBe(SchemaCheckExit.OK);
    expect(runSchemaCheck({ committedPath: path, newSdl: base, update: false, out: sink() })).toBe(SchemaCheckExit.OK);

    out = [];
    expect(runSchemaCheck({ committedPath: path, newSdl: withoutWhoami, update: false, out: sink() })).toBe(SchemaCheckExit.BREAKING);
    expect(out.join('')).toContain('Query.whoami was removed.');
    expect(runSchemaCheck({ committedPath: path, newSdl: withEmail, update: false, out: sink() })).toBe(SchemaCheckExit.CHANGED);
    expect(readFileSync(path, 'utf8').trim()).toBe(base.trim());

    expect(runSchemaCheck({ committedPath: path, newSdl: withEmail, update: true, out: sink() })).toBe(SchemaCheckExit.OK);
    expect(readFileSync(path, 'utf8').trim()).toBe(withEmail.trim());
    writeFileSync(path, withEmail.replace(/\n/g, '\r\n'));
    expect(runSchemaCheck({ committedPath: path, newSdl: withEmail, update: false, out: sink() })).toBe(SchemaCheckExit.OK);
  });

  it('update refuses a breaking change to a field that was not deprecated first, unless told to', () => {
    runSchemaCheck({ committedPath: path, newSdl: base, update: true, out: sink() });
    out = [];
    expect(runSchemaCheck({ committedPath: path, newSdl: withoutWhoami, update: true, out: sink() })).toBe(SchemaCheckExit.BREAKING);
    expect(out.join('')).toMatch(/Refused: 1 breaking change\(s\) to fields that were not deprecated.*--allow-breaking/s);
    expect(readFileSync(path, 'utf8').trim()).toBe(base.trim());

    // deprecate first (a safe change), then remove: both accepted
    expect(runSchemaCheck({ committedPath: path, newSdl: whoamiDeprecated, update: true, out: sink() })).toBe(SchemaCheckExit.OK);
    expect(runSchemaCheck({ committedPath: path, newSdl: withoutWhoami, update: false, out: sink() })).toBe(SchemaCheckExit.CHANGED);
    expect(runSchemaCheck({ committedPath: path, newSdl: withoutWhoami, update: true, out: sink() })).toBe(SchemaCheckExit.OK);
    expect(readFileSync(path, 'utf8').trim()).toBe(withoutWhoami.trim());

    expect(runSchemaCheck({ committedPath: path, newSdl: nameNullable, update: true, allowBreaking: true, out: sink() })).toBe(SchemaCheckExit.OK);
  });
});
