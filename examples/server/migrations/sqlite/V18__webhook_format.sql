-- How an endpoint's deliveries are signed: 'myclickshield' (the spec's
-- X-MyClickShield-* headers) or 'standard' (Standard Webhooks' webhook-*
-- headers, with a whsec_ + base64 secret).
ALTER TABLE webhook_endpoints ADD COLUMN format TEXT NOT NULL DEFAULT 'myclickshield';
