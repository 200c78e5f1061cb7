//! `GET /api/health`: the versions, the rules digest, the ledger's head (none without one), and
//! the slots free.

use axum::extract::State;
use axum::response::Response;

use super::AppState;
use super::error::ApiError;
use super::evaluate::json;

pub async fn handler(State(state): State<AppState>) -> Result<Response, ApiError> {
    let rules = &state.book.base;
    let (single, rounds) = state.free_slots();
    // Reading the ledger blocks (a busy SQLite file waits): off the async threads.
    let s = state.clone();
    let head = tokio::task::spawn_blocking(move || s.ledger_snapshot())
        .await
        .map_err(|_| ApiError::internal())??
        .map(|s| s.head.shown());
    let body = serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "rules_version": rules.policy.version,
        "rules_digest": rules.digest,
        "overlays": rules.overlays,
        "ledger_head": head,
        "free_slots": { "single": single, "rounds": rounds },
    });
    Ok(json(format!("{body}\n")))
}
