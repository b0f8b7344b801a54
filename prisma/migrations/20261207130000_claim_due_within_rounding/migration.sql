-- A row put in the outbox "now" is claimable at once. available_at keeps whole
-- milliseconds (TIMESTAMPTZ(3)), and PostgreSQL rounds to the nearest: a
-- row inserted with now() could be stored up to half a millisecond after it, and a
-- claim made within that half millisecond (a worker woken by the submit) skipped
-- it and waited for its next poll (1 s). The claim now counts a row due within the
-- next millisecond as due; the rest of sync_claim is as migration
-- *_claim_marks_running left it.
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
      WHERE x.available_at <= now() + interval '1 millisecond' AND (x.lease_until IS NULL OR x.lease_until < now())
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
