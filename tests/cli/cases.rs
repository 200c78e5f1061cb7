//! `calc test DIR`: the project's own hand-checked cases under tests/cases pass, and the runner
//! reports a wrong figure or a malformed case instead of passing it.

use std::path::Path;

use crate::common::{ENTERPRISE, calc, root};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

/// The case files under `dir`, recursively, as the runner finds them.
fn case_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the cases folder exists") {
        let p = entry.expect("a folder entry").path();
        if p.is_dir() {
            out.extend(case_files(&p));
        } else if p.extension().is_some_and(|e| e == "toml") {
            out.push(p);
        }
    }
    out
}

#[test]
fn the_shipped_cases_all_pass() {
    let n = case_files(&root().join("tests/cases")).len();
    assert!(n >= 24, "two cases per clause at least, found {n} files");
    calc()
        .args(["test", "tests/cases"])
        .assert()
        .code(0)
        .stdout(contains(format!("\n{n} passed, 0 failed\n")))
        .stdout(contains("FAIL").not());
}

#[test]
fn every_clause_has_at_least_two_cases() {
    let texts: Vec<String> = case_files(&root().join("tests/cases"))
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("readable case"))
        .collect();
    for clause in 1..=12 {
        let needle = format!("[[expect.clause]]\nclause = {clause}\n");
        let count = texts.iter().filter(|t| t.contains(&needle)).count();
        assert!(
            count >= 2,
            "clause {clause} is expected in {count} case(s), want at least 2"
        );
    }
}

/// A right and a wrong case side by side in a fresh folder.
fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write the case");
}

const COMPUTE: &str = r#"
[[compute]]
id = "HT-001"
autonomous = true
amount = 1200000
date = 2026-02-01
"#;

#[test]
fn a_wrong_figure_fails_and_names_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    // 30% × 1,200,000 = 360,000: the first case is right, the second says 350,000.
    let right = format!(
        "[case]\nname = \"right\"\nas_of = 2026-06-30\n\n{ENTERPRISE}{COMPUTE}\n[expect]\ntotal = \"360000\"\n\n[[expect.clause]]\nclause = 1\nstatus = \"awarded\"\namount = \"360000\"\nitems = {{ \"HT-001\" = \"360000\" }}\n"
    );
    let wrong = right
        .replace("name = \"right\"", "name = \"wrong\"")
        .replace("\"360000\"", "\"350000\"");
    write(dir.path(), "a-right.toml", &right);
    write(dir.path(), "b-wrong.toml", &wrong);
    calc()
        .arg("test")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(contains("PASS"))
        .stdout(contains("FAIL"))
        .stdout(contains("b-wrong.toml (wrong)"))
        .stdout(contains("total: expected 350000.00, got 360000.00"))
        .stdout(contains(
            "clause 1: amount expected 350000.00, got 360000.00",
        ))
        .stdout(contains(
            "clause 1 item HT-001: expected 350000.00, got 360000.00",
        ))
        .stdout(contains("1 passed, 1 failed"));
}

#[test]
fn a_wrong_status_and_an_unlisted_clause_fail() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Clause 1 pays 360,000 (awarded, not ineligible); the loan claims clause 12, which is not listed.
    let text = format!(
        "[case]\nname = \"unlisted\"\nas_of = 2026-06-30\n\n{ENTERPRISE}{COMPUTE}\n[[loan]]\nid = \"DK-1\"\neligible = true\nprincipal = 1200000\ndisbursed = 2026-01-01\nstart = 2026-01-01\nend = 2026-01-31\ninterest_paid = 10000\n\n[expect]\ntotal = \"360000\"\n\n[[expect.clause]]\nclause = 1\nstatus = \"ineligible\"\n"
    );
    write(dir.path(), "case.toml", &text);
    calc()
        .arg("test")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(contains(
            "clause 1: status expected ineligible, got awarded",
        ))
        // 1,200,000 × 1.5% × 31 / 360 = 18,000 × 31 / 360 = 1,550 (2026-01-01 .. 2026-01-31, the
        // end day counted: SPEC rev. 2 §4)
        .stdout(contains(
            "clause 12: evaluated (awarded 1550.00) but not in [expect]",
        ))
        .stdout(contains("0 passed, 1 failed"));
}

#[test]
fn a_malformed_expect_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let head = format!("[case]\nname = \"bad\"\nas_of = 2026-06-30\n\n{ENTERPRISE}{COMPUTE}\n");
    // An unknown key in [expect], money that is not money, and no [expect] at all.
    let unknown = format!("{head}\n[expect]\ntotl = \"360000\"\n");
    let bad_money = format!(
        "{head}\n[expect]\ntotal = \"360000\"\n\n[[expect.clause]]\nclause = 1\nstatus = \"awarded\"\namount = \"lots\"\n"
    );
    write(dir.path(), "a-unknown-key.toml", &unknown);
    write(dir.path(), "b-bad-money.toml", &bad_money);
    write(dir.path(), "c-no-expect.toml", &head);
    let line_of =
        |text: &str, key: &str| text[..text.find(key).expect("key")].matches('\n').count() + 1;
    calc()
        .arg("test")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(contains("FAIL").count(3))
        .stdout(contains(format!(
            "a-unknown-key.toml:{}:1: 字段 field `totl`",
            line_of(&unknown, "totl")
        )))
        .stdout(contains("unknown field `totl`"))
        .stdout(contains(format!(
            "b-bad-money.toml:{}:10: 字段 field `amount`",
            line_of(&bad_money, "amount = \"lots\"")
        )))
        .stdout(contains("not an amount"))
        .stdout(contains("the case lacks its [expect] table"))
        .stdout(contains("0 passed, 3 failed"));
}
