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
    ("get", "/openapi.json"),
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
    json!({
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
        }
    })
}
