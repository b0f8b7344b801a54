-- The relay's pass looks for the events not yet sequenced (event_stream_sequence:
-- `WHERE seq IS NULL ORDER BY id`). Through domain_event_seq_key that lookup also met
-- every event sequenced since the table was last vacuumed: sequencing an event leaves
-- its NULL entry behind in that index, so each pass read more of the table than the
-- one before. A partial index holds only the unsequenced events.
CREATE INDEX "domain_event_unsequenced_idx" ON "domain_event" ("id") WHERE "seq" IS NULL;
