//! `calc batch`: a whole round of applications from a spreadsheet (SPEC §6), as a pipeline:
//!
//! 1. `sheet::read`: the file (CSV in UTF-8 or GBK, or a workbook) as records in file order,
//!    each with its spreadsheet row number and where its text stands (`Span`);
//! 2. `parse` each record, by the header's columns (`round::headers`), into its applicant and
//!    one item, and `group` the rows by credit code into applicants, wherever they stand;
//! 3. `evaluate` the applicants on all cores with `engine::evaluate`, the one evaluator: each
//!    row gets its item's clause, award, status and reason;
//! 4. `quota`: a clause quota (`crate::quota`) may leave items out; only the applicants
//!    concerned are evaluated again, under that clause only;
//! 5. `write` every input row in input order with the added columns (a `Span::Plain` row is
//!    copied from the input's text, any other read again from its span), and the `summary`;
//!    through `sheet::write` (formula guard, temporary file then rename, folder lock).
//!
//! A bad row keeps its place with status `error`. Decision: the other rows of its applicant are
//! still evaluated, without it (its facts cannot be trusted), and their reason says so, since
//! their awards may change under a shared cap once the bad row is corrected.

mod evaluate;
mod group;
pub mod parse;
pub mod quota;
pub mod summary;
pub mod write;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::error::{Error, InputError};
use crate::money::Money;
use crate::progress::{Count, Progress};
use crate::quota::{Places, QuotaRule};
use crate::render::Lang;
use crate::round::RowStatus;
use crate::round::columns::row_sections;
use crate::round::headers::Columns;
use crate::rules::{RuleBook, RuleSet, SectionId};
use crate::say;
use crate::sheet;
use crate::sheet::guard::{self, INPUT, OUTPUT, PRIOR, Role, SUMMARY};
use crate::sheet::read::{self, Encoding, Line, Span, Table};
use crate::sheet::write::is_stdout;
use group::{Codes, Unit};
use parse::{Memo, Parser, Row};
use quota::Candidates;

/// What a run of `calc batch` is asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    pub input: PathBuf,
    pub output: PathBuf,
    pub priors: Vec<PathBuf>,
    pub summary: Option<PathBuf>,
    /// A UTF-8 BOM at the start of CSV outputs (Excel needs it).
    pub bom: bool,
    pub encoding: Encoding,
    /// Further columns carried through unread (`--keep-column`), besides the vocabulary's.
    pub keep_columns: Vec<String>,
    /// The workbook's sheet to read (`--sheet`), else its first visible one.
    pub sheet: Option<String>,
    /// Validate only (`--check`): every row error in the report, nothing written; the output
    /// and summary are not used.
    pub check: bool,
    pub as_of: NaiveDate,
    pub lang: Lang,
}

/// The values a batch adds to a row.
#[derive(Clone, Debug)]
pub struct RowResult {
    /// The applicant (an index into the round's applicants), when the row has one.
    pub unit: Option<u32>,
    pub clause: Option<u32>,
    /// `None` for discretionary, error and empty rows.
    pub award: Option<Money>,
    /// A discretionary row's range. Boxed: few rows have one, and a round holds every row's
    /// result twice on its way out.
    pub range: Option<Box<Range>>,
    pub status: RowStatus,
    pub reason: String,
    /// The row's item under each further clause over its section: written as continuation
    /// rows after it, and counted in the summary.
    pub also: Vec<RowResult>,
}

/// A discretionary award's range: its ceiling, and its floor where there is one.
#[derive(Clone, Copy, Debug)]
pub struct Range {
    pub ceiling: Money,
    pub floor: Option<Money>,
}

impl RowResult {
    pub fn ceiling(&self) -> Option<Money> {
        self.range.as_ref().map(|r| r.ceiling)
    }

    pub fn floor(&self) -> Option<Money> {
        self.range.as_ref().and_then(|r| r.floor)
    }

    pub(super) fn empty() -> RowResult {
        RowResult {
            unit: None,
            clause: None,
            award: None,
            range: None,
            status: RowStatus::Empty,
            reason: String::new(),
            also: Vec::new(),
        }
    }

    fn error(message: String, unit: Option<u32>) -> RowResult {
        RowResult {
            status: RowStatus::Error,
            reason: message,
            unit,
            ..RowResult::empty()
        }
    }
}

/// Runs `calc batch`: writes the output (and summary) and says what it came to.
/// Runs a round: each applicant is evaluated with its district's rules (`RuleBook`: the base,
/// or the base with the overlays scoped to its district); rows are read with the base's.
pub fn run(book: &RuleBook, opts: &Options, progress: &dyn Progress) -> Result<Report, Error> {
    let rules = &book.base;
    let t0 = Instant::now();
    let mut phases: Vec<(&'static str, Duration)> = Vec::new();
    let mut mark = |what: &'static str| phases.push((what, t0.elapsed()));
    // No file is read before the files are known to be different ones.
    check_files(opts)?;
    let quotas = crate::quota::resolve(rules)?;
    let table = Table::open_sheet(&opts.input, opts.encoding, opts.sheet.as_deref())?;
    let allowed = row_sections(rules);
    let used: Vec<SectionId> = std::iter::once(rules.roles.applicant)
        .chain(allowed.iter().copied())
        .collect();
    // A header error names the sheet read (a notes sheet first is read as the round).
    let sheet = |e| table.in_sheet(e);
    Columns::known_headers(rules, &table.file, &table.headers, &opts.keep_columns)
        .map_err(sheet)?;
    let cols = Columns::map(rules, &table.file, &table.headers, &used).map_err(sheet)?;
    cols.require_round(rules, &table.file).map_err(sheet)?;
    let (priors, places) = crate::prior::load_all(rules, &opts.priors, opts.encoding)?;
    mark("open");
    let parser = Parser {
        rules,
        cols: &cols,
        headers: &table.headers,
        allowed,
    };
    let ((codes, rows, n_rows), at) = read_rows(&parser, &table, progress);
    table.closed_quotes(at.last)?;
    mark("read");
    let quota = (&quotas[..], &places);
    let (mut units, mut results, candidates) = evaluate_all(
        book,
        opts,
        (&table.file, &priors, quota),
        (codes, rows, n_rows),
        progress,
    );
    mark("evaluated");
    let (as_of, lang) = (opts.as_of, opts.lang);
    quota::apply(
        book,
        quota,
        candidates,
        &mut units,
        &mut results,
        as_of,
        lang,
    );
    note_errors(&units, &mut results, lang);
    mark("quota");
    let stdout = if opts.check {
        None
    } else {
        let input = (&table, &cols, &at.spans[..]);
        write_all(rules, opts, input, (&units, &results), progress)?
    };
    mark("written");
    let errors = (results.iter())
        .filter(|r| r.status == RowStatus::Error)
        .count();
    // Every row error under --check; else the first LINES_NAMED, for stderr (SPEC §6).
    let shown = if opts.check { usize::MAX } else { LINES_NAMED };
    let row_errors = (at.lines.iter().zip(&results))
        .filter(|(_, r)| r.status == RowStatus::Error)
        .take(shown)
        .map(|(&line, r)| (line, r.reason.clone()))
        .collect();
    Ok(Report {
        rows: results.len(),
        units: units.len(),
        errors,
        row_errors,
        stdout,
        sheet: table.sheet.clone(),
        as_of: opts.as_of,
        digest: rules.digest.clone(),
        phases,
        // Freeing a million small values took a tenth of a large round's run: the round is
        // handed to the caller, which may let the process end without freeing it.
        round: Some(Box::new((units, results, table))),
    })
}

/// Refuses any two of input, priors, output and summary that are one file, and an output or
/// summary that cannot be written (`sheet::guard`).
fn check_files(opts: &Options) -> Result<(), InputError> {
    let mut files: Vec<(&Path, &Role)> = vec![(&opts.input, &INPUT)];
    files.extend(opts.priors.iter().map(|p| (p.as_path(), &PRIOR)));
    // A check writes nothing: its output and summary are not files of the run.
    if opts.check {
        return guard::distinct(&files);
    }
    let output = Some(opts.output.as_path()).filter(|o| !is_stdout(o));
    let targets: Vec<(&Path, &Role)> = (output.map(|o| (o, &OUTPUT)).into_iter())
        .chain(opts.summary.iter().map(|s| (s.as_path(), &SUMMARY)))
        .collect();
    files.extend(&targets);
    guard::distinct(&files)?;
    targets
        .iter()
        .try_for_each(|(path, role)| guard::writable(path, role))
}

/// Where the rows stand in the file.
struct Positions {
    /// Each row's line.
    lines: Vec<Line>,
    /// Each row's text, to be written out again.
    spans: Vec<Span>,
    /// The last record's line and byte offset, where an unclosed quote would be.
    last: Option<(Line, u64)>,
}

/// Steps 1 and 2: every row parsed, a batch at a time on all cores (one memo a core, kept
/// from batch to batch), and placed in its credit code's group; and the count of rows; and
/// where each row stands.
fn read_rows(parser: &Parser<'_>, table: &Table, progress: &dyn Progress) -> (Read, Positions) {
    progress.phase("读取 reading", table.bytes(), Count::Bytes);
    let rules = parser.rules;
    // One memo a core, kept from batch to batch (never contended: a core parses one chunk at
    // a time).
    let memos: Vec<Mutex<Memo>> = (0..rayon::current_num_threads().max(1))
        .map(|_| Mutex::new(Memo::new(rules)))
        .collect();
    let (mut codes, mut rows, mut n_rows) = (Codes::default(), Vec::new(), 0);
    let (mut last, mut lines, mut spans) = (None, Vec::new(), Vec::new());
    table.batches(progress, |batch| {
        lines.extend(batch.iter().map(|r| r.line));
        spans.extend(batch.iter().map(|r| r.span));
        last = (batch.last()).and_then(|r| Some((r.line, r.cells.position()?.byte())));
        // Small chunks, so that a core slowed by the reading thread is not waited for.
        let parsed: Vec<Vec<Row>> = (batch.par_chunks(CHUNK))
            .map(|records| {
                let core = rayon::current_thread_index().unwrap_or(0) % memos.len();
                let mut memo = memos[core].lock().unwrap_or_else(|e| e.into_inner());
                (records.iter())
                    .map(|r| parser.row(r.line, &read::cells(&r.cells), &mut memo, &codes))
                    .collect()
            })
            .collect();
        let mut placed = Vec::with_capacity(batch.len());
        for (r, row) in batch.iter().zip(parsed.into_iter().flatten()) {
            let cc = rules.roles.credit_code;
            placed.push(codes.place(n_rows + placed.len(), r.line, row, cc));
        }
        n_rows += placed.len();
        rows.push(placed);
    });
    let at = Positions { lines, spans, last };
    ((codes, rows, n_rows), at)
}

/// Rows parsed, or written, in one piece of work on a core.
pub const CHUNK: usize = 512;

/// The rows as read: their codes' groups, the rows a batch at a time, and their count.
type Read = (Codes, Vec<Vec<group::Placed>>, usize);

/// Step 3: the applicants made from their rows and evaluated, on all cores; each row's result;
/// and the quotas' candidates among them.
fn evaluate_all(
    book: &RuleBook,
    opts: &Options,
    (file, priors, quota): (&str, &crate::prior::Priors, (&[QuotaRule], &Places)),
    (codes, rows, n_rows): Read,
    progress: &dyn Progress,
) -> (Vec<Unit>, Vec<RowResult>, Candidates) {
    progress.phase("计算 computing", n_rows, Count::Rows);
    let (units, errors) = codes.units((&book.base, file), rows, priors);
    // The codes' first rows are freed on a core beside the evaluation, not after it.
    rayon::spawn(move || drop(codes));
    // Each row's result is put in its place by its applicant's evaluation, on its core; a row
    // in error is set first and keeps its error.
    let results: Vec<OnceLock<RowResult>> = (0..n_rows).map(|_| OnceLock::new()).collect();
    for (row, message) in errors {
        let _ = results[row].set(RowResult::error(message, None));
    }
    let candidates = (units.par_iter().enumerate())
        .map(|(ui, u)| {
            progress.inc(u.rows.len() as u64);
            let rows = evaluate::unit(book.for_district(&u.district), u, opts.as_of, opts.lang);
            let candidates = Candidates::of(quota, u, &rows);
            for (row, r) in rows {
                let unit = Some(ui as u32);
                let _ = results[row].set(RowResult { unit, ..r });
            }
            candidates
        })
        .collect();
    let results = (results.into_iter())
        .map(|r| r.into_inner().unwrap_or_else(RowResult::empty))
        .collect();
    (units, results, Candidates::gather(candidates))
}

/// Step 5: the output and the summary, each complete before either replaces anything; the
/// output itself under `-o -`, for the caller to copy to standard output.
fn write_all(
    rules: &RuleSet,
    opts: &Options,
    input: (&Table, &Columns, &[Span]),
    (units, results): (&[Unit], &[RowResult]),
    progress: &dyn Progress,
) -> Result<Option<tempfile::NamedTempFile>, Error> {
    progress.phase("写出 writing", results.len(), Count::Rows);
    let out = write::rows(
        &opts.output,
        input,
        rules,
        results,
        (opts.bom, opts.lang),
        progress,
    )?;
    let summary = match &opts.summary {
        Some(path) => {
            let s = summary::Summary::of(rules, units, results);
            Some((
                path,
                summary::write(path, &s, rules, (opts.as_of, opts.lang), opts.bom)?,
            ))
        }
        None => None,
    };
    // Two runs onto the same files replace them one pair at a time, never one run's rows
    // with the other's summary.
    let _lock = sheet::write::lock_folder(&opts.output)?;
    let stdout = if sheet::write::is_stdout(&opts.output) {
        Some(out)
    } else {
        sheet::write::persist(out, &opts.output)?;
        None
    };
    if let Some((path, tmp)) = summary {
        sheet::write::persist(tmp, path)?;
    }
    Ok(stdout)
}

/// What a run of `calc batch` came to, for its closing line.
pub struct Report {
    pub rows: usize,
    pub units: usize,
    /// Rows with status `error`.
    pub errors: usize,
    /// Under `--check`, each error row's line and message, in file order.
    pub row_errors: Vec<(Line, String)>,
    /// Under `-o -`, the output as CSV, for the caller to copy to standard output.
    pub stdout: Option<tempfile::NamedTempFile>,
    /// The workbook's sheet that was read.
    pub sheet: Option<String>,
    pub as_of: NaiveDate,
    pub digest: String,
    /// When each phase ended, from the start of the run (for `CALC_BATCH_TIMING`).
    pub phases: Vec<(&'static str, Duration)>,
    /// The round's applicants, results and text, freed with the report.
    pub round: Option<Box<dyn std::any::Any + Send>>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Report {
            rows,
            units,
            errors,
            as_of,
            digest,
            sheet,
            ..
        } = self;
        let (zh, en) = match sheet {
            Some(s) => (format!("工作表“{s}”："), format!("sheet `{s}`: ")),
            None => Default::default(),
        };
        write!(
            f,
            "{zh}{rows} 行，{units} 个申报单位，{errors} 行有误；计算基准日 as of {as_of}；规则 rules sha256 {digest} / {en}{rows} rows, {units} applicants, {errors} with errors"
        )
    }
}

/// The most lines a row's message names: a credit code with thousands of rows would
/// otherwise put thousands of numbers on each of its rows (past what a workbook cell holds).
pub const LINES_NAMED: usize = 20;

/// Lines for a message, in file order: all of them, or the first `LINES_NAMED` and the count.
pub fn line_list(lines: &[Line], lang: Lang) -> String {
    let more = |n: usize| say!(lang, " … 等 {n}", " … {n} in all");
    named_at_most(
        lines.iter().map(Line::to_string),
        lang.pick("、", ", "),
        more,
    )
}

/// The first `LINES_NAMED` of `parts` joined by `sep`, then `more(count)` when there are more.
pub fn named_at_most(
    parts: impl ExactSizeIterator<Item = String>,
    sep: &str,
    more: impl Fn(usize) -> String,
) -> String {
    let n = parts.len();
    let mut text = parts.take(LINES_NAMED).collect::<Vec<_>>().join(sep);
    if n > LINES_NAMED {
        text.push_str(&more(n));
    }
    text
}

/// Adds to each evaluated row of an applicant with a bad row that the bad row was left out.
fn note_errors(units: &[Unit], results: &mut [RowResult], lang: Lang) {
    for u in units.iter().filter(|u| !u.error_lines.is_empty()) {
        let lines = line_list(&u.error_lines, lang);
        let note = say!(
            lang,
            "注意: 本单位第 {lines} 行有误，未计入；更正后本行金额可能变化",
            "note: line(s) {lines} of this applicant have errors and were left out; this award may change once they are corrected"
        );
        for (row, _, _) in &u.rows {
            let r = &mut results[*row];
            if r.status != RowStatus::Error {
                if !r.reason.is_empty() {
                    r.reason.push_str(lang.pick("；", "; "));
                }
                r.reason.push_str(&note);
            }
        }
    }
}
