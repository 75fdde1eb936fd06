//! The OpenAPI document, generated from the handlers' `#[utoipa::path]`
//! attributes and the types below, served at `/openapi.json`, and the
//! Swagger UI at `/docs` (its assets vendored into the binary).
//!
//! Routes are registered through `utoipa_axum::routes!`, so a route cannot be
//! served without being documented. The contract test (`scripts/contract.sh`,
//! schemathesis) checks every documented status, content type and schema
//! against the live server.

pub mod schemas;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Tag of the platform REST API v1.
pub const PLATFORM: &str = "platform";
/// Tag of the edge (storefront and shop back-end) API.
pub const EDGE: &str = "edge";
/// Tag of the click-signing API.
pub const CLICK_SIGNING: &str = "click-signing";
/// Tag of click links.
pub const CLICKS: &str = "clicks";
/// Tag of health and metrics.
pub const OPERATIONS: &str = "operations";

/// The document's fixed parts; paths are added by the router.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "clickfence reference server",
        description = "The platform REST API v1, the edge (storefront) API and the click-signing API, on the clickfence core. Errors: the platform and click-signing APIs answer `{\"message\"}` (with `errors` on 422); the edge API `{\"error\": true, \"message\", \"code\"}`.",
        license(name = "MIT OR Apache-2.0")
    ),
    modifiers(&Security),
    components(schemas(
        schemas::PlatformError,
        schemas::EdgeError,
        schemas::MessageError,
        schemas::ModeName,
        schemas::ClickStatusName,
        schemas::ClickAnswer,
        schemas::ClickRefused,
        schemas::TargetRefused
    )),
    tags(
        (name = PLATFORM, description = "Sites, stats, clicks and blocked IPs (`platform-api.txt`). Bearer API token (`mcs_live_...`) with abilities; 60 requests per minute per token, rate-limit headers on every response."),
        (name = EDGE, description = "Pixels, heartbeat, IP access, analytics and activity (`edge-api.txt`). Storefront routes are public with CORS; the others need the API secret."),
        (name = CLICK_SIGNING, description = "Keys, mode, circuit breaker, exclusions and the hourly report (`click-signing.txt`). Admin token."),
        (name = CLICKS, description = "Click links: `/c/{site_id}` and attribution links shaped like the spec's."),
        (name = OPERATIONS, description = "Health, readiness and metrics."),
    )
)]
pub struct ApiDoc;

/// The three bearer schemes, one per surface.
struct Security;

/// Security scheme of the platform API.
pub const PLATFORM_TOKEN: &str = "platform_token";
/// Security scheme of the edge API's back-end routes.
pub const API_SECRET: &str = "api_secret";
/// Security scheme of the click-signing API.
pub const ADMIN_TOKEN: &str = "admin_token";
/// Security scheme of `/metrics` when `--metrics-token` is set.
pub const METRICS_TOKEN: &str = "metrics_token";

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, about) in [
            (
                PLATFORM_TOKEN,
                "An API token, `Authorization: Bearer mcs_live_...`.",
            ),
            (API_SECRET, "The server's API secret (`--api-secret`)."),
            (
                ADMIN_TOKEN,
                "The click-signing admin token (`--admin-token`).",
            ),
            (
                METRICS_TOKEN,
                "The metrics token (`--metrics-token`), when set.",
            ),
        ] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(about))
                        .build(),
                ),
            );
        }
    }
}
