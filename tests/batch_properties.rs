//! Properties of `calc batch` over generated rounds (proptest), through the library's one batch
//! function: every input row comes out, in order, with every one of its cells unchanged (quoted
//! or not, CRLF or LF, cells beyond the header, blank rows), and the summary's total equals the
//! sum of the rows' awards. A round is two applicants' compute contracts sharing annual caps.

use std::sync::OnceLock;

use calc::RuleSet;
use calc::batch::write::Output;
use calc::batch::{Options, evaluate};
use calc::render::Lang;
use calc::rules::RuleBook;
use calc::sheet::read::{Encoding, Table};
use calc::sheet::{Form, Format};
use proptest::prelude::*;

fn book() -> &'static RuleBook {
    static BOOK: OnceLock<RuleBook> = OnceLock::new();
    BOOK.get_or_init(|| RuleBook::single(RuleSet::embedded().expect("the embedded rules compile")))
}

const HEADER: [&str; 12] = [
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

/// Two valid credit codes (GB 32100 check digits), with their districts.
const UNITS: [(&str, &str); 2] = [
    ("91330302000000001K", "鹿城区"),
    ("91330302000000002N", "龙湾区"),
];

#[derive(Clone, Debug)]
struct Row {
    unit: usize,
    autonomous: bool,
    fen: u64,
    /// A note beyond the header's width, kept as it is.
    extra: Option<String>,
    blank: bool,
    quoted: bool,
}

fn row() -> impl Strategy<Value = Row> {
    let extra = proptest::option::of("[a-z ,\"]{1,8}");
    (
        0..UNITS.len(),
        any::<bool>(),
        0u64..200_000_000,
        extra,
        prop::bool::weighted(0.1),
        any::<bool>(),
    )
        .prop_map(|(unit, autonomous, fen, extra, blank, quoted)| Row {
            unit,
            autonomous,
            fen,
            extra,
            blank,
            quoted,
        })
}

fn cell(text: &str, quoted: bool) -> String {
    if quoted || text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The round's text and each row's cells as a reader must find them.
fn round(rows: &[Row], crlf: bool) -> (String, Vec<Vec<String>>) {
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut text = HEADER.join(",") + eol;
    let mut cells = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if r.blank {
            text += eol;
            continue;
        }
        let (code, district) = UNITS[r.unit];
        let yes = if r.autonomous { "是" } else { "否" };
        let amount = format!("{}.{:02}", r.fen / 100, r.fen % 100);
        let id = format!("HT-{i}");
        let mut row: Vec<String> = [
            "算力券",
            "单位",
            code,
            "企业",
            district,
            "是",
            "是",
            "是",
            &id,
            yes,
            &amount,
            "2026-02-01",
        ]
        .map(String::from)
        .to_vec();
        row[1] = format!("温州{}科技有限公司", r.unit);
        if let Some(x) = &r.extra {
            row.push(x.clone());
        }
        text += &row
            .iter()
            .map(|c| cell(c, r.quoted))
            .collect::<Vec<_>>()
            .join(",");
        text += eol;
        cells.push(row);
    }
    (text, cells)
}

fn read_csv(bytes: Vec<u8>) -> Vec<Vec<String>> {
    let text = String::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_row_and_cell_comes_out_and_the_summary_equals_the_rows(
        rows in prop::collection::vec(row(), 1..24),
        crlf in any::<bool>(),
    ) {
        // In memory, through the library: bytes in, a round out, written to bytes.
        let (text, cells) = round(&rows, crlf);
        let table = Table::from_bytes("round.csv", text.into_bytes(), Encoding::Auto, None).unwrap();
        let opts = Options {
            keep_columns: Vec::new(),
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            lang: Lang::Zh,
        };
        let priors = calc::prior::Gathered::default();
        let round = evaluate(book(), table, &opts, &priors, &()).expect("the round runs");
        let rules = &book().base;
        let to = Output { format: Format::Csv, bom: true, lang: Lang::Zh, shown: "out.csv", scratch: None };
        let mut output = Vec::new();
        round.write(rules, &mut output, &to, &()).unwrap();
        let mut summary = Vec::new();
        let s = round.summary(rules);
        calc::batch::summary::write(&mut summary, Form { format: Format::Csv, bom: true }, "summary.csv", &s, rules, &calc::batch::summary::About::new(opts.as_of), Lang::Zh).unwrap();
        let report = round.report();
        let out = read_csv(output);
        let (header, body) = out.split_first().unwrap();
        prop_assert_eq!(&header[..HEADER.len()], &HEADER.map(String::from)[..]);
        // Blank rows keep their place too; the rows with cells come out in order, each cell as given.
        let written: Vec<&Vec<String>> = body.iter().filter(|r| r.iter().any(|c| !c.is_empty())).collect();
        prop_assert_eq!(written.len(), cells.len());
        prop_assert_eq!(report.rows, body.len());
        let award = header.iter().position(|h| h == "award" || h == "核定金额").expect("an award column");
        let mut sum: u64 = 0;
        for (got, want) in written.iter().zip(&cells) {
            prop_assert_eq!(&got[..HEADER.len()], &want[..HEADER.len()]);
            if let Some(extra) = want.get(HEADER.len()) {
                prop_assert!(got.contains(extra), "the cell beyond the header: {:?} in {:?}", extra, got);
            }
            let text = got[award].replace('.', "");
            sum += text.parse::<u64>().unwrap_or(0);
        }
        // The summary's grand total (its 合计 line, under the header) is the sum of the rows'
        // awards, in fen.
        let summary = read_csv(summary);
        let total = summary.iter().skip(1).find(|r| r.iter().any(|c| c.contains("合计"))).expect("a total line");
        let fen: u64 = total[4].replace('.', "").parse().unwrap();
        prop_assert_eq!(fen, sum);
    }
}
