//! Spreadsheets in and out, from bytes and to any `impl Write`, for the batch and whatever
//! else reads or writes a round's files (the notice, a prior, the summary, a web API); which
//! file they come from or go to is the business of the edge (`files`):
//!
//! - `read`: a CSV (UTF-8 or GBK) or a workbook, from its bytes, as records in file order, each
//!   with its spreadsheet row number and where its text stands;
//! - `write`: CSV with the formula guard (`formula`) on its text cells, and XLSX; small tables
//!   and workbooks.

pub mod formula;
pub mod read;
pub mod write;

/// How a spreadsheet is written: its format, and whether a CSV begins with a UTF-8 BOM (Excel
/// needs it to read Chinese).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Form {
    pub format: Format,
    pub bom: bool,
}

/// The format a spreadsheet is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// CSV, UTF-8, with a BOM for Excel where asked.
    Csv,
    Xlsx,
}
