//! Step 4: the answer to the visitor.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use clickfence::score::ClickStatus;
use serde_json::json;

use super::{ClickContext, Judgement};

/// A duplicate (double click) or a preview: served like an accepted click
/// (the redirect, or the signature outcome as JSON), with nothing recorded.
pub fn not_a_new_click(ctx: &ClickContext, j: &Judgement) -> Response {
    match &ctx.to {
        Some(to) => (StatusCode::FOUND, [(header::LOCATION, to.as_str())]).into_response(),
        None => (
            StatusCode::OK,
            Json(json!({ "status": j.verdict.outcome.code() })),
        )
            .into_response(),
    }
}

/// 403 for a blocked click (grace mode never refuses); otherwise a redirect
/// to the checked target, or the click as JSON when there is none. A paused
/// site is answered like any other: the pause is a signal to the ad
/// platform, not a refusal of visitors.
pub fn respond(ctx: &ClickContext, j: &Judgement, click_id: i64) -> Response {
    let status = j.assessment.status.as_str();
    if j.assessment.status == ClickStatus::Blocked && !ctx.site.grace_mode {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({
                "message": "Click refused.",
                "click_id": click_id,
                "status": status,
                "signature": j.verdict.outcome.code(),
            })),
        )
            .into_response();
    }
    match &ctx.to {
        Some(to) => (StatusCode::FOUND, [(header::LOCATION, to.as_str())]).into_response(),
        None => (
            StatusCode::OK,
            Json(json!({
                "click_id": click_id,
                "status": status,
                "fraud_score": j.assessment.score,
            })),
        )
            .into_response(),
    }
}
