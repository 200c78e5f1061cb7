//! Writing a round's output: every input row in input order, its cells kept, with the added
//! columns (`Added`), to any `impl Write`; CSV (UTF-8 with BOM for Excel unless `--no-bom`) or
//! XLSX as the caller says (`Output`). XLSX (rust_xlsxwriter in constant-memory mode): each cell typed as it came in (a
//! workbook's numbers, dates and booleans; text), amounts as numbers with `#,##0.00`, the input
//! sheet's name, a frozen header under an autofilter, widths fit to the content, error rows
//! filled. As `sheet::write` writes any table: CSV text cells guarded against formula injection,
//! every write error returned.

use std::cell::RefCell;
use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

use rayon::prelude::*;

use super::{CHUNK, RowResult};
use crate::error::Error;
use crate::money::Money;
use crate::progress::Progress;
use crate::round::headers::Columns;
use crate::round::{Added, RowStatus};
use crate::rules::RuleSet;
use crate::sheet::Format;
use crate::sheet::read::{self, Cells, Kinds, Span, Table};
use crate::sheet::write::{
    Looks, MAX_WIDTH, excel_sheet_name, fit, money_width, neutralise, print_setup, save,
    unpanicked, write_error,
};
use crate::text::{self, Lang};

impl Added {
    /// Its amount for a row, where it holds one: written as a number in XLSX.
    fn amount(self, r: &RowResult) -> Option<Money> {
        match self {
            Added::Award => r.award,
            Added::Ceiling => r.ceiling(),
            Added::Floor => r.floor(),
            Added::Clause | Added::Status | Added::Reason => None,
        }
    }

    /// Its text for a row, as written to CSV.
    fn write(self, r: &RowResult, layout: &Layout, out: &mut Vec<u8>) -> std::io::Result<()> {
        let money = |m: Option<Money>, out: &mut Vec<u8>| match m {
            Some(m) => m.write_plain(out),
            None => Ok(()),
        };
        match self {
            Added::Clause => match r.clause {
                Some(clause) => write!(out, "{clause}"),
                None => Ok(()),
            },
            Added::Award => money(r.award, out),
            Added::Ceiling => money(r.ceiling(), out),
            Added::Floor => money(r.floor(), out),
            Added::Status => out.write_all(layout.status(r.status).as_bytes()),
            // Neutralised by the CSV writer; an XLSX cell is typed text and needs no guard.
            Added::Reason => out.write_all(r.reason.as_bytes()),
        }
    }
}

/// The width of the reason's column, its text wrapped within it.
const REASON_WIDTH: usize = 48;
/// A line's height in points (Excel's default font), and the columns an A4 landscape page
/// holds at a readable scale.
const LINE_HEIGHT: f64 = 15.0;
const PAGE_WIDTH: usize = 146;
/// The columns a page holds as LibreOffice prints them (its fonts are wider than Excel's): the
/// scale that fitting the width gives, measured on a 16-row round's PDF.
const PRINTED_WIDTH: f64 = 105.0;
/// An A4 landscape page's printable height in points (its margins and footer taken off), and
/// the part of a page that, left over, is shrunk onto the pages before rather than printed alone.
const PAGE_HEIGHT: f64 = 500.0;
const LEFTOVER: f64 = 0.5;
/// The most rows whose empty cells are boxed (written blank with a border): a round that
/// is printed; a larger one is not swollen by millions of blank cells.
const BOXED_ROWS: usize = 100_000;
/// The most rows an XLSX sheet holds, the header included.
const XLSX_MAX_ROWS: usize = 1_048_576;
/// The output's columns: each input column, then each added one, unless an input column
/// already bears its name (a round's own output read again), which it then fills.
struct Layout {
    headers: Vec<String>,
    /// What each column holds: an input cell (`None`) or an added value.
    slots: Vec<Option<Added>>,
    /// The input's header count: a row's cells beyond it follow the added columns.
    width: usize,
    /// The status words written, by `RowStatus` (in `RowStatus::ALL` order).
    statuses: [String; RowStatus::ALL.len()],
    /// The input's columns come first, as they are (not a round's own output, where added
    /// values go into its columns).
    inputs_first: bool,
    /// The applicant's section and its name's field (the name's column, repeated when printed).
    roles: (crate::rules::SectionId, crate::rules::FieldId),
}

impl Layout {
    fn new(table: &Table, cols: &Columns, rules: &RuleSet, lang: Lang) -> Layout {
        let b = &rules.vocabulary.batch;
        let mut headers = table.headers.clone();
        let mut slots = vec![None; headers.len()];
        for a in Added::ALL {
            match cols.added(a) {
                Some(c) => slots[c] = Some(a),
                None => {
                    headers.push(a.header(b, lang).to_string());
                    slots.push(Some(a));
                }
            }
        }
        let width = table.headers.len();
        let statuses = RowStatus::ALL.map(|s| s.word(b, lang).to_string());
        let inputs_first = slots[..width].iter().all(Option::is_none);
        Layout {
            roles: (rules.roles.applicant, rules.roles.name),
            inputs_first,
            headers,
            slots,
            width,
            statuses,
        }
    }

    fn status(&self, s: RowStatus) -> &str {
        &self.statuses[s as usize]
    }
}

/// How a round's output is written.
#[derive(Clone, Copy, Debug)]
pub struct Output<'a> {
    pub format: Format,
    /// A UTF-8 BOM at the start of a CSV (Excel needs it).
    pub bom: bool,
    pub lang: Lang,
    /// The output's name in an error.
    pub shown: &'a str,
    /// Where an XLSX's rows wait until the workbook is saved (rust_xlsxwriter's constant-memory
    /// mode), else the system's temporary folder: beside the output, a full `/tmp` is no matter.
    pub scratch: Option<&'a Path>,
}

/// The rows as read: the table, its columns, each row's span.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub table: &'a Table,
    pub cols: &'a Columns,
    pub spans: &'a [Span],
}

/// Writes every row of the round to `out` (parts are large, a few hundred rows: a file is
/// best given unbuffered).
pub fn rows(
    mut out: impl Write + Send,
    to: &Output<'_>,
    Source { table, cols, spans }: Source<'_>,
    rules: &RuleSet,
    results: &[RowResult],
    progress: &dyn Progress,
) -> Result<(), Error> {
    let layout = Layout::new(table, cols, rules, to.lang);
    if to.format == Format::Xlsx {
        // Rows go to rust_xlsxwriter's temporary file as they are written, and it unwraps
        // those writes: a full disk there is a write error, not a crash.
        let shown = to.shown;
        return unpanicked(shown, || {
            write_xlsx(out, to, (table, cols), &layout, results, progress)
        })?;
    }
    let (bom, path) = (to.bom, to.shown);
    let fail = |e: csv::Error| write_error(path, e);
    let mut head = csv::Writer::from_writer(if bom {
        b"\xEF\xBB\xBF".to_vec()
    } else {
        Vec::new()
    });
    (head.write_record(layout.headers.iter().map(|h| neutralise(h.as_bytes())))).map_err(fail)?;
    let mut result = head
        .into_inner()
        .map_err(|e| e.into_error())
        .and_then(|h| out.write_all(&h));
    let csv_batch = |(spans, results): (&[Span], &[RowResult])| {
        (spans.par_chunks(CHUNK).zip(results.par_chunks(CHUNK)))
            .map(|(spans, results)| csv_part(table, &layout, spans, results))
            .collect::<Vec<csv::Result<Vec<u8>>>>()
    };
    // Each batch of rows is put into CSV on all cores while the batch before is written.
    let mut before = (Vec::new(), 0);
    for batch in spans.chunks(read::BATCH).zip(results.chunks(read::BATCH)) {
        result.map_err(|e| write_error(path, e))?;
        let len = batch.0.len() as u64;
        let (parts, written) = rayon::join(|| csv_batch(batch), || write_parts(&mut out, before.0));
        progress.inc(before.1);
        (result, before) = (written, (parts, len));
    }
    result = result.and_then(|()| write_parts(&mut out, before.0));
    progress.inc(before.1);
    result
        .and_then(|()| out.flush())
        .map_err(|e| write_error(path, e))
}

/// A batch's parts, in order, or the first error.
fn write_parts(out: &mut impl Write, parts: Vec<csv::Result<Vec<u8>>>) -> std::io::Result<()> {
    for part in parts {
        out.write_all(&part.map_err(std::io::Error::from)?)?;
    }
    Ok(())
}

/// Some rows in CSV. A plain row's input cells are copied as they stand in the input (most
/// rows: not parsed and quoted again); any other row is read again from where it stands.
fn csv_part(
    table: &Table,
    layout: &Layout,
    spans: &[Span],
    results: &[RowResult],
) -> csv::Result<Vec<u8>> {
    // Room for a row's cells and reason (a few hundred bytes): a part that grows is copied.
    let part = RefCell::new(Vec::with_capacity(spans.len() * 512));
    // Rows keep their cells beyond the header, so they may differ in length.
    let mut wr = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Part(&part));
    // A reader is made only for a part with a row to read again (making one builds its DFA).
    let (mut reader, mut record) = (None, csv::ByteRecord::new());
    let (mut scratch, none) = (Vec::new(), csv::ByteRecord::new());
    for (&span, r) in spans.iter().zip(results) {
        let raw = table.plain(span).filter(|_| layout.inputs_first);
        let read = match raw {
            Some(_) => &none,
            None => {
                let reader = reader.get_or_insert_with(|| table.rereader());
                table.again(span, reader, &mut record);
                &record
            }
        };
        write_row(&mut wr, layout, (read, raw), r, &mut scratch)?;
    }
    wr.flush()?;
    drop(wr);
    Ok(part.into_inner())
}

/// A part of the output, written by its CSV writer and by rows copied in as they are.
struct Part<'a>(&'a RefCell<Vec<u8>>);

impl Write for Part<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One output row: its input cells, the added values in their columns, and any cells beyond
/// the header after them. `raw`, where given, is the row's input cells as the writer would
/// write them (`record` is then not read).
fn write_row(
    wr: &mut csv::Writer<Part<'_>>,
    layout: &Layout,
    (record, raw): (&csv::ByteRecord, Option<&[u8]>),
    r: &RowResult,
    scratch: &mut Vec<u8>,
) -> csv::Result<()> {
    for r in std::iter::once(r).chain(&r.also) {
        let mut from = 0;
        if let Some(raw) = raw {
            // Put before the record the writer is about to begin, with its first delimiter.
            wr.flush()?;
            let mut part = wr.get_ref().0.borrow_mut();
            part.extend_from_slice(raw);
            part.push(b',');
            from = layout.width;
        }
        for (c, slot) in layout.slots.iter().enumerate().skip(from) {
            match slot {
                None => wr.write_field(neutralise(record.get(c).unwrap_or_default()))?,
                Some(Added::Reason) => wr.write_field(neutralise(r.reason.as_bytes()))?,
                Some(a) => {
                    scratch.clear();
                    a.write(r, layout, scratch)?;
                    wr.write_field(&scratch[..])?;
                }
            }
        }
        // A row copied as it is has no cells beyond the header.
        let beyond = if raw.is_some() { 0 } else { record.len() };
        for cell in (layout.width..beyond).filter_map(|c| record.get(c)) {
            wr.write_field(neutralise(cell))?;
        }
        wr.write_record(None::<&[u8]>)?;
    }
    Ok(())
}

fn write_xlsx(
    out: impl Write + Send,
    to: &Output<'_>,
    (table, cols): (&Table, &Columns),
    layout: &Layout,
    results: &[RowResult],
    progress: &dyn Progress,
) -> Result<(), Error> {
    let path = to.shown;
    let max = XLSX_MAX_ROWS - 1;
    let n: usize = results.iter().map(|r| 1 + r.also.len()).sum();
    if n > max {
        return Err(write_error(
            path,
            format!(
                "XLSX 最多 {max} 行，本轮 {n} 行，请输出为 CSV / an XLSX sheet holds at most {max} rows and this round has {n}: write a .csv"
            ),
        ));
    }
    let xf = |e: XlsxError| write_error(path, e);
    let mut book = Workbook::new();
    // Rows go to a temporary file as they are written, so that a large round is not held in
    // memory a second time.
    if let Some(dir) = to.scratch {
        book.set_tempdir(dir).map_err(xf)?;
    }
    let sheet = book.add_worksheet_with_constant_memory().map_err(xf)?;
    // A name Excel refuses (too long, or with `/` in it) leaves the sheet as Sheet1.
    let _ = sheet.set_name(sheet_name(table));
    let looks = Looks::new();
    let mut widths: Vec<usize> = Vec::new();
    for (c, h) in layout.headers.iter().enumerate() {
        (sheet.write_string_with_format(0, c as u16, h, &looks.header)).map_err(xf)?;
        // The header wraps over two lines: half its text, and room for its bold and its filter
        // button, so that a column of short answers (是/否) is no wider than that.
        fit(&mut widths, c, text::width(h).div_ceil(2) + 4);
        // Set before the rows: a cell written without a format takes its column's.
        (sheet.set_column_format(c as u16, &looks.column)).map_err(xf)?;
    }
    (sheet.set_row_height(0, 2.0 * LINE_HEIGHT)).map_err(xf)?;
    let mut result = Ok(());
    let (mut at, mut sheet_row) = (0, 1);
    // The rows' height in points, to choose the pages the sheet is printed on.
    let mut height = 0.0;
    table.rows(&(), |line, cells| {
        progress.inc(1);
        if let (Ok(()), Some(r)) = (&result, results.get(at)) {
            let input = Input {
                cells,
                kinds: table.kinds(line),
                typed: table.sheet.is_some(),
                boxed: n <= BOXED_ROWS,
            };
            for r in std::iter::once(r).chain(&r.also) {
                if result.is_ok() {
                    let row = (sheet_row, &input, r);
                    result = xlsx_row(sheet, row, (layout, cols), &looks, &mut widths)
                        .map(|lines| height += lines as f64 * LINE_HEIGHT);
                }
                sheet_row += 1;
            }
        }
        at += 1;
    });
    result.map_err(xf)?;
    // A blank cell (no value) in the row after the last: rust_xlsxwriter 0.102's
    // constant-memory sheet otherwise writes its last row twice when that row has a height of
    // its own (`flush_last_row`), a duplicate row Excel would repair; seen in the sheet's XML.
    (sheet.write_blank(sheet_row, 0, &looks.column)).map_err(xf)?;
    // Widths, filter and panes are written when the workbook is saved, so they may follow the
    // rows in constant-memory mode.
    let reason = layout.slots.iter().position(|s| *s == Some(Added::Reason));
    for (c, w) in widths.iter().enumerate() {
        // A reason is wrapped within its cell: its column as wide as a short sentence.
        let most = if Some(c) == reason {
            REASON_WIDTH
        } else {
            MAX_WIDTH
        };
        (sheet.set_column_width(c as u16, (*w).clamp(6, most) as f64)).map_err(xf)?;
    }
    let last_col = widths.len().max(1) as u16 - 1;
    sheet
        .autofilter(0, 0, sheet_row - 1, last_col)
        .map_err(xf)?;
    sheet.set_freeze_panes(1, 0).map_err(xf)?;
    // Printed: A4 landscape, the header on every page, and the applicant's name at the left of
    // every page; as many pages wide as keep the text readable (one page of every column
    // shrank a round to a third of its size), at most four.
    print_setup(sheet, true, (0, 0)).map_err(xf)?;
    // The awards' total at the foot of every page, beside the page number: a total row in the
    // sheet would be read back as an applicant's row (a prior, the notice, another run).
    let total = (results
        .iter()
        .flat_map(|r| std::iter::once(r).chain(&r.also)))
    .filter_map(|r| r.award)
    .try_fold(Money::ZERO, |t, a| t.checked_add(a).ok());
    if let Some(total) = total {
        let words = to.lang.pick("核定金额合计", "Awards in total");
        let yuan = to.lang.pick("元", "yuan");
        sheet.set_footer(format!("&L{words} {total} {yuan}&C第 &P 页 共 &N 页"));
    }
    let shown: usize = (widths.iter())
        .enumerate()
        .map(|(c, w)| {
            let most = if Some(c) == reason {
                REASON_WIDTH
            } else {
                MAX_WIDTH
            };
            (*w).clamp(6, most)
        })
        .sum();
    let pages = shown.div_ceil(PAGE_WIDTH).clamp(1, 4) as u16;
    // As many pages tall as the rows take at the scale the width gives (the name repeated on
    // each page), less a last page that would hold a few leftover rows: those are shrunk onto
    // the pages before (seen in LibreOffice: a page of two rows after a full one).
    let name_width = (cols.of(layout.roles.0, layout.roles.1))
        .and_then(|c| widths.get(c))
        .map_or(0, |w| (*w).min(MAX_WIDTH));
    let across = shown + name_width * (pages as usize - 1);
    let scale = (pages as f64 * PRINTED_WIDTH / across as f64).min(1.0);
    let page = PAGE_HEIGHT - 2.0 * LINE_HEIGHT;
    let tall = (height * scale / page - LEFTOVER).ceil().max(1.0);
    sheet.set_print_fit_to_pages(pages, tall.min(u16::MAX as f64) as u16);
    let rules = &layout.roles;
    if let Some(name) = cols.of(rules.0, rules.1).filter(|_| pages > 1) {
        (sheet.set_repeat_columns(name as u16, name as u16)).map_err(xf)?;
    }
    save(&mut book, out, path)
}

/// The output sheet's name: the input sheet's, or a CSV's file name without its extension.
fn sheet_name(table: &Table) -> String {
    let stem = || {
        Path::new(&table.file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
    };
    excel_sheet_name(&table.sheet.clone().or_else(stem).unwrap_or_default())
}

/// An input row as the XLSX writer reads it: its cells, their kinds, and whether the kinds are
/// the workbook's (a CSV's cells are all text).
struct Input<'a> {
    cells: &'a Cells<'a>,
    kinds: Kinds<'a>,
    typed: bool,
    /// Empty cells are written blank with a border (a round small enough to print; a large
    /// one's file is not swollen by them).
    boxed: bool,
}

/// One sheet row: the input's cells with the types they came in with, the added values (the
/// amounts as numbers), an error row filled; each column widened to what it shows. The lines
/// it takes (its reason's).
fn xlsx_row(
    sheet: &mut Worksheet,
    (row, input, r): (u32, &Input<'_>, &RowResult),
    (layout, cols): (&Layout, &Columns),
    looks: &Looks,
    widths: &mut Vec<usize>,
) -> Result<usize, XlsxError> {
    let e = usize::from(r.status == RowStatus::Error);
    // A reason wrapped within its cell: the row as tall as its lines (set before its cells, as
    // a constant-memory sheet writes a row once the next begins).
    let lines: usize = (r.reason.split('\n'))
        .map(|l| text::width(l).div_ceil(REASON_WIDTH - 1).max(1))
        .sum();
    if lines > 1 {
        sheet.set_row_height(row, lines as f64 * LINE_HEIGHT)?;
    }
    let beyond = input.cells.count().saturating_sub(layout.width);
    for at in 0..layout.slots.len() + beyond {
        let c16 = at as u16;
        // An input cell (those beyond the header follow the added columns), or an added value.
        let c = match layout.slots.get(at) {
            Some(Some(a)) => {
                let e = (e, input.boxed);
                let w = 2 + added_cell(sheet, (row, c16), (*a, layout), r, looks, e)?;
                fit(widths, at, w);
                continue;
            }
            Some(None) => at,
            None => layout.width + at - layout.slots.len(),
        };
        let text = input.cells.get(c);
        if text.is_empty() {
            if input.boxed || e == 1 {
                sheet.write_blank(row, c16, &looks.number[e])?;
            }
            continue;
        }
        let money = cols.money.get(c).copied().unwrap_or(false);
        let at_cell = (&mut *sheet, (row, c16));
        let w =
            2 + looks.input_cell(at_cell, (text, input.kinds.of(c)), (money, input.typed), e)?;
        fit(widths, at, w);
    }
    Ok(lines)
}

/// An added value: an amount as a number with `#,##0.00`, the clause as a number, words as
/// text. Its width as shown.
fn added_cell(
    sheet: &mut Worksheet,
    (row, col): (u32, u16),
    (a, layout): (Added, &Layout),
    r: &RowResult,
    looks: &Looks,
    (e, boxed): (usize, bool),
) -> Result<usize, XlsxError> {
    if let Some(m) = a.amount(r) {
        let plain = m.plain();
        if let Ok(x) = plain.parse::<f64>() {
            sheet.write_number_with_format(row, col, x, &looks.money[e])?;
            return Ok(money_width(&plain));
        }
    }
    if let (Added::Clause, Some(n)) = (a, r.clause) {
        sheet.write_number_with_format(row, col, n, &looks.number[e])?;
        return Ok(n.to_string().len());
    }
    let mut text = Vec::new();
    a.write(r, layout, &mut text).map_err(XlsxError::IoError)?;
    let text = String::from_utf8(text).unwrap_or_default();
    if text.is_empty() {
        if boxed || e == 1 {
            sheet.write_blank(row, col, &looks.number[e])?;
        }
        return Ok(0);
    }
    if a == Added::Reason {
        sheet.write_string_with_format(row, col, &text, &looks.wrap[e])?;
        return Ok(text::width(&text));
    }
    looks.string(sheet, (row, col), &text, e)?;
    Ok(text::width(&text))
}
