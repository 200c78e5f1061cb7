//! One clause file (`rules/clauses/NN-*.toml`): what it reads, who may claim, its conditions,
//! its award formula, its cap and how its items combine. Parsed as written (`ClauseFile`),
//! then compiled against the vocabulary into `Clause`, whose fact references are indices.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::read::{Path, Place, Problem, at};
use super::vocabulary::{Field, FieldId, FieldType, Section, SectionId, Vocabulary};
use crate::money::{Money, Rate};
use crate::value::Value;

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
    /// 资金来源: the key of one of the policy's `[[funding]]` sources.
    #[serde(default)]
    pub funding: Option<String>,
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

/// A table whose `kind` names the variant (`rules::read` reads it so).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
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
    /// A year fact must be exactly the as-of year minus `years` (上年度: `years = 1`).
    YearBeforeAsOf { field: String, years: i32 },
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

/// A table whose `kind` names the variant (`rules::read` reads it so).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
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
        /// Whether the `end` date is the last day counted (the claim period's own last day).
        #[serde(default)]
        end_inclusive: bool,
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
    /// The non-duplication group of `highest`: `unit` (default) or a fact of the section
    /// (`title`, `subject`): items with one value of it compete, other values are paid apart.
    #[serde(default)]
    pub per: Option<String>,
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
        field: FieldId,
    },
    Equals {
        field: FieldId,
        value: u16,
    },
    YearBetween {
        field: FieldId,
        from: i32,
        years_before_as_of: i32,
    },
    YearBeforeAsOf {
        field: FieldId,
        years: i32,
    },
}

impl Condition {
    pub fn field(&self) -> FieldId {
        match self {
            Condition::IsTrue { field }
            | Condition::Equals { field, .. }
            | Condition::YearBetween { field, .. }
            | Condition::YearBeforeAsOf { field, .. } => *field,
        }
    }
}

#[derive(Clone, Debug)]
pub struct RateCase {
    pub when: Vec<(FieldId, Value)>,
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
    pub requires: Vec<FieldId>,
}

#[derive(Clone, Debug)]
pub enum Award {
    Rate {
        base: FieldId,
        cases: Vec<RateCase>,
    },
    Tiers {
        base: FieldId,
        ceiling: Money,
        tiers: Vec<Tier>,
    },
    Levels {
        by: FieldId,
        levels: Vec<Level>,
    },
    Interest {
        principal: FieldId,
        start: FieldId,
        end: FieldId,
        disbursed: FieldId,
        paid: FieldId,
        rate: Rate,
        day_basis: u32,
        term_years: u32,
        end_inclusive: bool,
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
    pub year_field: Option<FieldId>,
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
    /// The index of its funding source in `policy.funding`, when it names one.
    pub funding: Option<usize>,
    pub source: String,
    pub section: SectionId,
    pub date_field: Option<FieldId>,
    /// Indices into the applicant `kind` values.
    pub applicants: Vec<u16>,
    pub conditions: Vec<Condition>,
    pub award: Award,
    pub cap: Option<Cap>,
    pub combine: CombineMode,
    /// The fact whose value makes a non-duplication group (`None`: the whole unit is one).
    pub per: Option<FieldId>,
    pub quota: Option<Quota>,
}

impl Clause {
    pub fn title(&self, en: bool) -> &str {
        if en { &self.title_en } else { &self.title }
    }

    /// Whether an item of the clause's section, whose facts `get` gives, is a claim under this
    /// clause.
    pub fn claims<'v>(&self, get: impl Fn(FieldId) -> Option<&'v Value>) -> bool {
        match &self.award {
            Award::Levels { by, levels } => match get(*by) {
                Some(Value::Enum(v)) => levels.iter().any(|l| l.value == *v),
                _ => false,
            },
            _ => true,
        }
    }
}

/// What the compiling of one clause file needs: its name, its section and where to report.
struct Cx<'a> {
    file: &'a str,
    section: &'a Section,
    problems: &'a mut Vec<Problem>,
}

impl Cx<'_> {
    fn bad(&mut self, path: Path, message: impl Into<crate::text::Text>) {
        self.problems.push(Problem::new(self.file, path, message));
    }

    /// The index of the fact `name` of the clause's section, of one of the `want` types.
    fn field(&mut self, name: &str, want: &[FieldType], path: Path) -> Option<FieldId> {
        let section = self.section;
        match section.field_index(name) {
            None => {
                self.bad(path, crate::text!("未知的事实 `{name}`: 分组 `{}` 中没有", section.name; "unknown fact `{name}`: section `{}` has no such fact", section.name));
                None
            }
            Some(i) if !want.contains(&section.fields[i].ty) => {
                self.bad(path, crate::text!("事实 `{name}` 的类型不对，应为 {}", want[0].expected_zh(); "fact `{name}` has the wrong type: expected {}", want[0].expected_en()));
                None
            }
            Some(i) => Some(i),
        }
    }

    /// The index of one of an enum fact's values.
    fn value(&mut self, field: FieldId, value: &str, path: Path) -> Option<u16> {
        let f = &self.section.fields[field];
        let found = f.enum_index(value);
        if found.is_none() {
            self.bad(
                path,
                crate::text!("`{value}` 不是 `{}` 的取值，应为: {}", f.name, f.value_list(); "not a value of `{}`: {}", f.name, f.value_list()),
            );
        }
        found
    }
}

/// Resolves the names in a clause file; every problem found is reported, at its path.
pub fn compile(
    file: &str,
    spec: ClauseFile,
    vocab: &Vocabulary,
    kind_field: (SectionId, FieldId),
    problems: &mut Vec<Problem>,
) -> Option<Clause> {
    let n_before = problems.len();
    let Some(section_idx) = vocab.section_index(&spec.section) else {
        problems.push(Problem::new(
            file,
            at("section"),
            crate::text!("未知的事实分组 `{}`，词汇表中没有", spec.section; "unknown facts section `{}`: not in the vocabulary", spec.section),
        ));
        return None;
    };
    let mut cx = Cx {
        file,
        section: &vocab.sections[section_idx],
        problems,
    };
    let date_field = spec
        .date_field
        .as_ref()
        .and_then(|d| cx.field(d, &[FieldType::Date], at("date_field")));
    let kinds = &vocab.sections[kind_field.0].fields[kind_field.1];
    let applicants = applicants(&mut cx, &spec.applicants, kinds);
    let conditions = conditions(&mut cx, &spec.conditions);
    let award = award(&mut cx, &spec.award);
    let cap = spec.cap.as_ref().map(|c| cap(&mut cx, c, date_field));
    let per = match spec.combine.per.as_deref() {
        None | Some("unit") => None,
        Some(f) => cx.field(
            f,
            &[FieldType::Text, FieldType::Enum],
            at("combine").key("per"),
        ),
    };
    if let Some(q) = &spec.quota {
        let year = cap.as_ref().and_then(|c| c.year_field).or(date_field);
        check_quota(&mut cx, q, year.is_some());
    }
    if cx.problems.len() > n_before {
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
        funding: None,
        source: file.to_string(),
        section: section_idx,
        date_field,
        applicants,
        conditions,
        award: award?,
        cap,
        combine: spec.combine.mode,
        per,
        quota: spec.quota,
    })
}

/// The one kind of quota there is: a count of places per district and year.
pub const QUOTA_PER_DISTRICT_YEAR: &str = "district_year";

/// A clause's quota checked where it is written (in the clause file, or in the overlay that set
/// it): its kind, its count, the number fact it ranks by, and a year to count places in.
fn check_quota(cx: &mut Cx, q: &Quota, has_year: bool) {
    if q.per != QUOTA_PER_DISTRICT_YEAR {
        cx.bad(
            at("quota").key("per"),
            crate::text!("quota.per = \"{}\" 不支持，应为 \"{QUOTA_PER_DISTRICT_YEAR}\"", q.per; "quota.per `{}` is not supported; expected `{QUOTA_PER_DISTRICT_YEAR}`", q.per),
        );
    }
    if q.count == 0 {
        cx.bad(
            at("quota").key("count"),
            crate::text!("quota.count 须至少为 1", "quota.count must be at least 1"),
        );
    }
    let numbers = [FieldType::Number, FieldType::Money, FieldType::Integer];
    cx.field(&q.rank_by, &numbers, at("quota").key("rank_by"));
    if !has_year {
        cx.bad(
            at("quota"),
            crate::text!(
                "按年度的名额需要 date_field",
                "a yearly quota needs the clause's date_field"
            ),
        );
    }
}

/// The applicant kinds a clause covers, as indices into the `kind` fact's values.
fn applicants(cx: &mut Cx, names: &[String], kinds: &Field) -> Vec<u16> {
    let mut out = Vec::new();
    for (i, a) in names.iter().enumerate() {
        match kinds.enum_index(a) {
            Some(k) => out.push(k),
            None => cx.bad(
                at("applicants").index(i),
                crate::text!("未知的主体类型 `{a}`，应为: {}", kinds.value_list(); "unknown applicant kind"),
            ),
        }
    }
    out
}

fn conditions(cx: &mut Cx, specs: &[ConditionSpec]) -> Vec<Condition> {
    let mut out = Vec::new();
    for (i, c) in specs.iter().enumerate() {
        let here = at("conditions").index(i);
        let field = here.key("field");
        let compiled = match c {
            ConditionSpec::IsTrue { field: f } => cx
                .field(f, &[FieldType::Bool], field)
                .map(|field| Condition::IsTrue { field }),
            ConditionSpec::Equals { field: f, value } => {
                cx.field(f, &[FieldType::Enum], field).and_then(|f| {
                    let value = cx.value(f, value, here.key("value"))?;
                    Some(Condition::Equals { field: f, value })
                })
            }
            ConditionSpec::YearBetween {
                field: f,
                from,
                years_before_as_of,
            } => cx
                .field(f, &[FieldType::Year], field)
                .map(|field| Condition::YearBetween {
                    field,
                    from: *from,
                    years_before_as_of: *years_before_as_of,
                }),
            ConditionSpec::YearBeforeAsOf { field: f, years } => cx
                .field(f, &[FieldType::Year], field)
                .map(|field| Condition::YearBeforeAsOf {
                    field,
                    years: *years,
                }),
        };
        out.extend(compiled);
    }
    out
}

fn award(cx: &mut Cx, spec: &AwardSpec) -> Option<Award> {
    let here = at("award");
    match spec {
        AwardSpec::Rate { base, rates } => {
            let base = cx.field(base, &[FieldType::Money], here.key("base"));
            let cases = rate_cases(cx, rates);
            Some(Award::Rate { base: base?, cases })
        }
        AwardSpec::Tiers {
            base,
            ceiling,
            tiers: specs,
        } => {
            let base = cx.field(base, &[FieldType::Money], here.key("base"));
            let tiers = tiers(cx, specs);
            Some(Award::Tiers {
                base: base?,
                ceiling: *ceiling,
                tiers,
            })
        }
        AwardSpec::Levels { by, levels: specs } => {
            let by = cx.field(by, &[FieldType::Enum], here.key("by"))?;
            let levels = levels(cx, by, specs);
            Some(Award::Levels { by, levels })
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
            end_inclusive,
        } => {
            let money = [FieldType::Money];
            let date = [FieldType::Date];
            let principal = cx.field(principal, &money, here.key("principal"));
            let start = cx.field(start, &date, here.key("start"));
            let end = cx.field(end, &date, here.key("end"));
            let disbursed = cx.field(disbursed, &date, here.key("disbursed"));
            let paid = cx.field(paid, &money, here.key("paid"));
            if *day_basis == 0 {
                cx.bad(
                    here.key("day_basis"),
                    crate::text!("day_basis 须大于 0", "day_basis must be positive"),
                );
            }
            Some(Award::Interest {
                principal: principal?,
                start: start?,
                end: end?,
                disbursed: disbursed?,
                paid: paid?,
                rate: *rate,
                day_basis: *day_basis,
                term_years: *term_years,
                end_inclusive: *end_inclusive,
            })
        }
    }
}

/// The cases of a `rate` award, each `when` fact resolved with its value.
fn rate_cases(cx: &mut Cx, specs: &[RateCaseSpec]) -> Vec<RateCase> {
    let rates = at("award").key("rates");
    if specs.is_empty() {
        cx.bad(
            rates.clone(),
            crate::text!("award.rates 不能为空", "award.rates must not be empty"),
        );
    }
    let mut cases = Vec::new();
    for (i, r) in specs.iter().enumerate() {
        let mut when = Vec::new();
        for (name, value) in &r.when {
            let path = rates.index(i).key("when").key(name);
            let section = cx.section;
            let Some(f) = section.field_index(name) else {
                let msg = crate::text!("`{}` 中没有事实 `{name}`", section.name; "section `{}` has no fact `{name}`", section.name);
                cx.problems.push(Problem {
                    place: Place::Key,
                    ..Problem::new(cx.file, path, msg)
                });
                continue;
            };
            let field = &section.fields[f];
            let v = match (field.ty, value) {
                (FieldType::Bool, toml::Value::Boolean(b)) => Some(Value::Bool(*b)),
                (FieldType::Enum, toml::Value::String(s)) => field.enum_index(s).map(Value::Enum),
                _ => None,
            };
            match v {
                Some(v) => when.push((f, v)),
                None => cx.bad(
                    path,
                    crate::text!("`{name}` 的条件值应为 {}", field.ty.expected_zh(); "the value for `{name}` must be {}", field.ty.expected_en()),
                ),
            }
        }
        cases.push(RateCase {
            when,
            rate: r.rate,
            label: r.label.clone(),
            label_en: r.label_en.clone(),
        });
    }
    cases
}

/// The tiers of a `tiers` award: increasing thresholds, each with an amount or a rate.
fn tiers(cx: &mut Cx, specs: &[TierSpec]) -> Vec<Tier> {
    let mut out = Vec::new();
    let mut last: Option<Money> = None;
    for (i, t) in specs.iter().enumerate() {
        let here = at("award").key("tiers").index(i);
        if last.is_some_and(|l| t.from <= l) {
            cx.bad(
                here.key("from"),
                crate::text!(
                    "award.tiers 的 from 须严格递增",
                    "tier thresholds must increase"
                ),
            );
        }
        last = Some(t.from);
        match (t.amount, t.rate) {
            (Some(amount), None) => out.push(Tier::Fixed {
                from: t.from,
                amount,
            }),
            (None, Some(rate)) => out.push(Tier::Rate { from: t.from, rate }),
            _ => cx.bad(
                here,
                crate::text!(
                    "每一档须有且只有 amount 或 rate 之一",
                    "each tier needs exactly one of amount or rate"
                ),
            ),
        }
    }
    out
}

/// The levels of a `levels` award, by the values of the enum fact `by`.
fn levels(cx: &mut Cx, by: FieldId, specs: &[LevelSpec]) -> Vec<Level> {
    let mut out = Vec::new();
    for (i, l) in specs.iter().enumerate() {
        let here = at("award").key("levels").index(i);
        let Some(value) = cx.value(by, &l.value, here.key("value")) else {
            continue;
        };
        let payout = match (l.amount, l.floor, l.ceiling) {
            (Some(a), None, None) => Payout::Fixed(a),
            (None, floor, Some(ceiling)) if floor.is_none_or(|f| f <= ceiling) => {
                Payout::Range { floor, ceiling }
            }
            _ => {
                cx.bad(
                    here,
                    crate::text!(
                        "每一级须有 amount，或 ceiling (可加不高于它的 floor)",
                        "each level needs amount, or ceiling with an optional floor not above it"
                    ),
                );
                continue;
            }
        };
        let requires = l
            .requires
            .iter()
            .enumerate()
            .filter_map(|(j, r)| cx.field(r, &[FieldType::Bool], here.key("requires").index(j)))
            .collect();
        out.push(Level {
            value,
            payout,
            requires,
        });
    }
    out
}

/// The cap, with the fact that gives a `unit_year` cap its year.
fn cap(cx: &mut Cx, c: &CapSpec, date_field: Option<FieldId>) -> Cap {
    let year_field = match (&c.year_field, c.scope) {
        (Some(y), _) => cx.field(
            y,
            &[FieldType::Year, FieldType::Date],
            at("cap").key("year_field"),
        ),
        (None, CapScope::UnitYear) => {
            if date_field.is_none() {
                cx.bad(
                    at("cap").key("scope"),
                    crate::text!(
                        "cap.scope = \"unit_year\" 需要 date_field 或 cap.year_field",
                        "a unit_year cap needs date_field or cap.year_field"
                    ),
                );
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
}
