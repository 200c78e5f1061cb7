//! `calc serve` (SPEC §9): the official's pages, the decision sheet and a JSON API, a thin
//! layer over the library calls the CLI makes (`Facts::from_json`/`from_toml`,
//! `calc::evaluate_with`, `batch::evaluate`, the renderers of `render`). The library prints
//! nothing: the shell (src/cli/serve.rs) gives a `log` for the request lines, and owns the
//! address, the token file and the exit.
//!
//! One file per route or group of routes; `error` makes every error the §5 JSON error; `work`
//! bounds the work in flight and the time a request may take.

mod awards;
mod batch;
pub mod error;
mod evaluate;
mod explain;
mod health;
pub mod ledger;
mod login;
mod openapi;
pub mod pages;
mod rules;
mod schema;
mod work;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::prior::{FactsPriors, Gathered, PriorSource};
use crate::rules::RuleBook;
use error::ApiError;

/// A line of the request log (method, path, status, time), for the shell to write.
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// What `calc serve` was told.
pub struct Config {
    /// The rules in effect (`--rules`, `--overlay`), compiled.
    pub book: RuleBook,
    /// The token every API request must carry (`--token-file`), when there is one.
    pub token: Option<String>,
    /// The ledger (`--ledger`), opened by the shell: read for priors and quota places, never
    /// written.
    pub ledger: Option<ledger::LedgerView>,
    pub limits: Limits,
    /// Where a line per request goes (the shell: standard error); none, nowhere.
    pub log: Option<Log>,
}

/// The bounds of SPEC §9.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Request bodies: an applicant's facts, and a round.
    pub facts_bytes: usize,
    pub round_bytes: usize,
    pub single_timeout: Duration,
    pub round_timeout: Duration,
    /// Single evaluations and rounds in flight at once.
    pub single_slots: usize,
    pub round_slots: usize,
    /// How long a request over the bound waits for a slot before its 503.
    pub wait: Duration,
    /// The threads a round computes on: one fewer than the machine's, so that single
    /// evaluations always have a core.
    pub round_threads: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Limits {
            facts_bytes: crate::facts::MAX_FACTS_BYTES as usize,
            round_bytes: 64 * 1024 * 1024,
            single_timeout: Duration::from_secs(30),
            round_timeout: Duration::from_secs(600),
            single_slots: 4 * cores,
            round_slots: 1,
            wait: Duration::from_secs(1),
            round_threads: cores.saturating_sub(1).max(1),
        }
    }
}

/// Everything a request may use, shared.
pub struct Shared {
    pub book: RuleBook,
    pub token: Option<String>,
    pub ledger: Option<ledger::LedgerView>,
    pub limits: Limits,
    log: Option<Log>,
    single: Arc<Semaphore>,
    rounds: Arc<Semaphore>,
    round_pool: Arc<rayon::ThreadPool>,
    /// Built once at start-up from the rules in effect.
    openapi: String,
    schema: String,
}

pub type AppState = Arc<Shared>;

/// The earlier awards a request computes against, and the ledger's head they were read at
/// (none without a ledger).
pub struct Priors {
    pub gathered: Gathered,
    pub head: Option<crate::ledger::Head>,
}

impl Shared {
    pub fn new(config: Config) -> std::io::Result<AppState> {
        let Config {
            book,
            token,
            ledger,
            limits,
            log,
        } = config;
        let round_pool = rayon::ThreadPoolBuilder::new()
            .num_threads(limits.round_threads)
            .thread_name(|i| format!("calc-round-{i}"))
            .build()
            .map_err(std::io::Error::other)?;
        let openapi = openapi::document(&book.base, token.is_some()).to_string();
        let schema = crate::template::schema_text(&book.base);
        Ok(Arc::new(Shared {
            single: Arc::new(Semaphore::new(limits.single_slots.max(1))),
            rounds: Arc::new(Semaphore::new(limits.round_slots.max(1))),
            round_pool: Arc::new(round_pool),
            book,
            token,
            ledger,
            limits,
            log,
            openapi,
            schema,
        }))
    }

    /// The slots free for single evaluations and for rounds (for tests and health).
    pub fn free_slots(&self) -> (usize, usize) {
        (
            self.single.available_permits(),
            self.rounds.available_permits(),
        )
    }

    /// Takes every single-evaluation slot until the permit is dropped (tests of the 503).
    pub async fn hold_single_slots(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let n = u32::try_from(self.limits.single_slots.max(1)).ok()?;
        self.single.clone().acquire_many_owned(n).await.ok()
    }

    /// The earlier awards of every source, by the one gathering the CLI uses
    /// (`prior::gather`): the facts' own `[[prior]]` tables, and the ledger's live awards when
    /// there is a ledger (for one applicant, `code`, only what its evaluation needs: see
    /// `ledger`), with the head they were read at.
    pub fn gather(
        &self,
        own: Option<&crate::Facts>,
        code: Option<&str>,
    ) -> Result<Priors, ApiError> {
        let own = own.map(FactsPriors);
        let mut sources: Vec<&dyn PriorSource> = Vec::new();
        if let Some(o) = &own {
            sources.push(o);
        }
        let snapshot = self.ledger_snapshot()?;
        let from_ledger = snapshot.as_ref().map(|s| match code {
            Some(code) => s.priors_for(code),
            None => s.all(),
        });
        if let Some(p) = &from_ledger {
            sources.push(p);
        }
        Ok(Priors {
            gathered: crate::prior::gather(&self.book, &sources)?,
            head: snapshot.map(|s| s.head.clone()),
        })
    }

    /// The ledger at its current head, when there is one; a ledger that cannot be read is the
    /// server's trouble, not the request's: 503.
    pub fn ledger_snapshot(&self) -> Result<Option<Arc<ledger::Snapshot>>, ApiError> {
        let Some(view) = &self.ledger else {
            return Ok(None);
        };
        view.current(&self.book).map(Some).map_err(|e| {
            let mut answer = ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                crate::text!("台账暂不可读: {}", e.message.zh; "the ledger cannot be read now: {}", e.message.en),
            );
            answer.retry_after = Some(5);
            answer
        })
    }
}

/// The API routes and the pages, as the server serves them.
fn routes(limits: &Limits) -> Router<AppState> {
    let facts = DefaultBodyLimit::max(limits.facts_bytes);
    let round = DefaultBodyLimit::max(limits.round_bytes);
    Router::new()
        .route("/api/evaluate", post(evaluate::handler).layer(facts))
        .route("/api/explain", post(explain::handler).layer(facts))
        .route("/api/batch", post(batch::handler).layer(round))
        .route("/api/rules", get(rules::list))
        .route("/api/rules/{n}", get(rules::show))
        .route("/api/schema", get(schema::handler))
        .route("/api/openapi.json", get(openapi::handler))
        .route("/api/health", get(health::handler))
        .route("/api/awards", get(awards::handler))
        .route("/", get(login::official))
        .route("/round", get(login::round))
        .route("/login", get(login::form).post(login::login))
        .route("/assets/{*path}", get(login::asset))
}

/// The server: its routes with every layer around them.
pub fn router(state: AppState) -> Router {
    with_extra(Router::new(), state)
}

/// The routes and `extra` (a test's own route, one that panics) inside the server's layers:
/// from the outside in, the version headers, the request log, errors made JSON, a panic made a
/// 500, the deadline, and the token.
pub fn with_extra(extra: Router<AppState>, state: AppState) -> Router {
    let routes = routes(&state.limits).merge(extra);
    let version = HeaderValue::from_static(env!("CARGO_PKG_VERSION"));
    let digest =
        HeaderValue::from_str(&state.book.base.digest).unwrap_or(HeaderValue::from_static(""));
    routes
        // Only on a route that matched: a wrong path or method is 404 or 405 before the token.
        .route_layer(middleware::from_fn_with_state(state.clone(), login::guard))
        .fallback(|| async { ApiError::not_found() })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            work::deadline,
        ))
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| ApiError::internal().into_response(),
        ))
        .layer(middleware::from_fn(error::as_json))
        .layer(middleware::from_fn_with_state(state.clone(), log))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-calc-version"),
            version,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-calc-rules-digest"),
            digest,
        ))
        .with_state(state)
}

/// A line per request: method, path, status, milliseconds.
async fn log(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(log) = state.log.clone() else {
        return next.run(req).await;
    };
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let t0 = Instant::now();
    let r = next.run(req).await;
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    log(&format!(
        "{method} {path} {} {ms:.1} ms",
        r.status().as_u16()
    ));
    r
}

/// Serves `config` on `addr` until Ctrl-C or SIGTERM; `listening` is told the address bound
/// (port 0 gives a free port), before the first request is taken.
pub fn run(
    config: Config,
    addr: SocketAddr,
    listening: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        listening(listener.local_addr()?);
        let app = router(Shared::new(config)?);
        axum::serve(listener, app)
            .with_graceful_shutdown(stopped())
            .await
    })
}

/// Ctrl-C, or SIGTERM on Unix.
async fn stopped() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
