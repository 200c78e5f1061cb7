//! A round's clause quotas, a step of its own once the round is evaluated: each applicant's
//! candidates (`crate::quota::Candidate`) are gathered as it is evaluated; the quotas rank them
//! across the round (`crate::quota::decide`); only the applicants concerned are evaluated again,
//! and only under the quotas' clauses (the others' figures do not depend on them). A candidate
//! that needs a decision (a tie, a missing score) makes its row an error.

use chrono::NaiveDate;
use rayon::prelude::*;

use super::group::{RowAt, Unit};
use super::{RowResult, evaluate};
use crate::quota::{Candidate, decide, score_of};
use crate::round::RowStatus;
use crate::rules::RuleBook;
use crate::text::Lang;

/// Applies the quotas to a round evaluated once, whose candidates are gathered: the items a
/// quota leaves out are marked in their applicants' facts, and only those applicants are
/// evaluated again, under the quotas' clauses.
pub fn apply(
    book: &RuleBook,
    super::Quota {
        rules: quotas,
        places,
    }: super::Quota<'_>,
    Candidates(candidates): Candidates,
    units: &mut [Unit],
    results: &mut [RowResult],
    as_of: NaiveDate,
    lang: Lang,
) {
    if quotas.is_empty() {
        return;
    }
    let rules = &book.base;
    let district = |u: u32| units.get(u as usize).map_or("", |u| u.district.as_str());
    let decision = decide(rules, (&|d| quotas.of(d), places), candidates, district);
    // Each applicant's items left out, together (in the order decided), for its own core.
    let mut excluded = decision.excluded;
    excluded.par_sort_by_key(|e| e.unit);
    let (excluded, before) = (&excluded, &*results);
    let again: Vec<(u32, Vec<(usize, RowResult)>)> = (units.par_iter_mut().enumerate())
        .filter_map(|(ui, unit)| {
            let ui = ui as u32;
            let from = excluded.partition_point(|e| e.unit < ui);
            let to = from + excluded[from..].partition_point(|e| e.unit == ui);
            let mut marked = false;
            for left in &excluded[from..to] {
                unit.excluded.push(left.exclusion.clone());
                marked = true;
            }
            // Only an applicant with an item left out is evaluated again.
            marked.then(|| {
                let rules = book.for_district(&unit.district);
                let of_district = quotas.of(&unit.district);
                let quota_clause = |c: u32| of_district.iter().any(|q| q.clause == c);
                let rows = evaluate::again(rules, unit, (as_of, lang), &quota_clause, before);
                (ui, rows)
            })
        })
        .collect();
    for (ui, rows) in again {
        for (row, r) in rows {
            results[row] = RowResult {
                unit: Some(ui),
                ..r
            };
        }
    }
    for (row, message) in decision.errors {
        // A batch row's reason: "中文 / English".
        results[row] = RowResult::error(message.to_string(), results[row].unit);
    }
}

/// The items of a quota's clause that qualify (awarded or discretionary) and hold no place
/// yet, with their year and score from the facts: gathered from each applicant as soon as it
/// is evaluated (on all cores, while its facts are at hand), then put in row order.
pub struct Candidates(Vec<Candidate>);

impl Candidates {
    /// An applicant's candidates, from its rows' results under each clause (`evaluated`, in
    /// `unit.rows` order, each row's continuations with it).
    pub fn of(
        super::Quota {
            rules: quotas,
            places,
        }: super::Quota<'_>,
        unit: &Unit,
        evaluated: &[(usize, RowResult)],
    ) -> Candidates {
        let mut out = Vec::new();
        // A row's item under each clause over its section: the row's own result, then its
        // continuations; each clause with a quota ranks it.
        let results = (unit.rows.iter().zip(evaluated))
            .flat_map(|(at, (_, r))| std::iter::once(r).chain(&r.also).map(move |r| (at, r)));
        for (
            &RowAt {
                row,
                section,
                index,
            },
            r,
        ) in results
        {
            let quotas = quotas.of(&unit.district);
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
            let id = q.key_field.and_then(|f| item.text(f)).unwrap_or_default();
            if !id.is_empty() && places.holds(q.clause, (&unit.district, year), &unit.code, id) {
                continue;
            }
            let score = score_of(item.get(q.rank_by));
            out.push(Candidate {
                quota: qi,
                row,
                unit: 0, // numbered by `gather`, once the applicants are
                section,
                index,
                year,
                score,
            });
        }
        Candidates(out)
    }

    /// Every applicant's candidates (`each[ui]` are applicant `ui`'s), in row order: equal
    /// scores keep file order.
    pub fn gather(each: Vec<Candidates>) -> Candidates {
        let mut out = Vec::new();
        for (ui, Candidates(cands)) in each.into_iter().enumerate() {
            let unit = ui as u32;
            out.extend(cands.into_iter().map(|c| Candidate { unit, ..c }));
        }
        out.par_sort_unstable_by_key(|c| c.row);
        Candidates(out)
    }
}
