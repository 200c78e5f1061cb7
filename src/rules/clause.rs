//! One clause file (`rules/clauses/NN-*.toml`): what it reads, who may claim, its conditions,
//! its award formula, its cap and how its items combine. Parsed as written (`ClauseFile`),
//! then compiled against the vocabulary into `Clause`, whose fact references are indices.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::vocabulary::{FieldType, Section, Vocabulary};
use crate::error::InputError;
use crate::facts::Value;
use crate::money::{Money, Rate};

// ---- as written -------------------------------------------------------------------------

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClauseFile {
    pub clause: u32,
    pub key: String,
    pub title: String,
    pub title_en: String,
    pub section: String,
    #[serde(default)]
    pub date_field: Option<String>,
    pub applicants: Vec<String>,
    #[serde(default)]
    pub responsible_units: Vec<String>,
    pub text: String,
    #[serde(default)]
    pub interpretation: Vec<String>,
    #[serde(default)]
    pub quota: Option<Quota>,
    #[serde(default)]
    pub conditions: Vec<ConditionSpec>,
    pub award: AwardSpec,
    #[serde(default)]
    pub cap: Option<CapSpec>,
    pub combine: Combine,
    /// A disabled clause is kept for the record but never evaluated (an overlay may set it).
    #[serde(default)]
    pub disabled: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ConditionSpec {
    /// A boolean fact must be true (absent counts as false).
    IsTrue { field: String },
    /// An enum fact must have this value.
    Equals { field: String, value: String },
    /// A year fact must lie between `from` and the as-of year minus `years_before_as_of`.
    YearBetween {
        field: String,
        from: i32,
        years_before_as_of: i32,
    },
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateCaseSpec {
    #[serde(default)]
    pub when: BTreeMap<String, toml::Value>,
    pub rate: Rate,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub label_en: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierSpec {
    /// The tier applies from this base amount upward (inclusive).
    pub from: Money,
    #[serde(default)]
    pub amount: Option<Money>,
    #[serde(default)]
    pub rate: Option<Rate>,
    #[serde(default)]
    pub label: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelSpec {
    pub value: String,
    #[serde(default)]
    pub amount: Option<Money>,
    #[serde(default)]
    pub floor: Option<Money>,
    #[serde(default)]
    pub ceiling: Option<Money>,
    #[serde(default)]
    pub requires: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AwardSpec {
    /// `base × rate`, the rate chosen by the first case whose `when` facts match.
    Rate {
        base: String,
        rates: Vec<RateCaseSpec>,
    },
    /// Tiers of the base; with no tiers the result is discretionary up to `ceiling`.
    Tiers {
        base: String,
        ceiling: Money,
        #[serde(default)]
        tiers: Vec<TierSpec>,
    },
    /// A fixed amount or a discretionary range per value of an enum fact (a recognition title).
    Levels { by: String, levels: Vec<LevelSpec> },
    /// Interest subsidy: principal × rate × days / day_basis over the claim window.
    Interest {
        principal: String,
        start: String,
        end: String,
        disbursed: String,
        paid: String,
        rate: Rate,
        day_basis: u32,
        term_years: u32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapScope {
    /// Each item on its own.
    Item,
    /// All items of one applicant in one calendar year, prior awards of that year included.
    UnitYear,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapSpec {
    pub scope: CapScope,
    pub amount: Money,
    /// For `unit_year`: a year fact instead of the year of the clause's date fact.
    #[serde(default)]
    pub year_field: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CombineMode {
    /// Items add up (under the cap).
    Sum,
    /// 就高执行、不重复享受: the single highest award over the policy period, less prior awards.
    Highest,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Combine {
    pub mode: CombineMode,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub per: String,
    pub count: u32,
    pub rank_by: String,
    #[serde(default)]
    pub text: Option<String>,
}

// ---- compiled ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub enum Condition {
    IsTrue {
        field: usize,
    },
    Equals {
        field: usize,
        value: u16,
    },
    YearBetween {
        field: usize,
        from: i32,
        years_before_as_of: i32,
    },
}

impl Condition {
    pub fn field(&self) -> usize {
        match self {
            Condition::IsTrue { field }
            | Condition::Equals { field, .. }
            | Condition::YearBetween { field, .. } => *field,
        }
    }
}

#[derive(Clone, Debug)]
pub struct RateCase {
    pub when: Vec<(usize, Value)>,
    pub rate: Rate,
    pub label: Option<String>,
    pub label_en: Option<String>,
}

#[derive(Clone, Debug)]
pub enum Tier {
    Fixed { from: Money, amount: Money },
    Rate { from: Money, rate: Rate },
}

impl Tier {
    pub fn from(&self) -> Money {
        match self {
            Tier::Fixed { from, .. } | Tier::Rate { from, .. } => *from,
        }
    }
}

/// What one level pays: a determinate amount, or only a range left to the department.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payout {
    Fixed(Money),
    Range {
        floor: Option<Money>,
        ceiling: Money,
    },
}

impl Payout {
    /// The figure compared under 就高执行: the amount, or the ceiling of a range.
    pub fn ceiling(self) -> Money {
        match self {
            Payout::Fixed(m) => m,
            Payout::Range { ceiling, .. } => ceiling,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Level {
    pub value: u16,
    pub payout: Payout,
    pub requires: Vec<usize>,
}

#[derive(Clone, Debug)]
pub enum Award {
    Rate {
        base: usize,
        cases: Vec<RateCase>,
    },
    Tiers {
        base: usize,
        ceiling: Money,
        tiers: Vec<Tier>,
    },
    Levels {
        by: usize,
        levels: Vec<Level>,
    },
    Interest {
        principal: usize,
        start: usize,
        end: usize,
        disbursed: usize,
        paid: usize,
        rate: Rate,
        day_basis: u32,
        term_years: u32,
    },
}

impl Award {
    /// The kind as rule files name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Award::Rate { .. } => "rate",
            Award::Tiers { .. } => "tiers",
            Award::Levels { .. } => "levels",
            Award::Interest { .. } => "interest",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Cap {
    pub scope: CapScope,
    pub amount: Money,
    /// The fact that gives the year, for `unit_year` (a date or a year fact).
    pub year_field: Option<usize>,
    pub text: Option<String>,
}

/// A clause ready to evaluate: every fact reference resolved to an index.
#[derive(Clone, Debug)]
pub struct Clause {
    pub number: u32,
    pub key: String,
    pub title: String,
    pub title_en: String,
    pub text: String,
    pub interpretation: Vec<String>,
    pub responsible_units: Vec<String>,
    pub source: String,
    pub section: usize,
    pub date_field: Option<usize>,
    /// Indices into the applicant `kind` values.
    pub applicants: Vec<u16>,
    pub conditions: Vec<Condition>,
    pub award: Award,
    pub cap: Option<Cap>,
    pub combine: CombineMode,
    pub quota: Option<Quota>,
}

impl Clause {
    pub fn title(&self, en: bool) -> &str {
        if en { &self.title_en } else { &self.title }
    }

    /// Whether an item of the clause's section is a claim under this clause.
    pub fn claims(&self, item: &crate::facts::Item) -> bool {
        match &self.award {
            Award::Levels { by, levels } => match item.get(*by) {
                Some(Value::Enum(v)) => levels.iter().any(|l| l.value == *v),
                _ => false,
            },
            _ => true,
        }
    }
}

/// Resolves the names in a clause file; every problem found is reported, each located.
pub fn compile(
    file: &str,
    text: &str,
    spec: ClauseFile,
    vocab: &Vocabulary,
    kind_field: (usize, usize),
    errors: &mut Vec<InputError>,
) -> Option<Clause> {
    let err = |span: std::ops::Range<usize>, field: &str, msg: String| {
        InputError::new(file, msg).at(text, span.start).field(field)
    };
    let n_before = errors.len();
    let Some(section_idx) = vocab.section_index(&spec.section) else {
        errors.push(err(
            span_of(text, &spec.section),
            "section",
            format!(
                "未知的事实分组 `{}`，词汇表中没有 / unknown facts section `{}`: not in the vocabulary",
                spec.section,
                spec.section
            ),
        ));
        return None;
    };
    let section = &vocab.sections[section_idx];
    let resolve = |name: &String, want: &[FieldType], key: &str, errors: &mut Vec<InputError>| {
        resolve_field(file, text, section, name, want, key, errors)
    };

    let date_field = spec
        .date_field
        .as_ref()
        .and_then(|d| resolve(d, &[FieldType::Date], "date_field", errors));

    let kinds = &vocab.sections[kind_field.0].fields[kind_field.1];
    let mut applicants = Vec::new();
    for a in &spec.applicants {
        match kinds.enum_index(a) {
            Some(i) => applicants.push(i),
            None => errors.push(err(
                span_of(text, a),
                "applicants",
                format!(
                    "未知的主体类型 `{}`，应为: {} / unknown applicant kind",
                    a,
                    kinds.value_list()
                ),
            )),
        }
    }

    let mut conditions = Vec::new();
    for c in &spec.conditions {
        match c {
            ConditionSpec::IsTrue { field } => {
                if let Some(f) = resolve(field, &[FieldType::Bool], "conditions.field", errors) {
                    conditions.push(Condition::IsTrue { field: f });
                }
            }
            ConditionSpec::Equals { field, value } => {
                if let Some(f) = resolve(field, &[FieldType::Enum], "conditions.field", errors) {
                    match section.fields[f].enum_index(value) {
                        Some(v) => conditions.push(Condition::Equals { field: f, value: v }),
                        None => errors.push(err(
                            span_of(text, value),
                            "conditions.value",
                            format!(
                                "`{}` 不是 `{}` 的取值，应为: {} / not a value of this fact",
                                value,
                                field,
                                section.fields[f].value_list()
                            ),
                        )),
                    }
                }
            }
            ConditionSpec::YearBetween {
                field,
                from,
                years_before_as_of,
            } => {
                if let Some(f) = resolve(field, &[FieldType::Year], "conditions.field", errors) {
                    conditions.push(Condition::YearBetween {
                        field: f,
                        from: *from,
                        years_before_as_of: *years_before_as_of,
                    });
                }
            }
        }
    }

    let award = match &spec.award {
        AwardSpec::Rate { base, rates } => {
            let base = resolve(base, &[FieldType::Money], "award.base", errors);
            let mut cases = Vec::new();
            if rates.is_empty() {
                errors.push(
                    InputError::new(file, "award.rates 不能为空 / award.rates must not be empty")
                        .field("award.rates"),
                );
            }
            for r in rates {
                let mut when = Vec::new();
                for (name, value) in &r.when {
                    let Some(f) = section.field_index(name) else {
                        errors.push(err(
                            span_of(text, name),
                            "award.rates.when",
                            format!(
                                "`{}` 中没有事实 `{name}` / section `{}` has no fact `{name}`",
                                section.name, section.name
                            ),
                        ));
                        continue;
                    };
                    let field = &section.fields[f];
                    let v = match (field.ty, value) {
                        (FieldType::Bool, toml::Value::Boolean(b)) => Some(Value::Bool(*b)),
                        (FieldType::Enum, toml::Value::String(s)) => {
                            field.enum_index(s).map(Value::Enum)
                        }
                        _ => None,
                    };
                    match v {
                        Some(v) => when.push((f, v)),
                        None => errors.push(err(
                            span_of(text, name),
                            "award.rates.when",
                            format!(
                                "`{name}` 的条件值应为 {} / the value for `{name}` must be {}",
                                field.ty.expected(),
                                field.ty.expected()
                            ),
                        )),
                    }
                }
                cases.push(RateCase {
                    when,
                    rate: r.rate,
                    label: r.label.clone(),
                    label_en: r.label_en.clone(),
                });
            }
            base.map(|base| Award::Rate { base, cases })
        }
        AwardSpec::Tiers {
            base,
            ceiling,
            tiers,
        } => {
            let base = resolve(base, &[FieldType::Money], "award.base", errors);
            let mut out = Vec::new();
            let mut last: Option<Money> = None;
            for t in tiers {
                if last.is_some_and(|l| t.from <= l) {
                    errors.push(
                        InputError::new(
                            file,
                            "award.tiers 的 from 须严格递增 / tier thresholds must increase",
                        )
                        .field("award.tiers.from"),
                    );
                }
                last = Some(t.from);
                match (t.amount, t.rate) {
                    (Some(amount), None) => out.push(Tier::Fixed { from: t.from, amount }),
                    (None, Some(rate)) => out.push(Tier::Rate { from: t.from, rate }),
                    _ => errors.push(InputError::new(file, "每一档须有且只有 amount 或 rate 之一 / each tier needs exactly one of amount or rate").field("award.tiers")),
                }
            }
            base.map(|base| Award::Tiers {
                base,
                ceiling: *ceiling,
                tiers: out,
            })
        }
        AwardSpec::Levels { by, levels } => {
            let by_idx = resolve(by, &[FieldType::Enum], "award.by", errors);
            let mut out = Vec::new();
            if let Some(b) = by_idx {
                for l in levels {
                    let Some(value) = section.fields[b].enum_index(&l.value) else {
                        errors.push(err(
                            span_of(text, &l.value),
                            "award.levels.value",
                            format!(
                                "`{}` 不是 `{}` 的取值 / not a value of `{}`: {}",
                                l.value,
                                by,
                                by,
                                section.fields[b].value_list()
                            ),
                        ));
                        continue;
                    };
                    let payout = match (l.amount, l.floor, l.ceiling) {
                        (Some(a), None, None) => Payout::Fixed(a),
                        (None, floor, Some(ceiling)) if floor.is_none_or(|f| f <= ceiling) => {
                            Payout::Range { floor, ceiling }
                        }
                        _ => {
                            errors.push(err(
                                span_of(text, &l.value),
                                "award.levels",
                                "每一级须有 amount，或 ceiling (可加不高于它的 floor) / each level needs amount, or ceiling with an optional floor not above it".to_string(),
                            ));
                            continue;
                        }
                    };
                    let requires = l
                        .requires
                        .iter()
                        .filter_map(|r| {
                            resolve(r, &[FieldType::Bool], "award.levels.requires", errors)
                        })
                        .collect();
                    out.push(Level {
                        value,
                        payout,
                        requires,
                    });
                }
            }
            by_idx.map(|by| Award::Levels { by, levels: out })
        }
        AwardSpec::Interest {
            principal,
            start,
            end,
            disbursed,
            paid,
            rate,
            day_basis,
            term_years,
        } => {
            let p = resolve(principal, &[FieldType::Money], "award.principal", errors);
            let s = resolve(start, &[FieldType::Date], "award.start", errors);
            let e = resolve(end, &[FieldType::Date], "award.end", errors);
            let d = resolve(disbursed, &[FieldType::Date], "award.disbursed", errors);
            let pd = resolve(paid, &[FieldType::Money], "award.paid", errors);
            if *day_basis == 0 {
                errors.push(
                    InputError::new(file, "day_basis 须大于 0 / day_basis must be positive")
                        .field("award.day_basis"),
                );
            }
            match (p, s, e, d, pd) {
                (Some(principal), Some(start), Some(end), Some(disbursed), Some(paid)) => {
                    Some(Award::Interest {
                        principal,
                        start,
                        end,
                        disbursed,
                        paid,
                        rate: *rate,
                        day_basis: *day_basis,
                        term_years: *term_years,
                    })
                }
                _ => None,
            }
        }
    };

    let cap = spec.cap.as_ref().map(|c| {
        let year_field = match (&c.year_field, c.scope) {
            (Some(y), _) => resolve(y, &[FieldType::Year, FieldType::Date], "cap.year_field", errors),
            (None, CapScope::UnitYear) => {
                if date_field.is_none() {
                    errors.push(InputError::new(
                        file,
                        "cap.scope = \"unit_year\" 需要 date_field 或 cap.year_field / a unit_year cap needs date_field or cap.year_field",
                    ).field("cap.scope"));
                }
                date_field
            }
            (None, CapScope::Item) => None,
        };
        Cap {
            scope: c.scope,
            amount: c.amount,
            year_field,
            text: c.text.clone(),
        }
    });

    if errors.len() > n_before {
        return None;
    }
    Some(Clause {
        number: spec.clause,
        key: spec.key,
        title: spec.title,
        title_en: spec.title_en,
        text: spec.text.trim().to_string(),
        interpretation: spec.interpretation,
        responsible_units: spec.responsible_units,
        source: file.to_string(),
        section: section_idx,
        date_field,
        applicants,
        conditions,
        award: award?,
        cap,
        combine: spec.combine.mode,
        quota: spec.quota,
    })
}

fn resolve_field(
    file: &str,
    text: &str,
    section: &Section,
    name: &String,
    want: &[FieldType],
    key: &str,
    errors: &mut Vec<InputError>,
) -> Option<usize> {
    let located = |msg: String| {
        InputError::new(file, msg)
            .at(text, span_of(text, name).start)
            .field(key)
    };
    match section.field_index(name) {
        None => {
            errors.push(located(format!(
                "未知的事实 `{}`: 分组 `{}` 中没有 / unknown fact `{}`: section `{}` has no such fact",
                name,
                section.name,
                name,
                section.name
            )));
            None
        }
        Some(i) if !want.contains(&section.fields[i].ty) => {
            errors.push(located(format!(
                "事实 `{}` 的类型不对，应为 {} / fact `{}` has the wrong type: expected {}",
                name,
                want[0].expected(),
                name,
                want[0].expected()
            )));
            None
        }
        Some(i) => Some(i),
    }
}

/// Where a name stands in a rule file: its first quoted occurrence (for messages only).
fn span_of(text: &str, name: &str) -> std::ops::Range<usize> {
    let quoted = format!("\"{name}\"");
    let at = text.find(&quoted).or_else(|| text.find(name)).unwrap_or(0);
    at..at + quoted.len()
}
