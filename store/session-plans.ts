/**
 * Statements the embedded database keeps planned (docs/decisions/store-session-plans.md).
 *
 * PGlite runs every `query` through PostgreSQL's unnamed statement: parsed,
 * analysed and planned again on every call, and it offers no named prepared
 * statements (nor does SQL `EXECUTE` take bind parameters). For the store's
 * large statements (an upsert of rows, their id map and their child lists in
 * one statement) that planning was about half of the statement's cost. A
 * PL/pgSQL function keeps the plans of its statements for the session, so each
 * such statement becomes, on first use, a temporary function
 * (`pg_temp.tandem_q<n>`, gone with the session, never in the schema) whose
 * body is the statement unchanged (`$1`… are its arguments), with the
 * parameter and result types PostgreSQL itself infers for the statement
 * (`describeQuery`). The statement then runs as `SELECT * FROM pg_temp.tandem_q<n>($1, …)`.
 *
 * A statement that cannot be wrapped (its description fails, it returns a
 * column twice, its text holds the body's dollar quote) runs as it is, always.
 * PostgreSQL errors raised inside the function reach the caller with the same
 * SQLSTATE, message and constraint as before.
 */
import { quoteIdent } from './migrate';
import type { PGliteLike } from './pglite-remote';

/** At most this many statements become functions per session; the rest run as they are. */
export const MAX_SESSION_PLANS = 500;

/**
 * Statements shorter than this run as they are: planning a short one costs less than the
 * function call around it (measured: an id-map read of 130 characters took 0.50 ms inline
 * and 0.63 ms as a function; an upsert of 2,500 characters 1.9 ms inline and 0.96 ms).
 */
export const MIN_PLANNED_LENGTH = 400;

type Wrapped = { call: string } | null;

export interface SessionPlans {
  query<T>(sql: string, params: readonly unknown[]): Promise<T[]>;
  /** how many statements run as session functions */
  readonly size: number;
}

const QUOTE = '$tandem_plan$';

export function sessionPlans(db: PGliteLike, options: { minLength?: number } = {}): SessionPlans {
  const minLength = options.minLength ?? MIN_PLANNED_LENGTH;
  const wrapped = new Map<string, Promise<Wrapped>>();
  let next = 0;
  let size = 0;

  async function define(sql: string): Promise<Wrapped> {
    if (sql.includes(QUOTE) || /^\s*(begin|commit|rollback|listen|unlisten|notify|set|show|create|alter|drop|prepare|execute|deallocate)\b/i.test(sql)) return null;
    const d = await db.describeQuery(sql);
    const names = d.resultFields.map((f) => f.name);
    if (new Set(names).size !== names.length) return null;
    const oids = [...new Set([...d.queryParams.map((p) => p.dataTypeID), ...d.resultFields.map((f) => f.dataTypeID)])];
    const types = new Map(
      (await db.query<{ oid: number; name: string }>(`SELECT t.oid::int AS oid, format_type(t.oid, NULL) AS name FROM unnest($1::oid[]) AS t(oid)`, [oids])).rows.map((r) => [
        Number(r.oid),
        r.name,
      ]),
    );
    const typeOf = (oid: number) => types.get(oid);
    const args = d.queryParams.map((p) => typeOf(p.dataTypeID));
    const cols = d.resultFields.map((f) => typeOf(f.dataTypeID));
    if ([...args, ...cols].some((t) => t === undefined || t === 'unknown' || t === '-')) return null;
    const name = `pg_temp.tandem_q${next++}`;
    const statement = sql.replace(/;\s*$/, '');
    // a statement without result columns (an UPDATE or DELETE without RETURNING) runs as the body of a void function
    const returns = names.length ? `TABLE (${names.map((n, i) => `${quoteIdent(n)} ${cols[i]}`).join(', ')})` : 'void';
    const body = names.length ? `RETURN QUERY ${statement}` : statement;
    await db.exec(`CREATE FUNCTION ${name}(${args.join(', ')}) RETURNS ${returns}\nLANGUAGE plpgsql AS ${QUOTE}\n#variable_conflict use_column\nBEGIN\n${body};\nEND\n${QUOTE}`);
    size++;
    const call = `${name}(${args.map((_, i) => `$${i + 1}`).join(', ')})`;
    return { call: names.length ? `SELECT * FROM ${call}` : `SELECT ${call}` };
  }

  return {
    async query<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
      if (sql.length < minLength) return (await db.query<T>(sql, params as unknown[])).rows;
      let w = wrapped.get(sql);
      if (w === undefined) {
        if (wrapped.size >= MAX_SESSION_PLANS) return (await db.query<T>(sql, params as unknown[])).rows;
        // a statement that cannot be described or wrapped runs as it is, from now on without asking again
        w = define(sql).catch(() => null);
        wrapped.set(sql, w);
      }
      const how = await w;
      if (!how) return (await db.query<T>(sql, params as unknown[])).rows;
      try {
        return (await db.query<T>(how.call, params as unknown[])).rows;
      } catch (e) {
        // the function's declared result did not fit what its statement returned (42804, e.g. a type the
        // description could not tell): this statement runs as it is from now on
        if ((e as { code?: string }).code !== '42804') throw e;
        wrapped.set(sql, Promise.resolve(null));
        size--;
        return (await db.query<T>(sql, params as unknown[])).rows;
      }
    },
    get size() {
      return size;
    },
  };
}
