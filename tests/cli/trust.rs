//! A batch a finance clerk can trust (issue 10, SPEC §6 revision 2): no file the clerk gave is
//! overwritten or counted twice. Each test runs the binary and would fail on the code before.

use std::path::Path;

use crate::common::calc;

/// Chinese headers as Excel on Chinese Windows exports them.
const HEAD: &str = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,自主算力,金额,日期\n";
/// An applicant with a valid credit code (GB 32100 check digit), as the first cells of a row.
const JIA: &str = "算力券,温州甲智能科技有限公司,91330302000000001K,企业,鹿城区,是,是,是";

const ROUND: &str = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,自主算力,金额,日期\n\
算力券,温州甲智能科技有限公司,91330302000000001K,企业,鹿城区,是,是,是,HT-1,是,100000,2026-02-01\n";

/// Runs `calc batch` in `dir` with `args`; returns the exit code and stderr.
fn batch(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = calc()
        .current_dir(dir)
        .args(["batch", "--as-of", "2026-06-30"])
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A column of a CSV output (BOM taken off), by header.
fn column(path: &Path, name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = r.records().map(|r| r.unwrap());
    let head = rows.next().unwrap();
    let c = head.iter().position(|h| h == name).expect("column");
    rows.map(|r| r.get(c).unwrap_or("").to_string()).collect()
}

#[test]
fn an_id_written_with_the_formula_guard_reads_back_as_itself_as_a_prior() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Four contracts of 100,000 each, autonomous: 30% = 30,000 each, 120,000 in 2026, under
    // the 500,000 annual cap.
    let ids = ["-XM-1", "=XM-2", "+XM-3", "@XM-4"];
    let rows: String = (ids.iter())
        .map(|id| format!("{JIA},{id},是,100000,2026-02-01\n"))
        .collect();
    std::fs::write(d.join("r1.csv"), format!("{HEAD}{rows}")).unwrap();
    assert_eq!(batch(d, &["r1.csv", "-o", "out1.csv"]).0, Some(0));
    let out1 = d.join("out1.csv");
    // Written guarded, so that Excel does not take them for formulas.
    assert_eq!(
        column(&out1, "编号"),
        ["'-XM-1", "'=XM-2", "'+XM-3", "'@XM-4"]
    );
    assert_eq!(column(&out1, "award"), ["30000.00"; 4]);
    // Round 2 claims the same four again: each was paid in round 1, 0.00 (on the code before,
    // `'-XM-1` did not match `-XM-1` and each was paid 30,000 again).
    std::fs::write(d.join("r2.csv"), format!("{HEAD}{rows}")).unwrap();
    let (code, err) = batch(d, &["r2.csv", "-o", "out2.csv", "--prior", "out1.csv"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(column(&d.join("out2.csv"), "award"), ["0.00"; 4]);
    // calc's own output read as a round keeps its cells exactly as they were.
    let (code, err) = batch(d, &["out1.csv", "-o", "again.csv"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(column(&d.join("again.csv"), "编号"), column(&out1, "编号"));
    assert_eq!(column(&d.join("again.csv"), "award"), ["30000.00"; 4]);
}

#[test]
fn ids_are_compared_trimmed_width_and_case_folded_in_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Round 1 pays HT-01: 30% × 100,000 = 30,000.
    let r1 = format!("{HEAD}{JIA},HT-01,是,100000,2026-02-01\n");
    std::fs::write(d.join("r1.csv"), r1).unwrap();
    assert_eq!(batch(d, &["r1.csv", "-o", "out1.csv"]).0, Some(0));
    assert_eq!(column(&d.join("out1.csv"), "award"), ["30000.00"]);
    // Round 2 claims it as `ht-01`: already paid, 0.00 (it was paid 30,000 again before).
    let r2 = format!("{HEAD}{JIA},ht-01,是,100000,2026-02-01\n");
    std::fs::write(d.join("r2.csv"), r2).unwrap();
    let (code, err) = batch(d, &["r2.csv", "-o", "out2.csv", "--prior", "out1.csv"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(column(&d.join("out2.csv"), "award"), ["0.00"]);
    // One round with XM-1, xm-1 and ＸＭ-1 (full width) and ` XM-1 `: one contract, paid once
    // (30,000), the repeats errors naming the first line (2), exit 3. Before, each was paid.
    let rows: String = (["XM-1", "xm-1", "ＸＭ-1", " XM-1 "].iter())
        .map(|id| format!("{JIA},{id},是,100000,2026-02-01\n"))
        .collect();
    std::fs::write(d.join("r3.csv"), format!("{HEAD}{rows}")).unwrap();
    let (code, err) = batch(d, &["r3.csv", "-o", "out3.csv"]);
    assert_eq!(code, Some(3), "{err}");
    let out3 = d.join("out3.csv");
    assert_eq!(
        column(&out3, "status"),
        ["awarded", "error", "error", "error"]
    );
    assert_eq!(column(&out3, "award"), ["30000.00", "", "", ""]);
    for reason in &column(&out3, "reason")[1..] {
        assert!(reason.contains("also at line 2"), "{reason}");
    }
}

#[test]
fn one_file_in_two_roles_is_refused_before_anything_is_read_or_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("in.csv"), ROUND).unwrap();
    // Round 1's output, to be round 2's prior.
    assert_eq!(batch(d, &["in.csv", "-o", "r1.csv"]).0, Some(0));
    let r1 = std::fs::read(d.join("r1.csv")).unwrap();
    for (args, words) in [
        // The output onto the input would replace the clerk's round with calc's.
        (
            &["in.csv", "-o", "in.csv"][..],
            "the output -o is the same file as the input",
        ),
        // The output onto a prior would replace round 1's record with round 2's zeros.
        (
            &["in.csv", "-o", "r1.csv", "--prior", "r1.csv"],
            "the output -o is the same file as a --prior",
        ),
        // One prior twice would deduct every award twice.
        (
            &[
                "in.csv", "-o", "o.csv", "--prior", "r1.csv", "--prior", "./r1.csv",
            ],
            "a --prior is the same file as a --prior",
        ),
        (
            &["in.csv", "-o", "o.csv", "--summary", "in.csv"],
            "the --summary is the same file as the input",
        ),
        (
            &["in.csv", "-o", "o.csv", "--summary", "o.csv"],
            "the --summary is the same file as the output -o",
        ),
        (
            &[
                "in.csv",
                "-o",
                "o.csv",
                "--summary",
                "r1.csv",
                "--prior",
                "r1.csv",
            ],
            "the --summary is the same file as a --prior",
        ),
    ] {
        let (code, err) = batch(d, args);
        assert_eq!(code, Some(2), "{args:?}");
        assert!(err.contains(words), "{args:?}: {err}");
        assert!(err.contains("是同一个文件"), "{args:?}: {err}");
        assert_eq!(
            std::fs::read_to_string(d.join("in.csv")).unwrap(),
            ROUND,
            "{args:?}"
        );
        assert_eq!(std::fs::read(d.join("r1.csv")).unwrap(), r1, "{args:?}");
        assert!(!d.join("o.csv").exists(), "{args:?}");
    }
}
