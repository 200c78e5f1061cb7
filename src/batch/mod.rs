//! `calc batch`: a whole round of applications from a spreadsheet (SPEC §6).
//!
//! Three passes over the rows, each on both cores: (1) each row's place in the file and its
//! credit code (`read`); (2) the rows of each credit code, wherever they stand; (3) each
//! applicant's rows read into its facts, in file order, and evaluated by `engine::evaluate`, the
//! one evaluator, at once: an applicant's facts live only while it is evaluated, so a round's
//! memory is its text and its results. Each row gets its item's clause, award, status and
//! reason back; a clause quota (`quota`) may then leave items out, and the applicants concerned
//! are read and evaluated again. `write` writes every input row in input order, atomically;
//! `summary` totals the rows.
//!
//! A bad row keeps its place with status `error`. Decision: the other rows of its applicant are
//! still evaluated, without it (its facts cannot be trusted), and their reason says so, since
//! their awards may change under a shared cap once the bad row is corrected.

pub mod prior;
pub mod quota;
pub mod read;
pub mod summary;
pub mod write;

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::cli::{Config, Failure};
use crate::engine::evaluate;
use crate::facts::{Facts, Item, Value};
use crate::money::Money;
use crate::outcome::{ClauseOutcome, ItemOutcome, Step};
use crate::render::{Ctx, Lang, describe, describe_into};
use crate::rules::RuleSet;
use read::{Columns, Encoding, Memo, Row, Table};

/// The arguments of `calc batch`.
#[derive(clap::Args, Debug)]
pub struct BatchArgs {
    /// 本轮申报表 (CSV 或 XLSX) / the round's spreadsheet (CSV or XLSX)
    pub input: PathBuf,

    /// 输出文件 (.csv 或 .xlsx) / the output file (.csv or .xlsx)
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,

    /// 往期奖补 (上一轮的输出或往期奖补表)，可重复 / earlier awards (an earlier round's output or a prior table); repeatable
    #[arg(long, value_name = "FILE")]
    pub prior: Vec<PathBuf>,

    /// 汇总表：按区县、条款合计 / totals by district and clause
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,

    /// CSV 输出不加 BOM / CSV output without the UTF-8 BOM Excel needs
    #[arg(long)]
    pub no_bom: bool,

    /// CSV 输入编码 / the CSV input's encoding
    #[arg(long, value_enum, default_value_t = Encoding::Auto)]
    pub encoding: Encoding,
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
pub fn run(config: &Config, args: &BatchArgs) -> Result<Report, Failure> {
    let rules = &config.rules;
    let as_of = config
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let lang = config.lang;
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
    for p in &args.prior {
        prior::load(rules, p, args.encoding, &mut priors)?;
    }

    let mut phases: Vec<(&'static str, std::time::Duration)> = Vec::new();
    let mut mark = |what: &'static str| phases.push((what, t0.elapsed()));
    mark("open");
    let progress = Progress::new();
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
            for (row, r) in b.rows {
                if let Some(slot) = results.get_mut(row) {
                    *slot = r;
                }
            }
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
            for (row, r) in b.rows {
                if let Some(slot) = results.get_mut(row) {
                    *slot = r;
                }
            }
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
                    !args.no_bom,
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
            !args.no_bom,
            &progress,
        );
        let summary = summary.map(|h| {
            h.join().unwrap_or_else(|_| {
                Err(Failure {
                    message: "汇总失败 / the summary failed".to_string(),
                    code: 2,
                })
            })
        });
        (out, summary)
    });
    let out = out?;
    let summary = summary.transpose()?;
    mark("written");
    progress.finish();
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

/// A row of an applicant: where it stands in the file.
#[derive(Clone, Copy, Debug)]
struct RowAt {
    row: usize,
    line: usize,
    span: Option<read::Span>,
}

/// A credit code as a hash key: inline when short, as valid codes are.
enum Code {
    Short(read::CodeKey),
    Long(String),
}

/// An applicant (or a placeholder when none of its rows could be read), its rows' results and
/// its items that a quota may leave out. Its facts are dropped once it is evaluated: a quota
/// that leaves an item out has the applicant read and evaluated again.
struct Built {
    unit: Unit,
    rows: Vec<(usize, RowResult)>,
    candidates: Vec<quota::Candidate>,
}

/// Reads one applicant's rows again, in file order, into its facts, and evaluates it.
struct Builder<'a> {
    rules: &'a RuleSet,
    cols: &'a Columns,
    headers: &'a [String],
    allowed: &'a [usize],
    table: &'a Table,
    priors: &'a HashMap<String, Vec<Item>>,
    quotas: &'a [quota::QuotaRule],
    /// Each section's key field, if it has one.
    key_field: Vec<Option<usize>>,
    as_of: NaiveDate,
    lang: Lang,
}

/// What a core reuses from one applicant to the next while reading rows.
struct Buffers {
    memo: Memo,
    scratch: read::RowScratch,
    /// The applicant's cells of the row being read (`read::parse_row`).
    raw: Vec<u8>,
}

impl Buffers {
    fn new(rules: &RuleSet) -> Buffers {
        Buffers {
            memo: Memo::new(rules),
            scratch: read::RowScratch::default(),
            raw: Vec::new(),
        }
    }
}

impl Builder<'_> {
    /// The first row that reads well makes the unit; a later row must repeat its applicant's
    /// facts and not repeat an item's key. Every row of the unit that has an error is noted
    /// on the unit (`note_errors`).
    fn build(
        &self,
        ui: u32,
        rows: &[RowAt],
        excluded: &[(u32, u32, Step)],
        buffers: &mut Buffers,
    ) -> Built {
        let rules = self.rules;
        let Buffers { memo, scratch, raw } = buffers;
        let mut so_far = SoFar::default();
        let mut error_lines = Vec::new();
        let mut errors: Vec<(usize, RowResult)> = Vec::new();
        // The rows' bytes are scattered over the file: touched together first, so that their
        // cache misses overlap instead of coming one after the other.
        self.table.touch(rows.iter().map(|r| r.span));
        for &RowAt { row, line, span } in rows {
            raw.clear();
            let read = self
                .table
                .with_row(row, span, scratch, |cells| {
                    read::parse_row(
                        rules,
                        self.cols,
                        self.headers,
                        self.allowed,
                        line,
                        cells,
                        memo,
                        raw,
                    )
                })
                .unwrap_or_else(|| Row::Error {
                    message: "无法再次读取本行 / the row could not be read again".to_string(),
                    code: None,
                });
            let placed = match read {
                Row::Empty => continue,
                Row::Error { message, code } => {
                    if code.is_some() {
                        error_lines.push(line);
                    }
                    Err(message)
                }
                Row::Item {
                    code,
                    key,
                    applicant,
                    section,
                    item,
                } => {
                    let code = read::code_text(&code, key.as_ref());
                    let applicant = raw.get(applicant).unwrap_or_default();
                    let placed = self.place(
                        &mut so_far,
                        (row, line),
                        code,
                        applicant,
                        (section, item),
                        memo,
                    );
                    if placed.is_err() {
                        error_lines.push(line);
                    }
                    placed
                }
            };
            if let Err(message) = placed {
                errors.push((row, RowResult::error(message)));
            }
        }
        let Some(mut unit) = so_far.unit else {
            let placeholder = Unit {
                code: String::new(),
                district: String::new(),
                facts: Facts::default(),
                rows: Vec::new(),
                error_lines: Vec::new(),
                first_line: 0,
            };
            return Built {
                unit: placeholder,
                rows: errors,
                candidates: Vec::new(),
            };
        };
        if let Some(items) = self.priors.get(&unit.code) {
            unit.facts.sections[rules.roles.prior].extend(items.iter().cloned());
        }
        error_lines.sort_unstable();
        unit.error_lines = error_lines;
        for (_, k, step) in excluded {
            if let Some(&(_, section, index)) = unit.rows.get(*k as usize)
                && let Some(item) = unit
                    .facts
                    .sections
                    .get_mut(section)
                    .and_then(|s| s.get_mut(index))
            {
                item.excluded = Some(Box::new(step.clone()));
            }
        }
        let mut out = evaluate_unit(rules, &unit, ui, self.as_of, self.lang);
        let mut candidates = Vec::new();
        quota::candidates(self.quotas, &unit, &out, &mut candidates);
        out.append(&mut errors);
        unit.facts = Facts::default();
        Built {
            unit,
            rows: out,
            candidates,
        }
    }

    fn place(
        &self,
        so_far: &mut SoFar,
        (row, line): (usize, usize),
        code: &str,
        raw: &[u8],
        (section, item): (usize, Item),
        memo: &mut Memo,
    ) -> Result<(), String> {
        let rules = self.rules;
        let SoFar {
            unit,
            first_raw,
            keys,
        } = so_far;
        let a = rules.roles.applicant;
        // The applicant's facts, converted unless they are the bytes of the unit's first row.
        let applicant = match unit {
            Some(_) if first_raw.as_slice() == raw => None,
            _ => Some(read::parse_applicant(
                rules,
                self.cols,
                self.headers,
                line,
                code,
                raw,
                memo,
            )?),
        };
        let unit = match (unit.as_mut(), applicant) {
            (Some(u), None) => u,
            (Some(u), Some(applicant)) => {
                if let Some(first) = u.facts.single(a)
                    && first.values != applicant.values
                {
                    let s = rules.section(a);
                    let differ: Vec<String> = s
                        .fields
                        .iter()
                        .enumerate()
                        .filter(|(fi, _)| first.values[*fi] != applicant.values[*fi])
                        .map(|(_, f)| format!("{} ({})", f.label, f.name))
                        .collect();
                    let first_line = u.first_line;
                    return Err(format!(
                        "同一统一社会信用代码的单位信息与第 {first_line} 行不一致: {} / the applicant's facts differ from line {first_line} (same credit code): {}",
                        differ.join(", "),
                        differ.join(", ")
                    ));
                }
                u
            }
            (None, Some(applicant)) => {
                let mut facts = Facts::new(rules, self.table.file.as_str());
                let district = applicant
                    .text(rules.roles.district)
                    .unwrap_or_default()
                    .to_string();
                facts.sections[a].push(applicant);
                first_raw.clear();
                first_raw.extend_from_slice(raw);
                unit.insert(Unit {
                    code: code.to_string(),
                    district,
                    facts,
                    rows: Vec::with_capacity(8),
                    error_lines: Vec::new(),
                    first_line: line,
                })
            }
            // A new unit always has its applicant converted above.
            (None, None) => return Err(String::new()),
        };
        let s = rules.section(section);
        let key = self.key_field.get(section).copied().flatten();
        let hash = key.map_or(0, |k| key_hash(item.get(k)));
        let items = &unit.facts.sections[section];
        // The first earlier item of the section with the same key: only items whose key
        // hashes alike are compared.
        if let Some(k) = key
            && let Some(dup) = keys
                .find(hash, section, |i| {
                    items
                        .get(i)
                        .is_some_and(|other| other.get(k) == item.get(k))
                })
                .and_then(|i| items.get(i))
        {
            let (dup_line, key) = (dup.line, item.key(s));
            return Err(format!(
                "本单位{}“{key}”重复 (与第 {dup_line} 行) / duplicate {} `{key}` for this applicant (also at line {dup_line})",
                s.label, s.name
            ));
        }
        let index = items.len();
        keys.insert(hash, section, index);
        unit.facts.sections[section].push(item);
        unit.rows.push((row, section, index));
        Ok(())
    }
}

/// An applicant as its rows are read: its unit once a row reads well, that row's applicant
/// cells (a later row with the same bytes has the same facts), and its items' keys.
#[derive(Default)]
struct SoFar {
    unit: Option<Unit>,
    first_raw: Vec<u8>,
    keys: SeenKeys,
}

/// The keys of an applicant's items so far, to find a repeated one: a list while it has few
/// items, a map by hash once it has many (one applicant may have thousands of rows).
#[derive(Default)]
struct SeenKeys {
    /// (key hash, section, index in the section), in file order.
    list: Vec<(u64, usize, usize)>,
    /// The same by (key hash, section), once the list is long.
    map: foldhash::HashMap<(u64, usize), Vec<usize>>,
}

impl SeenKeys {
    const LIST_MAX: usize = 64;

    /// The first item of `section` whose key hashes to `hash` and for which `same` holds.
    fn find(
        &self,
        hash: u64,
        section: usize,
        mut same: impl FnMut(usize) -> bool,
    ) -> Option<usize> {
        if self.map.is_empty() {
            self.list
                .iter()
                .filter(|(h, si, _)| *h == hash && *si == section)
                .map(|(_, _, i)| *i)
                .find(|&i| same(i))
        } else {
            self.map
                .get(&(hash, section))?
                .iter()
                .copied()
                .find(|&i| same(i))
        }
    }

    fn insert(&mut self, hash: u64, section: usize, index: usize) {
        if self.map.is_empty() && self.list.len() < Self::LIST_MAX {
            self.list.push((hash, section, index));
            return;
        }
        for (h, si, i) in self.list.drain(..) {
            self.map.entry((h, si)).or_default().push(i);
        }
        self.map.entry((hash, section)).or_default().push(index);
    }
}

/// A hash of an item's key consistent with `==` on values; decimals (equal at different
/// scales) all hash alike and are compared in full.
fn key_hash(v: Option<&Value>) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut h = foldhash::fast::FixedState::default().build_hasher();
    match v {
        Some(Value::Text(s)) => s.hash(&mut h),
        Some(Value::Int(i)) => i.hash(&mut h),
        Some(Value::Date(d)) => d.hash(&mut h),
        Some(Value::Bool(b)) => b.hash(&mut h),
        Some(Value::Enum(e)) => e.hash(&mut h),
        Some(Value::Money(_) | Value::Number(_)) | None => {}
    }
    h.finish()
}

/// A shard for a credit code (FNV-1a): the same code always goes to the same shard.
fn shard_of(code: &str, n: usize) -> usize {
    let h = code.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (h % n as u64) as usize
}

/// One applicant through the engine; each of its rows gets its item's outcome.
fn evaluate_unit(
    rules: &RuleSet,
    unit: &Unit,
    ui: u32,
    as_of: NaiveDate,
    lang: Lang,
) -> Vec<(usize, RowResult)> {
    let outcome = match evaluate(rules, &unit.facts, as_of) {
        Ok(o) => o,
        Err(e) => {
            let field = e.field.map(|f| format!("{f}: ")).unwrap_or_default();
            return unit
                .rows
                .iter()
                .enumerate()
                .map(|(k, (row, _, _))| {
                    let mut r = RowResult::error(format!("{field}{}", e.message));
                    r.unit = Some((ui, k as u32));
                    (*row, r)
                })
                .collect();
        }
    };
    // Rows by section, in item order: the k-th item of a section is at[section][k].
    let mut at: Vec<Vec<usize>> = vec![Vec::new(); unit.facts.sections.len()];
    for (k, (_, section, _)) in unit.rows.iter().enumerate() {
        at[*section].push(k);
    }
    let mut out: Vec<Option<RowResult>> = vec![None; unit.rows.len()];
    let mut buf = String::with_capacity(256);
    for co in &outcome.clauses {
        let Some(cx) = Ctx::of(rules, &outcome, co, lang) else {
            continue;
        };
        let clause = cx.clause;
        // The clause's gates read the same for each of its items: described once.
        let mut gates: Option<Vec<String>> = None;
        for it in &co.items {
            let Some(&k) = at[clause.section].get(it.index) else {
                continue;
            };
            if out[k].is_none() {
                let gates = gates
                    .get_or_insert_with(|| co.gates.iter().map(|g| describe(g, &cx)).collect());
                out[k] = Some(item_result(co, it, gates, &cx, (ui, k as u32), &mut buf));
            }
        }
    }
    out.into_iter()
        .enumerate()
        .map(|(k, r)| {
            let r = r.unwrap_or_else(|| RowResult {
                unit: Some((ui, k as u32)),
                clause: None,
                award: Some(Money::ZERO),
                status: RowStatus::Ineligible,
                reason: lang
                    .pick("不属于任何条款", "no clause covers this item")
                    .to_string(),
            });
            (unit.rows[k].0, r)
        })
        .collect()
}

fn item_result(
    co: &ClauseOutcome,
    it: &ItemOutcome,
    gates: &[String],
    cx: &Ctx<'_>,
    unit: (u32, u32),
    buf: &mut String,
) -> RowResult {
    // The gates' and shown steps' descriptions, joined, written into one buffer and copied
    // out at their length (a million reasons are held until they are written).
    let sep = cx.lang.pick("；", "; ");
    buf.clear();
    let reason = buf;
    for (i, g) in gates.iter().enumerate() {
        if i > 0 {
            reason.push_str(sep);
        }
        reason.push_str(g);
    }
    for (parts, s) in (gates.len()..).zip(it.steps.iter().filter(|s| shown(s))) {
        if parts > 0 {
            reason.push_str(sep);
        }
        describe_into(s, cx, reason);
    }
    let (status, award) = if !it.qualifies {
        (RowStatus::Ineligible, Some(Money::ZERO))
    } else if it.ceiling.is_some() {
        (RowStatus::Discretionary, None)
    } else {
        (RowStatus::Awarded, Some(it.amount))
    };
    RowResult {
        unit: Some(unit),
        clause: Some(co.clause),
        award,
        status,
        reason: reason.as_str().to_owned(),
    }
}

/// The steps a row's reason shows: every reason, and the computation itself.
fn shown(s: &Step) -> bool {
    s.is_reason()
        || matches!(
            s,
            Step::RateApplied { .. }
                | Step::TierApplied { .. }
                | Step::LevelFixed { .. }
                | Step::LevelRange { .. }
                | Step::InterestDays { .. }
        )
        || matches!(s, Step::HighestChosen { competitors } if *competitors > 0)
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

/// A progress bar on stderr when it is a terminal; nothing otherwise.
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new() -> Progress {
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(0);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{msg:>14} [{bar:40}] {pos}/{len}")
            {
                bar.set_style(style);
            }
            Progress(Some(bar))
        } else {
            Progress(None)
        }
    }

    fn phase(&self, name: &'static str, len: usize) {
        if let Some(b) = &self.0 {
            b.set_message(name);
            b.set_length(len as u64);
            b.set_position(0);
        }
    }

    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}
