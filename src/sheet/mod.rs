//! Spreadsheet files in and out, for the batch and for whatever else reads or writes a round's
//! files (the notice, a prior, the summary; a web API later), without the batch's pipeline:
//!
//! - `read`: a CSV (UTF-8 or GBK) or a workbook as records in file order, each with its
//!   spreadsheet row number and where its text stands;
//! - `write`: CSV and XLSX written safely: the formula guard on CSV text, a temporary file
//!   beside the target renamed once complete, the target's folder locked; small workbooks;
//! - `guard`: whether two paths are one file.

pub mod guard;
pub mod read;
pub mod write;
