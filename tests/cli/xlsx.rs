//! `calc batch` with XLSX output and summary (SPEC §6, §7): cells keep the types they came in
//! with, the sheet keeps its name, the header is frozen under an autofilter, error rows are
//! filled, amounts are numbers; the summary workbook has its sheets and a chart, and its totals
//! equal the rows. Every expected award is worked out by hand from the policy beside it.
//!
//! The added columns are found by either language's name, as another change renames them.

use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{Data, DataType, Reader};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::common::calc;

const AS_OF: &str = "2026-06-30";
const HEAD: [&str; 19] = [
    "序号",
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
    "垂类应用",
    "使用方式",
    "认定类别",
    "首次认定",
    "备注",
    "填报日期",
];
const JIA: [&str; 2] = ["温州甲智能科技有限公司", "91330302000000001K"];
const YI: [&str; 2] = ["温州乙数据有限公司", "91330302000000002N"];
const BING: [&str; 2] = ["温州智能装备有限公司", "91330302MA2H00001Y"];
/// A credit code whose check digit is wrong (GB 32100 gives R): the row is an error.
const BAD: [&str; 2] = ["温州丙有限公司", "91330302000000003X"];

/// A cell of the input workbook, typed as a clerk's Excel holds it.
enum In {
    Text(&'static str),
    Number(f64),
    Date(u16, u8, u8),
    /// A date and a time of day (hours, minutes).
    DateTime(u16, u8, u8, u16, u8),
    Bool(bool),
}

/// One input row: (column header, cell); the applicant columns are filled in from `who`.
fn row(who: [&'static str; 2], district: &'static str, cells: Vec<(&str, In)>) -> Vec<(usize, In)> {
    let col = |h: &str| HEAD.iter().position(|x| *x == h).unwrap();
    let mut out = vec![
        (col("单位名称"), In::Text(who[0])),
        (col("统一社会信用代码"), In::Text(who[1])),
        (col("主体类型"), In::Text("企业")),
        (col("所属区县"), In::Text(district)),
        (col("依法登记在册"), In::Text("是")),
        (col("依法纳税"), In::Text("是")),
        (col("符合产业导向"), In::Text("是")),
    ];
    out.extend(cells.into_iter().map(|(h, v)| (col(h), v)));
    out
}

/// The round: in 鹿城区 two compute vouchers of 甲 (ids '007' and HT-02) and 丙's two talent
/// recognitions; in 龙湾区 乙's model voucher; and a row with a bad credit code.
fn round() -> Vec<Vec<(usize, In)>> {
    use In::*;
    vec![
        row(
            JIA,
            "鹿城区",
            vec![
                ("序号", Number(1.0)),
                ("类型", Text("算力券")),
                ("编号", Text("007")),
                ("自主算力", Text("是")),
                ("金额", Number(1_200_000.5)),
                ("日期", Date(2026, 2, 1)),
                ("备注", Bool(true)),
                ("填报日期", DateTime(2026, 5, 20, 14, 30)),
            ],
        ),
        row(
            JIA,
            "鹿城区",
            vec![
                ("序号", Number(2.0)),
                ("类型", Text("算力券")),
                ("编号", Text("HT-02")),
                ("自主算力", Text("否")),
                ("金额", Number(800_000.0)),
                ("日期", Date(2026, 3, 1)),
            ],
        ),
        row(
            YI,
            "龙湾区",
            vec![
                ("类型", Text("模型券")),
                ("编号", Text("MX-01")),
                ("金额", Number(300_000.0)),
                ("日期", Date(2026, 1, 10)),
                ("垂类应用", Text("是")),
                ("使用方式", Text("API调用")),
            ],
        ),
        row(
            BING,
            "鹿城区",
            vec![
                ("类型", Text("资格认定")),
                ("编号", Text("RC-021")),
                ("日期", Date(2026, 3, 1)),
                ("认定类别", Text("创业人才")),
            ],
        ),
        row(
            BING,
            "鹿城区",
            vec![
                ("类型", Text("资格认定")),
                ("编号", Text("RC-022")),
                ("日期", Date(2025, 10, 10)),
                ("认定类别", Text("省领军型创业团队")),
            ],
        ),
        row(
            BAD,
            "瑞安市",
            vec![
                ("类型", Text("算力券")),
                ("编号", Text("HT-09")),
                ("自主算力", Text("是")),
                ("金额", Number(100_000.0)),
                ("日期", Date(2026, 2, 1)),
            ],
        ),
    ]
}

/// The round as a workbook whose sheet is named `sheet`.
fn workbook(path: &Path, sheet: &str) {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).unwrap();
    for (c, h) in HEAD.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    for (r, cells) in round().into_iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in cells {
            let c = c as u16;
            match cell {
                In::Text(t) => ws.write_string(r, c, t),
                In::Number(x) => ws.write_number(r, c, x),
                In::Date(y, m, d) => {
                    let date = ExcelDateTime::from_ymd(y, m, d).unwrap();
                    ws.write_datetime_with_format(r, c, &date, &date_format)
                }
                In::DateTime(y, m, d, h, mi) => {
                    let at = ExcelDateTime::from_ymd(y, m, d).unwrap();
                    let at = at.and_hms(h, mi, 0).unwrap();
                    let f = Format::new().set_num_format("yyyy-mm-dd hh:mm");
                    ws.write_datetime_with_format(r, c, &at, &f)
                }
                In::Bool(b) => ws.write_boolean(r, c, b),
            }
            .unwrap();
        }
    }
    book.save(path).unwrap();
}

/// Runs `calc batch input -o out [more]` in the input's folder; the exit code.
fn batch(input: &Path, out: &Path, more: &[&str]) -> i32 {
    let o = calc()
        .arg("batch")
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(["--as-of", AS_OF])
        .args(more)
        .output()
        .unwrap();
    o.status.code().unwrap_or(-1)
}

/// A sheet's rows as calamine reads them.
fn rows(path: &Path, sheet: &str) -> Vec<Vec<Data>> {
    let mut book = calamine::open_workbook_auto(path).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

fn sheet_names(path: &Path) -> Vec<String> {
    calamine::open_workbook_auto(path).unwrap().sheet_names()
}

/// A part of the workbook's zip, as text.
fn part(path: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    (zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the workbook")))
    .read_to_string(&mut s)
    .unwrap();
    s
}

/// The column of the header named by any of `names`.
fn col(rows: &[Vec<Data>], names: &[&str]) -> usize {
    (rows[0].iter())
        .position(|h| names.contains(&h.to_string().as_str()))
        .unwrap_or_else(|| panic!("no column {names:?} in {:?}", rows[0]))
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("round.xlsx");
    workbook(&input, "第一批");
    (dir, input)
}

#[test]
fn an_xlsx_output_keeps_each_cell_s_type_and_the_sheet_s_name() {
    let (dir, input) = setup();
    let out = dir.path().join("out.xlsx");
    assert_eq!(batch(&input, &out, &[]), 3, "a row has errors");
    assert_eq!(sheet_names(&out), ["第一批"]);
    let rows = rows(&out, "第一批");
    assert_eq!(rows.len(), 7, "the header and the six rows");
    let at = |h: &str| HEAD.iter().position(|x| *x == h).unwrap();
    let jia = &rows[1];
    assert_eq!(jia[at("序号")], Data::Float(1.0));
    assert_eq!(
        jia[at("编号")],
        Data::String("007".into()),
        "a text id stays text"
    );
    assert_eq!(jia[at("金额")], Data::Float(1_200_000.5));
    assert_eq!(jia[at("备注")], Data::Bool(true));
    let date = |d: &Data| match d {
        Data::DateTime(t) => t.as_datetime().map(|t| t.date().to_string()),
        _ => None,
    };
    assert_eq!(date(&jia[at("日期")]).as_deref(), Some("2026-02-01"));
    assert_eq!(date(&rows[4][at("日期")]).as_deref(), Some("2026-03-01"));
    let at_time = match &jia[at("填报日期")] {
        Data::DateTime(t) => t.as_datetime().map(|t| t.to_string()),
        _ => None,
    };
    assert_eq!(at_time.as_deref(), Some("2026-05-20 14:30:00"));
    let (clause, award) = (
        col(&rows, &["条款", "clause"]),
        col(&rows, &["核定金额", "award"]),
    );
    assert_eq!(jia[clause], Data::Float(1.0));
    // Clause 1: 1,200,000.50 × 30% (自主算力) = 360,000.15; 800,000 × 10% = 80,000.00; the
    // unit's year is 440,000.15, under its 500,000 cap.
    assert_eq!(jia[award], Data::Float(360_000.15));
    assert_eq!(rows[2][award], Data::Float(80_000.0));
    // Clause 2: 300,000 × 30% = 90,000.
    assert_eq!(rows[3][award], Data::Float(90_000.0));
    let status = col(&rows, &["状态", "status"]);
    assert!(matches!(&rows[6][status], Data::String(s) if s == "错误" || s == "error"));

    let xml = part(&out, "xl/worksheets/sheet1.xml");
    assert!(
        xml.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        )
    );
    let last = rust_xlsxwriter::column_number_to_name(rows[0].len() as u16 - 1);
    assert!(
        xml.contains(&format!(r#"<autoFilter ref="A1:{last}7"/>"#)),
        "{xml}"
    );
    // 单位名称 (column C) holds 11 CJK characters: 22 wide at least.
    let width_c = xml
        .split("<col ")
        .find(|c| c.starts_with(r#"min="3" max="3""#) || c.starts_with(r#"min="3" "#))
        .and_then(|c| c.split("width=\"").nth(1))
        .and_then(|w| w.split('"').next())
        .and_then(|w| w.parse::<f64>().ok())
        .expect("column C has a width");
    assert!(width_c >= 22.0, "{width_c}");
    // The award is formatted #,##0.00, and the error row is filled.
    let styles = part(&out, "xl/styles.xml");
    let style = |cell: &str| style_of(&xml, &styles, cell);
    let award_cell = format!("{}2", rust_xlsxwriter::column_number_to_name(award as u16));
    let money = (styles.split("<numFmt ").skip(1))
        .find(|f| f.contains(r##"formatCode="#,##0.00""##))
        .and_then(|f| f.split('"').nth(1))
        .expect("a #,##0.00 number format");
    let uses = format!(r#"numFmtId="{money}""#);
    assert!(style(&award_cell).contains(&uses), "{}", style(&award_cell));
    // A fill's colour, by the cell.
    let fill = |cell: &str| {
        let xf = style(cell);
        let id: usize = (xf.split("fillId=\"").nth(1))
            .and_then(|f| f.split('"').next())
            .map_or(0, |f| f.parse().unwrap());
        let fills = styles.split("<fills").nth(1).unwrap();
        fills.split("<fill>").nth(id + 1).unwrap().to_string()
    };
    assert!(!fill("C2").contains("FFC7CE"), "{}", fill("C2"));
    assert!(
        fill("C7").contains("FFC7CE"),
        "the error row is a light red: {}",
        fill("C7")
    );
}

/// The `<xf>` of a cell's style (the default when it has none).
fn style_of(sheet: &str, styles: &str, cell: &str) -> String {
    let c = sheet
        .split("<c ")
        .find(|c| c.starts_with(&format!("r=\"{cell}\"")))
        .unwrap_or_else(|| panic!("cell {cell}"));
    let s: usize = (c.split(" s=\"").nth(1))
        .filter(|_| c.split('>').next().unwrap().contains(" s=\""))
        .and_then(|s| s.split('"').next())
        .map_or(0, |s| s.parse().unwrap());
    let xfs = styles.split("<cellXfs").nth(1).unwrap();
    xfs.split("<xf ").nth(s + 1).unwrap().to_string()
}

#[test]
fn a_csv_round_gives_a_sheet_named_after_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("2026年第一批.csv");
    let text = format!(
        "{}\n1,算力券,{},{},企业,鹿城区,是,是,是,007,是,1200000.5,2026-02-01,,,,,\n",
        HEAD.join(","),
        JIA[0],
        JIA[1]
    );
    std::fs::write(&input, text).unwrap();
    let out = dir.path().join("out.xlsx");
    assert_eq!(batch(&input, &out, &[]), 0);
    assert_eq!(sheet_names(&out), ["2026年第一批"]);
    let rows = rows(&out, "2026年第一批");
    let at = |h: &str| HEAD.iter().position(|x| *x == h).unwrap();
    // A CSV's cells are text, its money columns numbers.
    assert_eq!(rows[1][at("编号")], Data::String("007".into()));
    assert_eq!(rows[1][at("日期")], Data::String("2026-02-01".into()));
    assert_eq!(rows[1][at("金额")], Data::Float(1_200_000.5));
}

#[test]
fn the_xlsx_summary_has_its_sheets_a_chart_and_the_rows_totals() {
    let (dir, input) = setup();
    let out = dir.path().join("out.xlsx");
    let summary = dir.path().join("summary.xlsx");
    let more = ["--summary", summary.to_str().unwrap()];
    assert_eq!(batch(&input, &out, &more), 3);
    assert_eq!(sheet_names(&summary), ["汇总", "资金来源", "图表"]);
    part(&summary, "xl/charts/chart1.xml");
    assert!(part(&summary, "xl/drawings/drawing1.xml").contains("chart"));

    // The rows' awards by (district, clause), from the output.
    let o = rows(&out, "第一批");
    let (d, c, a) = (
        HEAD.iter().position(|x| *x == "所属区县").unwrap(),
        col(&o, &["条款", "clause"]),
        col(&o, &["核定金额", "award"]),
    );
    let mut by: std::collections::BTreeMap<(String, u32), f64> = Default::default();
    for r in &o[1..] {
        if let (Data::Float(clause), Data::Float(award)) = (&r[c], &r[a]) {
            *by.entry((r[d].to_string(), *clause as u32)).or_default() += award;
        }
    }
    let s = rows(&summary, "汇总");
    // The heading's lines above the table, then the table.
    let at = (s.iter().position(|r| r[0] == "区县")).expect("the header");
    let heading: Vec<String> = s[..at].iter().map(|r| r[0].to_string()).collect();
    let s = &s[at..];
    assert!(heading[0].contains("奖补资金汇总"), "{heading:?}");
    assert!(
        heading.contains(&format!("计算基准日：{AS_OF}")),
        "{heading:?}"
    );
    assert!(
        heading
            .iter()
            .any(|l| l.starts_with("规则：") && l.contains("sha256"))
    );
    assert!(heading.contains(&"有误行：1".to_string()), "{heading:?}");
    assert_eq!(
        s[0],
        [
            "区县",
            "条款",
            "名称",
            "行数",
            "核定金额",
            "酌定行数",
            "酌定下限合计",
            "酌定上限合计"
        ]
        .map(|h| Data::String(h.into()))
    );
    let line = |district: &str, clause: Option<f64>| {
        (s.iter())
            .find(|r| r[0] == district && r[1].as_f64() == clause)
            .unwrap_or_else(|| panic!("a line {district} {clause:?}"))
    };
    for ((district, clause), award) in &by {
        assert_eq!(
            line(district, Some(*clause as f64))[4].as_f64(),
            Some(*award)
        );
    }
    // By hand: 鹿城区 clause 1 360,000.15 + 80,000 = 440,000.15; 龙湾区 clause 2 90,000.
    assert_eq!(by[&("鹿城区".into(), 1)], 440_000.15);
    assert_eq!(by[&("龙湾区".into(), 2)], 90_000.0);
    let total = line("全部", None);
    assert_eq!(total[4].as_f64(), Some(530_000.15));
    // Clause 11: 瓯越英才创业人才 300,000-30,000,000 and 省领军型创业团队 5,000,000 fixed, one
    // group paid the highest: discretionary 5,000,000 (the larger floor) to 30,000,000.
    let talent = line("鹿城区", Some(11.0));
    assert_eq!(talent[5].as_f64(), Some(1.0), "one discretionary row");
    assert_eq!(talent[6].as_f64(), Some(5_000_000.0));
    assert_eq!(talent[7].as_f64(), Some(30_000_000.0));
    assert_eq!(total[7].as_f64(), Some(30_000_000.0));

    // The funding sheet sums the same: every source's award adds up to the total, and its
    // total row says so.
    let f = rows(&summary, "资金来源");
    let f = &f[(f.iter().position(|r| r[0] == "资金来源")).unwrap()..];
    let (last, sources) = f[1..].split_last().unwrap();
    let funded: f64 = sources.iter().filter_map(|r| r[2].as_f64()).sum();
    assert_eq!(funded, 530_000.15);
    assert_eq!(last[0], "合计");
    assert_eq!(last[2].as_f64(), Some(530_000.15));
    // The chart's grid: a row a district, a column a clause that awards.
    let g = rows(&summary, "图表");
    let g = g[(g.iter().position(|r| r[0] == "区县")).unwrap()..].to_vec();
    let lucheng = g.iter().find(|r| r[0] == "鹿城区").unwrap();
    // No district without an award in the grid (an empty category in the chart).
    for r in &g[1..] {
        assert!(r[1..].iter().any(|c| c.as_f64().is_some()), "{r:?}");
    }
    let clause1 = col(&g, &["第 1 条 算力券"]);
    assert_eq!(lucheng[clause1].as_f64(), Some(440_000.15));
}

#[test]
fn a_csv_summary_has_the_same_tables() {
    let (dir, input) = setup();
    let out = dir.path().join("out.csv");
    let summary = dir.path().join("summary.csv");
    let more = ["--summary", summary.to_str().unwrap()];
    assert_eq!(batch(&input, &out, &more), 3);
    let text = std::fs::read_to_string(&summary).unwrap();
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        "\u{feff}区县 district,条款 clause,名称 title,行数 rows,核定金额 award,酌定行数 discretionary rows,酌定下限合计 discretionary floors,酌定上限合计 discretionary ceilings"
    );
    assert!(
        text.contains("\n鹿城区,1,算力券,2,440000.15,0,0.00,0.00\n"),
        "{text}"
    );
    // As in the workbook: the one discretionary row (clause 11) has floor 5,000,000 and
    // ceiling 30,000,000.
    assert!(
        text.contains("\n全部 all,,合计 total,5,530000.15,1,5000000.00,30000000.00\n"),
        "{text}"
    );
}

/// The `s` attribute (style index) of cell `cell` in a sheet's XML.
fn style_index(sheet: &str, cell: &str) -> usize {
    let at = sheet
        .find(&format!("<c r=\"{cell}\""))
        .unwrap_or_else(|| panic!("{cell}"));
    let rest = &sheet[at..];
    let end = rest.find('>').unwrap();
    (rest[..end].split(" s=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .map_or(0, |n| n.parse().unwrap())
}

/// Whether style `n` of styles.xml has a bold font and a border.
fn bold_and_boxed(styles: &str, n: usize) -> (bool, bool) {
    let section = |tag: &str| {
        let start = styles.find(&format!("<{tag} ")).unwrap();
        let end = styles.find(&format!("</{tag}>")).unwrap();
        styles[start..end].to_string()
    };
    let xfs = section("cellXfs");
    let xf = xfs.split("<xf ").nth(n + 1).unwrap();
    let attr = |name: &str| {
        (xf.split(&format!("{name}=\"")).nth(1))
            .and_then(|s| s.split('"').next())
            .map_or(0, |n| n.parse::<usize>().unwrap())
    };
    let fonts = section("fonts");
    let font = fonts
        .split("<font>")
        .nth(attr("fontId") + 1)
        .unwrap_or_default();
    let borders = section("borders");
    let border = borders
        .split("<border>")
        .nth(attr("borderId") + 1)
        .unwrap_or_default();
    (font.contains("<b/>"), border.contains("thin"))
}

#[test]
fn the_output_prints_on_a4_with_its_header_and_name_on_every_page() {
    let (dir, input) = setup();
    let out = dir.path().join("out.xlsx");
    batch(&input, &out, &[]);
    let sheet = part(&out, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<pageSetup paperSize=\"9\""), "{sheet}");
    assert!(sheet.contains("orientation=\"landscape\""), "{sheet}");
    // Fit to pages: as many wide as stay readable (at most 4), and a round of 6 rows one tall
    // (fitToHeight left at its default, 1).
    assert!(sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{sheet}");
    let wide: u32 = (sheet.split("fitToWidth=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .map_or(1, |n| n.parse().unwrap());
    assert!((2..=4).contains(&wide), "{sheet}");
    assert!(!sheet.contains("fitToHeight"), "{sheet}");
    // The page number, and the awards' total (360,000.15 + 80,000 + 90,000 + 0.00) at the left:
    // no total row, which would be read back as a row.
    assert!(
        sheet.contains(
            "<oddFooter>&amp;L核定金额合计 530,000.15 元&amp;C第 &amp;P 页 共 &amp;N 页</oddFooter>"
        ),
        "{sheet}"
    );
    // The header row, and the name's column (C) where the columns take more than a page.
    let book = part(&out, "xl/workbook.xml");
    assert!(book.contains("_xlnm.Print_Titles"), "{book}");
    assert!(book.contains("!$C:$C,"), "{book}");
    assert!(book.contains("!$1:$1</definedName>"), "{book}");
    // Borders on the cells, the reason wrapped within its cell.
    let styles = part(&out, "xl/styles.xml");
    let o = rows(&out, "第一批");
    let reason = col(&o, &["说明", "reason"]) as u8;
    let cell = format!("{}2", (b'A' + reason) as char);
    let n = style_index(&sheet, &cell);
    assert_eq!(bold_and_boxed(&styles, n), (false, true));
    let xf = styles
        .split("<cellXfs")
        .nth(1)
        .unwrap()
        .split("<xf ")
        .nth(n + 1)
        .unwrap();
    assert!(xf.contains("wrapText=\"1\""), "{xf}");
}

#[test]
fn the_summary_has_a_heading_bold_totals_and_a_colour_per_clause() {
    let (dir, input) = setup();
    let out = dir.path().join("out.xlsx");
    let summary = dir.path().join("summary.xlsx");
    let more = [
        "--summary",
        summary.to_str().unwrap(),
        "--round",
        "2026年第一批",
    ];
    batch(&input, &out, &more);
    let s = rows(&summary, "汇总");
    let lines: Vec<String> = s.iter().map(|r| r[0].to_string()).collect();
    assert!(
        lines.contains(&"批次：2026年第一批".to_string()),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("计算日期：")),
        "{lines:?}"
    );
    assert!(lines.contains(&"往期奖补：无".to_string()), "{lines:?}");
    assert!(lines.contains(&"叠加规则：无".to_string()), "{lines:?}");
    // Every page: A4 and the footer; the header repeated.
    for n in 1..=3 {
        let sheet = part(&summary, &format!("xl/worksheets/sheet{n}.xml"));
        assert!(sheet.contains("<pageSetup paperSize=\"9\""), "{sheet}");
        assert!(sheet.contains("<oddFooter>"), "{sheet}");
    }
    assert!(part(&summary, "xl/workbook.xml").contains("_xlnm.Print_Titles"));
    // A subtotal bold, a detail line not.
    let sheet = part(&summary, "xl/worksheets/sheet1.xml");
    let styles = part(&summary, "xl/styles.xml");
    let row_of = |label: &str| s.iter().position(|r| r[2] == label).unwrap() + 1;
    let subtotal = format!("E{}", row_of("小计"));
    let detail = format!("E{}", row_of("模型券"));
    assert_eq!(
        bold_and_boxed(&styles, style_index(&sheet, &subtotal)),
        (true, true)
    );
    assert_eq!(
        bold_and_boxed(&styles, style_index(&sheet, &detail)),
        (false, true)
    );
    // Clause 1's bars in its palette colour (the first), clause 2's in the second, whatever
    // their place in the chart.
    let chart = part(&summary, "xl/charts/chart1.xml");
    assert!(chart.contains("<a:srgbClr val=\"4472C4\""), "{chart}");
    assert!(chart.contains("<a:srgbClr val=\"ED7D31\""), "{chart}");
}
