/**
 * The small query subset both SOQL and SuiteQL simulators accept:
 *
 *   SELECT f1, f2 | * FROM object [WHERE f IN (v, ...) | WHERE f = v] [ORDER BY f [ASC|DESC]] [LIMIT n]
 *
 * Keywords are case-insensitive. Anything else is a {@link QuerySyntaxError}.
 */

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: string }
  | { kind: 'date'; value: string }
  | { kind: 'boolean'; value: 'true' | 'false' }
  | { kind: 'null' };

export interface ParsedQuery {
  /** Selected fields as written, or `*`. */
  fields: string[] | '*';
  from: string;
  where?: { field: string; op: '=' | 'IN'; values: Literal[] };
  orderBy?: { field: string; descending: boolean };
  limit?: number;
}

export interface QueryDialect {
  /** `SELECT *` allowed (SuiteQL). */
  star: boolean;
  /** `LIMIT n` allowed (SOQL). */
  limit: boolean;
  /** `true`, `false`, `null` literals (SOQL). */
  keywordLiterals: boolean;
  /** Unquoted date and date-time literals (SOQL). */
  dateLiterals: boolean;
}

export class QuerySyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuerySyntaxError';
  }
}

type Token =
  | { kind: 'ident'; value: string; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: string; pos: number }
  | { kind: 'date'; value: string; pos: number }
  | { kind: 'punct'; value: ',' | '(' | ')' | '=' | '*'; pos: number }
  | { kind: 'end'; value: ''; pos: number };

const DATE_RE = /\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2}))?/y;
const NUMBER_RE = /-?\d+(\.\d+)?(?![A-Za-z_])/y;
const IDENT_RE = /[A-Za-z_][A-Za-z0-9_]*/y;

function matchAt(re: RegExp, q: string, i: number): string | undefined {
  re.lastIndex = i;
  return re.exec(q)?.[0];
}

function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const ch = q[i];
    if (ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }
    let m: string | undefined;
    if (ch === ',' || ch === '(' || ch === ')' || ch === '=' || ch === '*') {
      tokens.push({ kind: 'punct', value: ch, pos: i });
      i++;
    } else if (ch === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= q.length) throw new QuerySyntaxError(`unterminated string starting at position ${i}`);
        const c = q[j];
        if (c === '\\' && j + 1 < q.length) {
          const e = q[j + 1];
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
        } else if (c === "'" && q[j + 1] === "'") {
          value += "'";
          j += 2;
        } else if (c === "'") {
          j++;
          break;
        } else {
          value += c;
          j++;
        }
      }
      tokens.push({ kind: 'string', value, pos: i });
      i = j;
    } else if ((m = matchAt(DATE_RE, q, i))) {
      tokens.push({ kind: 'date', value: m, pos: i });
      i += m.length;
    } else if ((m = matchAt(NUMBER_RE, q, i))) {
      tokens.push({ kind: 'number', value: m, pos: i });
      i += m.length;
    } else if ((m = matchAt(IDENT_RE, q, i))) {
      tokens.push({ kind: 'ident', value: m, pos: i });
      i += m.length;
    } else {
      throw new QuerySyntaxError(`unexpected character '${ch}' at position ${i}`);
    }
  }
  tokens.push({ kind: 'end', value: '', pos: q.length });
  return tokens;
}

const RESERVED = new Set(['SELECT', 'FROM', 'WHERE', 'IN', 'ORDER', 'BY', 'ASC', 'DESC', 'LIMIT']);

export function parseQuery(q: string, dialect: QueryDialect): ParsedQuery {
  const tokens = tokenize(q);
  let k = 0;
  const peek = () => tokens[k];
  const describe = (t: Token) => (t.kind === 'end' ? 'end of query' : `'${t.value}' at position ${t.pos}`);
  const fail = (t: Token, expected: string): never => {
    throw new QuerySyntaxError(`unexpected token ${describe(t)}: expected ${expected}`);
  };
  const isKeyword = (t: Token, kw: string) => t.kind === 'ident' && t.value.toUpperCase() === kw;
  const keyword = (kw: string) => {
    const t = tokens[k];
    if (!isKeyword(t, kw)) fail(t, kw);
    k++;
  };
  const punct = (p: string) => {
    const t = tokens[k];
    if (t.kind !== 'punct' || t.value !== p) fail(t, `'${p}'`);
    k++;
  };
  const identifier = (what: string): string => {
    const t = tokens[k];
    if (t.kind !== 'ident' || RESERVED.has(t.value.toUpperCase())) fail(t, what);
    k++;
    return t.value;
  };
  const literal = (): Literal => {
    const t = tokens[k];
    k++;
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: t.value };
      case 'number':
        return { kind: 'number', value: t.value };
      case 'date':
        if (!dialect.dateLiterals) break;
        return { kind: 'date', value: t.value };
      case 'ident': {
        if (!dialect.keywordLiterals) break;
        const v = t.value.toLowerCase();
        if (v === 'true' || v === 'false') return { kind: 'boolean', value: v };
        if (v === 'null') return { kind: 'null' };
        break;
      }
      default:
        break;
    }
    return fail(t, 'a literal value');
  };

  keyword('SELECT');
  let fields: string[] | '*';
  const first = peek();
  if (first.kind === 'punct' && first.value === '*') {
    if (!dialect.star) fail(first, 'a field name');
    k++;
    fields = '*';
  } else {
    fields = [identifier('a field name')];
    while (peek().kind === 'punct' && peek().value === ',') {
      k++;
      fields.push(identifier('a field name'));
    }
  }
  keyword('FROM');
  const from = identifier('an object name');
  const out: ParsedQuery = { fields, from };

  if (isKeyword(peek(), 'WHERE')) {
    k++;
    const field = identifier('a field name');
    const t = peek();
    if (t.kind === 'punct' && t.value === '=') {
      k++;
      out.where = { field, op: '=', values: [literal()] };
    } else if (isKeyword(t, 'IN')) {
      k++;
      punct('(');
      const values = [literal()];
      while (peek().kind === 'punct' && peek().value === ',') {
        k++;
        values.push(literal());
      }
      punct(')');
      out.where = { field, op: 'IN', values };
    } else fail(t, "'=' or IN");
  }
  if (isKeyword(peek(), 'ORDER')) {
    k++;
    keyword('BY');
    const field = identifier('a field name');
    let descending = false;
    if (isKeyword(peek(), 'ASC')) k++;
    else if (isKeyword(peek(), 'DESC')) {
      k++;
      descending = true;
    }
    out.orderBy = { field, descending };
  }
  if (dialect.limit && isKeyword(peek(), 'LIMIT')) {
    k++;
    const t = peek();
    if (t.kind !== 'number' || !/^\d+$/.test(t.value)) fail(t, 'a whole number');
    k++;
    out.limit = Number(t.value);
  }
  if (peek().kind !== 'end') fail(peek(), dialect.limit ? 'WHERE, ORDER BY, LIMIT or the end of the query' : 'WHERE, ORDER BY or the end of the query');
  return out;
}

/** The comparison key of a literal: values compare as strings (`'1000'` matches the number 1000). */
export function literalKey(l: Literal): string | null {
  return l.kind === 'null' ? null : l.value;
}

/** Compares two field values for ORDER BY: nulls first, numbers numerically, the rest as strings. */
export function compareValues(a: unknown, b: unknown): number {
  const an = a === null || a === undefined || a === '';
  const bn = b === null || b === undefined || b === '';
  if (an || bn) return an && bn ? 0 : an ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const as = String(a);
  const bs = String(b);
  if (NUMERIC.test(as) && NUMERIC.test(bs)) return Number(as) - Number(bs);
  return as < bs ? -1 : as > bs ? 1 : 0;
}

const NUMERIC = /^-?\d+(\.\d+)?$/;
