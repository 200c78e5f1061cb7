//! Writing a round's output: every input row in input order, its cells kept, with the added
//! columns (`Added`); CSV (UTF-8 with BOM for Excel unless `--no-bom`) or XLSX (amounts as
//! numbers with `#,##0.00`, rust_xlsxwriter in constant-memory mode) by the file's extension.
//! CSV text cells starting with = + - @ tab or CR are neutralised with a leading `'` against
//! formula injection (`unguard` takes it off on reading); XLSX cells are typed text and need
//! none. Everything goes to a temporary file beside the output, renamed by the caller once
//! every output is complete, so a failed run leaves an existing file as it was.

use std::borrow::Cow;
use std::io::{BufWriter, Write};
use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use tempfile::NamedTempFile;

use super::parse::Columns;
use rayon::prelude::*;

use super::read::{Cells, Table, cells};
use super::{Progress, RowResult, RowStatus};
use crate::error::Error;
use crate::money::Money;
use crate::render::Lang;
use crate::rules::RuleSet;
use crate::rules::vocabulary::{BatchColumns, written};

/// A column the batch adds to each row. A new column is one more variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    Clause,
    Award,
    /// A discretionary row's ceiling.
    Ceiling,
    /// A discretionary row's floor, where it has one.
    Floor,
    Status,
    Reason,
}

impl Added {
    /// In the order they are written.
    pub const ALL: [Added; 6] = [
        Added::Clause,
        Added::Award,
        Added::Ceiling,
        Added::Floor,
        Added::Status,
        Added::Reason,
    ];

    /// Its header names in the vocabulary: the first written under `--lang zh`, the second
    /// under `--lang en`; all are read.
    pub fn names(self, b: &BatchColumns) -> &[String] {
        match self {
            Added::Clause => &b.clause,
            Added::Award => &b.award,
            Added::Ceiling => &b.ceiling,
            Added::Floor => &b.floor,
            Added::Status => &b.status,
            Added::Reason => &b.reason,
        }
    }

    /// Its header in the output's language.
    pub fn header(self, b: &BatchColumns, lang: Lang) -> &str {
        written(self.names(b), lang.en())
    }

    /// Whether a file must have it to be read as a round's output: the range columns came
    /// later, so an earlier round's output without them is still calc's own.
    pub fn required(self) -> bool {
        !matches!(self, Added::Ceiling | Added::Floor)
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
            Added::Ceiling => money(r.ceiling, out),
            Added::Floor => money(r.floor, out),
            Added::Status => out.write_all(layout.status(r.status).as_bytes()),
            // Neutralised by the CSV writer; an XLSX cell is typed text and needs no guard.
            Added::Reason => out.write_all(r.reason.as_bytes()),
        }
    }
}

/// The most rows an XLSX sheet holds, the header included.
const XLSX_MAX_ROWS: usize = 1_048_576;
const MONEY_FORMAT: &str = "#,##0.00";

/// A cell that a spreadsheet could take for a formula gets a leading `'`.
pub fn neutralise(text: &[u8]) -> Cow<'_, [u8]> {
    match text.first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned([b"'", text].concat()),
        _ => Cow::Borrowed(text),
    }
}

/// A cell as it was before `neutralise`: its leading `'` taken off again.
pub fn unguard(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => text,
    }
}

fn neutralise_str(text: &str) -> Cow<'_, str> {
    match neutralise(text.as_bytes()) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        Cow::Owned(_) => Cow::Owned(format!("'{text}")),
    }
}

fn is_xlsx(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

fn write_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// The folder a file is in.
fn folder_of(path: &Path) -> &Path {
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
fn temp_beside(path: &Path) -> Result<NamedTempFile, Error> {
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
fn synced(tmp: NamedTempFile, path: &Path) -> Result<NamedTempFile, Error> {
    tmp.as_file().sync_all().map_err(|e| write_error(path, e))?;
    Ok(tmp)
}

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
        Layout {
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

/// Writes the rows to a temporary file beside `path`; the caller persists it.
pub fn rows(
    path: &Path,
    (table, cols): (&Table, &Columns),
    rules: &RuleSet,
    results: &[RowResult],
    (bom, lang): (bool, Lang),
    progress: &dyn Progress,
) -> Result<NamedTempFile, Error> {
    let layout = Layout::new(table, cols, rules, lang);
    if is_xlsx(path) {
        return write_xlsx(path, (table, cols), &layout, results, progress);
    }
    let fail = |e: csv::Error| write_error(path, e);
    let tmp = temp_beside(path)?;
    let mut out = BufWriter::with_capacity(1 << 20, tmp.as_file());
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
    let threads = rayon::current_num_threads().max(1);
    let mut at = 0;
    // Each batch of rows is put into CSV on all cores, and written in order.
    table.batches(progress, |batch| {
        let per = batch.len().div_ceil(threads);
        let parts: Vec<csv::Result<Vec<u8>>> = (batch.par_chunks(per).enumerate())
            .map(|(i, records)| {
                let results = results.get(at + i * per..).unwrap_or_default();
                // Rows keep their cells beyond the header, so they may differ in length.
                let mut wr = csv::WriterBuilder::new()
                    .flexible(true)
                    .from_writer(Vec::with_capacity(per * 256));
                let mut scratch = Vec::new();
                for ((_, record), r) in records.iter().zip(results) {
                    write_row(&mut wr, &layout, &cells(record), r, &mut scratch)?;
                }
                wr.into_inner().map_err(|e| e.into_error().into())
            })
            .collect();
        for part in parts {
            if result.is_ok() {
                result = part
                    .map_err(std::io::Error::from)
                    .and_then(|p| out.write_all(&p));
            }
        }
        at += batch.len();
    });
    result
        .and_then(|()| out.flush())
        .map_err(|e| write_error(path, e))?;
    drop(out);
    synced(tmp, path)
}

/// One output row: its input cells, the added values in their columns, and any cells beyond
/// the header after them.
fn write_row<W: Write>(
    wr: &mut csv::Writer<W>,
    layout: &Layout,
    cells: &Cells<'_>,
    r: &RowResult,
    scratch: &mut Vec<u8>,
) -> csv::Result<()> {
    for r in std::iter::once(r).chain(&r.also) {
        for (c, slot) in layout.slots.iter().enumerate() {
            match slot {
                None => wr.write_field(neutralise(cells.raw(c)))?,
                Some(Added::Reason) => wr.write_field(neutralise(r.reason.as_bytes()))?,
                Some(a) => {
                    scratch.clear();
                    a.write(r, layout, scratch)?;
                    wr.write_field(&scratch[..])?;
                }
            }
        }
        for c in layout.width..cells.count() {
            wr.write_field(neutralise(cells.raw(c)))?;
        }
        wr.write_record(None::<&[u8]>)?;
    }
    Ok(())
}

fn write_xlsx(
    path: &Path,
    (table, cols): (&Table, &Columns),
    layout: &Layout,
    results: &[RowResult],
    progress: &dyn Progress,
) -> Result<NamedTempFile, Error> {
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
    // Rows go to a temporary file beside the output as they are written, so that a large round
    // is not held in memory a second time.
    book.set_tempdir(folder_of(path)).map_err(xf)?;
    let sheet = book.add_worksheet_with_constant_memory().map_err(xf)?;
    let bold = Format::new().set_bold();
    for (c, h) in layout.headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, h, &bold)
            .map_err(xf)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xf)?;
    let money = Format::new().set_num_format(MONEY_FORMAT);
    let mut result = Ok(());
    let (mut at, mut sheet_row) = (0, 1);
    table.rows(progress, |_, cells| {
        if let (Ok(()), Some(r)) = (&result, results.get(at)) {
            for r in std::iter::once(r).chain(&r.also) {
                if result.is_ok() {
                    result = xlsx_row(sheet, (sheet_row, cells, r), (layout, cols), &money);
                }
                sheet_row += 1;
            }
        }
        at += 1;
    });
    result.map_err(xf)?;
    let tmp = temp_beside(path)?;
    book.save_to_writer(BufWriter::new(tmp.as_file()))
        .map_err(xf)?;
    synced(tmp, path)
}

/// One sheet row: text as text, amounts (the award and the input's money columns) as numbers.
fn xlsx_row(
    sheet: &mut Worksheet,
    (row, cells, r): (u32, &Cells<'_>, &RowResult),
    (layout, cols): (&Layout, &Columns),
    money: &Format,
) -> Result<(), XlsxError> {
    for (c, slot) in layout.slots.iter().enumerate() {
        let text = match slot {
            None => cells.get(c).to_string(),
            Some(a) => {
                let mut text = Vec::new();
                a.write(r, layout, &mut text).map_err(XlsxError::IoError)?;
                String::from_utf8(text).unwrap_or_default()
            }
        };
        if text.is_empty() {
            continue;
        }
        let number = match slot {
            Some(Added::Award) => r.award,
            Some(Added::Ceiling) => r.ceiling,
            Some(Added::Floor) => r.floor,
            _ if cols.money.get(c).copied().unwrap_or(false) => Money::parse(cells.get(c)).ok(),
            _ => None,
        };
        let c = c as u16;
        match number.and_then(|m| m.plain().parse::<f64>().ok()) {
            Some(x) => sheet.write_number_with_format(row, c, x, money)?,
            None => sheet.write_string(row, c, text)?,
        };
    }
    // Cells beyond the header, after the added columns, as text.
    for c in layout.width..cells.count() {
        let text = cells.get(c);
        if !text.is_empty() {
            let at = (layout.slots.len() + c - layout.width) as u16;
            sheet.write_string(row, at, text)?;
        }
    }
    Ok(())
}

/// A cell of a small table such as the summary.
pub enum Cell {
    Text(String),
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
            Cell::Text(t) => neutralise_str(t).into_owned(),
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
    let xf = |e: XlsxError| write_error(path, e);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format(MONEY_FORMAT);
    for (c, h) in headers.iter().enumerate() {
        (sheet.write_string_with_format(0, c as u16, *h, &bold)).map_err(xf)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) if t.is_empty() => continue,
                Cell::Text(t) => sheet.write_string(r, c, t),
                Cell::Count(n) => sheet.write_number(r, c, *n as f64),
                Cell::Money(m) => match m.plain().parse::<f64>() {
                    Ok(x) => sheet.write_number_with_format(r, c, x, &money),
                    Err(_) => sheet.write_string(r, c, m.plain()),
                },
            }
            .map_err(xf)?;
        }
    }
    let tmp = temp_beside(path)?;
    book.save_to_writer(BufWriter::new(tmp.as_file()))
        .map_err(xf)?;
    synced(tmp, path)
}
