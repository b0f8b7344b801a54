-- Several submits in one database call (docs/decisions/group-commit.md, "Submits"):
-- p_batch is a JSON array of sync_submit's arguments by name
-- ({ "id", "workflow", "key", "inputHash", "input", "subject", "traceId",
-- "requestedBy", "origin", "steps" }); each entry is exactly one sync_submit call,
-- in the array's order, all in this call's transaction. Returns one row per entry:
-- its position (0-based) and sync_submit's row, null where the idempotency key was
-- already used (sync_submit records nothing then). An error in any entry rolls the
-- whole call back; the caller (sync/engine.ts, through lib/group-commit.ts) then
-- sends each entry on its own. The caller orders a batch by idempotency key, so two
-- processes' batches take the key index's locks in one order.
CREATE FUNCTION sync_submit_many(p_batch jsonb) RETURNS TABLE (i int, r text)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  e jsonb;
  n int := 0;
  made text;
BEGIN
  FOR e IN SELECT x FROM jsonb_array_elements(p_batch) AS x LOOP
    made := NULL;
    SELECT s INTO made FROM sync_submit(e->>'id', e->>'workflow', e->>'key', e->>'inputHash', e->'input', e->'subject',
      e->>'traceId', e->>'requestedBy', e->>'origin', e->'steps') s;
    i := n;
    r := made;
    RETURN NEXT;
    n := n + 1;
  END LOOP;
END
$fn$;
