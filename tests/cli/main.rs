//! The one integration-test binary: `calc` driven through its command line.
//! Each module covers one command or concern; a regression test per bug goes beside its kin.

mod audit;
mod batch;
mod cases;
mod common;
mod compare;
mod corpus;
mod decision;
mod edge;
mod inputs;
mod ledger;
mod ledger_db;
mod ledger_model;
mod ledger_race;
mod notice;
mod overlays;
mod priors;
mod screen;
mod single;
mod template;
mod trust;
mod xlsx;
