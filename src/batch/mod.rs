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
//!    copied from the input's text, any other read again from its span) to any `impl Write`,
//!    and the `summary`.
//!
//! The round comes in as a `Table` (from a file's or an upload's bytes) and goes out as a
//! `Round`, a value; which files it came from and goes to is the shell's (`crate::files`).
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

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::error::Error;
use crate::money::Money;
use crate::prior::Gathered;
use crate::progress::{Count, Progress};
use crate::quota::{Places, QuotaBook};
use crate::round::RowStatus;
use crate::round::columns::row_sections;
use crate::round::headers::Columns;
use crate::rules::{RuleBook, RuleSet, SectionId};
use crate::say;
use crate::sheet::read::{self, Line, Span, Table};
use crate::text::Lang;
use group::{Codes, Row, Unit};
use parse::{Memo, Parser};
use quota::Candidates;

/// What a round is asked to do, besides its table: the shell's flags, checked.
#[derive(Clone, Debug)]
pub struct Options {
    /// Further columns carried through unread (`--keep-column`), besides the vocabulary's.
    pub keep_columns: Vec<String>,
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

/// Evaluates a round held in a table: each applicant with its district's rules (`RuleBook`:
/// the base, or the base with the overlays scoped to its district), against the earlier awards;
/// rows are read with the base's. Row errors are in the round, not an `Err`: an `Err` is a round
/// that cannot be read at all (its header, an unclosed quote, the rules' quotas).
pub fn evaluate(
    book: &RuleBook,
    table: Table,
    opts: &Options,
    priors: &Gathered,
    progress: &dyn Progress,
) -> Result<Round, Error> {
    let rules = &book.base;
    let t0 = Instant::now();
    let mut phases: Vec<(&'static str, Duration)> = Vec::new();
    let mut mark = |what: &'static str| phases.push((what, t0.elapsed()));
    let quotas = QuotaBook::resolve(book)?;
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
    mark("open");
    let parser = Parser {
        rules,
        cols: &cols,
        headers: &table.headers,
        allowed,
    };
    let (read, at) = read_rows(&parser, &table, progress);
    table.closed_quotes(at.last)?;
    mark("read");
    stop_if_cancelled(&table.file, progress)?;
    let quota = Quota {
        rules: &quotas,
        places: &priors.places,
    };
    let (mut units, mut results, candidates) =
        evaluate_all(book, opts, (&table.file, priors, quota), read, progress);
    mark("evaluated");
    stop_if_cancelled(&table.file, progress)?;
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
    into_continuations(&mut results, &at.continued);
    mark("quota");
    Ok(Round {
        cols,
        lines: at.lines,
        spans: at.spans,
        units,
        results,
        as_of,
        digest: rules.digest.clone(),
        phases,
        table,
    })
}

/// The error of a round whose caller gave up on it (`Progress::cancelled`): nothing of it is
/// used, so it stops at the end of the phase it is in.
pub fn cancelled(file: &str) -> Error {
    crate::error::InputError::new(
        file,
        crate::text!(
            "计算已取消 (请求超时)",
            "the round was cancelled (its request timed out)"
        ),
    )
    .into()
}

fn stop_if_cancelled(file: &str, progress: &dyn Progress) -> Result<(), Error> {
    match progress.cancelled() {
        true => Err(cancelled(file)),
        false => Ok(()),
    }
}

/// A round evaluated: every row's result in input order, its applicants, and its table, to
/// be written out (`write`), summed (`summary`) or counted (`report`).
pub struct Round {
    pub table: Table,
    cols: Columns,
    /// Each row's line, as the clerk sees it.
    pub lines: Vec<Line>,
    spans: Vec<Span>,
    units: Vec<Unit>,
    pub results: Vec<RowResult>,
    pub as_of: NaiveDate,
    pub digest: String,
    /// When each phase ended, from the start of the run (for `CALC_BATCH_TIMING`).
    pub phases: Vec<(&'static str, Duration)>,
}

impl Round {
    /// Every input row, in input order, with the added columns.
    pub fn write(
        &self,
        rules: &RuleSet,
        out: impl std::io::Write + Send,
        to: &write::Output<'_>,
        progress: &dyn Progress,
    ) -> Result<(), Error> {
        progress.phase("写出 writing", self.results.len(), Count::Rows);
        let source = write::Source {
            table: &self.table,
            cols: &self.cols,
            spans: &self.spans,
        };
        write::rows(out, to, source, rules, &self.results, progress)
    }

    /// The round's totals, equal to its rows.
    pub fn summary(&self, rules: &RuleSet) -> summary::Summary {
        summary::Summary::of(rules, &self.units, &self.results)
    }

    /// Each applicant's determinate awards by clause (its rows' and their continuations', as
    /// the summary counts them; rows in error left out), in the order first seen.
    pub fn applicants(&self, rules: &RuleSet) -> Vec<Awards> {
        let roles = &rules.roles;
        let mut out: Vec<Awards> = (self.units.iter())
            .map(|u| Awards {
                code: u.code.clone(),
                name: (u.facts.single(roles.applicant))
                    .and_then(|a| a.text(roles.name))
                    .unwrap_or_default()
                    .to_string(),
                district: u.district.clone(),
                clauses: Vec::new(),
            })
            .collect();
        for r in self.results.iter().filter(|r| r.status != RowStatus::Error) {
            let Some(a) = r.unit.and_then(|ui| out.get_mut(ui as usize)) else {
                continue;
            };
            for r in std::iter::once(r).chain(&r.also) {
                if let (Some(clause), Some(award)) = (r.clause, r.award) {
                    a.add(clause, award);
                }
            }
        }
        out
    }

    /// Its table, and the rest of it, to be let go (`calc compare` evaluates the table again).
    pub fn into_table(self) -> (Table, impl Send) {
        let Round {
            table,
            cols,
            lines,
            spans,
            units,
            results,
            ..
        } = self;
        (table, (cols, lines, spans, units, results))
    }

    /// Each row in error, its line and message, in file order.
    pub fn row_errors(&self) -> impl Iterator<Item = (Line, &str)> {
        (self.lines.iter().zip(&self.results))
            .filter(|(_, r)| r.status == RowStatus::Error)
            .map(|(&line, r)| (line, r.reason.as_str()))
    }

    /// What the round came to, for its closing line.
    pub fn report(&self) -> Report {
        Report {
            rows: self.results.len(),
            units: self.units.len(),
            errors: self.row_errors().count(),
            sheet: self.table.sheet.clone(),
            as_of: self.as_of,
            digest: self.digest.clone(),
        }
    }
}

/// One applicant's determinate awards in a round, by clause.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Awards {
    /// Its credit code, folded as the round groups it.
    pub code: String,
    pub name: String,
    pub district: String,
    /// (clause, its awards' sum), by clause number.
    pub clauses: Vec<(u32, Money)>,
}

impl Awards {
    fn add(&mut self, clause: u32, award: Money) {
        match self.clauses.binary_search_by_key(&clause, |c| c.0) {
            Ok(i) => {
                let sum = &mut self.clauses[i].1;
                *sum = sum.checked_add(award).unwrap_or(*sum);
            }
            Err(i) => self.clauses.insert(i, (clause, award)),
        }
    }

    /// Its awards under every clause.
    pub fn total(&self) -> Money {
        (self.clauses.iter()).fold(Money::ZERO, |t, c| t.checked_add(c.1).unwrap_or(t))
    }

    /// Its award under `clause`.
    pub fn under(&self, clause: u32) -> Money {
        (self.clauses.iter().find(|c| c.0 == clause)).map_or(Money::ZERO, |c| c.1)
    }
}

/// A round's clause quotas and the places earlier rounds hold.
#[derive(Clone, Copy)]
pub struct Quota<'a> {
    pub rules: &'a QuotaBook,
    pub places: &'a Places,
}

/// Where the rows stand in the file.
struct Positions {
    /// Each row's line.
    lines: Vec<Line>,
    /// Each row's text, to be written out again.
    spans: Vec<Span>,
    /// The last record's line and byte offset, where an unclosed quote would be.
    last: Option<(Line, u64)>,
    /// The continuation rows of a round's output read again (`Parser::continues`), in order.
    continued: Vec<usize>,
}

/// Steps 1 and 2: every row parsed, a batch at a time on all cores, and placed in its credit
/// code's group; and where each row stands.
fn read_rows(parser: &Parser<'_>, table: &Table, progress: &dyn Progress) -> (Read, Positions) {
    progress.phase("读取 reading", table.bytes(), Count::Bytes);
    let rules = parser.rules;
    let mut read = Read {
        codes: Codes::default(),
        rows: Vec::new(),
        count: 0,
    };
    let (mut last, mut lines, mut spans) = (None, Vec::new(), Vec::new());
    let mut continued = Vec::new();
    table.batches(progress, |batch| {
        lines.extend(batch.iter().map(|r| r.line));
        spans.extend(batch.iter().map(|r| r.span));
        last = (batch.last()).and_then(|r| Some((r.line, r.cells.position()?.byte())));
        // Small chunks, so that a core slowed by the reading thread is not waited for; a memo
        // of the values already converted for each piece of work.
        let codes = &read.codes;
        let parsed: Vec<Vec<Row>> = (batch.par_chunks(CHUNK))
            .map_init(
                || Memo::new(rules),
                |memo, records| {
                    (records.iter())
                        .map(|r| parser.row(r.line, &read::cells(&r.cells), memo, codes))
                        .collect()
                },
            )
            .collect();
        let mut placed = Vec::with_capacity(batch.len());
        for (r, row) in batch.iter().zip(parsed.into_iter().flatten()) {
            let at = read.count + placed.len();
            // A continuation row of calc's own output is parsed as blank: told apart here,
            // where only blank rows of such an output are looked at again.
            if parser.cols.own
                && matches!(row, Row::Blank)
                && parser.continues(&read::cells(&r.cells))
            {
                continued.push(at);
            }
            let cc = rules.roles.credit_code;
            placed.push(read.codes.place(at, r.line, row, cc));
        }
        read.count += placed.len();
        read.rows.push(placed);
    });
    let at = Positions {
        lines,
        spans,
        last,
        continued,
    };
    (read, at)
}

/// Rows parsed, or written, in one piece of work on a core.
pub const CHUNK: usize = 512;

/// The rows as read.
struct Read {
    /// Each credit code's group.
    codes: Codes,
    /// The rows, a batch at a time.
    rows: Vec<Vec<group::Placed>>,
    count: usize,
}

/// Step 3: the applicants made from their rows and evaluated, on all cores; each row's result;
/// and the quotas' candidates among them.
fn evaluate_all(
    book: &RuleBook,
    opts: &Options,
    (file, priors, quota): (&str, &Gathered, Quota<'_>),
    Read {
        codes,
        rows,
        count: n_rows,
    }: Read,
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

/// What a round came to, for its closing line.
pub struct Report {
    pub rows: usize,
    pub units: usize,
    /// Rows with status `error`.
    pub errors: usize,
    /// The workbook's sheet that was read.
    pub sheet: Option<String>,
    pub as_of: NaiveDate,
    pub digest: String,
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

pub use crate::round::LINES_NAMED;

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

/// A round's output read again: each row's results under further clauses go into the
/// continuation rows that follow it, in order, as they came out before (so that the output has
/// the shape of its input, and no continuation row is read as an item twice).
fn into_continuations(results: &mut [RowResult], continued: &[usize]) {
    let mut owner: Option<usize> = None;
    let mut next = continued.iter().peekable();
    for row in 0..results.len() {
        if next.peek() == Some(&&row) {
            next.next();
            let Some(o) = owner else { continue };
            if results[o].also.is_empty() {
                continue;
            }
            let moved = results[o].also.remove(0);
            results[row] = RowResult {
                unit: results[o].unit,
                ..moved
            };
        } else if results[row].status != RowStatus::Empty {
            owner = Some(row);
        }
    }
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
        for at in &u.rows {
            let r = &mut results[at.row];
            if r.status != RowStatus::Error {
                if !r.reason.is_empty() {
                    r.reason.push_str(lang.pick("；", "; "));
                }
                r.reason.push_str(&note);
            }
        }
    }
}
