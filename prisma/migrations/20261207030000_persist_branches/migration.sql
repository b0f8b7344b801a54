-- sync_persist runs only the statements its payload asks for (docs/decisions/0006-sync-throughput.md,
-- "Later (2026-12-07, second session)"). The first version was one statement of seven CTEs, each
-- started on every call whether or not the payload carried its part: an intermediate step's
-- record (steps, context, calls) also ran the outbox DELETE and UPDATE and an INSERT INTO
-- domain_event of no rows, and that empty INSERT still fired the statement trigger
-- domain_event_notify, so every record woke every event relay for nothing. Same effects,
-- same lease fence, same result as before:
-- * the calls (audit rows) are written whether or not p_owner holds the lease;
-- * without the lease nothing else is written and 0 is returned;
-- * with it: the steps named, the transaction (always: updated_at moves on every record,
--   as before), the outbox row (delete or release, if asked), the events (if any); 1 is returned.
-- sync/functions.int.spec.ts checks these on PGlite and PostgreSQL.
CREATE OR REPLACE FUNCTION sync_persist(p_transaction_id text, p_owner text, p_payload jsonb) RETURNS int
LANGUAGE plpgsql AS $fn$
DECLARE
  tx jsonb := coalesce(p_payload->'tx', '{}'::jsonb);
  ob jsonb := p_payload->'outbox';
BEGIN
  IF jsonb_typeof(p_payload->'calls') = 'array' THEN
    INSERT INTO sync_call (transaction_id, step, system, operation, request, response, outcome, duration_ms, at)
    SELECT p_transaction_id, c.step, c.system::source_system, c.operation, c.request, c.response, c.outcome, c.duration_ms, c.at
    FROM jsonb_to_recordset(p_payload->'calls')
      AS c(step text, system text, operation text, request jsonb, response jsonb, outcome text, duration_ms int, at timestamptz);
  END IF;

  PERFORM 1 FROM sync_outbox o WHERE o.transaction_id = p_transaction_id AND o.lease_owner = p_owner FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;

  IF jsonb_typeof(p_payload->'steps') = 'array' THEN
    UPDATE sync_step s SET
      status = x.status,
      last_error = CASE WHEN coalesce(x.keep_error, false) THEN s.last_error ELSE x.last_error END,
      attempts = s.attempts + CASE WHEN coalesce(x.attempt, false) THEN 1 ELSE 0 END,
      started_at = CASE WHEN coalesce(x.attempt, false) THEN now() ELSE s.started_at END,
      finished_at = CASE WHEN coalesce(x.finished, false) THEN now() WHEN coalesce(x.attempt, false) THEN NULL ELSE s.finished_at END
    FROM jsonb_to_recordset(p_payload->'steps')
      AS x(position int, status text, last_error text, keep_error boolean, attempt boolean, finished boolean)
    WHERE s.transaction_id = p_transaction_id AND s.position = x.position;
  END IF;

  UPDATE sync_transaction t SET
    status = coalesce(tx->>'status', t.status),
    context = t.context || coalesce(tx->'context', '{}'::jsonb),
    result = CASE WHEN tx->'result' IS NULL THEN t.result WHEN tx->'result' = 'null'::jsonb THEN NULL ELSE tx->'result' END,
    error_code = CASE WHEN tx->'error' IS NULL THEN t.error_code ELSE tx->'error'->>'code' END,
    error_message = CASE WHEN tx->'error' IS NULL THEN t.error_message ELSE tx->'error'->>'message' END,
    remediation = CASE WHEN tx->'error' IS NULL THEN t.remediation ELSE tx->'error'->>'remediation' END,
    finished_at = CASE WHEN coalesce((tx->>'finished')::boolean, false) THEN now() ELSE t.finished_at END,
    updated_at = now()
  WHERE t.id = p_transaction_id;

  IF ob->>'kind' = 'delete' THEN
    DELETE FROM sync_outbox o WHERE o.transaction_id = p_transaction_id;
  ELSIF ob->>'kind' = 'release' THEN
    UPDATE sync_outbox o SET lease_owner = NULL, lease_until = NULL,
      available_at = now() + ((ob->>'delayMs')::float8 * interval '1 millisecond')
    WHERE o.transaction_id = p_transaction_id;
  END IF;

  IF jsonb_typeof(p_payload->'events') = 'array' AND jsonb_array_length(p_payload->'events') > 0 THEN
    INSERT INTO domain_event (type, key, payload, trace_id)
    SELECT e.type, e.key, e.payload, e.trace_id
    FROM jsonb_to_recordset(p_payload->'events') AS e(type text, key text, payload jsonb, trace_id text);
  END IF;
  RETURN 1;
END
$fn$;
