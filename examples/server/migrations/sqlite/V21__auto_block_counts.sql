-- Each site's auto-block count, kept by triggers on every path that adds,
-- removes or re-sources a block. The auto-block cap read it by counting
-- the site's auto-blocked rows for every new auto-block, under the site's
-- block lock: O(blocks) a click, 125 clicks/s on PostgreSQL at the
-- 50,000 cap (BENCHMARKS.md). This row is read instead, exact and O(1).
CREATE TABLE auto_block_counts (site_id INTEGER PRIMARY KEY, blocks INTEGER NOT NULL);
INSERT INTO auto_block_counts (site_id, blocks)
    SELECT site_id, COUNT(*) FROM blocked_ips WHERE source = 'auto' GROUP BY site_id;
CREATE TRIGGER auto_block_added AFTER INSERT ON blocked_ips WHEN NEW.source = 'auto' BEGIN
    INSERT INTO auto_block_counts (site_id, blocks) VALUES (NEW.site_id, 1)
        ON CONFLICT (site_id) DO UPDATE SET blocks = blocks + 1;
END;
CREATE TRIGGER auto_block_removed AFTER DELETE ON blocked_ips WHEN OLD.source = 'auto' BEGIN
    UPDATE auto_block_counts SET blocks = blocks - 1 WHERE site_id = OLD.site_id;
END;
CREATE TRIGGER auto_block_resourced_from AFTER UPDATE OF source, site_id ON blocked_ips WHEN OLD.source = 'auto' BEGIN
    UPDATE auto_block_counts SET blocks = blocks - 1 WHERE site_id = OLD.site_id;
END;
CREATE TRIGGER auto_block_resourced_to AFTER UPDATE OF source, site_id ON blocked_ips WHEN NEW.source = 'auto' BEGIN
    INSERT INTO auto_block_counts (site_id, blocks) VALUES (NEW.site_id, 1)
        ON CONFLICT (site_id) DO UPDATE SET blocks = blocks + 1;
END;
