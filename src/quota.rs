//! Clause quotas (a clause file's `quota = { per, count, rank_by }`): when more items of the
//! clause qualify in one district and year than the quota allows, the `count` items with the
//! highest `rank_by` keep their place and the others are left out (the engine records
//! `Step::QuotaExcluded` for them). A tie at the boundary, or an item without a score while the
//! quota binds, cannot be settled by arithmetic: those items are errors asking for a decision.
//! One ranking (`decide`) serves a single applicant (`own`: `calc FILE`, `explain`, `calc test`)
//! and a round (`batch::quota`, across its applicants).
//!
//! The places already taken in a district and year by earlier rounds (`Places`, from the priors
//! under the clause that carry a district: a round's output does) are counted first; this round's
//! items compete for the rest (SPEC §4). Decisions: an item of this round that already holds a
//! place (a prior for the same applicant and item) is not ranked again; an unscored item is not
//! ranked, the scored ones are ranked among themselves.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::error::InputError;
use crate::facts::{Facts, Value};
use crate::outcome::{Exclusion, Exclusions, Step};
use crate::prior::PriorAward;
use crate::rules::{FieldId, FieldType, RuleSet, SectionId};
use crate::text::Text;

/// A clause's quota, resolved against the vocabulary.
#[derive(Clone, Debug)]
pub struct QuotaRule {
    pub clause: u32,
    pub section: SectionId,
    pub count: u32,
    pub rank_by: FieldId,
    pub year_field: FieldId,
    /// The section's item id, to know an item that already holds a place.
    pub key_field: Option<FieldId>,
}

pub use crate::prior::Places;

/// The quotas of a round's every applicant: the base rules', and those of each district whose
/// rules a scoped overlay changes (it may change a quota's count, or add one; SPEC §2).
#[derive(Clone, Debug, Default)]
pub struct QuotaBook {
    base: Vec<QuotaRule>,
    scoped: Vec<(String, Vec<QuotaRule>)>,
}

impl QuotaBook {
    /// Every rule set's quotas, checked.
    pub fn resolve(book: &crate::rules::RuleBook) -> Result<QuotaBook, InputError> {
        let scoped = (book.scoped.iter())
            .map(|(d, rules)| Ok((d.clone(), resolve(rules)?)))
            .collect::<Result<_, InputError>>()?;
        Ok(QuotaBook {
            base: resolve(&book.base)?,
            scoped,
        })
    }

    /// The quotas an applicant of `district` is ranked under.
    pub fn of(&self, district: &str) -> &[QuotaRule] {
        (self.scoped.iter())
            .find(|(d, _)| d == district)
            .map_or(&self.base, |(_, q)| q)
    }

    /// Whether no applicant has a quota.
    pub fn is_empty(&self) -> bool {
        self.base.is_empty() && self.scoped.iter().all(|(_, q)| q.is_empty())
    }
}

/// The quota kinds the batch knows (checked where the rules are compiled, again here).
const PER_DISTRICT_YEAR: &str = crate::rules::clause::QUOTA_PER_DISTRICT_YEAR;

/// Checks every clause's quota; a quota the batch cannot apply is a rules error.
pub fn resolve(rules: &RuleSet) -> Result<Vec<QuotaRule>, InputError> {
    let mut out = Vec::new();
    for c in &rules.clauses {
        let Some(q) = &c.quota else { continue };
        let err = |msg: crate::text::Text| InputError::new(&c.source, msg).field("quota");
        if q.per != PER_DISTRICT_YEAR {
            return Err(err(
                crate::text!("quota.per = \"{}\" 不支持，应为 \"{PER_DISTRICT_YEAR}\"", q.per; "quota.per `{}` is not supported; expected `{PER_DISTRICT_YEAR}`", q.per),
            ));
        }
        if q.count == 0 {
            return Err(err(crate::text!(
                "quota.count 须至少为 1",
                "quota.count must be at least 1"
            )));
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
                err(crate::text!("quota.rank_by = \"{}\" 应为分组 `{}` 中的数字事实", q.rank_by, section.name; "quota.rank_by `{}` must be a number fact of section `{}`", q.rank_by, section.name))
            })?;
        let year_field = c
            .cap
            .as_ref()
            .and_then(|cap| cap.year_field)
            .or(c.date_field)
            .ok_or_else(|| {
                err(crate::text!(
                    "按年度的名额需要 date_field",
                    "a yearly quota needs the clause's date_field"
                ))
            })?;
        let key_field = section.key_index;
        out.push(QuotaRule {
            clause: c.number,
            section: c.section,
            count: q.count,
            rank_by,
            year_field,
            key_field,
        });
    }
    Ok(out)
}

/// An item a quota left out, and whose it is (an applicant of the round).
#[derive(Clone, Debug)]
pub struct LeftOut {
    pub unit: u32,
    pub exclusion: Exclusion,
}

/// What the quotas decided: the items left out, and rows in error.
#[derive(Debug, Default)]
pub struct Decision {
    pub excluded: Vec<LeftOut>,
    /// (candidate row, why it needs a decision), in both languages.
    pub errors: Vec<(usize, Text)>,
}

/// An item of a quota's clause that qualified when its applicant was first evaluated.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// Which quota (index into `resolve`'s list).
    pub quota: usize,
    /// Which row (of a round), or which candidate (of a single applicant's).
    pub row: usize,
    /// Which applicant.
    pub unit: u32,
    pub section: SectionId,
    pub index: usize,
    pub year: i32,
    pub score: Option<Decimal>,
}

/// A single applicant's facts (`calc FILE`, `explain`, `calc test`) under the quotas of its own
/// items: the places its priors hold in its district come first, the rest go to its highest
/// scores. The facts with the items left out marked, or `None` when no quota binds. A tie at
/// the boundary or a missing score is an input error asking for a decision.
pub fn own(
    rules: &RuleSet,
    facts: &Facts,
    priors: &[PriorAward],
    as_of: NaiveDate,
) -> Result<Option<Exclusions>, InputError> {
    let quotas = resolve(rules)?;
    // Most files claim fewer items than any quota has places: nothing to rank.
    let binds = |q: &QuotaRule| facts.items(q.section).len() + priors.len() > q.count as usize;
    if !quotas.iter().any(binds) {
        return Ok(None);
    }
    let outcome = crate::engine::evaluate_with(rules, facts, priors, as_of)?;
    let mut places = Places::default();
    for prior in priors {
        let Some(year) = prior.year else {
            continue;
        };
        let id = match prior.item_key() {
            Some(id) => id,
            None => format!("{year}/{}", prior.origin.text().en),
        };
        places.add(prior.clause, &outcome.district, year, "", &id);
    }
    let mut cands = Vec::new();
    for (qi, q) in quotas.iter().enumerate() {
        let Some(co) = outcome.clauses.iter().find(|c| c.clause == q.clause) else {
            continue;
        };
        for it in co.items.iter().filter(|it| it.qualifies) {
            let item = &facts.items(q.section)[it.index];
            let Some(year) = item.year(q.year_field) else {
                continue;
            };
            if places.holds(q.clause, (&outcome.district, year), "", &it.id) {
                continue;
            }
            let score = score_of(item.get(q.rank_by));
            // `row` numbers the candidates, to find an error's item.
            let (row, unit, section, index) = (cands.len(), 0, q.section, it.index);
            cands.push(Candidate {
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
    let district = |_: u32| outcome.district.as_str();
    let at: Vec<(SectionId, usize)> = cands.iter().map(|c| (c.section, c.index)).collect();
    let decision = decide(rules, (&|_| &quotas, &places), cands, district);
    if let Some((row, message)) = decision.errors.into_iter().next() {
        let (section, index) = at[row];
        let item = &facts.items(section)[index];
        let mut e = InputError::new(&facts.source, message);
        e.line = Some(item.line);
        return Err(e);
    }
    let mut excluded = Exclusions::default();
    for left in decision.excluded {
        excluded.push(left.exclusion);
    }
    Ok(Some(excluded))
}

/// An item's score, for ranking.
pub fn score_of(value: Option<&Value>) -> Option<Decimal> {
    match value {
        Some(Value::Number(d)) => Some(*d),
        Some(Value::Money(m)) => Some(m.as_decimal()),
        Some(Value::Int(i)) => Some(Decimal::from(*i)),
        _ => None,
    }
}

/// The quotas of an applicant's district (a candidate's `quota` indexes them).
pub type QuotasOf<'q> = dyn Fn(&str) -> &'q [QuotaRule] + Sync + 'q;

/// Ranks each district-year's qualifying items and says which are left out.
pub fn decide<'a>(
    rules: &RuleSet,
    (quotas, places): (&QuotasOf<'_>, &Places),
    candidates: Vec<Candidate>,
    district_of: impl Fn(u32) -> &'a str + Sync,
) -> Decision {
    let mut groups: BTreeMap<(usize, &str, i32), Vec<Candidate>> = BTreeMap::new();
    // Each candidate's district looked up on all cores (its applicant is far in memory).
    let keyed: Vec<_> = (candidates.into_par_iter())
        .map(|c| ((c.quota, district_of(c.unit), c.year), c))
        .collect();
    for (key, c) in keyed {
        groups.entry(key).or_default().push(c);
    }
    // Each district and year ranked on its own core, the decisions kept in that order.
    let decided: Vec<Decision> = (groups.into_par_iter())
        .map(|((qi, district, year), cands)| {
            let mut decision = Decision::default();
            let q = &quotas(district)[qi];
            let taken = places.taken(q.clause, district, year);
            if cands.len() + taken as usize > q.count as usize {
                rank(rules, (q, taken), (district, year), cands, &mut decision);
            }
            decision
        })
        .collect();
    let mut decision = Decision::default();
    for mut d in decided {
        decision.excluded.append(&mut d.excluded);
        decision.errors.append(&mut d.errors);
    }
    decision
}

/// Ranks the items of one district and year where the quota binds: `taken` of its places are
/// held by earlier rounds, the rest go to the highest scores.
fn rank(
    rules: &RuleSet,
    (q, taken): (&QuotaRule, u32),
    (district, year): (&str, i32),
    cands: Vec<Candidate>,
    decision: &mut Decision,
) {
    let field = rules.field(q.section, q.rank_by);
    let count = q.count.saturating_sub(taken) as usize;
    let (n, total) = (cands.len(), q.count);
    let excluded = |rank: u32, score: Decimal, cutoff: Decimal| Step::QuotaExcluded {
        count: q.count,
        taken,
        rank,
        score,
        cutoff,
    };
    let mut out: Vec<(&Candidate, Step)> = Vec::new();
    if count == 0 {
        // Every place is held already: no ranking, and no score is needed.
        for c in &cands {
            out.push((c, excluded(0, c.score.unwrap_or_default(), Decimal::ZERO)));
        }
    }
    let earlier = match taken {
        0 => (String::new(), String::new()),
        t => (
            format!("，往期已占 {t} 个"),
            format!(", {t} taken by earlier rounds"),
        ),
    };
    let (mut scored, missing): (Vec<Candidate>, Vec<Candidate>) = (cands.iter())
        .filter(|_| count > 0)
        .cloned()
        .partition(|c| c.score.is_some());
    let mut held: Vec<&Candidate> = Vec::new();
    for c in &missing {
        decision.errors.push((
            c.row,
            crate::text!(
                "名额已满 ({district} {year}年 {n} 项符合条件，名额 {total} 个{})，本项缺少{}无法排序: 请补充{}或作出决定", earlier.0, field.label, field.label;
                "the quota of {total} binds ({n} items qualify in {district}, {year}{}) and this item has no {}: give it or decide", earlier.1, field.label_en
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
                    crate::text!(
                        "{} {score} 与另外 {} 项并列于名额边界 ({district} {year}年，名额 {total} 个{}): 请决定入选项", field.label, tie_n - 1, earlier.0;
                        "{} {score} ties with {} other item(s) at the boundary of the quota of {total} ({district}, {year}{}): decide which are selected", field.label_en, tie_n - 1, earlier.1
                    ),
                ));
                held.push(c);
            } else if pos >= count || score < boundary {
                out.push((c, excluded(pos as u32 + 1, score, boundary)));
            }
        }
    }
    // Rows in error are left out too, so that they take nothing from a shared cap.
    for c in held {
        out.push((c, excluded(0, c.score.unwrap_or_default(), Decimal::ZERO)));
    }
    for (c, step) in out {
        (decision.excluded).push(LeftOut {
            unit: c.unit,
            exclusion: Exclusion {
                section: c.section,
                index: c.index,
                clause: q.clause,
                why: step,
            },
        });
    }
}
