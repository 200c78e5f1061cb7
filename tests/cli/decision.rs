//! `calc explain FILE --format html -o decision.html`: the decision sheet (核定表, SPEC §9) as a
//! file: the applicant, each clause, the total, the ranges, the rules' version and digest, the
//! signature lines; escaped; refused by the commands that write no HTML.

use crate::common::{ENTERPRISE, calc, facts_file};

/// Writes the decision sheet of `file` (with `extra` flags) and reads it back.
fn sheet_of(file: &str, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("decision.html");
    let out = calc()
        .args(["explain", file, "--format", "html", "-o"])
        .arg(&path)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "the sheet goes to the file only");
    std::fs::read_to_string(&path).unwrap()
}

#[test]
fn the_decision_sheet_of_the_enterprise_example_has_every_clause_the_total_and_the_signatures() {
    let html = sheet_of("examples/enterprise.toml", &[]);
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"),
        "{html}"
    );
    assert!(html.contains("奖补核定表"));
    // The applicant.
    assert!(html.contains("温州示例智能科技有限公司"));
    assert!(html.contains("91330302MA2H00001Y"));
    assert!(html.contains("鹿城区"));
    assert!(
        html.contains("2026-06-30"),
        "the as-of date of [application]"
    );
    // Each clause claimed, with its award, worked by hand from examples/enterprise.toml:
    // 1: 1,200,000 × 30% = 360,000; 800,000 × 10% = 80,000, cut to 500,000 − 100,000 (prior)
    //    − 360,000 = 40,000; 360,000 + 40,000 = 400,000
    // 2: 300,000 × 30% = 90,000
    // 3: 800,000 × 30% = 240,000
    // 4: no tiers in the rules: discretionary, at most 3,000,000
    // 5: 12,000,000 × 20% = 2,400,000, capped at 2,000,000
    // 6: provincial industry-type service provider: 150,000
    // 9: little giant 1,000,000 less the 100,000 paid for RZ-002 = 900,000
    // 12: 10,000,000 × 1.5% × 365 / 360 = 152,083.333… → 152,083.33
    for heading in [
        "第 1 条 算力券 — 核定 400,000.00 元",
        "第 2 条 模型券 — 核定 90,000.00 元",
        "第 3 条 语料券 — 核定 240,000.00 元",
        "第 4 条 研发费用后补助 — 酌定 ≤ 3,000,000.00 元",
        "第 5 条 市级重大科技攻关项目 — 核定 2,000,000.00 元",
        "第 6 条 人工智能服务商 — 核定 150,000.00 元",
        "第 9 条 企业做优做强 — 核定 900,000.00 元",
        "第 12 条 贷款贴息 — 核定 152,083.33 元",
    ] {
        assert!(html.contains(heading), "{heading} missing");
    }
    // A step and the quoted clause text.
    assert!(html.contains("合同实际执行金额 800,000.00 × 10% (非自主智能算力) = 80,000.00"));
    assert!(html.contains("“（一）实施“算力券”"));
    // The total: 400,000 + 90,000 + 240,000 + 2,000,000 + 150,000 + 900,000 + 152,083.33
    // = 3,932,083.33 (clause 4 is a range, apart from it).
    assert!(html.contains("<td class=\"num\" id=\"total\">3,932,083.33</td>"));
    assert!(html.contains("第 4 条 研发费用后补助 ≤ 3,000,000.00 元"));
    // The rules' version and digest, and the signature lines.
    let digest =
        String::from_utf8(calc().args(["rules", "digest"]).output().unwrap().stdout).unwrap();
    assert!(html.contains(digest.trim()));
    assert!(html.contains("规则版本"));
    for line in ["经办人", "审核人", "日期"] {
        assert!(
            html.contains(&format!("{line}: <span class=\"line\"></span>")),
            "{line}"
        );
    }
    // Printed on A4, a table row never cut across two pages, a table's head repeated.
    assert!(html.contains("@page { size: A4;"));
    assert!(html.contains("break-inside: avoid"));
    assert!(html.contains("thead { display: table-header-group; }"));
    // Nothing from another host.
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"));
}

#[test]
fn the_decision_sheet_in_english_has_lang_en() {
    let html = sheet_of("examples/enterprise.toml", &["--lang", "en"]);
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Award decision sheet"));
    assert!(
        html.contains("Clause 1 Compute voucher — awarded 400,000.00 yuan"),
        "{html}"
    );
    assert!(html.contains("Prepared by"));
}

#[test]
fn text_from_the_facts_is_escaped_in_the_decision_sheet() {
    let facts = ENTERPRISE.replace("测试科技有限公司", "<script>alert(1)</script>&\\\"测试\\\"");
    let f = facts_file(&facts);
    let html = sheet_of(f.path().to_str().unwrap(), &[]);
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;测试&quot;"));
}

#[test]
fn html_without_a_file_goes_to_standard_output_and_other_commands_refuse_it() {
    let out = calc()
        .args(["explain", "examples/enterprise.toml", "--format", "html"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("id=\"total\">3,932,083.33<"));
    let out = calc()
        .args(["examples/enterprise.toml", "--format", "html"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format html"));
}

/// A SQLite ledger in a temporary folder holding one clause-1 award of the example's applicant
/// in 2026 (`item`, `amount`), imported; commands run there with it as `CALC_LEDGER`.
struct ExampleLedger {
    dir: tempfile::TempDir,
    /// What `ledger import` printed (the head among it).
    imported: String,
}

impl ExampleLedger {
    fn with_award(item: &str, amount: &str) -> ExampleLedger {
        let mut ledger = ExampleLedger {
            dir: tempfile::tempdir().unwrap(),
            imported: String::new(),
        };
        ledger.run(&["ledger", "init"]);
        std::fs::write(
            ledger.dir.path().join("p.csv"),
            format!(
                "统一社会信用代码,单位名称,所属区县,条款,年度,事项编号,已获金额\n\
                 91330302MA2H00001Y,温州示例智能科技有限公司,鹿城区,1,2026,{item},{amount}\n"
            ),
        )
        .unwrap();
        ledger.imported = ledger.run(&["ledger", "import", "p.csv", "--round", "旧账"]);
        ledger
    }

    fn db(&self) -> std::path::PathBuf {
        self.dir.path().join("ledger.db")
    }

    /// Runs calc with the ledger; its standard output (a failure fails the test).
    fn run(&self, args: &[&str]) -> String {
        let out = calc()
            .env("CALC_LEDGER", self.db())
            .current_dir(self.dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// The example's facts file, as an argument.
fn example() -> String {
    let path = crate::common::root().join("examples/enterprise.toml");
    path.to_str().unwrap().to_string()
}

/// With `--ledger`, the sheet is computed with the ledger's awards and names the head they were
/// read at, the same `台账 #SEQ HASH` that `calc ledger verify --expect` checks later. Clause 1
/// of the example with a ledger award of 50,000 (HT-009, 2026): 500,000 − 100,000 (its own
/// HT-000) − 50,000 = 350,000 left, so HT-001's 360,000 → 350,000 and HT-002 → 0.
#[test]
fn with_a_ledger_the_decision_sheet_names_its_head() {
    let ledger = ExampleLedger::with_award("HT-009", "50000");
    let head = (ledger.imported.lines())
        .find(|l| l.starts_with("台账 #1 "))
        .unwrap_or_else(|| panic!("the head printed by import: {}", ledger.imported))
        .to_string();
    let sheet = ledger.dir.path().join("decision.html");
    ledger.run(&[
        "explain",
        &example(),
        "--format",
        "html",
        "-o",
        "decision.html",
    ]);
    let html = std::fs::read_to_string(&sheet).unwrap();
    assert!(html.contains(&head), "{head} in the sheet");
    assert!(
        html.contains("350,000.00"),
        "clause 1 with the ledger's award"
    );
    assert!(html.contains("台账 #1"), "the deduction names its entry");
    // Every run that computes with the ledger is logged in it (SPEC §8).
    let conn = rusqlite::Connection::open(ledger.db()).unwrap();
    let explained: i64 = conn
        .query_row(
            "SELECT count(*) FROM runs WHERE command LIKE 'explain %' AND outcome = 'explained'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(explained, 1);
}

/// An item the ledger already paid says which entry paid it (`台账 #1`), in the reason and in
/// the JSON step's `origins`. The example's HT-001 paid 360,000 in 2026 (ledger #1): it is
/// 已兑现; the 2026 cap leaves 500,000 − 100,000 (HT-000) − 360,000 = 40,000, so HT-002's
/// 80,000 → 40,000 and clause 1 pays 40,000.
#[test]
fn an_item_the_ledger_paid_names_its_entry() {
    let ledger = ExampleLedger::with_award("HT-001", "360000");
    let example = example();
    let json = ledger.run(&[&example, "--format", "json"]);
    let j: serde_json::Value = serde_json::from_str(&json).unwrap();
    let clause1 = &j["clauses"][0];
    assert_eq!(clause1["amount"], "40000.00", "{clause1}");
    let ht001 = &clause1["items"][0];
    assert_eq!(ht001["status"], "paid", "{ht001}");
    let step = (ht001["steps"].as_array().unwrap().iter())
        .find(|s| s["kind"] == "already_paid")
        .unwrap_or_else(|| panic!("{ht001}"));
    assert_eq!(step["origins"], serde_json::json!(["台账 #1"]));
    let table = ledger.run(&[&example]);
    assert!(table.contains("360,000.00 (2026年度，台账"), "{table}");
}
