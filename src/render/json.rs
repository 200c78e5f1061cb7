//! `--format json`: the output contract of SPEC §5, with every item's steps.
//! The outcome serialises itself (kinds and figures, see `outcome`); the views here add what
//! only the rules know: a clause's title, the names behind a step's indices, each step's
//! sentence. `explain --format json` is built from the same item and step views.

use chrono::Datelike;
use serde::{Serialize, Serializer};

use super::{Ctx, Lang, reasons};
use crate::facts::Value;
use crate::money::Money;
use crate::outcome::{ClauseOutcome, ItemOutcome, Outcome, Status, Step};
use crate::rules::clause::Tier;
use crate::rules::vocabulary::Field;
use crate::rules::{Award, Condition, FieldId, RuleSet};

/// The whole single-applicant report.
#[derive(Serialize)]
struct Report<'a> {
    as_of: String,
    rules_digest: &'a str,
    rules_version: &'a str,
    policy: &'a str,
    /// The overlays on the rules in effect (SPEC §5), in the order applied.
    overlays: &'a [String],
    applicant: Applicant<'a>,
    clauses: Vec<ClauseView<'a>>,
    total: Money,
    /// The discretionary clauses' floors and ceilings added up, apart from `total`.
    discretionary: Discretionary,
}

/// The sums of the discretionary clauses' floors (0 where a clause has none) and ceilings.
#[derive(Serialize)]
pub struct Discretionary {
    floor: Option<Money>,
    ceiling: Option<Money>,
}

impl Discretionary {
    /// `None` in a sum only if it overflows the largest amount calc holds.
    pub fn of(outcome: &Outcome) -> Discretionary {
        let sum = |part: fn(&ClauseOutcome) -> Option<Money>| {
            outcome.discretionary().try_fold(Money::ZERO, |acc, co| {
                acc.checked_add(part(co).unwrap_or(Money::ZERO)).ok()
            })
        };
        Discretionary {
            floor: sum(|co| co.floor),
            ceiling: sum(|co| co.ceiling),
        }
    }
}

/// Where a clause's money comes from (资金来源, SPEC §4): its key and its label.
#[derive(Serialize)]
pub struct FundingView<'a> {
    source: &'a str,
    label: &'a str,
}

impl<'a> FundingView<'a> {
    pub fn of(rules: &'a RuleSet, clause: &crate::rules::Clause, lang: Lang) -> Option<Self> {
        rules.funding(clause).map(|f| FundingView {
            source: &f.key,
            label: f.label(lang.en()),
        })
    }
}

/// Who applied, as the outcome names them.
#[derive(Serialize)]
pub struct Applicant<'a> {
    name: &'a str,
    credit_code: &'a str,
    district: &'a str,
}

impl<'a> Applicant<'a> {
    pub fn of(outcome: &'a Outcome) -> Applicant<'a> {
        Applicant {
            name: &outcome.name,
            credit_code: &outcome.credit_code,
            district: &outcome.district,
        }
    }
}

#[derive(Serialize)]
struct ClauseView<'a> {
    clause: u32,
    title: &'a str,
    status: Status,
    amount: Money,
    #[serde(flatten)]
    range: Range,
    #[serde(skip_serializing_if = "Option::is_none")]
    funding: Option<FundingView<'a>>,
    reasons: Vec<String>,
    items: Vec<ItemView<'a>>,
}

/// A discretionary clause's `ceiling` and `floor` (SPEC §5); nothing for any other status.
#[derive(Serialize)]
pub struct Range {
    #[serde(skip_serializing_if = "Option::is_none")]
    ceiling: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    floor: Option<Money>,
}

impl Range {
    pub fn of(co: &ClauseOutcome) -> Range {
        let discretionary = co.status == Status::Discretionary;
        Range {
            ceiling: co.ceiling.filter(|_| discretionary),
            floor: co.floor.filter(|_| discretionary),
        }
    }
}

/// One item: its amount, the facts it used (explain only), and its steps.
#[derive(Serialize)]
pub struct ItemView<'a> {
    id: &'a str,
    /// awarded, discretionary, ineligible, or paid (an item already paid, SPEC §5).
    status: &'static str,
    qualifies: bool,
    amount: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    facts: Option<FactsUsed<'a>>,
    steps: Vec<StepView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ceiling: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    floor: Option<Money>,
}

impl<'a> ItemView<'a> {
    /// The item with each step said in `cx`'s language.
    pub fn new(item: &'a ItemOutcome, cx: &Ctx<'a>) -> ItemView<'a> {
        let status = match (item.qualifies, item.paid, item.ceiling) {
            (_, true, _) => "paid",
            (false, _, _) => Status::Ineligible.as_str(),
            (true, _, Some(_)) => Status::Discretionary.as_str(),
            (true, _, None) => Status::Awarded.as_str(),
        };
        ItemView {
            id: &item.id,
            status,
            qualifies: item.qualifies,
            amount: item.amount,
            facts: None,
            steps: item.steps.iter().map(|s| StepView::new(s, cx)).collect(),
            ceiling: item.ceiling,
            floor: item.floor,
        }
    }

    /// The facts the item's clause read, by field key, as the applicant file gives them.
    pub fn with_facts(mut self, facts: FactsUsed<'a>) -> ItemView<'a> {
        self.facts = Some(facts);
        self
    }

    pub fn steps_mut(&mut self) -> &mut [StepView<'a>] {
        &mut self.steps
    }
}

/// Field key → the fact in plain form (`null`: not stated), in vocabulary order.
pub struct FactsUsed<'a>(pub Vec<(&'a str, Option<String>)>);

impl Serialize for FactsUsed<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// One step: its kind and figures, the names of the rules it points at, and its sentence.
#[derive(Serialize)]
pub struct StepView<'a> {
    #[serde(flatten)]
    step: &'a Step,
    #[serde(flatten)]
    names: Names<'a>,
    text: String,
    /// The auditor's extra sentence (explain only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The policy words a failed gate rests on (explain only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

impl<'a> StepView<'a> {
    pub fn new(step: &'a Step, cx: &Ctx<'a>) -> StepView<'a> {
        StepView {
            step,
            names: Names::of(step, cx),
            text: super::describe(step, cx),
            note: None,
            basis: None,
        }
    }

    pub fn step(&self) -> &'a Step {
        self.step
    }
}

/// What a step's indices point at, named as a reader of the rule files knows it: a field by
/// its key, a condition and a rate case as the rule file writes them, a gate by its words, a
/// tier by its place (from 1) and threshold, a level or applicant kind by its value.
#[derive(Serialize, Default)]
struct Names<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    base_field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<String>,
    /// The fact a failed condition found (`null`: not stated).
    #[serde(skip_serializing_if = "Option::is_none")]
    found: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    case: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tier_from: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gate: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    applicant_kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<&'a str>,
}

impl<'a> Names<'a> {
    fn of(step: &Step, cx: &Ctx<'a>) -> Names<'a> {
        let (rules, clause) = (cx.rules, cx.clause);
        let field = |f: FieldId| rules.field(clause.section, f);
        let key = |f: FieldId| Some(field(f).name.as_str());
        match step {
            Step::GateUnconfirmed { gate, field: f, .. }
            | Step::GateConfirmed { gate, field: f } => Names {
                field: Some(rules.field(rules.roles.applicant, *f).name.as_str()),
                gate: rules.gates.get(*gate).map(|g| g.text.as_str()),
                ..Names::default()
            },
            Step::KindNotCovered { kind } | Step::KindCovered { kind } => Names {
                applicant_kind: value_key(rules.kind_field(), *kind),
                ..Names::default()
            },
            Step::ConditionFailed { condition, found } => {
                let Some(cond) = clause.conditions.get(*condition) else {
                    return Names::default();
                };
                let f = field(cond.field());
                Names {
                    field: Some(&f.name),
                    condition: Some(condition_text(cond, f, cx)),
                    found: Some(found.as_ref().map(|v| v.plain(f))),
                    ..Names::default()
                }
            }
            Step::RequirementFailed { field: f, .. } | Step::UnnamedSubject { field: f } => Names {
                field: key(*f),
                ..Names::default()
            },
            Step::RateApplied {
                base_field, case, ..
            } => Names {
                base_field: key(*base_field),
                case: rate_case_text(cx, *case),
                ..Names::default()
            },
            Step::TierApplied {
                base_field, tier, ..
            } => Names {
                base_field: key(*base_field),
                tier: Some((tier + 1).to_string()),
                tier_from: match &clause.award {
                    Award::Tiers { tiers, .. } => tiers.get(*tier).map(Tier::from),
                    _ => None,
                },
                ..Names::default()
            },
            Step::BelowTiers { base_field, .. } => Names {
                base_field: key(*base_field),
                ..Names::default()
            },
            Step::LevelFixed { value, .. } | Step::LevelRange { value, .. } => Names {
                level: match &clause.award {
                    Award::Levels { by, .. } => value_key(field(*by), *value),
                    _ => None,
                },
                ..Names::default()
            },
            _ => Names::default(),
        }
    }
}

/// An enum value by the name rule files and applicant files use.
fn value_key(field: &Field, value: u16) -> Option<&str> {
    field.values.get(value as usize).map(|v| v.value.as_str())
}

/// A condition as a rule file would state it: `ai_industry = true`, `year in 2024..=2025`.
fn condition_text(cond: &Condition, field: &Field, cx: &Ctx<'_>) -> String {
    let name = &field.name;
    match cond {
        Condition::IsTrue { .. } => format!("{name} = true"),
        Condition::Equals { value, .. } => {
            format!("{name} = {}", value_key(field, *value).unwrap_or_default())
        }
        Condition::YearBetween {
            from,
            years_before_as_of,
            ..
        } => format!(
            "{name} in {from}..={}",
            cx.outcome.as_of.year() - years_before_as_of
        ),
        Condition::YearBeforeAsOf { years, .. } => {
            format!("{name} = {}", cx.outcome.as_of.year() - years)
        }
    }
}

/// The facts a rate case asks for, as the rule file writes them: `autonomous = true`.
fn rate_case_text(cx: &Ctx<'_>, case: usize) -> Option<String> {
    let Award::Rate { cases, .. } = &cx.clause.award else {
        return None;
    };
    let when = &cases.get(case)?.when;
    let facts: Vec<String> = when
        .iter()
        .map(|(f, v): &(FieldId, Value)| {
            let field = cx.rules.field(cx.clause.section, *f);
            format!("{} = {}", field.name, v.plain(field))
        })
        .collect();
    (!facts.is_empty()).then(|| facts.join(", "))
}

fn report<'a>(outcome: &'a Outcome, rules: &'a RuleSet, lang: Lang) -> Report<'a> {
    let clauses = outcome
        .clauses
        .iter()
        .filter_map(|co| {
            let cx = Ctx::of(rules, outcome, co, lang)?;
            Some(ClauseView {
                clause: co.clause,
                title: cx.clause.title(lang.en()),
                status: co.status,
                amount: co.amount,
                range: Range::of(co),
                funding: FundingView::of(rules, cx.clause, lang),
                reasons: reasons(co, &cx),
                items: co.items.iter().map(|it| ItemView::new(it, &cx)).collect(),
            })
        })
        .collect();
    Report {
        as_of: outcome.as_of.to_string(),
        rules_digest: &outcome.rules_digest,
        rules_version: &rules.policy.version,
        policy: &rules.policy.document,
        overlays: &rules.overlays,
        applicant: Applicant::of(outcome),
        clauses,
        total: outcome.total,
        discretionary: Discretionary::of(outcome),
    }
}

pub fn render(outcome: &Outcome, rules: &RuleSet, lang: Lang) -> String {
    let mut s = serde_json::to_string_pretty(&report(outcome, rules, lang)).unwrap_or_default();
    s.push('\n');
    s
}
