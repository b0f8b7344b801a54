-- Work put in the outbox (a submit, a replay) wakes the workers of every process
-- listening (sync/workers.ts), not only those of the process that wrote it: a
-- `tandem worker` on PostgreSQL otherwise found a gateway's submits at its next poll,
-- up to a second later. NOTIFY is delivered on commit, once per transaction and
-- channel; INSERT ... ON CONFLICT DO UPDATE (a replay) fires the INSERT statement
-- trigger too. Claims and leases only UPDATE, so they wake nobody.
CREATE FUNCTION sync_outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('tandem_sync_due', '');
  RETURN NULL;
END
$fn$;
CREATE TRIGGER sync_outbox_notify AFTER INSERT ON "sync_outbox" FOR EACH STATEMENT EXECUTE FUNCTION sync_outbox_notify();
