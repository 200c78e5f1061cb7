//! Writing spreadsheet files safely. CSV text cells starting with = + - @ tab or CR are
//! neutralised with a leading `'` against formula injection (`unguard` takes it off on
//! reading); XLSX cells are typed text and need none. Everything goes to a temporary file beside
//! the target, renamed by the caller (`persist`) once every output is complete, so a failed run
//! leaves an existing file as it was; `lock_folder` holds the target's folder against another
//! run. `table` and `book` write small tables and workbooks (the summary, the notice), with a
//! chart where asked; a round's XLSX output (`batch::write`) shares their formats (`Looks`) and
//! widths (`fit`).

use std::borrow::Cow;
use std::io::{BufWriter, Write};
use std::path::Path;

use rust_xlsxwriter::{
    Chart, ChartLegendPosition, ChartType, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet,
    XlsxError,
};
use tempfile::NamedTempFile;

use crate::error::Error;
use crate::money::Money;
use crate::render::wrap;
use crate::sheet::read::Kind;

const MONEY_FORMAT: &str = "#,##0.00";

/// A cell that a spreadsheet could take for a formula gets a leading `'`.
pub fn neutralise(text: &[u8]) -> Cow<'_, [u8]> {
    if formula_like(text) {
        Cow::Owned([b"'", text].concat())
    } else {
        Cow::Borrowed(text)
    }
}

/// Whether a spreadsheet could take the cell for a formula.
pub(crate) fn formula_like(text: &[u8]) -> bool {
    matches!(
        text.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// A cell as it was before `neutralise`: its leading `'` taken off again.
pub fn unguard(text: &str) -> &str {
    crate::fold::unguard(text)
}

fn neutralise_str(text: &str) -> Cow<'_, str> {
    match neutralise(text.as_bytes()) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        Cow::Owned(_) => Cow::Owned(format!("'{text}")),
    }
}

pub fn is_xlsx(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

pub(crate) fn write_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// The folder a file is in.
pub(crate) fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The temporary files made so far, for `remove_temporaries`.
static TEMPORARIES: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

fn remember(path: &Path) {
    if let Ok(mut t) = TEMPORARIES.lock() {
        t.push(path.to_path_buf());
    }
}

/// Removes every temporary file a run made that is still there: for a caller stopping the
/// process on a signal, when no destructor runs. A file already renamed into place is gone
/// from its temporary name, so nothing else is touched.
pub fn remove_temporaries() {
    if let Ok(t) = TEMPORARIES.lock() {
        for path in t.iter() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// `-o -`: the output goes to standard output, as CSV.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// A temporary file beside `path`, removed unless it is persisted, with the mode the output
/// is to have: a replaced file's own, else 0666 less the umask, as any new file. For standard
/// output, in the system's temporary folder, for the caller to copy.
pub(crate) fn temp_beside(path: &Path) -> Result<NamedTempFile, Error> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".calc-").suffix(".tmp");
    if is_stdout(path) {
        let tmp = builder.tempfile().map_err(|e| write_error(path, e))?;
        remember(tmp.path());
        return Ok(tmp);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The system takes the umask off the mode a file is created with.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = (builder.tempfile_in(folder_of(path))).map_err(|e| write_error(path, e))?;
    remember(tmp.path());
    if let Ok(existing) = std::fs::metadata(path) {
        (tmp.as_file().set_permissions(existing.permissions()))
            .map_err(|e| write_error(path, e))?;
    }
    Ok(tmp)
}

/// Holds the output's folder locked until dropped (where the system locks folders), waiting
/// for another run that holds it.
pub fn lock_folder(path: &Path) -> Result<Option<std::fs::File>, Error> {
    if !cfg!(unix) || is_stdout(path) {
        return Ok(None);
    }
    let folder = std::fs::File::open(folder_of(path)).map_err(|e| write_error(path, e))?;
    folder.lock().map_err(|e| write_error(path, e))?;
    Ok(Some(folder))
}

/// Renames a finished temporary file onto its destination.
pub fn persist(tmp: NamedTempFile, path: &Path) -> Result<(), Error> {
    tmp.persist(path)
        .map(|_| ())
        .map_err(|e| write_error(path, e.error))
}

/// Syncs a finished temporary file, so that the rename publishes complete contents.
pub(crate) fn synced(tmp: NamedTempFile, path: &Path) -> Result<NamedTempFile, Error> {
    tmp.as_file().sync_all().map_err(|e| write_error(path, e))?;
    Ok(tmp)
}

/// The widest a column is made (a reason runs on into the empty cells beside it).
pub(crate) const MAX_WIDTH: usize = 60;
const DATE_FORMAT: &str = "yyyy-mm-dd";
const DATETIME_FORMAT: &str = "yyyy-mm-dd hh:mm:ss";
/// Excel's own light fills: blue-grey for the header, rose for a row in error.
const HEADER_FILL: &str = "#DDEBF7";
const ERROR_FILL: &str = "#FFC7CE";

/// The formats of an output sheet's cells, each plain and on an error row (a light fill).
pub(crate) struct Looks {
    pub(crate) header: Format,
    pub(crate) text: [Format; 2],
    pub(crate) number: [Format; 2],
    pub(crate) money: [Format; 2],
    pub(crate) date: [Format; 2],
    pub(crate) time: [Format; 2],
}

impl Looks {
    pub(crate) fn new() -> Looks {
        let both = |f: Format| [f.clone(), f.set_background_color(ERROR_FILL)];
        Looks {
            // Text is set in by a character, so that it does not run into a number before it.
            header: (Format::new().set_bold().set_indent(1)).set_background_color(HEADER_FILL),
            text: both(Format::new().set_indent(1)),
            // Not the default format, which would take the column's (set in, to the left).
            number: both(Format::new().set_align(FormatAlign::Right)),
            money: both(Format::new().set_num_format(MONEY_FORMAT)),
            date: both(Format::new().set_num_format(DATE_FORMAT)),
            time: both(Format::new().set_num_format(DATETIME_FORMAT)),
        }
    }
}

impl Looks {
    /// A text cell: on a plain row with the column's format (set in), which costs nothing per
    /// cell; on an error row with its fill.
    pub(crate) fn string(
        &self,
        sheet: &mut Worksheet,
        (row, col): (u32, u16),
        text: &str,
        e: usize,
    ) -> Result<(), XlsxError> {
        match e {
            0 => sheet.write_string(row, col, text)?,
            _ => sheet.write_string_with_format(row, col, text, &self.text[e])?,
        };
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
        Ok(wrap::width(text))
    }
}

/// A sheet name Excel accepts: the characters it refuses replaced, cut to its 31.
pub(crate) fn excel_sheet_name(name: &str) -> String {
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
}

/// Writes a small table (CSV or XLSX by extension) to a temporary file beside `path`.
pub fn table(
    path: &Path,
    headers: &[&str],
    rows: &[Vec<Cell>],
    bom: bool,
) -> Result<NamedTempFile, Error> {
    if is_xlsx(path) {
        return table_xlsx(path, headers, rows);
    }
    let fail = |e: csv::Error| write_error(path, e);
    let tmp = temp_beside(path)?;
    let mut out = BufWriter::new(tmp.as_file());
    if bom {
        out.write_all(b"\xEF\xBB\xBF")
            .map_err(|e| write_error(path, e))?;
    }
    // A table may hold parts of their own widths (the notice's discretionary part).
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(out);
    w.write_record(headers).map_err(fail)?;
    for row in rows {
        w.write_record(row.iter().map(|c| match c {
            Cell::Text(t) | Cell::Note(t) => neutralise_str(t).into_owned(),
            Cell::Count(n) => n.to_string(),
            Cell::Money(m) => m.plain(),
        }))
        .map_err(fail)?;
    }
    w.flush().map_err(|e| write_error(path, e))?;
    drop(w);
    synced(tmp, path)
}

fn table_xlsx(path: &Path, headers: &[&str], rows: &[Vec<Cell>]) -> Result<NamedTempFile, Error> {
    let sheet = Sheet {
        name: String::new(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows: rows.to_vec(),
        chart: None,
    };
    book(path, &[sheet])
}

/// A sheet of a small workbook such as the summary: a table, and maybe a chart of it.
pub struct Sheet {
    /// Its name; empty for Excel's own (Sheet1, ...).
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// The title of a column chart under the table: the first column names the categories and
    /// each further column is a series, named by its header.
    pub chart: Option<String>,
}

/// Writes a small workbook (bold frozen headers, columns fit to their content, amounts as
/// numbers with `#,##0.00`) to a temporary file beside `path`.
pub fn book(path: &Path, sheets: &[Sheet]) -> Result<NamedTempFile, Error> {
    let xf = |e: XlsxError| write_error(path, e);
    let mut book = Workbook::new();
    let looks = Looks::new();
    for s in sheets {
        let sheet = book.add_worksheet();
        if !s.name.is_empty() {
            sheet.set_name(&s.name).map_err(xf)?;
        }
        small_sheet(sheet, s, &looks).map_err(xf)?;
    }
    let tmp = temp_beside(path)?;
    book.save_to_writer(BufWriter::new(tmp.as_file()))
        .map_err(xf)?;
    synced(tmp, path)
}

fn small_sheet(sheet: &mut Worksheet, s: &Sheet, looks: &Looks) -> Result<(), XlsxError> {
    let mut widths = Vec::new();
    for (c, h) in s.headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &looks.header)?;
        fit(&mut widths, c, wrap::width(h) + 2);
    }
    for (i, row) in s.rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c16 = c as u16;
            let w = match cell {
                Cell::Text(t) | Cell::Note(t) if t.is_empty() => continue,
                Cell::Text(t) => {
                    sheet.write_string_with_format(r, c16, t, &looks.text[0])?;
                    wrap::width(t)
                }
                Cell::Note(t) => {
                    sheet.write_string_with_format(r, c16, t, &looks.text[0])?;
                    0
                }
                Cell::Count(n) => {
                    sheet.write_number(r, c16, *n as f64)?;
                    n.to_string().len()
                }
                Cell::Money(m) => {
                    let plain = m.plain();
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
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, (*w).clamp(6, MAX_WIDTH) as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    // Printed: landscape, a page wide.
    sheet.set_landscape().set_print_fit_to_pages(1, 0);
    if let Some(title) = &s.chart {
        let chart = bars(sheet.name().as_str(), s, title);
        if let Some(chart) = chart {
            sheet.insert_chart(s.rows.len() as u32 + 2, 0, &chart)?;
        }
    }
    Ok(())
}

/// A clustered column chart of a sheet's table, one series a column after the first; none
/// for a table without rows or series.
fn bars(name: &str, s: &Sheet, title: &str) -> Option<Chart> {
    let last = s.rows.len() as u32;
    if last == 0 || s.headers.len() < 2 {
        return None;
    }
    let mut chart = Chart::new(ChartType::Column);
    for c in 1..s.headers.len() as u16 {
        chart
            .add_series()
            .set_name((name, 0, c))
            .set_categories((name, 1, 0, last, 0))
            .set_values((name, 1, c, last, c));
    }
    chart.title().set_name(title);
    chart.y_axis().set_num_format("#,##0");
    chart.legend().set_position(ChartLegendPosition::Bottom);
    chart.set_width(720).set_height(400);
    Some(chart)
}
