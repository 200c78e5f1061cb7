//! `GET /api/awards?credit_code=C`: an applicant's live awards in the ledger, for the official's
//! page (SPEC §9: with a ledger the page shows the applicant's earlier awards, ID numbers
//! masked). Without a ledger the list is empty and the head is null. It runs on the blocking
//! pool like an evaluation, since it may read the ledger.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use super::evaluate::json as answer;
use super::work::{self, Kind};
use crate::ledger::{Entry, fen_text, masked};

#[derive(serde::Deserialize, Default)]
pub struct Params {
    credit_code: Option<String>,
}

pub async fn handler(
    State(state): State<AppState>,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(ApiError::bad_query)?;
    let code = p.credit_code.unwrap_or_default().trim().to_string();
    if code.is_empty() {
        return Err(ApiError::field(
            "credit_code",
            crate::text!(
                "请给出 credit_code (统一社会信用代码或公民身份号码)",
                "give credit_code (the credit code or ID number)"
            ),
        ));
    }
    let s = state.clone();
    let body = work::run(&state, Kind::Single, move || {
        let snapshot = s.ledger_snapshot()?;
        let awards: Vec<Value> = match &snapshot {
            Some(snap) => snap.of(&code).iter().map(shown).collect(),
            None => Vec::new(),
        };
        let head = snapshot.map(|s| s.head.shown());
        Ok(json!({ "ledger_head": head, "awards": awards }))
    })
    .await?;
    Ok(answer(format!("{body}\n")))
}

/// An entry as the page shows it: what was paid, for what, when, and by which round; the
/// applicant's number masked when it is a person's.
fn shown(e: &Entry) -> Value {
    json!({
        "seq": e.seq,
        "credit_code": masked(&e.credit_code),
        "name": e.name,
        "district": e.district,
        "clause": e.clause,
        "item": e.item_text,
        "subject": e.subject,
        "title": e.title,
        "year": e.year,
        "start": e.period_start,
        "end": e.period_end,
        "amount": fen_text(e.amount_fen),
        "round": e.round,
        "as_of": e.as_of,
    })
}
