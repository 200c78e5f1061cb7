//! Reading one applicant from its rows and evaluating it (step 3 of `batch::run`): its rows are
//! read again from their places in file order into its facts, checked against each other (the
//! applicant's facts repeat, an item's key does not), evaluated by `engine::evaluate`, and each
//! row given its item's clause, award, status and reason.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::read::{self, Columns, Memo, Row, Table};
use super::{RowResult, RowStatus, Unit, quota};
use crate::engine::evaluate;
use crate::facts::{Facts, Item, Value};
use crate::money::Money;
use crate::outcome::{ClauseOutcome, ItemOutcome, Step};
use crate::render::{Ctx, Lang, describe, describe_into};
use crate::rules::RuleSet;

/// A row of an applicant: where it stands in the file.
#[derive(Clone, Copy, Debug)]
pub struct RowAt {
    pub row: usize,
    pub line: usize,
    pub span: Option<read::Span>,
}

/// An applicant (or a placeholder when none of its rows could be read), its rows' results and
/// its items that a quota may leave out. Its facts are dropped once it is evaluated: a quota
/// that leaves an item out has the applicant read and evaluated again.
pub struct Built {
    pub unit: Unit,
    pub rows: Vec<(usize, RowResult)>,
    pub candidates: Vec<quota::Candidate>,
}

/// Reads one applicant's rows again, in file order, into its facts, and evaluates it.
pub struct Builder<'a> {
    pub rules: &'a RuleSet,
    pub cols: &'a Columns,
    pub headers: &'a [String],
    pub allowed: &'a [usize],
    pub table: &'a Table,
    pub priors: &'a HashMap<String, Vec<Item>>,
    pub quotas: &'a [quota::QuotaRule],
    /// Each section's key field, if it has one.
    pub key_field: Vec<Option<usize>>,
    pub as_of: NaiveDate,
    pub lang: Lang,
}

/// What a core reuses from one applicant to the next while reading rows.
pub struct Buffers {
    memo: Memo,
    scratch: read::RowScratch,
    /// The applicant's cells of the row being read (`read::parse_row`).
    raw: Vec<u8>,
}

impl Buffers {
    pub fn new(rules: &RuleSet) -> Buffers {
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
    pub fn build(
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
