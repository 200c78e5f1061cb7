//! Every error the server answers is the SPEC §5 JSON error with the status of SPEC §9; the
//! answers axum and tower-http make themselves (a 413 in text, an empty 405 or 408) are turned
//! into it here, in one place.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{Error, ErrorKind, json_error};
use crate::text::Text;

/// An answer in error: its status, its §5 JSON body, and a `Retry-After` for a 503.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: serde_json::Value,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: Text) -> ApiError {
        ApiError {
            status,
            body: json_error(&message, &[]),
            retry_after: None,
        }
    }

    /// A bad request about one field (a query parameter, a form field).
    pub fn field(field: &str, message: Text) -> ApiError {
        let e = crate::error::InputError::new("request", message).field(field);
        ApiError::new(StatusCode::BAD_REQUEST, Text::default()).with_body(&Error::Input(e))
    }

    fn with_body(mut self, e: &Error) -> ApiError {
        self.body = e.json();
        self
    }

    /// A query string that does not parse (`?as_of=…&lang=…`).
    pub fn bad_query(e: axum::extract::rejection::QueryRejection) -> ApiError {
        ApiError::field(
            "",
            crate::text!("查询参数有误: {e}", "a bad query parameter: {e}"),
        )
    }

    /// The server is busy: try again after `seconds`.
    pub fn busy(seconds: u64) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            crate::text!(
                "服务器繁忙，请 {seconds} 秒后重试",
                "the server is busy: try again in {seconds} s"
            ),
        );
        e.retry_after = Some(seconds);
        e
    }

    pub fn timeout(limit: std::time::Duration) -> ApiError {
        let s = limit.as_secs_f64();
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            crate::text!(
                "请求超时 (上限 {s} 秒)",
                "the request took too long (the limit is {s} s)"
            ),
        )
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            crate::text!(
                "服务器内部错误 (已记录；服务继续运行)",
                "an internal error (logged; the server goes on)"
            ),
        )
    }

    pub fn not_found() -> ApiError {
        of_status(StatusCode::NOT_FOUND)
    }

    pub fn unauthorized() -> ApiError {
        of_status(StatusCode::UNAUTHORIZED)
    }
}

/// A library error with its status: 413 for an input past a limit, 400 for any other bad
/// input, 500 for what the request did not cause.
impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let status = match e.kind() {
            ErrorKind::BadInput => StatusCode::BAD_REQUEST,
            ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::BadRules | ErrorKind::Write => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, Text::default()).with_body(&e)
    }
}

impl From<crate::error::InputError> for ApiError {
    fn from(e: crate::error::InputError) -> ApiError {
        Error::Input(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (
            self.status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(JSON))],
            format!("{}\n", self.body),
        )
            .into_response();
        if let Some(s) = self.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}

pub const JSON: &str = "application/json";

/// The error of a status, said in words, for the answers no handler wrote.
pub fn of_status(status: StatusCode) -> ApiError {
    let message = match status {
        StatusCode::NOT_FOUND => crate::text!(
            "没有这个地址 (API 见 /api/openapi.json)",
            "no such path (the API is described at /api/openapi.json)"
        ),
        StatusCode::METHOD_NOT_ALLOWED => crate::text!(
            "此地址不接受该请求方法 (见 Allow)",
            "this path does not take that method (see Allow)"
        ),
        StatusCode::PAYLOAD_TOO_LARGE => crate::text!(
            "请求体过大 (申报事实上限 16 MiB，一轮申报上限 64 MiB)",
            "the request body is too large (16 MiB for facts, 64 MiB for a round)"
        ),
        StatusCode::REQUEST_TIMEOUT => crate::text!("请求超时", "the request took too long"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            crate::text!("不支持的内容类型", "an unsupported content type")
        }
        StatusCode::UNAUTHORIZED => crate::text!(
            "需要令牌: Authorization: Bearer <令牌>",
            "a token is needed: Authorization: Bearer <token>"
        ),
        StatusCode::NOT_ACCEPTABLE => crate::text!(
            "无法以所要求的类型 (Accept) 答复",
            "cannot answer in the type asked for (Accept)"
        ),
        s if s.is_server_error() => return ApiError::internal(),
        s => {
            let reason = s.canonical_reason().unwrap_or("error");
            crate::text!("请求有误 ({s})", "a bad request ({s} {reason})")
        }
    };
    ApiError::new(status, message)
}

/// Any answer in error that is not JSON (nor a page) made the §5 JSON error of its status,
/// its other headers (`Allow`, `Retry-After`, `WWW-Authenticate`) kept.
pub async fn as_json(req: Request, next: Next) -> Response {
    let r = next.run(req).await;
    let status = r.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return r;
    }
    let kind = r.headers().get(header::CONTENT_TYPE);
    let keep = kind
        .and_then(|k| k.to_str().ok())
        .is_some_and(|k| k.starts_with(JSON) || k.starts_with("text/html"));
    if keep {
        return r;
    }
    let (mut parts, _) = r.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = format!("{}\n", of_status(status).body);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    Response::from_parts(parts, Body::from(body))
}
