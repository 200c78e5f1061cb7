//! Whole outputs of the command line, pinned (trycmd): each `tests/cmd/NAME.toml` runs `calc`
//! from the repository root, and `NAME.stdout` / `NAME.stderr` hold what it must print, byte
//! for byte. The figures in them are the hand-worked ones of tests/cases (enterprise-example,
//! university-kinds, district-outside); refresh with `TRYCMD=overwrite cargo test --test cmd`
//! only after checking every changed figure by hand.

#[test]
fn cli_outputs() {
    // Each case sets COLUMNS itself (80 or 120): the tables are laid out to it. No ledger is
    // inherited (an empty CALC_LEDGER is none).
    trycmd::TestCases::new()
        .env("CALC_LEDGER", "")
        .case("tests/cmd/*.toml");
}
