import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

function literalString(ast: ValueNode, name: string): string {
  if (ast.kind !== Kind.STRING) throw new GraphQLError(`${name} must be written as a string`);
  return ast.value;
}

/** An instant, written in ISO 8601 with a time zone (`2026-11-22T09:30:00.000Z`). */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant in ISO 8601 with a time zone, e.g. 2026-11-22T09:30:00.000Z',
  serialize(value) {
    const d = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(d.getTime())) throw new GraphQLError(`DateTime cannot represent ${String(value)}`);
    return d.toISOString();
  },
  parseValue(value) {
    const d = new Date(String(value));
    if (typeof value !== 'string' || Number.isNaN(d.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string');
    return d;
  },
  parseLiteral(ast) {
    const d = new Date(literalString(ast, 'DateTime'));
    if (Number.isNaN(d.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string');
    return d;
  },
});

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
function checkDate(value: unknown): string {
  const m = typeof value === 'string' ? DATE_RE.exec(value) : null;
  const d = m ? new Date(`${value as string}T00:00:00Z`) : null;
  if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw new GraphQLError(`Date must be a calendar date written YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  return value as string;
}

/** A calendar date, written YYYY-MM-DD. */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar date written YYYY-MM-DD',
  serialize: (value) => checkDate(value),
  parseValue: (value) => checkDate(value),
  parseLiteral: (ast) => checkDate(literalString(ast, 'Date')),
});

const DECIMAL_RE = /^-?\d{1,15}(\.\d{1,6})?$/;
function checkDecimal(value: unknown): string {
  const s = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof s !== 'string' || !DECIMAL_RE.test(s)) {
    throw new GraphQLError(`Decimal must be a decimal number written as a string such as "1250.00", got ${JSON.stringify(value)}`);
  }
  return s;
}

/** An exact decimal number, serialized as a string so that no precision is lost. */
export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'An exact decimal number written as a string, e.g. "1250.00"',
  serialize: (value) => checkDecimal(value),
  parseValue: (value) => checkDecimal(value),
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return checkDecimal(ast.value);
    throw new GraphQLError('Decimal must be written as a string such as "1250.00"');
  },
});
