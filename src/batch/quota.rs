//! Clause quotas (a clause file's `quota = { per, count, rank_by }`), a step of its own once the
//! round is evaluated: when more items of the clause qualify in one district and year than the
//! quota allows, the `count` items with the highest `rank_by` keep their place and the others
//! are left out (the engine records `Step::QuotaExcluded` for them); only the applicants
//! concerned are evaluated again. A tie at the boundary, or an item without a score while the
//! quota binds, cannot be settled by arithmetic: those rows are errors asking for a decision.
//!
//! Decisions: the quota counts the items of this batch only (a district's annual selection is
//! one round); an unscored item is not ranked, the scored ones are ranked among themselves.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rayon::prelude::*;
use rust_decimal::Decimal;

use super::group::Unit;
use super::{RowResult, RowStatus, evaluate};
use crate::error::InputError;
use crate::facts::Value;
use crate::outcome::Step;
use crate::render::Lang;
use crate::rules::{FieldType, RuleBook, RuleSet};

/// A clause's quota, resolved against the vocabulary.
#[derive(Clone, Debug)]
pub struct QuotaRule {
    pub clause: u32,
    pub section: usize,
    pub count: u32,
    pub rank_by: usize,
    pub year_field: usize,
}

/// The quota kinds the batch knows.
const PER_DISTRICT_YEAR: &str = "district_year";

/// Checks every clause's quota; a quota the batch cannot apply is a rules error.
pub fn resolve(rules: &RuleSet) -> Result<Vec<QuotaRule>, InputError> {
    let mut out = Vec::new();
    for c in &rules.clauses {
        let Some(q) = &c.quota else { continue };
        let err = |msg: String| InputError::new(&c.source, msg).field("quota");
        if q.per != PER_DISTRICT_YEAR {
            return Err(err(format!(
                "quota.per = \"{}\" 不支持，应为 \"{PER_DISTRICT_YEAR}\" / quota.per `{}` is not supported; expected `{PER_DISTRICT_YEAR}`",
                q.per, q.per
            )));
        }
        if q.count == 0 {
            return Err(err(
                "quota.count 须至少为 1 / quota.count must be at least 1".into(),
            ));
        }
        let section = rules.section(c.section);
        let rank_by = section
            .field_index(&q.rank_by)
            .filter(|&f| {
                matches!(
                    section.fields[f].ty,
                    FieldType::Number | FieldType::Money | FieldType::Integer
                )
            })
            .ok_or_else(|| {
                err(format!(
                    "quota.rank_by = \"{}\" 应为分组 `{}` 中的数字事实 / quota.rank_by `{}` must be a number fact of section `{}`",
                    q.rank_by, section.name, q.rank_by, section.name
                ))
            })?;
        let year_field = c
            .cap
            .as_ref()
            .and_then(|cap| cap.year_field)
            .or(c.date_field)
            .ok_or_else(|| {
                err(
                    "按年度的名额需要 date_field / a yearly quota needs the clause's date_field"
                        .into(),
                )
            })?;
        out.push(QuotaRule {
            clause: c.number,
            section: c.section,
            count: q.count,
            rank_by,
            year_field,
        });
    }
    Ok(out)
}

/// What the quotas decided: the items left out, and rows in error.
#[derive(Debug, Default)]
struct Decision {
    /// (applicant, section, index in the section, why it is left out).
    excluded: Vec<(u32, usize, usize, Step)>,
    errors: Vec<(usize, String)>,
}

/// An item of a quota's clause that qualified when its applicant was first evaluated.
#[derive(Clone, Debug)]
struct Candidate {
    /// Which quota (index into `resolve`'s list).
    quota: usize,
    row: usize,
    unit: u32,
    section: usize,
    index: usize,
    year: i32,
    score: Option<Decimal>,
}

/// Applies the quotas to a round evaluated once: the items a quota leaves out are marked in
/// their applicants' facts, and only those applicants are evaluated again.
pub fn apply(
    book: &RuleBook,
    quotas: &[QuotaRule],
    units: &mut [Unit],
    results: &mut [RowResult],
    as_of: NaiveDate,
    lang: Lang,
) {
    if quotas.is_empty() {
        return;
    }
    let rules = &book.base;
    let decision = decide(rules, quotas, candidates(quotas, units, results), units);
    let mut affected: Vec<u32> = Vec::new();
    for (ui, section, index, step) in decision.excluded {
        if let Some(item) = (units.get_mut(ui as usize))
            .and_then(|u| u.facts.sections.get_mut(section))
            .and_then(|s| s.get_mut(index))
        {
            item.excluded = Some(Box::new(step));
            affected.push(ui);
        }
    }
    affected.sort_unstable();
    affected.dedup();
    let units = &*units;
    let again: Vec<Vec<(usize, RowResult)>> = (affected.par_iter())
        .map(|&ui| {
            let unit = &units[ui as usize];
            evaluate::unit(book.for_district(&unit.district), unit, as_of, lang)
        })
        .collect();
    for (&ui, rows) in affected.iter().zip(again) {
        for (row, r) in rows {
            results[row] = RowResult {
                unit: Some(ui),
                ..r
            };
        }
    }
    for (row, message) in decision.errors {
        results[row] = RowResult::error(message, results[row].unit);
    }
}

/// The items of a quota's clause that qualify (awarded or discretionary), with their year
/// and score from the facts, in row order.
fn candidates(quotas: &[QuotaRule], units: &[Unit], results: &[RowResult]) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (ui, unit) in units.iter().enumerate() {
        for &(row, section, index) in &unit.rows {
            let r = &results[row];
            let Some(qi) = quotas.iter().position(|q| r.clause == Some(q.clause)) else {
                continue;
            };
            let q = &quotas[qi];
            let item = &unit.facts.sections[section][index];
            if !matches!(r.status, RowStatus::Awarded | RowStatus::Discretionary) {
                continue;
            }
            let Some(year) = item.year(q.year_field) else {
                continue;
            };
            let score = match item.get(q.rank_by) {
                Some(Value::Number(d)) => Some(*d),
                Some(Value::Money(m)) => Some(m.as_decimal()),
                Some(Value::Int(i)) => Some(Decimal::from(*i)),
                _ => None,
            };
            let unit = ui as u32;
            out.push(Candidate {
                quota: qi,
                row,
                unit,
                section,
                index,
                year,
                score,
            });
        }
    }
    // In row order: equal scores keep file order.
    out.sort_unstable_by_key(|c| c.row);
    out
}

/// Ranks each district-year's qualifying items and says which are left out.
fn decide(
    rules: &RuleSet,
    quotas: &[QuotaRule],
    candidates: Vec<Candidate>,
    units: &[Unit],
) -> Decision {
    let mut decision = Decision::default();
    for (qi, q) in quotas.iter().enumerate() {
        let mut groups: BTreeMap<(&str, i32), Vec<Candidate>> = BTreeMap::new();
        for c in candidates.iter().filter(|c| c.quota == qi) {
            let district = units
                .get(c.unit as usize)
                .map_or("", |u| u.district.as_str());
            groups
                .entry((district, c.year))
                .or_default()
                .push(c.clone());
        }
        for (place, cands) in groups {
            if cands.len() > q.count as usize {
                rank(rules, q, place, cands, &mut decision);
            }
        }
    }
    decision
}

/// Ranks the items of one district and year where the quota binds.
fn rank(
    rules: &RuleSet,
    q: &QuotaRule,
    (district, year): (&str, i32),
    cands: Vec<Candidate>,
    decision: &mut Decision,
) {
    let field = rules.field(q.section, q.rank_by);
    let (n, count) = (cands.len(), q.count as usize);
    let (mut scored, missing): (Vec<Candidate>, Vec<Candidate>) =
        cands.into_iter().partition(|c| c.score.is_some());
    let mut out: Vec<(&Candidate, Step)> = Vec::new();
    let mut held: Vec<&Candidate> = Vec::new();
    for c in &missing {
        decision.errors.push((
            c.row,
            format!(
                "名额已满 ({district} {year}年 {n} 项符合条件，名额 {count} 个)，本项缺少{}无法排序: 请补充{}或作出决定 / the quota of {count} binds ({n} items qualify in {district}, {year}) and this item has no {}: give it or decide",
                field.label, field.label, field.label_en
            ),
        ));
        held.push(c);
    }
    // Highest first; equal scores keep file order (only for display: ties are refused).
    scored.sort_by_key(|c| std::cmp::Reverse(c.score));
    if scored.len() > count {
        let boundary = scored[count - 1].score.unwrap_or_default();
        let tied = scored[count].score == Some(boundary);
        let tie_n = scored.iter().filter(|c| c.score == Some(boundary)).count();
        for (pos, c) in scored.iter().enumerate() {
            let score = c.score.unwrap_or_default();
            if tied && score == boundary {
                decision.errors.push((
                    c.row,
                    format!(
                        "{} {score} 与另外 {} 项并列于名额边界 ({district} {year}年，名额 {count} 个): 请决定入选项 / {} {score} ties with {} other item(s) at the boundary of the quota of {count} ({district}, {year}): decide which are selected",
                        field.label,
                        tie_n - 1,
                        field.label_en,
                        tie_n - 1
                    ),
                ));
                held.push(c);
            } else if pos >= count || score < boundary {
                let rank = pos as u32 + 1;
                let (count, cutoff) = (q.count, boundary);
                out.push((
                    c,
                    Step::QuotaExcluded {
                        count,
                        rank,
                        score,
                        cutoff,
                    },
                ));
            }
        }
    }
    // Rows in error are left out too, so that they take nothing from a shared cap.
    for c in held {
        let (count, score) = (q.count, c.score.unwrap_or_default());
        let cutoff = Decimal::ZERO;
        out.push((
            c,
            Step::QuotaExcluded {
                count,
                rank: 0,
                score,
                cutoff,
            },
        ));
    }
    for (c, step) in out {
        (decision.excluded).push((c.unit, c.section, c.index, step));
    }
}
