//! `POST /api/evaluate`: one applicant's facts (JSON with the keys of SPEC §3, or TOML with
//! `Content-Type: application/toml`; `?as_of=&lang=`) answered with the §5 JSON that
//! `calc FILE --format json` prints, by the same calls.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use super::AppState;
use super::error::{ApiError, JSON};
use super::work::{self, Kind};
use crate::facts::Facts;
use crate::outcome::Outcome;
use crate::render::Lang;
use crate::rules::RuleSet;

/// `?as_of=YYYY-MM-DD&lang=zh|en`.
#[derive(serde::Deserialize, Default)]
pub struct Params {
    as_of: Option<String>,
    lang: Option<String>,
}

/// The query checked: its date parsed as the CLI's `--as-of` is, its language.
pub struct Checked {
    pub as_of: Option<NaiveDate>,
    pub lang: Lang,
}

pub fn check(params: Result<Query<Params>, QueryRejection>) -> Result<Checked, ApiError> {
    let Query(p) = params.map_err(ApiError::bad_query)?;
    let as_of = match &p.as_of {
        Some(t) => Some(crate::facts::date(t).map_err(|m| ApiError::field("as_of", m))?),
        None => None,
    };
    Ok(Checked {
        as_of,
        lang: lang(p.lang.as_deref())?,
    })
}

/// `lang=zh|en`, Chinese when not given.
pub fn lang(given: Option<&str>) -> Result<Lang, ApiError> {
    match given {
        None | Some("zh") => Ok(Lang::Zh),
        Some("en") => Ok(Lang::En),
        Some(other) => Err(ApiError::field(
            "lang",
            crate::text!(
                "应为 zh 或 en，而不是 `{other}`",
                "expected zh or en, not `{other}`"
            ),
        )),
    }
}

/// How the facts are written, from the request's `Content-Type`.
#[derive(Clone, Copy)]
pub enum Written {
    Json,
    Toml,
}

pub fn written(headers: &HeaderMap) -> Result<Written, ApiError> {
    let kind = (headers.get(header::CONTENT_TYPE))
        .and_then(|k| k.to_str().ok())
        .unwrap_or_default();
    let essence = kind.split(';').next().unwrap_or_default().trim();
    match essence.to_ascii_lowercase().as_str() {
        "application/json" => Ok(Written::Json),
        "application/toml" | "text/toml" | "text/x-toml" => Ok(Written::Toml),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            crate::text!(
                "不支持的内容类型 `{kind}`: 申报事实请以 application/json 或 application/toml 发送",
                "an unsupported content type `{kind}`: send the facts as application/json or application/toml"
            ),
        )),
    }
}

/// What the request shows as its file in messages.
pub const SHOWN: &str = "request";

/// An applicant evaluated as `calc FILE` does: its facts parsed, its district's rules, its
/// priors gathered by the one gathering, its as-of date (the query's, else the facts', else
/// today).
pub struct Evaluated {
    pub facts: Facts,
    pub outcome: Outcome,
    /// The ledger's head the priors were read at, when there is a ledger.
    pub ledger_head: Option<crate::ledger::Head>,
}

pub fn evaluated(
    state: &AppState,
    written: Written,
    body: &[u8],
    as_of: Option<NaiveDate>,
) -> Result<Evaluated, ApiError> {
    let base = &state.book.base;
    if body.len() > state.limits.facts_bytes {
        return Err(crate::facts::too_large(SHOWN, body.len() as u64).into());
    }
    let facts = match written {
        Written::Json => {
            let text = std::str::from_utf8(body).map_err(|_| {
                ApiError::field(
                    "",
                    crate::text!("请求体不是 UTF-8", "the body is not UTF-8"),
                )
            })?;
            Facts::from_json(base, SHOWN, text)?
        }
        Written::Toml => Facts::from_bytes(base, SHOWN, body.to_vec())?,
    };
    let rules = facts.rules(&state.book);
    let code = code_of(rules, &facts);
    let priors = state.gather(Some(&facts), Some(&code))?;
    let today = chrono::Local::now().date_naive();
    let as_of = facts.as_of_or(rules, as_of, today);
    let outcome = crate::evaluate_with(rules, &facts, priors.gathered.of(&code), as_of)?;
    Ok(Evaluated {
        facts,
        outcome,
        ledger_head: priors.head,
    })
}

/// The applicant's credit code, as the priors are gathered under it.
fn code_of(rules: &RuleSet, facts: &Facts) -> String {
    let r = &rules.roles;
    (facts.single(r.applicant))
        .and_then(|a| a.text(r.credit_code))
        .unwrap_or_default()
        .to_string()
}

pub async fn handler(
    State(state): State<AppState>,
    params: Result<Query<Params>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let q = check(params)?;
    let written = written(&headers)?;
    let s = state.clone();
    let (text, head) = work::run(&state, Kind::Single, move || {
        let e = evaluated(&s, written, &body, q.as_of)?;
        let rules = e.facts.rules(&s.book);
        let text = crate::render::json::render(&e.outcome, rules, q.lang);
        Ok((text, e.ledger_head))
    })
    .await?;
    Ok((super::ledger::head_header(head.as_ref()), json(text)).into_response())
}

/// A JSON answer.
pub fn json(text: String) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(JSON))],
        text,
    )
        .into_response()
}
