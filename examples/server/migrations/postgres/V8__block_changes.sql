-- Each blocks change, under the blocks version it moved to, so another
-- instance applies the change to its in-memory lists instead of dropping
-- them all (an attacker making auto-blocks would otherwise make every
-- other instance reload every site's list).
CREATE TABLE block_changes (
    id BIGSERIAL PRIMARY KEY, version BIGINT NOT NULL, site_id BIGINT NOT NULL,
    ip_address TEXT NOT NULL, expires_at BIGINT, removed BIGINT NOT NULL, instance TEXT NOT NULL);
CREATE INDEX block_changes_version ON block_changes (version);
