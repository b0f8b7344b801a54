-- The claim marks what it claimed RUNNING (docs/decisions/store-session-plans.md, "Later"):
-- a claimed transaction that is neither finished nor compensating gets status RUNNING
-- and its first unfinished step RUNNING with one more attempt, in the claim's own
-- statement instead of a sync_persist right after it (one database call less per
-- transaction run). Same effect as that sync_persist had: the step's last_error is
-- kept, started_at set, finished_at cleared; the status trigger records the change.
-- Returns the rows as before, read after the marking, through sync_transaction_json.
-- A transaction and its steps as one JSON value, the shape sync/records.ts parses (RawRow).
-- The one definition of that shape for a stored transaction: sync_claim below and
-- records.ts's TRANSACTION_JSON_SQL both call it. (sync_submit builds the same shape
-- from the row it is inserting, which no lookup can see yet.)
CREATE FUNCTION sync_transaction_json(p_id text) RETURNS json
LANGUAGE sql STABLE AS $fn$
  SELECT json_build_object(
    'id', t.id, 'workflow', t.workflow, 'status', t.status, 'idempotencyKey', t.idempotency_key,
    'inputHash', t.input_hash, 'input', t.input, 'context', t.context, 'result', t.result, 'subject', t.subject,
    'errorCode', t.error_code, 'errorMessage', t.error_message, 'remediation', t.remediation,
    'traceId', t.trace_id, 'requestedBy', t.requested_by, 'origin', t.origin, 'generation', t.generation,
    'createdAt', t.created_at, 'updatedAt', t.updated_at, 'finishedAt', t.finished_at,
    'steps', coalesce((SELECT json_agg(json_build_object('name', s.name, 'system', s.system, 'status', s.status,
        'attempts', s.attempts, 'lastError', s.last_error, 'startedAt', s.started_at, 'finishedAt', s.finished_at)
      ORDER BY s.position) FROM sync_step s WHERE s.transaction_id = t.id), '[]'::json))
  FROM sync_transaction t WHERE t.id = p_id
$fn$;

CREATE OR REPLACE FUNCTION sync_claim(p_owner text, p_lease_seconds float8, p_limit int)
RETURNS TABLE (transaction_id text, attempts int, r text)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  claimed text[];
  counts int[];
BEGIN
  WITH c AS (
    UPDATE sync_outbox o SET lease_owner = p_owner, lease_until = now() + (p_lease_seconds * interval '1 second'), attempts = o.attempts + 1
    WHERE o.id IN (
      SELECT x.id FROM sync_outbox x
      WHERE x.available_at <= now() AND (x.lease_until IS NULL OR x.lease_until < now())
      ORDER BY x.available_at LIMIT p_limit FOR UPDATE SKIP LOCKED)
    RETURNING o.transaction_id, o.attempts)
  SELECT array_agg(c.transaction_id), array_agg(c.attempts) INTO claimed, counts FROM c;
  IF claimed IS NULL THEN
    RETURN;
  END IF;

  WITH todo AS (
    SELECT t.id, (SELECT min(s.position) FROM sync_step s WHERE s.transaction_id = t.id AND s.status <> 'SUCCEEDED') AS pos
    FROM sync_transaction t
    WHERE t.id = ANY(claimed) AND t.status NOT IN ('SUCCEEDED', 'DEAD_LETTERED', 'COMPENSATED') AND NOT (t.context ? '$compensation')),
  st AS (
    UPDATE sync_step s SET status = 'RUNNING', attempts = s.attempts + 1, started_at = now(), finished_at = NULL
    FROM todo WHERE s.transaction_id = todo.id AND s.position = todo.pos
    RETURNING s.transaction_id)
  UPDATE sync_transaction t SET status = 'RUNNING', updated_at = now() FROM st WHERE t.id = st.transaction_id;

  RETURN QUERY
  SELECT x.id, x.n, sync_transaction_json(x.id)::text
  FROM unnest(claimed, counts) AS x(id, n);
END
$fn$;
