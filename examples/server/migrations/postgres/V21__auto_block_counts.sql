-- Each site's auto-block count, kept by a trigger on every path that adds,
-- removes or re-sources a block. The auto-block cap read it by counting
-- the site's auto-blocked rows for every new auto-block, under the site's
-- block lock: O(blocks) a click, 125 clicks/s at the 50,000 cap
-- (BENCHMARKS.md). This row is read instead, exact and O(1); the
-- transactions that change it already hold the site's block lock.
CREATE TABLE auto_block_counts (site_id BIGINT PRIMARY KEY, blocks BIGINT NOT NULL);
INSERT INTO auto_block_counts (site_id, blocks)
    SELECT site_id, COUNT(*) FROM blocked_ips WHERE source = 'auto' GROUP BY site_id;
CREATE FUNCTION count_auto_blocks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.source = 'auto' THEN
        UPDATE auto_block_counts SET blocks = blocks - 1 WHERE site_id = OLD.site_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.source = 'auto' THEN
        INSERT INTO auto_block_counts (site_id, blocks) VALUES (NEW.site_id, 1)
            ON CONFLICT (site_id) DO UPDATE SET blocks = auto_block_counts.blocks + 1;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER auto_block_counts AFTER INSERT OR DELETE OR UPDATE OF source, site_id ON blocked_ips
    FOR EACH ROW EXECUTE FUNCTION count_auto_blocks();
