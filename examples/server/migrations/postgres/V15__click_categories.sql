-- Each click's category of invalid traffic (the core's score::Category):
-- clean, givt (declared: crawlers, previews, libraries; not fraud) or sivt
-- (fraud). fraud_rate, auto-blocks, pauses and fraud.detected count blocked
-- sivt clicks only. Clicks recorded before categories existed keep their
-- old effect: every flagged or blocked one counts as sivt.
ALTER TABLE clicks ADD COLUMN category TEXT NOT NULL DEFAULT 'clean';
UPDATE clicks SET category = 'sivt' WHERE status <> 'valid';
