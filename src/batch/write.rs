//! Writing a round's output: every input row in input order with clause, award, status and
//! reason; CSV (UTF-8 with BOM for Excel unless `--no-bom`) or XLSX (amounts as numbers with
//! `#,##0.00`) by the file's extension. Text cells starting with = + - @ are neutralised with a
//! leading `'` against formula injection. Everything is written to a temporary file in the
//! output's folder and renamed at the very end, so a failed run leaves an existing file as it was.

use std::borrow::Cow;
use std::io::{BufWriter, Write};
use std::path::Path;

use rayon::prelude::*;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use tempfile::NamedTempFile;

use super::read::{Cells, Chunk, Columns, RawCells, Span, Table, csv_reader};
use super::{Progress, RowResult};
use crate::error::{Error, InputError};
use crate::money::Money;
use crate::rules::RuleSet;

/// The most rows an XLSX sheet holds, the header included.
const XLSX_MAX_ROWS: usize = 1_048_576;
const MONEY_FORMAT: &str = "#,##0.00";

/// A cell that a spreadsheet could take for a formula gets a leading `'`.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if needs_neutralising(text.as_bytes()) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Whether `neutralise` changes a cell.
pub fn needs_neutralising(text: &[u8]) -> bool {
    matches!(
        text.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

pub fn is_xlsx(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

fn io_failure(path: &Path, e: impl std::fmt::Display) -> Error {
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

/// A temporary file beside `path`, removed unless it is persisted.
fn temp_beside(path: &Path) -> Result<NamedTempFile, Error> {
    let dir = folder_of(path);
    tempfile::Builder::new()
        .prefix(".calc-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| io_failure(path, e))
}

/// Renames a finished temporary file onto its destination.
pub fn persist(tmp: NamedTempFile, path: &Path) -> Result<(), Error> {
    tmp.persist(path)
        .map(|_| ())
        .map_err(|e| io_failure(path, e.error))
}

/// Where the four added values go: an existing column of that name, or a new one at the end.
struct Layout {
    headers: Vec<String>,
    /// clause, award, status, reason
    at: [usize; 4],
}

impl Layout {
    fn new(table: &Table, cols: &Columns, rules: &RuleSet) -> Layout {
        let b = &rules.vocabulary.batch;
        let mut headers = table.headers.clone();
        let mut at = [0; 4];
        let names = [&b.clause, &b.award, &b.status, &b.reason];
        let existing = [cols.clause, cols.award, cols.status, cols.reason];
        for i in 0..4 {
            at[i] = match existing[i] {
                Some(c) => c,
                None => {
                    headers.push(names[i].first().cloned().unwrap_or_default());
                    headers.len() - 1
                }
            };
        }
        Layout { headers, at }
    }

    /// The cell of column `c` for a row: an input cell or an added value.
    fn cell<'a>(&self, c: usize, cells: &'a dyn Cells, added: &'a [String; 4]) -> Cow<'a, str> {
        match self.at.iter().position(|&a| a == c) {
            Some(i) => Cow::Borrowed(added[i].as_str()),
            None => neutralise(cells.cell(c)),
        }
    }
}

/// A cell's bytes, neutralised as `neutralise` does, into the record being written.
fn write_neutral<W: Write>(
    wr: &mut csv::Writer<W>,
    text: &[u8],
    scratch: &mut Vec<u8>,
) -> csv::Result<()> {
    if needs_neutralising(text) {
        scratch.clear();
        scratch.push(b'\'');
        scratch.extend_from_slice(text);
        wr.write_field(&scratch[..])
    } else {
        wr.write_field(text)
    }
}

/// One output row: the input cells, with the four added values in their columns (`slots`).
fn write_row<W: Write>(
    wr: &mut csv::Writer<W>,
    cells: &dyn RawCells,
    r: &RowResult,
    slots: &[Option<usize>],
    scratch: &mut Vec<u8>,
) -> csv::Result<()> {
    for (c, slot) in slots.iter().enumerate() {
        match slot {
            None => write_neutral(wr, cells.raw(c), scratch)?,
            Some(0) => {
                scratch.clear();
                if let Some(clause) = r.clause {
                    write!(scratch, "{clause}")?;
                }
                wr.write_field(&scratch[..])?;
            }
            Some(1) => {
                scratch.clear();
                if let Some(award) = r.award {
                    award.write_plain(scratch)?;
                }
                wr.write_field(&scratch[..])?;
            }
            Some(2) => wr.write_field(r.status.as_str())?,
            Some(_) => write_neutral(wr, r.reason.as_bytes(), scratch)?,
        }
    }
    wr.write_record(None::<&[u8]>)
}

/// A chunk of CSV rows when the four values are the last columns: a verbatim row is its
/// input bytes, a comma, and the four values written by the CSV writer (with its record
/// terminator); another row is read again from its span and written cell by cell.
fn write_spans(
    text: &[u8],
    spans: &[Option<Span>],
    results: &[RowResult],
    slots: &[Option<usize>],
    capacity: usize,
    scratch: &mut Vec<u8>,
) -> csv::Result<Vec<u8>> {
    let out = std::cell::RefCell::new(Vec::with_capacity(capacity));
    // Flexible: a verbatim row gives the writer four values, another row all of its cells.
    let mut wr = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Appender(&out));
    let added = [Some(0), Some(1), Some(2), Some(3)];
    let mut record = csv::ByteRecord::new();
    let (mut touched, mut done) = (0, 0);
    for (span, r) in spans.iter().zip(results) {
        // Each row's reason lies where its applicant was evaluated: those of the next rows
        // are touched together, so that their cache misses overlap.
        if let Some(ahead) = results.get(touched..)
            && touched <= done
        {
            let x = ahead.iter().take(32).fold(0u8, |x, r| {
                x ^ r.reason.as_bytes().first().copied().unwrap_or(0)
            });
            std::hint::black_box(x);
            touched += 32;
        }
        done += 1;
        let Some(span) = span else { continue };
        let start = span.start as usize;
        let bytes = text
            .get(start..start + span.len as usize)
            .unwrap_or_default();
        if span.verbatim {
            {
                let mut out = out.borrow_mut();
                out.extend_from_slice(bytes);
                out.push(b',');
            }
            write_row(&mut wr, &EmptyCells, r, &added, scratch)?;
        } else {
            csv_reader(bytes).read_byte_record(&mut record)?;
            write_row(&mut wr, &record, r, slots, scratch)?;
        }
        // The writer's buffer goes after this row's bytes, before the next row's.
        wr.flush()?;
    }
    drop(wr);
    Ok(out.into_inner())
}

/// Lets the CSV writer append to a buffer that verbatim bytes are appended to as well.
struct Appender<'a>(&'a std::cell::RefCell<Vec<u8>>);

impl Write for Appender<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// No cells: `write_row` with only the four added values.
struct EmptyCells;

impl RawCells for EmptyCells {
    fn raw(&self, _: usize) -> &[u8] {
        b""
    }
}

fn added(r: &RowResult) -> [String; 4] {
    [
        r.clause.map(|c| c.to_string()).unwrap_or_default(),
        r.award.map(Money::plain).unwrap_or_default(),
        r.status.as_str().to_string(),
        neutralise(&r.reason).into_owned(),
    ]
}

/// Writes the rows to a temporary file beside `path`; the caller persists it.
#[allow(clippy::too_many_arguments)]
pub fn write_rows(
    path: &Path,
    table: &Table,
    chunks: &[Chunk],
    chunk_rows: &[usize],
    spans: &[Option<Span>],
    results: &[RowResult],
    cols: &Columns,
    rules: &RuleSet,
    bom: bool,
    progress: &dyn Progress,
) -> Result<NamedTempFile, Error> {
    let layout = Layout::new(table, cols, rules);
    let mut first_row = Vec::with_capacity(chunks.len());
    let mut n = 0;
    for r in chunk_rows {
        first_row.push(n);
        n += r;
    }
    if is_xlsx(path) {
        return write_xlsx(path, table, chunks, &first_row, results, cols, &layout);
    }
    let tmp = temp_beside(path)?;
    {
        let mut out = BufWriter::with_capacity(1 << 20, tmp.as_file());
        if bom {
            out.write_all(b"\xEF\xBB\xBF")
                .map_err(|e| io_failure(path, e))?;
        }
        let mut head = csv::Writer::from_writer(Vec::new());
        head.write_record(layout.headers.iter().map(|h| neutralise(h).into_owned()))
            .map_err(|e| io_failure(path, e))?;
        let head = head.into_inner().map_err(|e| io_failure(path, e.error()))?;
        out.write_all(&head).map_err(|e| io_failure(path, e))?;
        // Which added value each column holds, if any (as `Layout::cell`).
        let slots: Vec<Option<usize>> = (0..layout.headers.len())
            .map(|c| layout.at.iter().position(|&a| a == c))
            .collect();
        // When the four values are new columns at the end, a verbatim row's input bytes are
        // what the CSV writer would write for its cells: they are copied, and only the four
        // values go through the writer (the CSV text itself, read by the csv crate).
        let h = table.headers.len();
        let text = table
            .csv_text()
            .filter(|_| layout.at == [h, h + 1, h + 2, h + 3]);
        let window = rayon::current_num_threads().max(1) * 2;
        // Each chunk is written to its own buffer on any core; a thread appends the buffers
        // to the file in order while the next chunks are being written.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(window);
        std::thread::scope(|scope| {
            let appender = scope.spawn(move || -> std::io::Result<()> {
                // Synced every 64 MiB, so that the disk writes while later rows are formatted
                // and the final sync has little left to do.
                let mut unsynced = 0;
                for b in rx {
                    out.write_all(&b)?;
                    unsynced += b.len();
                    if unsynced >= 1 << 26 {
                        out.flush()?;
                        out.get_ref().sync_data()?;
                        unsynced = 0;
                    }
                }
                out.flush()
            });
            let formatted: Result<(), Error> = (|| {
                for (w, group) in chunks.chunks(window).enumerate() {
                    let bufs: Vec<Result<Vec<u8>, csv::Error>> = group
                        .par_iter()
                        .enumerate()
                        .map(|(j, chunk)| {
                            let mut row = first_row[w * window + j];
                            let n = chunk_rows.get(w * window + j).copied().unwrap_or(0);
                            let mut scratch = Vec::new();
                            if let Some(text) = text
                                && let Some(spans) = spans.get(row..row + n)
                                && let Some(results) = results.get(row..row + n)
                                && spans.iter().all(|s| s.is_some())
                            {
                                return write_spans(
                                    text,
                                    spans,
                                    results,
                                    &slots,
                                    chunk.size().saturating_mul(2),
                                    &mut scratch,
                                );
                            }
                            let mut wr = csv::Writer::from_writer(Vec::with_capacity(
                                chunk.size().saturating_mul(2),
                            ));
                            let mut result = Ok(());
                            table.for_each_raw_row(chunk, |cells| {
                                if result.is_err() {
                                    return;
                                }
                                let Some(r) = results.get(row) else { return };
                                row += 1;
                                result = write_row(&mut wr, cells, r, &slots, &mut scratch);
                            });
                            result?;
                            wr.into_inner().map_err(|e| e.into_error().into())
                        })
                        .collect();
                    for b in bufs {
                        let b = b.map_err(|e| io_failure(path, e))?;
                        // A closed channel means the appender failed: its error is reported below.
                        if tx.send(b).is_err() {
                            return Ok(());
                        }
                        progress.inc(1);
                    }
                }
                Ok(())
            })();
            drop(tx);
            let appended = appender
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("writer thread failed")));
            formatted?;
            appended.map_err(|e| io_failure(path, e))
        })?;
    }
    tmp.as_file().sync_all().map_err(|e| io_failure(path, e))?;
    Ok(tmp)
}

fn write_xlsx(
    path: &Path,
    table: &Table,
    chunks: &[Chunk],
    first_row: &[usize],
    results: &[RowResult],
    cols: &Columns,
    layout: &Layout,
) -> Result<NamedTempFile, Error> {
    if results.len() + 1 > XLSX_MAX_ROWS {
        return Err(Error::Input(InputError::new(
            path.display().to_string(),
            format!(
                "XLSX 最多 {} 行，本轮 {} 行，请输出为 CSV / an XLSX sheet holds at most {} rows and this round has {}: write a .csv",
                XLSX_MAX_ROWS - 1,
                results.len(),
                XLSX_MAX_ROWS - 1,
                results.len()
            ),
        )));
    }
    let xf = |e: XlsxError| io_failure(path, e);
    let mut book = Workbook::new();
    // Rows go to a temporary file beside the output as they are written, so that a large round
    // is not held in memory a second time (a million rows took 4.6 GiB otherwise).
    book.set_tempdir(folder_of(path)).map_err(xf)?;
    let sheet = book.add_worksheet_with_constant_memory().map_err(xf)?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format(MONEY_FORMAT);
    for (c, h) in layout.headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, neutralise(h), &bold)
            .map_err(xf)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xf)?;
    let award_col = layout.at[1];
    let mut failed: Option<XlsxError> = None;
    for (j, chunk) in chunks.iter().enumerate() {
        let mut row = first_row.get(j).copied().unwrap_or(0);
        table.for_each_row(chunk, |_, cells| {
            let Some(r) = results.get(row) else { return };
            row += 1;
            if failed.is_some() {
                return;
            }
            let add = added(r);
            let xr = row as u32;
            for c in 0..layout.headers.len() {
                let cc = c as u16;
                let text = layout.cell(c, cells, &add);
                if text.is_empty() {
                    continue;
                }
                let number = if c == award_col {
                    r.award
                } else if cols.money.get(c).copied().unwrap_or(false) {
                    Money::parse(cells.cell(c)).ok()
                } else {
                    None
                };
                let res = match number.and_then(|m| m.plain().parse::<f64>().ok()) {
                    Some(x) => sheet.write_number_with_format(xr, cc, x, &money),
                    None => sheet.write_string(xr, cc, text.as_ref()),
                };
                if let Err(e) = res {
                    failed = Some(e);
                    return;
                }
            }
        });
    }
    if let Some(e) = failed {
        return Err(xf(e));
    }
    save_book(path, &mut book)
}

fn save_book(path: &Path, book: &mut Workbook) -> Result<NamedTempFile, Error> {
    let tmp = temp_beside(path)?;
    book.save_to_writer(BufWriter::new(tmp.as_file()))
        .map_err(|e| io_failure(path, e))?;
    tmp.as_file().sync_all().map_err(|e| io_failure(path, e))?;
    Ok(tmp)
}

/// A cell of a small table such as the summary.
pub enum Cell {
    Text(String),
    Count(usize),
    Money(Money),
}

/// Writes a small table (CSV or XLSX by extension) to a temporary file beside `path`.
pub fn write_table(
    path: &Path,
    headers: &[&str],
    rows: &[Vec<Cell>],
    bom: bool,
) -> Result<NamedTempFile, Error> {
    if is_xlsx(path) {
        let xf = |e: XlsxError| io_failure(path, e);
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let bold = Format::new().set_bold();
        let money = Format::new().set_num_format(MONEY_FORMAT);
        for (c, h) in headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, *h, &bold)
                .map_err(xf)?;
        }
        for (i, row) in rows.iter().enumerate() {
            let r = i as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(t) if t.is_empty() => continue,
                    Cell::Text(t) => sheet.write_string(r, c, neutralise(t)),
                    Cell::Count(n) => sheet.write_number(r, c, *n as f64),
                    Cell::Money(m) => match m.plain().parse::<f64>() {
                        Ok(x) => sheet.write_number_with_format(r, c, x, &money),
                        Err(_) => sheet.write_string(r, c, m.plain()),
                    },
                }
                .map_err(xf)?;
            }
        }
        return save_book(path, &mut book);
    }
    let tmp = temp_beside(path)?;
    {
        let mut out = BufWriter::new(tmp.as_file());
        if bom {
            out.write_all(b"\xEF\xBB\xBF")
                .map_err(|e| io_failure(path, e))?;
        }
        let mut w = csv::Writer::from_writer(out);
        w.write_record(headers).map_err(|e| io_failure(path, e))?;
        for row in rows {
            w.write_record(row.iter().map(|c| match c {
                Cell::Text(t) => neutralise(t).into_owned(),
                Cell::Count(n) => n.to_string(),
                Cell::Money(m) => m.plain(),
            }))
            .map_err(|e| io_failure(path, e))?;
        }
        w.flush().map_err(|e| io_failure(path, e))?;
    }
    tmp.as_file().sync_all().map_err(|e| io_failure(path, e))?;
    Ok(tmp)
}
