//! `calc serve` (SPEC §9), its router called in process (tower's `oneshot`) with the real
//! rules, and the binary on a free port.

use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, Response, StatusCode, header};
use calc::rules::{RuleBook, RuleSources};
use calc::server::{self, Config, Limits, Shared};
use tower::ServiceExt;

fn book() -> RuleBook {
    RuleBook::compile(&RuleSources::embedded()).expect("the embedded rules compile")
}

fn state_with(limits: Limits, token: Option<&str>) -> server::AppState {
    Shared::new(Config {
        book: book(),
        token: token.map(str::to_string),
        ledger: None,
        limits,
        log: None,
    })
    .expect("the server's state")
}

fn app() -> Router {
    server::router(state_with(Limits::default(), None))
}

async fn send(app: &Router, req: Request<Body>) -> (Response<Body>, Bytes) {
    let r = app.clone().oneshot(req).await.expect("an answer");
    let (parts, body) = r.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("the body");
    (Response::from_parts(parts, Body::empty()), bytes)
}

fn post(uri: &str, kind: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, kind)
        .body(body.into())
        .expect("a request")
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("a request")
}

fn json(bytes: &Bytes) -> serde_json::Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))
}

/// A §5 error of `status`: its JSON, checked for the shape every error has.
fn error_of(r: &Response<Body>, body: &Bytes, status: StatusCode) -> serde_json::Value {
    assert_eq!(r.status(), status, "{}", String::from_utf8_lossy(body));
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
    let j = json(body);
    let e = &j["error"];
    assert!(
        e["message_zh"].is_string() && e["message_en"].is_string(),
        "{j}"
    );
    versioned(r);
    j
}

/// Every answer names calc's version and the rules' digest.
fn versioned(r: &Response<Body>) {
    assert_eq!(r.headers()["x-calc-version"], env!("CARGO_PKG_VERSION"));
    let digest = r.headers()["x-calc-rules-digest"].to_str().unwrap();
    assert_eq!(digest, book().base.digest);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
}

/// The `calc` binary with no inherited rules folder, ledger or terminal width, so that its
/// answers are the embedded rules' (as the CLI tests run it).
fn calc_cmd() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("calc").unwrap();
    cmd.env_remove("CALC_RULES")
        .env_remove("CALC_LEDGER")
        .env_remove("COLUMNS");
    cmd
}

fn calc_json(args: &[&str]) -> serde_json::Value {
    let out = calc_cmd().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A TOML value as JSON: a date as its text, as an API client writes it.
fn to_json(v: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => J::from(*f),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            J::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

/// Every case of tests/cases through /api/evaluate, as JSON and as TOML, gives the JSON that
/// `calc FILE --format json --as-of DATE` prints for the same facts (the case's `[case]` and
/// `[expect]` tables taken out, its as_of given).
#[tokio::test]
async fn every_case_through_the_api_gives_the_clis_json() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<_> = std::fs::read_dir("tests/cases")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "{cases:?}");
    for path in &cases {
        let text = std::fs::read_to_string(path).unwrap();
        let mut doc: toml::Table = text.parse().unwrap();
        let case = doc.remove("case").expect("a [case] table");
        doc.remove("expect");
        let as_of = case["as_of"].to_string();
        let facts = dir.path().join(path.file_name().unwrap());
        let facts_toml = toml::to_string(&doc).unwrap();
        std::fs::write(&facts, &facts_toml).unwrap();
        let cli = calc_json(&[
            facts.to_str().unwrap(),
            "--format",
            "json",
            "--as-of",
            &as_of,
        ]);
        let uri = format!("/api/evaluate?as_of={as_of}");
        let body = to_json(&toml::Value::Table(doc)).to_string();
        let (r, b) = send(&app, post(&uri, "application/json", body)).await;
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "{path:?}: {}",
            String::from_utf8_lossy(&b)
        );
        versioned(&r);
        assert_eq!(json(&b), cli, "{path:?} as JSON");
        let (r, b) = send(&app, post(&uri, "application/toml", facts_toml)).await;
        assert_eq!(r.status(), StatusCode::OK, "{path:?}");
        assert_eq!(json(&b), cli, "{path:?} as TOML");
    }
}

/// examples/enterprise.json (the facts of examples/enterprise.toml as JSON) in English with
/// ?lang=en gives what the CLI gives for the TOML file, the README's total 3,932,083.33
/// among it; the file's own [application] date is the as-of date.
#[tokio::test]
async fn the_example_in_english_as_the_cli_gives_it() {
    let app = app();
    let body = std::fs::read("examples/enterprise.json").unwrap();
    let (r, b) = send(
        &app,
        post("/api/evaluate?lang=en", "application/json", body),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let cli = calc_json(&[
        "examples/enterprise.toml",
        "--format",
        "json",
        "--lang",
        "en",
    ]);
    assert_eq!(json(&b), cli);
    assert_eq!(json(&b)["total"], "3932083.33");
}

#[tokio::test]
async fn a_bad_value_is_named_by_its_json_pointer() {
    let app = app();
    let mut facts: serde_json::Value =
        serde_json::from_slice(&std::fs::read("examples/enterprise.json").unwrap()).unwrap();
    facts["compute"][1]["amount"] = serde_json::json!("很多");
    let (r, b) = send(
        &app,
        post("/api/evaluate", "application/json", facts.to_string()),
    )
    .await;
    let j = error_of(&r, &b, StatusCode::BAD_REQUEST);
    assert_eq!(j["error"]["field"], "/compute/1/amount", "{j}");

    let mut facts: serde_json::Value =
        serde_json::from_slice(&std::fs::read("examples/enterprise.json").unwrap()).unwrap();
    facts["applicant"]["registred"] = serde_json::json!(true);
    let (r, b) = send(
        &app,
        post("/api/explain", "application/json", facts.to_string()),
    )
    .await;
    let j = error_of(&r, &b, StatusCode::BAD_REQUEST);
    assert_eq!(j["error"]["field"], "/applicant/registred", "{j}");
    assert!(
        j["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("registered"),
        "{j}"
    );

    // A query parameter is named too.
    let body = std::fs::read("examples/enterprise.json").unwrap();
    let (r, b) = send(
        &app,
        post("/api/evaluate?as_of=2026-02-30", "application/json", body),
    )
    .await;
    let j = error_of(&r, &b, StatusCode::BAD_REQUEST);
    assert_eq!(j["error"]["field"], "as_of", "{j}");
}

#[tokio::test]
async fn explain_gives_every_step_as_the_cli_does() {
    let app = app();
    let body = std::fs::read("examples/enterprise.toml").unwrap();
    let (r, b) = send(&app, post("/api/explain", "application/toml", body)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let cli = calc_json(&["explain", "examples/enterprise.toml", "--format", "json"]);
    assert_eq!(json(&b), cli);
}

#[tokio::test]
async fn too_large_is_413_json() {
    let app = app();
    // 16 MiB is the facts' limit, 64 MiB a round's.
    let facts = vec![b' '; 16 * 1024 * 1024 + 1];
    let (r, b) = send(&app, post("/api/evaluate", "application/toml", facts)).await;
    error_of(&r, &b, StatusCode::PAYLOAD_TOO_LARGE);
    let round = vec![b'a'; 64 * 1024 * 1024 + 1];
    let (r, b) = send(&app, post("/api/batch", "text/csv", round)).await;
    error_of(&r, &b, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn an_unknown_content_type_is_415() {
    let app = app();
    let (r, b) = send(&app, post("/api/evaluate", "text/plain", "name = 1")).await;
    let j = error_of(&r, &b, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        j["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("application/toml")
    );
}

/// A request whose body never comes is answered 408 at its deadline, as JSON.
#[tokio::test]
async fn a_request_past_its_deadline_is_408() {
    let limits = Limits {
        single_timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let app = server::router(state_with(limits, None));
    let never = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
    let req = post(
        "/api/evaluate",
        "application/json",
        Body::from_stream(never),
    );
    let (r, b) = send(&app, req).await;
    error_of(&r, &b, StatusCode::REQUEST_TIMEOUT);
}

/// A round that times out gives its slot back (its cancel flag stops it between phases), so
/// that the next round is served, not refused 503.
#[tokio::test]
async fn a_timed_out_round_gives_its_slot_back() {
    let limits = Limits {
        round_timeout: Duration::from_millis(5),
        ..Limits::default()
    };
    let state = state_with(limits, None);
    let app = server::router(state.clone());
    let one = std::fs::read_to_string("examples/round.csv").unwrap();
    let (head, rows) = one.split_once('\n').unwrap();
    let round = format!("{head}\n{}", rows.repeat(3000));
    let (r, b) = send(&app, post("/api/batch", "text/csv", round)).await;
    error_of(&r, &b, StatusCode::REQUEST_TIMEOUT);
    let mut waited = 0;
    while state.free_slots().1 == 0 {
        assert!(waited < 10_000, "the round's slot was not given back");
        tokio::time::sleep(Duration::from_millis(10)).await;
        waited += 10;
    }
}

/// batch::evaluate stops between its phases once its caller has given up.
#[test]
fn a_cancelled_round_stops_between_phases() {
    use calc::progress::{Count, Progress};
    use std::sync::Mutex;
    struct Stop(Mutex<Vec<&'static str>>);
    impl Progress for Stop {
        fn phase(&self, name: &'static str, _: usize, _: Count) {
            self.0.lock().unwrap().push(name);
        }
        fn inc(&self, _: u64) {}
        fn cancelled(&self) -> bool {
            true
        }
    }
    let book = book();
    let table = calc::sheet::read::Table::from_bytes(
        "round.csv",
        std::fs::read("examples/round.csv").unwrap(),
        calc::sheet::read::Encoding::Auto,
        None,
    )
    .unwrap();
    let opts = calc::batch::Options {
        keep_columns: Vec::new(),
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
        lang: calc::render::Lang::Zh,
    };
    let stop = Stop(Mutex::new(Vec::new()));
    let priors = calc::prior::Gathered::default();
    let Err(e) = calc::batch::evaluate(&book, table, &opts, &priors, &stop) else {
        panic!("a cancelled round went on");
    };
    assert!(e.to_string().contains("cancelled"), "{e}");
    // Read, then stopped: never computed.
    assert_eq!(*stop.0.lock().unwrap(), vec!["读取 reading"]);
}

#[tokio::test]
async fn over_the_bound_a_request_waits_briefly_then_503() {
    let limits = Limits {
        single_slots: 1,
        wait: Duration::from_millis(50),
        ..Limits::default()
    };
    let state = state_with(limits, None);
    let app = server::router(state.clone());
    let body = || std::fs::read("examples/enterprise.toml").unwrap();
    let held = state.hold_single_slots().await.expect("the slots");
    let (r, b) = send(&app, post("/api/evaluate", "application/toml", body())).await;
    error_of(&r, &b, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()[header::RETRY_AFTER], "1");
    drop(held);
    let (r, _) = send(&app, post("/api/evaluate", "application/toml", body())).await;
    assert_eq!(r.status(), StatusCode::OK);
}

/// A panic in a handler is a 500 with the JSON error, and the server goes on.
#[tokio::test]
async fn a_panic_is_500_json_and_the_server_goes_on() {
    let state = state_with(Limits::default(), None);
    let boom = Router::new().route(
        "/boom",
        axum::routing::get(|| async {
            if std::hint::black_box(true) {
                panic!("a bug");
            }
            "never"
        }),
    );
    let app = server::with_extra(boom, state);
    let (r, b) = send(&app, get("/boom")).await;
    error_of(&r, &b, StatusCode::INTERNAL_SERVER_ERROR);
    let (r, _) = send(&app, get("/api/health")).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn errors_of_the_framework_are_json_too() {
    let app = app();
    let (r, b) = send(&app, get("/no/such/path")).await;
    error_of(&r, &b, StatusCode::NOT_FOUND);
    let (r, b) = send(&app, get("/api/evaluate")).await;
    error_of(&r, &b, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.headers().contains_key(header::ALLOW));
    let (r, b) = send(&app, get("/api/rules/13")).await;
    error_of(&r, &b, StatusCode::NOT_FOUND);
    let (r, b) = send(&app, get("/api/rules?lang=fr")).await;
    let j = error_of(&r, &b, StatusCode::BAD_REQUEST);
    assert_eq!(j["error"]["field"], "lang");
}

#[tokio::test]
async fn with_a_token_the_api_needs_it_and_pages_need_the_login_cookie() {
    let app = server::router(state_with(Limits::default(), Some("s3cret")));
    let (r, b) = send(&app, get("/api/health")).await;
    error_of(&r, &b, StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()[header::WWW_AUTHENTICATE], "Bearer");
    let with = |uri: &str, auth: &str| {
        Request::get(uri)
            .header(header::AUTHORIZATION, auth)
            .body(Body::empty())
            .unwrap()
    };
    let (r, b) = send(&app, with("/api/health", "Bearer wrong")).await;
    error_of(&r, &b, StatusCode::UNAUTHORIZED);
    let (r, _) = send(&app, with("/api/health", "Bearer s3cret")).await;
    assert_eq!(r.status(), StatusCode::OK);

    // A page without the cookie: 401 with the login form.
    let (r, b) = send(&app, get("/")).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(String::from_utf8_lossy(&b).contains("name=\"token\""));
    assert!(r.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    let form = |t: &str| {
        post(
            "/login",
            "application/x-www-form-urlencoded",
            format!("token={t}"),
        )
    };
    let (r, _) = send(&app, form("wrong")).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (r, _) = send(&app, form("s3cret")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("s3cret"),
        "the cookie is not the token: {cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_string();
    let with_cookie = |uri: &str| {
        Request::get(uri)
            .header(header::COOKIE, &pair)
            .body(Body::empty())
            .unwrap()
    };
    let (r, _) = send(&app, with_cookie("/round?lang=en")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    // The cookie is for pages, not the API.
    let (r, b) = send(&app, with_cookie("/api/rules")).await;
    error_of(&r, &b, StatusCode::UNAUTHORIZED);
}

/// A round as the body and as a multipart `file` gives `calc batch`'s output; with
/// summary=true a zip of the output and the summary.
#[tokio::test]
async fn a_round_gives_the_clis_output() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    let summary = dir.path().join("summary.csv");
    let status = calc_cmd()
        .args(["batch", "examples/round.csv", "--as-of", "2026-06-30", "-o"])
        .arg(&out)
        .arg("--summary")
        .arg(&summary)
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    let cli = std::fs::read(&out).unwrap();
    let round = std::fs::read("examples/round.csv").unwrap();
    let (r, b) = send(
        &app,
        post("/api/batch?as_of=2026-06-30", "text/csv", round.clone()),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    versioned(&r);
    assert_eq!(&b[..], &cli[..]);
    let rows = std::str::from_utf8(&round).unwrap().lines().count() - 1;
    assert_eq!(r.headers()["x-calc-rows"], rows.to_string().as_str());
    assert_eq!(r.headers()["x-calc-row-errors"], "0");

    let boundary = "XyZ";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"round.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&round);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let kind = format!("multipart/form-data; boundary={boundary}");
    let uri = "/api/batch?as_of=2026-06-30&summary=true";
    let (r, b) = send(&app, post(uri, &kind, body)).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&b)
    );
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/zip");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(b.to_vec())).unwrap();
    let mut read = |name: &str| {
        let mut f = zip.by_name(name).unwrap();
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut v).unwrap();
        v
    };
    assert_eq!(read("output.csv"), cli);
    // The summary differs from the CLI's only in the run's date line, if at all: its totals
    // are the same rows.
    let ours = String::from_utf8(read("summary.csv")).unwrap();
    let theirs = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(ours.lines().count(), theirs.lines().count());
    assert_eq!(ours.lines().last(), theirs.lines().last());
}

/// A row in error is no HTTP error: 200, counted in X-Calc-Row-Errors.
#[tokio::test]
async fn row_errors_are_counted_not_refused() {
    let app = app();
    let round = std::fs::read_to_string("examples/round.csv").unwrap();
    let (head, rows) = round.split_once('\n').unwrap();
    let first = rows.lines().next().unwrap();
    let cells: Vec<&str> = first.split(',').collect();
    // The credit code made one that cannot be one.
    let code_col = head
        .split(',')
        .position(|h| h.contains("信用代码") || h == "credit_code")
        .unwrap();
    let mut bad: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
    bad[code_col] = "not-a-code".into();
    let body = format!("{head}\n{rows}{}\n", bad.join(","));
    let (r, b) = send(&app, post("/api/batch?as_of=2026-06-30", "text/csv", body)).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&b)
    );
    assert_eq!(r.headers()["x-calc-row-errors"], "1");
}

#[tokio::test]
async fn rules_schema_health_and_the_openapi_description() {
    let app = app();
    let (r, b) = send(&app, get("/api/rules")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(json(&b), calc_json(&["rules", "list", "--format", "json"]));
    let (r, b) = send(&app, get("/api/rules/9?lang=en")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let j = json(&b);
    assert_eq!(j["clause"], 9);
    assert!(j["text"].as_str().unwrap().starts_with("Clause 9"), "{j}");
    let (_, b) = send(&app, get("/api/schema")).await;
    let schema = calc_json(&["schema"]);
    assert_eq!(json(&b), schema);
    let (_, b) = send(&app, get("/api/health")).await;
    assert_eq!(json(&b)["rules_digest"], book().base.digest.as_str());
    let (r, b) = send(&app, get("/api/openapi.json")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc = json(&b);
    assert_eq!(doc["openapi"], "3.1.0");
    // The facts in the description are the schema the CLI prints, `null` (unstated) allowed.
    let facts = &doc["components"]["schemas"]["Facts"];
    let sections = schema["properties"].as_object().unwrap();
    assert_eq!(
        facts["properties"].as_object().unwrap().len(),
        sections.len()
    );
    let amount = &facts["properties"]["compute"]["items"]["properties"]["amount"]["anyOf"];
    let cli_amount = &schema["properties"]["compute"]["items"]["properties"]["amount"]["anyOf"];
    assert_eq!(
        amount.as_array().unwrap()[..2],
        cli_amount.as_array().unwrap()[..]
    );
    assert_eq!(amount[2], serde_json::json!({ "type": "null" }));
    // Every route is described, and every described route answers.
    for path in [
        "/api/evaluate",
        "/api/explain",
        "/api/batch",
        "/api/rules",
        "/api/rules/{n}",
        "/api/schema",
        "/api/openapi.json",
        "/api/health",
        "/api/awards",
        "/",
        "/round",
        "/login",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not described");
    }
    for path in doc["paths"].as_object().unwrap().keys() {
        let path = path.replace("{n}", "1");
        let Some(ops) = doc["paths"][path.replace("/1", "/{n}").as_str()]
            .as_object()
            .or(doc["paths"][&path].as_object())
        else {
            continue;
        };
        if ops.contains_key("get") {
            // Its one required parameter (`credit_code`); without a ledger, no awards.
            let path = match path.as_str() {
                "/api/awards" => "/api/awards?credit_code=91330302MA2H00001Y".to_string(),
                _ => path,
            };
            let (r, _) = send(&app, get(&path)).await;
            assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        }
    }
}

/// The print view: `Accept: text/html` gives the decision sheet, the very file `calc explain
/// --format html` writes (one template), with the pages' Content-Security-Policy.
#[tokio::test]
async fn explain_as_html_is_the_clis_decision_sheet() {
    let app = app();
    let body = std::fs::read("examples/enterprise.toml").unwrap();
    let mut req = post("/api/explain", "application/toml", body);
    req.headers_mut()
        .insert(header::ACCEPT, "text/html".parse().unwrap());
    let (r, b) = send(&app, req).await;
    assert_eq!(r.status(), StatusCode::OK);
    versioned(&r);
    let kind = r.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(r.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    let cli = calc_cmd()
        .args(["explain", "examples/enterprise.toml", "--format", "html"])
        .output()
        .unwrap();
    assert!(cli.status.success());
    assert_eq!(
        String::from_utf8_lossy(&b),
        String::from_utf8_lossy(&cli.stdout)
    );
    // 400,000 + 90,000 + 240,000 + 2,000,000 + 150,000 + 900,000 + 152,083.33 (tests/cli/decision.rs)
    assert!(String::from_utf8_lossy(&b).contains("id=\"total\">3,932,083.33<"));
}

/// The binary on a free port: it says where it listens, answers over TCP, and stops on SIGTERM.
#[test]
fn the_binary_serves_on_a_free_port() {
    use std::io::{BufRead, BufReader, Read, Write};
    let bin = assert_cmd::cargo::cargo_bin("calc");
    let mut child = std::process::Command::new(bin)
        .env_remove("CALC_RULES")
        .env_remove("CALC_LEDGER")
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let body = std::fs::read("examples/enterprise.toml").unwrap();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "POST /api/evaluate HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/toml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(&body).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let (_, json_text) = answer.split_once("\r\n\r\n").unwrap();
    let cli = calc_json(&["examples/enterprise.toml", "--format", "json"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(json_text).unwrap(),
        cli
    );
    // The request's log line.
    line.clear();
    err.read_line(&mut line).unwrap();
    assert!(line.starts_with("POST /api/evaluate 200"), "{line:?}");
    // SIGTERM stops it.
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_non_loopback_address_needs_a_token_file() {
    let out = calc_cmd()
        .args(["serve", "--addr", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token-file"));
}

/// The ledger (`--ledger`) as the server reads it: its awards deducted and named (`台账 #N`),
/// the head in `X-Calc-Ledger-Head` and /api/health, an applicant's awards at /api/awards, and
/// a record made meanwhile (here an import by the CLI) seen by the next request.
///
/// examples/enterprise.toml, clause 1 (2026 cap 500,000; its own prior HT-000 100,000):
/// HT-001 1,200,000 × 30% = 360,000 and HT-002 800,000 × 10% = 80,000.
/// - without the ledger: 500,000 − 100,000 = 400,000 left: 360,000 + 40,000 = 400,000.
/// - ledger #1 (HT-009, 50,000): 350,000 left: HT-001 360,000 → 350,000, HT-002 → 0: 350,000;
///   total 3,932,083.33 − 400,000 + 350,000 = 3,882,083.33.
/// - ledger #2 (HT-010, 100,000) too: 250,000 left: HT-001 → 250,000: total 3,782,083.33.
#[tokio::test]
async fn with_a_ledger_the_server_reads_its_awards_and_sees_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = d.join("ledger.db");
    let cli = |args: &[&str]| {
        let out = calc_cmd()
            .current_dir(d)
            .env("CALC_LEDGER", &db)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let import = |name: &str, item: &str, amount: &str| {
        std::fs::write(
            d.join(name),
            format!(
                "统一社会信用代码,单位名称,所属区县,条款,年度,事项编号,已获金额\n\
                 91330302ma2h00001y,温州示例智能科技有限公司,鹿城区,1,2026,{item},{amount}\n"
            ),
        )
        .unwrap();
        cli(&["ledger", "import", name, "--round", "旧账"]);
    };
    cli(&["ledger", "init"]);
    import("p1.csv", "HT-009", "50000");

    let conn = rusqlite::Connection::open(&db).unwrap();
    let store = calc::ledger::store::Store::sqlite(conn).unwrap();
    let view = server::ledger::LedgerView::new(calc::ledger::Ledger::new(store, "ledger.db"));
    let state = Shared::new(Config {
        book: book(),
        token: None,
        ledger: Some(view),
        limits: Limits::default(),
        log: None,
    })
    .unwrap();
    let app = server::router(state);
    let facts = std::fs::read(calc_root().join("examples/enterprise.toml")).unwrap();
    let evaluate = || post("/api/evaluate", "application/toml", facts.clone());

    let (r, body) = send(&app, evaluate()).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let j = json(&body);
    assert_eq!(j["clauses"][0]["amount"], "350000.00", "{j}");
    assert_eq!(j["total"], "3882083.33");
    assert!(body_has(&body, "台账 #1"), "the deduction names its entry");
    let head1 = r.headers()["x-calc-ledger-head"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(head1.starts_with("1 ") && head1.len() == 2 + 64, "{head1}");
    // The CLI with the same ledger gives the same JSON.
    let from_cli: serde_json::Value = serde_json::from_str(&cli(&[
        "--format",
        "json",
        calc_root()
            .join("examples/enterprise.toml")
            .to_str()
            .unwrap(),
    ]))
    .unwrap();
    assert_eq!(j, from_cli);

    // A record made meanwhile is seen by the next request, and the head moves.
    import("p2.csv", "HT-010", "100000");
    let (r, body) = send(&app, evaluate()).await;
    let j = json(&body);
    assert_eq!(j["clauses"][0]["amount"], "250000.00", "{j}");
    assert_eq!(j["total"], "3782083.33");
    let head2 = r.headers()["x-calc-ledger-head"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(head2.starts_with("2 "), "{head2}");
    let verified = cli(&["ledger", "verify", "--expect", &head2.replacen(' ', ":", 1)]);
    assert!(!verified.is_empty());

    // The applicant's awards, found by its code in lower case; health names the head.
    let (r, body) = send(&app, get("/api/awards?credit_code=91330302ma2h00001y")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let a = json(&body);
    let items: Vec<&str> = (a["awards"].as_array().unwrap().iter())
        .map(|e| e["item"].as_str().unwrap())
        .collect();
    assert_eq!(items, ["HT-009", "HT-010"]);
    assert_eq!(a["awards"][1]["amount"], "100000.00");
    assert_eq!(a["awards"][1]["round"], "旧账");
    assert_eq!(a["ledger_head"], format!("台账 #{}", head2));
    let (_, body) = send(&app, get("/api/health")).await;
    assert_eq!(json(&body)["ledger_head"], format!("台账 #{}", head2));
    let (r, body) = send(&app, get("/api/awards")).await;
    error_of(&r, &body, StatusCode::BAD_REQUEST);
}

fn calc_root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn body_has(body: &Bytes, text: &str) -> bool {
    String::from_utf8_lossy(body).contains(text)
}
