//! The token (SPEC §9): with `--token-file`, every API request carries `Authorization: Bearer
//! <token>`, else 401; `/login` (open) takes the token and sets an HttpOnly, SameSite=Strict
//! cookie that the pages (not the API) accept; a page asked for without it answers 401 with
//! the login form. And the page routes, which call the pages module.

use axum::Form;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::ApiError;
use super::pages;
use crate::render::Lang;

/// The pages' Content-Security-Policy: nothing from another host, no inline script.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const COOKIE: &str = "calc_session";

/// The cookie's value for a token: a digest of it, so that the cookie is not the token.
fn session(token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"calc-session-v1\0");
    h.update(token.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Equal in a time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

fn bearer_ok(headers: &HeaderMap, token: &str) -> bool {
    (headers.get(header::AUTHORIZATION))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| same(given.trim().as_bytes(), token.as_bytes()))
}

fn cookie_ok(headers: &HeaderMap, token: &str) -> bool {
    let want = session(token);
    (headers.get_all(header::COOKIE).iter())
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .any(|(k, v)| k == COOKIE && same(v.as_bytes(), want.as_bytes()))
}

/// The language a page asked for (`?lang=en`), Chinese else.
#[derive(serde::Deserialize, Default)]
pub struct PageParams {
    lang: Option<String>,
}

fn page_lang(query: &str) -> Lang {
    match query.split('&').any(|kv| kv == "lang=en") {
        true => Lang::En,
        false => Lang::Zh,
    }
}

/// Checks the token where one is set: the API by its Bearer header, the pages by the cookie;
/// `/login` and `/assets/` are open.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(token) = &state.token else {
        return next.run(req).await;
    };
    let path = req.uri().path();
    if path.starts_with("/api/") || path == "/api" {
        if bearer_ok(req.headers(), token) {
            return next.run(req).await;
        }
        let mut r = ApiError::unauthorized().into_response();
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return r;
    }
    if path == "/login" || path.starts_with("/assets/") || cookie_ok(req.headers(), token) {
        return next.run(req).await;
    }
    let lang = page_lang(req.uri().query().unwrap_or_default());
    html(StatusCode::UNAUTHORIZED, pages::login(lang))
}

/// A page: HTML with the CSP.
pub fn html(status: StatusCode, page: String) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            ),
        ],
        page,
    )
        .into_response()
}

pub async fn official(Query(p): Query<PageParams>) -> Response {
    html(StatusCode::OK, pages::official(lang_of(&p)))
}

pub async fn round(Query(p): Query<PageParams>) -> Response {
    html(StatusCode::OK, pages::round(lang_of(&p)))
}

pub async fn form(Query(p): Query<PageParams>) -> Response {
    html(StatusCode::OK, pages::login(lang_of(&p)))
}

fn lang_of(p: &PageParams) -> Lang {
    match p.lang.as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    }
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    token: String,
}

/// `POST /login` (a form with `token`): the right token sets the cookie and goes to `/`; any
/// other answers 401 with the form again.
pub async fn login(
    State(state): State<AppState>,
    Query(p): Query<PageParams>,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = lang_of(&p);
    let Ok(Form(LoginForm { token: given })) = form else {
        return ApiError::field(
            "token",
            crate::text!(
                "请以表单 (application/x-www-form-urlencoded) 提交 token",
                "post the form (application/x-www-form-urlencoded) with `token`"
            ),
        )
        .into_response();
    };
    let cookie = match &state.token {
        None => None,
        Some(token) if same(given.trim().as_bytes(), token.as_bytes()) => Some(session(token)),
        Some(_) => return html(StatusCode::UNAUTHORIZED, pages::login(lang)),
    };
    let home = match lang {
        Lang::En => "/?lang=en",
        Lang::Zh => "/",
    };
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, home)]).into_response();
    if let Some(c) = cookie {
        let c = format!("{COOKIE}={c}; HttpOnly; SameSite=Strict; Path=/");
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    r
}

/// An embedded asset, by its path under `/assets/`.
pub async fn asset(Path(path): Path<String>) -> Response {
    match pages::asset(&path) {
        Some((kind, bytes)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
                (
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(CSP),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=3600"),
                ),
            ],
            bytes,
        )
            .into_response(),
        None => ApiError::not_found().into_response(),
    }
}
