//! Writing spreadsheets to any `impl Write`. CSV text cells starting with = + - @ tab or CR
//! are neutralised with a leading `'` against formula injection (`unguard` takes it off on
//! reading); XLSX cells are typed text and need none. Every write error, the last flush's
//! included, is returned; where the bytes go (a temporary file renamed once complete, standard
//! output, an HTTP response) is the caller's. `table` and `book` write small tables and workbooks
//! (the summary, the notice), with a chart where asked; a round's XLSX output (`batch::write`)
//! shares their formats (`Looks`) and widths (`fit`).

use std::io::{BufWriter, Write};

use rust_xlsxwriter::{
    Chart, ChartFormat, ChartLegendPosition, ChartSolidFill, ChartType, Color, ExcelDateTime,
    Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::error::Error;
use crate::money::Money;
use crate::sheet::formula::neutralise_str;
pub use crate::sheet::formula::{neutralise, unguard};
use crate::sheet::read::Kind;
use crate::text;

const MONEY_FORMAT: &str = "#,##0.00";

/// A write error on the output named `shown`.
pub(crate) fn write_error(shown: &str, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: shown.to_string(),
        message: e.to_string(),
    }
}

/// The widest a column is made (a reason runs on into the empty cells beside it).
pub(crate) const MAX_WIDTH: usize = 60;
const DATE_FORMAT: &str = "yyyy-mm-dd";
const DATETIME_FORMAT: &str = "yyyy-mm-dd hh:mm:ss";
/// Excel's own light fills: blue-grey for the header, rose for a row in error.
const HEADER_FILL: &str = "#DDEBF7";
const ERROR_FILL: &str = "#FFC7CE";

/// The formats of an output sheet's cells, each plain and on an error row (a light fill), each
/// with a thin border (printed, a table's lines); a column's own format (`column`) has none.
pub(crate) struct Looks {
    pub(crate) header: Format,
    pub(crate) column: Format,
    /// Long text (a reason) wrapped within its cell.
    pub(crate) wrap: [Format; 2],
    /// A total's or subtotal's label and amount, bold.
    pub(crate) strong_text: Format,
    pub(crate) strong_money: Format,
    pub(crate) strong_number: Format,
    /// A title above a table, and a line of text above or below it (no border).
    pub(crate) title: Format,
    pub(crate) line: Format,
    pub(crate) text: [Format; 2],
    pub(crate) number: [Format; 2],
    pub(crate) money: [Format; 2],
    pub(crate) date: [Format; 2],
    pub(crate) time: [Format; 2],
}

impl Looks {
    pub(crate) fn new() -> Looks {
        // Top-aligned, as a reason wrapped over several lines is.
        let both = |f: Format| {
            let f = f.set_border(FormatBorder::Thin).set_align(FormatAlign::Top);
            [f.clone(), f.set_background_color(ERROR_FILL)]
        };
        let boxed = || Format::new().set_border(FormatBorder::Thin);
        Looks {
            // Text is set in by a character, so that it does not run into a number before it.
            header: (boxed().set_bold().set_indent(1).set_text_wrap())
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(HEADER_FILL),
            column: Format::new().set_indent(1).set_align(FormatAlign::Top),
            wrap: both((Format::new().set_indent(1).set_text_wrap()).set_align(FormatAlign::Top)),
            strong_text: boxed().set_bold().set_indent(1),
            strong_money: boxed().set_bold().set_num_format(MONEY_FORMAT),
            strong_number: boxed().set_bold().set_align(FormatAlign::Right),
            title: (Format::new().set_bold().set_font_size(14)).set_align(FormatAlign::Center),
            line: Format::new(),
            text: both(Format::new().set_align(FormatAlign::Left).set_indent(1)),
            // Not the default format, which would take the column's (set in, to the left).
            number: both(Format::new().set_align(FormatAlign::Right)),
            money: both(Format::new().set_num_format(MONEY_FORMAT)),
            date: both(Format::new().set_num_format(DATE_FORMAT)),
            time: both(Format::new().set_num_format(DATETIME_FORMAT)),
        }
    }
}

impl Looks {
    /// A text cell, set in and boxed; on an error row with its fill.
    pub(crate) fn string(
        &self,
        sheet: &mut Worksheet,
        (row, col): (u32, u16),
        text: &str,
        e: usize,
    ) -> Result<(), XlsxError> {
        sheet.write_string_with_format(row, col, text, &self.text[e])?;
        Ok(())
    }

    /// An input cell as it came in: a workbook's numbers, dates and booleans typed again from
    /// their text (which is exact); a CSV's money columns as numbers (`money`, unless `typed`,
    /// a workbook's); all else text. Its width.
    pub(crate) fn input_cell(
        &self,
        (sheet, (row, col)): (&mut Worksheet, (u32, u16)),
        (text, kind): (&str, Kind),
        (money, typed): (bool, bool),
        e: usize,
    ) -> Result<usize, XlsxError> {
        let number_format = if money {
            &self.money[e]
        } else {
            &self.number[e]
        };
        // A text that does not read as its kind (two cells at one place) stays text.
        match kind {
            Kind::Number => {
                if let Ok(x) = text.parse::<f64>() {
                    sheet.write_number_with_format(row, col, x, number_format)?;
                    return Ok(if money { money_width(text) } else { text.len() });
                }
            }
            Kind::Date | Kind::DateTime => {
                if let Ok(d) = ExcelDateTime::parse_from_str(text) {
                    let format = if kind == Kind::Date {
                        &self.date[e]
                    } else {
                        &self.time[e]
                    };
                    sheet.write_datetime_with_format(row, col, d, format)?;
                    return Ok(text.len());
                }
            }
            Kind::Bool => {
                if let Ok(b) = text.parse::<bool>() {
                    sheet.write_boolean_with_format(row, col, b, &self.number[e])?;
                    return Ok(5);
                }
            }
            Kind::Text if money && !typed => {
                if let Ok(m) = Money::parse(text) {
                    let plain = m.plain();
                    if let Ok(x) = plain.parse::<f64>() {
                        sheet.write_number_with_format(row, col, x, number_format)?;
                        return Ok(money_width(&plain));
                    }
                }
            }
            Kind::Text => {}
        }
        self.string(sheet, (row, col), text, e)?;
        Ok(text::width(text))
    }
}

/// Printed as an official hands it on: A4, landscape where it is wide, a page wide, the rows
/// `head` (first and last) on every page, `第 N 页 共 M 页` in the footer.
pub(crate) fn print_setup(
    sheet: &mut Worksheet,
    landscape: bool,
    head: (u32, u32),
) -> Result<(), XlsxError> {
    sheet.set_paper_size(9);
    if landscape {
        sheet.set_landscape();
    } else {
        sheet.set_portrait();
    }
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    sheet.set_footer("&C第 &P 页 共 &N 页");
    sheet.set_repeat_rows(head.0, head.1)?;
    Ok(())
}

/// A sheet name Excel accepts: the characters it refuses replaced, cut to its 31.
pub fn excel_sheet_name(name: &str) -> String {
    let name: String = (name.chars())
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    name.trim_matches('\'').to_string()
}

/// Makes column `c` at least `w` wide.
pub(crate) fn fit(widths: &mut Vec<usize>, c: usize, w: usize) {
    if widths.len() <= c {
        widths.resize(c + 1, 0);
    }
    widths[c] = widths[c].max(w);
}

/// The width of an amount shown as `#,##0.00`: its digits, a comma each three, two decimals.
pub(crate) fn money_width(plain: &str) -> usize {
    let whole = plain.split('.').next().unwrap_or(plain);
    let digits = whole.trim_start_matches('-').len();
    whole.len() + digits.saturating_sub(1) / 3 + 3
}

/// A cell of a small table such as the summary.
#[derive(Clone, Debug)]
pub enum Cell {
    Text(String),
    /// A text under a table (a date, a digest): a workbook's column is not widened for it, as
    /// it runs on into the empty cells beside it.
    Note(String),
    Count(usize),
    Money(Money),
    /// A signed difference of amounts (`calc compare`), as money is written.
    Delta(crate::money::Delta),
}

/// A small table, what a small CSV or workbook is written from.
pub struct Table<'a> {
    pub headers: &'a [&'a str],
    pub rows: &'a [Vec<Cell>],
}

/// Writes a small table to `out` as CSV (a BOM first where `bom`) or as a one-sheet workbook;
/// `shown` names the output in an error.
pub fn table(
    out: impl Write + Send,
    crate::sheet::Form { format, bom }: crate::sheet::Form,
    shown: &str,
    table: Table<'_>,
) -> Result<(), Error> {
    let Table { headers, rows } = table;
    if format == crate::sheet::Format::Xlsx {
        let sheet = Sheet {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: rows.to_vec(),
            ..Sheet::default()
        };
        return book(out, shown, &[sheet]);
    }
    let fail = |e: csv::Error| write_error(shown, e);
    let mut out = BufWriter::new(out);
    if bom {
        out.write_all(b"\xEF\xBB\xBF")
            .map_err(|e| write_error(shown, e))?;
    }
    // A table may hold parts of their own widths (the notice's discretionary part).
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(out);
    w.write_record(headers).map_err(fail)?;
    for row in rows {
        w.write_record(row.iter().map(|c| match c {
            Cell::Text(t) | Cell::Note(t) => neutralise_str(t).into_owned(),
            Cell::Count(n) => n.to_string(),
            Cell::Money(m) => m.plain(),
            Cell::Delta(d) => d.plain(),
        }))
        .map_err(fail)?;
    }
    w.flush().map_err(|e| write_error(shown, e))?;
    let out = w.into_inner().map_err(|e| write_error(shown, e.error()))?;
    out.into_inner()
        .map_err(|e| write_error(shown, e.error()))?;
    Ok(())
}

/// A sheet of a small workbook such as the summary: lines above, a table, lines below, and
/// maybe a chart of the table.
#[derive(Default)]
pub struct Sheet {
    /// Its name; empty for Excel's own (Sheet1, ...).
    pub name: String,
    /// Lines above the table: the first its title (bold, large, centred over the table).
    pub above: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Rows (by index) in bold: totals and subtotals.
    pub strong: Vec<usize>,
    /// Rows (by index) that are a header of a part of the table, written as the header is.
    pub heads: Vec<usize>,
    /// Lines under the table (a signature, a date), at its right.
    pub below: Vec<String>,
    /// Printed across the page (a wide table).
    pub landscape: bool,
    /// Printed on one page (a notice short enough to fit): shrunk to its height too.
    pub one_page: bool,
    pub chart: Option<Bars>,
}

/// A column chart under a sheet's table: the first column names the categories and each
/// further column is a series, named by its header, in its own colour where given (RGB).
pub struct Bars {
    pub title: String,
    pub colours: Vec<Option<u32>>,
}

/// Writes a small workbook (bold frozen headers, columns fit to their content, amounts as
/// numbers with `#,##0.00`, printed on A4) to `out`; `shown` names the output in an error.
pub fn book(out: impl Write + Send, shown: &str, sheets: &[Sheet]) -> Result<(), Error> {
    let xf = |e: XlsxError| write_error(shown, e);
    let mut book = Workbook::new();
    let looks = Looks::new();
    for s in sheets {
        let sheet = book.add_worksheet();
        if !s.name.is_empty() {
            sheet.set_name(&s.name).map_err(xf)?;
        }
        small_sheet(sheet, s, &looks).map_err(xf)?;
    }
    save(&mut book, out, shown)
}

/// Saves a workbook to `out`, its last bytes flushed: an error at the final write (a full
/// disk, a file-size limit) is the run's error, never lost in a buffer's drop.
/// rust_xlsxwriter unwraps some of its own writes (a constant-memory sheet's rows copied into
/// the zip); such a panic is caught here and returned as the write error it is.
pub(crate) fn save(book: &mut Workbook, out: impl Write + Send, shown: &str) -> Result<(), Error> {
    let mut out = BufWriter::new(out);
    unpanicked(shown, || book.save_to_writer(&mut out))?.map_err(|e| write_error(shown, e))?;
    out.flush().map_err(|e| write_error(shown, e))
}

thread_local! {
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is inside a write whose panic is caught and returned as an error (a
/// shell's panic hook then has nothing to print: the error will be reported).
pub fn guarded() -> bool {
    GUARDED.get()
}

/// `write`, with a panic inside it (rust_xlsxwriter's `unwrap` of a failed write to its
/// temporary rows file or to the output) returned as a write error on `shown`.
pub(crate) fn unpanicked<T>(shown: &str, write: impl FnOnce() -> T) -> Result<T, Error> {
    let was = GUARDED.replace(true);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(write));
    GUARDED.set(was);
    result.map_err(|payload| {
        let message = (payload.downcast_ref::<String>().cloned())
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        write_error(shown, message)
    })
}

fn small_sheet(sheet: &mut Worksheet, s: &Sheet, looks: &Looks) -> Result<(), XlsxError> {
    let mut widths = Vec::new();
    // The table's columns: its header's, or a part's wider header's.
    let width = (s.rows.iter().map(Vec::len)).fold(s.headers.len(), usize::max);
    let last_col = width.max(1) as u16 - 1;
    let top = s.above.len() as u32 + u32::from(!s.above.is_empty());
    for (i, line) in s.above.iter().enumerate().skip(1) {
        sheet.write_string_with_format(i as u32, 0, line, &looks.line)?;
    }
    let header = |sheet: &mut Worksheet, r: u32, cells: &mut dyn Iterator<Item = String>| {
        for (c, h) in cells.enumerate() {
            sheet.write_string_with_format(r, c as u16, &h, &looks.header)?;
        }
        Ok::<(), XlsxError>(())
    };
    header(sheet, top, &mut s.headers.iter().cloned())?;
    for (c, h) in s.headers.iter().enumerate() {
        fit(&mut widths, c, text::width(h) + 2);
    }
    for (i, row) in s.rows.iter().enumerate() {
        let r = top + i as u32 + 1;
        if row.is_empty() {
            continue;
        }
        if s.heads.contains(&i) {
            let cells = row.iter().map(|c| match c {
                Cell::Text(t) | Cell::Note(t) => t.clone(),
                _ => String::new(),
            });
            header(sheet, r, &mut cells.collect::<Vec<_>>().into_iter())?;
            continue;
        }
        let strong = s.strong.contains(&i);
        let (text_look, money_look) = match strong {
            true => (&looks.strong_text, &looks.strong_money),
            false => (&looks.text[0], &looks.money[0]),
        };
        for c in row.len()..s.headers.len() {
            sheet.write_blank(r, c as u16, text_look)?;
        }
        for (c, cell) in row.iter().enumerate() {
            let c16 = c as u16;
            let w = match cell {
                Cell::Text(t) | Cell::Note(t) if t.is_empty() => {
                    sheet.write_blank(r, c16, text_look)?;
                    continue;
                }
                Cell::Text(t) => {
                    sheet.write_string_with_format(r, c16, t, text_look)?;
                    text::width(t)
                }
                Cell::Note(t) => {
                    sheet.write_string_with_format(r, c16, t, text_look)?;
                    0
                }
                Cell::Count(n) => {
                    let look = match strong {
                        true => &looks.strong_number,
                        false => &looks.number[0],
                    };
                    sheet.write_number_with_format(r, c16, *n as f64, look)?;
                    n.to_string().len()
                }
                Cell::Money(m) => {
                    let plain = m.plain();
                    match plain.parse::<f64>() {
                        Ok(x) => sheet.write_number_with_format(r, c16, x, money_look)?,
                        Err(_) => sheet.write_string_with_format(r, c16, &plain, text_look)?,
                    };
                    money_width(&plain)
                }
                Cell::Delta(d) => {
                    let plain = d.plain();
                    match plain.parse::<f64>() {
                        Ok(x) => sheet.write_number_with_format(r, c16, x, &looks.money[0])?,
                        Err(_) => sheet.write_string(r, c16, &plain)?,
                    };
                    money_width(&plain)
                }
            };
            fit(&mut widths, c, w + 2);
        }
    }
    let end = top + s.rows.len() as u32;
    for (i, line) in s.below.iter().enumerate() {
        let r = end + 2 + i as u32;
        let right = Format::new().set_align(FormatAlign::Right);
        if last_col > 0 {
            sheet.merge_range(r, 0, r, last_col, line, &right)?;
        } else {
            sheet.write_string_with_format(r, 0, line, &right)?;
        }
    }
    let mut shown = 0;
    for (c, w) in widths.iter().enumerate() {
        let w = (*w).clamp(6, MAX_WIDTH);
        sheet.set_column_width(c as u16, w as f64)?;
        shown += w;
    }
    // The title, centred over the table where it fits there, else from the left (a narrow
    // table's title runs on to its right rather than being cut).
    if let Some(title) = s.above.first() {
        let fits = text::width(title) * 14 / 11 + 2 <= shown;
        match fits && last_col > 0 {
            true => sheet.merge_range(0, 0, 0, last_col, title, &looks.title)?,
            false => {
                let left = looks.title.clone().set_align(FormatAlign::Left);
                sheet.write_string_with_format(0, 0, title, &left)?
            }
        };
        sheet.set_row_height(0, 24)?;
    }
    sheet.set_freeze_panes(top + 1, 0)?;
    print_setup(sheet, s.landscape, (top, top))?;
    if s.one_page {
        sheet.set_print_fit_to_pages(1, 1);
    }
    if let Some(bars) = &s.chart
        && let Some(chart) = self::bars(sheet.name().as_str(), s, top, bars)
    {
        sheet.insert_chart(end + 2 + s.below.len() as u32, 0, &chart)?;
    }
    Ok(())
}

/// A clustered column chart of a sheet's table (its header at row `top`), one series a column
/// after the first, each in its colour where given; none for a table without rows or series.
fn bars(name: &str, s: &Sheet, top: u32, bars: &Bars) -> Option<Chart> {
    let last = top + s.rows.len() as u32;
    if s.rows.is_empty() || s.headers.len() < 2 {
        return None;
    }
    let mut chart = Chart::new(ChartType::Column);
    for c in 1..s.headers.len() as u16 {
        let series = chart
            .add_series()
            .set_name((name, top, c))
            .set_categories((name, top + 1, 0, last, 0))
            .set_values((name, top + 1, c, last, c));
        if let Some(Some(rgb)) = bars.colours.get(c as usize - 1) {
            series.set_format(
                ChartFormat::new()
                    .set_solid_fill(ChartSolidFill::new().set_color(Color::RGB(*rgb))),
            );
        }
    }
    chart.title().set_name(&bars.title);
    chart.y_axis().set_num_format("#,##0");
    chart.legend().set_position(ChartLegendPosition::Bottom);
    chart.set_width(720).set_height(400);
    Some(chart)
}
