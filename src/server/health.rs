//! `GET /api/health`: the versions, the rules digest, the ledger's head (none without one), and
//! the slots free.

use axum::extract::State;
use axum::response::Response;

use super::AppState;
use super::evaluate::json;

pub async fn handler(State(state): State<AppState>) -> Response {
    let rules = &state.book.base;
    let (single, rounds) = state.free_slots();
    let body = serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "rules_version": rules.policy.version,
        "rules_digest": rules.digest,
        "overlays": rules.overlays,
        "ledger_head": serde_json::Value::Null,
        "free_slots": { "single": single, "rounds": rounds },
    });
    json(format!("{body}\n"))
}
