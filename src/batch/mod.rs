//! `calc batch`: a whole round of applications from a spreadsheet (SPEC §6).
//!
//! Three passes over the rows, each on both cores: (1) each row's place in the file and its
//! credit code (`read`); (2) the rows of each credit code, wherever they stand; (3) each
//! applicant's rows read into its facts, in file order, and evaluated by `engine::evaluate`, the
//! one evaluator, at once (`build`): an applicant's facts live only while it is evaluated, so a
//! round's memory is its text and its results. Each row gets its item's clause, award, status and
//! reason back; a clause quota (`quota`) may then leave items out, and the applicants concerned
//! are read and evaluated again. `write` writes every input row in input order, atomically;
//! `summary` totals the rows.
//!
//! A bad row keeps its place with status `error`. Decision: the other rows of its applicant are
//! still evaluated, without it (its facts cannot be trusted), and their reason says so, since
//! their awards may change under a shared cap once the bad row is corrected.

mod build;
pub mod guard;
pub mod prior;
pub mod quota;
pub mod read;
pub mod summary;
pub mod write;

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::error::Error;
use crate::facts::Facts;
use crate::money::Money;
use crate::render::Lang;
use crate::rules::RuleSet;
use build::{Buffers, Builder, Built, RowAt};
pub use read::Encoding;
use read::{Columns, Table};

/// What a batch run reads and writes.
#[derive(Clone, Debug)]
pub struct Options {
    /// The round's spreadsheet (CSV or XLSX).
    pub input: PathBuf,
    /// The output file (.csv or .xlsx).
    pub output: PathBuf,
    /// Earlier awards: an earlier round's output or a prior table.
    pub priors: Vec<PathBuf>,
    /// Totals by district and clause.
    pub summary: Option<PathBuf>,
    /// A UTF-8 BOM on CSV outputs (Excel needs it).
    pub bom: bool,
    pub encoding: Encoding,
    pub as_of: NaiveDate,
    pub lang: Lang,
}

/// Told how far a run has come; the command line shows it as a progress bar.
pub trait Progress: Sync {
    /// A new phase of `len` steps begins.
    fn phase(&self, name: &'static str, len: usize);
    /// `n` more steps are done.
    fn inc(&self, n: u64);
}

/// No progress shown.
pub struct Quiet;

impl Progress for Quiet {
    fn phase(&self, _: &'static str, _: usize) {}
    fn inc(&self, _: u64) {}
}

/// What a row comes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowStatus {
    Awarded,
    Discretionary,
    Ineligible,
    Error,
    /// A blank row, kept in its place.
    Empty,
}

impl RowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Awarded => "awarded",
            RowStatus::Discretionary => "discretionary",
            RowStatus::Ineligible => "ineligible",
            RowStatus::Error => "error",
            RowStatus::Empty => "",
        }
    }
}

/// The columns a batch adds to a row.
#[derive(Clone, Debug)]
pub struct RowResult {
    /// The applicant and the row's place among its rows, when it has one.
    pub unit: Option<(u32, u32)>,
    pub clause: Option<u32>,
    /// `None` for discretionary, error and empty rows.
    pub award: Option<Money>,
    pub status: RowStatus,
    pub reason: String,
}

impl RowResult {
    fn empty() -> RowResult {
        RowResult {
            unit: None,
            clause: None,
            award: None,
            status: RowStatus::Empty,
            reason: String::new(),
        }
    }

    fn error(message: String) -> RowResult {
        RowResult {
            unit: None,
            clause: None,
            award: None,
            status: RowStatus::Error,
            reason: message,
        }
    }
}

/// One applicant of the round: its facts and where its rows stand.
pub struct Unit {
    pub code: String,
    pub district: String,
    pub facts: Facts,
    /// (row in the file, section, index within the section's items), in file order.
    pub rows: Vec<(usize, usize, usize)>,
    /// File lines of this applicant's rows that had errors.
    pub error_lines: Vec<usize>,
    first_line: usize,
}

/// Runs `calc batch`: writes the output (and summary) and says what it came to.
pub fn run(rules: &RuleSet, args: &Options, progress: &dyn Progress) -> Result<Report, Error> {
    guard::distinct_files(args)?;
    let as_of = args.as_of;
    let lang = args.lang;
    let quotas = quota::resolve(rules)?;
    // Timed from here for CALC_BATCH_TIMING: reading and decoding the file is part of a run.
    let t0 = std::time::Instant::now();
    let table = Table::open(&args.input, args.encoding)?;
    let allowed = read::row_sections(rules);
    let mut used: Vec<usize> = vec![rules.roles.applicant];
    used.extend(&allowed);
    let cols = Columns::map(rules, &table.file, &table.headers, &used)?;
    cols.require_round(rules, &table.file)?;
    let mut priors = HashMap::new();
    for p in &args.priors {
        prior::load(rules, p, args.encoding, &mut priors)?;
    }

    let mut phases: Vec<(&'static str, std::time::Duration)> = Vec::new();
    let mut mark = |what: &'static str| phases.push((what, t0.elapsed()));
    mark("open");
    let chunks = table.chunks(1 << 21);
    progress.phase("读取 reading", chunks.len());
    // Applicants are independent: rows go to shards by credit code, so that each shard finds
    // its applicants' rows on a core of its own.
    let n_shards = rayon::current_num_threads().max(1) * 4;
    // 1. Each row's place in the file and its credit code, chunk by chunk on all cores.
    let located: Vec<Located> = chunks
        .par_iter()
        .map(|c| {
            let mut l = Located {
                shards: (0..n_shards)
                    .map(|_| Vec::with_capacity(c.size() / 128 / n_shards))
                    .collect(),
                alone: Vec::new(),
                spans: Vec::with_capacity(c.size() / 128),
            };
            table.for_each_row_verbatim(c, |line, cells, span| {
                let at = l.spans.len();
                l.spans.push(span);
                if read::is_blank(cells) {
                    return;
                }
                match read::read_code(rules, &cols, cells) {
                    Some((code, key)) => {
                        let text = read::code_text(&code, key.as_ref());
                        let shard = shard_of(text, n_shards);
                        let code = match key {
                            Some(k) => Code::Short(k),
                            None => Code::Long(code),
                        };
                        l.shards[shard].push((at, line, code));
                    }
                    // A row without a readable credit code stands alone (as an error).
                    None => l.alone.push((at, line)),
                }
            });
            progress.inc(1);
            l
        })
        .collect();
    let mut chunk_rows = Vec::with_capacity(located.len());
    let mut first_row = Vec::with_capacity(located.len());
    let mut n_rows = 0usize;
    for l in &located {
        first_row.push(n_rows);
        chunk_rows.push(l.spans.len());
        n_rows += l.spans.len();
    }
    mark("located");
    // 2. The rows of each credit code, in file order, shard by shard on all cores.
    let mut groups: Vec<Vec<RowAt>> = (0..n_shards)
        .into_par_iter()
        .map(|s| {
            let mut short: foldhash::HashMap<read::CodeKey, u32> = foldhash::HashMap::default();
            let mut long: foldhash::HashMap<String, u32> = foldhash::HashMap::default();
            let mut groups: Vec<Vec<RowAt>> = Vec::new();
            for (l, &first) in located.iter().zip(&first_row) {
                for (at, line, code) in &l.shards[s] {
                    let next = groups.len() as u32;
                    let g = match code {
                        Code::Short(k) => *short.entry(*k).or_insert(next),
                        Code::Long(c) => *long.entry(c.clone()).or_insert(next),
                    };
                    if g == next {
                        // About ten rows an applicant: fewer reallocations.
                        groups.push(Vec::with_capacity(8));
                    }
                    groups[g as usize].push(RowAt {
                        row: first + at,
                        line: *line,
                        span: l.spans.get(*at).copied().flatten(),
                    });
                }
            }
            groups
        })
        .flatten()
        .collect();
    for (l, &first) in located.iter().zip(&first_row) {
        groups.extend(l.alone.iter().map(|&(at, line)| {
            vec![RowAt {
                row: first + at,
                line,
                span: l.spans.get(at).copied().flatten(),
            }]
        }));
    }
    let mut spans: Vec<Option<read::Span>> = Vec::with_capacity(n_rows);
    for l in located {
        spans.extend(l.spans);
    }
    mark("grouped");
    // 3. Each applicant read from its rows and evaluated at once, on all cores.
    progress.phase("计算 computing", groups.len());
    let builder = Builder {
        rules,
        cols: &cols,
        headers: &table.headers,
        allowed: &allowed,
        table: &table,
        priors: &priors,
        quotas: &quotas,
        as_of,
        lang,
        key_field: rules
            .vocabulary
            .sections
            .iter()
            .map(|s| s.key.as_ref().and_then(|k| s.field_index(k)))
            .collect(),
    };
    let mut results: Vec<RowResult> = Vec::with_capacity(n_rows);
    results.par_extend((0..n_rows).into_par_iter().map(|_| RowResult::empty()));
    let mut units: Vec<Unit> = Vec::with_capacity(groups.len());
    // In batches, so that only a batch's results are held twice; a batch's results are put
    // in place while the next batch is read and evaluated.
    let build = |from: usize, batch: &[Vec<RowAt>]| -> Vec<Built> {
        batch
            .par_iter()
            .enumerate()
            .with_min_len(64)
            .map_init(
                || Buffers::new(rules),
                |buffers, (i, rows)| {
                    let b = builder.build((from + i) as u32, rows, &[], buffers);
                    progress.inc(1);
                    b
                },
            )
            .collect()
    };
    let mut candidates = Vec::new();
    let place = |results: &mut [RowResult],
                 units: &mut Vec<Unit>,
                 candidates: &mut Vec<quota::Candidate>,
                 done: Vec<Built>| {
        for mut b in done {
            units.push(b.unit);
            candidates.append(&mut b.candidates);
            put(results, b.rows);
        }
    };
    let mut done: Option<Vec<Built>> = None;
    const BATCH: usize = 1 << 13;
    for (b, batch) in groups.chunks(BATCH).enumerate() {
        let (next, ()) = rayon::join(
            || build(b * BATCH, batch),
            || {
                if let Some(done) = done.take() {
                    place(&mut results, &mut units, &mut candidates, done);
                }
            },
        );
        done = Some(next);
    }
    if let Some(done) = done {
        place(&mut results, &mut units, &mut candidates, done);
    }
    let n_units = units.iter().filter(|u| !u.rows.is_empty()).count();

    mark("evaluated");
    // A quota leaves items out; the applicants concerned are evaluated again without them.
    let mut decision = quota::decide(rules, &quotas, candidates, &units);
    if !decision.affected.is_empty() {
        // Each affected applicant with the items left out, read and evaluated again.
        decision.excluded.sort_by_key(|(ui, k, _)| (*ui, *k));
        let excluded = &decision.excluded;
        let again: Vec<Built> = decision
            .affected
            .par_iter()
            .map_init(
                || Buffers::new(rules),
                |buffers, &ui| {
                    let from = excluded.partition_point(|(u, _, _)| *u < ui);
                    let to = excluded.partition_point(|(u, _, _)| *u <= ui);
                    let rows = groups.get(ui as usize).map_or(&[][..], |g| g.as_slice());
                    builder.build(ui, rows, &excluded[from..to], buffers)
                },
            )
            .collect();
        for b in again {
            put(&mut results, b.rows);
        }
    }
    for (row, message) in decision.errors {
        let unit = results[row].unit;
        results[row] = RowResult::error(message);
        results[row].unit = unit;
    }
    note_errors(&units, &mut results, lang);

    mark("quota");
    progress.phase("写出 writing", chunks.len());
    // The summary is made while the rows are written (and the file synced); a failure to
    // write the rows is reported first, as when they were made one after the other.
    let (out, summary) = std::thread::scope(|scope| {
        let summary = args.summary.as_ref().map(|path| {
            let (units, results) = (&units, &results);
            scope.spawn(move || {
                summary::write(
                    path,
                    &summary::Summary::of(rules, units, results),
                    rules,
                    as_of,
                    args.bom,
                )
                .map(|tmp| (path, tmp))
            })
        });
        let out = write::write_rows(
            &args.output,
            &table,
            &chunks,
            &chunk_rows,
            &spans,
            &results,
            &cols,
            rules,
            args.bom,
            progress,
        );
        let summary = summary.map(|h| {
            h.join().unwrap_or_else(|_| {
                Err(Error::Write {
                    path: path_text(args.summary.as_deref()),
                    message: "汇总失败 / the summary failed".to_string(),
                })
            })
        });
        (out, summary)
    });
    let out = out?;
    let summary = summary.transpose()?;
    mark("written");
    write::persist(out, &args.output)?;
    if let Some((path, tmp)) = summary {
        write::persist(tmp, path)?;
    }

    let mut report = Report {
        rows: results.len(),
        units: n_units,
        errors: results
            .iter()
            .filter(|r| r.status == RowStatus::Error)
            .count(),
        as_of,
        digest: rules.digest.clone(),
        phases,
        round: None,
    };
    // Freeing a million small values costs a tenth of a large round's run: the round is
    // handed to the caller, which may let the process end without freeing it.
    report.round = Some(Box::new((units, results, groups, spans, table)));
    Ok(report)
}

/// What a run of `calc batch` came to, for its closing line.
pub struct Report {
    pub rows: usize,
    pub units: usize,
    /// Rows with status `error`.
    pub errors: usize,
    pub as_of: NaiveDate,
    pub digest: String,
    /// When each phase ended, from the opening of the input (for `CALC_BATCH_TIMING`).
    pub phases: Vec<(&'static str, std::time::Duration)>,
    /// The round's rows, applicants and results, freed with the report.
    pub round: Option<Box<dyn std::any::Any + Send>>,
}

impl Report {
    /// 0, or 3 when some rows had errors.
    pub fn exit_code(&self) -> u8 {
        if self.errors == 0 { 0 } else { 3 }
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Report {
            rows,
            units,
            errors,
            as_of,
            digest,
            ..
        } = self;
        write!(
            f,
            "{rows} 行，{units} 个申报单位，{errors} 行有误；计算基准日 as of {as_of}；规则 rules sha256 {digest} / {rows} rows, {units} applicants, {errors} with errors"
        )
    }
}

/// Where a chunk's rows stand and whose they are (step 1 of `run`).
struct Located {
    /// By shard: (row within the chunk, file line, credit code), in file order.
    shards: Vec<Vec<(usize, usize, Code)>>,
    /// Rows without a readable credit code: (row within the chunk, file line).
    alone: Vec<(usize, usize)>,
    /// Where each row stands in the CSV text, by row within the chunk.
    spans: Vec<Option<read::Span>>,
}

/// A credit code as a hash key: inline when short, as valid codes are.
enum Code {
    Short(read::CodeKey),
    Long(String),
}

/// A shard for a credit code (FNV-1a): the same code always goes to the same shard.
fn shard_of(code: &str, n: usize) -> usize {
    let h = code.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (h % n as u64) as usize
}

/// Puts an applicant's rows' results in their places.
fn put(results: &mut [RowResult], rows: Vec<(usize, RowResult)>) {
    for (row, r) in rows {
        if let Some(slot) = results.get_mut(row) {
            *slot = r;
        }
    }
}

/// Adds to each evaluated row of an applicant with a bad row that the bad row was left out.
fn note_errors(units: &[Unit], results: &mut [RowResult], lang: Lang) {
    for u in units.iter().filter(|u| !u.error_lines.is_empty()) {
        let lines: Vec<String> = u.error_lines.iter().map(|l| l.to_string()).collect();
        let note = match lang {
            Lang::Zh => format!(
                "注意: 本单位第 {} 行有误，未计入；更正后本行金额可能变化",
                lines.join("、")
            ),
            Lang::En => format!(
                "note: line(s) {} of this applicant have errors and were left out; this award may change once they are corrected",
                lines.join(", ")
            ),
        };
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

fn path_text(p: Option<&std::path::Path>) -> String {
    p.map(|p| p.display().to_string()).unwrap_or_default()
}
