//! `calc batch`: a round of applications from a spreadsheet (SPEC §6), driven through the binary.
//! Every expected award is worked out by hand from the policy in the comment beside it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader};

use crate::common::{calc, root};

const AS_OF: &str = "2026-06-30";

/// Chinese headers as Excel on Chinese Windows exports them.
const HEAD: &str = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,自主算力,金额,日期\n";
/// Two valid credit codes (GB 32100 check digits).
const JIA: &str = "算力券,温州甲智能科技有限公司,91330302000000001K,企业,鹿城区,是,是,是";
const YI: &str = "算力券,温州乙数据有限公司,91330302000000002N,企业,龙湾区,是,是,是";

/// An output read back: headers and rows.
struct Sheet {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Sheet {
    fn col(&self, name: &str) -> usize {
        self.headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.headers))
    }
    fn column(&self, name: &str) -> Vec<&str> {
        let c = self.col(name);
        self.rows.iter().map(|r| r[c].as_str()).collect()
    }
}

fn read_csv(path: &Path) -> Sheet {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8(bytes).expect("output is UTF-8");
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    let headers = rows.remove(0);
    Sheet { headers, rows }
}

/// Runs `calc batch` in a fresh folder on `input` (written as `name`); returns folder and output.
fn batch(name: &str, input: &[u8], extra: &[&str]) -> (tempfile::TempDir, PathBuf, i32) {
    let dir = tempfile::tempdir().unwrap();
    let inp = dir.path().join(name);
    std::fs::write(&inp, input).unwrap();
    let out = dir.path().join("out.csv");
    let o = calc()
        .arg("batch")
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .args(["--as-of", AS_OF])
        .args(extra)
        .output()
        .unwrap();
    let code = o.status.code().unwrap_or(-1);
    (dir, out, code)
}

#[test]
fn the_worked_example_round_matches_the_hand_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    let sum = dir.path().join("summary.csv");
    calc()
        .args(["batch", "examples/round.csv", "-o"])
        .arg(&out)
        .arg("--summary")
        .arg(&sum)
        .args(["--as-of", AS_OF])
        .assert()
        .code(0);
    let s = read_csv(&out);
    assert_eq!(
        s.column("编号"),
        [
            "HT-01", "MX-01", "HT-02", "RZ-01", "HT-03", "HT-01", "RZ-02"
        ]
    );
    // 甲 (鹿城区), clause 1, one 500,000 cap for 2026 across rows 1, 3 and 5 (not adjacent):
    //   HT-01 30% × 1,200,000 = 360,000; HT-02 10% × 800,000 = 80,000 (440,000 used);
    //   HT-03 30% × 500,000 = 150,000 → room 500,000 − 440,000 = 60,000.
    // 乙 (龙湾区): MX-01 30% × 300,000 = 90,000; clause 9 highest only: 小巨人 1,000,000, 专精特新 0.
    // 丙 (永嘉县): outside the 市区 districts: ineligible, 0.00.
    assert_eq!(
        s.column("核定金额"),
        [
            "360000.00",
            "90000.00",
            "80000.00",
            "1000000.00",
            "60000.00",
            "0.00",
            "0.00"
        ]
    );
    assert_eq!(s.column("条款"), ["1", "2", "1", "9", "1", "1", "9"]);
    assert_eq!(s.column("状态")[5], "不符合");
    assert!(s.column("说明")[5].contains("永嘉县"));
    assert!(
        s.column("说明")[4].contains("440,000.00"),
        "{}",
        s.column("说明")[4]
    );

    // Summary: 鹿城区 clause 1 = 500,000; 龙湾区 = 90,000 + 1,000,000 = 1,090,000; total 1,590,000.
    let t = read_csv(&sum);
    let line = |d: &str, c: &str| {
        t.rows
            .iter()
            .find(|r| r[0] == d && r[1] == c)
            .unwrap_or_else(|| panic!("no summary line {d} {c}"))
            .clone()
    };
    assert_eq!(line("鹿城区", "1")[4], "500000.00");
    assert_eq!(line("龙湾区", "")[4], "1090000.00");
    assert_eq!(line("全部 all", "")[4], "1590000.00");
    assert_eq!(line("全部 all", "")[3], "7");
}

#[test]
fn the_summary_equals_the_sum_of_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("round.csv");
    let out = dir.path().join("out.csv");
    let sum = dir.path().join("summary.csv");
    // A synthetic round: every kind of row, some counties, some failing gates.
    let status = std::process::Command::new(env!("CARGO"))
        .args(["run", "-q", "--example", "gen_round", "--", "3000", "7"])
        .arg(&input)
        .current_dir(root())
        .status()
        .unwrap();
    assert!(status.success());
    calc()
        .arg("batch")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--summary")
        .arg(&sum)
        .args(["--as-of", AS_OF])
        .assert()
        .code(0);
    let s = read_csv(&out);
    assert_eq!(s.rows.len(), 3000);
    let (district, clause, award) = (s.col("所属区县"), s.col("条款"), s.col("核定金额"));
    // Cents as integers: exact sums without any float.
    let cents = |t: &str| -> i64 {
        if t.is_empty() {
            return 0;
        }
        let (y, c) = t.split_once('.').unwrap();
        y.parse::<i64>().unwrap() * 100 + c.parse::<i64>().unwrap()
    };
    let mut by: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut total = 0;
    for r in &s.rows {
        if r[clause].is_empty() {
            continue;
        }
        *by.entry((r[district].clone(), r[clause].clone()))
            .or_default() += cents(&r[award]);
        total += cents(&r[award]);
    }
    let t = read_csv(&sum);
    let mut seen = 0;
    for r in &t.rows {
        if let Some(v) = by.get(&(r[0].clone(), r[1].clone())) {
            assert_eq!(cents(&r[4]), *v, "{r:?}");
            seen += 1;
        }
    }
    assert_eq!(seen, by.len());
    let grand = t.rows.iter().find(|r| r[2] == "合计 total").unwrap();
    assert_eq!(cents(&grand[4]), total);
    assert!(total > 0);
}

#[test]
fn gbk_input_with_chinese_headers_and_values() {
    // 甲: 自主 30% × 1,000,000 = 300,000; 非自主 10% × 500,000 = 50,000.
    let text =
        format!("{HEAD}{JIA},HT-01,是,1000000,2026-02-01\n{JIA},HT-02,否,\"500,000\",2026/3/1\n");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&gbk).is_err(),
        "the fixture must really be GBK"
    );
    let (_d, out, code) = batch("gbk.csv", &gbk, &[]);
    assert_eq!(code, 0);
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "CSV output carries a BOM"
    );
    let s = read_csv(&out);
    assert_eq!(s.column("单位名称")[0], "温州甲智能科技有限公司");
    assert_eq!(s.column("核定金额"), ["300000.00", "50000.00"]);
}

#[test]
fn utf8_with_bom_input_and_the_no_bom_switch() {
    let text = format!("\u{feff}{HEAD}{JIA},HT-01,是,100000,2026-02-01\n");
    let (_d, out, code) = batch("bom.csv", text.as_bytes(), &["--no-bom"]);
    assert_eq!(code, 0);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with("类型".as_bytes()), "no BOM with --no-bom");
    // 30% × 100,000 = 30,000.
    assert_eq!(read_csv(&out).column("核定金额"), ["30000.00"]);
}

#[test]
fn the_gbk_fixture_file_reads() {
    // tests/fixtures/batch/gbk-round.csv: GBK bytes, two rows of 乙 (自主 200,000 → 60,000;
    // 非自主 300,000 → 30,000).
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    calc()
        .args(["batch", "tests/fixtures/batch/gbk-round.csv", "-o"])
        .arg(&out)
        .args(["--as-of", AS_OF])
        .assert()
        .code(0);
    assert_eq!(read_csv(&out).column("核定金额"), ["60000.00", "30000.00"]);
}

#[test]
fn a_bad_row_in_the_middle_keeps_its_place_and_the_others_are_computed() {
    let text = format!(
        "{HEAD}{JIA},HT-01,是,100000,2026-02-01\n{YI},HT-01,是,200000,2026-02-01\n{JIA},HT-02,是,abc,2026-02-01\n{YI},HT-02,否,300000,2026-02-30\n{JIA},HT-03,否,400000,2026-03-01\n"
    );
    let (_d, out, code) = batch("bad.csv", text.as_bytes(), &[]);
    assert_eq!(code, 3, "exit 3 when a row had an error");
    let s = read_csv(&out);
    assert_eq!(
        s.column("编号"),
        ["HT-01", "HT-01", "HT-02", "HT-02", "HT-03"]
    );
    assert_eq!(s.column("状态"), ["核定", "核定", "错误", "错误", "核定"]);
    // 甲 HT-01 30% × 100,000 = 30,000; 乙 HT-01 30% × 200,000 = 60,000; 甲 HT-03 10% × 400,000.
    assert_eq!(
        s.column("核定金额"),
        ["30000.00", "60000.00", "", "", "40000.00"]
    );
    let reason = s.column("说明");
    assert!(
        reason[2].contains("金额") && reason[2].contains(" / "),
        "{}",
        reason[2]
    );
    assert!(reason[3].contains("2026-02-30"), "{}", reason[3]);
    // The applicant's other rows say a row of theirs was left out.
    assert!(reason[0].contains("第 4 行"), "{}", reason[0]);
}

#[test]
fn a_missing_column_a_row_type_needs_is_named() {
    // No 日期 (date) column: compute rows need it.
    let text = "类型,单位名称,统一社会信用代码,主体类型,所属区县,编号,金额\n算力券,甲,91330302000000001K,企业,鹿城区,HT-01,100\n";
    let (_d, out, code) = batch("nodate.csv", text.as_bytes(), &[]);
    assert_eq!(code, 3);
    let s = read_csv(&out);
    assert_eq!(s.column("状态"), ["错误"]);
    assert!(
        s.column("说明")[0].contains("`date`"),
        "{}",
        s.column("说明")[0]
    );
}

/// Round 1 (甲 HT-01 30% × 1,200,000 = 360,000 in 2026) written into `out1` in one of the forms a
/// round's output takes: under the default `--lang zh`, under `--lang en`, or as an earlier
/// calc wrote it (English headers clause/award/status/reason and statuses, no range columns:
/// the bytes of calc at d1eeb3c for this round).
fn round_one(dir: &Path, form: &str, out1: &Path) {
    let r1 = dir.join("r1.csv");
    std::fs::write(&r1, format!("{HEAD}{JIA},HT-01,是,1200000,2026-02-01\n")).unwrap();
    if form == "old" {
        let row = format!(
            "{JIA},HT-01,是,1200000,2026-02-01,1,360000.00,awarded,\"合同实际执行金额 1,200,000.00 × 30% (自主智能算力) = 360,000.00\"\n"
        );
        let head = HEAD.trim_end().to_string() + ",clause,award,status,reason\n";
        std::fs::write(out1, format!("{head}{row}")).unwrap();
        return;
    }
    calc()
        .arg("batch")
        .arg(&r1)
        .arg("-o")
        .arg(out1)
        .args(["--as-of", "2026-03-31", "--lang", form])
        .assert()
        .code(0);
}

#[test]
fn round_two_respects_round_one_through_its_output_as_prior() {
    for form in ["zh", "en", "old"] {
        let dir = tempfile::tempdir().unwrap();
        let out1 = dir.path().join("out1.csv");
        let r2 = dir.path().join("r2.csv");
        let out2 = dir.path().join("out2.csv");
        round_one(dir.path(), form, &out1);
        // Round 2: HT-04 30% × 600,000 = 180,000 → 2026 cap 500,000 − 360,000 paid = 140,000;
        // HT-01 again: already paid, 0.00, with its own status 已兑现 (SPEC §5: never 核定
        // 0.00). 乙 has no prior: 30% × 600,000 = 180,000.
        std::fs::write(
            &r2,
            format!(
                "{HEAD}{JIA},HT-04,是,600000,2026-05-01\n{JIA},HT-01,是,1200000,2026-02-01\n{YI},HT-04,是,600000,2026-05-01\n"
            ),
        )
        .unwrap();
        calc()
            .arg("batch")
            .arg(&r2)
            .arg("-o")
            .arg(&out2)
            .arg("--prior")
            .arg(&out1)
            .args(["--as-of", AS_OF])
            .assert()
            .code(0);
        let s = read_csv(&out2);
        assert_eq!(
            s.column("核定金额"),
            ["140000.00", "0.00", "180000.00"],
            "{form}"
        );
        assert!(
            s.column("说明")[1].contains("已兑现"),
            "{form}: {}",
            s.column("说明")[1]
        );
        assert_eq!(s.column("状态"), ["核定", "已兑现", "核定"], "{form}");
        // A paid row is no prior of a third round: round 3 with round 2's output as its prior
        // pays HT-05 (30% × 100,000 = 30,000) under the room 2026 has left after round 2's
        // 140,000 only (round 1's 360,000 is not in that file): 500,000 − 140,000 = 360,000.
        let r3 = dir.path().join("r3.csv");
        let out3 = dir.path().join("out3.csv");
        std::fs::write(&r3, format!("{HEAD}{JIA},HT-05,是,100000,2026-05-02\n")).unwrap();
        calc()
            .arg("batch")
            .arg(&r3)
            .arg("-o")
            .arg(&out3)
            .arg("--prior")
            .arg(&out2)
            .args(["--as-of", AS_OF])
            .assert()
            .code(0);
        assert_eq!(read_csv(&out3).column("核定金额"), ["30000.00"], "{form}");
    }
}

#[test]
fn an_item_already_paid_has_its_own_status_in_english_too() {
    let dir = tempfile::tempdir().unwrap();
    let out1 = dir.path().join("out1.csv");
    let r2 = dir.path().join("r2.csv");
    let out2 = dir.path().join("out2.csv");
    round_one(dir.path(), "zh", &out1);
    // HT-01 paid in round 1 (30% × 1,200,000 = 360,000) and claimed again.
    std::fs::write(&r2, format!("{HEAD}{JIA},HT-01,是,1200000,2026-02-01\n")).unwrap();
    calc()
        .arg("batch")
        .arg(&r2)
        .arg("-o")
        .arg(&out2)
        .arg("--prior")
        .arg(&out1)
        .args(["--as-of", AS_OF, "--lang", "en"])
        .assert()
        .code(0);
    let s = read_csv(&out2);
    assert_eq!(s.column("status"), ["paid"]);
    assert_eq!(s.column("award"), ["0.00"]);
}

#[test]
fn the_added_columns_and_statuses_are_chinese_by_default_and_english_under_lang_en() {
    let dir = tempfile::tempdir().unwrap();
    let (zh, en) = (dir.path().join("zh.csv"), dir.path().join("en.csv"));
    for (out, lang) in [(&zh, "zh"), (&en, "en")] {
        calc()
            .args(["batch", "examples/round.csv", "--lang", lang, "-o"])
            .arg(out)
            .args(["--as-of", AS_OF])
            .assert()
            .code(0);
    }
    let (zh, en) = (read_csv(&zh), read_csv(&en));
    let input = 16;
    assert_eq!(
        zh.headers[input..],
        ["条款", "核定金额", "酌定上限", "酌定下限", "状态", "说明"]
    );
    assert_eq!(
        en.headers[input..],
        ["clause", "award", "ceiling", "floor", "status", "reason"]
    );
    // Rows 1-5 and 7 are paid (RZ-02's 0.00 under clause 9's highest-only is a determinate
    // award too); 丙 in 永嘉县 (row 6) is outside the 市区 districts.
    assert_eq!(
        zh.column("状态"),
        ["核定", "核定", "核定", "核定", "核定", "不符合", "核定"]
    );
    assert_eq!(
        en.column("status"),
        [
            "awarded",
            "awarded",
            "awarded",
            "awarded",
            "awarded",
            "ineligible",
            "awarded"
        ]
    );
    // The figures are the same in either language.
    assert_eq!(zh.column("核定金额"), en.column("award"));
    // Decision (README, 批量计算): 酌定上限 and 酌定下限 are always written, so a round's
    // output has the same columns whatever its rows come to; here no row is discretionary.
    assert!(zh.column("酌定上限").iter().all(|c| c.is_empty()));
    assert!(zh.column("酌定下限").iter().all(|c| c.is_empty()));

    // An error row: 错误 / error.
    let (_d, out, code) = batch(
        "e.csv",
        format!("{HEAD}{JIA},HT-1,是,abc,2026-02-01\n").as_bytes(),
        &[],
    );
    assert_eq!(code, 3);
    assert_eq!(read_csv(&out).column("状态"), ["错误"]);
    let (_d, out, code) = batch(
        "e.csv",
        format!("{HEAD}{JIA},HT-1,是,abc,2026-02-01\n").as_bytes(),
        &["--lang", "en"],
    );
    assert_eq!(code, 3);
    assert_eq!(read_csv(&out).column("status"), ["error"]);
}

/// Clause 11 (SPEC rev. 2 §4, highest-only over ranges): 瓯越英才计划创业人才 "30 万-3000 万元"
/// (300,000 to 30,000,000) and 省领军型创业团队 "500 万元" (5,000,000 fixed), one group: ceiling
/// max(30,000,000, 5,000,000) = 30,000,000, floor max(300,000, 5,000,000) = 5,000,000, on the
/// row of the range that carries it; the team row is 0.00, no range. Clause 4 without tiers:
/// "最高 300 万元" → ceiling 3,000,000, no floor.
const RANGES: &str = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,日期,认定类别,年度,研发费用
资格认定,温州智能装备有限公司,91330302000000001K,企业,鹿城区,是,是,是,RC-021,2026-03-01,创业人才,,
资格认定,温州智能装备有限公司,91330302000000001K,企业,鹿城区,是,是,是,RC-022,2025-10-10,省领军型创业团队,,
研发费用,温州乙数据有限公司,91330302000000002N,企业,龙湾区,是,是,是,,,,2025,8000000
";

#[test]
fn a_discretionary_row_has_its_ceiling_and_floor_in_their_own_columns() {
    let (_d, out, code) = batch("r.csv", RANGES.as_bytes(), &[]);
    assert_eq!(code, 0);
    let s = read_csv(&out);
    assert_eq!(s.column("条款"), ["11", "11", "4"]);
    assert_eq!(s.column("状态"), ["酌定", "核定", "酌定"]);
    assert_eq!(s.column("核定金额"), ["", "0.00", ""]);
    assert_eq!(s.column("酌定上限"), ["30000000.00", "", "3000000.00"]);
    assert_eq!(s.column("酌定下限"), ["5000000.00", "", ""]);
    // The same under --lang en.
    let (_d, out, _) = batch("r.csv", RANGES.as_bytes(), &["--lang", "en"]);
    let s = read_csv(&out);
    assert_eq!(
        s.column("status"),
        ["discretionary", "awarded", "discretionary"]
    );
    assert_eq!(s.column("ceiling"), ["30000000.00", "", "3000000.00"]);
    assert_eq!(s.column("floor"), ["5000000.00", "", ""]);
}

#[test]
fn a_plain_prior_table_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let prior = dir.path().join("prior.csv");
    // 甲 got 450,000 under clause 1 in 2026: HT-09 30% × 200,000 = 60,000 → room 50,000.
    std::fs::write(
        &prior,
        "统一社会信用代码,条款,年度,事项编号,已获金额\n91330302000000001K,1,2026,HT-00,450000\n",
    )
    .unwrap();
    let text = format!("{HEAD}{JIA},HT-09,是,200000,2026-05-01\n");
    let p = prior.to_string_lossy().to_string();
    let (_d, out, code) = batch("r.csv", text.as_bytes(), &["--prior", &p]);
    assert_eq!(code, 0);
    assert_eq!(read_csv(&out).column("核定金额"), ["50000.00"]);
}

#[test]
fn formula_injection_is_neutralised() {
    let text = format!(
        "{HEAD}算力券,=HYPERLINK(\"http://x\"),91330302000000001K,企业,鹿城区,是,是,是,+HT-01,是,100000,2026-02-01\n算力券,@SUM(A1),91330302000000002N,企业,龙湾区,是,是,是,-HT-02,是,100000,2026-02-01\n"
    );
    let (_d, out, code) = batch("inj.csv", text.as_bytes(), &[]);
    assert_eq!(code, 0);
    let s = read_csv(&out);
    assert_eq!(
        s.column("单位名称"),
        ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)"]
    );
    assert_eq!(s.column("编号"), ["'+HT-01", "'-HT-02"]);
    // The values themselves were read as given: 30% × 100,000 each.
    assert_eq!(s.column("核定金额"), ["30000.00", "30000.00"]);
}

#[test]
fn a_failed_run_leaves_an_existing_output_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    std::fs::write(&out, "earlier output\n").unwrap();
    // No credit code column: the whole round is refused (exit 2).
    let inp = dir.path().join("in.csv");
    std::fs::write(
        &inp,
        "类型,单位名称,编号,金额,日期\n算力券,甲,HT-01,100,2026-02-01\n",
    )
    .unwrap();
    calc()
        .arg("batch")
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .args(["--as-of", AS_OF])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("统一社会信用代码"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "earlier output\n");
    // An unreadable prior file fails the run too, after the rows were read.
    let good = dir.path().join("good.csv");
    std::fs::write(&good, format!("{HEAD}{JIA},HT-01,是,100,2026-02-01\n")).unwrap();
    calc()
        .arg("batch")
        .arg(&good)
        .arg("-o")
        .arg(&out)
        .arg("--prior")
        .arg(dir.path().join("missing.csv"))
        .assert()
        .code(2);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "earlier output\n");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "no temporary file is left behind");
}

#[test]
fn an_xlsx_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let inp = dir.path().join("in.xlsx");
    let out = dir.path().join("out.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let head = [
        "类型",
        "单位名称",
        "统一社会信用代码",
        "主体类型",
        "所属区县",
        "依法登记在册",
        "依法纳税",
        "符合产业导向",
        "编号",
        "自主算力",
        "金额",
        "日期",
    ];
    for (c, h) in head.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (id, auto, amount)) in [("HT-01", "是", 1_200_000.0), ("HT-02", "否", 800_000.5)]
        .iter()
        .enumerate()
    {
        let r = r as u32 + 1;
        for (c, v) in [
            "算力券",
            "温州甲智能科技有限公司",
            "91330302000000001K",
            "企业",
            "鹿城区",
            "是",
            "是",
            "是",
            id,
            auto,
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(r, c as u16, *v).unwrap();
        }
        // Amounts as numbers, the date as an Excel date.
        sheet.write_number(r, 10, *amount).unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 2, 1).unwrap();
        let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        sheet
            .write_datetime_with_format(r, 11, &date, &fmt)
            .unwrap();
    }
    book.save(&inp).unwrap();
    calc()
        .arg("batch")
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .args(["--as-of", AS_OF])
        .assert()
        .code(0);
    let mut wb = calamine::open_workbook_auto(&out).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows.len(), 3, "header and both rows");
    let headers: Vec<String> = rows[0].iter().map(|d| d.to_string()).collect();
    let award = headers.iter().position(|h| h == "核定金额").unwrap();
    // HT-01 30% × 1,200,000 = 360,000; HT-02 10% × 800,000.50 = 80,000.05.
    assert_eq!(rows[1][award], Data::Float(360_000.0));
    assert_eq!(rows[2][award], Data::Float(80_000.05));
    assert_eq!(rows[2][8], Data::String("HT-02".into()));
    // The input amount stays a number too.
    assert_eq!(rows[2][10], Data::Float(800_000.5));
}

/// Six datasets selected in one district and year: the quota of 5 keeps the best five.
pub(crate) fn datasets(scores: &[&str]) -> String {
    let mut t = String::from(
        "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,实际投入,是否上架,是否入选,评选得分,日期\n",
    );
    let codes = [
        "91330302000000001K",
        "91330302000000002N",
        "91330302000000003R",
        "91330302000000004W",
        "913303020000000050",
        "913303020000000063",
    ];
    for (i, score) in scores.iter().enumerate() {
        t.push_str(&format!(
            "语料券,单位{i},{},企业,瓯海区,是,是,是,DS-{i},100000,是,是,{score},2026-03-01\n",
            codes[i]
        ));
    }
    t
}

#[test]
fn the_dataset_quota_keeps_the_highest_scores() {
    let (_d, out, code) = batch(
        "q.csv",
        datasets(&["90", "70", "95", "80", "60", "85"]).as_bytes(),
        &[],
    );
    assert_eq!(code, 0);
    let s = read_csv(&out);
    // Each 30% × 100,000 = 30,000; the lowest score (60, DS-4) ranks 6th of a quota of 5.
    assert_eq!(
        s.column("核定金额"),
        [
            "30000.00", "30000.00", "30000.00", "30000.00", "0.00", "30000.00"
        ]
    );
    assert_eq!(s.column("状态")[4], "不符合");
    assert!(
        s.column("说明")[4].contains("名额"),
        "{}",
        s.column("说明")[4]
    );
}

#[test]
fn a_tie_at_the_quota_boundary_or_a_missing_score_asks_for_a_decision() {
    // 5th and 6th both score 70: nobody can say which is selected.
    let (_d, out, code) = batch(
        "t.csv",
        datasets(&["90", "70", "95", "80", "70", "85"]).as_bytes(),
        &[],
    );
    assert_eq!(code, 3);
    let s = read_csv(&out);
    assert_eq!(
        s.column("状态"),
        ["核定", "错误", "核定", "核定", "错误", "核定"]
    );
    assert!(s.column("说明")[1].contains("decide"));

    let (_d, out, code) = batch(
        "m.csv",
        datasets(&["90", "", "95", "80", "60", "85"]).as_bytes(),
        &[],
    );
    assert_eq!(code, 3);
    let s = read_csv(&out);
    // DS-1 has no score while 6 compete for 5 places; the 5 scored ones fit.
    assert_eq!(s.column("状态")[1], "错误");
    assert_eq!(s.column("核定金额")[4], "30000.00");
}

/// A dataset row: (credit code, district, id, score, date); 100,000 invested, listed, selected.
fn dataset_rows(rows: &[(&str, &str, &str, &str, &str)]) -> String {
    let mut t = String::from(
        "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,实际投入,是否上架,是否入选,评选得分,日期\n",
    );
    for (code, district, id, score, date) in rows {
        t.push_str(&format!(
            "语料券,单位{code},{code},企业,{district},是,是,是,{id},100000,是,是,{score},{date}\n"
        ));
    }
    t
}

/// Issue 11 item 6 (SPEC §4): the quota counts the datasets earlier rounds awarded in the
/// district and year, read from round 1's output given as a prior.
#[test]
fn the_dataset_quota_counts_the_places_earlier_rounds_took() {
    let ouhai = |code, id, score| (code, "瓯海区", id, score, "2026-03-01");
    // Round 1: five datasets of 瓯海区 in 2026, each 30% × 100,000 = 30,000: the quota is full.
    let round1 = dataset_rows(&[
        ouhai("91330302000000001K", "DS-1", "90"),
        ouhai("91330302000000002N", "DS-2", "70"),
        ouhai("91330302000000003R", "DS-3", "95"),
        ouhai("91330302000000004W", "DS-4", "80"),
        ouhai("913303020000000050", "DS-5", "85"),
    ]);
    let (_d1, out1, code) = batch("r1.csv", round1.as_bytes(), &[]);
    assert_eq!(code, 0);
    assert_eq!(read_csv(&out1).column("核定金额"), ["30000.00"; 5]);
    let prior = out1.to_str().unwrap();

    // Round 2: a sixth 瓯海区 dataset of 2026 scoring above all of them finds no place; one of
    // 龙湾区, and one of 瓯海区 dated 2025, count in other places and are paid 30,000; DS-1
    // again (already paid in round 1) holds its old place and is not paid twice.
    let round2 = dataset_rows(&[
        ouhai("913303020000000063", "DS-6", "99"),
        ("913303020000000076", "龙湾区", "DS-7", "60", "2026-03-01"),
        ("913303020000000089", "瓯海区", "DS-8", "60", "2025-06-01"),
        ouhai("91330302000000001K", "ds-1", "90"),
    ]);
    let (_d2, out2, code) = batch("r2.csv", round2.as_bytes(), &["--prior", prior]);
    assert_eq!(code, 0);
    let s = read_csv(&out2);
    assert_eq!(
        s.column("核定金额"),
        ["0.00", "30000.00", "30000.00", "0.00"]
    );
    assert_eq!(s.column("状态")[0], "不符合");
    let reason = s.column("说明");
    assert!(reason[0].contains("名额已满"), "{}", reason[0]);
    assert!(reason[0].contains("往期入选项"), "{}", reason[0]);
    assert!(reason[3].contains("已兑现"), "{}", reason[3]);

    // Without round 1's output, the sixth is paid: the places come from the prior file only.
    let (_d3, out3, _) = batch("r2.csv", round2.as_bytes(), &[]);
    assert_eq!(read_csv(&out3).column("核定金额")[0], "30000.00");
}

/// Three places taken by round 1 leave two for round 2's three datasets: the lowest score
/// (60) is left out and its reason names the places taken.
#[test]
fn the_places_left_by_earlier_rounds_go_to_the_highest_scores() {
    let ouhai = |code, id, score| (code, "瓯海区", id, score, "2026-03-01");
    let round1 = dataset_rows(&[
        ouhai("91330302000000001K", "DS-1", "90"),
        ouhai("91330302000000002N", "DS-2", "70"),
        ouhai("91330302000000003R", "DS-3", "95"),
    ]);
    let (_d1, out1, _) = batch("r1.csv", round1.as_bytes(), &[]);
    let round2 = dataset_rows(&[
        ouhai("91330302000000004W", "DS-4", "60"),
        ouhai("913303020000000050", "DS-5", "85"),
        ouhai("913303020000000063", "DS-6", "75"),
    ]);
    let prior = out1.to_str().unwrap();
    let (_d2, out2, code) = batch(
        "r2.csv",
        round2.as_bytes(),
        &["--prior", prior, "--prior", prior],
    );
    // The same file twice is refused (issue 10 item 2); once is what counts.
    assert_eq!(code, 2);
    let (_d2, out2b, code) = batch("r2.csv", round2.as_bytes(), &["--prior", prior]);
    assert_eq!(code, 0);
    let _ = out2;
    let s = read_csv(&out2b);
    // 5 places - 3 taken = 2: DS-5 (85) and DS-6 (75) are paid 30,000 each; DS-4 (60) ranks 3rd.
    assert_eq!(s.column("核定金额"), ["0.00", "30000.00", "30000.00"]);
    let reason = s.column("说明")[0];
    assert!(reason.contains("往期已占 3 个，余 2 个"), "{reason}");
    assert!(reason.contains("排第 3 名"), "{reason}");
}

/// One applicant's rows are read together wherever they stand: an error before its first good
/// row, a quoted row, a repeated item id and a row whose applicant facts differ.
#[test]
fn an_applicant_s_rows_are_checked_against_each_other_wherever_they_stand() {
    let text = format!(
        "{HEAD}\
         {JIA},HT-00,是,abc,2026-02-01\n\
         算力券,\"温州甲智能科技有限公司\",91330302000000001K,企业,鹿城区,是,是,是,HT-01,是,\"1,000,000\",2026-02-01\n\
         {YI},HT-01,是,200000,2026-02-01\n\
         {JIA},HT-01,否,50000,2026-02-01\n\
         算力券,温州甲智能科技有限公司,91330302000000001K,企业,龙湾区,是,是,是,HT-03,是,100000,2026-02-01\n\
         {JIA},HT-02,否,100000,2026-03-01\n\
         算力券,温州丁有限公司,91330302000000001X,企业,鹿城区,是,是,是,HT-09,是,100000,2026-02-01\n"
    );
    let (_d, out, code) = batch("unit.csv", text.as_bytes(), &[]);
    assert_eq!(code, 3);
    let s = read_csv(&out);
    // Lines: the header is line 1, so the rows are lines 2 to 8. 甲's line 6 says 龙湾区 where
    // its line 3 says 鹿城区 (SPEC §6 rev. 2): which is right is not known, so every row of 甲
    // is an error and nothing of 甲 is paid; 乙 HT-01 30% × 200,000 = 60,000.
    assert_eq!(
        s.column("状态"),
        ["错误", "错误", "核定", "错误", "错误", "错误", "错误"]
    );
    assert_eq!(s.column("核定金额"), ["", "", "60000.00", "", "", "", ""]);
    let reason = s.column("说明");
    assert!(reason[0].contains("金额"), "{}", reason[0]);
    assert!(reason[3].contains("重复 (与第 3 行)"), "{}", reason[3]);
    for r in [&reason[1], &reason[4], &reason[5]] {
        assert!(r.contains("第 2、3、5、6、7 行"), "{r}");
        assert!(r.contains("第 3 行“鹿城区”、第 6 行“龙湾区”"), "{r}");
    }
    assert!(
        !reason[2].contains("不一致"),
        "乙 has no bad row: {}",
        reason[2]
    );
    assert!(reason[6].contains("统一社会信用代码"), "{}", reason[6]);
}

/// An empty required cell names the expected type in each language: the Chinese half in
/// Chinese, the English half in English (it had the type in both languages).
#[test]
fn an_empty_required_cell_says_what_it_should_hold_in_each_language() {
    let text = format!("{HEAD}{JIA},HT-1,是,,2026-02-01\n");
    let (_d, out, code) = batch("empty.csv", text.as_bytes(), &[]);
    assert_eq!(code, 3);
    let reason = read_csv(&out).column("说明")[0].to_string();
    let (zh, en) = reason.split_once(" / ").unwrap();
    assert!(
        zh.starts_with("“金额”(amount) 为空，算力服务合同必填，应为金额: 整数"),
        "{reason}"
    );
    assert!(
        en.starts_with("`amount` is empty: required for compute rows, expected an amount: integer"),
        "{reason}"
    );
    assert!(!en.contains("整数"), "{reason}");
}

/// An applicant with many rows (its item keys then kept in a map): a repeated id is still found.
#[test]
fn a_repeated_id_is_found_among_many_rows_of_one_applicant() {
    let mut text = HEAD.to_string();
    for i in 0..100 {
        text += &format!("{JIA},HT-{i},否,1000,2026-02-01\n");
    }
    text += &format!("{JIA},HT-7,否,1000,2026-02-01\n");
    let (_d, out, code) = batch("many.csv", text.as_bytes(), &[]);
    assert_eq!(code, 3);
    let s = read_csv(&out);
    let status = s.column("状态");
    assert_eq!(status.len(), 101);
    assert!(status[..100].iter().all(|s| *s == "核定"));
    // HT-7 is the 8th row: line 9 (the header is line 1).
    assert!(s.column("说明")[100].contains("重复 (与第 9 行)"));
    // 10% × 1,000 = 100.00 each, far under the cap.
    assert_eq!(s.column("核定金额")[99], "100.00");
}

/// A later row whose applicant cells carry spaces around them is not the same cells as written,
/// so it is read, and its facts are its applicant's: one applicant, no error, the cells kept.
#[test]
fn a_later_row_with_spaces_around_its_cells_is_its_applicants() {
    let mut text = format!("{HEAD}{JIA},HT-0,否,1,2026-02-01\n");
    for i in 0..9000 {
        text += &format!("{YI},YI-{i},否,1,2026-02-01\n");
    }
    let spaced = (JIA.replace("温州甲", " 温州甲")).replace("鹿城区", "鹿城区 ");
    text += &format!("{spaced},HT-1,否,1,2026-02-01\n");
    let (_d, out, code) = batch("spaced.csv", text.as_bytes(), &[]);
    assert_eq!(code, 0);
    let s = read_csv(&out);
    assert!(s.column("状态").iter().all(|s| *s == "核定"));
    assert_eq!(s.column("单位名称")[9001], " 温州甲智能科技有限公司");
    assert_eq!(s.column("所属区县")[9001], "鹿城区 ");
    // 10% × 1 = 0.10, far under the cap.
    assert_eq!(s.column("核定金额")[9001], "0.10");
}

/// Rows after the first batch read (8,192 rows) find their applicant's first row by their
/// applicant cells: the same cells, or the same facts spelt otherwise (yes/true/1 for 是, a
/// lower-case code), are that applicant; one different fact makes every row of the code an
/// error.
#[test]
fn a_later_row_is_its_applicants_by_its_facts_however_spelt() {
    let mut text = format!("{HEAD}{JIA},HT-0,否,1,2026-02-01\n");
    for i in 0..9000 {
        text += &format!("{YI},YI-{i},否,1,2026-02-01\n");
    }
    let spelt = (JIA.replace("是,是,是", "yes,true,1")).replace("001K", "001k");
    text += &format!("{JIA},HT-1,否,1,2026-02-01\n{spelt},HT-2,否,1,2026-02-01\n");
    let (_d, out, code) = batch("later.csv", text.as_bytes(), &[]);
    assert_eq!(code, 0);
    let s = read_csv(&out);
    let status = s.column("状态");
    assert_eq!(status.len(), 9003);
    assert!(status.iter().all(|s| *s == "核定"));
    // 10% × 1 = 0.10 each, far under the cap.
    assert!(s.column("核定金额").iter().all(|a| *a == "0.10"));

    // Line 9,005 (after the header and 9,003 rows) says 龙湾区 where 甲's rows say 鹿城区.
    let typo = JIA.replace("鹿城区", "龙湾区");
    text += &format!("{typo},HT-3,否,1,2026-02-01\n");
    let (_d, out, code) = batch("later.csv", text.as_bytes(), &[]);
    assert_eq!(code, 3);
    let s = read_csv(&out);
    let status = s.column("状态");
    let jia = [0, 9001, 9002, 9003];
    assert!(
        jia.iter().all(|&r| status[r] == "错误"),
        "{:?}",
        jia.map(|r| status[r])
    );
    assert_eq!(status.iter().filter(|s| **s == "错误").count(), 4);
    let reason = s.column("说明");
    assert!(
        reason[9003].contains("第 2、9003、9004、9005 行"),
        "{}",
        reason[9003]
    );
    assert!(
        reason[9003].contains("第 9005 行“龙湾区”"),
        "{}",
        reason[9003]
    );
}

/// Excel's other text exports are named, with what to save instead: UTF-16 "Unicode text"
/// (tab-separated) and a tab-separated file in UTF-8.
#[test]
fn utf16_and_tab_separated_exports_are_named_with_the_remedy() {
    let tsv = format!("{HEAD}{JIA},HT-01,是,1000,2026-02-01\n").replace(',', "\t");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(tsv.encode_utf16().flat_map(u16::to_le_bytes));
    for (name, bytes, words) in [
        ("u16.txt", utf16, "UTF-16"),
        ("tabs.csv", tsv.into_bytes(), "制表符"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let inp = dir.path().join(name);
        std::fs::write(&inp, bytes).unwrap();
        let o = calc()
            .arg("batch")
            .arg(&inp)
            .arg("-o")
            .arg(dir.path().join("out.csv"))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(words) && err.contains("CSV UTF-8") && err.contains(name),
            "{err}"
        );
        assert!(!dir.path().join("out.csv").exists());
    }
}

/// A district that disables a clause can still take the city's earlier round as `--prior`: the
/// awards under the disabled clause are set aside (they bind no other clause's cap).
#[test]
fn an_earlier_round_with_awards_under_a_disabled_clause_is_a_valid_prior() {
    let head = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,认定类别,首次认定,自主算力,金额,日期\n";
    let jia = "温州甲智能科技有限公司,91330302000000001K,企业,鹿城区,是,是,是";
    // Round 1, city rules: 行业型数字化服务商, newly recognised: 150,000 under clause 6.
    let (d1, out1, code) = batch(
        "r1.csv",
        format!("{head}资格认定,{jia},RZ-1,service_provider_industry,是,,,2026-03-01\n").as_bytes(),
        &[],
    );
    assert_eq!(code, 0);
    assert_eq!(read_csv(&out1).column("核定金额"), ["150000.00"]);
    assert_eq!(read_csv(&out1).column("条款"), ["6"]);
    let overlay = d1.path().join("no6.toml");
    std::fs::write(&overlay, "disable = [6]\n").unwrap();
    // Round 2 with clause 6 disabled: HT-1 30% × 100,000 = 30,000.
    let (_d2, out2, code) = batch(
        "r2.csv",
        format!("{head}算力券,{jia},HT-1,,,是,100000,2026-04-01\n").as_bytes(),
        &[
            "--prior",
            out1.to_str().unwrap(),
            "--overlay",
            overlay.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(read_csv(&out2).column("核定金额"), ["30000.00"]);
}

/// A prior file stops the run at its first bad row, named by line, however long the file (it is
/// read in parts on both cores); the output is not written.
#[test]
fn a_bad_prior_row_stops_the_run_at_the_first_one_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let prior = dir.path().join("prior.csv");
    let write_prior = |bad_lines: &[usize]| {
        let mut text = String::from("统一社会信用代码,条款,年度,事项编号,已获金额\n");
        // 80,000 rows, about 3.3 MB: more than one of the 2 MiB parts.
        for line in 2..80_002 {
            let amount = if bad_lines.contains(&line) {
                "abc"
            } else {
                "100"
            };
            text += &format!("91330302000000001K,1,2026,HT-{line},{amount}\n");
        }
        std::fs::write(&prior, text).unwrap();
    };
    let input = dir.path().join("r.csv");
    std::fs::write(&input, format!("{HEAD}{JIA},HT-09,是,200000,2026-05-01\n")).unwrap();
    let out = dir.path().join("out.csv");
    for (bad, named) in [(&[75_000, 5][..], ":5:"), (&[75_000][..], ":75000:")] {
        write_prior(bad);
        let o = calc()
            .arg("batch")
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .args(["--prior", prior.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        assert!(!out.exists());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(&format!("prior.csv{named}")), "{err}");
    }
}

/// A later row may spell its applicant's facts differently (是 / true, a trimmed space) as long as
/// they read as the same values; a later row whose facts read otherwise makes every row of the
/// code an error.
#[test]
fn an_applicant_s_facts_compare_by_value_not_by_spelling() {
    let text = format!(
        "{HEAD}{JIA},HT-01,是,100000,2026-02-01\n\
         算力券, 温州甲智能科技有限公司 ,91330302000000001k,企业,鹿城区,true,yes,是,HT-02,否,100000,2026-02-01\n\
         算力券,温州甲智能科技有限公司,91330302000000001K,企业,鹿城区,是,否,是,HT-03,否,100000,2026-02-01\n"
    );
    let (_d, out, code) = batch("spell.csv", text.as_bytes(), &[]);
    assert_eq!(code, 3);
    let s = read_csv(&out);
    // Line 3 reads as line 2's facts (是 / true, a trimmed space): it is not named among the
    // differing values. Line 4 says 依法纳税 否: every row of the code is an error (SPEC §6 rev. 2).
    assert_eq!(s.column("状态"), ["错误", "错误", "错误"]);
    assert_eq!(s.column("核定金额"), ["", "", ""]);
    for r in s.column("说明") {
        assert!(
            r.contains("依法纳税 (tax_compliant): 第 2 行“是”、第 4 行“否”"),
            "{r}"
        );
        assert!(!r.contains("第 3 行“"), "{r}");
    }
}

/// SPEC §6: the CSV summary sums the discretionary floors and ceilings apart from the
/// determinate awards (issue 12: it only counted the rows).
#[test]
fn the_csv_summary_sums_the_discretionary_floors_and_ceilings() {
    let sums = tempfile::tempdir().unwrap();
    let path = sums.path().join("s.csv");
    let (_d, _out, code) = batch(
        "r.csv",
        RANGES.as_bytes(),
        &["--summary", path.to_str().unwrap()],
    );
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("酌定下限合计 discretionary floors,酌定上限合计 discretionary ceilings"),
        "{text}"
    );
    // 鹿城区 clause 11: 2 rows, 0.00 determinate (the team row), 1 discretionary, floor
    // 5,000,000, ceiling 30,000,000; 龙湾区 clause 4: ceiling 3,000,000, no floor.
    assert!(
        text.contains("鹿城区,11,人工智能人才创业,2,0.00,1,5000000.00,30000000.00"),
        "{text}"
    );
    assert!(
        text.contains("龙湾区,4,研发费用后补助,1,0.00,1,0.00,3000000.00"),
        "{text}"
    );
    // The round: floors 5,000,000; ceilings 30,000,000 + 3,000,000 = 33,000,000.
    assert!(
        text.contains("全部 all,,合计 total,3,0.00,2,5000000.00,33000000.00"),
        "{text}"
    );
}

#[test]
fn the_summary_totals_by_funding_source() {
    // examples/round.csv: clauses 1 (500,000) and 2 (90,000) are paid by the districts with the
    // city's support (附则2): 590,000.00 over 5 rows; clause 9 (1,000,000) is shared by city and
    // district: 1,000,000.00 over 2 rows. Together the round's total, 1,590,000.00.
    let dir = tempfile::tempdir().unwrap();
    let (out, summary) = (dir.path().join("o.csv"), dir.path().join("s.csv"));
    calc()
        .args(["batch", "--as-of", AS_OF, "-o"])
        .arg(&out)
        .arg("--summary")
        .arg(&summary)
        .arg(root().join("examples/round.csv"))
        .assert()
        .success();
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.contains("资金来源 funding,,各区兑现，市级每年安排资金支持,5,590000.00,0"),
        "{text}"
    );
    assert!(
        text.contains("资金来源 funding,,市、区按现行财政体制分担,2,1000000.00,0"),
        "{text}"
    );
    assert!(
        text.contains("全部 all,,合计 total,7,1590000.00,0"),
        "{text}"
    );
}

/// SPEC §6 "no row is ever dropped": an empty line between rows (CRLF or LF) keeps its place,
/// so that the output's row numbers are the input's (the reader used to skip it: 5 lines in,
/// 4 out, and every row after it one place up).
#[test]
fn an_empty_line_between_rows_keeps_its_place() {
    for end in ["\n", "\r\n"] {
        let text = [
            HEAD.trim_end(),
            &format!("{JIA},HT-1,是,100000,2026-02-01"),
            "",
            "",
            &format!("{JIA},HT-2,是,abc,2026-02-01"),
            &format!("{JIA},HT-3,否,100000,2026-02-01"),
            "",
        ]
        .join(end);
        let (_d, out, code) = batch("blank.csv", text.as_bytes(), &[]);
        assert_eq!(code, 3);
        let s = read_csv(&out);
        // Lines 2 to 6 (the trailing line end closes line 6); lines 3 and 4 are empty.
        assert_eq!(s.column("编号"), ["HT-1", "", "", "HT-2", "HT-3"]);
        assert_eq!(s.column("状态"), ["核定", "", "", "错误", "核定"]);
        // HT-1 30% × 100,000 = 30,000; HT-3 10% × 100,000 = 10,000.
        assert_eq!(s.column("核定金额"), ["30000.00", "", "", "", "10000.00"]);
        // The bad row is named by its own line, 5, and stands in row 5 of the output.
        assert!(
            s.column("说明")[0].contains("第 5 行"),
            "{}",
            s.column("说明")[0]
        );
    }
}

#[test]
fn many_rows_in_error_are_named_twenty_at_most_on_the_applicants_other_rows() {
    // Regression: each good row listed every bad line of its applicant; 10,000 bad rows of one
    // code made a 600 MB output. Lines 2 to 26 are bad (amount `abc`); line 27, 甲 HT-OK
    // autonomous 30% × 100,000 = 30,000, names lines 2 to 21 and the count, 25.
    let mut text = HEAD.to_string();
    for i in 0..25 {
        text.push_str(&format!("{JIA},HT-B{i},是,abc,2026-02-01\n"));
    }
    text.push_str(&format!("{JIA},HT-OK,是,100000,2026-02-01\n"));
    let (_d, out, code) = batch("many-bad.csv", text.as_bytes(), &[]);
    assert_eq!(code, 3);
    let s = read_csv(&out);
    assert_eq!(s.column("核定金额")[25], "30000.00");
    let first_twenty: Vec<String> = (2..=21).map(|l| l.to_string()).collect();
    let named = format!(
        "本单位第 {} … 等 25 行有误，未计入",
        first_twenty.join("、")
    );
    assert!(
        s.column("说明")[25].contains(&named),
        "{}",
        s.column("说明")[25]
    );
}

#[test]
fn a_hundred_disagreeing_rows_of_one_code_get_a_bounded_message_each() {
    // Regression: each row's message named every row and value; 20,000 such rows took 64 s
    // and 21 GB and wrote nothing. Lines 2..101: even lines 鹿城区, odd lines 龙湾区 (50).
    let mut text = HEAD.to_string();
    for i in 0..100 {
        let row = if i % 2 == 0 {
            JIA.to_string()
        } else {
            JIA.replace("鹿城区", "龙湾区")
        };
        text.push_str(&format!("{row},HT-{i},是,100000,2026-02-01\n"));
    }
    let (_d, out, code) = batch("disagree.csv", text.as_bytes(), &[]);
    assert_eq!(code, 3);
    let s = read_csv(&out);
    let lines: Vec<String> = (2..=21).map(|l| l.to_string()).collect();
    for r in s.column("说明") {
        // The rows (2 to 21 of 100), and the district's: line 2 and the 50 differing (51).
        assert!(
            r.contains(&format!("(第 {} … 等 100 行)", lines.join("、"))),
            "{r}"
        );
        assert!(
            r.contains(&format!("(lines {} … 100 in all)", lines.join(", "))),
            "{r}"
        );
        assert!(
            r.contains("… 等 51 行") && r.contains("… 51 rows in all"),
            "{r}"
        );
        assert!(r.chars().count() < 2_000, "{}", r.chars().count());
    }
    assert_eq!(s.column("状态"), ["错误"; 100]);
}

#[test]
fn a_round_with_bad_rows_lists_the_first_twenty_on_stderr_and_counts_only_valid_applicants() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("r.csv");
    let out = dir.path().join("out.csv");
    // Row 2: 甲, valid. Rows 3 to 27: 25 contracts under a mistyped code (check digit K → X).
    let bad = JIA.replace("91330302000000001K", "91330302000000001X");
    let mut text = format!("{HEAD}{JIA},HT-00,是,100000,2026-02-01\n");
    for i in 1..=25 {
        text += &format!("{bad},HT-{i:02},是,100000,2026-02-01\n");
    }
    std::fs::write(&input, text).unwrap();
    let run = calc()
        .arg("batch")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .args(["--as-of", AS_OF])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(3));
    let err = String::from_utf8(run.stderr).unwrap();
    let shown = input.display().to_string();
    // The first 20 rows in error (spreadsheet rows 3 to 22), FILE:ROW: message, each naming
    // the column by its Chinese header; then how many more and in all.
    let rows: Vec<&str> = err.lines().filter(|l| l.starts_with(&shown)).collect();
    assert_eq!(rows.len(), 20, "{err}");
    assert!(rows[0].starts_with(&format!("{shown}:3: ")), "{err}");
    assert!(rows[19].starts_with(&format!("{shown}:22: ")), "{err}");
    assert!(rows[0].contains("统一社会信用代码"), "{err}");
    assert!(err.contains("另有 5 行有误，共 25 行"), "{err}");
    assert!(err.contains("5 more rows in error, 25 in all"), "{err}");
    // One applicant: 甲; the mistyped code is no applicant.
    assert!(err.contains("26 行，1 个申报单位，25 行有误"), "{err}");
}

#[test]
fn an_individual_s_row_may_carry_a_citizen_id_number() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("r.csv");
    let out = dir.path().join("out.csv");
    // GB 11643-1999's example number 11010519491231002X (check character X): an individual's
    // row is computed (瓯越英才 high-level talent, at most 2,000,000); an enterprise's row
    // with the same number is an error.
    std::fs::write(
        &input,
        "类型,单位名称,统一社会信用代码,主体类型,所属区县,编号,认定类别,认定对象,日期\n\
         资格认定,张三,11010519491231002X,个人,鹿城区,RC-1,talent_high_level,张三,2026-03-01\n\
         资格认定,李四,11010519491231002X,企业,鹿城区,RC-2,talent_high_level,李四,2026-03-01\n",
    )
    .unwrap();
    calc()
        .arg("batch")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .args(["--as-of", AS_OF])
        .assert()
        .code(3);
    let s = read_csv(&out);
    assert_eq!(s.column("状态"), ["酌定", "错误"]);
    assert_eq!(s.column("酌定上限")[0], "2000000.00");
    assert!(
        s.column("说明")[1].contains("是公民身份号码"),
        "{:?}",
        s.column("说明")
    );
}

#[test]
fn a_row_without_the_rate_choosing_fact_is_its_own_error_named_by_its_header() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("r.csv");
    let out = dir.path().join("out.csv");
    // Row 2: HT-01 autonomous, 30% × 1,200,000 = 360,000. Row 3: HT-02 with 自主算力 empty:
    // that row alone is an error naming the header as written (not `compute[2].autonomous`).
    std::fs::write(
        &input,
        format!("{HEAD}{JIA},HT-01,是,1200000,2026-02-01\n{JIA},HT-02,,800000,2026-02-01\n"),
    )
    .unwrap();
    calc()
        .arg("batch")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .args(["--as-of", AS_OF])
        .assert()
        .code(3);
    let s = read_csv(&out);
    assert_eq!(s.column("状态"), ["核定", "错误"]);
    assert_eq!(s.column("核定金额")[0], "360000.00");
    let reason = s.column("说明")[1];
    assert!(reason.starts_with("“自主算力”(autonomous): "), "{reason}");
    assert!(!reason.contains("compute["), "{reason}");
}
