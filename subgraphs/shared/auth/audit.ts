/**
 * The audit trail: every mutation (REPLAY for replaySyncTransaction) with its
 * caller, redacted arguments and outcome, and every denied access, one entry
 * per field and reason per request. Written once per request, after the
 * answer is known and before it is sent (one INSERT, shared with other requests
 * finishing at the same time; nothing at all for a plain read).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { getArgumentValues } from 'graphql/execution/values';
import { Kind, type FieldNode, type GraphQLSchema } from 'graphql';
import { createGroupCommit, type GroupCommit, type Logger } from '../../../lib';
import type { Store } from '../../../store';
import type { SubgraphContext } from '../context';

export type AuditKind = 'MUTATION' | 'REPLAY' | 'DENIED';
export const AUDIT_KINDS: readonly AuditKind[] = ['MUTATION', 'REPLAY', 'DENIED'];

export interface AuditRecord {
  kind: AuditKind;
  caller: string;
  roles: readonly string[];
  operation: string;
  arguments: unknown;
  outcome: string;
  detail: string | null;
  transactionId: string | null;
  requestId: string;
  traceId: string | null;
}

export interface AuditEntryRecord extends AuditRecord {
  id: string;
  at: Date;
}

export interface AuditPage {
  nodes: AuditEntryRecord[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface AuditLog {
  record(entries: readonly AuditRecord[]): Promise<void>;
  /** Newest first; `after` is the id of the last entry of the previous page. */
  list(args: { first: number; after?: string | null; kind?: AuditKind | null; caller?: string | null }): Promise<AuditPage>;
}

const SECRET_KEY = /tax.?id|secret|token|password|authorization|api.?key|credential/i;

/** A copy of `value` with the values of secret-looking keys (taxId, secret, token, password, ...) replaced by "[REDACTED]". */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined ? '[REDACTED]' : redactSecrets(v, depth + 1);
  return out;
}

const INSERT_AUDIT_SQL = `INSERT INTO audit_entry (kind, caller, roles, operation, arguments, outcome, detail, transaction_id, request_id, trace_id)
   SELECT kind, caller, coalesce(roles, '[]'::jsonb), operation, arguments, outcome, detail, transaction_id, request_id, trace_id
     FROM jsonb_to_recordset($1::jsonb) AS x(kind text, caller text, roles jsonb, operation text, arguments jsonb, outcome text, detail text, transaction_id text, request_id text, trace_id text, ord int)
     ORDER BY ord`;

function auditRow(e: AuditRecord) {
  return {
    kind: e.kind,
    caller: e.caller,
    roles: [...e.roles],
    operation: e.operation,
    arguments: e.arguments ?? null,
    outcome: e.outcome,
    detail: e.detail ?? null,
    transaction_id: e.transactionId ?? null,
    request_id: e.requestId,
    trace_id: e.traceId ?? null,
  };
}

/**
 * The writer of a store's audit entries, shared by the subgraphs of a process:
 * one INSERT per request when the store is idle; while one is in flight, the
 * requests that finish meanwhile go together in the next INSERT
 * (lib/group-commit.ts). Either way a request's entries are written before its
 * answer is sent.
 */
const writers = new WeakMap<Store, GroupCommit<readonly AuditRecord[], void>>();
function auditWriter(store: Store): GroupCommit<readonly AuditRecord[], void> {
  let w = writers.get(store);
  if (!w) {
    // one plain statement on the driver: every mutation writes here, and Prisma's
    // createMany costs about a millisecond more CPU per call on the embedded store
    const insert = (requests: (readonly AuditRecord[])[]) =>
      store.raw(INSERT_AUDIT_SQL, JSON.stringify(requests.flat().map((e, ord) => ({ ...auditRow(e), ord }))));
    w = createGroupCommit<readonly AuditRecord[], void>({
      one: async (entries) => void (await insert([entries])),
      many: async (requests) => {
        await insert(requests);
        return requests.map(() => undefined);
      },
    });
    writers.set(store, w);
  }
  return w;
}

export function createAuditLog(store: Store): AuditLog {
  const writer = auditWriter(store);
  return {
    async record(entries) {
      if (entries.length === 0) return;
      await writer.submit(entries);
    },
    async list({ first, after, kind, caller }) {
      const rows = await store.prisma.auditEntry.findMany({
        where: { ...(kind ? { kind } : {}), ...(caller ? { caller } : {}), ...(after ? { id: { lt: BigInt(after) } } : {}) },
        orderBy: { id: 'desc' },
        take: first + 1,
      });
      const nodes = rows.slice(0, first).map((r) => ({
        id: String(r.id),
        at: r.at,
        kind: r.kind as AuditKind,
        caller: r.caller,
        roles: (r.roles as string[]) ?? [],
        operation: r.operation,
        arguments: r.arguments,
        outcome: r.outcome,
        detail: r.detail,
        transactionId: r.transactionId,
        requestId: r.requestId,
        traceId: r.traceId,
      }));
      return { nodes, hasNextPage: rows.length > first, endCursor: nodes.at(-1)?.id ?? null };
    },
  };
}

/** The mutations whose entries are REPLAY rather than MUTATION. */
const REPLAYS = new Set(['replaySyncTransaction']);

/**
 * Subgraph server plugin: records the request's mutations and denials once
 * its answer is known. A failed audit write is logged, never hidden.
 */
export function auditPlugin(audit: AuditLog, logger: Logger): ApolloServerPlugin<SubgraphContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: ctx, operation, schema, request, response }) {
          const isMutation = operation?.operation === 'mutation';
          if (!isMutation && ctx.denials.length === 0) return;
          const p = ctx.principal;
          const base = { caller: p.subject, roles: p.roles, requestId: ctx.requestId, traceId: ctx.traceId ?? null };
          const entries: AuditRecord[] = [];
          const mutationFields = new Set<string>();
          if (isMutation && operation) {
            const single = response.body.kind === 'single' ? response.body.singleResult : undefined;
            for (const sel of operation.selectionSet.selections) {
              if (sel.kind !== Kind.FIELD || sel.name.value.startsWith('__')) continue;
              const key = sel.alias?.value ?? sel.name.value;
              const coordinate = `Mutation.${sel.name.value}`;
              mutationFields.add(coordinate);
              const error = single?.errors?.find((e) => e.path?.[0] === key);
              const data = single?.data?.[key] as { id?: unknown } | null | undefined;
              entries.push({
                ...base,
                kind: REPLAYS.has(sel.name.value) ? 'REPLAY' : 'MUTATION',
                operation: coordinate,
                arguments: redactSecrets(argumentsOf(schema, sel, request.variables)),
                outcome: error ? String(error.extensions?.code ?? 'ERROR') : 'ok',
                detail: error ? error.message : null,
                transactionId: typeof data?.id === 'string' ? data.id : null,
              });
            }
          }
          const seen = new Set<string>();
          for (const d of ctx.denials) {
            const key = `${d.operation}\n${d.detail}`;
            // a refused mutation is already its own entry (outcome FORBIDDEN)
            if (seen.has(key) || mutationFields.has(d.operation)) continue;
            seen.add(key);
            entries.push({ ...base, kind: 'DENIED', operation: d.operation, arguments: null, outcome: 'FORBIDDEN', detail: d.detail, transactionId: null });
          }
          try {
            await audit.record(entries);
          } catch (err) {
            logger.error({ err, requestId: ctx.requestId, entries: entries.length }, 'could not write the audit trail');
          }
        },
      };
    },
  };
}

function argumentsOf(schema: GraphQLSchema, field: FieldNode, variables: Record<string, unknown> | undefined): Record<string, unknown> | null {
  const def = schema.getMutationType()?.getFields()[field.name.value];
  if (!def) return null;
  try {
    return getArgumentValues(def, field, variables ?? {});
  } catch {
    return null;
  }
}
