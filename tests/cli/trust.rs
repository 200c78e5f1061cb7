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

/// A column of a CSV output (BOM taken off), by header: the first of that name.
fn column(path: &Path, name: &str) -> Vec<String> {
    column_where(path, |head| head.iter().position(|h| h == name))
}

/// The last column of that name: calc's own, written beside a clerk's column of its name.
fn last_column(path: &Path, name: &str) -> Vec<String> {
    column_where(path, |head| {
        let names: Vec<&str> = head.iter().collect();
        names.iter().rposition(|h| *h == name)
    })
}

fn column_where(path: &Path, find: impl Fn(&csv::StringRecord) -> Option<usize>) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = r.records().map(|r| r.unwrap());
    let head = rows.next().unwrap();
    let c = find(&head).expect("column");
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
    assert_eq!(column(&out1, "核定金额"), ["30000.00"; 4]);
    // Round 2 claims the same four again: each was paid in round 1, 0.00 (on the code before,
    // `'-XM-1` did not match `-XM-1` and each was paid 30,000 again).
    std::fs::write(d.join("r2.csv"), format!("{HEAD}{rows}")).unwrap();
    let (code, err) = batch(d, &["r2.csv", "-o", "out2.csv", "--prior", "out1.csv"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(column(&d.join("out2.csv"), "核定金额"), ["0.00"; 4]);
    // calc's own output read as a round keeps its cells exactly as they were.
    let (code, err) = batch(d, &["out1.csv", "-o", "again.csv"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(column(&d.join("again.csv"), "编号"), column(&out1, "编号"));
    assert_eq!(column(&d.join("again.csv"), "核定金额"), ["30000.00"; 4]);

    // XLSX cells are typed text: written as they are (before, `'-XM-1` showed in Excel), and
    // that output as a prior blocks them too.
    assert_eq!(batch(d, &["r1.csv", "-o", "out1.xlsx"]).0, Some(0));
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(d.join("out1.xlsx")).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let written: Vec<String> = (sheet.rows().skip(1)).map(|r| r[8].to_string()).collect();
    assert_eq!(written, ids);
    let (code, err) = batch(d, &["r2.csv", "-o", "out3.csv", "--prior", "out1.xlsx"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(column(&d.join("out3.csv"), "核定金额"), ["0.00"; 4]);
}

#[test]
fn ids_are_compared_trimmed_width_and_case_folded_in_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Round 1 pays HT-01: 30% × 100,000 = 30,000.
    let r1 = format!("{HEAD}{JIA},HT-01,是,100000,2026-02-01\n");
    std::fs::write(d.join("r1.csv"), r1).unwrap();
    assert_eq!(batch(d, &["r1.csv", "-o", "out1.csv"]).0, Some(0));
    assert_eq!(column(&d.join("out1.csv"), "核定金额"), ["30000.00"]);
    // Round 2 claims it as `ht-01`: already paid, 0.00 (it was paid 30,000 again before).
    let r2 = format!("{HEAD}{JIA},ht-01,是,100000,2026-02-01\n");
    std::fs::write(d.join("r2.csv"), r2).unwrap();
    let (code, err) = batch(d, &["r2.csv", "-o", "out2.csv", "--prior", "out1.csv"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(column(&d.join("out2.csv"), "核定金额"), ["0.00"]);
    // One round with XM-1, xm-1 and ＸＭ-1 (full width) and ` XM-1 `: one contract, paid once
    // (30,000), the repeats errors naming the first line (2), exit 3. Before, each was paid.
    let rows: String = (["XM-1", "xm-1", "ＸＭ-1", " XM-1 "].iter())
        .map(|id| format!("{JIA},{id},是,100000,2026-02-01\n"))
        .collect();
    std::fs::write(d.join("r3.csv"), format!("{HEAD}{rows}")).unwrap();
    let (code, err) = batch(d, &["r3.csv", "-o", "out3.csv"]);
    assert_eq!(code, Some(3), "{err}");
    let out3 = d.join("out3.csv");
    assert_eq!(column(&out3, "状态"), ["核定", "错误", "错误", "错误"]);
    assert_eq!(column(&out3, "核定金额"), ["30000.00", "", "", ""]);
    for reason in &column(&out3, "说明")[1..] {
        assert!(reason.contains("also at line 2"), "{reason}");
    }
}

/// A copy of the rules with a district's 13th clause over the compute section: 10% of the
/// contract, no cap (an invented clause, as in docs/rules.md).
fn rules_with_a_second_compute_clause() -> tempfile::TempDir {
    let clause = r#"clause = 13
key = "compute_extra"
title = "区级算力补充奖励 (示例)"
title_en = "District compute top-up (example)"
section = "compute"
date_field = "date"
applicants = ["enterprise"]
responsible_units = ["区经信局"]
text = "示例条款：按合同实际执行金额的 10% 给予补充奖励。"
interpretation = ["示例条款，不属于温政办〔2025〕45号。"]

[award]
kind = "rate"
base = "amount"
rates = [{ rate = "10%" }]

[combine]
mode = "sum"
"#;
    rules_with("13-compute-extra.toml", clause)
}

/// A copy of the shipped rules with one more clause file.
fn rules_with(name: &str, clause: &str) -> tempfile::TempDir {
    let dir = crate::common::copy_rules();
    std::fs::write(dir.path().join("clauses").join(name), clause).unwrap();
    dir
}

/// A district's own clause over datasets, without a quota (invented, as in docs/rules.md).
const DATA_EXTRA: &str = r#"clause = 13
key = "data_extra"
title = "区级数据集补充奖励 (示例)"
title_en = "District dataset top-up (example)"
section = "dataset"
date_field = "date"
applicants = ["enterprise"]
responsible_units = ["区数据局"]
text = "示例条款：按数据集实际投入的 10% 给予补充奖励，不设名额。"
interpretation = ["示例条款，不属于温政办〔2025〕45号。"]

[award]
kind = "rate"
base = "investment"
rates = [{ rate = "10%" }]

[combine]
mode = "sum"
"#;

/// A 瓯海区 enterprise's facts with six datasets DS-1 to DS-6 of 100,000 each, selected and
/// listed, scored 90, 70, 95, 80, 60 and 50.
fn six_datasets() -> String {
    let mut facts = String::from(
        "[applicant]\nname = \"温州语料数据科技有限公司\"\ncredit_code = \"91330304MA2H000045\"\nkind = \"enterprise\"\ndistrict = \"瓯海区\"\nregistered = true\ntax_compliant = true\nai_industry = true\n",
    );
    for (i, score) in [90, 70, 95, 80, 60, 50].iter().enumerate() {
        facts += &format!(
            "[[dataset]]\nid = \"DS-{}\"\ninvestment = 100000\nlisted = true\nselected = true\nscore = {score}\ndate = 2026-03-01\n",
            i + 1
        );
    }
    facts
}

/// Regression: clause 3's quota left a dataset out of every clause over datasets, so a
/// district's own clause on datasets (no quota) did not pay the sixth one.
#[test]
fn a_quota_leaves_an_item_out_of_its_own_clause_only() {
    let rules = rules_with("13-data-extra.toml", DATA_EXTRA);
    let file = crate::common::facts_file(&six_datasets());
    let (rules, file) = (
        rules.path().to_str().unwrap(),
        file.path().to_str().unwrap(),
    );
    let v = crate::common::json_of(&["--rules", rules, file, "--as-of", "2026-06-30"]);
    let clause = |n: u32| {
        let all = v["clauses"].as_array().unwrap();
        all.iter().find(|c| c["clause"] == n).unwrap().clone()
    };
    // Clause 3: five places; DS-6 (score 50, the lowest) is left out: 5 × 30% × 100,000 = 150,000.
    let c3 = clause(3);
    assert_eq!(c3["amount"], "150000.00");
    assert_eq!(c3["items"][5]["amount"], "0.00");
    // Clause 13 has no quota: all six at 10% × 100,000 = 10,000, 60,000 in all.
    let c13 = clause(13);
    assert_eq!(c13["amount"], "60000.00");
    assert_eq!(c13["items"][5]["amount"], "10000.00");
}

/// A district's own clause over datasets with a quota of its own, two a year (invented).
const DATA_EXTRA_QUOTA: &str = r#"clause = 13
key = "data_extra"
title = "区级数据集补充奖励 (示例)"
title_en = "District dataset top-up (example)"
section = "dataset"
date_field = "date"
applicants = ["enterprise"]
responsible_units = ["区数据局"]
quota = { per = "district_year", count = 2, rank_by = "score", text = "每年择优不多于 2 个" }
text = "示例条款：按数据集实际投入的 10% 给予补充奖励，每年择优不多于 2 个。"
interpretation = ["示例条款，不属于温政办〔2025〕45号。"]

[award]
kind = "rate"
base = "investment"
rates = [{ rate = "10%" }]

[combine]
mode = "sum"
"#;

/// Regression: a round ranked a row only under its first clause, so a second clause's quota
/// over the same datasets was not applied in a batch (a single facts file applied it).
#[test]
fn each_quota_over_one_section_ranks_its_items_in_a_round_as_in_a_single_file() {
    let rules = rules_with("13-data-extra.toml", DATA_EXTRA_QUOTA);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let head = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,实际投入,在温州数据交易中心上架交易,入选区级年度择优评选,评选得分,日期\n";
    let unit = "数据集,温州语料数据科技有限公司,91330304MA2H000045,企业,瓯海区,是,是,是";
    let mut rows = head.to_string();
    for (i, score) in [90, 70, 95, 80, 60, 50].iter().enumerate() {
        rows += &format!("{unit},DS-{},100000,是,是,{score},2026-03-01\n", i + 1);
    }
    std::fs::write(d.join("r.csv"), rows).unwrap();
    let rules_dir = rules.path().to_str().unwrap();
    let (code, err) = batch(d, &["--rules", rules_dir, "r.csv", "-o", "out.csv"]);
    assert_eq!(code, Some(0), "{err}");
    let out = d.join("out.csv");
    // Each row, then its continuation under clause 13.
    // Clause 3 (five places): DS-6 (50, the lowest) is left out; the others 30% × 100,000.
    // Clause 13 (two places): DS-3 (95) and DS-1 (90) at 10% × 100,000 = 10,000; the rest 0.
    assert_eq!(
        column(&out, "核定金额"),
        [
            "30000.00", "10000.00", "30000.00", "0.00", "30000.00", "10000.00", "30000.00", "0.00",
            "30000.00", "0.00", "0.00", "0.00"
        ]
    );
    assert_eq!(
        column(&out, "条款"),
        [
            "3", "13", "3", "13", "3", "13", "3", "13", "3", "13", "3", "13"
        ]
    );
    // The same datasets in one facts file: DS-6 is left out of both clauses (two decisions on
    // one item; before, the second replaced the first). 5 × 30,000 = 150,000; 2 × 10,000.
    let file = crate::common::facts_file(&six_datasets());
    let file = file.path().to_str().unwrap();
    let v = crate::common::json_of(&["--rules", rules_dir, file, "--as-of", "2026-06-30"]);
    let amount = |n: u32| {
        let all = v["clauses"].as_array().unwrap();
        all.iter().find(|c| c["clause"] == n).unwrap()["amount"].clone()
    };
    assert_eq!(amount(3), "150000.00");
    assert_eq!(amount(13), "20000.00");
}

#[test]
fn every_clause_over_one_section_reaches_the_rows_and_the_summary() {
    let rules = rules_with_a_second_compute_clause();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // HT-1: autonomous 100,000 → clause 1 30% = 30,000 and clause 13 10% = 10,000.
    // HT-2: non-autonomous 200,000 → clause 1 10% = 20,000 and clause 13 10% = 20,000.
    let rows = format!("{HEAD}{JIA},HT-1,是,100000,2026-02-01\n{JIA},HT-2,否,200000,2026-03-01\n");
    std::fs::write(d.join("r.csv"), rows).unwrap();
    let rules_dir = rules.path().to_str().unwrap();
    let args = [
        "--rules",
        rules_dir,
        "r.csv",
        "-o",
        "out.csv",
        "--summary",
        "sum.csv",
    ];
    let (code, err) = batch(d, &args);
    assert_eq!(code, Some(0), "{err}");
    let out = d.join("out.csv");
    // Each input row, then its continuation under clause 13 (before, clause 13 was not written).
    assert_eq!(column(&out, "编号"), ["HT-1", "HT-1", "HT-2", "HT-2"]);
    assert_eq!(column(&out, "条款"), ["1", "13", "1", "13"]);
    let awards = ["30000.00", "10000.00", "20000.00", "20000.00"];
    assert_eq!(column(&out, "核定金额"), awards);
    let reasons = column(&out, "说明");
    assert!(reasons[1].starts_with("（续上行）"), "{}", reasons[1]);
    assert!(!reasons[0].starts_with("（续上行）"), "{}", reasons[0]);
    // The summary equals the rows: clause 1 50,000, clause 13 30,000, total 80,000.
    let summary = std::fs::read_to_string(d.join("sum.csv")).unwrap();
    assert!(
        summary.contains("全部 all,1,算力券,2,50000.00,0"),
        "{summary}"
    );
    assert!(
        summary.contains("全部 all,13,区级算力补充奖励 (示例),2,30000.00,0"),
        "{summary}"
    );
    assert!(
        summary.contains("全部 all,,合计 total,4,80000.00,0"),
        "{summary}"
    );
}

#[test]
fn rows_of_one_credit_code_that_disagree_are_all_errors_naming_rows_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Line 3 has a district typo (龙湾区 for 鹿城区). Before, lines 2 and 4 were paid 30,000
    // each under 鹿城区 and only line 3 was an error; which row is right is not known.
    let typo = JIA.replace("鹿城区", "龙湾区");
    let rows = format!(
        "{HEAD}{JIA},HT-1,是,100000,2026-02-01\n{typo},HT-2,是,100000,2026-02-01\n{JIA},HT-3,是,100000,2026-02-01\n"
    );
    std::fs::write(d.join("r.csv"), rows).unwrap();
    let (code, err) = batch(d, &["r.csv", "-o", "out.csv", "--summary", "sum.csv"]);
    assert_eq!(code, Some(3), "{err}");
    let out = d.join("out.csv");
    assert_eq!(column(&out, "状态"), ["错误"; 3]);
    assert_eq!(column(&out, "核定金额"), ["", "", ""]);
    for r in column(&out, "说明") {
        assert!(r.contains("第 2、3、4 行"), "{r}");
        assert!(
            r.contains("所属区县 (district): 第 2 行“鹿城区”、第 3 行“龙湾区”"),
            "{r}"
        );
        assert!(
            r.contains("district: line 2 `鹿城区`, line 3 `龙湾区`"),
            "{r}"
        );
    }
    // Nothing is paid: the summary's total is 0.00 over no rows, with 3 error rows.
    let summary = std::fs::read_to_string(d.join("sum.csv")).unwrap();
    assert!(
        summary.contains("全部 all,,合计 total,0,0.00,0"),
        "{summary}"
    );
    assert!(summary.contains(",,有误行 error rows,3,,"), "{summary}");
}

#[test]
fn an_unknown_header_is_an_input_error_naming_the_nearest_known_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 自主算力 renamed 是否自主算力: before, the column was dropped and the row read without it.
    let head = HEAD.replace("自主算力", "是否自主算力");
    let row = format!("{JIA},HT-1,是,100000,2026-02-01\n");
    std::fs::write(d.join("r.csv"), format!("{head}{row}")).unwrap();
    let (code, err) = batch(d, &["r.csv", "-o", "out.csv"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("r.csv:1"), "{err}");
    assert!(
        err.contains("“是否自主算力” (是否指 did you mean “自主算力”?)"),
        "{err}"
    );
    assert!(err.contains("--keep-column"), "{err}");
    assert!(!d.join("out.csv").exists());

    // 序号 and 备注 are kept as they are (the vocabulary's list); 审核意见 only with
    // --keep-column. 30% × 100,000 = 30,000.
    let head = format!("序号,审核意见,{}", HEAD.trim_end()).replace('\n', "") + ",备注\n";
    let row = format!("7,初审通过,{JIA},HT-1,是,100000,2026-02-01,加急\n");
    std::fs::write(d.join("k.csv"), format!("{head}{row}")).unwrap();
    let (code, err) = batch(d, &["k.csv", "-o", "out.csv"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("“审核意见”"), "{err}");
    assert!(!err.contains("“序号”") && !err.contains("“备注”"), "{err}");
    let (code, err) = batch(d, &["k.csv", "-o", "out.csv", "--keep-column", "审核意见"]);
    assert_eq!(code, Some(0), "{err}");
    let out = d.join("out.csv");
    assert_eq!(column(&out, "序号"), ["7"]);
    assert_eq!(column(&out, "审核意见"), ["初审通过"]);
    assert_eq!(column(&out, "备注"), ["加急"]);
    assert_eq!(column(&out, "核定金额"), ["30000.00"]);
}

#[test]
fn a_clerk_s_column_named_like_an_added_one_is_kept_and_calc_s_written_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The clerk's own 状态 and 说明; before, calc's status and reason overwrote them.
    let head = HEAD.trim_end().to_string() + ",状态,说明\n";
    let row = format!("{JIA},HT-1,是,100000,2026-02-01,待复核,材料齐全\n");
    std::fs::write(d.join("r.csv"), format!("{head}{row}")).unwrap();
    let (code, err) = batch(d, &["r.csv", "-o", "out.csv"]);
    assert_eq!(code, Some(0), "{err}");
    let out = d.join("out.csv");
    let text = std::fs::read_to_string(&out).unwrap();
    let header = text.lines().next().unwrap().trim_start_matches('\u{feff}');
    assert!(
        header.ends_with(",日期,状态,说明,条款,核定金额,酌定上限,酌定下限,状态,说明"),
        "{header}"
    );
    // The first 状态 and 说明 are the clerk's, the last ones calc's.
    assert_eq!(column(&out, "状态"), ["待复核"]);
    assert_eq!(column(&out, "说明"), ["材料齐全"]);
    // 30% × 100,000 = 30,000.
    assert_eq!(last_column(&out, "状态"), ["核定"]);
    assert!(last_column(&out, "说明")[0].contains("30,000.00"));
    assert_eq!(column(&out, "核定金额"), ["30000.00"]);
    // That output, which has every added column, is calc's own: as a prior it is read from
    // calc's columns, not the clerk's, and round 2's HT-1 is already paid.
    std::fs::write(d.join("r2.csv"), format!("{head}{row}")).unwrap();
    let (code, err) = batch(d, &["r2.csv", "-o", "out2.csv", "--prior", "out.csv"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(column(&d.join("out2.csv"), "核定金额"), ["0.00"]);
}

#[test]
fn an_unclosed_quote_is_an_input_error_naming_the_line_it_opens_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Six rows; line 4 (the header is line 1) opens a quote before HT-3 and never closes it.
    // Before, lines 4 to 7 were read as one row: 6 rows in, 3 out, exit 3.
    let rows: String = (1..=6)
        .map(|i| {
            let q = if i == 3 { "\"" } else { "" };
            format!("{JIA},{q}HT-{i},是,100000,2026-02-01\n")
        })
        .collect();
    std::fs::write(d.join("q.csv"), format!("{HEAD}{rows}")).unwrap();
    let (code, err) = batch(d, &["q.csv", "-o", "out.csv"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("q.csv:4:"), "{err}");
    assert!(err.contains("never closes"), "{err}");
    assert!(!d.join("out.csv").exists());
}

#[test]
fn cells_beyond_the_header_are_kept_after_the_added_columns() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Line 3 has two cells more than the 12 headers (an unquoted 1,000 would do the same): it
    // is an error, as before, and its cells are kept (before, they were dropped).
    let rows = format!(
        "{HEAD}{JIA},HT-1,是,100000,2026-02-01\n{JIA},HT-2,是,100000,2026-02-01,附件1,附件2\n"
    );
    std::fs::write(d.join("r.csv"), rows).unwrap();
    let (code, err) = batch(d, &["r.csv", "-o", "out.csv"]);
    assert_eq!(code, Some(3), "{err}");
    let text = std::fs::read_to_string(d.join("out.csv")).unwrap();
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let records: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    // 12 input columns and 6 added ones; line 3 then its 2 extra cells.
    assert_eq!(records[0].len(), 18);
    assert_eq!(records[1].len(), 18);
    assert_eq!(records[2].len(), 20);
    assert_eq!(&records[2][16], "错误");
    assert!(
        records[2][17].contains("more than the 12 headers"),
        "{:?}",
        &records[2]
    );
    assert_eq!((&records[2][18], &records[2][19]), ("附件1", "附件2"));
    // HT-1: 30% × 100,000 = 30,000, with a note that line 3 of its applicant was left out.
    assert_eq!(&records[1][13], "30000.00");
}

#[cfg(unix)]
#[test]
fn a_new_output_has_the_usual_mode_and_a_replaced_one_keeps_its_own() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("in.csv"), ROUND).unwrap();
    let program = calc().get_program().to_owned();
    // Under umask 027 a new file is 0666 less 027 = 0640 (before, always 0600).
    let status = crate::common::process("sh")
        .current_dir(d)
        .arg("-c")
        .arg("umask 027 && exec \"$0\" batch --as-of 2026-06-30 in.csv -o new.csv --summary new-sum.csv")
        .arg(&program)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let mode = |f: &str| std::fs::metadata(d.join(f)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("new.csv"), 0o640);
    assert_eq!(mode("new-sum.csv"), 0o640);
    // A file replaced keeps its own mode, 0604 here.
    std::fs::write(d.join("old.csv"), "old").unwrap();
    std::fs::set_permissions(d.join("old.csv"), std::fs::Permissions::from_mode(0o604)).unwrap();
    assert_eq!(batch(d, &["in.csv", "-o", "old.csv"]).0, Some(0));
    assert_eq!(mode("old.csv"), 0o604);
    assert!(
        std::fs::read_to_string(d.join("old.csv"))
            .unwrap()
            .contains("核定金额")
    );
}

#[cfg(unix)]
#[test]
fn a_target_that_is_no_regular_file_or_no_known_format_is_refused() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("in.csv"), ROUND).unwrap();
    let fifo = d.join("pipe.csv");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // A FIFO (as a device would be) is refused, and stays what it was (before, it was replaced
    // by a regular file).
    for args in [
        &["in.csv", "-o", "pipe.csv"][..],
        &["in.csv", "-o", "o.csv", "--summary", "pipe.csv"],
    ] {
        let (code, err) = batch(d, args);
        assert_eq!(code, Some(2), "{args:?}");
        assert!(err.contains("is not a regular file"), "{err}");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }
    // An extension calc writes no format for is refused, not written as CSV.
    for (args, name) in [
        (&["in.csv", "-o", "out.json"][..], "out.json"),
        (&["in.csv", "-o", "out.xls"], "out.xls"),
        (
            &["in.csv", "-o", "o.csv", "--summary", "sum.txt"],
            "sum.txt",
        ),
    ] {
        let (code, err) = batch(d, args);
        assert_eq!(code, Some(2), "{args:?}");
        assert!(err.contains("not .csv or .xlsx"), "{err}");
        assert!(!d.join(name).exists(), "{name}");
    }
    assert!(!d.join("o.csv").exists());
}

#[test]
fn row_numbers_are_the_spreadsheet_s_after_blank_lines_and_with_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Line 1 the header, 2 HT-1, 3 blank, 4 a bad amount, 5 HT-1 again. Before, an LF file
    // named lines 3 and 5 (the blank line not counted for line 4) and a CRLF file 1, 2 and 4.
    let lf = format!(
        "{HEAD}{JIA},HT-1,是,100000,2026-02-01\n\n{JIA},HT-2,是,abc,2026-02-01\n{JIA},HT-1,是,100000,2026-02-01\n"
    );
    let crlf = lf.replace('\n', "\r\n");
    for (name, text) in [("lf.csv", lf), ("crlf.csv", crlf)] {
        std::fs::write(d.join(name), text).unwrap();
        let (code, err) = batch(d, &[name, "-o", "out.csv"]);
        assert_eq!(code, Some(3), "{name}: {err}");
        let reason = column(&d.join("out.csv"), "说明");
        assert!(
            reason[0].contains("本单位第 4、5 行有误"),
            "{name}: {}",
            reason[0]
        );
        // The blank line keeps its place (output row 3 is empty), so line 5 is output row 5.
        assert_eq!(reason[1], "", "{name}");
        assert!(
            reason[3].contains("(also at line 2)"),
            "{name}: {}",
            reason[3]
        );
    }
}

#[test]
fn check_reports_every_row_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Lines 3 (a bad amount) and 4 (a bad date) are errors; line 2 is good.
    let rows = format!(
        "{HEAD}{JIA},HT-1,是,100000,2026-02-01\n{JIA},HT-2,是,abc,2026-02-01\n{JIA},HT-3,是,100000,2026-13-01\n"
    );
    std::fs::write(d.join("r.csv"), rows).unwrap();
    let (code, err) = batch(d, &["r.csv", "--check"]);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("r.csv:3: “金额”(amount)"), "{err}");
    assert!(err.contains("r.csv:4: “日期”(date)"), "{err}");
    assert!(!err.contains("r.csv:2:"), "{err}");
    assert!(err.contains("3 rows, 1 applicants, 2 with errors"), "{err}");
    let files: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, ["r.csv"]);
    // A clean round checks with exit 0, and -o is refused beside --check.
    std::fs::write(d.join("ok.csv"), ROUND).unwrap();
    assert_eq!(batch(d, &["ok.csv", "--check"]).0, Some(0));
    assert_eq!(batch(d, &["ok.csv", "--check", "-o", "o.csv"]).0, Some(2));
    assert!(!d.join("o.csv").exists());
}

#[test]
fn dash_o_dash_writes_the_csv_to_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("in.csv"), ROUND).unwrap();
    assert_eq!(batch(d, &["in.csv", "-o", "file.csv"]).0, Some(0));
    // Before, `-o -` was refused for its missing extension or wrote a file named `-`.
    let out = calc()
        .current_dir(d)
        .args(["batch", "--as-of", "2026-06-30", "in.csv", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, std::fs::read(d.join("file.csv")).unwrap());
    let files: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files.len(), 2, "only in.csv and file.csv: {files:?}");
}

#[cfg(unix)]
#[test]
fn a_run_waits_for_another_holding_the_output_s_folder_before_replacing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("in.csv"), ROUND).unwrap();
    // This test holds the folder's lock, as a run replacing its output and summary would.
    let folder = std::fs::File::open(d).unwrap();
    folder.lock().unwrap();
    let mut run = crate::common::process(calc().get_program())
        .current_dir(d)
        .args(["batch", "--as-of", "2026-06-30", "in.csv", "-o", "out.csv"])
        .args(["--summary", "sum.csv"])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(800));
    // Before, the run did not wait: its output was in place by now.
    assert!(run.try_wait().unwrap().is_none(), "the run waits");
    assert!(!d.join("out.csv").exists() && !d.join("sum.csv").exists());
    folder.unlock().unwrap();
    assert_eq!(run.wait().unwrap().code(), Some(0));
    assert!(d.join("out.csv").exists() && d.join("sum.csv").exists());
}

#[cfg(unix)]
#[test]
fn sigterm_while_writing_leaves_no_temporary_file() {
    // Before, SIGTERM ended the process with the temporary file left beside the output.
    interrupted_while_writing(&["-o", "out.csv"], "TERM");
}

#[cfg(unix)]
#[test]
fn ctrl_c_while_writing_a_workbook_leaves_no_temporary_file() {
    // rust_xlsxwriter's own scratch files are unnamed (deleted on creation): only calc's is seen.
    interrupted_while_writing(&["-o", "out.xlsx", "--summary", "sum.xlsx"], "INT");
}

/// Runs a round of 60,000 rows with `outputs`, sends `signal` while the output's temporary
/// file stands, and checks that the run ends with 130 and leaves no file behind.
#[cfg(unix)]
fn interrupted_while_writing(outputs: &[&str], signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Enough rows that the output's temporary file stands for a while.
    let rows: String = (0..60_000)
        .map(|i| format!("{JIA},HT-{i},是,1000,2026-02-01\n"))
        .collect();
    std::fs::write(d.join("in.csv"), format!("{HEAD}{rows}")).unwrap();
    let temporaries = || {
        (std::fs::read_dir(d).unwrap())
            .filter(|e| (e.as_ref().unwrap().file_name().to_string_lossy()).starts_with(".calc-"))
            .count()
    };
    let mut run = crate::common::process(calc().get_program())
        .current_dir(d)
        .args(["batch", "--as-of", "2026-06-30", "in.csv"])
        .args(outputs)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while temporaries() == 0 && start.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert!(temporaries() >= 1, "the run is writing");
    let pid = run.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = run.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let left: Vec<String> = (std::fs::read_dir(d).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["in.csv"], "nothing but the input is left");
}

#[test]
fn the_first_visible_sheet_is_read_or_the_one_named_and_the_closing_line_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut book = rust_xlsxwriter::Workbook::new();
    // A hidden first sheet of last year's figures (200,000), then the round (100,000).
    for (name, amount, hidden) in [("旧表", "200000", true), ("申报表", "100000", false)] {
        let sheet = book.add_worksheet().set_name(name).unwrap();
        let row = format!("{JIA},HT-1,是,{amount},2026-02-01");
        for (r, line) in [HEAD.trim_end(), row.as_str()].iter().enumerate() {
            for (c, cell) in line.split(',').enumerate() {
                sheet.write_string(r as u32, c as u16, cell).unwrap();
            }
        }
        // A hidden sheet cannot be the active one.
        sheet.set_hidden(hidden).set_active(!hidden);
    }
    book.save(d.join("r.xlsx")).unwrap();
    // The visible sheet: 30% × 100,000 = 30,000 (before, the hidden one: 60,000).
    let (code, err) = batch(d, &["r.xlsx", "-o", "out.csv"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(column(&d.join("out.csv"), "核定金额"), ["30000.00"]);
    assert!(
        err.contains("工作表“申报表”：1 行") && err.contains("sheet `申报表`: 1 rows"),
        "{err}"
    );
    // --sheet names the hidden one: 30% × 200,000 = 60,000.
    let (code, err) = batch(d, &["r.xlsx", "-o", "out.csv", "--sheet", "旧表"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(column(&d.join("out.csv"), "核定金额"), ["60000.00"]);
    let (code, err) = batch(d, &["r.xlsx", "-o", "out.csv", "--sheet", "附表"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("no sheet named `附表` (there are: 旧表, 申报表)"),
        "{err}"
    );
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

/// Regression (found by tests/batch_properties.rs): a row with a cell beyond the header next to
/// one without made the CSV writer refuse the whole round ("found record with 17 fields").
#[test]
fn rows_of_different_widths_are_written_each_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut text = ROUND.to_string();
    text += "算力券,温州甲智能科技有限公司,91330302000000001K,企业,鹿城区,是,是,是,HT-2,是,100000,2026-02-01,note\n";
    std::fs::write(d.join("in.csv"), text).unwrap();
    // The longer row is an error (a cell beyond the header may be an unquoted comma), kept in
    // its place with its extra cell; the other is paid 30% × 100,000 = 30,000.00. Exit 3, not 2.
    let (code, err) = batch(d, &["in.csv", "-o", "out.csv"]);
    assert_eq!(code, Some(3), "{err}");
    let out = std::fs::read_to_string(d.join("out.csv")).unwrap();
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(
        out.lines().nth(1).unwrap().contains(",1,30000.00,,,核定,"),
        "{out}"
    );
    assert!(out.lines().nth(2).unwrap().ends_with(",note"), "{out}");
}

// ---- workbooks: formats, limits, messages (issue 10 items 15, 16, 20, 22) -------------------

/// An XLSX of inline-string cells (rows of comma-separated text, 1-based from row 1) with
/// `extra` appended to the sheet data, and `sheets` more sheets before it; zipped by hand, as a
/// program (not Excel) would write it, so that its parts can be made to lie.
pub(crate) fn xlsx(rows: &[&str], extra: &str) -> Vec<u8> {
    let cells: String = (rows.iter().enumerate())
        .map(|(r, line)| {
            let cells: String = (line.split(',').enumerate())
                .map(|(c, t)| {
                    let at = format!("{}{}", (b'A' + c as u8) as char, r + 1);
                    format!(r#"<c r="{at}" t="inlineStr"><is><t>{t}</t></is></c>"#)
                })
                .collect();
            format!(r#"<row r="{}">{cells}</row>"#, r + 1)
        })
        .collect();
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{cells}{extra}</sheetData></worksheet>"#
    );
    zipped(&[
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        ("xl/worksheets/sheet1.xml", &sheet),
    ])
}

/// A zip of the named parts, deflated.
fn zipped(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in parts {
        zip.start_file(*name, options).unwrap();
        std::io::Write::write_all(&mut zip, text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Makes the zip declare `size` as the uncompressed size of its part `name`, in the local
/// header (offset 22) and the central directory (offset 24), as a crafted file would.
fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    let u16_at = |zip: &[u8], i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]) as usize;
    let mut patched = 0;
    for i in 0..zip.len().saturating_sub(46) {
        // (where the name's length, the name and the uncompressed size stand)
        let (len_at, name_at, size_at) = match &zip[i..i + 4] {
            b"PK\x03\x04" => (26, 30, 22),
            b"PK\x01\x02" => (28, 46, 24),
            _ => continue,
        };
        let len = u16_at(zip, i + len_at);
        if zip.get(i + name_at..i + name_at + len) == Some(name.as_bytes()) {
            zip[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "the local and the central header of {name}");
}

/// The round of `ROUND` as rows of cells.
fn round_rows() -> Vec<String> {
    ROUND.lines().map(str::to_string).collect()
}

#[test]
fn an_old_excel_or_an_ods_round_is_read_as_the_xlsx_it_was_saved_from() {
    // tests/fixtures/workbook/round.xls and round.ods: LibreOffice's saves of round-source.xlsx.
    // HT-1 autonomous 100,000 × 30% = 30,000; HT-2 not autonomous 200,000 × 10% = 20,000.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["round.xls", "round.ods", "round-source.xlsx"] {
        let from = crate::common::root()
            .join("tests/fixtures/workbook")
            .join(name);
        std::fs::copy(from, d.join(name)).unwrap();
        let (code, err) = batch(d, &[name, "-o", "out.csv"]);
        assert_eq!(code, Some(0), "{name}: {err}");
        assert_eq!(
            column(&d.join("out.csv"), "编号"),
            ["HT-1", "HT-2"],
            "{name}"
        );
        let awards = column(&d.join("out.csv"), "核定金额");
        assert_eq!(awards, ["30000.00", "20000.00"], "{name}");
        assert!(err.contains("sheet `Sheet1`: 2 rows"), "{name}: {err}");
    }
}

#[test]
fn a_file_that_is_no_spreadsheet_says_what_it_is_and_what_to_save_instead() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let docx = zipped(&[("word/document.xml", "<w:document/>")]);
    let archive = zipped(&[("申报表/round.csv", ROUND)]);
    let files: [(&str, &[u8], &str); 3] = [
        (
            "r.csv",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
            "the file is a PDF",
        ),
        ("r.xlsx", &docx, "the file is a Word document (.docx)"),
        ("r.zip", &archive, "the file is a zip archive"),
    ];
    for (name, bytes, what) in files {
        std::fs::write(d.join(name), bytes).unwrap();
        let (code, err) = batch(d, &[name, "-o", "out.csv"]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains(what), "{err}");
        assert!(
            err.contains("另存为 XLSX") && err.contains("save it as XLSX"),
            "{err}"
        );
        assert!(!d.join("out.csv").exists());
    }
}

#[test]
fn a_workbook_part_declared_past_512_mib_is_refused_before_it_is_inflated() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows = round_rows();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    // A 2 KB file whose sheet says it inflates to 600 MiB (before: read, or a 2 GiB cell aborted).
    let mut bomb = xlsx(&rows, "");
    declare_size(&mut bomb, "xl/worksheets/sheet1.xml", 600 << 20);
    std::fs::write(d.join("bomb.xlsx"), &bomb).unwrap();
    let (code, err) = batch(d, &["bomb.xlsx", "-o", "out.csv"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("the workbook's xl/worksheets/sheet1.xml is 629145600 bytes uncompressed, past the limit of 536870912"),
        "{err}"
    );
    // A part that inflates past the size it declares is stopped there by the zip reader.
    let mut liar = xlsx(&rows, "");
    declare_size(&mut liar, "xl/worksheets/sheet1.xml", 100);
    std::fs::write(d.join("liar.xlsx"), &liar).unwrap();
    let (code, err) = batch(d, &["liar.xlsx", "-o", "out.csv"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("larger than its declared uncompressed size"),
        "{err}"
    );
    assert!(!d.join("out.csv").exists());
}

#[test]
fn a_cell_past_excel_s_last_row_or_column_is_refused_while_reading() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows = round_rows();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    // Before: row 1,048,577 was read as a million blank rows; row 4,000,000,000 grew without end.
    let cases = [
        (
            "A1048577",
            "has a cell in row 1048577, past the limit of 1048576 rows",
        ),
        (
            "A4000000000",
            "has a cell in row 4000000000, past the limit of 1048576 rows",
        ),
        (
            "XFE3",
            "has a cell in column 16385, past the limit of 16384 columns",
        ),
    ];
    for (at, said) in cases {
        let row = at.trim_start_matches(char::is_alphabetic);
        let extra = format!(r#"<row r="{row}"><c r="{at}"><v>1</v></c></row>"#);
        std::fs::write(d.join("r.xlsx"), xlsx(&rows, &extra)).unwrap();
        let (code, err) = batch(d, &["r.xlsx", "-o", "out.csv"]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains(&format!("sheet `Sheet1` {said}")), "{err}");
    }
}

#[test]
fn a_formula_saved_without_its_value_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The round with its amount (column K, row 2) a formula no program calculated: before,
    // "amount is empty" on the row.
    let head = HEAD.trim_end();
    let cells = format!("{JIA},HT-1,是");
    let formula = r#"<c r="K2"><f>50000*2</f></c>"#;
    let extra = format!(r#"<row r="2">{}{formula}</row>"#, inline_cells(&cells, 2));
    std::fs::write(d.join("r.xlsx"), xlsx(&[head], &extra)).unwrap();
    let (code, err) = batch(d, &["r.xlsx", "-o", "out.csv"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("r.xlsx:2:")
            && err.contains("cell K2 of sheet `Sheet1` is a formula saved without its value"),
        "{err}"
    );
    assert!(err.contains("open it in Excel or WPS, save it"), "{err}");
    // Saved by Excel, the formula keeps its value: 30% × 100,000 = 30,000.
    let formula = r#"<c r="K2"><f>50000*2</f><v>100000</v></c><c r="L2" t="inlineStr"><is><t>2026-02-01</t></is></c>"#;
    let extra = format!(r#"<row r="2">{}{formula}</row>"#, inline_cells(&cells, 2));
    std::fs::write(d.join("r.xlsx"), xlsx(&[head], &extra)).unwrap();
    let (code, err) = batch(d, &["r.xlsx", "-o", "out.csv"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(column(&d.join("out.csv"), "核定金额"), ["30000.00"]);
}

/// Inline-string cells of `row` from column A.
fn inline_cells(line: &str, row: usize) -> String {
    (line.split(',').enumerate())
        .map(|(c, t)| {
            let at = format!("{}{row}", (b'A' + c as u8) as char);
            format!(r#"<c r="{at}" t="inlineStr"><is><t>{t}</t></is></c>"#)
        })
        .collect()
}

#[test]
fn a_notes_sheet_first_is_named_with_the_sheets_and_the_sheet_option() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut book = rust_xlsxwriter::Workbook::new();
    let notes = book.add_worksheet().set_name("填表说明").unwrap();
    notes.write_string(0, 0, "填表说明").unwrap();
    notes.write_string(1, 0, "每行一个申报事项。").unwrap();
    let sheet = book.add_worksheet().set_name("申报表").unwrap();
    for (r, line) in ROUND.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    book.save(d.join("r.xlsx")).unwrap();
    let (code, err) = batch(d, &["r.xlsx", "-o", "out.csv"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("read from the first visible sheet `填表说明`; if the round is on another sheet, name it with --sheet NAME; the workbook has: 填表说明, 申报表"),
        "{err}"
    );
    assert!(err.contains("请用 --sheet 工作表名 指定"), "{err}");
    // As it says: 30% × 100,000 = 30,000.
    let (code, err) = batch(d, &["r.xlsx", "-o", "out.csv", "--sheet", "申报表"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(column(&d.join("out.csv"), "核定金额"), ["30000.00"]);
}

#[test]
fn gbk_asked_of_a_utf8_file_says_it_is_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("r.csv"), ROUND).unwrap();
    let (code, err) = batch(d, &["r.csv", "-o", "out.csv", "--encoding", "gbk"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("文件是 UTF-8 编码，不是 GBK") && err.contains("the file is UTF-8, not GBK"),
        "{err}"
    );
}

/// A workbook is known by its bytes, not its name: through a pipe it is read as the same file
/// is (was refused before the round was read from bytes).
#[cfg(unix)]
#[test]
fn a_workbook_through_a_pipe_is_read_as_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let rows = round_rows();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let book = xlsx(&rows, "");
    std::fs::write(dir.path().join("in.xlsx"), &book).unwrap();
    let run = |input: &str, out: &str| {
        calc()
            .current_dir(dir.path())
            .args(["batch", "--as-of", "2026-06-30", input, "-o", out])
            .write_stdin(book.clone())
            .output()
            .unwrap()
    };
    let piped = run("/dev/stdin", "piped.csv");
    assert_eq!(
        piped.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    let filed = run("in.xlsx", "filed.csv");
    assert_eq!(filed.status.code(), Some(0));
    let read = |f: &str| std::fs::read(dir.path().join(f)).unwrap();
    assert_eq!(read("piped.csv"), read("filed.csv"));
}

#[test]
fn a_bad_prior_row_is_named_by_its_prior_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("in.csv"), ROUND).unwrap();
    let head = "统一社会信用代码,条款,年度,事项编号,已获金额\n";
    let code = "91330302000000001K";
    // Before, each was an error on the applicant's rows (exit 3) that named neither file nor line.
    std::fs::write(
        d.join("no-year.csv"),
        format!("{head}{code},1,,HT-9,100000\n"),
    )
    .unwrap();
    let (status, err) = batch(d, &["in.csv", "-o", "out.csv", "--prior", "no-year.csv"]);
    assert_eq!(status, Some(2), "{err}");
    assert!(
        err.contains("no-year.csv:2: ")
            && err.contains("clause 1 has an annual cap: the prior award needs its year"),
        "{err}"
    );
    std::fs::write(
        d.join("a.csv"),
        format!("{head}{code},1,2026,HT-1,100000\n"),
    )
    .unwrap();
    std::fs::write(
        d.join("b.csv"),
        format!("{head}{code},1,2026,ht-1,150000\n"),
    )
    .unwrap();
    let (status, err) = batch(
        d,
        &[
            "in.csv", "-o", "out.csv", "--prior", "a.csv", "--prior", "b.csv",
        ],
    );
    assert_eq!(status, Some(2), "{err}");
    assert!(
        err.contains("b.csv:2: ") && err.contains("two prior awards with different amounts, a.csv line 2 (100,000.00) and b.csv line 2 (150,000.00)"),
        "{err}"
    );
    assert!(!d.join("out.csv").exists());
}

/// The same in a round: the quota's clause is evaluated again for the applicants it touches,
/// and their rows under the district's clause (continuation rows) keep their figures.
#[test]
fn a_quota_in_a_round_leaves_the_continuation_under_another_clause_as_it_was() {
    let rules = rules_with("13-data-extra.toml", DATA_EXTRA);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = crate::batch::datasets(&["90", "70", "95", "80", "60", "85"]);
    std::fs::write(d.join("q.csv"), t).unwrap();
    let args = [
        "--rules",
        rules.path().to_str().unwrap(),
        "q.csv",
        "-o",
        "out.csv",
    ];
    let (code, err) = batch(d, &args);
    assert_eq!(code, Some(0), "{err}");
    let out = d.join("out.csv");
    // Each dataset: clause 3 (30% × 100,000 = 30,000), then clause 13 (10% = 10,000). DS-4
    // (score 60, the lowest of six) is left out of clause 3's five places only.
    let clauses: Vec<String> = column(&out, "条款");
    assert_eq!(clauses, ["3", "13"].repeat(6));
    let awards = column(&out, "核定金额");
    let mut expected = ["30000.00", "10000.00"].repeat(6);
    expected[8] = "0.00";
    assert_eq!(awards, expected);
    let reasons = column(&out, "说明");
    assert!(reasons[8].contains("名额"), "{}", reasons[8]);
    assert!(reasons[9].starts_with("（续上行）"), "{}", reasons[9]);
}
