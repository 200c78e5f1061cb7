//! Reading a spreadsheet file (a round, an earlier round's output as priors, an output for the
//! notice): a CSV (UTF-8, UTF-8 with BOM, or GBK/GB18030, decoded with
//! encoding_rs) or the first sheet of a workbook (XLSX, XLS, ODS, XLSB: calamine), held as UTF-8
//! CSV text, and its records read in file order with one reused `csv::ByteRecord`, each with its
//! spreadsheet row number (the line or row Excel shows, the header being row 1).
//!
//! What a file is comes from its first bytes (and a zip's entries), not its name; a PDF or a
//! Word file is named as what it is. Limits hold while reading: a workbook's entries are sized
//! from its zip directory before calamine opens it (the zip crate refuses an entry that inflates
//! past its declared size), and a sheet's rows and columns are checked cell by cell.
//! A workbook's cells that are not text keep their kind beside the text (`Kinds`), so that an
//! XLSX output gives each cell back the type it came in with; rows are parsed from the text alone.

use std::io::Read;

use calamine::{Data, DataRef, Reader, Sheets};

use crate::error::InputError;
use crate::progress::Progress;
use crate::sheet::formula::formula_like;

/// The text encoding of a CSV input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 (with or without BOM) when the bytes are valid UTF-8, else GB18030 (GBK).
    #[default]
    Auto,
    Utf8,
    Gbk,
}

/// The largest input a batch reads (512 MiB).
pub const MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;

/// The largest part of a workbook read, uncompressed (512 MiB): a sheet, its shared strings.
pub const MAX_SHEET_BYTES: u64 = 512 * 1024 * 1024;

/// The most rows and columns a sheet may have: Excel's own (1,048,576 rows, XFD).
pub const MAX_SHEET_ROWS: u32 = 1_048_576;
const MAX_SHEET_COLUMNS: u32 = 16_384;

/// A row's line as the clerk sees it in the spreadsheet (the header is line 1), distinct from
/// the row's position in the round.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Line(pub u32);

impl Line {
    /// The line numbered `n` (a file's line count, far below 4 billion).
    pub fn at(n: usize) -> Line {
        Line(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// The number, as an input error or a facts item holds it.
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// One row's cells, and their text as one string, checked to be UTF-8 once for the row.
pub struct Cells<'a>(&'a csv::ByteRecord, &'a str);

impl<'a> Cells<'a> {
    /// A cell's text, or "" past the row's end. A cell of UTF-8 text is UTF-8 (the reader
    /// splits at ASCII bytes), so the check never fails on a decoded file.
    pub fn get(&self, i: usize) -> &'a str {
        match self.0.range(i) {
            Some(range) => self.1.get(range).unwrap_or(""),
            None => "",
        }
    }

    /// A cell's bytes, for writing it out unchanged.
    pub fn raw(&self, i: usize) -> &'a [u8] {
        self.0.get(i).unwrap_or(b"")
    }

    pub fn count(&self) -> usize {
        self.0.len()
    }

    /// Whether every cell is blank.
    pub fn is_blank(&self) -> bool {
        (0..self.count()).all(|i| self.get(i).trim().is_empty())
    }
}

/// What a workbook cell held, when it was not text. Its text is what the kind prints as (a
/// number the shortest decimal of its double, a date `2026-02-01`), so the kind and the text
/// give the cell back exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Number,
    Date,
    DateTime,
    Bool,
}

impl Kind {
    fn of(d: &DataRef<'_>) -> Kind {
        match d {
            DataRef::Int(_) | DataRef::Float(_) => Kind::Number,
            DataRef::Bool(_) => Kind::Bool,
            DataRef::DateTime(dt) => match dt.as_datetime() {
                Some(t) if t.time() == chrono::NaiveTime::MIN => Kind::Date,
                Some(_) => Kind::DateTime,
                None => Kind::Number,
            },
            _ => Kind::Text,
        }
    }
}

/// The kinds of one row's cells that are not text, by column.
pub struct Kinds<'a>(&'a [(u32, u32, Kind)]);

impl Kinds<'_> {
    /// The kind of the cell in column `c` (text unless the workbook typed it).
    pub fn of(&self, c: usize) -> Kind {
        (self.0.iter())
            .find(|k| k.1 as usize == c)
            .map_or(Kind::Text, |k| k.2)
    }
}

/// An input spreadsheet: its headers and its records as UTF-8 CSV text.
pub struct Table {
    /// The file as named in messages.
    pub file: String,
    pub headers: Vec<String>,
    /// The header record and the rows, without BOM.
    text: Vec<u8>,
    /// Where the text starts (after a BOM).
    start: usize,
    /// For a sheet, the sheet row of its header: the rows follow it one by one. A CSV record
    /// is numbered by its line instead.
    sheet_header: Option<usize>,
    /// The sheet read, for a workbook.
    pub sheet: Option<String>,
    /// A workbook's cells that are not text: (sheet row from 0, column, kind), in row order.
    kinds: Vec<(u32, u32, Kind)>,
    /// Every sheet of the workbook, and whether the sheet was named (`--sheet`), for messages.
    sheets: Vec<String>,
    named: bool,
}

impl Table {
    /// A spreadsheet from its bytes (a file's, an upload's), `file` as its name in messages:
    /// a CSV decoded (`encoding`), or the sheet of a workbook named by `sheet`, else its first
    /// visible one, as CSV text. What the bytes are comes from the bytes, not a name.
    pub fn from_bytes(
        file: impl Into<String>,
        bytes: Vec<u8>,
        encoding: Encoding,
        sheet: Option<&str>,
    ) -> Result<Table, InputError> {
        let file = file.into();
        // A round is held in memory: refuse what could exhaust it.
        if bytes.len() as u64 > MAX_INPUT_BYTES {
            return Err(too_large(&file, bytes.len() as u64));
        }
        let format = format(&bytes, &file)?;
        if format != Format::Text {
            let Sheet {
                text,
                header_row,
                name,
                sheets,
                kinds,
            } = read_sheet(bytes, &file, format, sheet)?;
            let mut table = Table::new(file, text, 0, Some(header_row))?;
            table.sheet = Some(name);
            table.sheets = sheets;
            table.named = sheet.is_some();
            table.kinds = kinds;
            return Ok(table);
        }
        // A PDF: say what it is, not "neither UTF-8 nor GBK".
        if let Some(what) = foreign(&bytes) {
            return Err(InputError::new(&file, what));
        }
        let (text, bom) = decode(&file, bytes, encoding)?;
        Table::new(file, text, bom, None)
    }

    fn new(
        file: String,
        text: Vec<u8>,
        start: usize,
        sheet_header: Option<usize>,
    ) -> Result<Table, InputError> {
        let mut header = csv::StringRecord::new();
        let found = reader(&text[start..])
            .read_record(&mut header)
            .map_err(|e| {
                InputError::new(&file, crate::text!("CSV 格式错误", "invalid CSV: {e}"))
            })?;
        if !found {
            let what = match sheet_header {
                Some(_) => crate::text!(
                    "工作表为空，缺少表头行",
                    "the sheet is empty: no header row"
                ),
                None => crate::text!("文件为空，缺少表头行", "the file is empty: no header row"),
            };
            return Err(InputError::new(&file, what));
        }
        // A tab- or semicolon-separated export reads as one column: say so, not "no type column".
        if header.len() == 1 && header.get(0).is_some_and(|h| h.contains(['\t', ';'])) {
            let mut err = InputError::new(
                &file,
                crate::text!(
                    "表头只有一列，且含制表符或分号：请另存为“CSV UTF-8 (逗号分隔)”或 XLSX",
                    "the header is a single column containing tabs or semicolons: save it as \"CSV UTF-8 (Comma delimited)\" or XLSX"
                ),
            );
            err.line = Some(1);
            return Err(err);
        }
        let headers = header.iter().map(|h| h.trim().to_string()).collect();
        Ok(Table {
            file,
            headers,
            text,
            start,
            sheet_header,
            sheet: None,
            kinds: Vec::new(),
            sheets: Vec::new(),
            named: false,
        })
    }

    /// An error about the header, told which sheet was read and, when the workbook has others
    /// and none was named, how to read another (a notes sheet first is read as the round).
    pub fn in_sheet(&self, mut e: InputError) -> InputError {
        let Some(sheet) = &self.sheet else {
            return e;
        };
        let all = self.sheets.join(", ");
        let (zh, en) = if self.named || self.sheets.len() < 2 {
            (
                format!("（读取的是工作表“{sheet}”）"),
                format!(" (read from sheet `{sheet}`)"),
            )
        } else {
            (
                format!(
                    "（读取的是第一个可见工作表“{sheet}”；申报数据在其他工作表时请用 --sheet 工作表名 指定，本工作簿有: {all}）"
                ),
                format!(
                    " (read from the first visible sheet `{sheet}`; if the round is on another sheet, name it with --sheet NAME; the workbook has: {all})"
                ),
            )
        };
        e.message.zh += &zh;
        e.message.en += &en;
        e
    }

    /// The kinds of the cells of the row on `line` (all text for a CSV).
    pub fn kinds(&self, line: Line) -> Kinds<'_> {
        let row = line.0.saturating_sub(1);
        let from = self.kinds.partition_point(|k| k.0 < row);
        let to = from + self.kinds[from..].partition_point(|k| k.0 == row);
        Kinds(&self.kinds[from..to])
    }

    /// The size of the text, for the progress bar.
    pub fn bytes(&self) -> usize {
        self.text.len() - self.start
    }

    /// Calls `f(line, cells)` for each row after the header, in file order.
    pub fn rows(&self, progress: &dyn Progress, mut f: impl FnMut(Line, &Cells<'_>)) {
        self.batches(progress, |batch| {
            for r in batch {
                f(r.line, &cells(&r.cells));
            }
        });
    }

    /// Calls `f` with the rows after the header in file order, some thousands at a time (for
    /// work on all cores), each with its line; the bytes read go to `progress`. The records
    /// are read on a thread of their own while `f` works on the batch before: reading is
    /// one core's work, and it would otherwise leave the others idle.
    pub fn batches(&self, progress: &dyn Progress, mut f: impl FnMut(&[Record])) {
        use std::sync::mpsc::sync_channel;
        // Two batches in flight, reused: one being read, one with `f`.
        let (full, filled) = sync_channel::<(Batch, usize, u64)>(1);
        let (empty, emptied) = sync_channel::<Batch>(2);
        for _ in 0..2 {
            let _ = empty.send(vec![Record::default(); BATCH]);
        }
        std::thread::scope(|s| {
            s.spawn(move || {
                let mut cursor = Cursor::new(self);
                for mut batch in emptied {
                    let n = cursor.fill(&mut batch);
                    let at = cursor.reader.position().byte();
                    if n == 0 || full.send((batch, n, at)).is_err() {
                        return;
                    }
                }
            });
            let mut shown = 0;
            for (mut batch, n, at) in filled {
                f(&batch[..n]);
                batch.truncate(BATCH.max(n));
                progress.inc(at - shown);
                shown = at;
                if empty.send(batch).is_err() {
                    return;
                }
            }
        });
    }
}

impl Table {
    /// A plain record's text: its cells joined by commas, as the CSV writer writes them.
    pub fn plain(&self, span: Span) -> Option<&[u8]> {
        let Span::Plain(at, len) = span else {
            return None;
        };
        self.text[self.start..].get(at as usize..(at + len) as usize)
    }

    /// A reader for reading records again by their spans (`again`).
    pub fn rereader(&self) -> csv::Reader<std::io::Cursor<&[u8]>> {
        reader(std::io::Cursor::new(&self.text[self.start..]))
    }

    /// Reads the record at `span` again into `record` (a blank line as one empty cell).
    pub fn again(
        &self,
        span: Span,
        reader: &mut csv::Reader<std::io::Cursor<&[u8]>>,
        record: &mut csv::ByteRecord,
    ) {
        let at = match span {
            Span::Blank => None,
            Span::Reread(at) | Span::Plain(at, _) => Some(at),
        };
        let read = at.is_some_and(|at| {
            let to = std::io::SeekFrom::Start(at.into());
            reader.seek_raw(to, csv::Position::new()).is_ok()
                && matches!(reader.read_byte_record(record), Ok(true))
        });
        if !read {
            record.clear();
            record.push_field(b"");
        }
    }
}

/// A record as read: its line, where its text stands, and its cells.
#[derive(Clone, Debug, Default)]
pub struct Record {
    pub line: Line,
    pub span: Span,
    pub cells: csv::ByteRecord,
}

/// Where a record's text stands in the table, so that it can be written out again without
/// the whole file being read again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Span {
    /// An empty line, kept as a row of one empty cell.
    #[default]
    Blank,
    /// Any other record (quotes, line breaks, a missing or formula-like cell), from this byte
    /// on: read again to be written.
    Reread(u32),
    /// A record that the CSV writer, behind the formula guard, writes as it stands (most
    /// rows): without quotes, on one line, a cell for each of the `width` headers and none
    /// formula-like; from this byte, this many bytes long.
    Plain(u32, u32),
}

impl Span {
    fn of(text: &[u8], at: usize, record: &csv::ByteRecord, width: usize) -> Span {
        let len = record.as_slice().len() + record.len().saturating_sub(1);
        let (Ok(at32), Ok(len32)) = (u32::try_from(at), u32::try_from(len)) else {
            return Span::Blank; // past any input limit
        };
        let cells_as_written = || record.len() == width && !record.iter().any(formula_like);
        match text.get(at..at + len) {
            Some(raw)
                if memchr::memchr3(b'"', b'\r', b'\n', raw).is_none() && cells_as_written() =>
            {
                Span::Plain(at32, len32)
            }
            _ => Span::Reread(at32),
        }
    }
}

/// Rows read, and written, a batch at a time: a share for each core.
pub const BATCH: usize = 8192;

/// A batch of records, each with its line.
type Batch = Vec<Record>;

/// Where the reading of a table's records is, from batch to batch.
struct Cursor<'t> {
    table: &'t Table,
    text: &'t [u8],
    reader: csv::Reader<&'t [u8]>,
    /// A CSV record's line is counted here from its byte offset: the reader's own count is
    /// one short in a CRLF file. The line, and the byte counted up to.
    line: usize,
    counted: usize,
    /// Records read, for a sheet's row numbers.
    index: usize,
    /// Where the last record ended: the csv reader skips empty lines, which are rows too.
    ended: usize,
}

impl<'t> Cursor<'t> {
    fn new(table: &'t Table) -> Cursor<'t> {
        let text = &table.text[table.start..];
        let mut reader = reader(text);
        let mut header = csv::ByteRecord::new();
        let _ = reader.read_byte_record(&mut header);
        let ended = reader.position().byte() as usize;
        Cursor {
            table,
            text,
            reader,
            line: 1,
            counted: 0,
            index: 0,
            ended,
        }
    }

    /// Reads the next records into `batch` (growing it for empty lines): how many.
    fn fill(&mut self, batch: &mut Batch) -> usize {
        let text = self.text;
        let mut n = 0;
        // The reader is flexible and reads bytes: it refuses nothing.
        while n < BATCH && matches!(self.reader.read_byte_record(&mut batch[n].cells), Ok(true)) {
            self.index += 1;
            let r = &mut batch[n];
            let at = r
                .cells
                .position()
                .map_or(self.counted, |p| p.byte() as usize);
            // The offset may stand before the line ends that precede the record.
            let ends = text.get(at..).unwrap_or_default();
            let at = at
                + ends
                    .iter()
                    .take_while(|&&b| b == b'\r' || b == b'\n')
                    .count();
            r.span = Span::of(text, at, &r.cells, self.table.headers.len());
            if let Some(header) = self.table.sheet_header {
                r.line = Line::at(header + self.index);
                n += 1;
                continue;
            }
            let skipped = text.get(self.counted..at).unwrap_or_default();
            self.line += memchr::memchr_iter(b'\n', skipped).count();
            self.counted = at;
            n += blank_lines(batch, n, (text, self.ended, at), self.line);
            batch[n].line = Line::at(self.line);
            self.ended = self.reader.position().byte() as usize;
            n += 1;
        }
        n
    }
}

impl Table {
    /// Refuses a CSV whose last record opens a quote that never closes: the reader takes the
    /// rest of the file into that one cell, so rows would vanish. `last` is that record's line
    /// and byte offset; only it can hold such a quote, as it runs to the end of the file.
    pub fn closed_quotes(&self, last: Option<(Line, u64)>) -> Result<(), InputError> {
        let Some((line, at)) = last.filter(|_| self.sheet_header.is_none()) else {
            return Ok(());
        };
        let text = self
            .text
            .get(self.start + at as usize..)
            .unwrap_or_default();
        let Some(open) = unclosed_quote(text) else {
            return Ok(());
        };
        let line = line.get() + text[..open].iter().filter(|&&b| b == b'\n').count();
        let mut e = InputError::new(
            &self.file,
            crate::text!(
                "此处的引号 \" 没有闭合，其后各行都会并入一格：请补上引号或删去它",
                "a quote \" opens here and never closes, so every row after it would be read into one cell: close or remove it"
            ),
        );
        e.line = Some(line);
        Err(e)
    }
}

/// Where the quote that is still open at the end of a record's text opened, if one is: a quote
/// opens a cell only at its start, and `""` inside a quoted cell is a quote (RFC 4180).
fn unclosed_quote(text: &[u8]) -> Option<usize> {
    enum At {
        CellStart,
        Plain,
        Quoted(usize),
        /// A quote inside a quoted cell: it closes the cell, or a second one follows.
        QuoteIn(usize),
    }
    let ends = |b: u8| matches!(b, b',' | b'\n' | b'\r');
    let mut at = At::CellStart;
    for (i, &b) in text.iter().enumerate() {
        at = match at {
            At::CellStart if b == b'"' => At::Quoted(i),
            At::Quoted(o) if b == b'"' => At::QuoteIn(o),
            At::Quoted(o) => At::Quoted(o),
            At::QuoteIn(o) if b == b'"' => At::Quoted(o),
            _ if ends(b) => At::CellStart,
            _ => At::Plain,
        };
    }
    match at {
        At::Quoted(o) => Some(o),
        _ => None,
    }
}

/// One row's cells, from a record of a batch.
pub fn cells(record: &csv::ByteRecord) -> Cells<'_> {
    let text = simdutf8::basic::from_utf8(record.as_slice()).unwrap_or("");
    Cells(record, text)
}

/// The reader every record of a round is read with: no header row, and rows of any length (a
/// short or long row is reported, not refused).
/// The empty lines between the record that ended at `ended` and the one read into `batch[n]`,
/// which starts at `at` on `line`: put before it in the batch as empty records, each on its
/// line, so that an empty line keeps its place in the output. How many were put.
fn blank_lines(
    batch: &mut Vec<Record>,
    n: usize,
    (text, ended, at): (&[u8], usize, usize),
    line: usize,
) -> usize {
    let gap = text.get(ended..at).unwrap_or_default();
    // The reader may stop before the last record's line end, or after it.
    let after_end = ended == 0 || text.get(ended - 1) == Some(&b'\n');
    let newlines = gap.iter().filter(|&&b| b == b'\n').count();
    let blanks = newlines.saturating_sub(usize::from(!after_end));
    if blanks == 0 {
        return 0;
    }
    if batch.len() < n + blanks + 1 {
        batch.resize(n + blanks + 1, Record::default());
    }
    batch.swap(n, n + blanks);
    for (k, slot) in batch[n..n + blanks].iter_mut().enumerate() {
        slot.cells.clear();
        slot.cells.push_field(b"");
        slot.span = Span::Blank;
        slot.line = Line::at(line - blanks + k);
    }
    blanks
}

fn reader<R: Read>(bytes: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
}

/// What a file holds, by its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// A CSV (or anything else read as text).
    Text,
    Xlsx,
    Xlsb,
    /// Old Excel (an OLE compound file).
    Xls,
    Ods,
}

/// A round past `MAX_INPUT_BYTES` (`len` bytes, or more).
pub fn too_large(file: &str, len: u64) -> InputError {
    InputError::new(
        file,
        crate::text!(
            "文件过大 ({len} 字节，上限 {MAX_INPUT_BYTES} 字节，约 300 万行)，请拆分后分批计算",
            "the file is too large ({len} bytes; the limit is {MAX_INPUT_BYTES}, about 3 million rows): split the round"
        ),
    )
    .too_large()
}

/// "Save it as" advice shared by every refusal of a file that is no table.
const SAVE_AS: (&str, &str) = (
    "请在 Excel 或 WPS 中打开申报表，另存为 XLSX 或“CSV UTF-8 (逗号分隔)”",
    "open the round's sheet in Excel or WPS and save it as XLSX or \"CSV UTF-8 (Comma delimited)\"",
);

/// The format of a file from its first bytes and, for a zip, its entries. A zip entry larger
/// than `MAX_SHEET_BYTES` is refused here, before anything is inflated.
fn format(bytes: &[u8], file: &str) -> Result<Format, InputError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return zip_format(bytes, file);
    }
    if bytes.starts_with(&OLE) {
        return Ok(Format::Xls);
    }
    Ok(Format::Text)
}

/// The first bytes of an OLE compound file (.xls, .doc, a password-protected workbook).
const OLE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// A zip is a workbook by its entries: XLSX (`xl/workbook.xml`), XLSB, or ODS (`mimetype`);
/// anything else is named for what it is.
fn zip_format(bytes: &[u8], file: &str) -> Result<Format, InputError> {
    let said = |zh: &str, en: &str| {
        InputError::new(
            file,
            crate::text!("{zh}：{}", SAVE_AS.0; "{en}: {}", SAVE_AS.1),
        )
    };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
        said(
            &format!("文件是损坏的 zip 或工作簿 ({e})"),
            &format!("the file is a damaged zip or workbook ({e})"),
        )
    })?;
    let mut names = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| {
            said(
                &format!("工作簿已损坏 ({e})"),
                &format!("the workbook is damaged ({e})"),
            )
        })?;
        let (name, size) = (entry.name().unwrap_or_default().to_string(), entry.size());
        if size > MAX_SHEET_BYTES {
            return Err(InputError::new(
                file,
                crate::text!(
                    "工作簿中的 {name} 解压后为 {size} 字节，超过上限 {MAX_SHEET_BYTES} 字节：请检查文件 (可能是“压缩炸弹”)，或拆分后分批计算",
                    "the workbook's {name} is {size} bytes uncompressed, past the limit of {MAX_SHEET_BYTES}: check the file (it may be a zip bomb) or split the round"
                ),
            )
            .too_large());
        }
        names.push(name);
    }
    let has = |n: &str| names.iter().any(|e| e == n);
    if has("xl/workbook.xml") {
        return Ok(Format::Xlsx);
    }
    if has("xl/workbook.bin") {
        return Ok(Format::Xlsb);
    }
    let mut mimetype = String::new();
    if let Ok(entry) = zip.by_name("mimetype") {
        let _ = entry.take(200).read_to_string(&mut mimetype);
    }
    let what = match mimetype.trim() {
        "application/vnd.oasis.opendocument.spreadsheet" => return Ok(Format::Ods),
        m if m.starts_with("application/vnd.oasis.opendocument.text") => (
            "文件是 WPS/LibreOffice 文字文档 (.odt)，不是表格",
            "the file is a text document (.odt), not a spreadsheet",
        ),
        m if m.starts_with("application/vnd.oasis.opendocument") => (
            "文件是 OpenDocument 文档，不是表格",
            "the file is an OpenDocument file that is not a spreadsheet",
        ),
        _ if has("word/document.xml") => (
            "文件是 Word 文档 (.docx)，不是表格",
            "the file is a Word document (.docx), not a spreadsheet",
        ),
        _ if has("ppt/presentation.xml") => (
            "文件是 PowerPoint 演示文稿 (.pptx)，不是表格",
            "the file is a PowerPoint presentation (.pptx), not a spreadsheet",
        ),
        _ => (
            "文件是 zip 压缩包，不是表格 (请先解压，再给出其中的申报表)",
            "the file is a zip archive, not a spreadsheet (unpack it and give the sheet inside)",
        ),
    };
    Err(said(what.0, what.1))
}

/// What text that is no CSV is, by its first bytes: a PDF.
fn foreign(bytes: &[u8]) -> Option<crate::text::Text> {
    bytes.starts_with(b"%PDF").then(|| {
        let (zh, en) = SAVE_AS;
        crate::text!(
            "文件是 PDF，不是表格：{zh}",
            "the file is a PDF, not a spreadsheet: {en}"
        )
    })
}

/// UTF-8 or GB18030 (which covers GBK and GB2312), as UTF-8 bytes and the length of a UTF-8
/// BOM at their start (kept in place rather than moving the whole text).
fn decode(file: &str, bytes: Vec<u8>, encoding: Encoding) -> Result<(Vec<u8>, usize), InputError> {
    let gbk = |bytes: &[u8]| {
        encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|text| (text.into_owned().into_bytes(), 0))
            .ok_or_else(|| {
                InputError::new(
                    file,
                    crate::text!(
                        "文件既不是 UTF-8 也不是 GBK/GB18030 编码",
                        "the file is neither UTF-8 nor GBK/GB18030"
                    ),
                )
            })
    };
    let not_utf8 = |bytes: Vec<u8>| {
        let valid = std::str::from_utf8(&bytes).map_or_else(|e| e.valid_up_to(), |s| s.len());
        let mut err = InputError::new(
            file,
            crate::text!(
                "文件不是 UTF-8 编码 (GBK 文件可用 --encoding gbk)",
                "the file is not UTF-8 (for GBK use --encoding gbk)"
            ),
        );
        err.line = Some(bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1);
        err
    };
    // Excel's "Unicode text" export: tab-separated UTF-16, named best by what to do instead.
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(InputError::new(
            file,
            crate::text!(
                "文件是 UTF-16 编码 (Excel 的“Unicode 文本”)，请另存为“CSV UTF-8 (逗号分隔)”或 XLSX",
                "the file is UTF-16 (Excel's \"Unicode Text\"): save it as \"CSV UTF-8 (Comma delimited)\" or XLSX"
            ),
        ));
    }
    let bom = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    let utf8 = simdutf8::basic::from_utf8(&bytes).is_ok();
    match encoding {
        // Chinese text that is valid UTF-8 is UTF-8: read as GBK it would be mojibake.
        Encoding::Gbk if utf8 && (bom > 0 || !bytes.is_ascii()) => Err(InputError::new(
            file,
            crate::text!(
                "文件是 UTF-8 编码，不是 GBK：请去掉 --encoding gbk",
                "the file is UTF-8, not GBK: leave out --encoding gbk"
            ),
        )),
        Encoding::Gbk => gbk(&bytes),
        Encoding::Utf8 | Encoding::Auto if utf8 => Ok((bytes, bom)),
        Encoding::Utf8 => Err(not_utf8(bytes)),
        // UTF-8 when it has a BOM.
        Encoding::Auto if bom > 0 => Err(not_utf8(bytes)),
        Encoding::Auto => gbk(&bytes),
    }
}

/// A sheet of a workbook (the one named, else the first visible one: a hidden sheet is not
/// what the clerk sees) as CSV text, the sheet row of its header (the first row with a
/// value), its name, the names of all the sheets, and its cells that are not text (`Kind`). An
/// XLSX sheet's cells are read one by one as they stand in the file, as calamine builds its own
/// range, so a large sheet is held once, as text; the other formats come as calamine's range.
fn read_sheet(
    bytes: Vec<u8>,
    file: &str,
    format: Format,
    wanted: Option<&str>,
) -> Result<Sheet, InputError> {
    let bad = |e: String| {
        InputError::new(
            file,
            crate::text!("无法读取工作簿", "cannot read the workbook: {e}"),
        )
    };
    let opened = match format {
        Format::Xlsx => calamine::Xlsx::new(std::io::Cursor::new(bytes))
            .map(Sheets::Xlsx)
            .map_err(calamine::Error::Xlsx),
        Format::Xls => calamine::Xls::new(std::io::Cursor::new(bytes))
            .map(Sheets::Xls)
            .map_err(calamine::Error::Xls),
        Format::Ods => calamine::Ods::new(std::io::Cursor::new(bytes))
            .map(Sheets::Ods)
            .map_err(calamine::Error::Ods),
        Format::Xlsb | Format::Text => calamine::Xlsb::new(std::io::Cursor::new(bytes))
            .map(Sheets::Xlsb)
            .map_err(calamine::Error::Xlsb),
    };
    let mut book = opened.map_err(|e| match format {
        // An OLE file that is no workbook: a Word .doc, or a workbook saved with a password.
        Format::Xls => InputError::new(
            file,
            crate::text!("无法按旧版 Excel (.xls) 读取 ({e})：如为 Word 文档或加密的工作簿，{}", SAVE_AS.0; "cannot read it as an old Excel workbook (.xls) ({e}): if it is a Word document or a password-protected workbook, {}", SAVE_AS.1),
        ),
        _ => bad(e.to_string()),
    })?;
    let sheets = book.sheets_metadata();
    let names: Vec<String> = sheets.iter().map(|s| s.name.clone()).collect();
    let visible = |s: &&calamine::Sheet| s.visible == calamine::SheetVisible::Visible;
    let chosen = match wanted {
        Some(name) => sheets.iter().find(|s| s.name == name).ok_or_else(|| {
            let names = names.join(", ");
            bad(format!(
                "没有名为“{name}”的工作表 (有: {names}) / no sheet named `{name}` (there are: {names})"
            ))
        })?,
        None => (sheets.iter().find(visible))
            .or(sheets.first())
            .ok_or_else(|| bad("没有工作表 / no sheet".into()))?,
    };
    let first = chosen.name.clone();
    // (row, column, text), empty values skipped.
    let mut cells: Vec<(u32, u32, String)> = Vec::new();
    let mut kinds: Vec<(u32, u32, Kind)> = Vec::new();
    match &mut book {
        Sheets::Xlsx(book) => xlsx_cells(book, file, &first, (&mut cells, &mut kinds))?,
        book => {
            let range = book
                .worksheet_range(&first)
                .map_err(|e| bad(e.to_string()))?;
            let (top, left) = range.start().unwrap_or_default();
            for (r, c, value) in range.used_cells() {
                let (row, col) = (top + r as u32, left + c as u32);
                within_limits(file, &first, row, col)?;
                let value = data_ref(value);
                cells.push((row, col, cell_text(&value)));
                push_kind(&mut kinds, (row, col), &value);
            }
        }
    }
    let (text, header_row) = sheet_csv(cells, MAX_INPUT_BYTES).ok_or_else(|| {
        InputError::new(
            file,
            crate::text!("工作表“{first}”转为表格文本后超过 {MAX_INPUT_BYTES} 字节：请拆分后分批计算", "sheet `{first}` comes to more than {MAX_INPUT_BYTES} bytes of table text: split the round"),
        )
        .too_large()
    })?;
    // In row order, as the rows are; of two cells at one place the later wins, as in the text.
    kinds.sort_by_key(|k| (k.0, k.1));
    kinds.reverse();
    kinds.dedup_by_key(|k| (k.0, k.1));
    kinds.reverse();
    Ok(Sheet {
        text,
        header_row,
        name: first,
        sheets: names,
        kinds,
    })
}

/// An XLSX sheet's cells with a value, in file order. A formula saved without its value (a
/// file written by a program and never calculated) is refused, since its value is unknown.
fn xlsx_cells(
    book: &mut calamine::Xlsx<std::io::Cursor<Vec<u8>>>,
    file: &str,
    sheet: &str,
    (cells, kinds): (&mut SheetCells, &mut SheetKinds),
) -> Result<(), InputError> {
    let bad = |e: calamine::XlsxError| {
        InputError::new(
            file,
            crate::text!("无法读取工作簿", "cannot read the workbook: {e}"),
        )
    };
    let mut reader = match book.worksheet_cells_reader(sheet) {
        Ok(reader) => reader,
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(()),
        Err(e) => return Err(bad(e)),
    };
    // The first formula without a value, and whether any formula has one: a calculated file
    // keeps an empty result of a formula as empty.
    let (mut unvalued, mut calculated) = (None, false);
    while let Some(cell) = reader.next_cell_with_formula_metadata().map_err(bad)? {
        let (row, col) = cell.pos;
        within_limits(file, sheet, row, col)?;
        match (&cell.value, &cell.formula) {
            (DataRef::Empty, Some(_)) => {
                unvalued.get_or_insert((row, col));
            }
            (DataRef::Empty, None) => {}
            (value, formula) => {
                calculated |= formula.is_some();
                cells.push((row, col, cell_text(value)));
                push_kind(kinds, (row, col), value);
            }
        }
    }
    match unvalued.filter(|_| !calculated) {
        Some((row, col)) => {
            let at = format!("{}{}", column_name(col), row + 1);
            let mut e = InputError::new(
                file,
                crate::text!(
                    "工作表“{sheet}”的 {at} 是公式，但文件中没有它的计算结果 (文件可能由程序生成、未经计算)：请用 Excel 或 WPS 打开后保存，再计算",
                    "cell {at} of sheet `{sheet}` is a formula saved without its value (the file was probably written by a program and never calculated): open it in Excel or WPS, save it, and run again"
                ),
            );
            e.line = Some(row as usize + 1);
            Err(e)
        }
        None => Ok(()),
    }
}

/// A sheet as read: its cells as CSV text, the sheet row of its header, its name, the names of
/// all the workbook's sheets, and its cells that are not text.
struct Sheet {
    text: Vec<u8>,
    header_row: usize,
    name: String,
    sheets: Vec<String>,
    kinds: SheetKinds,
}

/// A sheet's cells with a value: (row, column, text), from 0.
type SheetCells = Vec<(u32, u32, String)>;
/// A sheet's cells that are not text: (row, column, kind), from 0.
type SheetKinds = Vec<(u32, u32, Kind)>;

/// Notes a cell's kind where it is not text.
fn push_kind(kinds: &mut Vec<(u32, u32, Kind)>, (row, col): (u32, u32), value: &DataRef<'_>) {
    let kind = Kind::of(value);
    if kind != Kind::Text {
        kinds.push((row, col, kind));
    }
}

/// Refuses a cell past Excel's last row or column: a sheet that claims row 4,000,000,000 would
/// otherwise be held as that many empty rows.
fn within_limits(file: &str, sheet: &str, row: u32, col: u32) -> Result<(), InputError> {
    if row >= MAX_SHEET_ROWS {
        let n = u64::from(row) + 1;
        return Err(InputError::new(
            file,
            crate::text!(
                "工作表“{sheet}”在第 {n} 行有单元格，超过 {MAX_SHEET_ROWS} 行的上限：请拆分后分批计算",
                "sheet `{sheet}` has a cell in row {n}, past the limit of {MAX_SHEET_ROWS} rows: split the round"
            ),
        )
        .too_large());
    }
    if col >= MAX_SHEET_COLUMNS {
        let n = u64::from(col) + 1;
        return Err(InputError::new(
            file,
            crate::text!(
                "工作表“{sheet}”在第 {n} 列有单元格，超过 {MAX_SHEET_COLUMNS} 列 (XFD) 的上限",
                "sheet `{sheet}` has a cell in column {n}, past the limit of {MAX_SHEET_COLUMNS} columns (XFD)"
            ),
        )
        .too_large());
    }
    Ok(())
}

/// A column's letters as Excel shows them: 0 is A, 26 is AA.
fn column_name(col: u32) -> String {
    let mut name = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let d = (n - 1) % 26;
        name.push(b'A' + d as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// A cell of calamine's range as the cells reader gives it.
fn data_ref(d: &Data) -> DataRef<'_> {
    match d {
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::String(s) => DataRef::SharedString(s),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(t) => DataRef::DateTime(*t),
        Data::DateTimeIso(s) => DataRef::DateTimeIso(s.clone()),
        Data::DurationIso(s) => DataRef::DurationIso(s.clone()),
        Data::Error(e) => DataRef::Error(e.clone()),
        Data::Empty => DataRef::Empty,
    }
}

/// Cells in any order as CSV, and the sheet row of the first (1-based): a later cell at the
/// same place wins; the rows run from the first with a value to the last, empty ones included,
/// each up to its last cell with text. `None` once the text passes `max` bytes.
fn sheet_csv(mut cells: Vec<(u32, u32, String)>, max: u64) -> Option<(Vec<u8>, usize)> {
    // Cells do not always stand in order in a file; a stable sort keeps later ones later.
    cells.sort_by_key(|c| (c.0, c.1));
    // Flexible: rows of any length, as they stand.
    let mut wr = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let mut row: Vec<&str> = Vec::new();
    let (Some(first), Some(last)) = (cells.first().map(|c| c.0), cells.last().map(|c| c.0)) else {
        return Some((Vec::new(), 1));
    };
    let mut at = 0;
    for r in first..=last {
        row.clear();
        while let Some((_, col, text)) = cells.get(at).filter(|c| c.0 == r) {
            let col = *col as usize;
            if row.len() <= col {
                row.resize(col + 1, "");
            }
            row[col] = text;
            at += 1;
        }
        while row.last().is_some_and(|t| t.is_empty()) {
            row.pop();
        }
        // An empty row is one empty cell, so that it stays a record. Writing rows of any
        // length to memory cannot fail.
        let _ = if row.is_empty() {
            wr.write_record([""])
        } else {
            wr.write_record(&row)
        };
        // As a CSV input: a few cells far to the right would otherwise fill rows with commas.
        if wr.get_ref().len() as u64 > max {
            return None;
        }
    }
    Some((wr.into_inner().unwrap_or_default(), first as usize + 1))
}

/// The text of a workbook cell as a person would type it.
/// An ISO date-time's text: the date alone when it is a day (no time, or midnight).
fn iso_date(s: &str) -> String {
    match s.split_at_checked(10) {
        Some((day, rest))
            if chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok()
                && matches!(
                    rest.trim_start_matches(['T', ' ']).trim_end_matches('Z'),
                    "" | "00:00:00" | "00:00" | "00:00:00.000"
                ) =>
        {
            day.to_string()
        }
        _ => s.to_string(),
    }
}

fn cell_text(d: &DataRef<'_>) -> String {
    match d {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DurationIso(s) => s.clone(),
        // An ISO date cell (`t="d"`, as LibreOffice and some programs write): a date at
        // midnight reads as the date, as an Excel date cell does.
        DataRef::DateTimeIso(s) => iso_date(s),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Int(i) => i.to_string(),
        // The shortest decimal that reads back as the same double: what Excel displays.
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
            Some(t) => t.to_string(),
            None => dt.as_f64().to_string(),
        },
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(table: &Table) -> Vec<(usize, Vec<String>)> {
        let mut rows = Vec::new();
        table.rows(&(), |line, cells| {
            let texts = (0..cells.count()).map(|i| cells.get(i).to_string());
            rows.push((line.get(), texts.collect()));
        });
        rows
    }

    /// A sheet is read cell by cell: its header is the first row with a value (lines are sheet
    /// rows), columns left of the first value stay in place, empty rows in the middle are kept,
    /// trailing empty cells are not counted, and numbers, dates and booleans read as typed, with
    /// their kinds kept beside them.
    #[test]
    fn a_sheet_reads_as_its_rows_and_cells() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
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
        (sheet.write_datetime_with_format(3, 3, &date, &date_format)).unwrap();
        sheet.write_boolean(3, 4, true).unwrap();
        sheet.write_string(5, 1, "model").unwrap();
        sheet.write_number(5, 2, 300000.0).unwrap();
        sheet.write_string(5, 3, "").unwrap();
        let bytes = book.save_to_buffer().unwrap();

        let table = Table::from_bytes("round.xlsx", bytes, Encoding::Auto, None).unwrap();
        assert_eq!(table.headers, ["", "type", "amount", "date", "ok"]);
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            rows_of(&table),
            [
                (
                    4,
                    strings(&["", "compute", "1200000.5", "2026-02-01", "true"])
                ),
                // An empty row reads as one empty cell: blank, in its place.
                (5, strings(&[""])),
                (6, strings(&["", "model", "300000"])),
            ]
        );
        // Beside the text, each cell's kind: what the XLSX writer types it as again.
        let kinds = table.kinds(Line(4));
        let of: Vec<Kind> = (0..6).map(|c| kinds.of(c)).collect();
        use Kind::*;
        assert_eq!(of, [Text, Text, Number, Date, Bool, Text]);
        assert_eq!(table.kinds(Line(6)).of(2), Number);
        assert_eq!(table.kinds(Line(5)).of(2), Text, "an empty row has none");
    }

    proptest::proptest! {
        /// Cells in any order, repeated places and empty texts included, make the rows a dense
        /// grid of the same cells would: the last text at each place, every row from the first
        /// with a cell to the last, each row counted up to its last cell with text.
        #[test]
        fn a_sheet_of_cells_in_any_order_is_its_grid(
            placed in proptest::collection::vec((0u32..6, 0u32..5, 0usize..3), 0..40)
        ) {
            let words = ["", "a", "中文,\"x\"\n"];
            let mut grid = vec![vec![""; 5]; 6];
            let mut cells = Vec::new();
            for &(row, col, w) in &placed {
                cells.push((row, col, words[w].to_string()));
                grid[row as usize][col as usize] = words[w];
            }
            let (text, first) = sheet_csv(cells, MAX_INPUT_BYTES).unwrap();
            let mut got = Vec::new();
            let mut record = csv::StringRecord::new();
            let mut r = reader(&text[..]);
            while r.read_record(&mut record).unwrap() {
                let cells: Vec<String> = record.iter().map(str::to_string).collect();
                got.push(if cells == [""] { Vec::new() } else { cells });
            }
            let mut expected = Vec::new();
            if let Some(lo) = placed.iter().map(|p| p.0).min() {
                proptest::prop_assert_eq!(first, lo as usize + 1);
                let hi = placed.iter().map(|p| p.0).max().unwrap_or(lo);
                for row in &grid[lo as usize..=hi as usize] {
                    let n = row.iter().rposition(|t| !t.is_empty()).map_or(0, |i| i + 1);
                    expected.push(row[..n].iter().map(|t| t.to_string()).collect::<Vec<_>>());
                }
            }
            proptest::prop_assert_eq!(got, expected);
        }
    }

    /// GBK text decodes to the UTF-8 text it encodes; bytes that are neither are refused.
    #[test]
    fn gbk_decodes_and_bad_bytes_are_refused() {
        let text = "算力券,温州甲智能科技有限公司,是,1200000.50\n".repeat(40);
        let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
        let (decoded, bom) = decode("t.csv", gbk.to_vec(), Encoding::Auto).unwrap();
        assert_eq!((decoded.as_slice(), bom), (text.as_bytes(), 0));
        let mut bad = gbk.to_vec();
        let at = bad.len() - 10;
        bad[at] = 0xFF;
        assert!(decode("t.csv", bad, Encoding::Gbk).is_err());
    }

    /// A CSV record is numbered by the line it starts on, quoted line breaks included.
    /// An ISO date cell (`t="d"`) reads as its day; a time of day stays as written.
    #[test]
    fn an_iso_date_cell_reads_as_its_day() {
        assert_eq!(iso_date("2026-02-01T00:00:00"), "2026-02-01");
        assert_eq!(iso_date("2026-02-01T00:00:00Z"), "2026-02-01");
        assert_eq!(iso_date("2026-02-01"), "2026-02-01");
        assert_eq!(iso_date("2026-02-01T09:30:00"), "2026-02-01T09:30:00");
        assert_eq!(iso_date("不是日期"), "不是日期");
    }

    #[test]
    fn csv_rows_are_numbered_by_their_lines() {
        let text = "\u{feff}h1,h2\na,b\n\"multi\nline\",c\nd,e\n";
        let table = Table::from_bytes("round.csv", text.into(), Encoding::Utf8, None).unwrap();
        assert_eq!(table.headers, ["h1", "h2"]);
        let lines: Vec<usize> = rows_of(&table).iter().map(|r| r.0).collect();
        assert_eq!(lines, [2, 3, 5]);
    }
}

/// Column letters and the cap on a sheet's text.
#[cfg(test)]
mod sheet_limit_tests {
    use super::*;

    proptest::proptest! {
        /// A record's text, where `plain` gives it, is what the CSV writer writes for its
        /// cells, followed by the added columns; and every record reads again from its span
        /// as it was read: quotes, line ends of either kind, blank lines and short rows included.
        #[test]
        fn a_record_is_written_back_and_read_again_as_it_was_read(
            lines in proptest::collection::vec(
                proptest::collection::vec("[a,\"\r\n =中 -]{0,4}", 1..5), 1..8),
            crlf: bool,
        ) {
            let end = if crlf { "\r\n" } else { "\n" };
            let text: String = lines.iter().map(|l| l.concat() + end).collect();
            let bytes = format!("h{end}{text}").into_bytes();
            let table = Table::from_bytes("round.csv", bytes, Encoding::Auto, None).unwrap();
            let (mut reader, mut again) = (table.rereader(), csv::ByteRecord::new());
            table.batches(&(), |batch| {
                for r in batch {
                    table.again(r.span, &mut reader, &mut again);
                    assert_eq!(again.iter().collect::<Vec<_>>(), r.cells.iter().collect::<Vec<_>>());
                    let Some(raw) = table.plain(r.span) else { continue };
                    let mut wr = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
                    // The added columns follow it, as in the output.
                    wr.write_record(r.cells.iter().chain([&b"x"[..]])).unwrap();
                    let written = wr.into_inner().unwrap();
                    let raw = [raw, b",x\n"].concat();
                    assert_eq!(String::from_utf8_lossy(&raw), String::from_utf8_lossy(&written));
                }
            });
        }
    }

    #[test]
    fn columns_are_named_as_excel_names_them() {
        let names: Vec<String> = [0, 25, 26, 701, 702, 16383].map(column_name).to_vec();
        assert_eq!(names, ["A", "Z", "AA", "ZZ", "AAA", "XFD"]);
    }

    #[test]
    fn a_sheet_whose_text_would_pass_the_input_limit_is_refused() {
        // One cell at XFD on 1,000 rows: 16,383 commas each, 16 MB of text, past a 1 MB limit
        // (the same cell at D is 5 kB); the limit read is MAX_INPUT_BYTES.
        let at = |col| (0..1_000).map(|r| (r, col, "x".to_string())).collect();
        assert!(sheet_csv(at(16_383), 1 << 20).is_none());
        assert!(sheet_csv(at(3), 1 << 20).is_some());
    }
}

/// The unclosed-quote scan on its own (the binary's test is in tests/cli/trust.rs).
#[cfg(test)]
mod quote_tests {
    use super::unclosed_quote;

    #[test]
    fn an_open_quote_is_found_where_it_opens() {
        assert_eq!(unclosed_quote(b"a,\"b,c\nd,e\n"), Some(2));
        assert_eq!(unclosed_quote(b"a,\"b\"\"c\",d\n"), None);
        assert_eq!(unclosed_quote(b"a,b\"c,d\n"), None);
        assert_eq!(unclosed_quote(b"a,\"b\nc\"\n"), None);
    }
}
