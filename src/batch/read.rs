//! Reading a round: the spreadsheet (CSV in UTF-8, UTF-8 with BOM or GBK/GB18030, or XLSX),
//! its header row mapped to facts through the vocabulary (names, labels, aliases), and each row
//! turned into an applicant and one item with `Value::from_text`, the facts files' conversion.
//!
//! A CSV body is cut into chunks at record boundaries so that rows are parsed on both cores;
//! a row is read again from its place (`Table::with_row`) when its applicant is evaluated, and
//! the chunks again when the output is written, so no row is held twice.

use std::ops::Range;
use std::path::Path;

use calamine::{DataRef, Reader};

use crate::error::InputError;
use crate::facts::{Item, Value};
use crate::rules::{Field, FieldType, RuleSet, Section};

/// The text encoding of a CSV input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 (with or without BOM) when the bytes are valid UTF-8, else GB18030 (GBK).
    #[default]
    Auto,
    Utf8,
    /// GBK, read as its superset GB18030.
    Gbk,
}

/// One row's cells, whether from a CSV record or an XLSX sheet.
pub trait Cells {
    fn cell(&self, i: usize) -> &str;
    fn count(&self) -> usize;
}

/// The cells of a record of UTF-8 text. A cell is a part of the text between delimiters (its
/// quotes removed), so it is UTF-8 too; were it not, it would read as empty.
struct Utf8Cells<'a>(&'a csv::ByteRecord);

impl Cells for Utf8Cells<'_> {
    fn cell(&self, i: usize) -> &str {
        self.0
            .get(i)
            .and_then(|c| simdutf8::basic::from_utf8(c).ok())
            .unwrap_or("")
    }
    fn count(&self) -> usize {
        self.0.len()
    }
}

impl Cells for csv::StringRecord {
    fn cell(&self, i: usize) -> &str {
        self.get(i).unwrap_or("")
    }
    fn count(&self) -> usize {
        self.len()
    }
}

/// One row's cells as bytes, for writing them out unchanged without checking UTF-8 again.
pub trait RawCells {
    fn raw(&self, i: usize) -> &[u8];
}

impl RawCells for csv::ByteRecord {
    fn raw(&self, i: usize) -> &[u8] {
        self.get(i).unwrap_or(b"")
    }
}

/// A reader of CSV records as every part of a round is read, a row read again included: no
/// header row, and rows of any length (a short or long row is reported, not refused).
pub fn csv_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
}

/// A part of the rows that can be read on its own.
#[derive(Clone, Debug)]
pub struct Chunk {
    /// Byte range of the CSV text, or row range of an XLSX sheet.
    range: Range<usize>,
    /// The file line of the chunk's first byte (CSV) or unused (XLSX).
    first_line: usize,
}

impl Chunk {
    /// Its bytes (CSV) or rows (XLSX), to size buffers.
    pub fn size(&self) -> usize {
        self.range.len()
    }
}

enum Body {
    /// UTF-8 text, a BOM included.
    Csv(Vec<u8>),
    /// A workbook's first sheet.
    Sheet(Sheet),
}

/// A sheet's cells as text, end to end, with each cell's place: about the size of the cells'
/// text, where a sheet of strings held cell by cell took several times the workbook's size.
struct Sheet {
    text: String,
    /// The cells with a value, by row and then column.
    cells: Vec<SheetCell>,
    /// Each row from the first with a value to the last: its sheet row number (1-based) and
    /// its cells (a range of `cells`, up to its last cell with text).
    rows: Vec<(usize, Range<usize>)>,
}

#[derive(Clone, Copy, Debug)]
struct SheetCell {
    row: u32,
    col: u32,
    /// Its text in `Sheet::text`.
    start: usize,
    end: usize,
}

/// One row of a sheet.
struct SheetCells<'a> {
    text: &'a str,
    cells: &'a [SheetCell],
}

impl SheetCells<'_> {
    fn get(&self, i: usize) -> &str {
        let Ok(i) = u32::try_from(i) else { return "" };
        match self.cells.binary_search_by_key(&i, |c| c.col) {
            Ok(at) => self
                .cells
                .get(at)
                .and_then(|c| self.text.get(c.start..c.end))
                .unwrap_or(""),
            Err(_) => "",
        }
    }
}

impl Cells for SheetCells<'_> {
    fn cell(&self, i: usize) -> &str {
        self.get(i)
    }
    fn count(&self) -> usize {
        self.cells.last().map_or(0, |c| c.col as usize + 1)
    }
}

impl RawCells for SheetCells<'_> {
    fn raw(&self, i: usize) -> &[u8] {
        self.get(i).as_bytes()
    }
}

impl Sheet {
    /// A sheet of cells read in any order: a later cell at the same place wins, and the rows
    /// run from the first with a value to the last, empty ones included.
    fn new(text: String, mut cells: Vec<SheetCell>) -> Sheet {
        // Cells do not always stand in order in a file.
        if !cells.is_sorted_by_key(|c| (c.row, c.col)) {
            cells.sort_by_key(|c| (c.row, c.col));
        }
        cells.dedup_by(|later, earlier| {
            let same = (later.row, later.col) == (earlier.row, earlier.col);
            if same {
                *earlier = *later;
            }
            same
        });
        let mut rows = Vec::new();
        if let (Some(first), Some(last)) = (cells.first(), cells.last()) {
            let mut at = 0;
            for r in first.row..=last.row {
                let from = at;
                while cells.get(at).is_some_and(|c| c.row == r) {
                    at += 1;
                }
                // Up to the last cell with text, as a row's cells are counted.
                let mut to = at;
                while to > from && cells[to - 1].start == cells[to - 1].end {
                    to -= 1;
                }
                rows.push((r as usize + 1, from..to));
            }
        }
        Sheet { text, cells, rows }
    }

    fn row(&self, i: usize) -> Option<(usize, SheetCells<'_>)> {
        let (line, cells) = self.rows.get(i)?;
        Some((
            *line,
            SheetCells {
                text: &self.text,
                cells: self.cells.get(cells.clone())?,
            },
        ))
    }
}

/// An input spreadsheet: its headers and its rows.
pub struct Table {
    /// The file as named in messages.
    pub file: String,
    pub headers: Vec<String>,
    body: Body,
    /// Where the CSV body starts (byte, line).
    body_start: (usize, usize),
}

fn is_xlsx(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "xlsx" | "xlsm" | "xls"))
}

/// The largest input a batch reads (512 MiB).
pub const MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;

impl Table {
    /// Reads the whole input: decodes a CSV, or loads the first sheet of a workbook.
    pub fn open(path: &Path, encoding: Encoding) -> Result<Table, InputError> {
        let file = path.display().to_string();
        // A round is held in memory (about 3 bytes for each byte of CSV): refuse what could
        // exhaust it, before reading. Real rounds are thousands of rows, far below the limit.
        if let Ok(meta) = std::fs::metadata(path)
            && meta.len() > MAX_INPUT_BYTES
        {
            return Err(InputError::new(
                &file,
                format!(
                    "文件过大 ({} 字节，上限 {MAX_INPUT_BYTES} 字节，约 300 万行)，请拆分后分批计算 / the file is too large ({} bytes; the limit is {MAX_INPUT_BYTES}, about 3 million rows): split the round",
                    meta.len(),
                    meta.len()
                ),
            ));
        }
        if is_xlsx(path) {
            return Table::open_xlsx(path, file);
        }
        let bytes = read_file(path).map_err(|e| {
            InputError::new(&file, format!("无法读取文件 / cannot read the file: {e}"))
        })?;
        let (text, bom) = decode(&file, bytes, encoding)?;
        let mut reader = csv_reader(text.get(bom..).unwrap_or_default());
        let mut header = csv::StringRecord::new();
        let found = reader
            .read_record(&mut header)
            .map_err(|e| InputError::new(&file, format!("CSV 格式错误 / invalid CSV: {e}")))?;
        if !found {
            return Err(InputError::new(
                &file,
                "文件为空，缺少表头行 / the file is empty: no header row",
            ));
        }
        // A tab- or semicolon-separated export reads as one column: say so, not "no type column".
        if header.len() == 1 && header.get(0).is_some_and(|h| h.contains(['\t', ';'])) {
            let mut err = InputError::new(
                &file,
                "表头只有一列，且含制表符或分号：请另存为“CSV UTF-8 (逗号分隔)”或 XLSX / the header is a single column containing tabs or semicolons: save it as \"CSV UTF-8 (Comma delimited)\" or XLSX",
            );
            err.line = Some(1);
            return Err(err);
        }
        let pos = reader.position();
        let body_start = (bom + pos.byte() as usize, pos.line() as usize);
        let headers = header.iter().map(|h| h.trim().to_string()).collect();
        Ok(Table {
            file,
            headers,
            body: Body::Csv(text),
            body_start,
        })
    }

    fn open_xlsx(path: &Path, file: String) -> Result<Table, InputError> {
        let bad = |e: String| {
            InputError::new(
                &file,
                format!("无法读取工作簿 / cannot read the workbook: {e}"),
            )
        };
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook(path).map_err(|e: calamine::XlsxError| bad(e.to_string()))?;
        let first = book
            .sheet_names()
            .first()
            .cloned()
            .ok_or_else(|| bad("没有工作表 / no sheet".into()))?;
        let (mut text, mut cells) = (String::new(), Vec::new());
        // The cells are read one by one as they stand in the file (as calamine builds its own
        // range, without holding that range): empty values are skipped.
        match book.worksheet_cells_reader(&first) {
            Ok(mut reader) => {
                while let Some(cell) = reader.next_cell().map_err(|e| bad(e.to_string()))? {
                    if matches!(cell.get_value(), DataRef::Empty) {
                        continue;
                    }
                    let start = text.len();
                    cell_text(cell.get_value(), &mut text);
                    let (row, col) = cell.get_position();
                    cells.push(SheetCell {
                        row,
                        col,
                        start,
                        end: text.len(),
                    });
                }
            }
            Err(calamine::XlsxError::NotAWorksheet(_)) => {}
            Err(e) => return Err(bad(e.to_string())),
        }
        let mut sheet = Sheet::new(text, cells);
        let Some((_, header)) = sheet.row(0) else {
            return Err(InputError::new(
                &file,
                "工作表为空，缺少表头行 / the sheet is empty: no header row",
            ));
        };
        let headers = (0..header.count())
            .map(|i| header.cell(i).trim().to_string())
            .collect();
        sheet.rows.remove(0);
        Ok(Table {
            file,
            headers,
            body: Body::Sheet(sheet),
            body_start: (0, 0),
        })
    }

    /// Splits the rows into about `n` chunks of similar size, at record boundaries.
    pub fn chunks(&self, target_bytes: usize) -> Vec<Chunk> {
        match &self.body {
            Body::Sheet(sheet) => {
                let (n, per) = (sheet.rows.len(), 20_000);
                (0..n)
                    .step_by(per)
                    .map(|s| Chunk {
                        range: s..(s + per).min(n),
                        first_line: 0,
                    })
                    .collect()
            }
            Body::Csv(text) => split_csv(text, self.body_start, target_bytes),
        }
    }

    /// The decoded CSV text (without BOM); `None` for a workbook.
    pub fn csv_text(&self) -> Option<&[u8]> {
        match &self.body {
            Body::Csv(text) => Some(text),
            Body::Sheet(_) => None,
        }
    }

    /// Calls `f(line, cells)` for each row of a chunk, in order.
    pub fn for_each_row(&self, chunk: &Chunk, mut f: impl FnMut(usize, &dyn Cells)) {
        self.for_each_row_verbatim(chunk, |line, cells, _| f(line, cells));
    }

    /// As `for_each_row`, with where the row stands in the CSV text (see `Span`).
    pub fn for_each_row_verbatim(
        &self,
        chunk: &Chunk,
        mut f: impl FnMut(usize, &dyn Cells, Option<Span>),
    ) {
        match &self.body {
            Body::Sheet(sheet) => {
                for (line, cells) in chunk.range.clone().filter_map(|i| sheet.row(i)) {
                    f(line, &cells, None);
                }
            }
            Body::Csv(text) => {
                let mut reader = csv_reader(&text[chunk.range.clone()]);
                // Bytes: the text was checked as UTF-8 once, and a row's cells are checked one
                // by one as they are read (`Utf8Cells`), most of them never.
                let mut record = csv::ByteRecord::new();
                let width = self.headers.len();
                loop {
                    match reader.read_byte_record(&mut record) {
                        Ok(true) => {
                            let line = record
                                .position()
                                .map_or(0, |p| p.line() as usize + chunk.first_line - 1);
                            let start = record.position().map_or(0, |p| p.byte() as usize);
                            let end = reader.position().byte() as usize;
                            let at = chunk.range.start + start;
                            let span = text
                                .get(at..chunk.range.start + end)
                                .and_then(|bytes| span(bytes, at, &record, width));
                            f(line, &Utf8Cells(&record), span);
                        }
                        Ok(false) => break,
                        // The reader is flexible and reads bytes: nothing to refuse.
                        Err(_) => break,
                    }
                }
            }
        }
    }

    /// Reads a byte of each cache line of some rows' text, so that `with_row` finds them in
    /// the cache.
    pub fn touch(&self, spans: impl Iterator<Item = Option<Span>>) {
        let Body::Csv(text) = &self.body else { return };
        let mut x = 0u8;
        for span in spans.flatten() {
            let start = span.start as usize;
            for at in (start..start + span.len as usize).step_by(64) {
                x ^= text.get(at).copied().unwrap_or(0);
            }
        }
        std::hint::black_box(x);
    }

    /// Reads one row again by its place: its span in the CSV text (see `Span`), or its index
    /// among a sheet's rows. `None` when a CSV row's span was not kept.
    pub fn with_row<R>(
        &self,
        row: usize,
        span: Option<Span>,
        scratch: &mut RowScratch,
        f: impl FnOnce(&dyn Cells) -> R,
    ) -> Option<R> {
        match &self.body {
            Body::Sheet(sheet) => sheet.row(row).map(|(_, cells)| f(&cells)),
            Body::Csv(text) => {
                let span = span?;
                let start = usize::try_from(span.start).ok()?;
                let bytes = text.get(start..start.checked_add(span.len as usize)?)?;
                if span.verbatim {
                    // Without quotes a record's cells are the text between its commas, as the
                    // csv reader reads them; its bytes are checked as UTF-8 once.
                    let line = simdutf8::basic::from_utf8(bytes).ok()?;
                    scratch.bounds.clear();
                    let mut from = 0;
                    for (i, b) in bytes.iter().enumerate() {
                        if *b == b',' {
                            scratch.bounds.push((from, i));
                            from = i + 1;
                        }
                    }
                    scratch.bounds.push((from, bytes.len()));
                    Some(f(&SplitCells {
                        line,
                        bounds: &scratch.bounds,
                    }))
                } else {
                    let mut reader = csv_reader(bytes);
                    match reader.read_byte_record(&mut scratch.record) {
                        Ok(true) => Some(f(&Utf8Cells(&scratch.record))),
                        _ => None,
                    }
                }
            }
        }
    }

    /// Calls `f(cells)` for each row of a chunk, in order, with the cells as bytes.
    pub fn for_each_raw_row(&self, chunk: &Chunk, mut f: impl FnMut(&dyn RawCells)) {
        match &self.body {
            Body::Sheet(sheet) => {
                for (_, cells) in chunk.range.clone().filter_map(|i| sheet.row(i)) {
                    f(&cells);
                }
            }
            Body::Csv(text) => {
                let mut reader = csv_reader(&text[chunk.range.clone()]);
                let mut record = csv::ByteRecord::new();
                // Records as `for_each_row` reads them: the reader is flexible, so it refuses nothing.
                while let Ok(true) = reader.read_byte_record(&mut record) {
                    f(&record);
                }
            }
        }
    }
}

/// Buffers for `Table::with_row`, reused from row to row.
#[derive(Default)]
pub struct RowScratch {
    bounds: Vec<(usize, usize)>,
    record: csv::ByteRecord,
}

/// The cells of a CSV line without quotes: the text between its commas.
struct SplitCells<'a> {
    line: &'a str,
    bounds: &'a [(usize, usize)],
}

impl Cells for SplitCells<'_> {
    fn cell(&self, i: usize) -> &str {
        self.bounds
            .get(i)
            .and_then(|&(from, to)| self.line.get(from..to))
            .unwrap_or("")
    }
    fn count(&self) -> usize {
        self.bounds.len()
    }
}

/// Where a CSV row stands in the text, and whether the CSV writer would write its cells back
/// as exactly those bytes: it has no `"` (so no cell holds a comma, quote or line break), one
/// cell per header, and no cell that `write::neutralise` would change.
#[derive(Clone, Copy, Debug)]
pub struct Span {
    pub start: u64,
    pub len: u32,
    pub verbatim: bool,
}

/// The span of a record read from `bytes` (the record and its line ending, from `at`).
fn span(bytes: &[u8], at: usize, record: &csv::ByteRecord, width: usize) -> Option<Span> {
    let len = u32::try_from(bytes.len()).ok()?;
    let whole = Span {
        start: at as u64,
        len,
        verbatim: false,
    };
    if record.len() != width
        || bytes.contains(&b'"')
        || record.iter().any(super::write::needs_neutralising)
    {
        return Some(whole);
    }
    // Without quotes, line breaks only end the record (or are blank lines around it).
    let Some(from) = bytes.iter().position(|&b| b != b'\r' && b != b'\n') else {
        return Some(whole);
    };
    let to = bytes
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(from, |p| p + 1);
    Some(Span {
        start: (at + from) as u64,
        len: u32::try_from(to - from).ok()?,
        verbatim: true,
    })
}

/// The text of an XLSX cell as a person would type it.
fn cell_text(d: &DataRef<'_>, out: &mut String) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = match d {
        DataRef::Empty => Ok(()),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            out.push_str(s);
            Ok(())
        }
        DataRef::SharedString(s) => {
            out.push_str(s);
            Ok(())
        }
        DataRef::Int(i) => write!(out, "{i}"),
        // The shortest decimal that reads back as the same double: what Excel displays.
        DataRef::Float(f) => write!(out, "{f}"),
        DataRef::Bool(b) => write!(out, "{b}"),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => write!(out, "{}", t.date()),
            Some(t) => write!(out, "{t}"),
            None => write!(out, "{}", dt.as_f64()),
        },
        DataRef::Error(e) => write!(out, "#{e:?}"),
    };
}

/// Reads a whole file. On unix a large file is read in two halves on two cores: copying it
/// from the page cache into a fresh buffer took a twentieth of a large round's run.
fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        let file = std::fs::File::open(path)?;
        let len = usize::try_from(file.metadata()?.len()).unwrap_or(0);
        if len >= 1 << 24 {
            let mut buf = vec![0u8; len];
            let (a, b) = buf.split_at_mut(len / 2);
            let (ra, rb) = rayon::join(
                || file.read_exact_at(a, 0),
                || file.read_exact_at(b, (len / 2) as u64),
            );
            match ra.and(rb) {
                Ok(()) => {
                    // Whatever was appended since the length was taken, as `fs::read` reads it.
                    let mut at = len as u64;
                    let mut more = [0u8; 1 << 16];
                    loop {
                        let n = file.read_at(&mut more, at)?;
                        if n == 0 {
                            return Ok(buf);
                        }
                        buf.extend_from_slice(&more[..n]);
                        at += n as u64;
                    }
                }
                // Shorter than it was: read it as it is now.
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {}
                Err(e) => return Err(e),
            }
        }
    }
    std::fs::read(path)
}

/// UTF-8 or GB18030 (which covers GBK and GB2312), as UTF-8 bytes and the length of a UTF-8
/// BOM at their start (kept in place rather than moving the whole text).
fn decode(file: &str, bytes: Vec<u8>, encoding: Encoding) -> Result<(Vec<u8>, usize), InputError> {
    let gbk = |bytes: &[u8]| {
        decode_gbk(bytes, PART).map(|text| (text, 0)).ok_or_else(|| {
            InputError::new(
                file,
                "文件既不是 UTF-8 也不是 GBK/GB18030 编码 / the file is neither UTF-8 nor GBK/GB18030",
            )
        })
    };
    let not_utf8 = |bytes: Vec<u8>| {
        let valid = std::str::from_utf8(&bytes).map_or_else(|e| e.valid_up_to(), |s| s.len());
        let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
        let mut err = InputError::new(
            file,
            "文件不是 UTF-8 编码 (GBK 文件可用 --encoding gbk) / the file is not UTF-8 (for GBK use --encoding gbk)",
        );
        err.line = Some(line);
        err
    };
    // Excel's "Unicode text" export: tab-separated UTF-16, named best by what to do instead.
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(InputError::new(
            file,
            "文件是 UTF-16 编码 (Excel 的“Unicode 文本”)，请另存为“CSV UTF-8 (逗号分隔)”或 XLSX / the file is UTF-16 (Excel's \"Unicode Text\"): save it as \"CSV UTF-8 (Comma delimited)\" or XLSX",
        ));
    }
    let bom = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    match encoding {
        Encoding::Gbk => gbk(&bytes),
        Encoding::Utf8 if is_utf8(&bytes) => Ok((bytes, bom)),
        Encoding::Utf8 => Err(not_utf8(bytes)),
        // UTF-8 when it has a BOM or reads as UTF-8.
        Encoding::Auto if is_utf8(&bytes) => Ok((bytes, bom)),
        Encoding::Auto if bom > 0 => Err(not_utf8(bytes)),
        Encoding::Auto => gbk(&bytes),
    }
}

/// Whether the bytes are UTF-8, checked in parts on all cores. Each part starts at a byte
/// that is not a continuation byte, so the whole is UTF-8 exactly when every part is.
fn is_utf8(bytes: &[u8]) -> bool {
    use rayon::prelude::*;
    cuts(bytes, PART, |at| {
        bytes.get(at).is_none_or(|&b| b & 0xC0 != 0x80)
    })
    .par_windows(2)
    .all(|w| simdutf8::basic::from_utf8(&bytes[w[0]..w[1]]).is_ok())
}

/// GB18030 text decoded to UTF-8 in parts of about `part` bytes on all cores; `None` when it
/// is not GB18030. A newline byte is never inside a multi-byte GB18030 character, so parts cut
/// after newlines decode to the parts of the whole text.
fn decode_gbk(bytes: &[u8], part: usize) -> Option<Vec<u8>> {
    use rayon::prelude::*;
    let parts: Option<Vec<String>> = cuts(bytes, part, |at| bytes.get(at - 1) == Some(&b'\n'))
        .par_windows(2)
        .map(|w| {
            encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(&bytes[w[0]..w[1]])
                .map(std::borrow::Cow::into_owned)
        })
        .collect();
    parts.map(|p| p.concat().into_bytes())
}

/// The size of the parts a whole file is checked or decoded in on the cores.
const PART: usize = 1 << 22;

/// Places to cut `bytes` into parts of about `part` bytes: each cut moves forward to the
/// first place `starts_part` accepts. Begins with 0 and ends with the length.
fn cuts(bytes: &[u8], part: usize, starts_part: impl Fn(usize) -> bool) -> Vec<usize> {
    let part = part.max(1);
    let mut cuts = vec![0];
    let mut at = part;
    while at < bytes.len() {
        while at < bytes.len() && !starts_part(at) {
            at += 1;
        }
        cuts.push(at);
        at += part;
    }
    cuts.push(bytes.len());
    cuts
}

/// Cuts a CSV body at newlines outside quoted fields (an even count of `"` before them).
fn split_csv(bytes: &[u8], start: (usize, usize), target: usize) -> Vec<Chunk> {
    let counts = Counts::new(bytes);
    let mut chunks = Vec::new();
    let (mut from, mut line) = start;
    let mut quotes_odd = false;
    let mut pos = from;
    let target = target.max(1);
    while from < bytes.len() {
        let goal = from.saturating_add(target).min(bytes.len());
        // Count quotes and newlines up to the goal, then look for a clean newline.
        let (quotes, mut newlines) = counts.between(bytes, pos, goal);
        quotes_odd ^= quotes % 2 == 1;
        let mut end = goal;
        while end < bytes.len() {
            let b = bytes[end];
            end += 1;
            if b == b'"' {
                quotes_odd = !quotes_odd;
            } else if b == b'\n' {
                newlines += 1;
                if !quotes_odd {
                    break;
                }
            }
        }
        chunks.push(Chunk {
            range: from..end,
            first_line: line,
        });
        line += newlines;
        from = end;
        pos = end;
    }
    chunks
}

/// Quotes and newlines before each block of a text, counted on all cores, so that those of
/// any span are found without reading all of it.
struct Counts {
    /// (quotes, newlines) before block `i`.
    before: Vec<(usize, usize)>,
}

impl Counts {
    const BLOCK: usize = 1 << 16;

    fn count(bytes: &[u8]) -> (usize, usize) {
        let quotes = bytes.iter().filter(|&&b| b == b'"').count();
        let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
        (quotes, newlines)
    }

    fn new(bytes: &[u8]) -> Counts {
        use rayon::prelude::*;
        let blocks: Vec<(usize, usize)> =
            bytes.par_chunks(Counts::BLOCK).map(Counts::count).collect();
        let mut before = Vec::with_capacity(blocks.len() + 1);
        let mut sum = (0, 0);
        before.push(sum);
        for (q, n) in blocks {
            sum = (sum.0 + q, sum.1 + n);
            before.push(sum);
        }
        Counts { before }
    }

    /// Quotes and newlines in `bytes[from..to]`.
    fn between(&self, bytes: &[u8], from: usize, to: usize) -> (usize, usize) {
        let (first, last) = (from.div_ceil(Counts::BLOCK), to / Counts::BLOCK);
        match (self.before.get(first), self.before.get(last)) {
            (Some(a), Some(b)) if first < last => {
                let head = Counts::count(&bytes[from..first * Counts::BLOCK]);
                let tail = Counts::count(&bytes[last * Counts::BLOCK..to]);
                (head.0 + (b.0 - a.0) + tail.0, head.1 + (b.1 - a.1) + tail.1)
            }
            _ => Counts::count(&bytes[from..to]),
        }
    }
}

// ---- columns ------------------------------------------------------------------------------

fn matches(header: &str, names: &[&str]) -> bool {
    names
        .iter()
        .any(|n| *n == header || n.eq_ignore_ascii_case(header))
}

fn field_matches(field: &Field, header: &str) -> bool {
    field.name == header
        || field.label == header
        || field.label_en.eq_ignore_ascii_case(header)
        || field
            .aliases
            .iter()
            .any(|a| a == header || a.eq_ignore_ascii_case(header))
}

/// Which column holds which fact, per section; and the batch's own columns.
#[derive(Clone, Debug)]
pub struct Columns {
    pub kind: Option<usize>,
    pub clause: Option<usize>,
    pub award: Option<usize>,
    pub status: Option<usize>,
    pub reason: Option<usize>,
    /// `[section][field]` → column.
    pub fields: Vec<Vec<Option<usize>>>,
    /// Columns that hold money in some section (written as numbers in XLSX).
    pub money: Vec<bool>,
}

impl Columns {
    /// Maps the headers for the given sections (other sections get no columns).
    pub fn map(
        rules: &RuleSet,
        file: &str,
        headers: &[String],
        sections: &[usize],
    ) -> Result<Columns, InputError> {
        let b = &rules.vocabulary.batch;
        let find = |names: &[String]| {
            let names: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
            headers.iter().position(|h| matches(h, &names))
        };
        let mut fields = Vec::with_capacity(rules.vocabulary.sections.len());
        let mut money = vec![false; headers.len()];
        for (si, section) in rules.vocabulary.sections.iter().enumerate() {
            let mut cols = vec![None; section.fields.len()];
            if !sections.contains(&si) {
                fields.push(cols);
                continue;
            }
            for (fi, field) in section.fields.iter().enumerate() {
                let hits: Vec<usize> = headers
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| field_matches(field, h))
                    .map(|(c, _)| c)
                    .collect();
                if hits.len() > 1 {
                    let names: Vec<&str> = hits.iter().map(|&c| headers[c].as_str()).collect();
                    return Err(InputError::new(
                        file,
                        format!(
                            "多列都表示“{}”({}): {}，请只保留一列 / several columns give `{}.{}`: {}; keep one",
                            field.label,
                            field.name,
                            names.join(", "),
                            section.name,
                            field.name,
                            names.join(", ")
                        ),
                    )
                    .field(field.name.clone()));
                }
                cols[fi] = hits.first().copied();
                if let Some(&c) = hits.first()
                    && field.ty == FieldType::Money
                {
                    money[c] = true;
                }
            }
            fields.push(cols);
        }
        Ok(Columns {
            kind: find(&b.kind),
            clause: find(&b.clause),
            award: find(&b.award),
            status: find(&b.status),
            reason: find(&b.reason),
            fields,
            money,
        })
    }

    /// Refuses a round that lacks the type column or a required applicant column.
    pub fn require_round(&self, rules: &RuleSet, file: &str) -> Result<(), InputError> {
        let b = &rules.vocabulary.batch;
        if self.kind.is_none() {
            return Err(InputError::new(
                file,
                format!(
                    "缺少“类型”列 (表头: {}) / the `type` column is missing (headers: {})",
                    b.kind.join(", "),
                    b.kind.join(", ")
                ),
            )
            .field("type"));
        }
        let a = rules.roles.applicant;
        for (fi, f) in rules.section(a).fields.iter().enumerate() {
            if f.required && self.fields[a][fi].is_none() {
                return Err(missing_column(f, rules.section(a)).into_error(file));
            }
        }
        Ok(())
    }
}

struct Missing(String);

impl Missing {
    fn into_error(self, file: &str) -> InputError {
        InputError::new(file, self.0)
    }
}

fn missing_column(f: &Field, section: &Section) -> Missing {
    Missing(format!(
        "缺少“{}”列 ({})，{}需要 (可用表头: {}) / the column `{}` ({}) is missing, needed by {} rows",
        f.label,
        f.name,
        section.label,
        std::iter::once(f.name.as_str())
            .chain(f.aliases.iter().map(|s| s.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
        f.name,
        f.label_en,
        section.name
    ))
}

// ---- rows ---------------------------------------------------------------------------------

/// What one input row says.
#[derive(Clone, Debug)]
pub enum Row {
    /// Every cell blank: kept in the output, not evaluated.
    Empty,
    /// Bad data; `code` is the credit code when it could be read, to tell its applicant.
    Error {
        message: String,
        code: Option<String>,
    },
    /// The applicant's cells are kept as text (`applicant`, a range of the chunk's `raw`
    /// bytes): they are the same on every row of a unit, so they are only converted when they
    /// differ from the unit's first row (see `applicant_raw`).
    Item {
        /// The credit code; empty when `key` holds it (see `Row::code`).
        code: String,
        /// The code as a hash key held inline, when it is short enough (`code_key`).
        key: Option<CodeKey>,
        applicant: Range<usize>,
        section: usize,
        item: Item,
    },
}

/// Conversions of cell text already seen, per field: a round repeats a few words (是/否, 企业,
/// dates) a million times, and one hash lookup is cheaper than matching every alias again.
/// Only successful conversions are kept, so every message is still made by `Value::from_text`.
pub struct Memo {
    /// `[section][field]`; `None` for fields whose values seldom repeat (text, money, numbers).
    fields: Vec<Vec<Option<Remembered>>>,
    kinds: foldhash::HashMap<Box<str>, Option<usize>>,
}

type Remembered = foldhash::HashMap<Box<str>, Value>;

/// A bound on each memo, against a file of a million different spellings.
const MEMO_MAX: usize = 4096;

impl Memo {
    pub fn new(rules: &RuleSet) -> Memo {
        let fields = rules
            .vocabulary
            .sections
            .iter()
            .map(|s| {
                s.fields
                    .iter()
                    .map(|f| {
                        matches!(
                            f.ty,
                            FieldType::Bool | FieldType::Enum | FieldType::Date | FieldType::Year
                        )
                        .then(foldhash::HashMap::default)
                    })
                    .collect()
            })
            .collect();
        Memo {
            fields,
            kinds: foldhash::HashMap::default(),
        }
    }

    /// `Value::from_text`, remembered.
    fn convert(
        &mut self,
        si: usize,
        fi: usize,
        field: &Field,
        text: &str,
    ) -> Result<Value, String> {
        let Some(map) = self
            .fields
            .get_mut(si)
            .and_then(|f| f.get_mut(fi))
            .and_then(|m| m.as_mut())
        else {
            return Value::from_text(field, text);
        };
        if let Some(v) = map.get(text) {
            return Ok(v.clone());
        }
        let v = Value::from_text(field, text)?;
        if map.len() < MEMO_MAX {
            map.insert(text.into(), v.clone());
        }
        Ok(v)
    }

    /// `section_of`, remembered.
    fn section(&mut self, rules: &RuleSet, allowed: &[usize], text: &str) -> Option<usize> {
        if let Some(&s) = self.kinds.get(text) {
            return s;
        }
        let s = section_of(rules, allowed, text);
        if self.kinds.len() < MEMO_MAX {
            self.kinds.insert(text.into(), s);
        }
        s
    }
}

impl Row {
    /// The credit code of an item row, or of an error row when it could be read.
    pub fn code(&self) -> Option<&str> {
        match self {
            Row::Item { code, key, .. } => Some(code_text(code, key.as_ref())),
            Row::Error { code, .. } => code.as_deref(),
            Row::Empty => None,
        }
    }
}

/// A code held as text or in its key.
pub fn code_text<'a>(code: &'a str, key: Option<&'a CodeKey>) -> &'a str {
    match key {
        Some((bytes, len)) => bytes
            .get(..*len as usize)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or(code),
        None => code,
    }
}

/// Reads the sections a row may name in its type column: those a clause reads.
pub fn row_sections(rules: &RuleSet) -> Vec<usize> {
    let mut s: Vec<usize> = rules.clauses.iter().map(|c| c.section).collect();
    s.sort_unstable();
    s.dedup();
    s
}

/// The section a type cell names, by name, label or alias.
pub fn section_of(rules: &RuleSet, allowed: &[usize], text: &str) -> Option<usize> {
    let t = text.trim();
    allowed.iter().copied().find(|&si| {
        let s = rules.section(si);
        s.name.eq_ignore_ascii_case(t)
            || s.label == t
            || s.label_en.eq_ignore_ascii_case(t)
            || s.aliases
                .iter()
                .any(|a| a == t || a.eq_ignore_ascii_case(t))
    })
}

/// Reads one row into its credit code, its applicant's cells and one item; a row with any
/// problem is read again by `parse_row_full`, which reports them all.
#[allow(clippy::too_many_arguments)]
pub fn parse_row(
    rules: &RuleSet,
    cols: &Columns,
    headers: &[String],
    allowed: &[usize],
    line: usize,
    cells: &dyn Cells,
    memo: &mut Memo,
    raw: &mut Vec<u8>,
) -> Row {
    let n = cells.count();
    if is_blank(cells) {
        return Row::Empty;
    }
    let full = |memo: &mut Memo| parse_row_full(rules, cols, headers, allowed, line, cells, memo);
    if n > headers.len() && (headers.len()..n).any(|i| !cells.cell(i).trim().is_empty()) {
        return full(memo);
    }
    let Some((code, key)) = read_code(rules, cols, cells) else {
        return full(memo);
    };
    let kind_text = cols.kind.map_or("", |c| cells.cell(c)).trim();
    let Some(section) = (!kind_text.is_empty())
        .then(|| memo.section(rules, allowed, kind_text))
        .flatten()
    else {
        return full(memo);
    };
    let mut problems = Vec::new();
    let item = read_item(
        rules,
        cols,
        headers,
        section,
        line,
        cells,
        &mut problems,
        memo,
    );
    if !problems.is_empty() {
        return full(memo);
    }
    let start = raw.len();
    applicant_raw(rules, cols, cells, raw);
    Row::Item {
        key,
        code,
        applicant: start..raw.len(),
        section,
        item,
    }
}

/// A row's credit code when it reads well: held in its key alone when it is a valid code
/// (no String a row), as text otherwise. `None` sends the row to `parse_row_full`.
pub fn read_code(
    rules: &RuleSet,
    cols: &Columns,
    cells: &dyn Cells,
) -> Option<(String, Option<CodeKey>)> {
    let a = rules.roles.applicant;
    let cc = rules.roles.credit_code;
    let c = cols.fields[a].get(cc).copied().flatten()?;
    let field = rules.section(a).fields.get(cc)?;
    let text = cells.cell(c).trim();
    match crate::credit_code::canonical(text) {
        Some(bytes) if field.ty == FieldType::CreditCode => {
            let mut key = [0; 31];
            key[..18].copy_from_slice(&bytes);
            Some((String::new(), Some((key, 18))))
        }
        _ => match Value::from_text(field, text) {
            Ok(Value::Text(code)) if !text.is_empty() => {
                let key = code_key(&code);
                Some((code, key))
            }
            _ => None,
        },
    }
}

/// Whether every cell of a row is blank.
pub fn is_blank(cells: &dyn Cells) -> bool {
    (0..cells.count()).all(|i| cells.cell(i).trim().is_empty())
}

/// A credit code (18 bytes) held inline as a hash key, so that looking a row's applicant up
/// reads no other memory; `None` for a longer text.
pub type CodeKey = ([u8; 31], u8);

pub fn code_key(code: &str) -> Option<CodeKey> {
    let b = code.as_bytes();
    let mut key = [0; 31];
    key.get_mut(..b.len())?.copy_from_slice(b);
    Some((key, b.len() as u8))
}

/// The applicant's cells but the credit code, trimmed, each with its length: rows whose
/// bytes are equal convert to equal facts.
fn applicant_raw(rules: &RuleSet, cols: &Columns, cells: &dyn Cells, raw: &mut Vec<u8>) {
    let a = rules.roles.applicant;
    for (fi, c) in cols.fields[a].iter().enumerate() {
        if let Some(c) = c
            && fi != rules.roles.credit_code
        {
            let t = cells.cell(*c).trim().as_bytes();
            raw.extend_from_slice(&(t.len() as u32).to_le_bytes());
            raw.extend_from_slice(t);
        }
    }
}

/// The applicant of a row read by `parse_row`, from its credit code and the bytes kept by
/// `applicant_raw`; the problems are those `parse_row_full` would report for it.
#[allow(clippy::too_many_arguments)]
pub fn parse_applicant(
    rules: &RuleSet,
    cols: &Columns,
    headers: &[String],
    line: usize,
    code: &str,
    raw: &[u8],
    memo: &mut Memo,
) -> Result<Item, String> {
    let a = rules.roles.applicant;
    let mut texts: Vec<(usize, &str)> = Vec::new();
    let mut rest = raw;
    for (fi, c) in cols.fields[a].iter().enumerate() {
        if let Some(c) = c
            && fi != rules.roles.credit_code
        {
            let (len, tail) = rest.split_at_checked(4).unwrap_or((&[0; 4], &[]));
            let len = u32::from_le_bytes(len.try_into().unwrap_or([0; 4])) as usize;
            let (t, tail) = tail.split_at_checked(len).unwrap_or((tail, &[]));
            texts.push((*c, std::str::from_utf8(t).unwrap_or("")));
            rest = tail;
        }
    }
    if let Some(c) = cols.fields[a]
        .get(rules.roles.credit_code)
        .copied()
        .flatten()
    {
        texts.push((c, code));
    }
    let cells = Sparse(texts);
    let mut problems = Vec::new();
    let item = read_item(rules, cols, headers, a, line, &cells, &mut problems, memo);
    if problems.is_empty() {
        Ok(item)
    } else {
        Err(problems.join("；"))
    }
}

/// A few cells of a row by column.
struct Sparse<'a>(Vec<(usize, &'a str)>);

impl Cells for Sparse<'_> {
    fn cell(&self, i: usize) -> &str {
        self.0.iter().find(|(c, _)| *c == i).map_or("", |(_, t)| t)
    }
    fn count(&self) -> usize {
        self.0.iter().map(|(c, _)| c + 1).max().unwrap_or(0)
    }
}

/// Reads a row with some problem: every problem of the row is reported at once, in column
/// order (extra cells, applicant, type, item).
#[allow(clippy::too_many_arguments)]
fn parse_row_full(
    rules: &RuleSet,
    cols: &Columns,
    headers: &[String],
    allowed: &[usize],
    line: usize,
    cells: &dyn Cells,
    memo: &mut Memo,
) -> Row {
    let n = cells.count();
    let mut problems: Vec<String> = Vec::new();
    if n > headers.len() && (headers.len()..n).any(|i| !cells.cell(i).trim().is_empty()) {
        problems.push(format!(
            "本行有 {n} 格，多于表头的 {} 列 (可能是金额中的逗号未加引号) / the row has {n} cells, more than the {} headers (an unquoted comma?)",
            headers.len(),
            headers.len()
        ));
    }
    let a = rules.roles.applicant;
    let applicant = read_item(rules, cols, headers, a, line, cells, &mut problems, memo);
    let code = applicant.text(rules.roles.credit_code).map(str::to_string);
    let kind_text = cols.kind.map_or("", |c| cells.cell(c)).trim();
    let section = if kind_text.is_empty() {
        problems.push("“类型”为空 / the type is empty".to_string());
        None
    } else {
        let s = memo.section(rules, allowed, kind_text);
        if s.is_none() {
            let names: Vec<String> = allowed
                .iter()
                .map(|&si| {
                    let s = rules.section(si);
                    format!("{} ({})", s.name, s.aliases.first().unwrap_or(&s.label))
                })
                .collect();
            problems.push(format!(
                "未知的类型“{kind_text}”，应为: {} / unknown type `{kind_text}`; expected one of: {}",
                names.join(", "),
                names.join(", ")
            ));
        }
        s
    };
    if let Some(si) = section {
        read_item(rules, cols, headers, si, line, cells, &mut problems, memo);
    }
    Row::Error {
        message: problems.join("；"),
        code,
    }
}

/// Reads a plain prior table's row (the vocabulary's `prior` section).
pub fn parse_prior_item(
    rules: &RuleSet,
    cols: &Columns,
    headers: &[String],
    line: usize,
    cells: &dyn Cells,
    memo: &mut Memo,
) -> Result<Item, String> {
    let mut problems = Vec::new();
    let item = read_item(
        rules,
        cols,
        headers,
        rules.roles.prior,
        line,
        cells,
        &mut problems,
        memo,
    );
    if problems.is_empty() {
        Ok(item)
    } else {
        Err(problems.join("；"))
    }
}

#[allow(clippy::too_many_arguments)]
fn read_item(
    rules: &RuleSet,
    cols: &Columns,
    headers: &[String],
    si: usize,
    line: usize,
    cells: &dyn Cells,
    problems: &mut Vec<String>,
    memo: &mut Memo,
) -> Item {
    let section = rules.section(si);
    let mut item = Item::empty(section, line);
    for (fi, field) in section.fields.iter().enumerate() {
        let Some(c) = cols.fields[si][fi] else {
            if field.required {
                problems.push(missing_column(field, section).0);
            }
            continue;
        };
        let text = cells.cell(c).trim();
        if text.is_empty() {
            if field.required {
                problems.push(format!(
                    "“{}”({}) 为空，{}必填 / `{}` is empty: required for {} rows, expected {}",
                    headers[c],
                    field.name,
                    section.label,
                    field.name,
                    section.name,
                    field.ty.expected()
                ));
            }
            continue;
        }
        match memo.convert(si, fi, field, text) {
            Ok(v) => item.values[fi] = Some(v),
            Err(m) => problems.push(format!("“{}”({}): {m}", headers[c], field.name)),
        }
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cells of each row of `body` (after a three-column header) as read in file order,
    /// and as read again from the row's place by `with_row`.
    fn rows_both_ways(body: &str) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("round.csv");
        std::fs::write(&path, format!("h1,h2,h3\n{body}")).unwrap();
        let table = Table::open(&path, Encoding::Utf8).unwrap();
        let cells_of = |c: &dyn Cells| (0..c.count()).map(|i| c.cell(i).to_string()).collect();
        let (mut in_order, mut again) = (Vec::new(), Vec::new());
        let mut scratch = RowScratch::default();
        for chunk in table.chunks(16) {
            let mut spans = Vec::new();
            table.for_each_row_verbatim(&chunk, |_, cells, span| {
                in_order.push(cells_of(cells));
                spans.push(span);
            });
            for span in spans {
                again.push(
                    table
                        .with_row(0, span, &mut scratch, cells_of)
                        .expect("a CSV row has a span"),
                );
            }
        }
        (in_order, again)
    }

    /// A sheet is read cell by cell: its header is the first row with a value (lines are sheet
    /// rows), columns left of the first value stay in place, empty rows in the middle are kept,
    /// trailing empty cells are not counted, and numbers, dates and booleans read as typed.
    #[test]
    fn a_sheet_reads_as_its_rows_and_cells() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("round.xlsx");
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        // Rows 1-2 empty; the header on row 3 from column B; row 5 empty; row 6 ends in "".
        for (c, h) in ["type", "amount", "date", "ok"].iter().enumerate() {
            sheet.write_string(2, 1 + c as u16, *h).unwrap();
        }
        sheet.write_string(3, 1, "compute").unwrap();
        sheet.write_number(3, 2, 1200000.5).unwrap();
        let date = ExcelDateTime::parse_from_str("2026-02-01").unwrap();
        let date_format = Format::new().set_num_format("yyyy-mm-dd");
        sheet
            .write_datetime_with_format(3, 3, &date, &date_format)
            .unwrap();
        sheet.write_boolean(3, 4, true).unwrap();
        sheet.write_string(5, 1, "model").unwrap();
        sheet.write_number(5, 2, 300000.0).unwrap();
        sheet.write_string(5, 3, "").unwrap();
        book.save(&path).unwrap();

        let table = Table::open(&path, Encoding::Auto).unwrap();
        assert_eq!(table.headers, ["", "type", "amount", "date", "ok"]);
        let mut rows = Vec::new();
        for chunk in table.chunks(1) {
            table.for_each_row(&chunk, |line, cells| {
                let texts: Vec<String> = (0..cells.count())
                    .map(|i| cells.cell(i).to_string())
                    .collect();
                rows.push((line, texts));
            });
        }
        assert_eq!(
            rows,
            [
                (
                    4,
                    vec!["", "compute", "1200000.5", "2026-02-01", "true"]
                        .into_iter()
                        .map(String::from)
                        .collect::<Vec<_>>()
                ),
                (5, vec![]),
                (6, vec!["".to_string(), "model".into(), "300000".into()]),
            ]
        );
    }

    proptest::proptest! {
        /// Cells in any order, repeated places and empty texts included, make the rows a dense
        /// grid of the same cells would: the last text at each place, every row from the first
        /// with a cell to the last, each row counted up to its last cell with text.
        #[test]
        fn a_sheet_of_cells_in_any_order_is_its_grid(
            placed in proptest::collection::vec((0u32..6, 0u32..5, 0usize..3), 0..40)
        ) {
            let words = ["", "a", "中文"];
            let mut text = String::new();
            let mut cells = Vec::new();
            let mut grid = vec![vec![""; 5]; 6];
            for &(row, col, w) in &placed {
                let start = text.len();
                text.push_str(words[w]);
                cells.push(SheetCell { row, col, start, end: text.len() });
                grid[row as usize][col as usize] = words[w];
            }
            let sheet = Sheet::new(text, cells);
            let mut expected = Vec::new();
            if let (Some(lo), Some(hi)) = (
                placed.iter().map(|p| p.0).min(),
                placed.iter().map(|p| p.0).max(),
            ) {
                for r in lo..=hi {
                    let row = &grid[r as usize];
                    let n = row.iter().rposition(|t| !t.is_empty()).map_or(0, |i| i + 1);
                    let cells: Vec<String> = row[..n].iter().map(|t| t.to_string()).collect();
                    expected.push((r as usize + 1, cells));
                }
            }
            let got: Vec<(usize, Vec<String>)> = (0..sheet.rows.len())
                .filter_map(|i| sheet.row(i))
                .map(|(line, c)| (line, (0..c.count()).map(|i| c.cell(i).to_string()).collect()))
                .collect();
            proptest::prop_assert_eq!(got, expected);
        }
    }

    /// GBK text of several parts decodes, part by part on the cores, to the whole text; bad
    /// bytes in a later part are still refused.
    #[test]
    fn gbk_decodes_in_parts_as_a_whole() {
        let line = "算力券,温州甲智能科技有限公司,是,1200000.50\n";
        let text = line.repeat(40);
        let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
        // Parts of about 100 bytes: some 20 of them, each cut after a newline.
        let cut = cuts(&gbk, 100, |at| gbk.get(at - 1) == Some(&b'\n'));
        assert!(cut.len() > 10);
        assert_eq!(decode_gbk(&gbk, 100).as_deref(), Some(text.as_bytes()));
        let mut bad = gbk.to_vec();
        let at = bad.len() - 10;
        bad[at] = 0xFF;
        assert_eq!(decode_gbk(&bad, 100), None);
        // Through `decode`, as a file is read.
        let (decoded, bom) = decode("t.csv", gbk.to_vec(), Encoding::Gbk).unwrap();
        assert_eq!((decoded.as_slice(), bom), (text.as_bytes(), 0));
    }

    /// A row read again from its place has the cells it had when the file was read in order,
    /// whether it is split at its commas (no quotes) or read by the csv reader.
    #[test]
    fn a_row_read_again_has_the_same_cells() {
        let (in_order, again) = rows_both_ways(
            "a,b,c\n\"x,1\",y,\"q\"\"\"\n\n中 ,=1, \r\nd,e\n\"multi\nline\",f,g\r\n,,\n",
        );
        assert_eq!(in_order.len(), 6);
        assert_eq!(in_order[1], ["x,1", "y", "q\""]);
        assert_eq!(in_order[2], ["中 ", "=1", " "]);
        assert_eq!(in_order[4], ["multi\nline", "f", "g"]);
        assert_eq!(in_order, again);
    }

    proptest::proptest! {
        #[test]
        fn any_row_read_again_has_the_same_cells(body in "[a中,\"\n\r =]{0,120}") {
            let (in_order, again) = rows_both_ways(&body);
            proptest::prop_assert_eq!(in_order, again);
        }
    }

    /// The block counts give the quotes and newlines of any span, as counting it directly does.
    #[test]
    fn counts_of_spans_match_direct_counts() {
        // Three and a half blocks of a text with quotes and newlines at irregular places.
        let text: Vec<u8> = (0..Counts::BLOCK * 7 / 2)
            .map(|i| match i % 97 {
                0 | 13 => b'"',
                41 => b'\n',
                _ => b'a',
            })
            .collect();
        let counts = Counts::new(&text);
        let b = Counts::BLOCK;
        for (from, to) in [
            (0, 0),
            (0, text.len()),
            (5, 17),
            (b - 3, b + 3),
            (b, 2 * b),
            (1, 3 * b + 1),
            (2 * b + 7, text.len()),
        ] {
            assert_eq!(
                counts.between(&text, from, to),
                Counts::count(&text[from..to])
            );
        }
    }

    /// Chunks cut at clean newlines only: a quoted field with line breaks stays whole.
    #[test]
    fn chunks_end_at_newlines_outside_quotes() {
        let text = b"a,b\n\"x\ny\",z\nc,d\n";
        let chunks = split_csv(text, (0, 1), 1);
        let ranges: Vec<_> = chunks.iter().map(|c| c.range.clone()).collect();
        // Bytes 0..4 `a,b\n` (line 1); 4..12 `"x\ny",z\n` (lines 2-3, the newline at 6 is
        // inside quotes); 12..16 `c,d\n` (line 4).
        assert_eq!(ranges, vec![0..4, 4..12, 12..16]);
        let lines: Vec<_> = chunks.iter().map(|c| c.first_line).collect();
        assert_eq!(lines, vec![1, 2, 4]);
    }
}
