import { createHash, randomBytes } from 'node:crypto';
import type { SourceSystem } from '../canonical-schema';
import type { Store } from '../store';
import type { SyncOrigin, SyncStatus, SyncStepRecord, SyncTransactionRecord, WorkflowName } from './api';

/** A transaction row as the engine and the workers read it (the public record plus internals). */
export interface TransactionRow extends SyncTransactionRecord {
  inputHash: string;
  context: Record<string, unknown>;
  generation: number;
}

/** SELECT list giving one JSON text column `r` per sync_transaction row aliased `t`. */
export const TRANSACTION_JSON_SQL = `sync_transaction_json(t.id)::text AS r`;

/** A transaction as TRANSACTION_JSON_SQL builds it, once JSON-parsed. */
export interface RawRow {
  id: string;
  workflow: WorkflowName;
  status: SyncStatus;
  idempotencyKey: string;
  inputHash: string;
  input: unknown;
  context: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  subject: Record<string, string> | null;
  errorCode: string | null;
  errorMessage: string | null;
  remediation: string | null;
  traceId: string;
  requestedBy: string;
  origin: SyncOrigin;
  generation: number;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  steps: { name: string; system: SourceSystem; status: SyncStatus; attempts: number; lastError: string | null; startedAt: string | null; finishedAt: string | null }[];
}

const date = (s: string | null): Date | null => (s === null ? null : new Date(s));

export function parseTransaction(text: string): TransactionRow {
  return toTransactionRow(JSON.parse(text) as RawRow);
}

export function toTransactionRow(r: RawRow): TransactionRow {
  const steps: SyncStepRecord[] = r.steps.map((s) => ({
    name: s.name,
    system: s.system,
    status: s.status,
    attempts: s.attempts,
    lastError: s.lastError,
    startedAt: date(s.startedAt),
    finishedAt: date(s.finishedAt),
  }));
  return {
    id: r.id,
    workflow: r.workflow,
    status: r.status,
    idempotencyKey: r.idempotencyKey,
    steps,
    error: r.errorCode === null ? null : { code: r.errorCode, message: r.errorMessage ?? '', remediation: r.remediation },
    traceId: r.traceId,
    requestedBy: r.requestedBy,
    origin: r.origin,
    input: r.input,
    result: r.result,
    subject: r.subject ?? {},
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt),
    finishedAt: date(r.finishedAt),
    inputHash: r.inputHash,
    context: r.context ?? {},
    generation: r.generation,
  };
}

/** The transaction whose `column` is `value`, read through TRANSACTION_JSON_SQL. */
export async function loadTransaction(store: Store, column: 'id' | 'idempotency_key', value: string): Promise<TransactionRow | null> {
  const [r] = await store.raw<{ r: string }>(`SELECT ${TRANSACTION_JSON_SQL} FROM sync_transaction t WHERE t.${column} = $1`, value);
  return r ? parseTransaction(r.r) : null;
}

/** The public record (internals stripped). */
export function publicRecord(row: TransactionRow): SyncTransactionRecord {
  const { inputHash: _h, context: _c, generation: _g, ...rec } = row;
  return rec;
}

/** JSON with object keys sorted, so equal values hash equally. */
export function stableJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

export function inputHash(workflow: string, input: unknown): string {
  return createHash('sha256').update(`${workflow}\n${stableJson(input)}`).digest('hex');
}

/** A W3C trace id: 32 lower-case hex digits, not all zero. */
export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  if (bar < 0) return null;
  const createdAt = text.slice(0, bar);
  if (Number.isNaN(Date.parse(createdAt))) return null;
  return { createdAt, id: text.slice(bar + 1) };
}
