-- The sync engine's hot statements as PL/pgSQL functions. PostgreSQL (and PGlite)
-- keep a function's statement plans for the session, so a call skips parsing and
-- planning the statement: on PGlite a step's persist went from 2.6 to 0.8 ms of CPU
-- (docs/decisions/0006-sync-throughput.md). Callers: sync/workers.ts (persist, claim)
-- and sync/engine.ts (submit). sync/functions.int.spec.ts checks that sync_claim's row
-- JSON agrees with TRANSACTION_JSON_SQL (sync/records.ts).

-- Every state change of a claimed transaction, fenced by the lease (see PERSIST in
-- sync/workers.ts for the payload): returns 1 when p_owner holds the lease, else 0
-- and only the audit rows (calls) are written.
CREATE FUNCTION sync_persist(p_transaction_id text, p_owner text, p_payload jsonb) RETURNS int
LANGUAGE plpgsql AS $fn$
DECLARE owned int;
BEGIN
  WITH p AS (SELECT p_payload AS j),
  own AS (SELECT o.transaction_id FROM sync_outbox o WHERE o.transaction_id = p_transaction_id AND o.lease_owner = p_owner FOR UPDATE),
  st AS (
    UPDATE sync_step s SET
      status = x.status,
      last_error = CASE WHEN coalesce(x.keep_error, false) THEN s.last_error ELSE x.last_error END,
      attempts = s.attempts + CASE WHEN coalesce(x.attempt, false) THEN 1 ELSE 0 END,
      started_at = CASE WHEN coalesce(x.attempt, false) THEN now() ELSE s.started_at END,
      finished_at = CASE WHEN coalesce(x.finished, false) THEN now() WHEN coalesce(x.attempt, false) THEN NULL ELSE s.finished_at END
    FROM own, jsonb_to_recordset(coalesce((SELECT j->'steps' FROM p), '[]'::jsonb))
      AS x(position int, status text, last_error text, keep_error boolean, attempt boolean, finished boolean)
    WHERE s.transaction_id = own.transaction_id AND s.position = x.position RETURNING 1),
  tx AS (
    UPDATE sync_transaction t SET
      status = coalesce(p.j->'tx'->>'status', t.status),
      context = t.context || coalesce(p.j->'tx'->'context', '{}'::jsonb),
      result = CASE WHEN p.j->'tx'->'result' IS NULL THEN t.result WHEN p.j->'tx'->'result' = 'null'::jsonb THEN NULL ELSE p.j->'tx'->'result' END,
      error_code = CASE WHEN p.j->'tx'->'error' IS NULL THEN t.error_code ELSE p.j->'tx'->'error'->>'code' END,
      error_message = CASE WHEN p.j->'tx'->'error' IS NULL THEN t.error_message ELSE p.j->'tx'->'error'->>'message' END,
      remediation = CASE WHEN p.j->'tx'->'error' IS NULL THEN t.remediation ELSE p.j->'tx'->'error'->>'remediation' END,
      finished_at = CASE WHEN coalesce((p.j->'tx'->>'finished')::boolean, false) THEN now() ELSE t.finished_at END,
      updated_at = now()
    FROM own, p WHERE t.id = own.transaction_id RETURNING 1),
  ob_del AS (
    DELETE FROM sync_outbox o USING own, p
    WHERE o.transaction_id = own.transaction_id AND p.j->'outbox'->>'kind' = 'delete' RETURNING 1),
  ob_rel AS (
    UPDATE sync_outbox o SET lease_owner = NULL, lease_until = NULL,
      available_at = now() + ((p.j->'outbox'->>'delayMs')::float8 * interval '1 millisecond')
    FROM own, p WHERE o.transaction_id = own.transaction_id AND p.j->'outbox'->>'kind' = 'release' RETURNING 1),
  ev AS (
    INSERT INTO domain_event (type, key, payload, trace_id)
    SELECT e.type, e.key, e.payload, e.trace_id FROM own,
      jsonb_to_recordset(coalesce((SELECT j->'events' FROM p), '[]'::jsonb)) AS e(type text, key text, payload jsonb, trace_id text)
    RETURNING 1),
  calls AS (
    INSERT INTO sync_call (transaction_id, step, system, operation, request, response, outcome, duration_ms, at)
    SELECT p_transaction_id, c.step, c.system::source_system, c.operation, c.request, c.response, c.outcome, c.duration_ms, c.at
    FROM jsonb_to_recordset(coalesce((SELECT j->'calls' FROM p), '[]'::jsonb))
      AS c(step text, system text, operation text, request jsonb, response jsonb, outcome text, duration_ms int, at timestamptz)
    RETURNING 1)
  SELECT (SELECT count(*) FROM own)::int INTO owned;
  RETURN owned;
END
$fn$;

-- Claims up to p_limit due outbox rows (FOR UPDATE SKIP LOCKED) for p_owner with a
-- lease of p_lease_seconds; returns each with its claim count and the transaction
-- as JSON (the shape of TRANSACTION_JSON_SQL).
CREATE FUNCTION sync_claim(p_owner text, p_lease_seconds float8, p_limit int)
RETURNS TABLE (transaction_id text, attempts int, r text)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  UPDATE sync_outbox o SET lease_owner = p_owner, lease_until = now() + (p_lease_seconds * interval '1 second'), attempts = o.attempts + 1
  WHERE o.id IN (
    SELECT x.id FROM sync_outbox x
    WHERE x.available_at <= now() AND (x.lease_until IS NULL OR x.lease_until < now())
    ORDER BY x.available_at LIMIT p_limit FOR UPDATE SKIP LOCKED)
  RETURNING o.transaction_id, o.attempts,
    (SELECT json_build_object(
      'id', t.id, 'workflow', t.workflow, 'status', t.status, 'idempotencyKey', t.idempotency_key,
      'inputHash', t.input_hash, 'input', t.input, 'context', t.context, 'result', t.result, 'subject', t.subject,
      'errorCode', t.error_code, 'errorMessage', t.error_message, 'remediation', t.remediation,
      'traceId', t.trace_id, 'requestedBy', t.requested_by, 'origin', t.origin, 'generation', t.generation,
      'createdAt', t.created_at, 'updatedAt', t.updated_at, 'finishedAt', t.finished_at,
      'steps', coalesce((SELECT json_agg(json_build_object('name', s.name, 'system', s.system, 'status', s.status,
          'attempts', s.attempts, 'lastError', s.last_error, 'startedAt', s.started_at, 'finishedAt', s.finished_at)
        ORDER BY s.position) FROM sync_step s WHERE s.transaction_id = t.id), '[]'::json)
    )::text
     FROM sync_transaction t WHERE t.id = o.transaction_id);
END
$fn$;

-- Records a submitted command: the transaction, its steps (p_steps: [{position, name,
-- system}]) and its outbox row, in one statement; an idempotency key already used
-- records nothing and returns no row. Returns the transaction row as JSON (steps empty:
-- they are all PENDING, the caller fills them in).
CREATE FUNCTION sync_submit(p_id text, p_workflow text, p_key text, p_input_hash text, p_input jsonb, p_subject jsonb,
  p_trace_id text, p_requested_by text, p_origin text, p_steps jsonb)
RETURNS SETOF text
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY
  WITH tx AS (
    INSERT INTO sync_transaction (id, workflow, status, idempotency_key, input_hash, input, subject, trace_id, requested_by, origin)
    VALUES (p_id, p_workflow, 'PENDING', p_key, p_input_hash, p_input, p_subject, p_trace_id, p_requested_by, p_origin)
    ON CONFLICT (idempotency_key) DO NOTHING RETURNING *),
  st AS (
    INSERT INTO sync_step (transaction_id, position, name, system, status)
    SELECT tx.id, s.position, s.name, s.system::source_system, 'PENDING'
    FROM tx, jsonb_to_recordset(p_steps) AS s(position int, name text, system text)),
  ob AS (INSERT INTO sync_outbox (transaction_id, available_at) SELECT tx.id, now() FROM tx)
  SELECT json_build_object(
    'id', t.id, 'workflow', t.workflow, 'status', t.status, 'idempotencyKey', t.idempotency_key,
    'inputHash', t.input_hash, 'input', t.input, 'context', t.context, 'result', t.result, 'subject', t.subject,
    'errorCode', t.error_code, 'errorMessage', t.error_message, 'remediation', t.remediation,
    'traceId', t.trace_id, 'requestedBy', t.requested_by, 'origin', t.origin, 'generation', t.generation,
    'createdAt', t.created_at, 'updatedAt', t.updated_at, 'finishedAt', t.finished_at, 'steps', '[]'::json)::text
  FROM tx t;
END
$fn$;
