//! Earlier awards (SPEC §4, §6): a round's output read back as the next round's prior by the one
//! reader, plain prior tables, the single file's `--prior`, and the notice read by the same
//! reader. Each test fails on the code before the one reader and the one gathering; its figures
//! are worked by hand in its comments.

use std::path::Path;

use crate::common::{ENTERPRISE, calc, facts_file, root};

const AS_OF: &str = "2026-06-30";

/// A round's header for recognitions and compute contracts alike.
const HEAD: &str = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合人工智能产业集聚发展导向,编号,认定类别,认定对象,日期,首次认定/新认定,完成市级备案,自主智能算力,合同实际执行金额\n";
const JIA: &str = "温州甲智能科技有限公司,91330302000000001K,企业,鹿城区,是,是,是";
/// A plain prior table's header.
const PRIOR_HEAD: &str = "统一社会信用代码,条款,年度,事项编号,已获金额\n";

fn recognition(
    id: &str,
    title: &str,
    subject: &str,
    date: &str,
    first: &str,
    filed: &str,
) -> String {
    format!("资格认定,{JIA},{id},{title},{subject},{date},{first},{filed},,\n")
}

fn compute(code: &str, district: &str, id: &str, amount: &str, date: &str) -> String {
    format!(
        "算力券,温州甲智能科技有限公司,{code},企业,{district},是,是,是,{id},,,{date},,,是,{amount}\n"
    )
}

/// Runs `calc batch IN -o OUT --as-of AS_OF EXTRA...` in `dir`; its exit code and stderr.
fn batch(dir: &Path, args: &[&str]) -> (i32, String) {
    let o = calc()
        .current_dir(dir)
        .arg("batch")
        .args(args)
        .args(["--as-of", AS_OF])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    (o.status.code().unwrap_or(-1), err)
}

/// A column of a CSV output, by its header.
fn column(path: &Path, header: &str) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = r.records().map(|r| r.unwrap());
    let head = rows.next().unwrap();
    let c = head
        .iter()
        .collect::<Vec<_>>()
        .iter()
        .rposition(|h| *h == header)
        .expect(header);
    rows.map(|r| r.get(c).unwrap_or("").to_string()).collect()
}

/// Round 1 from `rows`, then round 2 from `rows2` with round 1's output as its prior: round 2's
/// awards.
fn two_rounds(rows: &str, rows2: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("r1.csv"), format!("{HEAD}{rows}")).unwrap();
    let (code, err) = batch(d, &["r1.csv", "-o", "out1.csv"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(d.join("r2.csv"), format!("{HEAD}{rows2}")).unwrap();
    let (code, err) = batch(d, &["r2.csv", "-o", "out2.csv", "--prior", "out1.csv"]);
    assert_eq!(code, 0, "{err}");
    column(&d.join("out2.csv"), "核定金额")
}

/// Clause 7 pays the highest per product: round 1 paid 产品A's 省内首台（套） 500,000. Round 2:
/// 产品B's 国内首台（套） is another product, paid whole: 1,000,000 (before: the prior named no
/// product and was deducted from 产品B's award, 500,000); 产品A moving up to 国内 pays the
/// difference, 1,000,000 − 500,000 = 500,000.
#[test]
fn a_round_output_prior_under_clause_7_is_deducted_from_its_own_product_only() {
    let r1 = recognition(
        "RZ-1",
        "first_set_provincial",
        "产品A",
        "2026-03-01",
        "是",
        "",
    );
    let r2 = recognition(
        "RZ-2",
        "first_set_national",
        "产品B",
        "2026-05-01",
        "是",
        "",
    ) + &recognition(
        "RZ-3",
        "first_set_national",
        "产品A",
        "2026-05-02",
        "是",
        "",
    );
    assert_eq!(two_rounds(&r1, &r2), ["1000000.00", "500000.00"]);
}

/// Clause 11 pays the highest per person or team: round 1 paid 张三团队's 浙江省领军型创业团队
/// 5,000,000; round 2's 李四团队, a second team, is paid its 5,000,000 whole (before: 5,000,000 −
/// 5,000,000 = 0.00).
#[test]
fn a_round_output_prior_under_clause_11_is_deducted_from_its_own_person_only() {
    let r1 = recognition(
        "RZ-11",
        "leading_team_provincial",
        "张三团队",
        "2026-03-01",
        "",
        "",
    );
    let r2 = recognition(
        "RZ-12",
        "leading_team_provincial",
        "李四团队",
        "2026-05-01",
        "",
        "",
    );
    assert_eq!(two_rounds(&r1, &r2), ["5000000.00"]);
}

/// Clause 8 pays the highest per title: round 1 paid the 概念验证中心 2,000,000 (filed); round 2's
/// 中试平台 (first_time) is another facility: 500,000 (before: 500,000 − 2,000,000 → 0.00).
#[test]
fn a_round_output_prior_under_clause_8_is_deducted_from_its_own_title_only() {
    let r1 = recognition("RZ-21", "poc_center", "", "2026-03-01", "", "是");
    let r2 = recognition("RZ-22", "pilot_platform", "", "2026-05-01", "是", "");
    assert_eq!(two_rounds(&r1, &r2), ["500000.00"]);
}

/// A round with an error row (a mistyped credit code) is still a prior: its error row is passed
/// over unread. Round 1: HT-01 30% × 600,000 = 180,000. Round 2: HT-01 again is already paid,
/// 0.00; HT-02 30% × 1,200,000 = 360,000 under the 2026 cap: 500,000 − 180,000 = 320,000
/// (before: the prior file was refused for the error row's code, exit 2).
#[test]
fn a_round_with_error_rows_is_a_valid_prior() {
    let r1 = compute(
        "91330302000000001K",
        "鹿城区",
        "HT-01",
        "600000",
        "2026-02-01",
    ) + &compute(
        "91330302000000001X",
        "鹿城区",
        "HT-09",
        "100000",
        "2026-02-01",
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("r1.csv"), format!("{HEAD}{r1}")).unwrap();
    let (code, err) = batch(d, &["r1.csv", "-o", "out1.csv"]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(column(&d.join("out1.csv"), "状态"), ["核定", "错误"]);
    let r2 = compute(
        "91330302000000001K",
        "鹿城区",
        "HT-01",
        "600000",
        "2026-02-01",
    ) + &compute(
        "91330302000000001K",
        "鹿城区",
        "HT-02",
        "1200000",
        "2026-03-01",
    );
    std::fs::write(d.join("r2.csv"), format!("{HEAD}{r2}")).unwrap();
    let (code, err) = batch(d, &["r2.csv", "-o", "out2.csv", "--prior", "out1.csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        column(&d.join("out2.csv"), "核定金额"),
        ["0.00", "320000.00"]
    );
}

/// An id written as a spreadsheet shows a guarded cell (`'-XM-1`) is the id `-XM-1`, in a plain
/// prior table in CSV or XLSX, and in a round's input. The prior paid -XM-1 30,000: round 2's
/// -XM-1 is already paid, 0.00 (before: `'-XM-1` was another id and -XM-1 was paid 30% ×
/// 100,000 = 30,000 again).
#[test]
fn an_id_with_the_formula_guard_is_the_id_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let row = compute(
        "91330302000000001K",
        "鹿城区",
        "-XM-1",
        "100000",
        "2026-02-01",
    );
    std::fs::write(d.join("r2.csv"), format!("{HEAD}{row}")).unwrap();
    std::fs::write(
        d.join("prior.csv"),
        format!("{PRIOR_HEAD}91330302000000001K,1,2026,'-XM-1,30000\n"),
    )
    .unwrap();
    let (code, err) = batch(d, &["r2.csv", "-o", "out.csv", "--prior", "prior.csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(column(&d.join("out.csv"), "核定金额"), ["0.00"]);
    // The same table as a workbook, the id a text cell `'-XM-1`.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in PRIOR_HEAD.trim_end().split(',').enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    sheet.write_string(1, 0, "91330302000000001K").unwrap();
    sheet.write_number(1, 1, 1).unwrap();
    sheet.write_number(1, 2, 2026).unwrap();
    sheet.write_string(1, 3, "'-XM-1").unwrap();
    sheet.write_number(1, 4, 30000).unwrap();
    book.save(d.join("prior.xlsx")).unwrap();
    let (code, err) = batch(d, &["r2.csv", "-o", "out.csv", "--prior", "prior.xlsx"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(column(&d.join("out.csv"), "核定金额"), ["0.00"]);
    // Round 1 pays -XM-1 30,000 (written `'-XM-1` in its CSV); round 2's input copies the id as
    // Excel shows it, `'-XM-1`: the same contract, already paid.
    std::fs::write(d.join("r1.csv"), format!("{HEAD}{row}")).unwrap();
    let (code, err) = batch(d, &["r1.csv", "-o", "out1.csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(column(&d.join("out1.csv"), "核定金额"), ["30000.00"]);
    let copied = compute(
        "91330302000000001K",
        "鹿城区",
        "'-XM-1",
        "100000",
        "2026-02-01",
    );
    std::fs::write(d.join("r3.csv"), format!("{HEAD}{copied}")).unwrap();
    let (code, err) = batch(d, &["r3.csv", "-o", "out3.csv", "--prior", "out1.csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(column(&d.join("out3.csv"), "核定金额"), ["0.00"]);
}

const RND_HEAD: &str = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合人工智能产业集聚发展导向,费用年度,上年度研发费用\n";
const TIERS: &str = "examples/overlays/clause4-tiers-ILLUSTRATIVE.toml";

/// Under clause 4 the year is the item: a prior table's row for the expense year 2025 (no item
/// column: an R&D expense has no id) is deducted from that year's award. With the illustrative
/// tiers, 8,000,000 reaches the tier from 5,000,000: 500,000; less the 200,000 already paid for
/// 2025: 300,000 (before: the prior only lowered the 3,000,000 ceiling to 2,800,000 and 500,000
/// was paid again in full).
#[test]
fn a_clause_4_prior_of_the_year_is_deducted_from_its_award() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let tiers = root().join(TIERS);
    let tiers = tiers.to_str().unwrap();
    std::fs::write(
        d.join("r.csv"),
        format!("{RND_HEAD}研发费用,{JIA},2025,8000000\n"),
    )
    .unwrap();
    std::fs::write(
        d.join("prior.csv"),
        "统一社会信用代码,条款,年度,已获金额\n91330302000000001K,4,2025,200000\n",
    )
    .unwrap();
    let args = ["r.csv", "-o", "out.csv", "--overlay", tiers];
    let (code, err) = batch(d, &[&args[..], &["--prior", "prior.csv"]].concat());
    assert_eq!(code, 0, "{err}");
    assert_eq!(column(&d.join("out.csv"), "核定金额"), ["300000.00"]);
    // The single file's --prior takes the same prior through the same gathering: 300,000.
    let facts = facts_file(&format!(
        "{ENTERPRISE}\n[[rnd]]\nyear = 2025\nexpense = 8000000\n"
    ));
    // ENTERPRISE's own code.
    std::fs::write(
        d.join("prior1.csv"),
        "统一社会信用代码,条款,年度,已获金额\n91330302MA2H00001Y,4,2025,200000\n",
    )
    .unwrap();
    let prior = d.join("prior1.csv");
    let prior = prior.to_str().unwrap();
    let facts = facts.path().to_str().unwrap();
    for cmd in [&[][..], &["explain"][..]] {
        let o = calc()
            .args(cmd)
            .args([
                facts,
                "--prior",
                prior,
                "--overlay",
                tiers,
                "--as-of",
                AS_OF,
            ])
            .args(["--format", "json"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{cmd:?}: {err}");
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let j = j.get("outcome").unwrap_or(&j);
        assert_eq!(j["clauses"][0]["amount"], "300000.00", "{cmd:?}: {j}");
    }
}

/// Priors that name no item are never one award: two payments of 140,000 under clause 6 deduct
/// 280,000 from 省级综合型数字化服务商's 200,000: 0.00 (before: counted once, 200,000 − 140,000 =
/// 60,000). Two 200,000 payments under clause 1 in 2026 leave 500,000 − 400,000 = 100,000 of
/// the cap for HT-01's 30% × 600,000 = 180,000: 100,000 (before: 500,000 − 200,000 = 300,000 of
/// room, 180,000 paid).
#[test]
fn priors_without_an_item_are_never_merged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows = recognition(
        "RZ-31",
        "service_provider_comprehensive",
        "",
        "2026-03-01",
        "是",
        "",
    ) + &compute(
        "91330302000000001K",
        "鹿城区",
        "HT-01",
        "600000",
        "2026-02-01",
    );
    std::fs::write(d.join("r.csv"), format!("{HEAD}{rows}")).unwrap();
    let code = "91330302000000001K";
    std::fs::write(
        d.join("prior.csv"),
        format!(
            "{PRIOR_HEAD}{code},6,,,140000\n{code},6,,,140000\n{code},1,2026,,200000\n{code},1,2026,,200000\n"
        ),
    )
    .unwrap();
    let (status, err) = batch(d, &["r.csv", "-o", "out.csv", "--prior", "prior.csv"]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(
        column(&d.join("out.csv"), "核定金额"),
        ["0.00", "100000.00"]
    );
}

/// The notice reads the output by the one reader: the rows of one applicant are one line however
/// its code (lower case) or district (温州市鹿城区) was spelt. 甲's HT-01 and HT-02 are 30% ×
/// 100,000 = 30,000 each: one line of 60,000 under clause 1 in 鹿城区 (before: two lines, one
/// under the district `温州市鹿城区`).
#[test]
fn the_notice_takes_an_applicant_s_rows_as_one_however_spelt() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows = compute(
        "91330302000000001K",
        "鹿城区",
        "HT-01",
        "100000",
        "2026-02-01",
    ) + &compute(
        "91330302000000001k",
        "温州市鹿城区",
        "HT-02",
        "100000",
        "2026-02-01",
    );
    std::fs::write(d.join("r.csv"), format!("{HEAD}{rows}")).unwrap();
    let (code, err) = batch(d, &["r.csv", "-o", "out.csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(column(&d.join("out.csv"), "核定金额"), ["30000.00"; 2]);
    calc()
        .current_dir(d)
        .args(["notice", "out.csv", "-o", "notice.csv"])
        .assert()
        .success();
    let text = std::fs::read_to_string(d.join("notice.csv")).unwrap();
    assert_eq!(
        text,
        "\u{feff}序号,单位名称,统一社会信用代码,所属区县,条款,名称,核定金额\n\
         1,温州甲智能科技有限公司,91330302000000001K,鹿城区,1,算力券,60000.00\n\
         ,合计,,,,,60000.00\n"
    );
}

/// A decided amount typed into 核定金额 of a 酌定 row is a decided award wherever the output is
/// read. Round 1: clause 4 without tiers is discretionary, ceiling 3,000,000 for 2025; the
/// department decides 1,000,000 and the clerk types it in. As round 2's prior, the year's
/// 1,000,000 is deducted: ceiling 3,000,000 − 1,000,000 = 2,000,000 (before: a 酌定 row was no
/// prior, ceiling 3,000,000). The notice lists it as a decided award of 1,000,000. Typed as
/// 3,500,000, above its ceiling: an input error naming the row (line 2).
#[test]
fn a_decided_discretionary_amount_is_a_decided_award() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("r.csv"),
        format!("{RND_HEAD}研发费用,{JIA},2025,8000000\n"),
    )
    .unwrap();
    let (code, err) = batch(d, &["r.csv", "-o", "out1.csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(column(&d.join("out1.csv"), "酌定上限"), ["3000000.00"]);
    let written = std::fs::read_to_string(d.join("out1.csv")).unwrap();
    // Undecided, the row is passed over unread: a mistyped credit code in it stops nothing, and
    // nothing is deducted (ceiling 3,000,000).
    let mangled = written.replacen("91330302000000001K", "91330302000000001X", 1);
    std::fs::write(d.join("undecided.csv"), mangled).unwrap();
    let (code, err) = batch(d, &["r.csv", "-o", "out0.csv", "--prior", "undecided.csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(column(&d.join("out0.csv"), "酌定上限"), ["3000000.00"]);
    let decide = |amount: &str| {
        let edited = written.replacen(",4,,3000000.00,", &format!(",4,{amount},3000000.00,"), 1);
        assert_ne!(edited, written);
        std::fs::write(d.join("decided.csv"), edited).unwrap();
    };
    decide("1000000");
    let (code, err) = batch(d, &["r.csv", "-o", "out2.csv", "--prior", "decided.csv"]);
    assert_eq!(code, 0, "{err}");
    let out2 = d.join("out2.csv");
    assert_eq!(column(&out2, "状态"), ["酌定"]);
    assert_eq!(column(&out2, "酌定上限"), ["2000000.00"]);
    calc()
        .current_dir(d)
        .args(["notice", "decided.csv", "-o", "notice.csv"])
        .assert()
        .success();
    let notice = std::fs::read_to_string(d.join("notice.csv")).unwrap();
    assert!(
        notice.contains("91330302000000001K,鹿城区,4,研发费用后补助,1000000.00\n")
            && notice.contains(",合计,,,,,1000000.00\n")
            && !notice.contains("酌定下限"),
        "{notice}"
    );
    decide("3500000");
    let (code, err) = batch(d, &["r.csv", "-o", "out3.csv", "--prior", "decided.csv"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("decided.csv:2:") && err.contains("outside its floor"),
        "{err}"
    );
}

/// SPEC rev. 3 §4: under clauses 6 to 11 a prior is deducted only from the group it identifies,
/// subjects compared without spaces. 张三 and 李四 are each 海内外高层次人才 (discretionary,
/// ceiling 2,000,000); 500,000 was paid for `张 三`: 张三's ceiling 2,000,000 − 500,000 =
/// 1,500,000, 李四's 2,000,000 whole; the clause 3,500,000 (before: `张 三` was another person,
/// nothing deducted, 4,000,000).
#[test]
fn a_prior_is_deducted_from_the_person_it_names_spaces_aside() {
    let talent = |id: &str, who: &str| {
        format!(
            "[[recognition]]\nid = \"{id}\"\ntitle = \"talent_high_level\"\nsubject = \"{who}\"\ndate = 2026-03-01\n\n"
        )
    };
    let f = facts_file(&format!(
        "{ENTERPRISE}\n{}{}[[prior]]\nclause = 10\nsubject = \"张 三\"\namount = 500000\n",
        talent("RC-1", "张三"),
        talent("RC-2", "李四")
    ));
    let o = calc()
        .args([
            f.path().to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let c = &j["clauses"][0];
    assert_eq!(c["ceiling"], "3500000.00", "{c}");
    assert_eq!(c["items"][0]["ceiling"], "1500000.00", "{c}");
    assert_eq!(c["items"][1]["ceiling"], "2000000.00", "{c}");
}

/// A prior under a clause paid per person that names no item of the facts and no person is an
/// input error asking which, even where the facts have one person (before: it was taken for the
/// one group's and 2,000,000 − 500,000 = 1,500,000 was the ceiling).
#[test]
fn a_prior_naming_no_group_is_an_input_error_even_with_one_group() {
    let f = facts_file(&format!(
        "{ENTERPRISE}\n[[recognition]]\nid = \"RC-1\"\ntitle = \"talent_high_level\"\nsubject = \"张三\"\ndate = 2026-03-01\n\n[[prior]]\nclause = 10\namount = 500000\n"
    ));
    let o = calc()
        .args([f.path().to_str().unwrap(), "--as-of", AS_OF])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`prior[1].subject`") && err.contains("say which one"),
        "{err}"
    );
}

/// A clause-8 prior names the title it paid (认定类别 in a prior table): the 中试平台's 500,000 is
/// deducted from this round's 中试平台 (500,000 − 500,000 = 0.00), not from the 概念验证中心
/// (2,000,000 paid whole). Before, the table's 认定类别 was not read and the prior, naming no
/// group of two, made the applicant's rows errors (exit 3).
#[test]
fn a_clause_8_prior_table_names_its_title() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows = recognition("RZ-41", "poc_center", "", "2026-03-01", "", "是")
        + &recognition("RZ-42", "pilot_platform", "", "2026-04-01", "是", "");
    std::fs::write(d.join("r.csv"), format!("{HEAD}{rows}")).unwrap();
    std::fs::write(
        d.join("prior.csv"),
        "统一社会信用代码,条款,认定类别,已获金额\n91330302000000001K,8,中试平台,500000\n",
    )
    .unwrap();
    let (code, err) = batch(d, &["r.csv", "-o", "out.csv", "--prior", "prior.csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        column(&d.join("out.csv"), "核定金额"),
        ["2000000.00", "0.00"]
    );
}

const LOAN_HEAD: &str = "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合人工智能产业集聚发展导向,编号,符合贴息条件,贷款本金,放款日,贴息期起,贴息期止,实付利息\n";

/// SPEC rev. 3 §4: a claim on a loan pays only the days no earlier award covered. Round 1 claims
/// DK-1 (10,000,000, disbursed 2025-06-01) for 2025-06-01 .. 2025-12-31: 214 days, 10,000,000 ×
/// 1.5% × 214 / 360 = 150,000 × 214 / 360 = 89,166.666… → 89,166.67. Round 2 claims 2025-06-01 ..
/// 2026-05-31, 365 days, with round 1's output as prior: its 214 days are left out, 151 remain
/// (Jan 31 + Feb 28 + Mar 31 + Apr 30 + May 31): 150,000 × 151 / 360 = 62,916.666… → 62,916.67
/// (before: the loan, paid once, was never paid again: 0.00).
#[test]
fn a_loan_claim_pays_only_the_days_no_prior_covered() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let loan =
        |end: &str| format!("贷款,{JIA},DK-1,是,10000000,2025-06-01,2025-06-01,{end},300000\n");
    std::fs::write(
        d.join("r1.csv"),
        format!("{LOAN_HEAD}{}", loan("2025-12-31")),
    )
    .unwrap();
    let (code, err) = batch(d, &["r1.csv", "-o", "out1.csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(column(&d.join("out1.csv"), "核定金额"), ["89166.67"]);
    std::fs::write(
        d.join("r2.csv"),
        format!("{LOAN_HEAD}{}", loan("2026-05-31")),
    )
    .unwrap();
    let (code, err) = batch(d, &["r2.csv", "-o", "out2.csv", "--prior", "out1.csv"]);
    assert_eq!(code, 0, "{err}");
    let out2 = d.join("out2.csv");
    assert_eq!(column(&out2, "核定金额"), ["62916.67"]);
    assert!(
        column(&out2, "说明")[0].contains("214 天已由往期贴息"),
        "{:?}",
        column(&out2, "说明")
    );
    // A clause-12 prior that names no period is an input error naming its file and line (before:
    // taken as the whole loan paid).
    std::fs::write(
        d.join("prior.csv"),
        format!("{PRIOR_HEAD}91330302000000001K,12,,DK-1,89166.67\n"),
    )
    .unwrap();
    let (code, err) = batch(d, &["r2.csv", "-o", "out3.csv", "--prior", "prior.csv"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("prior.csv:2:") && err.contains("the prior award needs the period it paid"),
        "{err}"
    );
}

/// A prior table's first bad row is the one named, whether a cell of it cannot be read or its
/// award is incomplete: line 3 (a clause-1 award without its year) before line 4 (an amount
/// that is no amount).
#[test]
fn a_prior_table_s_first_bad_row_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let row = compute(
        "91330302000000001K",
        "鹿城区",
        "HT-01",
        "100000",
        "2026-02-01",
    );
    std::fs::write(d.join("r.csv"), format!("{HEAD}{row}")).unwrap();
    let code = "91330302000000001K";
    std::fs::write(
        d.join("prior.csv"),
        format!(
            "{PRIOR_HEAD}{code},1,2026,HT-0,1000\n{code},1,,HT-9,1000\n{code},1,2026,HT-8,abc\n"
        ),
    )
    .unwrap();
    let (status, err) = batch(d, &["r.csv", "-o", "out.csv", "--prior", "prior.csv"]);
    assert_eq!(status, 2, "{err}");
    assert!(
        err.contains("prior.csv:3: ") && err.contains("needs its year"),
        "{err}"
    );
}

/// A clause an overlay scoped to a district adds is a clause like any other in a prior read back
/// (SPEC §2): the round's output is read under each applicant's own rules. With a 5% top-up on
/// compute contracts added for 鹿城区 as clause 13, round 1 pays 甲's HT-01 (100,000) 30% = 30,000
/// under clause 1 and, on its continuation row, 5% = 5,000 under clause 13. Round 2 with round 1
/// as prior: HT-01 is paid under both, 0.00 and 0.00; HT-02 (100,000) 30,000 and 5,000 (before:
/// round 1's clause-13 row was refused, "no clause 13 in the rules", exit 2). The notice names
/// clause 13 by its title.
#[test]
fn a_clause_added_by_a_scoped_overlay_is_read_back_under_the_applicant_s_rules() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("extra.toml"),
        "name = \"鹿城区算力补充 (示例)\"\n\n[scope]\ndistricts = [\"鹿城区\"]\n\n\
         [[add_clause]]\nclause = 13\nkey = \"compute_top_up\"\ntitle = \"算力补充 (示例)\"\n\
         title_en = \"compute top-up (example)\"\nsection = \"compute\"\ndate_field = \"date\"\n\
         applicants = [\"enterprise\"]\nresponsible_units = [\"区经信局\"]\ntext = \"示例条款。\"\n\n\
         [add_clause.award]\nkind = \"rate\"\nbase = \"amount\"\nrates = [{ rate = \"5%\" }]\n\n\
         [add_clause.cap]\nscope = \"unit_year\"\namount = \"500000\"\n\n\
         [add_clause.combine]\nmode = \"sum\"\n",
    )
    .unwrap();
    let ht = |id: &str| compute("91330302000000001K", "鹿城区", id, "100000", "2026-02-01");
    std::fs::write(d.join("r1.csv"), format!("{HEAD}{}", ht("HT-01"))).unwrap();
    let (code, err) = batch(d, &["r1.csv", "-o", "out1.csv", "--overlay", "extra.toml"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(column(&d.join("out1.csv"), "条款"), ["1", "13"]);
    assert_eq!(
        column(&d.join("out1.csv"), "核定金额"),
        ["30000.00", "5000.00"]
    );
    std::fs::write(
        d.join("r2.csv"),
        format!("{HEAD}{}{}", ht("HT-01"), ht("HT-02")),
    )
    .unwrap();
    let args = ["r2.csv", "-o", "out2.csv", "--overlay", "extra.toml"];
    let (code, err) = batch(d, &[&args[..], &["--prior", "out1.csv"]].concat());
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        column(&d.join("out2.csv"), "核定金额"),
        ["0.00", "0.00", "30000.00", "5000.00"]
    );
    calc()
        .current_dir(d)
        .args([
            "notice",
            "out1.csv",
            "-o",
            "notice.csv",
            "--overlay",
            "extra.toml",
        ])
        .assert()
        .success();
    let notice = std::fs::read_to_string(d.join("notice.csv")).unwrap();
    assert!(
        notice.contains(",鹿城区,13,算力补充 (示例),5000.00\n"),
        "{notice}"
    );
}

/// The single file's `--prior` goes through the same gathering as its own `[[prior]]`: the same
/// award in both counts once, two amounts for it are an input error naming both. HT-000's
/// 100,000 in 2026, counted once, leaves 500,000 − 100,000 = 400,000 of the 2026 cap. HT-1: 30% ×
/// 1,000,000 = 300,000, room 400,000: 300,000. HT-2: 30% × 300,000 = 90,000, room 400,000 −
/// 300,000 = 100,000: 90,000. (Counted twice: room 300,000, HT-1 300,000, HT-2 0.00.)
#[test]
fn the_single_file_s_priors_and_its_prior_files_are_gathered_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let contract = |id: &str, amount: &str| {
        format!(
            "[[compute]]\nid = \"{id}\"\nautonomous = true\namount = {amount}\ndate = 2026-02-01\n\n"
        )
    };
    let f = facts_file(&format!(
        "{ENTERPRISE}\n{}{}[[prior]]\nclause = 1\nyear = 2026\nitem = \"HT-000\"\namount = 100000\n",
        contract("HT-1", "1000000"),
        contract("HT-2", "300000"),
    ));
    let facts = f.path().to_str().unwrap();
    let prior = |amount: &str| {
        std::fs::write(
            d.join("p.csv"),
            format!("{PRIOR_HEAD}91330302MA2H00001Y,1,2026,ht-000,{amount}\n"),
        )
        .unwrap();
        d.join("p.csv").to_str().unwrap().to_string()
    };
    let p = prior("100000");
    let o = calc()
        .args([facts, "--prior", &p, "--as-of", AS_OF, "--format", "json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let items = &j["clauses"][0]["items"];
    assert_eq!(items[0]["amount"], "300000.00", "{j}");
    assert_eq!(items[1]["amount"], "90000.00", "{j}");
    let p = prior("120000");
    let o = calc()
        .args([facts, "--prior", &p, "--as-of", AS_OF])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("p.csv:2:")
            && err.contains("prior[1]")
            && err.contains("100,000.00")
            && err.contains("120,000.00"),
        "{err}"
    );
}
