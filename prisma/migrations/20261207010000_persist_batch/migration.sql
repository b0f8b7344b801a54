-- Several workers' step records in one database call (docs/decisions/group-commit.md):
-- p_batch is a JSON array of { "t": transaction id, "p": sync_persist's payload };
-- each entry is exactly one sync_persist call, in the array's order, all in this
-- call's transaction. Returns sync_persist's result per entry, in the same order
-- (1: p_owner holds the lease and the change was made, 0: only the audit rows were
-- written). An error in any entry rolls the whole call back; the caller
-- (sync/workers.ts, through lib/group-commit.ts) then sends each entry on its own.
CREATE FUNCTION sync_persist_many(p_owner text, p_batch jsonb) RETURNS int[]
LANGUAGE plpgsql AS $fn$
DECLARE
  e jsonb;
  owned int[] := '{}';
BEGIN
  FOR e IN SELECT x FROM jsonb_array_elements(p_batch) AS x LOOP
    owned := owned || sync_persist(e->>'t', p_owner, e->'p');
  END LOOP;
  RETURN owned;
END
$fn$;
