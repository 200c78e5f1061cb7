//! The one integration-test binary: `calc` driven through its command line.
//! Each module covers one command or concern; a regression test per bug goes beside its kin.

mod batch;
mod common;
mod single;
