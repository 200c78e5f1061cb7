//! `calc batch`: a whole round of applications from a spreadsheet (SPEC §6).
//!
//! Rows are read (`read`), grouped into applicants by credit code wherever they stand, and each
//! applicant goes through `engine::evaluate`, the one evaluator, on both cores. Each row gets its
//! item's clause, award, status and reason back; a clause quota (`quota`) may then leave items
//! out, and the applicants concerned are evaluated again. `write` writes every input row in input
//! order, atomically; `summary` totals the rows.
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
use crate::render::{Ctx, Lang, describe};
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

/// Runs `calc batch`; the exit code is 0, or 3 when some rows had errors.
pub fn run(config: &Config, args: &BatchArgs) -> Result<u8, Failure> {
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

    let timing = std::env::var_os("CALC_BATCH_TIMING").is_some();
    let mark = |what: &str| {
        if timing {
            eprintln!("{what}: {:?}", t0.elapsed());
        }
    };
    mark("open");
    let progress = Progress::new();
    let chunks = table.chunks(1 << 21);
    progress.phase("读取 reading", chunks.len());
    let mut chunk_rows = Vec::with_capacity(chunks.len());
    let mut verbatim: Vec<Option<read::Span>> = Vec::new();
    // Applicants are independent: rows go to shards by credit code, and the shards group
    // their rows (in file order) on all cores.
    let n_shards = rayon::current_num_threads().max(1) * 4;
    let mut shards: Vec<Grouping> = (0..n_shards)
        .map(|_| Grouping::new(rules, &table.file, &cols, &table.headers))
        .collect();
    // Rows of a CSV are rarely shorter than 100 bytes: room for each shard's results.
    let expected = chunks.iter().map(|c| c.size()).sum::<usize>() / 100 / n_shards;
    for g in &mut shards {
        g.results.reserve(expected);
    }
    let mut next_row = 0usize;
    // Time spent parsing and grouping, for CALC_BATCH_TIMING.
    let (mut parsing, mut grouping) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    // Parse a few chunks at a time on all cores, each chunk sorting its rows by shard, then
    // group them: only a window of parsed rows is held at once.
    for window in chunks.chunks(rayon::current_num_threads().max(1) * 2) {
        let t = std::time::Instant::now();
        let mut parsed: Vec<ParsedChunk> = window
            .par_iter()
            .map_init(
                || Memo::new(rules),
                |memo, c| {
                    let per_shard = c.size() / 128 / n_shards;
                    let mut p = ParsedChunk {
                        shards: (0..n_shards)
                            .map(|_| Vec::with_capacity(per_shard))
                            .collect(),
                        raw: Vec::with_capacity(c.size() / 4),
                        spans: Vec::with_capacity(c.size() / 128),
                    };
                    table.for_each_row_verbatim(c, |line, cells, span| {
                        let at = p.spans.len();
                        p.spans.push(span);
                        let row = read::parse_row(
                            rules,
                            &cols,
                            &table.headers,
                            &allowed,
                            line,
                            cells,
                            memo,
                            &mut p.raw,
                        );
                        let shard = row.code().map_or(0, |code| shard_of(code, n_shards));
                        p.shards[shard].push((at, line, row));
                    });
                    p
                },
            )
            .collect();
        parsing += t.elapsed();
        let t = std::time::Instant::now();
        // Each shard's rows of each chunk, with the chunk's first row and its index.
        let mut queues: Vec<Vec<(usize, usize, ShardRows)>> = (0..n_shards)
            .map(|_| Vec::with_capacity(window.len()))
            .collect();
        for (j, p) in parsed.iter_mut().enumerate() {
            for (queue, rows) in queues.iter_mut().zip(&mut p.shards) {
                queue.push((next_row, j, std::mem::take(rows)));
            }
            let n = p.spans.len();
            chunk_rows.push(n);
            verbatim.append(&mut p.spans);
            next_row += n;
            progress.inc(1);
        }
        let raws: Vec<&[u8]> = parsed.iter().map(|p| p.raw.as_slice()).collect();
        shards.par_iter_mut().zip(queues).for_each(|(g, queue)| {
            for (first, j, rows) in queue {
                for (at, line, r) in rows {
                    g.add(first + at, line, r, raws[j]);
                }
            }
        });
        grouping += t.elapsed();
    }
    shards.par_iter_mut().for_each(|g| g.finish());
    // Each shard's results are in row order: every part of the rows takes its results from
    // each shard on any core, its units numbered after the units of the shards before.
    let mut shard_results: Vec<(u32, Vec<(usize, Placed)>)> = Vec::with_capacity(n_shards);
    let mut offset = 0u32;
    for g in &mut shards {
        shard_results.push((offset, std::mem::take(&mut g.results)));
        offset += g.units.len() as u32;
    }
    let mut results: Vec<RowResult> = Vec::with_capacity(next_row);
    results.par_extend((0..next_row).into_par_iter().map(|_| RowResult::empty()));
    const PART: usize = 1 << 14;
    results
        .par_chunks_mut(PART)
        .enumerate()
        .for_each(|(p, part)| {
            let (lo, hi) = (p * PART, p * PART + part.len());
            for (offset, rs) in &shard_results {
                let from = rs.partition_point(|(row, _)| *row < lo);
                for (row, r) in rs[from..].iter().take_while(|(row, _)| *row < hi) {
                    if let Some(slot) = part.get_mut(row - lo) {
                        *slot = match r {
                            Placed::Unit(u, k) => RowResult {
                                unit: Some((u + offset, *k)),
                                clause: None,
                                award: None,
                                status: RowStatus::Ineligible,
                                reason: String::new(),
                            },
                            Placed::Error(message) => RowResult::error(message.clone()),
                        };
                    }
                }
            }
        });
    drop(shard_results);
    let mut units: Vec<Unit> = Vec::new();
    for g in shards {
        let Grouping {
            units: mut shard_units,
            pending_errors,
            by_code,
            ..
        } = g;
        for (code, lines) in pending_errors {
            if let Some((ui, _)) = by_code.get(read::code_key(&code).as_ref(), &code) {
                shard_units[ui as usize].error_lines.extend(lines);
            }
        }
        units.extend(shard_units);
    }
    for u in &mut units {
        if let Some(items) = priors.remove(&u.code) {
            u.facts.sections[rules.roles.prior].extend(items);
        }
        u.error_lines.sort_unstable();
    }

    if timing {
        eprintln!("  parsing {parsing:?}, grouping {grouping:?}");
    }
    mark("parsed+grouped");
    progress.phase("计算 computing", units.len());
    evaluate_units(rules, &units, None, as_of, lang, &mut results, &progress);

    mark("evaluated");
    // A quota leaves items out; the applicants concerned are evaluated again without them.
    let decision = quota::decide(rules, &quotas, &mut units, &results);
    if !decision.affected.is_empty() {
        evaluate_units(
            rules,
            &units,
            Some(&decision.affected),
            as_of,
            lang,
            &mut results,
            &Progress::hidden(),
        );
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
            &verbatim,
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

    let errors: Vec<(usize, &RowResult)> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status == RowStatus::Error)
        .collect();
    eprintln!(
        "{} 行，{} 个申报单位，{} 行有误；计算基准日 as of {as_of}；规则 rules sha256 {} / {} rows, {} applicants, {} with errors",
        results.len(),
        units.len(),
        errors.len(),
        rules.digest,
        results.len(),
        units.len(),
        errors.len()
    );
    let code = if errors.is_empty() { 0 } else { 3 };
    // Freeing a million small values costs about a tenth of a large round's run: it is done on
    // a thread of its own, which the process need not wait for (forgetting them would leak
    // whenever `run` is called in a process that goes on, as tests and fuzzers do).
    std::thread::spawn(move || drop((units, results, table)));
    Ok(code)
}

/// One shard's rows of a chunk: (row within the chunk, file line, row), in file order.
type ShardRows = Vec<(usize, usize, Row)>;

/// A chunk's rows read.
struct ParsedChunk {
    /// By shard.
    shards: Vec<ShardRows>,
    /// The bytes of the applicants' cells (`read::parse_row`).
    raw: Vec<u8>,
    /// Where each row stands in the CSV text, by row within the chunk.
    spans: Vec<Option<read::Span>>,
}

/// What grouping makes of a row, before evaluation.
enum Placed {
    /// The applicant (within the shard) and the row's place among its rows.
    Unit(u32, u32),
    Error(String),
}

/// Assigns rows to applicants in file order; bad rows become errors in place.
struct Grouping<'a> {
    rules: &'a RuleSet,
    file: &'a str,
    cols: &'a Columns,
    headers: &'a [String],
    memo: Memo,
    units: Vec<Unit>,
    /// Each unit's rows so far, by unit: the only per-unit memory most rows touch.
    pending: Vec<Vec<Pending>>,
    by_code: Codes,
    /// Each section's key field, if it has one.
    key_field: Vec<Option<usize>>,
    /// (row in the file, what it came to), in row order; empty rows are left out.
    results: Vec<(usize, Placed)>,
    /// Error rows whose credit code could be read, by code.
    pending_errors: foldhash::HashMap<String, Vec<usize>>,
}

impl<'a> Grouping<'a> {
    fn new(
        rules: &'a RuleSet,
        file: &'a str,
        cols: &'a Columns,
        headers: &'a [String],
    ) -> Grouping<'a> {
        Grouping {
            rules,
            file,
            cols,
            headers,
            memo: Memo::new(rules),
            units: Vec::new(),
            pending: Vec::new(),
            by_code: Codes::default(),
            key_field: rules
                .vocabulary
                .sections
                .iter()
                .map(|s| s.key.as_ref().and_then(|k| s.field_index(k)))
                .collect(),
            results: Vec::new(),
            pending_errors: foldhash::HashMap::default(),
        }
    }

    /// Places a row; `raw` is the byte arena of the row's chunk (`read::parse_row`).
    fn add(&mut self, at: usize, line: usize, row: Row, raw: &[u8]) {
        let result = match row {
            // The row table starts with every row empty.
            Row::Empty => return,
            Row::Error { message, code } => {
                if let Some(code) = code {
                    self.pending_errors.entry(code).or_default().push(line);
                }
                Placed::Error(message)
            }
            Row::Item {
                code,
                key,
                applicant,
                section,
                item,
            } => match self.place(
                at,
                line,
                (code, key),
                raw.get(applicant).unwrap_or_default(),
                section,
                item,
            ) {
                Ok((ui, k)) => Placed::Unit(ui, k),
                Err(message) => Placed::Error(message),
            },
        };
        self.results.push((at, result));
    }

    fn place(
        &mut self,
        row: usize,
        line: usize,
        (code, key): (String, Option<read::CodeKey>),
        raw: &[u8],
        section: usize,
        item: Item,
    ) -> Result<(u32, u32), String> {
        let rules = self.rules;
        let code = read::code_text(&code, key.as_ref());
        // The applicant's facts, converted unless they are the bytes of the unit's first row.
        let found = self.by_code.get(key.as_ref(), code);
        let existing = found.map(|(ui, _)| ui);
        let applicant = match found {
            Some((_, first)) if first == raw => None,
            _ => match read::parse_applicant(
                rules,
                self.cols,
                self.headers,
                line,
                code,
                raw,
                &mut self.memo,
            ) {
                Ok(a) => Some(a),
                Err(message) => {
                    // As a row that could not be read: its applicant may still turn up.
                    self.pending_errors
                        .entry(code.to_string())
                        .or_default()
                        .push(line);
                    return Err(message);
                }
            },
        };
        let (ui, applicant) = match (existing, applicant) {
            (Some(ui), applicant) => (ui, applicant),
            (None, Some(applicant)) => {
                let ui = self.units.len() as u32;
                let mut facts = Facts::new(rules, self.file);
                let district = applicant
                    .text(rules.roles.district)
                    .unwrap_or_default()
                    .to_string();
                facts.sections[rules.roles.applicant].push(applicant);
                self.units.push(Unit {
                    code: code.to_string(),
                    district,
                    facts,
                    rows: Vec::new(),
                    error_lines: Vec::new(),
                    first_line: line,
                });
                // About ten rows an applicant: fewer reallocations.
                self.pending.push(Vec::with_capacity(8));
                self.by_code.insert(key, code.to_string(), ui, raw);
                (ui, None)
            }
            // A new unit always has its applicant converted above.
            (None, None) => return Err(String::new()),
        };
        let fail = |unit: &mut Unit, message: String| {
            unit.error_lines.push(line);
            Err(message)
        };
        let a = rules.roles.applicant;
        if let Some(applicant) = &applicant {
            let unit = &mut self.units[ui as usize];
            if let Some(first) = unit.facts.single(a)
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
                let first_line = unit.first_line;
                return fail(
                    unit,
                    format!(
                        "同一统一社会信用代码的单位信息与第 {first_line} 行不一致: {} / the applicant's facts differ from line {first_line} (same credit code): {}",
                        differ.join(", "),
                        differ.join(", ")
                    ),
                );
            }
        }
        let s = rules.section(section);
        let key = self.key_field.get(section).copied().flatten();
        let hash = key.map_or(0, |k| key_hash(item.get(k)));
        let Some(rows) = self.pending.get_mut(ui as usize) else {
            return Err(String::new());
        };
        // The first earlier item of the section with the same key: only items whose key
        // hashes alike are compared.
        if let Some(k) = key
            && let Some(dup) = rows
                .iter()
                .filter(|p| p.hash == hash && p.section == section)
                .find(|p| p.item.get(k) == item.get(k))
        {
            let (dup_line, key) = (dup.item.line, item.key(s));
            return fail(
                &mut self.units[ui as usize],
                format!(
                    "本单位{}“{key}”重复 (与第 {dup_line} 行) / duplicate {} `{key}` for this applicant (also at line {dup_line})",
                    s.label, s.name
                ),
            );
        }
        let k = rows.len() as u32;
        rows.push(Pending {
            row,
            section,
            hash,
            item,
        });
        Ok((ui, k))
    }

    /// Puts each unit's rows into its facts, in file order (on the shard's core, one unit
    /// after the other rather than one row after the other).
    fn finish(&mut self) {
        for (unit, rows) in self.units.iter_mut().zip(self.pending.drain(..)) {
            unit.rows.reserve_exact(rows.len());
            for p in rows {
                let index = unit.facts.sections[p.section].len();
                unit.facts.sections[p.section].push(p.item);
                unit.rows.push((p.row, p.section, index));
            }
        }
    }
}

/// A row placed in its unit, before it joins the unit's facts (`Grouping::finish`).
struct Pending {
    row: usize,
    section: usize,
    /// `key_hash` of the item's key.
    hash: u64,
    item: Item,
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

/// Applicants by credit code, each with its applicant's cells on its first row
/// (`read::parse_row`): a later row with the same bytes has the same facts and is not
/// converted again. Codes and (short) cells are held in the table, so a row is placed
/// reading little other memory.
#[derive(Default)]
struct Codes {
    short: foldhash::HashMap<read::CodeKey, (u32, Raw)>,
    long: foldhash::HashMap<String, (u32, Raw)>,
}

impl Codes {
    fn get(&self, key: Option<&read::CodeKey>, code: &str) -> Option<(u32, &[u8])> {
        match key {
            Some(k) => self.short.get(k),
            None => self.long.get(code),
        }
        .map(|(ui, raw)| (*ui, raw.bytes()))
    }

    fn insert(&mut self, key: Option<read::CodeKey>, code: String, ui: u32, raw: &[u8]) {
        let value = (ui, Raw::new(raw));
        match key {
            Some(k) => self.short.insert(k, value),
            None => self.long.insert(code, value),
        };
    }
}

/// An applicant's cells as kept for comparison: inline when short, as they usually are.
enum Raw {
    Inline(u8, [u8; 111]),
    Boxed(Box<[u8]>),
}

impl Raw {
    fn new(bytes: &[u8]) -> Raw {
        let mut inline = [0; 111];
        match inline.get_mut(..bytes.len()) {
            Some(to) => {
                to.copy_from_slice(bytes);
                Raw::Inline(bytes.len() as u8, inline)
            }
            None => Raw::Boxed(bytes.into()),
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Raw::Inline(n, b) => b.get(..*n as usize).unwrap_or_default(),
            Raw::Boxed(b) => b,
        }
    }
}

/// A shard for a credit code (FNV-1a): the same code always goes to the same shard.
fn shard_of(code: &str, n: usize) -> usize {
    let h = code.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (h % n as u64) as usize
}

/// Evaluates every applicant (or only those listed) on all cores and fills their rows.
fn evaluate_units(
    rules: &RuleSet,
    units: &[Unit],
    only: Option<&[u32]>,
    as_of: NaiveDate,
    lang: Lang,
    results: &mut [RowResult],
    progress: &Progress,
) {
    let picked: Vec<u32> = match only {
        Some(list) => list.to_vec(),
        None => (0..units.len() as u32).collect(),
    };
    // In batches, so that only a batch's results are held twice; a batch's results are put
    // in place while the next batch is evaluated.
    let evaluate = |batch: &[u32]| -> Vec<Vec<(usize, RowResult)>> {
        batch
            .par_iter()
            .with_min_len(64)
            .map(|&ui| {
                let r = evaluate_unit(rules, &units[ui as usize], ui, as_of, lang);
                progress.inc(1);
                r
            })
            .collect()
    };
    let place = |results: &mut [RowResult], done: Vec<Vec<(usize, RowResult)>>| {
        for (row, r) in done.into_iter().flatten() {
            results[row] = r;
        }
    };
    let mut done: Option<Vec<Vec<(usize, RowResult)>>> = None;
    for batch in picked.chunks(1 << 13) {
        let (next, ()) = rayon::join(
            || evaluate(batch),
            || {
                if let Some(done) = done.take() {
                    place(results, done);
                }
            },
        );
        done = Some(next);
    }
    if let Some(done) = done {
        place(results, done);
    }
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
                out[k] = Some(item_result(co, it, gates, &cx, (ui, k as u32)));
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
) -> RowResult {
    // The gates' and shown steps' descriptions, joined.
    let sep = cx.lang.pick("；", "; ");
    let mut reason = String::new();
    let steps = it
        .steps
        .iter()
        .filter(|s| shown(s))
        .map(|s| describe(s, cx));
    for (i, part) in gates
        .iter()
        .map(|g| std::borrow::Cow::Borrowed(g.as_str()))
        .chain(steps.map(std::borrow::Cow::Owned))
        .enumerate()
    {
        if i > 0 {
            reason.push_str(sep);
        }
        reason.push_str(&part);
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
        reason,
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

    fn hidden() -> Progress {
        Progress(None)
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
