//! The OpenAPI 3.1 document served at `/openapi.json`.

use serde_json::{json, Value};

/// Every route the server serves, as (method, OpenAPI path).
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/sites"),
    ("get", "/api/v1/sites/{id}"),
    ("get", "/api/v1/sites/{id}/stats"),
    ("get", "/api/v1/sites/{id}/clicks"),
    ("get", "/api/v1/sites/{id}/blocked-ips"),
    ("post", "/api/v1/sites/{id}/blocked-ips"),
    ("delete", "/api/v1/sites/{id}/blocked-ips/{blockedIp}"),
    ("get", "/c/{site_id}"),
    ("get", "/{app_id}"),
    ("get", "/openapi.json"),
    ("post", "/api/pixels"),
    ("post", "/api/heartbeat"),
    ("get", "/api/check-ip-access"),
    ("post", "/api/sync-ip-blocking-config"),
    ("get", "/api/analytics/summary"),
    ("get", "/api/analytics/trend"),
    ("get", "/api/analytics/top-ips"),
    ("get", "/api/analytics/top-pages"),
    ("get", "/api/analytics/top-countries"),
    ("get", "/api/bot-activity"),
    ("get", "/api/spy-activity"),
    ("get", "/api/ip-blocking-activity"),
    ("get", "/api/billing/visitor-count"),
    ("get", "/api/protection-config"),
    ("post", "/api/p360-click-signing/secret"),
    ("delete", "/api/p360-click-signing/secret/{secret-id}"),
    ("post", "/api/p360-click-signing/test"),
    ("post", "/api/p360-click-signing/config/mode/{mode}"),
    ("post", "/api/p360-click-signing/config/circuit-breaker"),
    ("post", "/p360-click-signing/config/circuit-breaker"),
    ("get", "/api/p360-click-signing/config"),
    ("get", "/api/p360-click-signing/report"),
    (
        "post",
        "/api/p360-click-signing/config/excluded-app/{app-id}",
    ),
    (
        "delete",
        "/api/p360-click-signing/config/excluded-app/{app-id}",
    ),
];

fn op(summary: &str, ability: Option<&str>, params: Value, ok: &str) -> Value {
    let mut responses = json!({
        ok: { "description": "Success" },
        "401": { "$ref": "#/components/responses/Error" },
        "402": { "$ref": "#/components/responses/Error" },
        "403": { "$ref": "#/components/responses/Error" },
        "404": { "$ref": "#/components/responses/Error" },
        "422": { "$ref": "#/components/responses/Error" },
        "429": { "$ref": "#/components/responses/Error" },
    });
    if ability.is_none() {
        responses = json!({ ok: { "description": "Success" } });
    }
    let mut o = json!({ "summary": summary, "parameters": params, "responses": responses });
    if let Some(a) = ability {
        o["security"] = json!([{ "bearer": [] }]);
        o["x-required-ability"] = json!(a);
    }
    o
}

fn p(name: &str, location: &str, schema: Value, required: bool) -> Value {
    json!({ "name": name, "in": location, "required": required, "schema": schema })
}

/// The document.
pub fn document() -> Value {
    let id = p("id", "path", json!({ "type": "integer" }), true);
    let page = [
        p(
            "per_page",
            "query",
            json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 50 }),
            false,
        ),
        p("cursor", "query", json!({ "type": "string" }), false),
    ];
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": { "title": "clickfence reference server", "version": env!("CARGO_PKG_VERSION") },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "responses": { "Error": { "description": "Error", "content": { "application/json": { "schema": {
                "type": "object", "required": ["message"],
                "properties": { "message": { "type": "string" }, "errors": { "type": "object" } } } } } } }
        },
        "paths": {
            "/api/v1/sites": { "get": op("List sites", Some("sites:read"), json!([]), "200") },
            "/api/v1/sites/{id}": { "get": op("Retrieve a site", Some("sites:read"), json!([id]), "200") },
            "/api/v1/sites/{id}/stats": { "get": op("Aggregate stats", Some("stats:read"),
                json!([id, p("days", "query", json!({ "type": "integer", "minimum": 1, "maximum": 90, "default": 30 }), false)]), "200") },
            "/api/v1/sites/{id}/clicks": { "get": op("List clicks", Some("clicks:read"), json!([id,
                p("status", "query", json!({ "enum": ["valid", "flagged", "blocked"] }), false),
                p("classification", "query", json!({ "type": "string" }), false),
                p("ip", "query", json!({ "type": "string" }), false),
                p("since", "query", json!({ "type": "string", "format": "date-time" }), false),
                p("until", "query", json!({ "type": "string", "format": "date-time" }), false),
                page[0], page[1]]), "200") },
            "/api/v1/sites/{id}/blocked-ips": {
                "get": op("List blocked IPs", Some("blocked-ips:read"), json!([id, page[0], page[1]]), "200"),
                "post": op("Block an IP (idempotent)", Some("blocked-ips:write"), json!([id]), "201"),
            },
            "/api/v1/sites/{id}/blocked-ips/{blockedIp}": { "delete": op("Unblock an IP", Some("blocked-ips:write"),
                json!([id, p("blockedIp", "path", json!({ "type": "string" }), true)]), "200") },
            "/c/{site_id}": { "get": op("Click intake: score, record, redirect or refuse", None,
                json!([p("site_id", "path", json!({ "type": "integer" }), true),
                       p("to", "query", json!({ "type": "string", "format": "uri" }), false),
                       p("clickid", "query", json!({ "type": "string" }), false)]), "302") },
            "/openapi.json": { "get": op("This document", None, json!([]), "200") },
            "/{app_id}": { "get": op("Attribution link (app id first, site_id in the query): the click pipeline", None,
                json!([p("app_id", "path", json!({ "type": "string" }), true), p("site_id", "query", json!({ "type": "integer" }), true)]), "302") },
        }
    });
    let paths = doc["paths"].as_object_mut();
    if let Some(paths) = paths {
        for (path, item) in edge_and_signing() {
            paths.insert(path.to_owned(), item);
        }
    }
    doc
}

/// The edge API (`edge-api.txt`) and click-signing API (`click-signing.txt`) paths.
fn edge_and_signing() -> Vec<(&'static str, Value)> {
    let shop = p("shop", "query", json!({ "type": "string" }), true);
    let period = [
        shop.clone(),
        p(
            "start",
            "query",
            json!({ "type": "string", "format": "date" }),
            true,
        ),
        p(
            "end",
            "query",
            json!({ "type": "string", "format": "date" }),
            true,
        ),
    ];
    let feed = json!([
        shop.clone(),
        p(
            "limit",
            "query",
            json!({ "type": "integer", "minimum": 1, "maximum": 100, "default": 50 }),
            false
        ),
        p(
            "offset",
            "query",
            json!({ "type": "integer", "minimum": 0, "default": 0 }),
            false
        )
    ]);
    let top = json!([
        period[0],
        period[1],
        period[2],
        p(
            "limit",
            "query",
            json!({ "type": "integer", "minimum": 1, "maximum": 100, "default": 10 }),
            false
        )
    ]);
    let edge = |summary: &str, params: Value| json!({ "summary": summary, "parameters": params, "responses": { "200": { "description": "Success" }, "400": { "description": "INVALID_REQUEST" }, "401": { "description": "UNAUTHORIZED" }, "404": { "description": "NOT_FOUND" }, "429": { "description": "RATE_LIMITED" }, "500": { "description": "INTERNAL_ERROR" } } });
    let admin = |summary: &str, params: Value| json!({ "summary": summary, "parameters": params, "security": [{ "bearer": [] }], "responses": { "200": { "description": "OK" }, "400": { "description": "Bad request" }, "401": { "description": "Not authorized" } } });
    vec![
        (
            "/api/pixels",
            json!({ "post": edge("Pixel ingestion (7 types)", json!([])) }),
        ),
        (
            "/api/heartbeat",
            json!({ "post": edge("Theme extension heartbeat", json!([])) }),
        ),
        (
            "/api/check-ip-access",
            json!({ "get": edge("Check a visitor's IP / country", json!([shop.clone()])) }),
        ),
        (
            "/api/sync-ip-blocking-config",
            json!({ "post": edge("Replace a shop's IP blocking config (API secret)", json!([])) }),
        ),
        (
            "/api/analytics/summary",
            json!({ "get": edge("Totals over a period", json!(period)) }),
        ),
        (
            "/api/analytics/trend",
            json!({ "get": edge("Daily values of a metric", json!([period[0], period[1], period[2],
            p("metric", "query", json!({ "enum": ["sessions", "unique_visitors", "protection_events", "bot_events", "spy_events", "ip_blocking_events"] }), false)])) }),
        ),
        (
            "/api/analytics/top-ips",
            json!({ "get": edge("Top threat IPs", top.clone()) }),
        ),
        (
            "/api/analytics/top-pages",
            json!({ "get": edge("Most targeted pages", top.clone()) }),
        ),
        (
            "/api/analytics/top-countries",
            json!({ "get": edge("Threats by country", top) }),
        ),
        (
            "/api/bot-activity",
            json!({ "get": edge("Bot detections", feed.clone()) }),
        ),
        (
            "/api/spy-activity",
            json!({ "get": edge("Spy tool detections", feed.clone()) }),
        ),
        (
            "/api/ip-blocking-activity",
            json!({ "get": edge("IP blocking events", feed) }),
        ),
        (
            "/api/billing/visitor-count",
            json!({ "get": edge("Unique visitors in a period", json!(period)) }),
        ),
        (
            "/api/protection-config",
            json!({ "get": edge("A shop's protection config", json!([shop])) }),
        ),
        (
            "/api/p360-click-signing/secret",
            json!({ "post": admin("Generate a secret key", json!([p("ttlHours", "query", json!({ "type": "integer" }), false)])) }),
        ),
        (
            "/api/p360-click-signing/secret/{secret-id}",
            json!({ "delete": admin("Revoke a secret key", json!([p("secret-id", "path", json!({ "type": "string" }), true)])) }),
        ),
        (
            "/api/p360-click-signing/test",
            json!({ "post": admin("Test a signed click URL", json!([])) }),
        ),
        (
            "/api/p360-click-signing/config/mode/{mode}",
            json!({ "post": admin("Configure the mode", json!([p("mode", "path", json!({ "enum": ["disabled", "report-only", "enabled"] }), true)])) }),
        ),
        (
            "/api/p360-click-signing/config/circuit-breaker",
            json!({ "post": admin("Configure the circuit breaker", json!([])) }),
        ),
        (
            "/p360-click-signing/config/circuit-breaker",
            json!({ "post": admin("Configure the circuit breaker (path as the spec also shows it)", json!([])) }),
        ),
        (
            "/api/p360-click-signing/config",
            json!({ "get": admin("Get the configuration", json!([])) }),
        ),
        (
            "/api/p360-click-signing/report",
            json!({ "get": admin("Hourly report (CSV)", json!([
            p("start-date", "query", json!({ "type": "string" }), false), p("end-date", "query", json!({ "type": "string" }), false)])) }),
        ),
        (
            "/api/p360-click-signing/config/excluded-app/{app-id}",
            json!({
                "post": admin("Exclude an app", json!([p("app-id", "path", json!({ "type": "string" }), true)])),
                "delete": admin("Include an excluded app again", json!([p("app-id", "path", json!({ "type": "string" }), true)])),
            }),
        ),
    ]
}
