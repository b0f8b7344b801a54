-- The event stream behind subscriptions (docs/subscriptions.md). Mirrors the model
-- EventStream and DomainEvent.seq in prisma/schema.prisma.
--
-- 1. Every status change of an invoice, a project or a sync transaction in this
--    database appends a domain event in the same transaction (triggers below), so
--    nothing committed can miss its event, whichever code path wrote it (a workflow's
--    cache refresh, the indexer, a read-through, the engine, the workers).
-- 2. The relay (events/relay.ts) gives committed events their stream position `seq`
--    with event_stream_sequence(): gapless and in commit order (a sequencer holds the
--    event_stream row lock, and only sees committed rows), so a cursor is simply the
--    last seq a client received.

ALTER TABLE "domain_event" ADD COLUMN "seq" BIGINT;
CREATE UNIQUE INDEX "domain_event_seq_key" ON "domain_event"("seq");

-- CreateTable
CREATE TABLE "event_stream" (
    "name" TEXT NOT NULL,
    "last_seq" BIGINT NOT NULL DEFAULT 0,
    "published_seq" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "event_stream_pkey" PRIMARY KEY ("name")
);

-- A committed domain event wakes every relay listening (NOTIFY is delivered on commit,
-- once per transaction and channel).
CREATE FUNCTION domain_event_notify() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('tandem_domain_event', '');
  RETURN NULL;
END
$fn$;
CREATE TRIGGER domain_event_notify AFTER INSERT ON "domain_event" FOR EACH STATEMENT EXECUTE FUNCTION domain_event_notify();

-- <entity>.status-changed.v1 for invoice and project (TG_ARGV: the event type and the
-- payload's id field): a new row (from null) or a changed status.
CREATE FUNCTION entity_status_event() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO domain_event (type, key, payload, occurred_at)
  VALUES (TG_ARGV[0], NEW.id,
    jsonb_build_object(TG_ARGV[1], NEW.id, 'customerId', NEW.customer_id,
      'from', CASE WHEN TG_OP = 'UPDATE' THEN OLD.status::text END, 'to', NEW.status::text),
    clock_timestamp());
  RETURN NULL;
END
$fn$;
CREATE TRIGGER invoice_status_event_insert AFTER INSERT ON "invoice" FOR EACH ROW
  EXECUTE FUNCTION entity_status_event('invoice.status-changed.v1', 'invoiceId');
CREATE TRIGGER invoice_status_event_update AFTER UPDATE OF status ON "invoice" FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION entity_status_event('invoice.status-changed.v1', 'invoiceId');
CREATE TRIGGER project_status_event_insert AFTER INSERT ON "project" FOR EACH ROW
  EXECUTE FUNCTION entity_status_event('project.status-changed.v1', 'projectId');
CREATE TRIGGER project_status_event_update AFTER UPDATE OF status ON "project" FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION entity_status_event('project.status-changed.v1', 'projectId');

-- sync.transaction-updated.v1: a submitted transaction (PENDING) and every status change.
CREATE FUNCTION sync_transaction_event() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO domain_event (type, key, payload, trace_id, occurred_at)
  VALUES ('sync.transaction-updated.v1', NEW.id,
    jsonb_build_object('transactionId', NEW.id, 'workflow', NEW.workflow, 'status', NEW.status),
    NEW.trace_id, clock_timestamp());
  RETURN NULL;
END
$fn$;
CREATE TRIGGER sync_transaction_event_insert AFTER INSERT ON "sync_transaction" FOR EACH ROW EXECUTE FUNCTION sync_transaction_event();
CREATE TRIGGER sync_transaction_event_update AFTER UPDATE OF status ON "sync_transaction" FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION sync_transaction_event();

-- Gives up to p_limit committed, unsequenced events their positions, in id order, and
-- returns them (one row each, oldest first) followed by one row with the stream's last
-- position (last_seq; the other columns null). Sequencers in any number of processes
-- queue on the event_stream row; the statement after the lock sees every event
-- committed before it was granted. Two events of one entity are ordered: the second
-- change waited for the first's row lock, so its event has the larger id and was
-- committed later. A non-empty pass notifies `tandem_event_stream` with the last
-- position (the in-process bus of every other process tails from there).
CREATE FUNCTION event_stream_sequence(p_limit int)
RETURNS TABLE (last_seq bigint, seq bigint, type text, key text, payload text, trace_id text, occurred_at text)
LANGUAGE plpgsql AS $fn$
DECLARE
  base bigint;
  n int;
BEGIN
  INSERT INTO event_stream (name) VALUES ('default') ON CONFLICT (name) DO NOTHING;
  SELECT s.last_seq INTO base FROM event_stream s WHERE s.name = 'default' FOR UPDATE;
  RETURN QUERY
  WITH pending AS (
    SELECT d.id, base + row_number() OVER (ORDER BY d.id) AS pos
    FROM (SELECT x.id FROM domain_event x WHERE x.seq IS NULL ORDER BY x.id LIMIT p_limit) d),
  upd AS (
    UPDATE domain_event e SET seq = pending.pos FROM pending WHERE e.id = pending.id
    RETURNING e.seq AS s, e.type AS t, e.key AS k, e.payload::text AS p, e.trace_id AS tr,
      to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS o)
  SELECT NULL::bigint, upd.s, upd.t, upd.k, upd.p, upd.tr, upd.o FROM upd ORDER BY upd.s;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n > 0 THEN
    UPDATE event_stream s SET last_seq = base + n WHERE s.name = 'default';
    PERFORM pg_notify('tandem_event_stream', (base + n)::text);
  END IF;
  RETURN QUERY SELECT base + n, NULL::bigint, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text;
END
$fn$;
