//! Grouping rows by credit code: the rows of one code form one applicant wherever they stand.
//! Each parsed row is given its code's group as it is read; the rows are then put in group
//! order (file order within a group), in runs of groups sorted on all cores, and each
//! applicant is made from its rows on all cores.
//! Its first row that reads well makes its facts; a later row must repeat those applicant
//! facts and must not repeat an item's key, or it is an error.

use std::hash::{BuildHasher, Hash, Hasher};

use rayon::prelude::*;

use super::{line_list, named_at_most};
use crate::facts::{Facts, Item, Value};
use crate::outcome::Exclusions;
use crate::rules::{FieldId, RuleSet, SectionId};
use crate::sheet::read::Line;
use crate::text::Lang;

/// What one input row says.
pub enum Row {
    /// Every cell blank: kept in the output, not evaluated.
    Blank,
    /// Bad data: every problem, and the credit code when it could be read.
    Error {
        message: String,
        code: Option<String>,
    },
    Item {
        applicant: Applicant,
        section: SectionId,
        item: Item,
        /// The hash of the item's key (`key_hash`), taken while the row is at hand.
        key: u64,
    },
}

/// A row's applicant facts.
pub enum Applicant {
    /// As read from its cells, with the cells as written (`Cells`). Boxed: most rows
    /// are `Same`, and every row is moved twice on its way to its applicant.
    Read { item: Box<Item>, cells: Cells },
    /// The same cells as the first row of its credit code (that group).
    Same(u32),
}

/// Where a row's item stands: the row (its place in the round), and the item's section and
/// place among that section's items in the applicant's facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowAt {
    pub row: usize,
    pub section: SectionId,
    pub index: usize,
}

/// One applicant of the round: its facts and where its rows stand.
pub struct Unit {
    pub code: String,
    pub district: String,
    pub facts: Facts,
    /// Its earlier awards, from the round's prior files.
    pub priors: Vec<crate::prior::PriorAward>,
    /// Where each of its rows' items stands, in file order.
    pub rows: Vec<RowAt>,
    /// Lines of this applicant's rows that had errors.
    pub error_lines: Vec<Line>,
    /// Its items a clause quota left out of the round.
    pub excluded: Exclusions,
}

/// Rows in error, with their messages.
pub type Errors = Vec<(usize, String)>;

/// A parsed row, its place in the file and its credit code's group.
pub struct Placed {
    pub row: usize,
    pub line: Line,
    /// `None` for a blank row or one without a readable credit code.
    group: Option<u32>,
    parsed: Row,
}

impl Placed {
    const BLANK: Placed = Placed {
        row: 0,
        line: Line(0),
        group: None,
        parsed: Row::Blank,
    };
}

/// The groups of the credit codes seen so far, in the order they were first seen, each with
/// the applicant of its first row that reads well and that row's applicant cells as written.
#[derive(Default)]
pub struct Codes {
    groups: foldhash::HashMap<CodeKey, (u32, Option<(Item, Cells)>)>,
}

/// A row's applicant cells as written (their bytes, untrimmed), in field order, each ended by
/// a NUL (a cell holding a NUL is never stored): a later row with the same cells repeats the
/// first row's facts, found without reading them again. A row whose cells differ only as
/// written (a space, a full-width digit) is read and its facts compared instead. One string,
/// so that a row is checked in one place in memory.
#[derive(Clone, Debug, Default)]
pub struct Cells(Box<[u8]>);

impl Cells {
    pub fn of<'c>(cells: impl Iterator<Item = &'c [u8]>) -> Cells {
        let mut s = Vec::new();
        for c in cells {
            if c.contains(&0) {
                return Cells::default();
            }
            s.extend_from_slice(c);
            s.push(0);
        }
        Cells(s.into())
    }

    /// Whether `cells` are these, cell for cell (none stored: never).
    pub fn are<'c>(&self, cells: impl Iterator<Item = &'c [u8]>) -> bool {
        let (mut rest, mut n) = (&*self.0, 0);
        for c in cells {
            match rest.strip_prefix(c).and_then(|r| r.strip_prefix(&[0])) {
                Some(r) => (rest, n) = (r, n + 1),
                None => return false,
            }
        }
        // As many cells as stored, each ended by its NUL: no cell read held a NUL (else "a\0b"
        // would read as the two cells "a" and "b").
        rest.is_empty() && !self.0.is_empty() && n == memchr::memchr_iter(0, &self.0).count()
    }
}

impl Codes {
    /// A row as read, with the group of its credit code. A row whose applicant facts are its
    /// group's first row's drops them here, while they are at hand (see `Parser::row`).
    pub fn place(&mut self, row: usize, line: Line, mut parsed: Row, cc: FieldId) -> Placed {
        let group = match &mut parsed {
            Row::Blank => None,
            Row::Error { code, .. } => code.as_deref().map(|code| self.entry(code).0),
            Row::Item { applicant, .. } => Some(match applicant {
                Applicant::Same(g) => *g,
                Applicant::Read { item, cells } => {
                    let (group, first) = self.entry(item.text(cc).unwrap_or_default());
                    match first {
                        Some((f, _)) if item.values == f.values => {
                            *applicant = Applicant::Same(group)
                        }
                        Some(_) => {}
                        None => *first = Some((Item::clone(item), std::mem::take(cells))),
                    }
                    group
                }
            }),
        };
        Placed {
            row,
            line,
            group,
            parsed,
        }
    }

    /// The group of a valid credit code, its first applicant facts and their cells, if seen.
    pub fn first(&self, code: &[u8; 18]) -> Option<(u32, &Item, &Cells)> {
        let code = std::str::from_utf8(code).ok()?;
        let (g, first) = self.groups.get(&CodeKey::of(code))?;
        let (item, cells) = first.as_ref()?;
        Some((*g, item, cells))
    }

    fn entry(&mut self, code: &str) -> (u32, &mut Option<(Item, Cells)>) {
        let next = self.groups.len() as u32;
        let e = self.groups.entry(CodeKey::of(code)).or_insert((next, None));
        (e.0, &mut e.1)
    }

    /// The applicants (codes with a row that reads well), each with its prior awards, made on
    /// all cores; and the rows in error with their messages.
    pub fn units(
        &self,
        (rules, file): (&RuleSet, &str),
        rows: Vec<Vec<Placed>>,
        priors: &crate::prior::Gathered,
    ) -> (Vec<Unit>, Errors) {
        let mut runs = in_group_order(rows, self.groups.len());
        let made: Vec<(Option<Unit>, Errors)> = (runs.par_iter_mut())
            .flat_map(|run| run.par_chunk_by_mut(|a, b| a.group == b.group))
            .map(|rows| make_unit(rules, file, rows, priors))
            .collect();
        let (mut units, mut errors) = (Vec::with_capacity(made.len()), Vec::new());
        for (unit, mut errs) in made {
            units.extend(unit);
            errors.append(&mut errs);
        }
        for p in runs.iter_mut().flatten().filter(|p| p.group.is_none()) {
            if let Row::Error { message, .. } = std::mem::replace(&mut p.parsed, Row::Blank) {
                errors.push((p.row, message));
            }
        }
        (units, errors)
    }
}

/// Runs of groups the rows are put in: each run is put in group order on one core, where its
/// rows lie closer together than the round's (fewer cache and TLB misses than one sort).
const RUNS: usize = 64;

/// The rows in group order (file order within each group) in runs of groups, those without a
/// group in a last run: each batch is split by run, then each run sorted, on all cores.
fn in_group_order(batches: Vec<Vec<Placed>>, groups: usize) -> Vec<Vec<Placed>> {
    let run_of = |p: &Placed| p.group.map_or(RUNS, |g| g as usize * RUNS / groups);
    let split: Vec<Vec<Vec<Placed>>> = (batches.into_par_iter())
        .map(|batch| {
            let mut len = [0; RUNS + 1];
            batch.iter().for_each(|p| len[run_of(p)] += 1);
            let mut runs: Vec<Vec<Placed>> = len.iter().map(|&n| Vec::with_capacity(n)).collect();
            batch.into_iter().for_each(|p| runs[run_of(&p)].push(p));
            runs
        })
        .collect();
    let mut runs: Vec<Vec<Vec<Placed>>> = (0..=RUNS)
        .map(|_| Vec::with_capacity(split.len()))
        .collect();
    for pieces in split {
        runs.iter_mut()
            .zip(pieces)
            .for_each(|(run, piece)| run.push(piece));
    }
    (runs.into_par_iter())
        .map(|pieces| by_group(pieces, groups))
        .collect()
}

/// A run's rows by group (a counting sort: file order within each group, rows without one
/// last), from its pieces in file order.
fn by_group(pieces: Vec<Vec<Placed>>, groups: usize) -> Vec<Placed> {
    let group = |p: &Placed| p.group.map_or(groups, |g| g as usize);
    let keys = || pieces.iter().flatten().map(group);
    let (Some(lo), Some(hi)) = (keys().min(), keys().max()) else {
        return Vec::new();
    };
    let mut start = vec![0usize; hi - lo + 2];
    for g in keys() {
        start[g - lo + 1] += 1;
    }
    for g in 1..start.len() {
        start[g] += start[g - 1];
    }
    // Where each row goes, then each row moved once to its place.
    let mut order = vec![(0u32, 0u32); start[start.len() - 1]];
    for (b, piece) in pieces.iter().enumerate() {
        for (i, p) in piece.iter().enumerate() {
            let g = group(p) - lo;
            order[start[g]] = (b as u32, i as u32);
            start[g] += 1;
        }
    }
    let mut pieces = pieces;
    (order.into_iter())
        .map(|(b, i)| std::mem::replace(&mut pieces[b as usize][i as usize], Placed::BLANK))
        .collect()
}

/// One applicant from its rows, in file order: the unit (when a row reads well) and the rows
/// in error.
fn make_unit(
    rules: &RuleSet,
    file: &str,
    rows: &mut [Placed],
    priors: &crate::prior::Gathered,
) -> (Option<Unit>, Errors) {
    let mut so_far = SoFar::default();
    let mut errors = Vec::new();
    for p in rows {
        let placed = match std::mem::replace(&mut p.parsed, Row::Blank) {
            Row::Blank => continue,
            Row::Error { message, .. } => Err(message),
            Row::Item {
                applicant,
                section,
                item,
                key,
            } => so_far.place(
                rules,
                file,
                (p.row, p.line),
                applicant,
                (section, item, key),
            ),
        };
        if let Err(message) = placed {
            so_far.error_lines.push(p.line);
            errors.push((p.row, message));
        }
    }
    if let Some(unit) = so_far
        .unit
        .as_ref()
        .filter(|_| !so_far.differing.is_empty())
    {
        let message = disagreement(rules, unit, &so_far);
        // The differing rows are among the unit's rows.
        errors.extend(unit.rows.iter().map(|r| (r.row, message.clone())));
        return (None, errors);
    }
    let unit = so_far.unit.map(|mut unit| {
        unit.error_lines = so_far.error_lines;
        unit.priors = priors.of(&unit.code).to_vec();
        unit
    });
    (unit, errors)
}

/// The message on every row of a credit code whose rows disagree on applicant facts: the
/// rows, and for each fact that differs, each row's value.
fn disagreement(rules: &RuleSet, unit: &Unit, so_far: &SoFar) -> String {
    let (first_line, differing) = (so_far.first_line, &so_far.differing);
    let a = rules.roles.applicant;
    let Some(first) = unit.facts.single(a) else {
        return String::new();
    };
    let section = rules.section(a);
    let value = |item: &Item, fi: FieldId, en: bool| {
        item.get(fi)
            .map_or(String::new(), |v| v.show(&section.fields[fi], en))
    };
    let mut zh = Vec::new();
    let mut en = Vec::new();
    for (fi, f) in section.each_field() {
        let rows: Vec<(Line, &Item)> = std::iter::once((first_line, first))
            .chain(
                (differing
                    .iter()
                    .filter(|d| d.values[fi] != first.values[fi]))
                .map(|d| (Line::at(d.line), d)),
            )
            .collect();
        if rows.len() < 2 {
            continue;
        }
        let zh_rows = named_at_most(
            (rows.iter()).map(|(l, i)| format!("第 {l} 行“{}”", value(i, fi, false))),
            "、",
            |n| format!("、… 等 {n} 行"),
        );
        let en_rows = named_at_most(
            (rows.iter()).map(|(l, i)| format!("line {l} `{}`", value(i, fi, true))),
            ", ",
            |n| format!(", … {n} rows in all"),
        );
        zh.push(format!("{} ({}): {}", f.label, f.name, zh_rows));
        en.push(format!("{}: {}", f.name, en_rows));
    }
    let items = unit
        .rows
        .iter()
        .filter_map(|r| unit.facts.sections[r.section].get(r.index));
    let mut lines: Vec<Line> = items.map(|i| Line::at(i.line)).collect();
    lines.extend(&so_far.error_lines);
    lines.sort_unstable();
    lines.dedup();
    format!(
        "同一统一社会信用代码的各行 (第 {} 行) 单位信息不一致，更正为一致前均不计算: {} / the rows of this credit code (lines {}) disagree on the applicant's facts; none is paid until they agree: {}",
        line_list(&lines, Lang::Zh),
        zh.join("；"),
        line_list(&lines, Lang::En),
        en.join("; ")
    )
}

/// An applicant as its rows are read.
#[derive(Default)]
struct SoFar {
    /// Made by the first row that reads well.
    unit: Option<Unit>,
    first_line: Line,
    error_lines: Vec<Line>,
    /// The first item with each (section, key hash), to find a repeated key.
    keys: foldhash::HashMap<(SectionId, u64), usize>,
    /// Applicant facts of rows that differ from the first row's (each with its line).
    differing: Vec<Item>,
}

impl SoFar {
    fn place(
        &mut self,
        rules: &RuleSet,
        file: &str,
        (row, line): (usize, Line),
        applicant: Applicant,
        (section, item, hash): (SectionId, Item, u64),
    ) -> Result<(), String> {
        let a = rules.roles.applicant;
        let unit = match (&mut self.unit, applicant) {
            (Some(unit), Applicant::Same(_)) => unit,
            (
                Some(unit),
                Applicant::Read {
                    item: applicant, ..
                },
            ) => {
                if let Some(first) = unit.facts.single(a)
                    && first.values != applicant.values
                {
                    // Which row is right is not known: every row of the code is an error.
                    self.differing.push(*applicant);
                }
                unit
            }
            (
                None,
                Applicant::Read {
                    item: applicant, ..
                },
            ) => {
                self.first_line = line;
                self.unit.insert(new_unit(rules, file, *applicant))
            }
            // The first row that reads well keeps its applicant facts (`Codes::place`).
            (None, Applicant::Same(_)) => return Err(String::new()),
        };
        let s = rules.section(section);
        let items = &unit.facts.sections[section];
        if let Some(k) = s.key_index {
            // A hash seen before: the first earlier item with an equal key, if any.
            let seen = self.keys.get(&(section, hash));
            let dup = seen.and_then(|_| items.iter().find(|o| same_key(o.get(k), item.get(k))));
            if let Some(dup) = dup {
                let (dup_line, key) = (dup.line, item.key(s));
                return Err(format!(
                    "本单位{}“{key}”重复 (与第 {dup_line} 行) / duplicate {} `{key}` for this applicant (also at line {dup_line})",
                    s.label, s.name
                ));
            }
            self.keys.entry((section, hash)).or_insert(items.len());
        }
        unit.rows.push(RowAt {
            row,
            section,
            index: items.len(),
        });
        unit.facts.sections[section].push(item);
        Ok(())
    }
}

fn new_unit(rules: &RuleSet, file: &str, applicant: Item) -> Unit {
    let r = &rules.roles;
    let mut facts = Facts::new(rules, file);
    let code = applicant
        .text(r.credit_code)
        .unwrap_or_default()
        .to_string();
    let district = applicant.text(r.district).unwrap_or_default().to_string();
    facts.sections[r.applicant].push(applicant);
    Unit {
        code,
        district,
        facts,
        priors: Vec::new(),
        rows: Vec::with_capacity(8),
        error_lines: Vec::new(),
        excluded: Exclusions::default(),
    }
}

/// A credit code as a map key, held inline when short (as valid codes are): finding a row's
/// group then reads no other memory.
#[derive(Hash, PartialEq, Eq)]
enum CodeKey {
    Short([u8; 23], u8),
    Long(String),
}

impl CodeKey {
    fn of(code: &str) -> CodeKey {
        let mut key = [0; 23];
        match key.get_mut(..code.len()) {
            Some(k) => {
                k.copy_from_slice(code.as_bytes());
                CodeKey::Short(key, code.len() as u8)
            }
            None => CodeKey::Long(code.to_string()),
        }
    }
}

/// Whether two items' keys are one id: text compared folded (`ＸＭ-1`, `xm-1` and `XM-1` are one).
fn same_key(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::Text(a)), Some(Value::Text(b))) => crate::fold::key(a) == crate::fold::key(b),
        _ => a == b,
    }
}

/// The hash of an item's key, when its section has one.
pub fn key_of(section: &crate::rules::Section, item: &Item) -> u64 {
    section.key_index.map_or(0, |k| key_hash(item.get(k)))
}

/// A hash of an item's key consistent with `same_key`; decimals (equal at different
/// scales) all hash alike and are compared in full.
fn key_hash(v: Option<&Value>) -> u64 {
    let mut h = foldhash::fast::FixedState::default().build_hasher();
    match v {
        Some(Value::Text(s)) if s.is_ascii() => {
            // `fold::key` of ASCII text, hashed as it is folded rather than made.
            let folded = s.trim().bytes().map(|b| b.to_ascii_lowercase());
            folded.for_each(|b| h.write_u8(b));
        }
        Some(Value::Text(s)) => crate::fold::key(s).bytes().for_each(|b| h.write_u8(b)),
        Some(Value::Int(i)) => i.hash(&mut h),
        Some(Value::Date(d)) => d.hash(&mut h),
        Some(Value::Bool(b)) => b.hash(&mut h),
        Some(Value::Enum(e)) => e.hash(&mut h),
        Some(Value::Money(_) | Value::Number(_)) | None => {}
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::{Cells, Placed, in_group_order};

    #[test]
    fn rows_come_in_group_order_in_file_order_within_a_group_and_groupless_last() {
        // 1,000 rows over 300 groups (every seventh row without one), in batches of 64: more
        // groups than runs, so that a group's rows span batches and runs hold many groups.
        let group = |row: usize| (row % 7 != 3).then_some((row * 37 % 300) as u32);
        let placed = |row| Placed {
            row,
            group: group(row),
            ..Placed::BLANK
        };
        let batches: Vec<Vec<Placed>> = (0..1000)
            .step_by(64)
            .map(|start| (start..1000.min(start + 64)).map(placed).collect())
            .collect();
        let got: Vec<(Option<u32>, usize)> = (in_group_order(batches, 300).iter())
            .flatten()
            .map(|p| (p.group, p.row))
            .collect();
        let mut want: Vec<(Option<u32>, usize)> = (0..1000).map(|r| (group(r), r)).collect();
        want.sort_by_key(|&(g, r)| (g.is_none(), g, r));
        assert_eq!(got, want);
    }

    fn cells(v: &[&str]) -> Cells {
        Cells::of(v.iter().map(|c| c.as_bytes()))
    }

    fn are(first: &Cells, v: &[&str]) -> bool {
        first.are(v.iter().map(|c| c.as_bytes()))
    }

    #[test]
    fn the_same_cells_are_the_first_rows() {
        assert!(are(
            &cells(&["甲公司", "鹿城区", ""]),
            &["甲公司", "鹿城区", ""]
        ));
    }

    #[test]
    fn a_different_cell_or_count_is_not() {
        let first = cells(&["甲公司", "鹿城区"]);
        assert!(!are(&first, &["甲公司", "瓯海区"]));
        assert!(!are(&first, &["甲公司"]));
        assert!(!are(&first, &["甲公司", "鹿城区", ""]));
        // A cell's end is its own: "ab" + "" is not "a" + "b".
        assert!(!are(&cells(&["a", "b"]), &["ab", ""]));
        // Cells are compared as written: such a row is read, and its facts compared instead.
        assert!(!are(&first, &[" 甲公司", "鹿城区"]));
    }

    #[test]
    fn a_cell_holding_a_nul_never_matches() {
        assert!(!are(&cells(&["a\0b"]), &["a\0b"]));
        assert!(!are(&cells(&["a", "b"]), &["a\0b"]));
        assert!(!are(&cells(&[]), &[]));
    }
}
