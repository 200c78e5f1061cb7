//! `GET /api/openapi.json`: an OpenAPI 3.1 description of every route, built at start-up from
//! the facts schema of the rules in effect (`template::schema`, what `calc schema` prints) and
//! the vocabulary of the answers, so that it cannot drift from them; schemathesis checks the
//! running server against it (scripts/schemathesis.sh).

use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

use super::AppState;
use super::evaluate::json as json_answer;
use crate::rules::RuleSet;

pub async fn handler(State(state): State<AppState>) -> Response {
    json_answer(state.openapi.clone())
}

/// The headers every answer carries.
fn headers() -> Value {
    let text = json!({ "schema": { "type": "string" } });
    json!({
        "X-Calc-Version": { "description": "calc 的版本 / calc's version", "required": true, "schema": { "type": "string" } },
        "X-Calc-Rules-Digest": { "description": "生效规则的 sha256 / the sha256 of the rules in effect", "required": true, "schema": { "type": "string", "pattern": "^[0-9a-f]{64}$" } },
        "X-Content-Type-Options": text,
    })
}

/// An answer of `status` in JSON of `schema`.
fn answer(description: &str, schema: Value) -> Value {
    json!({
        "description": description,
        "headers": headers(),
        "content": { "application/json": { "schema": schema } },
    })
}

fn error(description: &str) -> Value {
    answer(description, json!({ "$ref": "#/components/schemas/Error" }))
}

/// The errors any route may answer.
fn errors(responses: &mut serde_json::Map<String, Value>, token: bool) {
    responses.insert("404".into(), error("没有这个地址 / no such path"));
    responses.insert("405".into(), error("方法不允许 / method not allowed"));
    responses.insert("408".into(), error("超时 / the request timed out"));
    responses.insert("500".into(), error("内部错误 / an internal error"));
    if token {
        responses.insert(
            "401".into(),
            error("缺少或错误的令牌 / no token, or a wrong one"),
        );
    }
}

fn query(name: &str, schema: Value, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": schema, "description": description })
}

fn operation(
    summary: &str,
    parameters: Vec<Value>,
    body: Option<Value>,
    mut responses: serde_json::Map<String, Value>,
    token: bool,
) -> Value {
    errors(&mut responses, token);
    let mut op = json!({ "summary": summary, "parameters": parameters, "responses": responses });
    if let Some(b) = body {
        op["requestBody"] = b;
    }
    op
}

fn html(description: &str) -> Value {
    json!({
        "description": description,
        "headers": headers(),
        "content": { "text/html": { "schema": { "type": "string" } } },
    })
}

/// The document, for the rules in effect; with a token, every API route says it needs it.
pub fn document(rules: &RuleSet, token: bool) -> Value {
    let facts = facts_schema(rules);
    let as_of = query(
        "as_of",
        json!({ "type": "string", "format": "date" }),
        "计算基准日 / the as-of date (default: [application] date, else today)",
    );
    let lang = query(
        "lang",
        json!({ "type": "string", "enum": ["zh", "en"] }),
        "语言 / language of labels and reasons",
    );
    let facts_body = json!({
        "required": true,
        "content": {
            "application/json": { "schema": { "$ref": "#/components/schemas/Facts" } },
            "application/toml": { "schema": { "type": "string" } },
        },
    });
    let single = |ok: Value| {
        let mut r = serde_json::Map::new();
        r.insert("200".into(), ok);
        r.insert(
            "400".into(),
            error("输入有误 (field 为 JSON Pointer) / bad input (`field` is the JSON Pointer)"),
        );
        r.insert(
            "413".into(),
            error("请求体超过 16 MiB / the body is over 16 MiB"),
        );
        r.insert(
            "415".into(),
            error("内容类型不支持 / an unsupported content type"),
        );
        r.insert("503".into(), busy());
        r
    };
    let evaluate = operation(
        "一个申报单位的计算结果 (calc FILE --format json) / one applicant's awards",
        vec![as_of.clone(), lang.clone()],
        Some(facts_body.clone()),
        single(answer(
            "计算结果 / the awards",
            json!({ "$ref": "#/components/schemas/Report" }),
        )),
        token,
    );
    let mut explain_ok = answer("逐步说明 / every step", json!({ "type": "object" }));
    explain_ok["content"]["text/html"] = json!({ "schema": { "type": "string" } });
    let mut explain_responses = single(explain_ok);
    explain_responses.insert(
        "406".into(),
        error("无法以所要求的类型答复 / cannot answer in the type asked for"),
    );
    let explain = operation(
        "逐步说明，或核定表 (Accept: text/html) / every step, or the decision sheet",
        vec![as_of.clone(), lang.clone()],
        Some(facts_body),
        explain_responses,
        token,
    );
    let mut batch_content = serde_json::Map::new();
    for t in super::batch::SHEETS {
        batch_content.insert(
            t.into(),
            json!({ "schema": { "type": "string", "format": "binary" } }),
        );
    }
    batch_content.insert(
        "multipart/form-data".into(),
        json!({ "schema": { "type": "object", "required": ["file"], "properties": { "file": { "type": "string", "format": "binary" } } } }),
    );
    let mut file_headers = headers();
    file_headers["X-Calc-Rows"] =
        json!({ "required": true, "schema": { "type": "string", "pattern": "^[0-9]+$" } });
    file_headers["X-Calc-Row-Errors"] =
        json!({ "required": true, "schema": { "type": "string", "pattern": "^[0-9]+$" } });
    let binary = json!({ "schema": { "type": "string", "format": "binary" } });
    let mut batch_responses = serde_json::Map::new();
    batch_responses.insert(
        "200".into(),
        json!({
            "description": "输出文件，或输出与汇总的 zip；行错误在文件中 / the output, or a zip of the output and the summary; row errors are in the file",
            "headers": file_headers,
            "content": {
                "text/csv": binary,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": binary,
                "application/zip": binary,
            },
        }),
    );
    batch_responses.insert(
        "400".into(),
        error("无法读取的一轮申报 / a round that cannot be read"),
    );
    batch_responses.insert(
        "413".into(),
        error("请求体超过 64 MiB / the body is over 64 MiB"),
    );
    batch_responses.insert("503".into(), busy());
    batch_responses.insert(
        "415".into(),
        error("内容类型不支持 / an unsupported content type"),
    );
    let batch = operation(
        "一轮申报 (calc batch) / a round",
        vec![
            as_of,
            lang.clone(),
            query(
                "output",
                json!({ "type": "string", "enum": ["csv", "xlsx"] }),
                "输出格式 / the output's format",
            ),
            query(
                "summary",
                json!({ "type": "boolean" }),
                "同时给出汇总 (zip) / the summary too, in a zip",
            ),
            query(
                "round",
                json!({ "type": "string" }),
                "批次名称 (写入汇总) / the round's name, in the summary",
            ),
        ],
        Some(json!({ "required": true, "content": batch_content })),
        batch_responses,
        token,
    );
    let ok = |d: &str, schema: Value| {
        let mut r = serde_json::Map::new();
        r.insert("200".into(), answer(d, schema));
        r
    };
    let lang_only = || vec![lang.clone()];
    let rules_list = operation(
        "条款一览 (calc rules list --format json) / every clause",
        lang_only(),
        None,
        ok(
            "条款一览 / every clause",
            json!({ "type": "object", "required": ["rules_digest", "clauses"] }),
        ),
        token,
    );
    let mut show_responses = ok(
        "一条 / one clause",
        json!({ "type": "object", "required": ["clause", "title", "text"] }),
    );
    show_responses.insert("400".into(), error("查询参数有误 / a bad query parameter"));
    show_responses.insert("404".into(), error("没有这一条 / no such clause"));
    let mut rule_params = lang_only();
    let numbers: Vec<u32> = rules.clauses.iter().map(|c| c.number).collect();
    rule_params.push(json!({ "name": "n", "in": "path", "required": true, "schema": { "type": "integer", "enum": numbers }, "description": "条款号 / the clause number" }));
    let rules_show = operation(
        "一条的原文与参数 / one clause",
        rule_params,
        None,
        show_responses,
        token,
    );
    let mut list_responses = rules_list["responses"].clone();
    list_responses["400"] = error("查询参数有误 / a bad query parameter");
    let mut rules_list = rules_list;
    rules_list["responses"] = list_responses;
    let schema = operation(
        "申报事实的 JSON Schema (calc schema) / the facts' JSON Schema",
        vec![],
        None,
        ok("JSON Schema", json!({ "type": "object" })),
        token,
    );
    let openapi = operation(
        "本文档 / this document",
        vec![],
        None,
        ok("OpenAPI 3.1", json!({ "type": "object" })),
        token,
    );
    let health = operation(
        "版本、规则摘要、台账头 / versions, rules digest, the ledger's head",
        vec![],
        None,
        ok(
            "运行正常 / up",
            json!({ "type": "object", "required": ["status", "version", "rules_digest"] }),
        ),
        token,
    );
    let page = |summary: &str, login: bool| {
        let mut r = serde_json::Map::new();
        r.insert("200".into(), html("页面 / the page"));
        if token && !login {
            r.insert("401".into(), html("登录表单 / the login form"));
        }
        r.insert("404".into(), error("没有这个地址 / no such path"));
        let security = match token && !login {
            true => json!([{ "session": [] }]),
            false => json!([]),
        };
        json!({ "summary": summary, "parameters": [query("lang", json!({ "type": "string" }), "en: English")], "responses": r, "security": security })
    };
    let mut login_post = serde_json::Map::new();
    login_post.insert(
        "303".into(),
        json!({ "description": "令牌正确: 设置 cookie，转到 / / the token is right: the cookie is set, on to /", "headers": headers() }),
    );
    login_post.insert(
        "401".into(),
        html("令牌错误: 登录表单 / a wrong token: the login form"),
    );
    login_post.insert("400".into(), error("没有表单 / no form"));
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "calc",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "{} {} 奖补计算 / subsidy calculator; rules version {}, sha256 {}",
                rules.policy.document, rules.policy.title, rules.policy.version, rules.digest
            ),
        },
        "paths": {
            "/api/evaluate": { "post": evaluate },
            "/api/explain": { "post": explain },
            "/api/batch": { "post": batch },
            "/api/rules": { "get": rules_list },
            "/api/rules/{n}": { "get": rules_show },
            "/api/schema": { "get": schema },
            "/api/openapi.json": { "get": openapi },
            "/api/health": { "get": health },
            "/": { "get": page("办事人员页面 / the official's page", false) },
            "/round": { "get": page("财务人员页面 / the clerk's page", false) },
            "/login": {
                "get": page("登录 / log in", true),
                "post": {
                    "summary": "以令牌登录 / log in with the token",
                    "security": [],
                    "requestBody": { "required": true, "content": { "application/x-www-form-urlencoded": { "schema": {
                        "type": "object", "required": ["token"], "properties": { "token": { "type": "string" } } } } } },
                    "responses": login_post,
                },
            },
        },
        "components": {
            "schemas": {
                "Facts": facts,
                "Error": error_schema(),
                "Report": report_schema(),
            },
        },
    });
    if token {
        doc["components"]["securitySchemes"] =
            json!({ "bearer": { "type": "http", "scheme": "bearer" } });
        doc["security"] = json!([{ "bearer": [] }]);
    }
    doc
}

/// The facts' schema as JSON takes them (`calc schema`, for a TOML file): each section and
/// each field may also be `null`, an unstated fact (`Facts::from_json` leaves it out).
pub fn facts_schema(rules: &RuleSet) -> Value {
    let mut facts = crate::template::schema(rules);
    if let Some(o) = facts.as_object_mut() {
        o.remove("$schema");
        o.remove("$id");
    }
    let sections = facts["properties"]
        .as_object_mut()
        .into_iter()
        .flat_map(|p| p.values_mut());
    for section in sections {
        let fields = match section["type"].as_str() {
            Some("array") => &mut section["items"]["properties"],
            _ => &mut section["properties"],
        };
        for field in fields
            .as_object_mut()
            .into_iter()
            .flat_map(|p| p.values_mut())
        {
            nullable(field);
        }
        nullable(section);
    }
    facts
}

/// A schema that also takes `null`.
fn nullable(s: &mut Value) {
    if let Some(any) = s.get_mut("anyOf").and_then(Value::as_array_mut) {
        any.push(json!({ "type": "null" }));
        return;
    }
    if let Some(e) = s.get_mut("enum").and_then(Value::as_array_mut) {
        e.push(Value::Null);
    }
    let types = match s.get("type") {
        Some(Value::String(t)) => vec![json!(t)],
        Some(Value::Array(ts)) => ts.clone(),
        _ => return,
    };
    let mut types = types;
    types.push(json!("null"));
    s["type"] = Value::Array(types);
}

fn busy() -> Value {
    let mut r = error("繁忙，稍后重试 / busy: try again later");
    r["headers"]["Retry-After"] =
        json!({ "required": true, "schema": { "type": "string", "pattern": "^[0-9]+$" } });
    r
}

/// SPEC §5's error.
fn error_schema() -> Value {
    let located = json!({
        "type": "object",
        "required": ["message_zh", "message_en"],
        "properties": {
            "file": { "type": ["string", "null"] },
            "line": { "type": ["integer", "null"] },
            "column": { "type": ["integer", "null"] },
            "field": { "type": ["string", "null"], "description": "JSON Pointer (RFC 6901) for JSON input" },
            "message_zh": { "type": "string" },
            "message_en": { "type": "string" },
        },
    });
    json!({
        "type": "object",
        "required": ["error"],
        "properties": { "error": located, "errors": { "type": "array", "items": located } },
    })
}

/// SPEC §5's report (`calc FILE --format json`).
fn report_schema() -> Value {
    let decimal = json!({ "type": "string", "pattern": "^-?[0-9]+\\.[0-9]{2}$" });
    json!({
        "type": "object",
        "required": ["as_of", "rules_digest", "overlays", "applicant", "clauses", "total", "discretionary"],
        "properties": {
            "as_of": { "type": "string", "format": "date" },
            "rules_digest": { "type": "string" },
            "overlays": { "type": "array", "items": { "type": "string" } },
            "applicant": {
                "type": "object",
                "required": ["name", "credit_code", "district"],
                "properties": {
                    "name": { "type": "string" },
                    "credit_code": { "type": "string" },
                    "district": { "type": "string" },
                },
            },
            "clauses": { "type": "array", "items": {
                "type": "object",
                "required": ["clause", "title", "status", "amount", "reasons", "items"],
                "properties": {
                    "clause": { "type": "integer" },
                    "title": { "type": "string" },
                    "status": { "type": "string", "enum": ["awarded", "discretionary", "ineligible", "paid"] },
                    "amount": decimal,
                    "reasons": { "type": "array", "items": { "type": "string" } },
                    "items": { "type": "array", "items": { "type": "object", "required": ["id", "amount", "steps"] } },
                },
            } },
            "total": decimal,
            "discretionary": { "type": "object" },
        },
    })
}
