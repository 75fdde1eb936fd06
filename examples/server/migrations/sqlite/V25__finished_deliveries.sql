-- Finished deliveries (delivered, or out of attempts) by when they were
-- queued. The worker deletes those past their week (`FINISHED_KEPT_SECS`)
-- once a minute in chunks, oldest first, reading only this index's head:
-- with nothing to delete it reads nothing, however large the outbox or the
-- recent history. They were kept for ever before, a row per delivery of
-- events anonymous clients raise (a flood's fraud reports, auto-blocks).
CREATE INDEX deliveries_finished ON deliveries (created_at) WHERE status <> 'pending';
