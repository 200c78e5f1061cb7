//! `POST /api/explain`: every step of one applicant's evaluation as JSON (`calc explain
//! --format json`), or, with `Accept: text/html`, the decision sheet (核定表).

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::ApiError;
use super::evaluate::{Evaluated, Params, check, evaluated, json, written};
use super::work::{self, Kind};
use crate::render::{Lang, explain};

pub async fn handler(
    State(state): State<AppState>,
    params: Result<Query<Params>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let q = check(params)?;
    let written = written(&headers)?;
    let html = wants_html(&headers);
    let s = state.clone();
    let answer = work::run(&state, Kind::Single, move || {
        let e = evaluated(&s, written, &body, q.as_of)?;
        let rules = e.facts.rules(&s.book);
        match html {
            true => decision_sheet(&s, &e, q.lang).map(Answer::Html),
            false => {
                let j = explain::to_json(&e.outcome, &e.facts, rules, q.lang, None);
                let mut text = serde_json::to_string_pretty(&j).unwrap_or_default();
                text.push('\n');
                Ok(Answer::Json(text))
            }
        }
    })
    .await?;
    Ok(match answer {
        Answer::Json(text) => json(text),
        Answer::Html(page) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ),
                (
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(super::login::CSP),
                ),
            ],
            page,
        )
            .into_response(),
    })
}

enum Answer {
    Json(String),
    Html(String),
}

/// Whether the client asks for HTML (`Accept: text/html`) before JSON.
fn wants_html(headers: &HeaderMap) -> bool {
    let accept = (headers.get(header::ACCEPT))
        .and_then(|a| a.to_str().ok())
        .unwrap_or_default();
    let html = accept.find("text/html");
    let json = accept.find("application/json");
    match (html, json) {
        (Some(h), Some(j)) => h < j,
        (Some(_), None) => true,
        _ => false,
    }
}

/// The decision sheet of an evaluation: `calc::render::decision::html`, the template
/// `calc explain --format html` uses, under the applicant's own rules, naming the ledger's head
/// the figures were computed against when there is a ledger.
fn decision_sheet(state: &AppState, e: &Evaluated, lang: Lang) -> Result<String, ApiError> {
    let rules = e.facts.rules(&state.book);
    Ok(crate::render::decision::html(
        &e.outcome,
        &e.facts,
        rules,
        lang,
        e.ledger_head
            .as_ref()
            .map(crate::ledger::Head::shown)
            .as_deref(),
    ))
}
