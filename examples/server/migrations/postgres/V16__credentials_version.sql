-- A version bumped by every change to what authenticating a token reads
-- (a revocation, a token's expiry, an account's plan or status), so each
-- instance empties its cache of successful token lookups when it moves.
ALTER TABLE config_versions ADD COLUMN credentials BIGINT NOT NULL DEFAULT 0;
