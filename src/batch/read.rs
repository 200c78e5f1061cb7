//! Reading a round's file: a CSV (UTF-8, UTF-8 with BOM, or GBK/GB18030, decoded with
//! encoding_rs) or the first sheet of a workbook (calamine), held as UTF-8 CSV text, and its
//! records read in file order with one reused `csv::ByteRecord`, each with its spreadsheet row
//! number (the line or row Excel shows, the header being row 1). A workbook's cells that are
//! not text keep their kind beside the text (`Kinds`), so that an XLSX output gives each cell
//! back the type it came in with; rows are parsed from the text alone.

use std::io::Read;
use std::path::Path;

use calamine::{DataRef, Reader};

use super::Progress;
use crate::error::InputError;

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

/// One row's cells.
pub struct Cells<'a>(&'a csv::ByteRecord);

impl<'a> Cells<'a> {
    /// A cell's text, or "" past the row's end. A cell of UTF-8 text is UTF-8 (the reader
    /// splits at ASCII bytes), so the check never fails on a decoded file.
    pub fn get(&self, i: usize) -> &'a str {
        self.0
            .get(i)
            .and_then(|c| simdutf8::basic::from_utf8(c).ok())
            .unwrap_or("")
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
}

impl Table {
    /// Reads the whole input: decodes a CSV, or turns the first visible sheet of a workbook
    /// into CSV.
    pub fn open(path: &Path, encoding: Encoding) -> Result<Table, InputError> {
        Table::open_sheet(path, encoding, None)
    }

    /// `open`, with the workbook's sheet named (`--sheet`), else its first visible one.
    pub fn open_sheet(
        path: &Path,
        encoding: Encoding,
        sheet: Option<&str>,
    ) -> Result<Table, InputError> {
        let file = path.display().to_string();
        let too_large = |len: u64| {
            InputError::new(
                &file,
                format!(
                    "文件过大 ({len} 字节，上限 {MAX_INPUT_BYTES} 字节，约 300 万行)，请拆分后分批计算 / the file is too large ({len} bytes; the limit is {MAX_INPUT_BYTES}, about 3 million rows): split the round"
                ),
            )
        };
        // A round is held in memory: refuse what could exhaust it, before reading.
        if let Ok(meta) = std::fs::metadata(path)
            && meta.len() > MAX_INPUT_BYTES
        {
            return Err(too_large(meta.len()));
        }
        let unreadable = |e: std::io::Error| {
            InputError::new(&file, format!("无法读取文件 / cannot read the file: {e}"))
        };
        if is_workbook(path) {
            let (text, header_row, name, kinds) = read_sheet(path, &file, sheet)?;
            let mut table = Table::new(file, text, 0, Some(header_row))?;
            table.sheet = Some(name);
            table.kinds = kinds;
            return Ok(table);
        }
        let size = std::fs::metadata(path).map_or(0, |m| m.len() as usize);
        let mut bytes = Vec::with_capacity(size + 1);
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
            .map_err(unreadable)?;
        if bytes.len() as u64 > MAX_INPUT_BYTES {
            return Err(too_large(bytes.len() as u64));
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
            .map_err(|e| InputError::new(&file, format!("CSV 格式错误 / invalid CSV: {e}")))?;
        if !found {
            let what = match sheet_header {
                Some(_) => "工作表为空，缺少表头行 / the sheet is empty: no header row",
                None => "文件为空，缺少表头行 / the file is empty: no header row",
            };
            return Err(InputError::new(&file, what));
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
        let headers = header.iter().map(|h| h.trim().to_string()).collect();
        Ok(Table {
            file,
            headers,
            text,
            start,
            sheet_header,
            sheet: None,
            kinds: Vec::new(),
        })
    }

    /// The kinds of the cells of the row on `line` (all text for a CSV).
    pub fn kinds(&self, line: usize) -> Kinds<'_> {
        let row = line.saturating_sub(1) as u32;
        let from = self.kinds.partition_point(|k| k.0 < row);
        let to = from + self.kinds[from..].partition_point(|k| k.0 == row);
        Kinds(&self.kinds[from..to])
    }

    /// The size of the text, for the progress bar.
    pub fn bytes(&self) -> usize {
        self.text.len() - self.start
    }

    /// Calls `f(line, cells)` for each row after the header, in file order.
    pub fn rows(&self, progress: &dyn Progress, mut f: impl FnMut(usize, &Cells<'_>)) {
        self.batches(progress, |batch| {
            for (line, record) in batch {
                f(*line, &Cells(record));
            }
        });
    }

    /// Calls `f` with the rows after the header in file order, some thousands at a time (for
    /// work on all cores), each with its line; the bytes read go to `progress`.
    pub fn batches(&self, progress: &dyn Progress, mut f: impl FnMut(&[(usize, csv::ByteRecord)])) {
        const BATCH: usize = 8192;
        let text = &self.text[self.start..];
        let mut reader = reader(text);
        // A CSV record's line is counted here from its byte offset: the reader's own count is
        // one short in a CRLF file. (line, the byte it starts at) of the last record.
        let (mut line, mut counted) = (1, 0);
        // The batch's records are reused from batch to batch.
        let mut batch = vec![(0, csv::ByteRecord::new()); BATCH];
        let (mut index, mut shown) = (0, 0);
        let mut header = csv::ByteRecord::new();
        let _ = reader.read_byte_record(&mut header);
        loop {
            let mut n = 0;
            // The reader is flexible and reads bytes: it refuses nothing.
            while n < BATCH && matches!(reader.read_byte_record(&mut batch[n].1), Ok(true)) {
                index += 1;
                batch[n].0 = match self.sheet_header {
                    Some(header) => header + index,
                    None => {
                        let at = batch[n].1.position().map_or(counted, |p| p.byte() as usize);
                        // The offset may stand before the line ends that precede the record.
                        let ends = text.get(at..).unwrap_or_default();
                        let at = at
                            + ends
                                .iter()
                                .take_while(|&&b| b == b'\r' || b == b'\n')
                                .count();
                        let skipped = text.get(counted..at).unwrap_or_default();
                        line += skipped.iter().filter(|&&b| b == b'\n').count();
                        counted = at;
                        line
                    }
                };
                n += 1;
            }
            if n == 0 {
                return;
            }
            f(&batch[..n]);
            let at = reader.position().byte();
            progress.inc(at - shown);
            shown = at;
        }
    }
}

impl Table {
    /// Refuses a CSV whose last record opens a quote that never closes: the reader takes the
    /// rest of the file into that one cell, so rows would vanish. `last` is that record's line
    /// and byte offset; only it can hold such a quote, as it runs to the end of the file.
    pub fn closed_quotes(&self, last: Option<(usize, u64)>) -> Result<(), InputError> {
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
        let line = line + text[..open].iter().filter(|&&b| b == b'\n').count();
        let mut e = InputError::new(
            &self.file,
            "此处的引号 \" 没有闭合，其后各行都会并入一格：请补上引号或删去它 / a quote \" opens here and never closes, so every row after it would be read into one cell: close or remove it",
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
    Cells(record)
}

/// The reader every record of a round is read with: no header row, and rows of any length (a
/// short or long row is reported, not refused).
fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
}

fn is_workbook(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "xlsx" | "xlsm" | "xls"))
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
                    "文件既不是 UTF-8 也不是 GBK/GB18030 编码 / the file is neither UTF-8 nor GBK/GB18030",
                )
            })
    };
    let not_utf8 = |bytes: Vec<u8>| {
        let valid = std::str::from_utf8(&bytes).map_or_else(|e| e.valid_up_to(), |s| s.len());
        let mut err = InputError::new(
            file,
            "文件不是 UTF-8 编码 (GBK 文件可用 --encoding gbk) / the file is not UTF-8 (for GBK use --encoding gbk)",
        );
        err.line = Some(bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1);
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
    let utf8 = simdutf8::basic::from_utf8(&bytes).is_ok();
    match encoding {
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
/// value), its name, and its cells that are not text (`Kind`). Its cells are read one by one as
/// they stand in the file, as calamine builds its own range, so a large sheet is held once, as
/// text.
#[allow(clippy::type_complexity)]
fn read_sheet(
    path: &Path,
    file: &str,
    wanted: Option<&str>,
) -> Result<(Vec<u8>, usize, String, Vec<(u32, u32, Kind)>), InputError> {
    let bad = |e: String| {
        InputError::new(
            file,
            format!("无法读取工作簿 / cannot read the workbook: {e}"),
        )
    };
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook(path).map_err(|e: calamine::XlsxError| bad(e.to_string()))?;
    let sheets = book.sheets_metadata();
    let visible = |s: &&calamine::Sheet| s.visible == calamine::SheetVisible::Visible;
    let chosen = match wanted {
        Some(name) => sheets.iter().find(|s| s.name == name).ok_or_else(|| {
            let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
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
    match book.worksheet_cells_reader(&first) {
        Ok(mut reader) => {
            while let Some(cell) = reader.next_cell().map_err(|e| bad(e.to_string()))? {
                if !matches!(cell.get_value(), DataRef::Empty) {
                    let (row, col) = cell.get_position();
                    cells.push((row, col, cell_text(cell.get_value())));
                    let kind = Kind::of(cell.get_value());
                    if kind != Kind::Text {
                        kinds.push((row, col, kind));
                    }
                }
            }
        }
        Err(calamine::XlsxError::NotAWorksheet(_)) => {}
        Err(e) => return Err(bad(e.to_string())),
    }
    let (text, header_row) = sheet_csv(cells);
    // In row order, as the rows are; of two cells at one place the later wins, as in the text.
    kinds.sort_by_key(|k| (k.0, k.1));
    kinds.reverse();
    kinds.dedup_by_key(|k| (k.0, k.1));
    kinds.reverse();
    Ok((text, header_row, first, kinds))
}

/// Cells in any order as CSV, and the sheet row of the first (1-based): a later cell at the
/// same place wins; the rows run from the first with a value to the last, empty ones included,
/// each up to its last cell with text.
fn sheet_csv(mut cells: Vec<(u32, u32, String)>) -> (Vec<u8>, usize) {
    // Cells do not always stand in order in a file; a stable sort keeps later ones later.
    cells.sort_by_key(|c| (c.0, c.1));
    // Flexible: rows of any length, as they stand.
    let mut wr = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let mut row: Vec<&str> = Vec::new();
    let (Some(first), Some(last)) = (cells.first().map(|c| c.0), cells.last().map(|c| c.0)) else {
        return (Vec::new(), 1);
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
    }
    (wr.into_inner().unwrap_or_default(), first as usize + 1)
}

/// The text of a workbook cell as a person would type it.
fn cell_text(d: &DataRef<'_>) -> String {
    match d {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
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
            rows.push((line, texts.collect()));
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
        (sheet.write_datetime_with_format(3, 3, &date, &date_format)).unwrap();
        sheet.write_boolean(3, 4, true).unwrap();
        sheet.write_string(5, 1, "model").unwrap();
        sheet.write_number(5, 2, 300000.0).unwrap();
        sheet.write_string(5, 3, "").unwrap();
        book.save(&path).unwrap();

        let table = Table::open(&path, Encoding::Auto).unwrap();
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
        let kinds = table.kinds(4);
        let of: Vec<Kind> = (0..6).map(|c| kinds.of(c)).collect();
        use Kind::*;
        assert_eq!(of, [Text, Text, Number, Date, Bool, Text]);
        assert_eq!(table.kinds(6).of(2), Number);
        assert_eq!(table.kinds(5).of(2), Text, "an empty row has none");
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
            let (text, first) = sheet_csv(cells);
            let mut got = Vec::new();
            let mut record = csv::StringRecord::new();
            let mut r = reader(&text);
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
    #[test]
    fn csv_rows_are_numbered_by_their_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("round.csv");
        std::fs::write(&path, "\u{feff}h1,h2\na,b\n\"multi\nline\",c\nd,e\n").unwrap();
        let table = Table::open(&path, Encoding::Utf8).unwrap();
        assert_eq!(table.headers, ["h1", "h2"]);
        let lines: Vec<usize> = rows_of(&table).iter().map(|r| r.0).collect();
        assert_eq!(lines, [2, 3, 5]);
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
