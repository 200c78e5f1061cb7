//! `calc compare` in the terminal: what a change of the rules would cost, as tables that fit
//! the width given (80 columns and up): the totals, by district, by clause, by funding source,
//! the discretionary ranges, the applicants that rise, fall or stay, and the largest changes.
//! Each table has its amounts (before, after, difference) on the right and its first column
//! wrapped to what is left; an amount is never split.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use super::wrap::{width as text_width, wrap};
use crate::compare::{Impact, ImpactLine, Pair};
use crate::round::LINES_NAMED;
use crate::say;
use crate::text::Lang;

/// The narrowest first column laid out; narrower terminals get a wider table.
const MIN_FIRST: usize = 12;

pub fn render(i: &Impact, lang: Lang, width: usize) -> String {
    let mut out = String::new();
    let mut para = |text: String| {
        for line in wrap(&text, width) {
            out.push_str(&line);
            out.push('\n');
        }
    };
    let pick = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    para(format!(
        "{}: {}",
        pick("调整", "Change"),
        i.overlays.join(lang.pick("、", ", "))
    ));
    if !i.base_overlays.is_empty() {
        para(format!(
            "{}: {}",
            pick("基准叠加规则", "Base overlays"),
            i.base_overlays.join(lang.pick("、", ", "))
        ));
    }
    let (rows, units, as_of) = (i.rows, i.units, i.as_of);
    para(say!(
        lang,
        "计算基准日 {as_of}；{rows} 行，{units} 个申报单位",
        "As of {as_of}; {rows} rows, {units} applicants"
    ));
    let first = |zh: &str, en: &str| pick(zh, en);
    let line = |l: &ImpactLine| {
        let name = if lang.en() { &l.name_en } else { &l.name };
        match l.clause {
            Some(n) => (say!(lang, "第 {n} 条 {name}", "{n} {name}"), l.amount),
            None => (name.clone(), l.amount),
        }
    };
    let total = (pick("合计", "Total"), i.total);
    let mut tables: Vec<(String, Vec<(String, Pair)>)> = vec![(
        first("确定金额", "Determinate awards"),
        vec![(pick("合计", "Total"), i.total)],
    )];
    let with_total = |lines: &[ImpactLine]| {
        let mut rows: Vec<(String, Pair)> = lines.iter().map(line).collect();
        rows.push(total.clone());
        rows
    };
    tables.push((first("区县", "District"), with_total(&i.by_district)));
    tables.push((first("条款", "Clause"), with_total(&i.by_clause)));
    tables.push((
        first("资金来源", "Funding source"),
        with_total(&i.by_funding),
    ));
    let (b, a) = i.discretionary;
    tables.push((
        first("酌定 (不计入合计)", "Discretionary (not in the totals)"),
        vec![
            (
                pick("下限合计", "Floors"),
                Pair {
                    before: b.floor,
                    after: a.floor,
                },
            ),
            (
                pick("上限合计", "Ceilings"),
                Pair {
                    before: b.ceiling,
                    after: a.ceiling,
                },
            ),
        ],
    ));
    for (head, rows) in &tables {
        para(String::new());
        para(amount_table(head, rows, lang, width));
    }
    para(String::new());
    let c = i.applicants;
    let (up, down, same) = (c.up, c.down, c.same);
    para(say!(
        lang,
        "申报单位: {up} 个增加，{down} 个减少，{same} 个不变",
        "Applicants: {up} up, {down} down, {same} the same"
    ));
    if !i.changes.is_empty() {
        let shown = &i.changes[..i.changes.len().min(LINES_NAMED)];
        let rows: Vec<(String, Pair)> = (shown.iter())
            .map(|c| {
                let clauses = (c.clauses.iter().map(u32::to_string))
                    .collect::<Vec<_>>()
                    .join(lang.pick("、", ", "));
                let about = say!(lang, "条款 {clauses}", "clause {clauses}");
                let text = format!("{}\n{} {}\n{about}", c.name, c.credit_code, c.district);
                (text, c.amount)
            })
            .collect();
        let head = first("变化最大的申报单位", "Largest changes");
        para(String::new());
        para(amount_table(&head, &rows, lang, width));
        let more = i.changes.len() - shown.len();
        if more > 0 {
            para(say!(
                lang,
                "… 另有 {more} 个申报单位有变化，见 -o 输出的文件",
                "… {more} more applicants change: see the file written with -o"
            ));
        }
    }
    let (before, after) = i.errors;
    if before + after > 0 {
        para(say!(
            lang,
            "有误行 (不计入以上金额): 调整前 {before} 行，调整后 {after} 行",
            "Rows in error (in no figure above): {before} before, {after} after"
        ));
    }
    para(format!(
        "{} sha256 {} → {}",
        pick("规则", "Rules"),
        short(&i.digest.0),
        short(&i.digest.1)
    ));
    out
}

/// The first twelve hex digits of a digest, enough to tell two apart on a screen.
fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}

/// A table of lines with their amounts before, after and the difference; the first column
/// takes what the amounts leave of `width` and wraps.
fn amount_table(head: &str, rows: &[(String, Pair)], lang: Lang, width: usize) -> String {
    let header = [
        head.to_string(),
        lang.pick("调整前", "Before").to_string(),
        lang.pick("调整后", "After").to_string(),
        lang.pick("差额", "Difference").to_string(),
    ];
    let cells: Vec<[String; 3]> = (rows.iter())
        .map(|(_, p)| {
            [
                p.before.to_string(),
                p.after.to_string(),
                p.difference().grouped(),
            ]
        })
        .collect();
    let col_width = |c: usize| {
        let widths = cells.iter().map(|r| text_width(&r[c]));
        widths
            .chain([text_width(&header[c + 1])])
            .max()
            .unwrap_or(0)
    };
    // Each column has a space either side, and each border a column of its own.
    let fixed: usize = (0..3).map(col_width).sum::<usize>() + 3 * 4 + 1;
    let first = width.saturating_sub(fixed).max(MIN_FIRST);
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().map(|h| wrap(h, first).join("\n")));
    for ((name, _), amounts) in rows.iter().zip(cells) {
        let name = (name.split('\n'))
            .flat_map(|l| wrap(l, first))
            .collect::<Vec<_>>()
            .join("\n");
        t.add_row(std::iter::once(name).chain(amounts));
    }
    for c in 1..4 {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    t.to_string()
}
