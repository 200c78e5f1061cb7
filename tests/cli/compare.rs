//! `calc compare` (SPEC §11): the budget impact of overlays on a round. Every figure is derived
//! independently, from two `calc batch` runs (without and with the change: their `--summary`
//! for the totals, their rows for each applicant), and compared to the fen; one small round is
//! worked by hand.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::{calc, root};

const AS_OF: &str = "2026-06-30";
const LUCHENG_20: &str = "examples/overlays/lucheng-compute-20.toml";

/// Cents as integers: exact sums without any float. "" is 0; "-1.50" is -150.
fn cents(t: &str) -> i64 {
    if t.is_empty() {
        return 0;
    }
    let (sign, t) = match t.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, t),
    };
    let (y, c) = t.split_once('.').unwrap_or((t, "0"));
    sign * (y.parse::<i64>().unwrap() * 100 + c.parse::<i64>().unwrap())
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    let headers = rows.remove(0);
    (headers, rows)
}

/// What one `calc batch` run says, in cents.
#[derive(Debug, Default)]
struct Figures {
    total: i64,
    floor: i64,
    ceiling: i64,
    by_district: BTreeMap<String, i64>,
    by_clause: BTreeMap<u32, i64>,
    by_funding: BTreeMap<String, i64>,
    errors: usize,
    /// By credit code: (name, district, determinate award by clause).
    applicants: BTreeMap<String, (String, String, BTreeMap<u32, i64>)>,
}

/// `calc batch ROUND -o out.csv --summary summary.csv` with `args` (overlays), read back.
fn batch(round: &Path, args: &[&str]) -> Figures {
    let dir = tempfile::tempdir().unwrap();
    let (out, sum) = (dir.path().join("out.csv"), dir.path().join("summary.csv"));
    let o = calc()
        .arg("batch")
        .arg(round)
        .arg("-o")
        .arg(&out)
        .arg("--summary")
        .arg(&sum)
        .args(["--as-of", AS_OF])
        .args(args)
        .output()
        .unwrap();
    assert!(
        matches!(o.status.code(), Some(0 | 3)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut f = Figures::default();
    let (_, lines) = read_csv(&sum);
    for r in &lines {
        match (r[0].as_str(), r[1].as_str(), r[2].as_str()) {
            (_, _, "合计 total") => {
                (f.total, f.floor, f.ceiling) = (cents(&r[4]), cents(&r[6]), cents(&r[7]))
            }
            (_, _, "有误行 error rows") => f.errors = r[3].parse().unwrap(),
            ("资金来源 funding", _, label) => {
                f.by_funding.insert(label.to_string(), cents(&r[4]));
            }
            ("全部 all", n, _) if !n.is_empty() => {
                f.by_clause.insert(n.parse().unwrap(), cents(&r[4]));
            }
            (d, "", "小计 subtotal") => {
                f.by_district.insert(d.to_string(), cents(&r[4]));
            }
            _ => {}
        }
    }
    let (headers, rows) = read_csv(&out);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (code, name, district) = (col("统一社会信用代码"), col("单位名称"), col("所属区县"));
    let (clause, award, status) = (col("条款"), col("核定金额"), col("状态"));
    for r in &rows {
        if r[status] == "错误" || r[code].trim().is_empty() {
            continue;
        }
        let a = (f.applicants)
            .entry(r[code].trim().to_uppercase())
            .or_insert_with(|| (r[name].clone(), r[district].clone(), BTreeMap::new()));
        if let Ok(n) = r[clause].parse::<u32>() {
            *a.2.entry(n).or_default() += cents(&r[award]);
        }
    }
    f
}

/// `calc compare ROUND ARGS --format json`, which exits with `code`.
fn compare_json(round: &Path, args: &[&str], code: i32) -> serde_json::Value {
    let o = calc()
        .arg("compare")
        .arg(round)
        .args(["--as-of", AS_OF, "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Every figure of `calc compare` equals the difference of the two batches', to the fen.
fn assert_difference(v: &serde_json::Value, before: &Figures, after: &Figures) {
    let c = |v: &serde_json::Value| cents(v.as_str().unwrap_or_else(|| panic!("{v}")));
    let check = |v: &serde_json::Value, b: i64, a: i64, what: &str| {
        assert_eq!(
            (c(&v["before"]), c(&v["after"]), c(&v["difference"])),
            (b, a, a - b),
            "{what}: {v}"
        );
    };
    check(&v["total"], before.total, after.total, "total");
    assert!(before.total != after.total, "the change changes nothing");
    let by = |key: &str, name: &str| -> BTreeMap<String, serde_json::Value> {
        (v[key].as_array().unwrap().iter())
            .map(|l| (l[name].to_string().trim_matches('"').to_string(), l.clone()))
            .collect()
    };
    let lines = |b: &BTreeMap<String, i64>,
                 a: &BTreeMap<String, i64>,
                 shown: BTreeMap<String, serde_json::Value>,
                 what: &str| {
        let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
        assert_eq!(
            keys.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            shown.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
            "{what}"
        );
        for k in keys {
            let (b, a) = (
                b.get(k).copied().unwrap_or(0),
                a.get(k).copied().unwrap_or(0),
            );
            check(&shown[k], b, a, &format!("{what} {k}"));
        }
    };
    lines(
        &before.by_district,
        &after.by_district,
        by("by_district", "district"),
        "district",
    );
    let numbered = |m: &BTreeMap<u32, i64>| -> BTreeMap<String, i64> {
        m.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    let clauses = by("by_clause", "clause");
    lines(
        &numbered(&before.by_clause),
        &numbered(&after.by_clause),
        clauses,
        "clause",
    );
    lines(
        &before.by_funding,
        &after.by_funding,
        by("by_funding", "funding"),
        "funding",
    );
    let d = &v["discretionary"];
    assert_eq!(
        [c(&d["before"]["floor"]), c(&d["before"]["ceiling"])],
        [before.floor, before.ceiling]
    );
    assert_eq!(
        [c(&d["after"]["floor"]), c(&d["after"]["ceiling"])],
        [after.floor, after.ceiling]
    );
    // Each applicant, matched by credit code.
    let codes: BTreeSet<&String> = before
        .applicants
        .keys()
        .chain(after.applicants.keys())
        .collect();
    let (mut up, mut down, mut same) = (0, 0, 0);
    let mut expected: Vec<(i64, String, i64, i64, Vec<u32>)> = Vec::new();
    let none = (String::new(), String::new(), BTreeMap::new());
    for code in codes {
        let b = before.applicants.get(code).unwrap_or(&none);
        let a = after.applicants.get(code).unwrap_or(&none);
        let (tb, ta) = (b.2.values().sum::<i64>(), a.2.values().sum::<i64>());
        match ta.cmp(&tb) {
            std::cmp::Ordering::Greater => up += 1,
            std::cmp::Ordering::Less => down += 1,
            std::cmp::Ordering::Equal => same += 1,
        }
        let ns: BTreeSet<u32> = b.2.keys().chain(a.2.keys()).copied().collect();
        let changed: Vec<u32> = (ns.into_iter())
            .filter(|n| b.2.get(n).copied().unwrap_or(0) != a.2.get(n).copied().unwrap_or(0))
            .collect();
        if tb != ta || !changed.is_empty() {
            expected.push(((ta - tb).abs(), code.clone(), tb, ta, changed));
        }
    }
    let counts = &v["applicants"];
    assert_eq!(
        (
            counts["up"].as_u64(),
            counts["down"].as_u64(),
            counts["same"].as_u64()
        ),
        (Some(up), Some(down), Some(same))
    );
    expected.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| x.1.cmp(&y.1)));
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), expected.len());
    for (got, (_, code, b, a, clauses)) in changes.iter().zip(&expected) {
        assert_eq!(got["credit_code"].as_str().unwrap().to_uppercase(), *code);
        check(got, *b, *a, code);
        let shown: Vec<u32> = (got["clauses"].as_array().unwrap().iter())
            .map(|n| n.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(&shown, clauses, "{code}");
        let who = after
            .applicants
            .get(code)
            .or(before.applicants.get(code))
            .unwrap();
        assert_eq!(got["district"], who.1.as_str(), "{code}");
    }
}

/// A synthetic round of `rows` rows (every type of row, some counties, failing gates).
fn generated(dir: &Path, rows: usize) -> PathBuf {
    let path = dir.join("round.csv");
    let status = std::process::Command::new(env!("CARGO"))
        .args(["run", "-q", "--example", "gen_round", "--"])
        .arg(rows.to_string())
        .arg("11")
        .arg(&path)
        .current_dir(root())
        .status()
        .unwrap();
    assert!(status.success());
    path
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// A lower annual cap under clause 1 (invented).
const CAP_200K: &str =
    "name = \"条款一年度上限 20 万 (示例)\"\n[clause.1.cap]\namount = \"200000\"\n";
/// A 13th clause added by an overlay: 10% of every compute contract on top (invented).
const ADD_CLAUSE: &str = r#"name = "区级算力补充奖励 (示例)"
[[add_clause]]
clause = 13
key = "compute_extra"
title = "区级算力补充奖励 (示例)"
title_en = "District compute top-up (example)"
section = "compute"
date_field = "date"
applicants = ["enterprise"]
responsible_units = ["区经信局"]
funding = "district_city_support"
text = "示例条款：按合同实际执行金额的 10% 给予补充奖励。"
interpretation = ["示例条款，不属于温政办〔2025〕45号。"]

[add_clause.award]
kind = "rate"
base = "amount"
rates = [{ rate = "10%" }]

[add_clause.combine]
mode = "sum"
"#;
/// Two overlays over the same key: the later one wins, so their order matters.
const RATE_20: &str = "[clause.1.award]\nrates = [{ rate = \"20%\" }]\n";
const RATE_25_CAP: &str =
    "[clause.1.award]\nrates = [{ rate = \"25%\" }]\n[clause.1.cap]\namount = \"300000\"\n";

#[test]
fn every_figure_is_the_difference_of_two_batches_for_several_changes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let round = generated(d, 2000);
    let cap = write(d, "cap.toml", CAP_200K);
    let add = write(d, "add.toml", ADD_CLAUSE);
    let (r20, r25) = (
        write(d, "r20.toml", RATE_20),
        write(d, "r25.toml", RATE_25_CAP),
    );
    let base = batch(&round, &[]);
    for change in [
        vec![LUCHENG_20],
        vec![cap.as_str()],
        vec![add.as_str()],
        vec![r20.as_str(), r25.as_str()],
        vec![r25.as_str(), r20.as_str()],
    ] {
        let overlays: Vec<&str> = change.iter().flat_map(|o| ["--overlay", o]).collect();
        let after = batch(&round, &overlays);
        let v = compare_json(&round, &overlays, 0);
        assert_difference(&v, &base, &after);
        assert_eq!(v["overlays"], serde_json::json!(change));
    }
    // The order matters, and compare follows it.
    let one = compare_json(&round, &["--overlay", &r20, "--overlay", &r25], 0);
    let other = compare_json(&round, &["--overlay", &r25, "--overlay", &r20], 0);
    assert_ne!(one["total"]["after"], other["total"]["after"]);
    // A clause an overlay adds is a clause like any other: titled, and under its funding.
    let v = compare_json(&round, &["--overlay", &add], 0);
    let added = (v["by_clause"].as_array().unwrap().iter())
        .find(|l| l["clause"] == 13)
        .unwrap();
    assert_eq!(added["title"], "区级算力补充奖励 (示例)");
    assert_eq!(added["before"], "0.00");
}

#[test]
fn a_base_overlay_is_the_base_and_the_change_goes_on_top() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let round = generated(d, 1500);
    let cap = write(d, "cap.toml", CAP_200K);
    let before = batch(&round, &["--overlay", LUCHENG_20]);
    let after = batch(&round, &["--overlay", LUCHENG_20, "--overlay", &cap]);
    let v = compare_json(
        &round,
        &["--base-overlay", LUCHENG_20, "--overlay", &cap],
        0,
    );
    assert_difference(&v, &before, &after);
    assert_eq!(v["overlays"], serde_json::json!([cap]));
}

/// examples/round.csv under 鹿城区's 20% for autonomous compute, worked by hand:
/// 甲 (鹿城区), clause 1, one 500,000 cap for 2026 over HT-01, HT-02, HT-03:
///   before: 30% × 1,200,000 = 360,000; 10% × 800,000 = 80,000; 30% × 500,000 = 150,000 → cut
///           to the 60,000 left of the cap: 500,000.
///   after:  20% × 1,200,000 = 240,000; 10% × 800,000 = 80,000; 20% × 500,000 = 100,000 (the
///           cap leaves 180,000): 420,000. Difference −80,000.
/// 乙 (龙湾区): clause 2 90,000 + clause 9 1,000,000 = 1,090,000 both times (not 鹿城区).
/// 丙 (永嘉县): ineligible, 0 both times.
/// Totals 1,590,000 → 1,510,000; one applicant down, two the same.
#[test]
fn the_worked_example_round_under_lucheng_s_20_percent() {
    let v = compare_json(
        Path::new("examples/round.csv"),
        &["--overlay", LUCHENG_20],
        0,
    );
    assert_eq!(v["as_of"], AS_OF);
    assert_eq!(v["overlays"], serde_json::json!([LUCHENG_20]));
    assert_eq!(
        v["total"],
        serde_json::json!({"before": "1590000.00", "after": "1510000.00", "difference": "-80000.00"})
    );
    assert_eq!(
        v["by_district"],
        serde_json::json!([
            {"district": "鹿城区", "before": "500000.00", "after": "420000.00", "difference": "-80000.00"},
            {"district": "龙湾区", "before": "1090000.00", "after": "1090000.00", "difference": "0.00"},
            {"district": "永嘉县", "before": "0.00", "after": "0.00", "difference": "0.00"},
        ])
    );
    let clause1 = &v["by_clause"][0];
    assert_eq!(clause1["clause"], 1);
    assert_eq!(clause1["title"], "算力券");
    assert_eq!(clause1["difference"], "-80000.00");
    assert_eq!(
        v["applicants"],
        serde_json::json!({"up": 0, "down": 1, "same": 2})
    );
    assert_eq!(
        v["changes"],
        serde_json::json!([{
            "credit_code": "91330302000000001K",
            "name": "温州甲智能科技有限公司",
            "district": "鹿城区",
            "before": "500000.00",
            "after": "420000.00",
            "difference": "-80000.00",
            "clauses": [1],
        }])
    );
}

#[test]
fn the_json_has_the_shape_of_spec_11() {
    let v = compare_json(
        Path::new("examples/round.csv"),
        &["--overlay", LUCHENG_20],
        0,
    );
    let keys =
        |v: &serde_json::Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(
        keys(&v),
        [
            "as_of",
            "overlays",
            "total",
            "by_district",
            "by_clause",
            "by_funding",
            "discretionary",
            "applicants",
            "changes"
        ]
    );
    assert_eq!(keys(&v["total"]), ["before", "after", "difference"]);
    assert_eq!(
        keys(&v["by_district"][0]),
        ["district", "before", "after", "difference"]
    );
    assert_eq!(
        keys(&v["by_clause"][0]),
        ["clause", "title", "before", "after", "difference"]
    );
    assert_eq!(
        keys(&v["by_funding"][0]),
        ["funding", "before", "after", "difference"]
    );
    assert_eq!(keys(&v["discretionary"]), ["before", "after"]);
    assert_eq!(keys(&v["discretionary"]["before"]), ["floor", "ceiling"]);
    assert_eq!(keys(&v["discretionary"]["after"]), ["floor", "ceiling"]);
    assert_eq!(keys(&v["applicants"]), ["up", "down", "same"]);
    assert_eq!(
        keys(&v["changes"][0]),
        [
            "credit_code",
            "name",
            "district",
            "before",
            "after",
            "difference",
            "clauses"
        ]
    );
    // Amounts are decimal strings with two decimals.
    for amount in [
        &v["total"]["before"],
        &v["discretionary"]["after"]["ceiling"],
    ] {
        let s = amount.as_str().unwrap();
        assert!(s.split_once('.').is_some_and(|(_, f)| f.len() == 2), "{s}");
    }
}

#[test]
fn the_table_fits_80_columns() {
    let o = calc()
        .env("COLUMNS", "80")
        .args(["compare", "examples/round.csv", "--overlay", LUCHENG_20])
        .args(["--as-of", AS_OF])
        .output()
        .unwrap();
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    for line in text.lines() {
        assert!(
            unicode_width::UnicodeWidthStr::width(line) <= 80,
            "{line}\n{text}"
        );
    }
    // The whole table is pinned in tests/cmd/compare-80.stdout (its figures as worked above).
    assert!(text.contains("-80,000.00"), "{text}");
}

#[test]
fn the_impact_as_csv_and_as_a_workbook() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["impact.csv", "impact.xlsx"] {
        let out = dir.path().join(name);
        calc()
            .args(["compare", "examples/round.csv", "--overlay", LUCHENG_20])
            .args(["--as-of", AS_OF, "-o"])
            .arg(&out)
            .assert()
            .code(0);
        assert!(out.metadata().unwrap().len() > 0);
    }
    let (headers, rows) = read_csv(&dir.path().join("impact.csv"));
    assert_eq!(headers[6], "差额 difference");
    let total = rows.iter().find(|r| r[0] == "合计 total").unwrap();
    assert_eq!(&total[4..7], ["1590000.00", "1510000.00", "-80000.00"]);
    let change = rows.iter().find(|r| r[0] == "变化 change").unwrap();
    assert_eq!(change[2], "91330302000000001K");
    assert_eq!(change[6], "-80000.00");
    // `-o -`: the same CSV on standard output, in place of the table.
    let o = calc()
        .args(["compare", "examples/round.csv", "--overlay", LUCHENG_20])
        .args(["--as-of", AS_OF, "-o", "-"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let file = std::fs::read(dir.path().join("impact.csv")).unwrap();
    assert_eq!(o.stdout, file);
    // The workbook: a sheet per table and the chart's sheet, whose grid is the difference.
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook(dir.path().join("impact.xlsx")).unwrap();
    let names = book.sheet_names();
    assert_eq!(
        names,
        ["影响", "区县", "条款", "资金来源", "变化单位", "图表"]
    );
    let grid = book.worksheet_range("图表").unwrap();
    assert_eq!(grid.get((1, 0)).unwrap().to_string(), "鹿城区");
    assert_eq!(grid.get((1, 1)).unwrap().to_string(), "-80000");
}

#[test]
fn bad_input_exits_2_naming_the_file_and_rows_in_error_exit_3() {
    calc()
        .args(["compare", "no-such-round.csv", "--overlay", LUCHENG_20])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no-such-round.csv"));
    calc()
        .args(["compare", "examples/round.csv"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--overlay"));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    let mut text = std::fs::read_to_string(root().join("examples/round.csv")).unwrap();
    text.push_str("算力券,温州丁有限公司,91330302000000001K,企业,鹿城区,是,是,是,HT-09,是,不是金额,2026-05-01,,,,\n");
    std::fs::write(&bad, text).unwrap();
    let o = calc()
        .arg("compare")
        .arg(&bad)
        .args([
            "--overlay",
            LUCHENG_20,
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.csv:9:"), "{err}");
    // The error rows (the whole of 甲, whose rows now disagree) are left out of both sides alike.
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let before = batch(&bad, &[]);
    let after = batch(&bad, &["--overlay", LUCHENG_20]);
    assert!(before.errors > 0);
    assert_eq!(cents(v["total"]["before"].as_str().unwrap()), before.total);
    assert_eq!(cents(v["total"]["after"].as_str().unwrap()), after.total);
}

/// `calc compare --ledger L` takes the ledger's awards on both sides, as `--prior` with the same
/// awards does, and names the head it read on stderr. The ledger holds 20,000 under clause 1 for
/// 甲 in 2026 (contract HT-00), so 甲's 2026 cap leaves 480,000:
///   before (30%): 360,000 + 80,000 + 150,000 → 40,000 (the cap): 480,000;
///   after (鹿城区 20%): 240,000 + 80,000 + 100,000 = 420,000, under the 480,000 left.
/// 乙 1,090,000 both times, 丙 0: totals 1,570,000 → 1,510,000, difference −60,000.
#[test]
fn compare_with_a_ledger_is_compare_with_its_awards_as_a_prior_table() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    let prior = dir.path().join("p.csv");
    std::fs::write(
        &prior,
        "统一社会信用代码,单位名称,所属区县,条款,年度,事项编号,已获金额\n\
         91330302000000001K,温州甲智能科技有限公司,鹿城区,1,2026,HT-00,20000\n",
    )
    .unwrap();
    let db_arg = db.to_str().unwrap();
    for args in [
        vec!["ledger", "init", "--ledger", db_arg],
        vec![
            "ledger",
            "import",
            prior.to_str().unwrap(),
            "--round",
            "旧账",
            "--ledger",
            db_arg,
        ],
    ] {
        let o = calc().args(&args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let round = Path::new("examples/round.csv");
    let with_ledger = compare_json(round, &["--overlay", LUCHENG_20, "--ledger", db_arg], 0);
    assert_eq!(
        with_ledger["total"],
        serde_json::json!({"before": "1570000.00", "after": "1510000.00", "difference": "-60000.00"})
    );
    let with_prior = compare_json(
        round,
        &["--overlay", LUCHENG_20, "--prior", prior.to_str().unwrap()],
        0,
    );
    assert_eq!(with_ledger, with_prior);
    let o = calc()
        .args([
            "compare",
            "examples/round.csv",
            "--as-of",
            AS_OF,
            "--overlay",
            LUCHENG_20,
        ])
        .args(["--ledger", db_arg])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("台账 #1 "));
}
