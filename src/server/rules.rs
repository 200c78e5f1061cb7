//! `GET /api/rules` (`calc rules list --format json`) and `GET /api/rules/{n}` (that clause's
//! line of the list, with the text `calc rules show N` prints). `?lang=zh|en`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::AppState;
use super::error::ApiError;
use super::evaluate::{json, lang};
use crate::render::rules::{list_json, show as show_text};

#[derive(serde::Deserialize, Default)]
pub struct Params {
    lang: Option<String>,
}

fn params(
    p: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<crate::render::Lang, ApiError> {
    let Query(p) = p.map_err(ApiError::bad_query)?;
    lang(p.lang.as_deref())
}

pub async fn list(
    State(state): State<AppState>,
    p: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    Ok(json(list_json(&state.book.base, params(p)?)))
}

pub async fn show(
    State(state): State<AppState>,
    Path(n): Path<String>,
    p: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let lang = params(p)?;
    let rules = &state.book.base;
    let not_found = || {
        let known: Vec<String> = rules.clauses.iter().map(|c| c.number.to_string()).collect();
        let known = known.join(", ");
        ApiError::new(
            StatusCode::NOT_FOUND,
            crate::text!(
                "没有条款 `{n}`，应为: {known}",
                "no clause `{n}`; expected one of: {known}"
            ),
        )
    };
    let Ok(number) = n.parse::<u32>() else {
        return Err(not_found());
    };
    let text = show_text(rules, number, lang).map_err(|e| {
        let mut e = ApiError::from(e);
        e.status = StatusCode::NOT_FOUND;
        e
    })?;
    let list: serde_json::Value = serde_json::from_str(&list_json(rules, lang)).unwrap_or_default();
    let mut line = (list["clauses"].as_array().into_iter().flatten())
        .find(|c| c["clause"].as_u64() == Some(u64::from(number)))
        .cloned()
        .ok_or_else(not_found)?;
    line["rules_digest"] = list["rules_digest"].clone();
    line["rules_version"] = list["rules_version"].clone();
    line["text"] = serde_json::Value::String(text);
    let mut out = serde_json::to_string_pretty(&line).unwrap_or_default();
    out.push('\n');
    Ok(json(out))
}
