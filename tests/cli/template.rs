//! `calc template --xlsx` and `--csv`: the finance clerk's workbook read back (headers, frozen
//! pane, dropdowns, notes, formats), filled in as a clerk would and run as a round, also after a
//! round trip through LibreOffice (skipped with a note where `soffice` is missing).

use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::common::calc;

/// Writes the template into `dir` and returns its path.
fn template(dir: &Path) -> PathBuf {
    let path = dir.join("申报表.xlsx");
    calc()
        .args(["template", "--xlsx", "-o"])
        .arg(&path)
        .assert()
        .success();
    path
}

/// The cells of a sheet, row by row.
fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook(path).expect("the workbook opens");
    let range = book.worksheet_range(name).expect("the sheet is there");
    range.rows().map(|r| r.to_vec()).collect()
}

fn text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// One part of the workbook's zip, as text.
fn part(path: &Path, name: &str) -> String {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).expect("an xlsx is a zip");
    let mut s = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the workbook"))
        .read_to_string(&mut s)
        .unwrap();
    s
}

fn csv_headers() -> Vec<String> {
    let out = calc().args(["template", "--csv"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("the CSV starts with a BOM");
    text.trim_end().split(',').map(str::to_string).collect()
}

#[test]
fn the_workbook_has_frozen_headers_dropdowns_notes_and_formats() {
    let dir = tempfile::tempdir().unwrap();
    let path = template(dir.path());
    let book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), ["申报表", "填表说明", "选项"]);
    let rows = sheet(&path, "申报表");
    assert_eq!(rows.len(), 1, "the sheet to fill holds its header row only");
    let headers: Vec<String> = rows[0].iter().map(text).collect();
    assert_eq!(headers, csv_headers(), "the CSV has the workbook's columns");
    assert_eq!(headers[0], "类型");
    let col = |h: &str| {
        let i = headers
            .iter()
            .position(|x| x == h)
            .unwrap_or_else(|| panic!("{h}"));
        rust_xlsxwriter::column_number_to_name(i as u16)
    };

    let xml = part(&path, "xl/worksheets/sheet1.xml");
    assert!(
        xml.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        ),
        "{xml}"
    );
    // A dropdown on the type, every enum, every yes/no and the district column: the type, 主体类型,
    // 所属区县, the items' 3 enums (使用方式, 牵头单位类型, 认定类别) and 11 yes/no facts (the 3
    // applicant gates; 自主, 垂类, 上架, 入选, 立项, 首次, 备案, 贴息条件): 1 + 2 + 3 + 11 = 17.
    let lists = xml.matches(r#"<dataValidation type="list""#).count();
    assert_eq!(lists, 17, "{xml}");
    for h in [
        "类型",
        "主体类型",
        "所属区县",
        "使用方式",
        "牵头单位类型",
        "认定类别",
        "自主智能算力",
    ] {
        let c = col(h);
        assert!(
            xml.contains(&format!(r#"sqref="{c}2:{c}1048576"><formula1>选项!${c}$2"#)),
            "{h}"
        );
    }
    // The lists themselves, on the hidden sheet: the sections' labels, the divisions, 是/否.
    let lists = sheet(&path, "选项");
    let list = |h: &str| -> Vec<String> {
        let i = headers.iter().position(|x| x == h).unwrap();
        lists
            .iter()
            .skip(1)
            .map(|r| text(&r[i]))
            .filter(|t| !t.is_empty())
            .collect()
    };
    assert_eq!(
        list("类型"),
        [
            "算力服务合同",
            "模型服务合同",
            "高质量数据集",
            "研发费用",
            "市级重大科技攻关项目",
            "资格认定",
            "贷款"
        ]
    );
    assert_eq!(list("所属区县").len(), 12);
    assert_eq!(list("所属区县")[0], "鹿城区");
    assert_eq!(list("依法纳税"), ["是", "否"]);
    assert_eq!(list("认定类别").len(), 16);
    assert!(
        part(&path, "xl/workbook.xml").contains(r#"<sheet name="选项" sheetId="3" state="hidden""#)
    );

    // A note on every header, saying which row types need the column.
    let notes = part(&path, "xl/comments1.xml");
    assert_eq!(notes.matches("<comment ").count(), headers.len());
    assert!(
        notes.contains("市级重大科技攻关项目：项目经费总投入，必填"),
        "{notes}"
    );
    assert!(notes.contains("高质量数据集：实际投入，必填"), "{notes}");
    assert!(notes.contains("资格认定：认定日期，必填"), "{notes}");
    assert!(notes.contains("高质量数据集：评选得分，选填"), "{notes}");
    assert!(
        notes.contains("贷款：符合贴息条件，选填，未填视为“否”"),
        "{notes}"
    );
    assert!(
        notes.contains("企业、合伙企业须为“是”"),
        "the gates: {notes}"
    );
    // A fact that chooses a rate is required, as the engine requires it (was "选填，未填视为否").
    assert!(
        notes.contains("算力服务合同：自主智能算力，必填（决定适用的比例"),
        "{notes}"
    );
    assert!(!notes.contains("自主智能算力，选填"), "{notes}");

    // Money and dates formatted by column; the ids and codes kept as text.
    let styles = part(&path, "xl/styles.xml");
    assert!(styles.contains(r##"formatCode="#,##0.00""##), "{styles}");
    assert!(styles.contains(r#"formatCode="yyyy-mm-dd""#), "{styles}");
}

#[test]
fn every_csv_header_is_a_fact_or_the_type() {
    let rules = calc::rules::RuleSet::embedded().unwrap();
    let headers = csv_headers();
    assert_eq!(headers[0], "类型");
    for h in &headers[1..] {
        let known = rules
            .vocabulary
            .sections
            .iter()
            .flat_map(|s| &s.fields)
            .any(|f| calc::round::columns::accepts(f, h));
        assert!(known, "{h}");
    }
    assert!(headers.iter().any(|h| h == "项目经费总投入"), "{headers:?}");
}

/// A workbook as a clerk fills it: the template's headers, then the 填表说明 examples typed in
/// (text as text, amounts and years as numbers, dates as real date cells).
fn filled(template: &Path, to: &Path) {
    let headers = sheet(template, "申报表").remove(0);
    let examples = sheet(template, "填表说明");
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("申报表").unwrap();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, text(h)).unwrap();
    }
    for (r, row) in (1..).zip(examples.iter().skip(1)) {
        if row.iter().skip(1).all(|d| matches!(d, Data::Empty)) {
            break; // the instructions below the examples
        }
        for (c, d) in row.iter().enumerate() {
            let c = c as u16;
            match d {
                Data::Empty => {}
                Data::String(s) => {
                    ws.write_string(r, c, s).unwrap();
                }
                Data::Float(f) => {
                    ws.write_number(r, c, *f).unwrap();
                }
                Data::Int(i) => {
                    ws.write_number(r, c, *i as f64).unwrap();
                }
                Data::DateTime(dt) => {
                    let day = dt.as_datetime().unwrap().date();
                    let day = ExcelDateTime::parse_from_str(&day.to_string()).unwrap();
                    ws.write_datetime_with_format(r, c, &day, &date).unwrap();
                }
                other => panic!("unexpected example cell {other:?}"),
            }
        }
    }
    book.save(to).unwrap();
}

/// Runs a round on `input` and returns the output's rows by their header.
fn round(input: &Path, dir: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let out = dir.join(format!(
        "{}.out.csv",
        input.file_stem().unwrap().to_string_lossy()
    ));
    let run = calc()
        .args(["batch", "--as-of", "2026-06-30", "-o"])
        .arg(&out)
        .arg(input)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut rd = csv::Reader::from_path(&out).unwrap();
    let headers: Vec<String> = rd
        .headers()
        .unwrap()
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    rd.records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// The awards of the example rows, worked by hand (as of 2026-06-30; 鹿城区 enterprise with every
/// gate confirmed):
/// - 算力 HT-001, autonomous: 1,200,000 × 30% = 360,000 (under the 500,000 a year cap);
/// - 模型 MX-001, vertical: 300,000 × 30% = 90,000;
/// - 数据集 DS-001, listed and selected (one in its district, within the 5): 800,000 × 30% = 240,000;
/// - 研发 2025: no tiers in the city rules, so discretionary up to 3,000,000, no figure;
/// - 项目 XM-001, enterprise-led and approved: 12,000,000 × 20% = 2,400,000, capped at 2,000,000;
/// - 认定 RZ-001, a first 小巨人: clause 9's 1,000,000;
/// - 贷款 DK-001: 10,000,000 × 1.5% × 365 days (2025-06-01 to 2026-05-31, the claim period's
///   last day counted, SPEC rev. 2) / 360 = 152,083.333… → 152,083.33, under the 300,000 paid.
fn check_awards(rows: &[std::collections::HashMap<String, String>]) {
    let expect = [
        ("HT-001", "1", "360000.00", "核定"),
        ("MX-001", "2", "90000.00", "核定"),
        ("DS-001", "3", "240000.00", "核定"),
        ("2025", "4", "", "酌定"),
        ("XM-001", "5", "2000000.00", "核定"),
        ("RZ-001", "9", "1000000.00", "核定"),
        ("DK-001", "12", "152083.33", "核定"),
    ];
    for (id, clause, award, status) in expect {
        let row = rows
            .iter()
            .find(|r| (r["编号"] == id || r["费用年度"] == id) && r["条款"] == clause)
            .unwrap_or_else(|| panic!("{id} under clause {clause}: {rows:#?}"));
        assert_eq!(row["核定金额"], award, "{id}: {row:#?}");
        assert_eq!(row["状态"], status, "{id}: {row:#?}");
    }
    assert!(rows.iter().all(|r| r["状态"] != "错误"), "{rows:#?}");
}

#[test]
fn the_filled_template_is_a_round_with_hand_worked_awards() {
    let dir = tempfile::tempdir().unwrap();
    let t = template(dir.path());
    let input = dir.path().join("round.xlsx");
    filled(&t, &input);
    let rows = round(&input, dir.path());
    check_awards(&rows);
}

/// The template and a filled round saved again by LibreOffice, as a clerk's spreadsheet program
/// would: both still read, the dropdowns kept, the same awards.
#[test]
fn the_workbook_survives_a_libreoffice_round_trip() {
    if std::process::Command::new("soffice")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("note: soffice is not installed; the LibreOffice round trip is skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = template(dir.path());
    let input = dir.path().join("round.xlsx");
    filled(&t, &input);
    let saved = dir.path().join("saved");
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.path().join("lo").display()
    );
    let run = std::process::Command::new("soffice")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
        ])
        .arg(&saved)
        .arg(&t)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let t2 = saved.join("申报表.xlsx");
    assert_eq!(sheet(&t2, "申报表")[0], sheet(&t, "申报表")[0]);
    let xml = part(&t2, "xl/worksheets/sheet1.xml");
    assert!(
        xml.contains("<dataValidation "),
        "the dropdowns survive: {xml}"
    );
    assert!(
        round(&t2, dir.path()).is_empty(),
        "the blank template is an empty round"
    );
    check_awards(&round(&saved.join("round.xlsx"), dir.path()));
}

/// The TOML block of docs/rules.md that follows `<!-- rules-guide: NAME -->`.
fn guide_block(name: &str) -> String {
    let guide = std::fs::read_to_string(crate::common::root().join("docs/rules.md")).unwrap();
    let marker = format!("<!-- rules-guide: {name} -->\n```toml\n");
    let at = guide.find(&marker).unwrap() + marker.len();
    let end = at + guide[at..].find("```\n").unwrap();
    guide[at..end].to_string()
}

/// The 13th clause of docs/rules.md, with its new section, appears in the template without code:
/// a row type in the dropdown, its facts among the headers and notes, and a row under the CSV
/// header is a round. Worked by hand: 1,000,000 × 10% = 100,000.00, under the 500,000 a year.
#[test]
fn a_13th_clause_and_its_section_appear_in_the_template() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    let src = crate::common::root().join("rules");
    std::fs::create_dir_all(rules.join("clauses")).unwrap();
    std::fs::copy(src.join("policy.toml"), rules.join("policy.toml")).unwrap();
    for e in std::fs::read_dir(src.join("clauses")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, rules.join("clauses").join(p.file_name().unwrap())).unwrap();
    }
    let vocabulary = std::fs::read_to_string(src.join("vocabulary.toml")).unwrap();
    std::fs::write(
        rules.join("vocabulary.toml"),
        format!("{vocabulary}\n{}", guide_block("vocabulary.toml (append)")),
    )
    .unwrap();
    std::fs::write(
        rules.join("clauses/13-scenario.toml"),
        guide_block("clauses/13-scenario.toml"),
    )
    .unwrap();

    let path = dir.path().join("申报表.xlsx");
    calc()
        .arg("--rules")
        .arg(&rules)
        .args(["template", "--xlsx", "-o"])
        .arg(&path)
        .assert()
        .success();
    let headers: Vec<String> = sheet(&path, "申报表")[0].iter().map(text).collect();
    assert!(headers.iter().any(|h| h == "项目投入"), "{headers:?}");
    assert!(headers.iter().any(|h| h == "通过验收"), "{headers:?}");
    let types: Vec<String> = sheet(&path, "选项")
        .iter()
        .skip(1)
        .map(|r| text(&r[0]))
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(
        types.last().map(String::as_str),
        Some("应用场景示范项目"),
        "{types:?}"
    );
    let notes = part(&path, "xl/comments1.xml");
    assert!(
        notes.contains("应用场景示范项目：验收日期，必填"),
        "{notes}"
    );

    let out = calc()
        .arg("--rules")
        .arg(&rules)
        .args(["template", "--csv"])
        .output()
        .unwrap();
    let header = String::from_utf8(out.stdout).unwrap();
    let value = |h: &str| match h {
        "类型" => "应用场景示范项目",
        "单位名称" => "甲",
        "统一社会信用代码" => "91330302MA2H00001Y",
        "主体类型" => "企业",
        "所属区县" => "鹿城区",
        "依法登记在册" | "依法纳税" | "符合人工智能产业集聚发展导向" | "通过验收" => {
            "是"
        }
        "编号" => "SC-1",
        "项目投入" => "1000000",
        "日期" => "2026-03-01",
        _ => "",
    };
    let row: Vec<&str> = header
        .trim_start_matches('\u{feff}')
        .trim_end()
        .split(',')
        .map(value)
        .collect();
    let input = dir.path().join("round.csv");
    std::fs::write(&input, format!("{header}{}\n", row.join(","))).unwrap();
    let rows = {
        let run = calc()
            .arg("--rules")
            .arg(&rules)
            .args(["batch", "--as-of", "2026-06-30", "-o"])
            .arg(dir.path().join("out.csv"))
            .arg(&input)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        std::fs::read_to_string(dir.path().join("out.csv")).unwrap()
    };
    assert!(rows.contains(",13,100000.00,,,核定,"), "{rows}");
}

#[test]
fn the_round_workbook_prints_on_a4_with_page_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = template(dir.path());
    let sheet = part(&path, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<pageSetup paperSize=\"9\""), "{sheet}");
    assert!(
        sheet.contains("<oddFooter>&amp;C第 &amp;P 页 共 &amp;N 页</oddFooter>"),
        "{sheet}"
    );
    assert!(part(&path, "xl/workbook.xml").contains("_xlnm.Print_Titles"));
}
