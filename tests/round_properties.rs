//! Issue 23's invariants over generated rounds with generated overlays (scoped and not, in any
//! order), through the library alone: every row's figure equals the figure of the same
//! applicant given as a single facts file under the same overlays, and the summary's total,
//! the rows' sum and the notice's total are one figure.

#![allow(clippy::result_large_err)] // an input error is returned once per bad input, as in the library

use calc::batch::write::Output;
use calc::batch::{Options, evaluate};
use calc::money::Money;
use calc::prior::Gathered;
use calc::render::Lang;
use calc::rules::{RuleBook, RuleSources};
use calc::sheet::read::{Encoding, Table};
use calc::sheet::{Form, Format};
use calc::{Facts, Status};
use proptest::prelude::*;

const HEADER: &str = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,自主算力,金额,日期";

/// Valid credit codes (GB 32100 check digits) and the district each applicant is in.
const UNITS: [(&str, &str); 3] = [
    ("91330302000000001K", "鹿城区"),
    ("91330302000000002N", "龙湾区"),
    ("91330302000000003R", "瓯海区"),
];

/// The overlays drawn from: a 鹿城区 rate, a city-wide rate, a 龙湾区 cap, a 瓯海区 cap.
const OVERLAYS: [(&str, &str); 4] = [
    (
        "lucheng-20",
        "name = \"鹿城 20%\"\n[scope]\ndistricts = [\"鹿城区\"]\n[clause.1.award]\nrates = [\n  { when = { autonomous = true }, rate = \"20%\", label = \"20%\" },\n  { when = { autonomous = false }, rate = \"10%\", label = \"10%\" },\n]\n",
    ),
    (
        "all-25",
        "name = \"25%\"\n[clause.1.award]\nrates = [\n  { when = { autonomous = true }, rate = \"25%\", label = \"25%\" },\n  { when = { autonomous = false }, rate = \"5%\", label = \"5%\" },\n]\n",
    ),
    (
        "longwan-cap",
        "name = \"龙湾 cap\"\n[scope]\ndistricts = [\"龙湾区\"]\n[clause.1.cap]\namount = \"120000\"\n",
    ),
    (
        "ouhai-cap",
        "name = \"瓯海 cap\"\n[scope]\ndistricts = [\"瓯海区\"]\n[clause.1.cap]\namount = \"90000\"\n",
    ),
];

/// One compute contract: its applicant, whether autonomous, its amount in yuan, its month.
#[derive(Clone, Debug)]
struct Contract {
    unit: usize,
    autonomous: bool,
    amount: u32,
    month: u32,
}

fn contract() -> impl Strategy<Value = Contract> {
    (0..UNITS.len(), any::<bool>(), 1u32..900_000, 1u32..6).prop_map(
        |(unit, autonomous, amount, month)| Contract {
            unit,
            autonomous,
            amount,
            month,
        },
    )
}

fn yes(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// The round's CSV: one row a contract, ids HT-<row>.
fn round(contracts: &[Contract]) -> String {
    let mut text = format!("{HEADER}\n");
    for (i, c) in contracts.iter().enumerate() {
        let (code, district) = UNITS[c.unit];
        text += &format!(
            "算力券,单位{},{code},企业,{district},是,是,是,HT-{i},{},{},2026-{:02}-01\n",
            c.unit,
            yes(c.autonomous),
            c.amount,
            c.month
        );
    }
    text
}

/// One applicant's contracts as a facts file, in round order.
fn facts_file(unit: usize, contracts: &[Contract]) -> String {
    let (code, district) = UNITS[unit];
    let mut text = format!(
        "[applicant]\nname = \"单位{unit}\"\ncredit_code = \"{code}\"\nkind = \"enterprise\"\ndistrict = \"{district}\"\nregistered = true\ntax_compliant = true\nai_industry = true\n"
    );
    for (i, c) in contracts.iter().enumerate().filter(|(_, c)| c.unit == unit) {
        text += &format!(
            "\n[[compute]]\nid = \"HT-{i}\"\nautonomous = {}\namount = {}\ndate = 2026-{:02}-01\n",
            c.autonomous, c.amount, c.month
        );
    }
    text
}

fn book(order: &[usize]) -> RuleBook {
    let mut sources = RuleSources::embedded();
    for &o in order {
        let (name, text) = OVERLAYS[o];
        sources.add_overlay(format!("{name}.toml"), text.to_string());
    }
    RuleBook::compile(&sources).expect("the overlays compile")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn a_round_pays_what_each_applicant_alone_is_paid_and_every_total_agrees(
        contracts in prop::collection::vec(contract(), 1..14),
        order in Just((0..OVERLAYS.len()).collect::<Vec<_>>()).prop_shuffle(),
        take in 0..=OVERLAYS.len(),
    ) {
        let book = book(&order[..take]);
        let as_of: chrono::NaiveDate = "2026-06-30".parse().unwrap();
        let table = Table::from_bytes("round.csv", round(&contracts).into_bytes(), Encoding::Auto, None).unwrap();
        let opts = Options { keep_columns: Vec::new(), as_of, lang: Lang::Zh };
        let round = evaluate(&book, table, &opts, &Gathered::default(), &()).unwrap();
        // Each applicant alone, under its own district's rules.
        let mut alone: Vec<Option<Money>> = vec![None; contracts.len()];
        for unit in 0..UNITS.len() {
            if !contracts.iter().any(|c| c.unit == unit) {
                continue;
            }
            let facts = Facts::from_toml(&book.base, "a.toml", &facts_file(unit, &contracts)).unwrap();
            let rules = facts.rules(&book);
            let outcome = calc::evaluate(rules, &facts, as_of).unwrap();
            for co in &outcome.clauses {
                prop_assert_eq!(co.status, Status::Awarded);
                for it in &co.items {
                    let i: usize = it.id.trim_start_matches("HT-").parse().unwrap();
                    alone[i] = Some(it.amount);
                }
            }
        }
        let mut rows = Money::ZERO;
        for (i, r) in round.results.iter().enumerate() {
            prop_assert_eq!(r.award, alone[i], "row {} ({:?})", i, contracts[i]);
            rows = rows.checked_add(r.award.unwrap_or(Money::ZERO)).unwrap();
        }
        let labels = book.labels();
        prop_assert_eq!(round.summary(&labels).total().award, rows);
        // The notice of the round's output, read back by the one reader.
        let rules = &book.base;
        let to = Output { format: Format::Csv, bom: true, lang: Lang::Zh, shown: "out.csv", scratch: None };
        let mut out = Vec::new();
        round.write(rules, &mut out, &to, &()).unwrap();
        let output = Table::from_bytes("out.csv", out, Encoding::Auto, None).unwrap();
        let form = Form { format: Format::Csv, bom: true };
        let heading = calc::notice::Heading {
            title: "公示".into(),
            round: None,
            unit: None,
            from: as_of,
            days: 7,
            contact: None,
            date: as_of,
            lang: Lang::Zh,
        };
        let notice = calc::notice::write(&book.for_reading(), &output, Vec::new(), (form, "n.csv"), &heading).unwrap();
        prop_assert_eq!(notice.total, rows);
    }
}

/// A recognition: its applicant, its title, its subject, its month.
#[derive(Clone, Debug)]
struct Recognition {
    unit: usize,
    title: &'static str,
    subject: &'static str,
    month: u32,
}

/// Titles under clauses paid per product (7), per title (8) and per person or team (11).
const TITLES: [&str; 6] = [
    "first_set_provincial",
    "first_set_national",
    "first_set_international",
    "poc_center",
    "pilot_platform",
    "leading_team_provincial",
];
const SUBJECTS: [&str; 3] = ["产品A", "产品 B", "张三"];

fn recognition() -> impl Strategy<Value = Recognition> {
    (0..2usize, 0..TITLES.len(), 0..SUBJECTS.len(), 1u32..6).prop_map(|(unit, t, s, month)| {
        Recognition {
            unit,
            title: TITLES[t],
            subject: SUBJECTS[s],
            month,
        }
    })
}

const RECOGNITION_HEADER: &str = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,认定类别,认定对象,首次认定/新认定,完成市级备案,日期";

fn recognitions(round: &str, rs: &[Recognition]) -> String {
    let mut text = format!("{RECOGNITION_HEADER}\n");
    for (i, r) in rs.iter().enumerate() {
        let (code, district) = UNITS[r.unit];
        text += &format!(
            "认定,单位{},{code},企业,{district},是,是,是,{round}-{i},{},{},是,是,2026-{:02}-01\n",
            r.unit, r.title, r.subject, r.month
        );
    }
    text
}

fn evaluated(book: &RuleBook, text: String, priors: &Gathered) -> Vec<(Option<Money>, String)> {
    let table = Table::from_bytes("r.csv", text.into_bytes(), Encoding::Auto, None).unwrap();
    let opts = Options {
        keep_columns: Vec::new(),
        as_of: "2026-06-30".parse().unwrap(),
        lang: Lang::Zh,
    };
    let round = evaluate(book, table, &opts, priors, &()).unwrap();
    (round.results.iter())
        .map(|r| (r.award, format!("{:?}", r.status)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Round 1's output read back as round 2's prior deducts exactly what the same awards
    /// written as a prior table (code, clause, year, item, subject, title, amount) deduct.
    #[test]
    fn a_rounds_output_as_prior_is_the_prior_table_of_its_awards(
        first in prop::collection::vec(recognition(), 1..8),
        second in prop::collection::vec(recognition(), 1..8),
    ) {
        let book = book(&[]);
        let rules = &book.base;
        let as_of: chrono::NaiveDate = "2026-06-30".parse().unwrap();
        let opts = Options { keep_columns: Vec::new(), as_of, lang: Lang::Zh };
        let text = recognitions("R1", &first);
        let table = Table::from_bytes("r1.csv", text.into_bytes(), Encoding::Auto, None).unwrap();
        let round1 = evaluate(&book, table, &opts, &Gathered::default(), &()).unwrap();
        let to = Output { format: Format::Csv, bom: true, lang: Lang::Zh, shown: "out1.csv", scratch: None };
        let mut out = Vec::new();
        round1.write(rules, &mut out, &to, &()).unwrap();
        // The same awards as a prior table, from round 1's rows.
        let mut table = String::from("统一社会信用代码,条款,年度,事项编号,认定对象,认定类别,已获金额\n");
        for (i, r) in round1.results.iter().enumerate() {
            let Some(award) = r.award.filter(|a| !a.is_zero()) else { continue };
            let Some(clause) = r.clause else { continue };
            let rec = &first[i];
            table += &format!(
                "{},{clause},2026,R1-{i},{},{},{}\n",
                UNITS[rec.unit].0, rec.subject, rec.title, award.plain()
            );
        }
        let gather = |name: &str, bytes: Vec<u8>| {
            let t = Table::from_bytes(name, bytes, Encoding::Auto, None).unwrap();
            let file = calc::prior::PriorFile::new(t);
            calc::prior::gather(&book, &[&file as &dyn calc::prior::PriorSource])
        };
        let (from_output, from_table) = (gather("out1.csv", out), gather("t.csv", table.into_bytes()));
        prop_assert_eq!(from_output.is_ok(), from_table.is_ok(), "{:?} {:?}", from_output.as_ref().err(), from_table.as_ref().err());
        if let (Ok(a), Ok(b)) = (from_output, from_table) {
            let r2 = recognitions("R2", &second);
            prop_assert_eq!(evaluated(&book, r2.clone(), &a), evaluated(&book, r2, &b));
        }
    }
}
