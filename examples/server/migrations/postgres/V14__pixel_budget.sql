-- Each shop's daily budget of stored storefront events (the core's
-- rate::budget): what was stored per shop and day (scope '') and per
-- network (an ASN, or IPv6 /48, IPv4 /24), and how many events past the
-- budget were counted but not stored; and (scope '') the visitors newly
-- billed that day, for the billed-visitor jump signal.
CREATE TABLE pixel_usage (shop TEXT NOT NULL, day TEXT NOT NULL, scope TEXT NOT NULL,
    events BIGINT NOT NULL DEFAULT 0, bytes BIGINT NOT NULL DEFAULT 0, dropped BIGINT NOT NULL DEFAULT 0,
    billed BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (shop, day, scope));
