/**
 * prisma/schema.prisma (the typed client's view) and prisma/migrations (the
 * database the migrator builds) are written by hand, so this checks that they
 * agree on a freshly migrated database: the same tables, columns (type,
 * nullability, default), enums, primary keys, indexes and foreign keys — and
 * that every model can be written and read through the typed client.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MIGRATIONS_TABLE, type Store } from './index';
import { storeVariants } from './test-support';

// ------------------------------------------------------- a small schema reader

interface PField {
  name: string;
  type: string;
  optional: boolean;
  list: boolean;
  column: string;
  attrs: string;
}
interface PModel {
  name: string;
  table: string;
  fields: PField[];
  primaryKey: string[];
  indexes: { columns: string[]; method: string }[];
  relations: { columns: string[]; table: string; references: string[]; onDelete: string; onUpdate: string }[];
}

function readPrismaSchema(file: string): { models: PModel[]; enums: Map<string, { db: string; values: string[] }> } {
  const src = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '');
  const enums = new Map<string, { db: string; values: string[] }>();
  for (const [, name, body] of src.matchAll(/^enum\s+(\w+)\s*\{([^}]*)\}/gm)) {
    const values = body.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('@@'));
    enums.set(name, { db: /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? name, values });
  }
  const blocks = [...src.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)].map(([, name, body]) => ({ name, body }));
  const modelNames = new Set(blocks.map((b) => b.name));
  const tableOf = (model: string) => /@@map\("([^"]+)"\)/.exec(blocks.find((b) => b.name === model)!.body)?.[1] ?? model;
  const models = blocks.map(({ name, body }): PModel => {
    const fields: PField[] = [];
    const relations: PModel['relations'] = [];
    let primaryKey: string[] = [];
    const indexes: PModel['indexes'] = [];
    const colOf = (f: string) => fields.find((x) => x.name === f)!.column;
    const lines = body.split('\n').map((l) => l.trim()).filter(Boolean);
    for (const line of lines.filter((l) => !l.startsWith('@@'))) {
      const m = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line)!;
      const [, fname, type, list, optional, attrs] = m;
      if (modelNames.has(type)) {
        const rel = /@relation\(fields:\s*\[([^\]]+)\],\s*references:\s*\[([^\]]+)\](?:,\s*onDelete:\s*(\w+))?(?:,\s*onUpdate:\s*(\w+))?/.exec(attrs);
        if (rel) {
          relations.push({
            columns: rel[1].split(',').map((s) => s.trim()),
            table: tableOf(type),
            references: rel[2].split(',').map((s) => s.trim()),
            onDelete: rel[3] ?? 'Restrict',
            onUpdate: rel[4] ?? 'Cascade',
          });
        }
        continue;
      }
      fields.push({ name: fname, type, list: !!list, optional: !!optional, column: /@map\("([^"]+)"\)/.exec(attrs)?.[1] ?? fname, attrs });
      if (/@id\b/.test(attrs)) primaryKey = [fname];
    }
    for (const r of relations) r.columns = r.columns.map(colOf);
    for (const line of lines.filter((l) => l.startsWith('@@'))) {
      const id = /^@@id\(\[([^\]]+)\]\)/.exec(line);
      if (id) primaryKey = id[1].split(',').map((s) => s.trim());
      const ix = /^@@index\(\[([^\]]+)\](?:,\s*type:\s*(\w+))?\)/.exec(line);
      if (ix) indexes.push({ columns: ix[1].split(',').map((s) => colOf(s.trim())), method: (ix[2] ?? 'BTree').toLowerCase() });
    }
    for (const r of relations) r.references = r.references.map((f) => f); // referenced field names equal column names here
    return { name, table: tableOf(name), fields, primaryKey: primaryKey.map(colOf), indexes, relations };
  });
  return { models, enums };
}

/** The column type PostgreSQL reports (format_type) for a Prisma field. */
function expectedType(f: PField, enums: Map<string, { db: string }>): string {
  const db = /@db\.(\w+)(?:\(([^)]*)\))?/.exec(f.attrs);
  let t: string;
  if (enums.has(f.type)) t = enums.get(f.type)!.db;
  else if (f.type === 'String') t = 'text';
  else if (f.type === 'Int') t = 'integer';
  else if (f.type === 'Float') t = 'double precision';
  else if (f.type === 'Boolean') t = 'boolean';
  else if (f.type === 'BigInt') t = 'bigint';
  else if (f.type === 'Json') t = 'jsonb';
  else if (f.type === 'Decimal') t = `numeric(${(db?.[2] ?? '65, 30').replace(/\s/g, '')})`;
  else if (f.type === 'DateTime') {
    if (db?.[1] === 'Date') t = 'date';
    else if (db?.[1] === 'Timestamptz') t = `timestamp(${db[2] ?? '3'}) with time zone`;
    else t = `timestamp(${db?.[2] ?? '3'}) without time zone`;
  } else throw new Error(`no mapping for Prisma type ${f.type}`);
  return f.list ? `${t}[]` : t;
}

const schema = readPrismaSchema(path.resolve(__dirname, '..', 'prisma', 'schema.prisma'));

// -------------------------------------------------------------------- checks

async function catalog(store: Store) {
  const q = <T>(sql: string) => store.prisma.$queryRawUnsafe<T[]>(sql);
  const columns = await q<{ table: string; column: string; type: string; nullable: boolean; has_default: boolean }>(`
    SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
           NOT a.attnotnull AS nullable, a.atthasdef AS has_default
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.relname, a.attnum`);
  const indexes = await q<{ table: string; name: string; method: string; primary: boolean; columns: string; predicate: string | null }>(`
    SELECT t.relname AS table, i.relname AS name, am.amname AS method, ix.indisprimary AS primary,
           pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
           array_to_json(ARRAY(SELECT a.attname FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord))::text AS columns
    FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_am am ON am.oid = i.relam JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema() ORDER BY t.relname, i.relname`);
  const fks = await q<{ table: string; columns: string; ref_table: string; ref_columns: string; on_delete: string; on_update: string }>(`
    SELECT c.conrelid::regclass::text AS table, c.confrelid::regclass::text AS ref_table,
           array_to_json(ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o))::text AS columns,
           array_to_json(ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o))::text AS ref_columns,
           c.confdeltype::text AS on_delete, c.confupdtype::text AS on_update
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE n.nspname = current_schema() AND c.contype = 'f' ORDER BY 1, 3`);
  const enums = await q<{ name: string; labels: string }>(`
    SELECT t.typname AS name, array_to_json(ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder))::text AS labels
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = current_schema() AND t.typtype = 'e' ORDER BY 1`);
  return { columns, indexes, fks, enums };
}

/**
 * Partial indexes: Prisma's schema language cannot declare them and the client does
 * not need them (they only serve the hand-written statements), so they live in the
 * migrations alone and are listed here, predicate and all.
 */
const SQL_ONLY_INDEXES = [
  // the event relay's lookup of events not yet sequenced (migration *_unsequenced_events)
  { table: 'domain_event', name: 'domain_event_unsequenced_idx', method: 'btree', primary: false, columns: ['id'], predicate: '(seq IS NULL)' },
];

const ACTION: Record<string, string> = { Cascade: 'c', Restrict: 'r', NoAction: 'a', SetNull: 'n', SetDefault: 'd' };

function checkAgreement(db: Awaited<ReturnType<typeof catalog>>) {
  const tables = (rows: { table: string }[]) => [...new Set(rows.map((r) => r.table))].filter((t) => t !== MIGRATIONS_TABLE).sort();
  expect(tables(db.columns)).toEqual(schema.models.map((m) => m.table).sort());

  const expectedColumns = schema.models.flatMap((m) =>
    m.fields.map((f) => ({
      table: m.table,
      column: f.column,
      type: expectedType(f, schema.enums),
      nullable: f.optional || f.list,
      has_default: /@default\(/.test(f.attrs),
    })),
  );
  const key = (r: { table: string; column: string }) => `${r.table}.${r.column}`;
  const sortBy = <T extends { table: string; column: string }>(xs: T[]) => [...xs].sort((a, b) => key(a).localeCompare(key(b)));
  expect(sortBy(db.columns.filter((c) => c.table !== MIGRATIONS_TABLE))).toEqual(sortBy(expectedColumns));

  expect(db.enums.map((e) => ({ name: e.name, labels: JSON.parse(e.labels) }))).toEqual(
    [...schema.enums.values()].map((e) => ({ name: e.db, labels: e.values })).sort((a, b) => a.name.localeCompare(b.name)),
  );

  const idx = db.indexes.filter((i) => i.table !== MIGRATIONS_TABLE);
  const norm = (xs: { table: string; name: string; method: string; primary: boolean; columns: string[]; predicate: string | null }[]) =>
    [...xs].sort((a, b) => a.name.localeCompare(b.name));
  expect(norm(idx.map((i) => ({ ...i, columns: JSON.parse(i.columns) as string[] })))).toEqual(
    norm([
      ...schema.models.flatMap((m) => [
        { table: m.table, name: `${m.table}_pkey`, method: 'btree', primary: true, columns: m.primaryKey, predicate: null },
        ...m.fields
          .filter((f) => /@unique\b/.test(f.attrs))
          .map((f) => ({ table: m.table, name: `${m.table}_${f.column}_key`, method: 'btree', primary: false, columns: [f.column], predicate: null })),
        ...m.indexes.map((i) => ({
          table: m.table,
          name: `${m.table}_${i.columns.join('_')}_idx`,
          method: i.method,
          primary: false,
          columns: i.columns,
          predicate: null,
        })),
      ]),
      ...SQL_ONLY_INDEXES,
    ]),
  );

  const unq = (t: string) => t.replace(/^.*\./, '').replace(/"/g, '');
  const byFk = <T extends { table: string; refTable: string }>(xs: T[]) =>
    [...xs].sort((a, b) => `${a.table}.${a.refTable}`.localeCompare(`${b.table}.${b.refTable}`));
  expect(
    byFk(db.fks.map((f) => ({
      table: unq(f.table),
      columns: JSON.parse(f.columns),
      refTable: unq(f.ref_table),
      refColumns: JSON.parse(f.ref_columns),
      onDelete: f.on_delete,
      onUpdate: f.on_update,
    }))),
  ).toEqual(
    byFk(schema.models.flatMap((m) =>
      m.relations.map((r) => ({
        table: m.table,
        columns: r.columns,
        refTable: r.table,
        refColumns: r.references,
        onDelete: ACTION[r.onDelete],
        onUpdate: ACTION[r.onUpdate],
      })),
    )),
  );
}

/** Writes one row per model through the typed client (parents first) and reads it back. */
async function roundTripEveryModel(store: Store) {
  const delegate = (model: string) =>
    (store.prisma as unknown as Record<string, { create(a: unknown): Promise<unknown>; findFirst(a?: unknown): Promise<unknown> }>)[
      model[0].toLowerCase() + model.slice(1)
    ];
  const sample = (f: PField): unknown => {
    const one = (() => {
      if (schema.enums.has(f.type)) return schema.enums.get(f.type)!.values.at(-1);
      switch (f.type) {
        case 'String':
          return 'agree-1'; // every id and reference: children find their parent
        case 'Int':
          return 7;
        case 'BigInt':
          return 7n;
        case 'Json':
          return { agree: [1, 'two'] };
        case 'Float':
          return 2.5;
        case 'Boolean':
          return true;
        case 'Decimal':
          return '1234.56';
        case 'DateTime':
          return new Date(/@db\.Date\b/.test(f.attrs) ? '2026-02-28T00:00:00.000Z' : '2026-02-28T12:34:56.789Z');
      }
      throw new Error(f.type);
    })();
    return f.list ? [one, one] : one;
  };
  const ordered = [...schema.models].sort((a, b) => a.relations.length - b.relations.length);
  for (const m of ordered) {
    // the status triggers of invoice, project and sync_transaction (migration *_event_stream)
    // appended events for the rows written before: they are checked in events/
    if (m.name === 'DomainEvent') await store.prisma.domainEvent.deleteMany();
    expect(await delegate(m.name).findFirst()).toBeNull();
    const data = Object.fromEntries(m.fields.map((f) => [f.name, sample(f)]));
    await delegate(m.name).create({ data });
    const got = (await delegate(m.name).findFirst()) as Record<string, unknown>;
    for (const f of m.fields) {
      const v = got[f.name];
      const want = data[f.name];
      if (f.type === 'Decimal') expect(String(v)).toBe(want);
      else expect({ model: m.name, field: f.name, value: v }).toEqual({ model: m.name, field: f.name, value: want });
    }
  }
}

const variants = storeVariants('schema agreement');

for (const v of variants) {
  (v.skip ? describe.skip : describe)(`prisma/schema.prisma agrees with prisma/migrations on ${v.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await v.open());
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    test('the schema reader found every model and enum', () => {
      expect(schema.models.map((m) => m.name).sort()).toEqual(
        [
          'Assignment', 'AuditEntry', 'ChangeOrder', 'Customer', 'DomainEvent', 'EventStream', 'ExternalRef', 'Invoice', 'InvoiceLine', 'Opportunity', 'Payment',
          'Project', 'ReconciliationRun', 'Resource', 'SyncCall', 'SyncCircuit', 'SyncOutbox', 'SyncStep', 'SyncTransaction', 'TimeEntry',
          'WebhookDelivery',
        ],
      );
      expect(schema.enums.size).toBe(8);
    });

    test('tables, columns, enums, keys, indexes and foreign keys match', async () => {
      checkAgreement(await catalog(store));
    });

    test('every model can be created and read through the typed client', async () => {
      await roundTripEveryModel(store);
    });
  });
}
