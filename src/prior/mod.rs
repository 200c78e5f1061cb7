//! Earlier awards under the policy (priors, SPEC §4): what caps are computed against and what
//! is not paid again.
//!
//! - `PriorAward`: one earlier award, with everything that identifies it and where it came from
//!   (`Origin`: a file and line, a facts file's `[[prior]]`, a ledger entry), so that a deduction
//!   can name it.
//! - `PriorSource`: where awards come from. The caller hands the sources in (a prior file read
//!   from a `Table`, a facts file's own `[[prior]]` tables, the ledger to come); this module
//!   never opens a path (zen's `DecisionLoader`).
//! - `gather`: the one way priors are put together, from any number of sources: each checked
//!   (`PriorAward::check`), the same award counted once, two amounts for one award refused, and
//!   the quota places the awards hold.

mod file;

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

pub use file::PriorFile;

use crate::error::InputError;
use crate::facts::{Facts, Item};
use crate::money::Money;
use crate::rules::{Award, CapScope, Clause, RuleSet, RulesFor};
use crate::text::Text;

/// A claim period, first and last day, both counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// Where an earlier award came from, so that a deduction or an error can name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A row of a prior file or of a round's output.
    File { file: String, line: usize },
    /// A `[[prior]]` table of a facts file: its place among the priors (from 1) and its line.
    Facts {
        file: String,
        number: usize,
        line: usize,
    },
    /// An entry of the ledger (`台账 #SEQ`).
    Ledger { seq: u64 },
}

impl Origin {
    /// How a message names it: "out1.csv 第 3 行" / "out1.csv line 3", "prior[2] (第 9 行)",
    /// "台账 #12".
    pub fn text(&self) -> Text {
        match self {
            Origin::File { file, line } => {
                crate::text!("{file} 第 {line} 行", "{file} line {line}")
            }
            Origin::Facts { number, line, .. } => {
                crate::text!(
                    "prior[{number}] (第 {line} 行)",
                    "prior[{number}] (line {line})"
                )
            }
            Origin::Ledger { seq } => Text::new(format!("台账 #{seq}"), format!("ledger #{seq}")),
        }
    }

    /// An error at this award: its file and line, and the field (`prior[N].field` in a facts
    /// file).
    pub fn error(&self, field: &str, message: Text) -> InputError {
        let (file, line, field) = match self {
            Origin::File { file, line } => (file.clone(), Some(*line), field.to_string()),
            Origin::Facts { file, number, line } => (
                file.clone(),
                Some(*line),
                format!("prior[{number}].{field}"),
            ),
            Origin::Ledger { seq } => (format!("台账 ledger #{seq}"), None, field.to_string()),
        };
        let mut e = InputError::new(file, message).field(field);
        e.line = line;
        e
    }
}

/// One award granted before, as every source carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriorAward {
    /// Folded as a round folds it (upper case, trimmed).
    pub credit_code: String,
    pub name: String,
    /// As a round reads it; empty where the source does not say.
    pub district: String,
    pub clause: u32,
    /// The item it paid (a contract, a dataset, a project, a loan), as written.
    pub item: Option<String>,
    /// The product, person or team it paid (clauses paid per subject).
    pub subject: Option<String>,
    /// The title it paid (a clause paid per title).
    pub title: Option<String>,
    /// The year it counts in (the paid item's year; under a clause whose items have no id, the
    /// year of the expense, which is then its item).
    pub year: Option<i32>,
    /// The claim period it paid (a clause paid by days).
    pub period: Option<Period>,
    pub amount: Money,
    pub origin: Origin,
}

/// What makes two priors one award: the same applicant and clause, and the same item (with the
/// same period, where the award has one), or, under a clause whose year is the item, the same
/// year.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct AwardKey {
    credit_code: String,
    clause: u32,
    item: String,
    period: Option<Period>,
}

/// Whether a clause's items are identified by the year its cap counts them in, so that a prior's
/// year is its item (one award per year of expense: SPEC §4), whether or not it names an item.
pub fn year_is_item(rules: &RuleSet, clause: &Clause) -> bool {
    let s = rules.section(clause.section);
    let key = (s.key_index).or_else(|| s.key.as_deref().and_then(|k| s.field_index(k)));
    key.is_some() && key == clause.cap.as_ref().and_then(|c| c.year_field)
}

impl PriorAward {
    /// The item's id folded (`fold::key`), when it names one.
    pub fn item_key(&self) -> Option<String> {
        (self.item.as_deref())
            .map(crate::fold::key)
            .filter(|k| !k.is_empty())
    }

    /// What identifies the award, or `None` for an award that names no item (never merged).
    fn award_key(&self, clause: &Clause, rules: &RuleSet) -> Option<AwardKey> {
        let item = if year_is_item(rules, clause) {
            self.year?.to_string()
        } else {
            self.item_key()?
        };
        Some(AwardKey {
            credit_code: self.credit_code.clone(),
            clause: self.clause,
            item,
            period: self.period,
        })
    }

    /// Checks the award against the rules: `Ok(None)` for one under a clause the rules disable
    /// (set aside: it changes no figure), else its clause. A clause the rules do not have, or
    /// an award without the year its clause counts it in, is an input error naming it.
    pub fn check<'r>(&self, rules: &'r RuleSet) -> Result<Option<&'r Clause>, InputError> {
        let n = self.clause;
        if rules.disabled.contains(&n) {
            return Ok(None);
        }
        let Some(clause) = rules.clause(n) else {
            let known: Vec<String> = rules.clauses.iter().map(|c| c.number.to_string()).collect();
            let known = known.join(", ");
            return Err(self.origin.error(
                "clause",
                crate::text!(
                    "规则中没有第 {n} 条，应为: {known}",
                    "no clause {n} in the rules; expected one of: {known}"
                ),
            ));
        };
        let annual = (clause.cap.as_ref()).is_some_and(|c| c.scope == CapScope::UnitYear);
        if (annual || year_is_item(rules, clause)) && self.year.is_none() {
            return Err(self.origin.error(
                "year",
                crate::text!(
                    "第 {n} 条有年度上限，已获奖补须填写年度 year",
                    "clause {n} has an annual cap: the prior award needs its year"
                ),
            ));
        }
        if matches!(clause.award, Award::Interest { .. }) && self.period.is_none() {
            return Err(self.origin.error(
                "start",
                crate::text!(
                    "第 {n} 条按天贴息，已获奖补须填写所贴息的期间 start、end (首尾两日均计)",
                    "clause {n} pays by days: the prior award needs the period it paid, start and end (both days counted)"
                ),
            ));
        }
        Ok(Some(clause))
    }
}

/// Where earlier awards come from: a prior file, a facts file's `[[prior]]` tables, the ledger.
/// The caller makes the sources and hands them in; a source reads what it was given.
pub trait PriorSource {
    /// Its awards, in its own order. Awards of 0.00 are not awards and are left out; a bad
    /// award is an input error naming it. Each is checked by `gather`, under its applicant's
    /// rules (`rules.of_district`).
    fn awards(&self, rules: &dyn RulesFor) -> Result<Vec<PriorAward>, InputError>;
}

/// The priors of every source, by credit code, and the quota places they hold.
#[derive(Clone, Debug, Default)]
pub struct Gathered {
    by_code: HashMap<String, Vec<PriorAward>>,
    pub places: Places,
}

impl Gathered {
    /// The awards of one applicant (by its folded credit code), in the order gathered.
    pub fn of(&self, credit_code: &str) -> &[PriorAward] {
        self.by_code.get(credit_code).map_or(&[], Vec::as_slice)
    }

    /// Whether no source had an award.
    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }
}

/// Gathers the awards of every source, in order: each checked against its applicant's rules (the
/// rules of its district; one under a disabled clause set aside), the same award (same applicant, clause, item and, where there is
/// one, period, with the same amount) counted once, an award that names no item never merged
/// with another; two amounts for one award are an input error naming both; an award under a
/// clause with a quota holds a place of its district and year, where it names the district.
pub fn gather(book: &dyn RulesFor, sources: &[&dyn PriorSource]) -> Result<Gathered, InputError> {
    let mut out = Gathered::default();
    let mut first: HashMap<AwardKey, (Money, Origin)> = HashMap::new();
    for source in sources {
        for award in source.awards(book)? {
            let rules = book.of_district(&award.district);
            let Some(clause) = award.check(rules)? else {
                continue;
            };
            if let Some(key) = award.award_key(clause, rules) {
                match first.entry(key) {
                    Entry::Occupied(e) if e.get().0 == award.amount => continue,
                    Entry::Occupied(e) => {
                        let shown = if year_is_item(rules, clause) {
                            award.year.map(|y| y.to_string())
                        } else {
                            award.item.clone()
                        };
                        return Err(conflict(&award, e.get(), shown.unwrap_or_default()));
                    }
                    Entry::Vacant(e) => {
                        e.insert((award.amount, award.origin.clone()));
                    }
                }
            }
            hold_place(clause, &award, &mut out.places);
            (out.by_code.entry(award.credit_code.clone()))
                .or_default()
                .push(award);
        }
    }
    Ok(out)
}

/// Two amounts for one award: an error at the later one, naming both.
fn conflict(award: &PriorAward, (a, first): &(Money, Origin), id: String) -> InputError {
    let n = award.clause;
    let (oa, ob, b) = (first.text(), award.origin.text(), award.amount);
    award.origin.error(
        "amount",
        crate::text!(
            "第 {n} 条事项 `{id}` 有两条金额不同的已获奖补: {} {a} 元与 {} {b} 元，请核对保留一条", oa.zh, ob.zh;
            "clause {n}, item `{id}`: two prior awards with different amounts, {} ({a}) and {} ({b}): keep the right one", oa.en, ob.en
        ),
    )
}

/// An award under a clause with a quota holds a place in its district and year, where it names
/// the district; its folded item id (else its origin: two awards without an id are two) tells
/// one award from another.
fn hold_place(clause: &Clause, award: &PriorAward, places: &mut Places) {
    let (Some(_), Some(year), false) = (&clause.quota, award.year, award.district.is_empty())
    else {
        return;
    };
    let item = award
        .item_key()
        .unwrap_or_else(|| format!("{year}/{}", award.origin.text().en));
    places.add(
        clause.number,
        &award.district,
        year,
        &award.credit_code,
        &item,
    );
}

/// A facts file's own `[[prior]]` tables, as a source: each an award of the file's applicant.
pub struct FactsPriors<'a>(pub &'a Facts);

impl PriorSource for FactsPriors<'_> {
    fn awards(&self, rules: &dyn RulesFor) -> Result<Vec<PriorAward>, InputError> {
        let rules = rules.base();
        let r = &rules.roles;
        let facts = self.0;
        let applicant = facts.single(r.applicant);
        let of_applicant = |f| {
            applicant
                .and_then(|a: &Item| a.text(f))
                .unwrap_or_default()
                .to_string()
        };
        let (code, name, district) = (
            of_applicant(r.credit_code),
            of_applicant(r.name),
            of_applicant(r.district),
        );
        let mut out = Vec::new();
        for (i, item) in facts.items(r.prior).iter().enumerate() {
            let origin = Origin::Facts {
                file: facts.source.clone(),
                number: i + 1,
                line: item.line,
            };
            let text = |f: Option<crate::rules::FieldId>| {
                f.and_then(|f| item.text(f))
                    .filter(|t| !t.trim().is_empty())
                    .map(str::to_string)
            };
            let number = item.int(r.prior_clause).unwrap_or_default();
            let clause = u32::try_from(number).map_err(|_| {
                let known: Vec<String> =
                    rules.clauses.iter().map(|c| c.number.to_string()).collect();
                let known = known.join(", ");
                origin.error(
                    "clause",
                    crate::text!(
                        "规则中没有第 {number} 条，应为: {known}",
                        "no clause {number} in the rules; expected one of: {known}"
                    ),
                )
            })?;
            let date = |f: Option<crate::rules::FieldId>| f.and_then(|f| item.date(f));
            let period = match (date(r.prior_start), date(r.prior_end)) {
                (Some(start), Some(end)) => Some(Period { start, end }),
                _ => None,
            };
            let amount = item.money(r.prior_amount).unwrap_or_default();
            if amount.is_zero() {
                continue;
            }
            out.push(PriorAward {
                credit_code: code.clone(),
                name: name.clone(),
                district: district.clone(),
                clause,
                item: text(Some(r.prior_item)),
                subject: text(r.prior_subject),
                title: text(r.prior_title),
                year: item.int(r.prior_year).and_then(|y| i32::try_from(y).ok()),
                period,
                amount,
                origin,
            });
        }
        Ok(out)
    }
}

/// A facts file's own priors, gathered (checked, the same award once, conflicts refused).
pub fn of_facts(rules: &RuleSet, facts: &Facts) -> Result<Vec<PriorAward>, InputError> {
    let gathered = gather(rules, &[&FactsPriors(facts)])?;
    Ok(gathered.by_code.into_values().flatten().collect())
}
/// The places of the quotas taken by earlier rounds: by clause, district and year, the awards
/// (credit code, folded item id) holding them; the same award read twice holds one place.
#[derive(Clone, Debug, Default)]
pub struct Places {
    taken: BTreeMap<(u32, String, i32), BTreeSet<(String, String)>>,
}

impl Places {
    /// An earlier award under a quota's clause; `item` is its id, or a stand-in naming the award.
    pub fn add(&mut self, clause: u32, district: &str, year: i32, code: &str, item: &str) {
        let key = (clause, district.to_string(), year);
        let award = (code.to_string(), crate::fold::key(item));
        self.taken.entry(key).or_default().insert(award);
    }

    /// How many places of the clause are taken in the district and year.
    pub fn taken(&self, clause: u32, district: &str, year: i32) -> u32 {
        let key = (clause, district.to_string(), year);
        self.taken.get(&key).map_or(0, |s| s.len() as u32)
    }

    /// Whether the applicant's item already holds a place.
    pub fn holds(
        &self,
        clause: u32,
        (district, year): (&str, i32),
        code: &str,
        item: &str,
    ) -> bool {
        let key = (clause, district.to_string(), year);
        let award = (code.to_string(), crate::fold::key(item));
        self.taken.get(&key).is_some_and(|s| s.contains(&award))
    }
}
