-- A version for webhook subscriptions (endpoints added), bumped in the
-- transaction that adds one: instances keep which events each account's
-- endpoints take, so a click whose fraud report no endpoint takes is
-- written without a transaction, and forget it when this moves (within a
-- second, as for sites).
ALTER TABLE config_versions ADD COLUMN endpoints BIGINT NOT NULL DEFAULT 0;
