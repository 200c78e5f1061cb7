//! `calc notice`: the public-notice list (公示名单) of a round's output, read back from the file
//! the clerk hands on (SPEC §7). Its lines and total are the output's awards, summed by
//! applicant and clause.

use calamine::{Data, DataType, Reader};

use crate::common::{calc, root};

/// examples/round.csv computed as of 2026-06-30 into `dir/out.EXT`.
fn round_output(dir: &std::path::Path, ext: &str) -> std::path::PathBuf {
    let out = dir.join(format!("out.{ext}"));
    calc()
        .args(["batch", "--as-of", "2026-06-30", "-o"])
        .arg(&out)
        .arg(root().join("examples/round.csv"))
        .assert()
        .success();
    out
}

#[test]
fn the_notice_lists_each_applicant_and_clause_with_the_output_s_total() {
    let dir = tempfile::tempdir().unwrap();
    let out = round_output(dir.path(), "csv");
    let notice = dir.path().join("公示名单.csv");
    calc()
        .arg("notice")
        .arg(&out)
        .arg("-o")
        .arg(&notice)
        .assert()
        .success();
    let text = std::fs::read_to_string(&notice).unwrap();
    // The README's worked round: 甲 clause 1 = 360,000 + 80,000 + 60,000 = 500,000 (three rows
    // in one line); 乙 clause 2 = 90,000; 乙 clause 9 = 1,000,000 (RZ-02's 0.00 is not listed);
    // 丙 (永嘉县, outside 市区) 0.00, not listed. By district (鹿城区, 龙湾区) then clause.
    assert_eq!(
        text,
        "\u{feff}序号,单位名称,统一社会信用代码,所属区县,条款,名称,核定金额\n\
         1,温州甲智能科技有限公司,91330302000000001K,鹿城区,1,算力券,500000.00\n\
         2,温州乙数据有限公司,91330302000000002N,龙湾区,2,模型券,90000.00\n\
         3,温州乙数据有限公司,91330302000000002N,龙湾区,9,企业做优做强,1000000.00\n\
         ,合计,,,,,1590000.00\n"
    );
}

#[test]
fn an_xlsx_notice_has_its_amounts_as_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let out = round_output(dir.path(), "xlsx");
    let notice = dir.path().join("公示名单.xlsx");
    calc()
        .arg("notice")
        .arg(&out)
        .arg("-o")
        .arg(&notice)
        .assert()
        .success();
    let mut book = calamine::open_workbook_auto(&notice).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    // The title and its lines above, then the header.
    let head = (rows
        .iter()
        .position(|r| r.get(1) == Some(&Data::String("单位名称".into()))))
    .expect("the header");
    assert!(head > 0);
    // 500,000 + 90,000 + 1,000,000 = 1,590,000, each a number a clerk can sum.
    let total = (rows
        .iter()
        .find(|r| r.get(1) == Some(&Data::String("合计".into()))))
    .expect("the total")[6]
        .clone();
    assert!(
        matches!(total, Data::Float(f) if (f - 1_590_000.0).abs() < 0.001),
        "{total:?}"
    );
}

#[test]
fn a_file_that_is_not_a_round_s_output_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    calc()
        .arg("notice")
        .arg(root().join("examples/round.csv"))
        .arg("-o")
        .arg(dir.path().join("n.csv"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a round's output"));
    assert!(!dir.path().join("n.csv").exists());
    // Nor is the notice written onto the output it lists.
    let out = round_output(dir.path(), "csv");
    calc()
        .arg("notice")
        .arg(&out)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
}

/// A round with two discretionary awards, worked by hand from the clause text: clause 11
/// (瓯越英才计划创业人才 "30 万-3000 万元" and 省领军型创业团队 "500 万元", highest-only over ranges,
/// SPEC rev. 2 §4): floor max(300,000, 5,000,000) = 5,000,000, ceiling max(30,000,000,
/// 5,000,000) = 30,000,000; clause 4 without tiers, "最高 300 万元": ceiling 3,000,000, no floor.
const RANGES: &str = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,日期,认定类别,年度,研发费用
资格认定,温州智能装备有限公司,91330302000000001K,企业,鹿城区,是,是,是,RC-021,2026-03-01,创业人才,,
资格认定,温州智能装备有限公司,91330302000000001K,企业,鹿城区,是,是,是,RC-022,2025-10-10,省领军型创业团队,,
研发费用,温州乙数据有限公司,91330302000000002N,企业,龙湾区,是,是,是,,,,2025,8000000
";

/// The notice of `RANGES` computed under `--lang LANG`, as text.
fn ranges_notice(dir: &std::path::Path, lang: &str) -> String {
    let round = dir.join("r.csv");
    std::fs::write(&round, RANGES).unwrap();
    let out = dir.join(format!("o-{lang}.csv"));
    calc()
        .args(["batch", "--as-of", "2026-06-30", "--lang", lang, "-o"])
        .arg(&out)
        .arg(&round)
        .assert()
        .success();
    notice_of(dir, &out)
}

fn notice_of(dir: &std::path::Path, out: &std::path::Path) -> String {
    let notice = dir.join("n.csv");
    calc()
        .arg("notice")
        .arg(out)
        .arg("-o")
        .arg(&notice)
        .assert()
        .success();
    std::fs::read_to_string(&notice).unwrap()
}

#[test]
fn the_closing_line_gives_the_discretionary_floors_and_ceilings() {
    let dir = tempfile::tempdir().unwrap();
    let round = dir.path().join("r.csv");
    std::fs::write(&round, RANGES).unwrap();
    let out = dir.path().join("o.csv");
    calc()
        .args(["batch", "--as-of", "2026-06-30", "-o"])
        .arg(&out)
        .arg(&round)
        .assert()
        .success();
    // As the notice's own totals line: floors 5,000,000; ceilings 30,000,000 + 3,000,000.
    calc()
        .arg("notice")
        .arg(&out)
        .arg("-o")
        .arg(dir.path().join("n.csv"))
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "0 行公示，2 行酌定，合计 0.00 元（酌定下限合计 5,000,000.00 元，上限合计 33,000,000.00 元）",
        ));
}

#[test]
fn discretionary_awards_are_listed_apart_with_their_ranges_and_not_in_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let text = ranges_notice(dir.path(), "zh");
    // Nothing determinate: the total is 0.00 (RC-022's 0.00 is not listed). The discretionary
    // part has its own header; floors 5,000,000 (clause 4 has none) and ceilings 30,000,000 +
    // 3,000,000 = 33,000,000. By district (鹿城区, 龙湾区) then clause.
    assert_eq!(
        text,
        "\u{feff}序号,单位名称,统一社会信用代码,所属区县,条款,名称,核定金额\n\
         ,合计,,,,,0.00\n\
         ,酌定（由主管部门核定，不计入合计）,,,,,\n\
         序号,单位名称,统一社会信用代码,所属区县,条款,名称,酌定下限,酌定上限\n\
         1,温州智能装备有限公司,91330302000000001K,鹿城区,11,人工智能人才创业,5000000.00,30000000.00\n\
         2,温州乙数据有限公司,91330302000000002N,龙湾区,4,研发费用后补助,,3000000.00\n\
         ,合计,,,,,5000000.00,33000000.00\n"
    );
    // An output written under --lang en gives the same notice.
    assert_eq!(ranges_notice(dir.path(), "en"), text);
}

#[test]
fn an_output_of_an_earlier_calc_without_the_range_columns_is_still_a_round_s_output() {
    // As calc at d1eeb3c wrote it: English added headers and statuses, the ceiling only in the
    // reason. 甲 clause 1: 360,000; 乙 clause 4 discretionary, its range unknown to the notice.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("old.csv");
    std::fs::write(
        &out,
        "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,自主算力,金额,日期,年度,研发费用,clause,award,status,reason\n\
         算力券,温州甲智能科技有限公司,91330302000000001K,企业,鹿城区,是,是,是,HT-01,是,1200000,2026-02-01,,,1,360000.00,awarded,x\n\
         研发费用,温州乙数据有限公司,91330302000000002N,企业,龙湾区,是,是,是,,,,,2025,8000000,4,,discretionary,最高 3000000.00\n",
    )
    .unwrap();
    let text = notice_of(dir.path(), &out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[1],
        "1,温州甲智能科技有限公司,91330302000000001K,鹿城区,1,算力券,360000.00"
    );
    assert_eq!(lines[2], ",合计,,,,,360000.00");
    assert_eq!(
        lines[5],
        "1,温州乙数据有限公司,91330302000000002N,龙湾区,4,研发费用后补助,,"
    );
    assert_eq!(lines[6], ",合计,,,,,,");
}

/// A part of a workbook's zip, as text.
fn part(path: &std::path::Path, name: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    (zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the workbook")))
    .read_to_string(&mut s)
    .unwrap();
    s
}

/// A round with an individual (GB 11643-1999's example number 11010519491231002X), whose
/// talent row is discretionary, beside examples/round.csv's enterprises.
fn round_with_a_person(dir: &std::path::Path) -> std::path::PathBuf {
    let mut text = std::fs::read_to_string(root().join("examples/round.csv")).unwrap();
    let first = text.lines().next().unwrap().to_string();
    text = text.replacen(&first, &format!("{first},认定对象"), 1);
    text.push_str("资格认定,张三,11010519491231002X,个人,鹿城区,,,,RC-1,,,2026-03-01,,,talent_high_level,,张三\n");
    let round = dir.join("r.csv");
    std::fs::write(&round, text).unwrap();
    let out = dir.join("out.xlsx");
    calc()
        .args(["batch", "--as-of", "2026-06-30", "-o"])
        .arg(&out)
        .arg(&round)
        .assert()
        .success();
    out
}

#[test]
fn an_xlsx_notice_is_ready_to_publish() {
    let dir = tempfile::tempdir().unwrap();
    let out = round_with_a_person(dir.path());
    let notice = dir.path().join("公示名单.xlsx");
    calc()
        .arg("notice")
        .arg(&out)
        .arg("-o")
        .arg(&notice)
        .args(["--round", "2026年第一批", "--unit", "温州市经济和信息化局"])
        .args([
            "--from",
            "2026-07-01",
            "--days",
            "7",
            "--contact",
            "0577-88888888",
        ])
        .assert()
        .success();
    let mut book = calamine::open_workbook_auto(&notice).unwrap();
    // The sheet is named after the round.
    assert_eq!(book.sheet_names(), ["2026年第一批"]);
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let text: Vec<String> = (sheet.rows().flatten())
        .filter_map(|c| c.as_string())
        .collect();
    let has = |t: &str| text.iter().any(|x| x.contains(t));
    assert!(
        has("温政办〔2025〕45号 人工智能政策奖补资金拟兑现名单公示"),
        "{text:?}"
    );
    assert!(has("批次：2026年第一批"), "{text:?}");
    // 7 calendar days from 1 July: 1, 2, 3, 4, 5, 6, 7 July.
    assert!(has("公示期：2026-07-01 至 2026-07-07（7 天）"), "{text:?}");
    assert!(has("0577-88888888") && has("异议"), "{text:?}");
    assert!(text.iter().any(|x| x == "温州市经济和信息化局"), "{text:?}");
    assert!(text.iter().any(|x| x == "2026年7月1日"), "{text:?}");
    // The person's number: the first 6 and the last 4 shown.
    assert!(text.iter().any(|x| x == "110105********002X"), "{text:?}");
    assert!(!has("11010519491231002X"));
    // Chinese only: no English word in it.
    assert!(
        !text
            .iter()
            .any(|x| x.contains("total") || x.contains("discretionary")),
        "{text:?}"
    );
    // Printed: A4, the header row repeated, page numbers, borders, the totals bold.
    let sheet1 = part(&notice, "xl/worksheets/sheet1.xml");
    assert!(sheet1.contains("<pageSetup paperSize=\"9\""), "{sheet1}");
    assert!(
        sheet1.contains("<oddFooter>&amp;C第 &amp;P 页 共 &amp;N 页</oddFooter>"),
        "{sheet1}"
    );
    let workbook = part(&notice, "xl/workbook.xml");
    assert!(workbook.contains("_xlnm.Print_Titles"), "{workbook}");
    let styles = part(&notice, "xl/styles.xml");
    assert!(styles.contains("<left style=\"thin\">"), "{styles}");
    assert!(styles.contains("<b/>"), "{styles}");
}

#[test]
fn a_csv_notice_masks_an_individual_s_number_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = round_with_a_person(dir.path());
    let text = notice_of(dir.path(), &out);
    assert!(
        text.contains(",张三,110105********002X,鹿城区,10,"),
        "{text}"
    );
    assert!(!text.contains("11010519491231002X"), "{text}");
}

#[test]
fn the_notice_period_s_days_are_counted_from_its_first() {
    let dir = tempfile::tempdir().unwrap();
    let out = round_output(dir.path(), "csv");
    let notice = dir.path().join("n.xlsx");
    // 10 days from 25 December: 25..31 December is 7, 1..3 January 3 more.
    calc()
        .arg("notice")
        .arg(&out)
        .arg("-o")
        .arg(&notice)
        .args(["--from", "2026-12-25", "--days", "10"])
        .assert()
        .success();
    let mut book = calamine::open_workbook_auto(&notice).unwrap();
    assert_eq!(book.sheet_names(), ["公示名单"]);
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert!(
        sheet
            .rows()
            .flatten()
            .any(|c| c.as_string().as_deref() == Some("公示期：2026-12-25 至 2027-01-03（10 天）"))
    );
    calc()
        .arg("notice")
        .arg(&out)
        .arg("-o")
        .arg(&notice)
        .args(["--days", "0"])
        .assert()
        .code(2);
}
