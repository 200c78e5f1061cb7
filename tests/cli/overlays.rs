//! Overlays in a round (SPEC §2): what an overlay does holds the same in every output.

use crate::common::calc;

/// Regression (issue 23, 21): an overlay that disables the only clause over loans turned every
/// loan row into an error row ("unknown type"); a disabled clause's rows are rows like others,
/// kept, ineligible at 0.00 with a reason saying the clause is not in effect, and the round has
/// no row in error. HT-1: 100,000 × 30% = 30,000.00, as without the overlay.
#[test]
fn a_disabled_clauses_rows_are_kept_and_said_not_in_effect() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("off.toml"), "name = \"no loans\"\ndisable = [12]\n").unwrap();
    let round = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,自主算力,金额,日期,符合贴息条件,贷款本金,放款日,贴息期起,贴息期止,实付利息\n\
算力券,温州甲智能科技有限公司,91330302000000001K,企业,鹿城区,是,是,是,HT-1,是,100000,2026-02-01,,,,,,\n\
贷款贴息,温州甲智能科技有限公司,91330302000000001K,企业,鹿城区,是,是,是,DK-1,,,,是,1000000,2025-06-01,2025-06-01,2026-05-31,30000\n";
    std::fs::write(d.join("in.csv"), round).unwrap();
    let out = calc()
        .current_dir(d)
        .args(["--overlay", "off.toml", "batch", "in.csv", "-o", "out.csv"])
        .args(["--as-of", "2026-06-30"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(d.join("out.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let h = rows.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][col("核定金额")], "30000.00");
    let loan = &rows[1];
    assert_eq!(&loan[col("条款")], "12");
    assert_eq!(&loan[col("核定金额")], "0.00");
    assert_eq!(&loan[col("状态")], "不符合");
    assert!(loan[col("说明")].contains("已停用"), "{:?}", loan);
}

/// Regression (issue 23, 20): a round's output never named the overlays that applied to an
/// applicant. A row computed under its district's scoped overlay names it; a row of another
/// district does not. 鹿城区 HT-1: 100,000 × 20% = 20,000.00; 龙湾区 HT-2: × 30% = 30,000.00.
#[test]
fn a_rows_reason_names_the_scoped_overlay_it_was_computed_under() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let round = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,自主算力,金额,日期\n\
算力券,温州甲智能科技有限公司,91330302000000001K,企业,鹿城区,是,是,是,HT-1,是,100000,2026-02-01\n\
算力券,温州乙智能科技有限公司,91330302000000002N,企业,龙湾区,是,是,是,HT-2,是,100000,2026-02-01\n";
    std::fs::write(d.join("in.csv"), round).unwrap();
    let overlay = crate::common::root().join("examples/overlays/lucheng-compute-20.toml");
    let out = calc()
        .current_dir(d)
        .arg("--overlay")
        .arg(&overlay)
        .args(["batch", "in.csv", "-o", "out.csv", "--as-of", "2026-06-30"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(d.join("out.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[1].contains("20000.00") && lines[1].contains("鹿城区算力券 20% (示例)"),
        "{text}"
    );
    assert!(
        lines[2].contains("30000.00") && !lines[2].contains("鹿城区算力券"),
        "{text}"
    );
}

/// A 鹿城区-scoped overlay adding clause 13 (5% of a compute contract, funded as clauses 1-3).
const EXTRA: &str = "name = \"鹿城区算力补充 (示例)\"\n\n[scope]\ndistricts = [\"鹿城区\"]\n\n\
[[add_clause]]\nclause = 13\nkey = \"compute_top_up\"\ntitle = \"算力补充 (示例)\"\n\
title_en = \"compute top-up (example)\"\nsection = \"compute\"\ndate_field = \"date\"\n\
funding = \"district_city_support\"\n\
applicants = [\"enterprise\"]\nresponsible_units = [\"区经信局\"]\ntext = \"示例条款。\"\n\n\
[add_clause.award]\nkind = \"rate\"\nbase = \"amount\"\nrates = [{ rate = \"5%\" }]\n\n\
[add_clause.cap]\nscope = \"unit_year\"\namount = \"500000\"\n\n\
[add_clause.combine]\nmode = \"sum\"\n";

/// Regression (issue 23, 7): a clause added by a scoped overlay was missing from the summary's
/// funding-source lines, its title blank in the summary and the notice, and `explain --clause
/// 13` refused it although `calc FILE` computed it. 鹿城区 HT-1 100,000: clause 1 × 30% =
/// 30,000.00, clause 13 × 5% = 5,000.00; 龙湾区 HT-2: clause 1 only, 30,000.00. Total 65,000.00,
/// all of it under the one funding source of clauses 1 and 13.
#[test]
fn a_clause_a_scoped_overlay_adds_is_a_clause_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("extra.toml"), EXTRA).unwrap();
    let round = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,自主算力,金额,日期\n\
算力券,温州甲智能科技有限公司,91330302000000001K,企业,鹿城区,是,是,是,HT-1,是,100000,2026-02-01\n\
算力券,温州乙智能科技有限公司,91330302000000002N,企业,龙湾区,是,是,是,HT-2,是,100000,2026-02-01\n";
    std::fs::write(d.join("in.csv"), round).unwrap();
    let run = |args: &[&str]| {
        let out = calc()
            .current_dir(d)
            .args(["--overlay", "extra.toml"])
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    run(&[
        "batch",
        "in.csv",
        "-o",
        "out.csv",
        "--summary",
        "s.csv",
        "--as-of",
        "2026-06-30",
    ]);
    let summary = std::fs::read_to_string(d.join("s.csv")).unwrap();
    assert!(summary.contains("算力补充 (示例)"), "{summary}");
    // Every funding line together: the grand total, 65,000.00 (clause 13's 5,000 included).
    let funding: Vec<&str> = summary.lines().filter(|l| l.contains("各区兑现")).collect();
    assert_eq!(funding.len(), 1, "{summary}");
    assert!(funding[0].contains("65000.00"), "{summary}");
    run(&["notice", "out.csv", "-o", "n.csv"]);
    let notice = std::fs::read_to_string(d.join("n.csv")).unwrap();
    let line13 = notice
        .lines()
        .find(|l| l.contains(",13,"))
        .expect("a clause-13 line");
    assert!(
        line13.contains("算力补充 (示例)") && line13.contains("5000.00"),
        "{notice}"
    );
    let facts = "[applicant]\nname = \"温州甲智能科技有限公司\"\ncredit_code = \"91330302000000001K\"\n\
kind = \"enterprise\"\ndistrict = \"鹿城区\"\nregistered = true\ntax_compliant = true\nai_industry = true\n\n\
[[compute]]\nid = \"HT-1\"\nautonomous = true\namount = 100000\ndate = 2026-02-01\n";
    std::fs::write(d.join("a.toml"), facts).unwrap();
    let explained = run(&[
        "explain",
        "a.toml",
        "--clause",
        "13",
        "--as-of",
        "2026-06-30",
    ]);
    assert!(
        explained.contains("算力补充 (示例)") && explained.contains("5,000.00"),
        "{explained}"
    );
}

/// Regression (issue 23, 12): a round's output with continuation rows (HT-1 under clause 1 and,
/// continued, under clause 13 that a scoped overlay adds) read again as the input of a run gave
/// "duplicate id" error rows and exit 3; it gives the same output again, byte for byte, in
/// either language.
#[test]
fn an_output_with_continuation_rows_run_again_gives_itself() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("extra.toml"), EXTRA).unwrap();
    let round = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,自主算力,金额,日期\n\
算力券,温州甲智能科技有限公司,91330302000000001K,企业,鹿城区,是,是,是,HT-1,是,100000,2026-02-01\n\
算力券,温州乙智能科技有限公司,91330302000000002N,企业,龙湾区,是,是,是,HT-2,是,100000,2026-02-01\n";
    std::fs::write(d.join("in.csv"), round).unwrap();
    for lang in ["zh", "en"] {
        let run = |input: &str, output: &str| {
            let out = calc()
                .current_dir(d)
                .args([
                    "--overlay",
                    "extra.toml",
                    "--lang",
                    lang,
                    "batch",
                    input,
                    "-o",
                    output,
                ])
                .args(["--as-of", "2026-06-30"])
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr).to_string();
            assert_eq!(out.status.code(), Some(0), "{input}: {err}");
        };
        run("in.csv", "r1.csv");
        let r1 = std::fs::read_to_string(d.join("r1.csv")).unwrap();
        // HT-1: 30,000.00 under clause 1, continued with 5,000.00 under clause 13.
        assert_eq!(r1.lines().count(), 4, "{r1}");
        assert!(r1.lines().nth(2).unwrap().contains("5000.00"), "{r1}");
        run("r1.csv", "r2.csv");
        assert_eq!(std::fs::read_to_string(d.join("r2.csv")).unwrap(), r1);
    }
}

/// Regression (issue 23, 17): an overlay's bad quota was reported in the shipped clause file
/// (by `quota::resolve`, after the rules were compiled); it is checked as the clause is
/// compiled, so the error stands at the overlay's own line and column.
#[test]
fn an_overlays_bad_quota_is_reported_in_the_overlay() {
    let dir = tempfile::tempdir().unwrap();
    let enterprise = crate::common::root().join("examples/enterprise.toml");
    for (quota, field) in [
        (
            "per = \"province_year\", count = 2, rank_by = \"score\"",
            "quota.per",
        ),
        (
            "per = \"district_year\", count = 0, rank_by = \"score\"",
            "quota.count",
        ),
        (
            "per = \"district_year\", count = 2, rank_by = \"scroe\"",
            "quota.rank_by",
        ),
    ] {
        let overlay = dir.path().join("q.toml");
        std::fs::write(
            &overlay,
            format!("name = \"q\"\n[clause.3]\nquota = {{ {quota} }}\n"),
        )
        .unwrap();
        let out = calc()
            .arg("--overlay")
            .arg(&overlay)
            .arg(&enterprise)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("q.toml:3:"), "placed in the overlay: {err}");
        assert!(err.contains(field), "{err}");
    }
}

/// Regression (issue 23, 17, second half): an overlay renumbering a clause (`[clause.3]
/// clause = 5`) was reported in the shipped clause file of the other number
/// (`clauses/05-major-project.toml:1:10: clause number 5 is also used by ...`), and a
/// renumbering onto a free number (13) was taken silently, moving clause 3's awards and priors
/// under another number. A clause's number is its identity: the overlay is refused at its own
/// key; setting the same number is allowed.
#[test]
fn an_overlay_that_renumbers_a_clause_is_refused_in_the_overlay() {
    let dir = tempfile::tempdir().unwrap();
    let enterprise = crate::common::root().join("examples/enterprise.toml");
    for number in ["5", "13", "\"x\""] {
        let overlay = dir.path().join("renumber.toml");
        std::fs::write(
            &overlay,
            format!("name = \"r\"\n[clause.3]\nclause = {number}\n"),
        )
        .unwrap();
        let out = calc()
            .arg("--overlay")
            .arg(&overlay)
            .arg(&enterprise)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("renumber.toml:3:10:"),
            "placed in the overlay: {err}"
        );
        assert!(err.contains("clause.3.clause"), "{err}");
        assert!(err.contains("cannot renumber clause 3"), "{err}");
        assert!(!err.contains("clauses/0"), "not in a shipped file: {err}");
    }
    let same = dir.path().join("same.toml");
    std::fs::write(&same, "name = \"s\"\n[clause.3]\nclause = 3\n").unwrap();
    let out = calc()
        .arg("--overlay")
        .arg(&same)
        .arg(&enterprise)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `calc compare` labels and sums a clause a scoped overlay adds as `batch --summary` does:
/// before, 30,000 + 30,000 = 60,000.00; after, 鹿城区 HT-1 also 5% × 100,000 = 5,000 under
/// clause 13: 65,000.00, all under the one funding source of clauses 1 and 13.
#[test]
fn compare_counts_a_scoped_added_clause_under_its_funding_source() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("extra.toml"), EXTRA).unwrap();
    let round = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,自主算力,金额,日期\n\
算力券,温州甲智能科技有限公司,91330302000000001K,企业,鹿城区,是,是,是,HT-1,是,100000,2026-02-01\n\
算力券,温州乙智能科技有限公司,91330302000000002N,企业,龙湾区,是,是,是,HT-2,是,100000,2026-02-01\n";
    std::fs::write(d.join("in.csv"), round).unwrap();
    let out = calc()
        .current_dir(d)
        .args([
            "compare",
            "in.csv",
            "--overlay",
            "extra.toml",
            "--as-of",
            "2026-06-30",
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"]["before"], "60000.00");
    assert_eq!(v["total"]["after"], "65000.00");
    let funding = v["by_funding"].as_array().unwrap();
    assert_eq!(funding.len(), 1, "{v}");
    assert_eq!(funding[0]["after"], "65000.00", "{v}");
    assert_eq!(funding[0]["difference"], "5000.00", "{v}");
}
