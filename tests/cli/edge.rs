//! The edge: files read and written by path. What comes in is bounded and read by its bytes;
//! what goes out is written whole or not at all, and every write error is the run's error.

use std::path::Path;

use crate::common::{calc, root};
use crate::trust::xlsx;

const HEADER: &str = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,自主算力,金额,日期";
const ROW: &str = "算力券,温州甲智能科技有限公司,91330302000000001K,企业,鹿城区,是,是,是,HT-1,是,100000,2026-02-01";

fn run(dir: &Path, shell: &str) -> std::process::Output {
    crate::common::process("bash")
        .current_dir(dir)
        .env("CALC", env!("CARGO_BIN_EXE_calc"))
        .args(["-c", shell])
        .output()
        .unwrap()
}

/// Regression (issue 23, 19): an ISO date cell (`t="d"`, as LibreOffice writes) was refused as
/// "not a date". HT-1, autonomous, 100,000 × 30% = 30,000.00.
#[test]
fn an_iso_date_cell_of_a_workbook_is_a_date() {
    let dir = tempfile::tempdir().unwrap();
    let cells: String = (ROW.split(',').take(11).enumerate())
        .map(|(c, t)| {
            let at = (b'A' + c as u8) as char;
            format!(r#"<c r="{at}2" t="inlineStr"><is><t>{t}</t></is></c>"#)
        })
        .collect();
    let extra =
        format!(r#"<row r="2">{cells}<c r="L2" t="d"><v>2026-02-01T00:00:00</v></c></row>"#);
    std::fs::write(dir.path().join("in.xlsx"), xlsx(&[HEADER], &extra)).unwrap();
    let out = calc()
        .current_dir(dir.path())
        .args(["batch", "in.xlsx", "-o", "out.csv", "--as-of", "2026-06-30"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert!(text.contains("30000.00"), "{text}");
}

/// Regression (issue 23, 10 and 11): under a file-size limit the XLSX writer's final write
/// failed unseen (exit 0, a truncated workbook put in place of the old one), or rust_xlsxwriter
/// panicked (exit 101). Now: exit 2 naming the file, the previous file as it was, no
/// temporary file left. The same for the notice.
#[cfg(unix)]
#[test]
fn a_write_past_a_file_size_limit_fails_the_run_and_keeps_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let round = root().join("examples/round.csv");
    let round = round.display();
    let ok = run(
        d,
        &format!("$CALC batch {round} -o out.xlsx --as-of 2026-06-30"),
    );
    assert_eq!(ok.status.code(), Some(0));
    let before = std::fs::read(d.join("out.xlsx")).unwrap();
    let ok = run(
        d,
        &format!("$CALC batch {round} -o out.csv --as-of 2026-06-30"),
    );
    assert_eq!(ok.status.code(), Some(0));
    // 4 KiB: less than any of the workbooks (a workbook is 7 KB or more).
    let limited = "trap '' XFSZ; ulimit -f 4;";
    for (command, target) in [
        (
            format!("$CALC batch {round} -o out.xlsx --as-of 2026-06-30"),
            "out.xlsx",
        ),
        (
            format!("$CALC batch {round} -o x.csv --summary out.xlsx --as-of 2026-06-30"),
            "out.xlsx",
        ),
        ("$CALC notice out.csv -o out.xlsx".to_string(), "out.xlsx"),
    ] {
        let failed = run(d, &format!("{limited} {command}"));
        let err = String::from_utf8_lossy(&failed.stderr);
        assert_eq!(failed.status.code(), Some(2), "{command}: {err}");
        assert!(err.contains(target), "names the file: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(
            std::fs::read(d.join("out.xlsx")).unwrap(),
            before,
            "{command}"
        );
        let left: Vec<_> = (std::fs::read_dir(d).unwrap())
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".calc-"))
            .collect();
        assert!(left.is_empty(), "{command}: {left:?}");
    }
}

/// Regression (issue 23, 18): an output into a folder that does not exist named calc's own
/// temporary file (`.calc-XXXX.tmp`); it names the folder.
#[test]
fn an_output_into_a_missing_folder_names_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = calc()
        .current_dir(dir.path())
        .arg("batch")
        .arg(root().join("examples/round.csv"))
        .args(["-o", "nowhere/out.csv", "--as-of", "2026-06-30"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("the folder `nowhere` does not exist"), "{err}");
    assert!(!err.contains(".calc-"), "{err}");
}

/// Regression (issue 23, 13): overlays, rule files and case files were read without a limit
/// (`/dev/zero` grew to the memory limit); now the facts files' 16 MiB, counted while reading.
#[cfg(unix)]
#[test]
fn an_endless_overlay_rule_or_case_file_is_refused_at_the_limit() {
    let too_large = |args: &[&str]| {
        let out = calc().args(args).output().unwrap();
        // `rules check` lists its problems on standard output.
        let err = String::from_utf8_lossy(&[out.stderr, out.stdout].concat()).to_string();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("too large"), "{args:?}: {err}");
    };
    let enterprise = root().join("examples/enterprise.toml");
    let enterprise = enterprise.to_str().unwrap();
    too_large(&["--overlay", "/dev/zero", enterprise]);
    too_large(&["--overlay", "/dev/zero", "rules", "check"]);
    let rules = crate::common::copy_rules();
    let clause = rules.path().join("clauses/99-endless.toml");
    std::os::unix::fs::symlink("/dev/zero", &clause).unwrap();
    too_large(&["--rules", rules.path().to_str().unwrap(), enterprise]);
    let cases = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/dev/zero", cases.path().join("endless.toml")).unwrap();
    let out = calc()
        .args(["test", cases.path().to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("too large"), "{text}");
}

/// Regression (issue 23, 14): `calc test` followed a folder's symbolic link back to its parent
/// (one case run and counted 41 times); a link to a folder is not followed.
#[cfg(unix)]
#[test]
fn a_case_folder_with_a_link_back_up_runs_each_case_once() {
    let cases = tempfile::tempdir().unwrap();
    let from = root().join("tests/cases");
    let one = (std::fs::read_dir(&from).unwrap())
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "toml"))
        .expect("a case");
    std::fs::copy(&one, cases.path().join("one.toml")).unwrap();
    std::fs::create_dir(cases.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(cases.path(), cases.path().join("sub/loop")).unwrap();
    let out = calc()
        .args(["test", cases.path().to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.ends_with("1 passed, 0 failed\n"), "{text}");
}

/// Regression (issue 23, 15): `batch --check` printed a cell's raw text: ESC and BEL from a
/// hostile cell reached the terminal.
#[test]
fn a_checks_row_errors_reach_the_terminal_without_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let bad = ROW.replace("100000", "12\u{1b}]0;owned\u{7}34");
    std::fs::write(dir.path().join("in.csv"), format!("{HEADER}\n{bad}\n")).unwrap();
    let out = calc()
        .current_dir(dir.path())
        .args(["batch", "in.csv", "--check", "--as-of", "2026-06-30"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("in.csv:2:"), "{err}");
    assert!(!err.contains(['\u{1b}', '\u{7}']), "{err:?}");
}

/// Regression (issue 23, 5): a 申报日期 / 计算基准日 column was read as nothing and the round
/// computed as of today; a round has one as-of date (`--as-of`), and such a column is refused
/// unless `--keep-column` carries it through unread.
#[test]
fn an_application_date_column_is_refused_naming_as_of() {
    let dir = tempfile::tempdir().unwrap();
    for header in ["申报日期", "计算基准日"] {
        let text = format!("{HEADER},{header}\n{ROW},2026-01-15\n");
        std::fs::write(dir.path().join("in.csv"), text).unwrap();
        let run = |extra: &[&str]| {
            calc()
                .current_dir(dir.path())
                .args(["batch", "in.csv", "-o", "out.csv", "--as-of", "2026-06-30"])
                .args(extra)
                .output()
                .unwrap()
        };
        let refused = run(&[]);
        let err = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(2), "{err}");
        assert!(
            err.contains("--as-of") && err.contains("--keep-column"),
            "{err}"
        );
        assert!(!dir.path().join("out.csv").exists());
        let kept = run(&["--keep-column", header]);
        assert_eq!(
            kept.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&kept.stderr)
        );
        // Kept as it was, unread: HT-1 is still paid as of 2026-06-30, 100,000 × 30%.
        let out = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
        assert!(
            out.contains("2026-01-15") && out.contains("30000.00"),
            "{out}"
        );
        std::fs::remove_file(dir.path().join("out.csv")).unwrap();
    }
}

/// Regression (issue 23, 8): overlays were applied unscoped first, scoped last, so a scoped 20%
/// given before an unscoped 25% won for 鹿城区. Command-line order, always (SPEC §2): HT-1,
/// autonomous 100,000 in 鹿城区 — 20% then 25%: 25,000.00; 25% then 20%: 20,000.00.
#[test]
fn overlays_apply_in_the_order_given_scoped_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let all25 = r#"name = "all 25"
[clause.1.award]
rates = [
  { when = { autonomous = true }, rate = "25%", label = "25%" },
  { when = { autonomous = false }, rate = "10%", label = "10%" },
]
"#;
    std::fs::write(d.join("all25.toml"), all25).unwrap();
    std::fs::write(d.join("in.csv"), format!("{HEADER}\n{ROW}\n")).unwrap();
    let lucheng = root().join("examples/overlays/lucheng-compute-20.toml");
    let lucheng = lucheng.to_str().unwrap();
    for (first, second, award) in [
        (lucheng, "all25.toml", "25000.00"),
        ("all25.toml", lucheng, "20000.00"),
    ] {
        let out = calc()
            .current_dir(d)
            .args(["--overlay", first, "--overlay", second])
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
        assert!(text.contains(award), "{first} then {second}: {text}");
    }
}

/// Regression (issue 23, 16): a bad `[scope]` district had no line or column and an empty
/// "did you mean ?"; it is placed at the name and offers the nearest names, or all of them.
#[test]
fn a_bad_scope_district_is_placed_and_answered() {
    let dir = tempfile::tempdir().unwrap();
    let enterprise = root().join("examples/enterprise.toml");
    for (written, offered) in [
        ("鹿城", "did you mean 鹿城区?"),
        ("火星区", "expected one of: 鹿城区, "),
    ] {
        let overlay = dir.path().join("o.toml");
        std::fs::write(
            &overlay,
            format!("name = \"x\"\n[scope]\ndistricts = [\"{written}\"]\n"),
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
        assert!(err.contains("o.toml:3:14:"), "{err}");
        assert!(err.contains(offered), "{err}");
    }
}

/// Regression (issue 23, 6): a scoped overlay's clause-3 quota was ignored by a round (its base
/// quota of 5 applied, all three datasets paid) while a single file applied it. 瓯海区's quota
/// of 2: of scores 90, 70, 95, the 70 (DS-1) ranks third and is left out; 30% × 100,000 =
/// 30,000.00 for each of the other two. A 鹿城区 scope leaves 瓯海区 at 5: all three paid.
#[test]
fn a_scoped_overlays_quota_holds_in_a_round() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let round = crate::batch::datasets(&["90", "70", "95"]);
    std::fs::write(d.join("in.csv"), round).unwrap();
    for (district, awards) in [
        ("瓯海区", ["30000.00", "0.00", "30000.00"]),
        ("鹿城区", ["30000.00"; 3]),
    ] {
        let overlay = format!(
            "name = \"quota 2\"\n[scope]\ndistricts = [\"{district}\"]\n[clause.3]\nquota = {{ per = \"district_year\", count = 2, rank_by = \"score\", text = \"2 个\" }}\n"
        );
        std::fs::write(d.join("q2.toml"), overlay).unwrap();
        let out = calc()
            .current_dir(d)
            .args(["--overlay", "q2.toml"])
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
        let mut rows = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let at = rows
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "核定金额")
            .unwrap();
        let got: Vec<String> = rows.records().map(|r| r.unwrap()[at].to_string()).collect();
        assert_eq!(got, awards, "scope {district}");
    }
}
