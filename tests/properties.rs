//! Properties of the evaluator over generated applicants (proptest), on the embedded rules:
//! caps hold per item and per unit-year (prior awards included), 就高执行 never pays a group more
//! than its largest single award and never gives a floor above its ceiling, deducting prior awards
//! never raises an award, raising an amount never lowers its clause's award, and the total is the
//! sum of the determinate clause amounts, all to the fen.
//!
//! Amounts are generated as whole fen (integers), never as floats.

use std::sync::OnceLock;

use calc::facts::{Item, Value};
use calc::outcome::Outcome;
use calc::rules::clause::Cap;
use calc::rules::{Award, CapScope, CombineMode};
use calc::{Facts, Money, RuleSet, Status, evaluate};
use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use proptest::sample::select;
use rust_decimal::Decimal;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::embedded().expect("the embedded rules compile"))
}

/// A fact as generated: text, or money in whole fen.
#[derive(Clone, Debug)]
enum Fact {
    Text(String),
    Fen(i64),
}

impl Fact {
    fn text(&self) -> String {
        match self {
            Fact::Text(t) => t.clone(),
            Fact::Fen(f) => format!("{}.{:02}", f / 100, f % 100),
        }
    }
}

#[derive(Clone, Debug)]
struct ItemSpec {
    section: &'static str,
    facts: Vec<(&'static str, Fact)>,
}

#[derive(Clone, Debug)]
struct Applicant {
    kind: &'static str,
    as_of: NaiveDate,
    items: Vec<ItemSpec>,
}

fn money(fen: i64) -> Money {
    Money::from_decimal(Decimal::new(fen, 2)).expect("generated money is valid")
}

impl Applicant {
    /// Facts through the vocabulary; item ids are their position within their section ("0", "1", ...).
    fn facts(&self) -> Facts {
        let r = rules();
        let mut facts = Facts::new(r, "generated");
        let mut applicant = Item::empty(r.section(r.roles.applicant), 1);
        for (name, text) in [
            ("name", "生成单位"),
            ("credit_code", "91330302MA2H00001Y"),
            ("kind", self.kind),
            ("district", "鹿城区"),
            ("registered", "true"),
            ("tax_compliant", "true"),
            ("ai_industry", "true"),
        ] {
            set(&mut applicant, r.roles.applicant, name, text);
        }
        facts.sections[r.roles.applicant].push(applicant);
        // Priors as a clean prior file has them: one per clause and item, the year being the item
        // under clause 4 (the engine refuses two amounts for one item and counts an identical one
        // once, neither of which is tested here).
        let mut kept: Vec<String> = Vec::new();
        for (line, spec) in self.items.iter().enumerate() {
            if spec.section == "prior" {
                let get = |n: &str| {
                    spec.facts
                        .iter()
                        .find(|(k, _)| *k == n)
                        .map(|(_, f)| f.text())
                };
                // Under a clause whose year is the item (clause 4), one prior per year.
                let clause =
                    (get("clause").and_then(|c| c.parse::<u32>().ok())).and_then(|n| r.clause(n));
                let year_is_item = clause.is_some_and(|c| calc::prior::year_is_item(r, c));
                let key = match get("item") {
                    _ if year_is_item => format!("{:?}/year {:?}", get("clause"), get("year")),
                    Some(item) => format!("{:?}/{item}", get("clause")),
                    None => format!(
                        "{:?}",
                        spec.facts.iter().map(|(_, f)| f.text()).collect::<Vec<_>>()
                    ),
                };
                if kept.contains(&key) {
                    continue;
                }
                kept.push(key);
            }
            let si = r.vocabulary.section_index(spec.section).expect("a section");
            let mut item = Item::empty(r.section(si), line + 2);
            if r.section(si).field_index("id").is_some() {
                let id = facts.sections[si].len().to_string();
                set(&mut item, si, "id", &id);
            }
            for (name, fact) in &spec.facts {
                set(&mut item, si, name, &fact.text());
            }
            facts.sections[si].push(item);
        }
        facts
    }

    fn evaluate(&self) -> (Facts, Outcome) {
        let facts = self.facts();
        let outcome = evaluate(rules(), &facts, self.as_of).expect("generated facts evaluate");
        (facts, outcome)
    }

    /// The same applicant without its prior awards.
    fn without_priors(&self) -> Applicant {
        let mut a = self.clone();
        a.items.retain(|i| i.section != "prior");
        a
    }
}

fn set(item: &mut Item, section: calc::rules::SectionId, name: &str, text: &str) {
    let s = rules().section(section);
    let fi = s.field_index(name).expect("a field of the section");
    item.values[fi] = Some(Value::from_text(&s.fields[fi], text).expect("a valid generated value"));
}

// ---- generators ----

/// Amounts from nothing to far above every cap, in fen.
fn fen() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0i64),
        1i64..=100_000_000,         // up to 1,000,000 yuan: around the annual caps
        1i64..=5_000_000_000,       // up to 50,000,000 yuan
        1i64..=100_000_000_000_000, // up to 1,000,000,000,000 yuan
    ]
}

/// Dates from a month before the events window opens to the policy's end.
fn date() -> impl Strategy<Value = String> {
    let from = NaiveDate::from_ymd_opt(2024, 12, 1).expect("a date");
    (0u64..=1126).prop_map(move |d| {
        from.checked_add_days(Days::new(d))
            .expect("in range")
            .to_string()
    })
}

fn flag(p: f64) -> impl Strategy<Value = Fact> {
    prop::bool::weighted(p).prop_map(|b| Fact::Text(b.to_string()))
}

fn text(choices: &'static [&'static str]) -> impl Strategy<Value = Fact> {
    select(choices).prop_map(|s| Fact::Text(s.to_string()))
}

fn on(date: String) -> Fact {
    Fact::Text(date)
}

const TITLES: &[&str] = &[
    "service_provider_comprehensive",
    "service_provider_industry",
    "service_provider_scenario",
    "first_set_international",
    "first_set_national",
    "first_set_provincial",
    "poc_center",
    "pilot_platform",
    "single_champion",
    "little_giant",
    "hidden_champion",
    "specialized_sme",
    "talent_a_class",
    "talent_high_level",
    "entrepreneur_ouyue",
    "leading_team_provincial",
];

fn item() -> impl Strategy<Value = ItemSpec> {
    let compute = (flag(0.5), fen(), date()).prop_map(|(a, f, d)| ItemSpec {
        section: "compute",
        facts: vec![("autonomous", a), ("amount", Fact::Fen(f)), ("date", on(d))],
    });
    let model =
        (text(&["api", "private"]), flag(0.85), fen(), date()).prop_map(|(m, v, f, d)| ItemSpec {
            section: "model",
            facts: vec![
                ("mode", m),
                ("vertical", v),
                ("amount", Fact::Fen(f)),
                ("date", on(d)),
            ],
        });
    let dataset = (flag(0.85), flag(0.85), fen(), date()).prop_map(|(l, s, f, d)| ItemSpec {
        section: "dataset",
        facts: vec![
            ("listed", l),
            ("selected", s),
            ("investment", Fact::Fen(f)),
            ("date", on(d)),
        ],
    });
    let project = (
        text(&["enterprise", "enterprise", "other"]),
        flag(0.85),
        fen(),
        date(),
    )
        .prop_map(|(l, a, f, d)| ItemSpec {
            section: "project",
            facts: vec![
                ("lead", l),
                ("approved", a),
                ("investment", Fact::Fen(f)),
                ("date", on(d)),
            ],
        });
    // Two named subjects (products, persons) and the unnamed one.
    let subject = prop::option::of(text(&["甲", "乙"]));
    let recognition = (text(TITLES), date(), flag(0.85), flag(0.85), subject).prop_map(
        |(t, d, ft, fl, subject)| {
            let mut facts = vec![
                ("title", t),
                ("date", on(d)),
                ("first_time", ft),
                ("filed", fl),
            ];
            facts.extend(subject.map(|s| ("subject", s)));
            ItemSpec {
                section: "recognition",
                facts,
            }
        },
    );
    let loan = (flag(0.85), fen(), fen(), date(), date(), date()).prop_map(
        |(e, p, paid, disbursed, start, end)| ItemSpec {
            section: "loan",
            facts: vec![
                ("eligible", e),
                ("principal", Fact::Fen(p)),
                ("interest_paid", Fact::Fen(paid)),
                ("disbursed", on(disbursed)),
                ("start", on(start)),
                ("end", on(end)),
            ],
        },
    );
    let rnd = (2023i32..=2027, fen()).prop_map(|(y, f)| ItemSpec {
        section: "rnd",
        facts: vec![
            ("year", Fact::Text(y.to_string())),
            ("expense", Fact::Fen(f)),
        ],
    });
    // A prior of any clause; it names an item id "0".."3" half of the time, and always a
    // subject, so that it is never ambiguous between groups (clause 8 is grouped by title, which
    // a clause-8 prior names as its `title`: SPEC rev. 3 §4).
    let prior = (
        1u32..=12,
        2025i32..=2027,
        prop::option::of(0u8..4),
        fen(),
        0usize..2,
    )
        .prop_map(|(c, y, it, f, si)| {
            let subjects = if c == 8 {
                ["poc_center", "pilot_platform"]
            } else {
                ["甲", "乙"]
            };
            let mut facts = vec![
                ("clause", Fact::Text(c.to_string())),
                ("year", Fact::Text(y.to_string())),
                ("amount", Fact::Fen(f)),
                (
                    if c == 8 { "title" } else { "subject" },
                    Fact::Text(subjects[si].to_string()),
                ),
            ];
            if let Some(i) = it {
                facts.push(("item", Fact::Text(i.to_string())));
            }
            // A clause-12 prior names the period it paid (SPEC rev. 3 §4).
            if c == 12 {
                facts.push(("start", Fact::Text(format!("{y}-01-01"))));
                facts.push(("end", Fact::Text(format!("{y}-06-30"))));
            }
            ItemSpec {
                section: "prior",
                facts,
            }
        });
    prop_oneof![
        3 => compute,
        2 => model,
        2 => dataset,
        2 => project,
        3 => recognition,
        2 => loan,
        1 => rnd,
        2 => prior,
    ]
}

fn applicant() -> impl Strategy<Value = Applicant> {
    let from = NaiveDate::from_ymd_opt(2025, 10, 1).expect("a date");
    (
        select(
            &[
                "enterprise",
                "enterprise",
                "enterprise",
                "partnership",
                "university",
                "research_institute",
                "individual",
                "other",
            ][..],
        ),
        0u64..=821, // 2025-10-01 to 2027-12-31: the policy in force
        prop::collection::vec(item(), 0..14),
    )
        .prop_map(move |(kind, d, items)| Applicant {
            kind,
            as_of: from.checked_add_days(Days::new(d)).expect("in range"),
            items,
        })
}

// ---- helpers over outcomes ----

fn has_fen_precision(m: Money) -> bool {
    m.as_decimal().normalize().scale() <= 2
}

/// The prior awards of a clause (in a year, or in any), as the facts state them.
fn priors_of(facts: &Facts, clause: u32, year: Option<i32>) -> Money {
    let r = &rules().roles;
    facts
        .items(r.prior)
        .iter()
        .filter(|p| p.int(r.prior_clause) == Some(i64::from(clause)))
        .filter(|p| year.is_none_or(|y| p.int(r.prior_year) == Some(i64::from(y))))
        .filter_map(|p| p.money(r.prior_amount))
        .fold(Money::ZERO, |a, b| a.checked_add(b).expect("no overflow"))
}

/// Where raising an amount is meant to raise (or keep) an award: section, field, clause.
const RAISABLE: &[(&str, &str, u32)] = &[
    ("compute", "amount", 1),
    ("model", "amount", 2),
    ("dataset", "investment", 3),
    ("project", "investment", 5),
    ("loan", "principal", 12),
    ("loan", "interest_paid", 12),
];

fn award_of(o: &Outcome, clause: u32) -> Money {
    o.clauses
        .iter()
        .find(|c| c.clause == clause)
        .map_or(Money::ZERO, |c| c.amount)
}

proptest! {
    // 256 cases keep the suite fast; failures print their case (no regression files).
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_item_is_ever_above_its_cap(a in applicant()) {
        let (facts, o) = a.evaluate();
        for c in &o.clauses {
            let clause = rules().clause(c.clause).expect("a clause of the rules");
            if let Some(Cap { amount, .. }) = &clause.cap {
                for it in &c.items {
                    prop_assert!(it.amount <= *amount, "clause {} item {}: {} > cap {}",
                        c.clause, it.id, it.amount, amount);
                }
            }
            // An interest subsidy is capped by the interest actually paid.
            if let Award::Interest { paid, .. } = &clause.award {
                for it in &c.items {
                    let paid = facts.items(clause.section)[it.index].money(*paid);
                    prop_assert!(it.amount <= paid.unwrap_or(Money::ZERO),
                        "loan {}: {} > paid {:?}", it.id, it.amount, paid);
                }
            }
        }
    }

    #[test]
    fn per_unit_and_year_the_annual_cap_holds_with_prior_awards(a in applicant()) {
        let (facts, o) = a.evaluate();
        // SPEC §4: clauses 1 to 3 carry a unit-year cap of 500,000; read it from the rules.
        for n in 1..=3 {
            let cap = rules().clause(n).and_then(|c| c.cap.as_ref()).expect("a cap");
            prop_assert_eq!(cap.scope, CapScope::UnitYear);
            prop_assert_eq!(cap.amount, money(50_000_000));
        }
        for c in &o.clauses {
            let clause = rules().clause(c.clause).expect("a clause");
            let Some(cap) = clause.cap.as_ref().filter(|c| c.scope == CapScope::UnitYear) else {
                continue;
            };
            let year_field = cap.year_field.expect("a unit-year cap knows its year");
            let mut by_year: Vec<(i32, Money)> = Vec::new();
            for it in &c.items {
                let Some(year) = facts.items(clause.section)[it.index].year(year_field) else {
                    continue;
                };
                match by_year.iter_mut().find(|(y, _)| *y == year) {
                    Some((_, sum)) => *sum = sum.checked_add(it.amount).expect("no overflow"),
                    None => by_year.push((year, it.amount)),
                }
            }
            for (year, paid) in by_year {
                let prior = priors_of(&facts, c.clause, Some(year));
                // What this evaluation pays plus what was paid before never passes the cap,
                // unless the prior awards alone already did (then nothing more is paid).
                let room = cap.amount.saturating_sub(prior);
                prop_assert!(paid <= room,
                    "clause {} year {year}: pays {paid}, prior {prior}, cap {}", c.clause, cap.amount);
            }
        }
    }

    #[test]
    fn a_highest_only_group_never_pays_more_than_its_largest_single_award(a in applicant()) {
        let (facts, o) = a.evaluate();
        for c in &o.clauses {
            let clause = rules().clause(c.clause).expect("a clause");
            if clause.combine != CombineMode::Highest {
                continue;
            }
            let Award::Levels { by, levels } = &clause.award else { continue };
            // Items by the value of the clause's group fact (none: the unit is one group).
            let group = |it: &calc::outcome::ItemOutcome| {
                clause.per.map(|f| facts.items(clause.section)[it.index].get(f).map(|v| format!("{v:?}").to_lowercase()))
            };
            let mut sum_largest = Money::ZERO;
            let mut groups: Vec<Option<Option<String>>> = c.items.iter().filter(|it| it.qualifies).map(group).collect();
            groups.dedup();
            groups.sort();
            groups.dedup();
            for g in &groups {
                let members: Vec<_> = c.items.iter().filter(|it| it.qualifies && group(it) == *g).collect();
                // The largest award any qualifying item of the group could get on its own.
                let largest = members
                    .iter()
                    .filter_map(|it| facts.items(clause.section)[it.index].enum_value(*by))
                    .filter_map(|v| levels.iter().find(|l| l.value == v))
                    .map(|l| l.payout.ceiling())
                    .max()
                    .unwrap_or(Money::ZERO);
                sum_largest = sum_largest.checked_add(largest).expect("no overflow");
                let paying: Vec<_> = members.iter().filter(|i| !i.amount.is_zero() || i.ceiling.is_some()).collect();
                prop_assert!(paying.len() <= 1, "clause {} group {g:?}: {} items pay", c.clause, paying.len());
                for it in paying {
                    prop_assert!(it.amount <= largest, "clause {}: {} > {}", c.clause, it.amount, largest);
                    if let Some(ceiling) = it.ceiling {
                        prop_assert!(ceiling <= largest, "clause {}: ceiling {} > {}", c.clause, ceiling, largest);
                        prop_assert!(it.floor.is_none_or(|f| f <= ceiling), "clause {}: floor above ceiling", c.clause);
                    }
                }
            }
            prop_assert!(c.amount <= sum_largest, "clause {}: {} > {}", c.clause, c.amount, sum_largest);
            if let Some(ceiling) = c.ceiling {
                prop_assert!(ceiling <= sum_largest);
                prop_assert!(c.floor.is_none_or(|f| f <= ceiling), "clause {}: floor above ceiling", c.clause);
            }
        }
    }

    #[test]
    fn deducting_prior_awards_never_raises_an_award(a in applicant()) {
        let (_, with) = a.evaluate();
        let (_, without) = a.without_priors().evaluate();
        for c in &with.clauses {
            let Some(w) = without.clauses.iter().find(|x| x.clause == c.clause) else { continue };
            // The most payable: the ceiling of a discretionary clause, else its amount (a prior
            // may bring a range to a determinate 0.00 and so the clause from discretionary to awarded).
            let top = |x: &calc::outcome::ClauseOutcome| x.ceiling.unwrap_or(x.amount);
            prop_assert!(top(c) <= top(w), "clause {}: {} > {} without priors", c.clause, top(c), top(w));
            if let (Some(a), Some(b)) = (c.floor, w.floor) {
                prop_assert!(a <= b, "clause {}: floor {} > {} without priors", c.clause, a, b);
            }
        }
    }

    #[test]
    fn raising_an_amount_never_lowers_that_clauses_award(
        a in applicant(),
        pick in any::<prop::sample::Index>(),
        raise in fen(),
    ) {
        // Every (item, money field) that feeds a rate or an interest formula.
        let targets: Vec<(usize, usize, u32)> = a
            .items
            .iter()
            .enumerate()
            .flat_map(|(i, spec)| {
                spec.facts.iter().enumerate().filter_map(move |(fi, (name, _))| {
                    RAISABLE
                        .iter()
                        .find(|(s, f, _)| *s == spec.section && f == name)
                        .map(|(_, _, clause)| (i, fi, *clause))
                })
            })
            .collect();
        prop_assume!(!targets.is_empty());
        let (i, fi, clause) = targets[pick.index(targets.len())];
        let (_, before) = a.evaluate();
        let mut raised = a.clone();
        if let Fact::Fen(f) = &mut raised.items[i].facts[fi].1 {
            *f += raise;
        }
        let (_, after) = raised.evaluate();
        prop_assert!(award_of(&after, clause) >= award_of(&before, clause),
            "clause {clause}: {} → {} after raising item {i} by {raise} fen",
            award_of(&before, clause), award_of(&after, clause));
    }

    #[test]
    fn the_total_is_the_sum_of_determinate_clause_amounts_to_the_fen(a in applicant()) {
        let (_, o) = a.evaluate();
        let mut sum = Money::ZERO;
        for c in &o.clauses {
            match c.status {
                Status::Awarded => sum = sum.checked_add(c.amount).expect("no overflow"),
                // Discretionary results and ineligible clauses add nothing.
                Status::Discretionary | Status::Ineligible => prop_assert!(c.amount.is_zero()),
            }
            prop_assert!(has_fen_precision(c.amount));
            for m in c.ceiling.iter().chain(c.floor.iter()) {
                prop_assert!(has_fen_precision(*m));
            }
            let mut items = Money::ZERO;
            for it in &c.items {
                prop_assert!(has_fen_precision(it.amount));
                items = items.checked_add(it.amount).expect("no overflow");
            }
            prop_assert_eq!(items, c.amount, "clause {} is the sum of its items", c.clause);
        }
        prop_assert_eq!(o.total, sum);
        prop_assert!(has_fen_precision(o.total));
    }
}
