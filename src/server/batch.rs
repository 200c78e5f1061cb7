//! `POST /api/batch`: a round (the spreadsheet as the body, or as a multipart `file`;
//! `?as_of=&lang=&output=csv|xlsx&summary=true&round=`) through `batch::evaluate`, as `calc
//! batch` runs it; the answer is the output file, or a zip of the output and the summary. Row
//! errors are in the output, as in the CLI: status 200, the counts in `X-Calc-Rows` and
//! `X-Calc-Row-Errors`. A round computes on its own pool of threads, in a slot of its own, and
//! stops between phases once its request has timed out.

use std::io::Write;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use super::AppState;
use super::error::ApiError;
use super::evaluate::lang;
use super::work::{self, Cancel, Kind};
use crate::batch::{self, summary};
use crate::render::Lang;
use crate::sheet::read::{Encoding, Table};
use crate::sheet::{Form, Format};

#[derive(serde::Deserialize, Default)]
pub struct Params {
    as_of: Option<String>,
    lang: Option<String>,
    output: Option<String>,
    summary: Option<bool>,
    round: Option<String>,
}

/// The query checked.
struct Asked {
    as_of: NaiveDate,
    lang: Lang,
    format: Format,
    summary: bool,
    round: Option<String>,
}

fn check(params: Result<Query<Params>, QueryRejection>) -> Result<Asked, ApiError> {
    let Query(p) = params.map_err(ApiError::bad_query)?;
    let as_of = match &p.as_of {
        Some(t) => crate::facts::date(t).map_err(|m| ApiError::field("as_of", m))?,
        None => chrono::Local::now().date_naive(),
    };
    let format = match p.output.as_deref() {
        None | Some("csv") => Format::Csv,
        Some("xlsx") => Format::Xlsx,
        Some(other) => {
            return Err(ApiError::field(
                "output",
                crate::text!(
                    "应为 csv 或 xlsx，而不是 `{other}`",
                    "expected csv or xlsx, not `{other}`"
                ),
            ));
        }
    };
    Ok(Asked {
        as_of,
        lang: lang(p.lang.as_deref())?,
        format,
        summary: p.summary.unwrap_or(false),
        round: p.round,
    })
}

/// The types a round's body may be sent as (what it is comes from its bytes).
pub const SHEETS: [&str; 6] = [
    "text/csv",
    "text/plain",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/octet-stream",
];

/// The round's bytes and its name in messages: the body, or the multipart field `file`.
async fn upload(req: Request) -> Result<(String, Bytes), ApiError> {
    let kind = (req.headers().get(header::CONTENT_TYPE))
        .and_then(|k| k.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let essence = kind.split(';').next().unwrap_or_default().trim();
    if !(essence == "multipart/form-data" || SHEETS.contains(&essence)) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            crate::text!(
                "不支持的内容类型 `{kind}`: 一轮申报请以 text/csv、XLSX/XLS/ODS 的类型、application/octet-stream 或 multipart/form-data (字段 file) 发送",
                "an unsupported content type `{kind}`: send a round as text/csv, an XLSX/XLS/ODS type, application/octet-stream, or multipart/form-data with a `file` field"
            ),
        ));
    }
    if essence != "multipart/form-data" {
        let bytes = Bytes::from_request(req, &()).await.map_err(|e| {
            ApiError::new(
                e.status(),
                crate::text!("无法读取请求体", "cannot read the body: {e}"),
            )
        })?;
        return Ok(("upload".into(), bytes));
    }
    let multipart_error = |e: axum::extract::multipart::MultipartError| {
        let status = e.status();
        let text = e.body_text();
        ApiError::new(
            status,
            crate::text!(
                "multipart 请求有误: {text}",
                "a bad multipart request: {text}"
            ),
        )
    };
    let mut parts = Multipart::from_request(req, &()).await.map_err(|e| {
        ApiError::new(
            e.status(),
            crate::text!("multipart 请求有误", "a bad multipart request: {e}"),
        )
    })?;
    while let Some(field) = parts.next_field().await.map_err(multipart_error)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("upload").to_string();
            let bytes = field.bytes().await.map_err(multipart_error)?;
            return Ok((name, bytes));
        }
    }
    Err(ApiError::field(
        "file",
        crate::text!(
            "multipart 请求缺少 `file` 字段",
            "the multipart request has no `file` field"
        ),
    ))
}

/// What a round came to: the file to send and its counts.
struct Done {
    bytes: Vec<u8>,
    kind: &'static str,
    name: String,
    rows: usize,
    errors: usize,
    /// The ledger's head the round was computed against.
    ledger_head: Option<crate::ledger::Head>,
}

pub async fn handler(
    State(state): State<AppState>,
    params: Result<Query<Params>, QueryRejection>,
    req: Request,
) -> Result<Response, ApiError> {
    let asked = check(params)?;
    let (name, bytes) = upload(req).await?;
    let cancel = Cancel::default();
    // Dropped with this future when the deadline passes: the round then stops.
    let _guard = cancel.guard();
    let s = state.clone();
    let done = work::run(&state, Kind::Round, move || {
        let pool = s.round_pool.clone();
        pool.install(|| compute(&s, &cancel, name, bytes, &asked))
    })
    .await?;
    let header = |v: String| HeaderValue::from_str(&v).unwrap_or(HeaderValue::from_static(""));
    let disposition = format!("attachment; filename=\"{}\"", done.name);
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(done.kind)),
            (header::CONTENT_DISPOSITION, header(disposition)),
            (
                HeaderName::from_static("x-calc-rows"),
                header(done.rows.to_string()),
            ),
            (
                HeaderName::from_static("x-calc-row-errors"),
                header(done.errors.to_string()),
            ),
        ],
        super::ledger::head_header(done.ledger_head.as_ref()),
        done.bytes,
    )
        .into_response())
}

/// The round evaluated and written, as `calc batch -o OUT [--summary S]` does.
fn compute(
    state: &AppState,
    cancel: &Cancel,
    name: String,
    bytes: Bytes,
    asked: &Asked,
) -> Result<Done, ApiError> {
    let stop = || match cancel.is_set() {
        true => Err(ApiError::from(batch::cancelled(&name))),
        false => Ok(()),
    };
    if bytes.len() > state.limits.round_bytes {
        let e = crate::sheet::read::too_large(&name, bytes.len() as u64);
        return Err(e.into());
    }
    let table = Table::from_bytes(name.clone(), bytes.to_vec(), Encoding::Auto, None)?;
    drop(bytes);
    stop()?;
    let priors = state.gather(None, None)?;
    let options = batch::Options {
        keep_columns: Vec::new(),
        as_of: asked.as_of,
        lang: asked.lang,
    };
    let round = batch::evaluate(&state.book, table, &options, &priors.gathered, cancel)?;
    let ledger_head = priors.head;
    stop()?;
    let (ext, kind) = match asked.format {
        Format::Csv => ("csv", "text/csv; charset=utf-8"),
        Format::Xlsx => (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    };
    let output_name = format!("output.{ext}");
    let to = batch::write::Output {
        format: asked.format,
        bom: true,
        lang: asked.lang,
        shown: &output_name,
        scratch: None,
    };
    let mut output = Vec::new();
    round.write(&state.book.base, &mut output, &to, cancel)?;
    let report = round.report();
    let (rows, errors) = (report.rows, report.errors);
    if !asked.summary {
        return Ok(Done {
            bytes: output,
            kind,
            name: output_name,
            rows,
            errors,
            ledger_head,
        });
    }
    stop()?;
    let labels = state.book.labels();
    let about = summary::About {
        round: asked.round.clone(),
        as_of: round.as_of,
        run: Some(chrono::Local::now().date_naive()),
        overlays: state.book.base.overlays.clone(),
        // The summary names the ledger's head the round was computed against.
        priors: ledger_head.iter().map(crate::ledger::Head::shown).collect(),
    };
    let summary_name = format!("summary.{ext}");
    let form = Form {
        format: asked.format,
        bom: true,
    };
    let mut summed = Vec::new();
    let s = round.summary(&labels);
    summary::write(
        &mut summed,
        form,
        &summary_name,
        &s,
        &labels,
        &about,
        asked.lang,
    )?;
    let zipped = zip(&[(&output_name, &output), (&summary_name, &summed)]).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            crate::text!("无法打包 zip", "cannot make the zip: {e}"),
        )
    })?;
    Ok(Done {
        bytes: zipped,
        kind: "application/zip",
        name: "round.zip".into(),
        rows,
        errors,
        ledger_head,
    })
}

/// Files in a zip, deflated.
fn zip(files: &[(&str, &[u8])]) -> zip::result::ZipResult<Vec<u8>> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        z.start_file(*name, options)?;
        z.write_all(bytes)?;
    }
    Ok(z.finish()?.into_inner())
}
