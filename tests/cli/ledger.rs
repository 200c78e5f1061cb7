//! `calc ledger` (SPEC §8) driven through the command line, each body on SQLite and on
//! PostgreSQL (`on_both!`): record re-evaluates and records only what it reproduces, held rows,
//! refusals naming the entry that paid, void and pay again, import, list, export as a prior,
//! verify and tampering, the schema version, the head the same on both stores.
//!
//! examples/round.csv at as-of 2026-06-30 (worked by hand, SPEC §4):
//! - row 2 HT-01 (甲, 自主算力) 1,200,000 × 30% = 360,000.00
//! - row 3 MX-01 (乙, API) 300,000 × 30% = 90,000.00
//! - row 4 HT-02 (甲, not own) 800,000 × 10% = 80,000.00
//! - row 5 RZ-01 (乙, 小巨人) 1,000,000.00
//! - row 6 HT-03 (甲) 500,000 × 30% = 150,000, capped by clause 1's 500,000 a year for 甲:
//!   500,000 − 360,000 − 80,000 = 60,000.00
//! - row 7 (永嘉丙) and row 8 (RZ-02, 专精特新, only the highest recognition paid) pay nothing.
//!
//! Five entries, 1,590,000.00 in all.

use std::path::Path;
use std::process::Output;

use crate::common::{calc, root};
use crate::ledger_db::Db;
use crate::on_both;

pub const AS_OF: &str = "2026-06-30";
/// The same clock and clerk everywhere, so that two stores give the same head.
pub const NOW: &str = "2026-07-01T09:00:00Z";

/// `calc ARGS` in `dir` with the ledger `db`; its exit code, stdout and stderr.
pub fn run(db: &Db, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o: Output = calc()
        .current_dir(dir)
        .env("CALC_LEDGER", db.locator())
        .env("CALC_LEDGER_NOW", NOW)
        .env("CALC_LEDGER_USER", "clerk")
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Runs a command that must succeed; its stdout.
pub fn ok(db: &Db, dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = run(db, dir, args);
    assert_eq!(code, 0, "{args:?}\n{out}\n{err}");
    out
}

/// A folder with round 1's output (examples/round.csv at AS_OF) as out1.csv, and the ledger
/// created.
pub fn setup(db: &Db) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(root().join("examples/round.csv"), d.join("round.csv")).unwrap();
    let o = calc()
        .current_dir(d)
        .env_remove("CALC_LEDGER")
        .args(["batch", "round.csv", "-o", "out1.csv", "--as-of", AS_OF])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    ok(db, d, &["ledger", "init"]);
    dir
}

/// The live awards as `list --format json` gives them: (seq, code, clause, item, amount, round).
pub fn live(db: &Db, dir: &Path) -> Vec<(i64, String, i64, String, String, String)> {
    let out = ok(
        db,
        dir,
        &["ledger", "list", "--format", "json", "--unmasked"],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    (v.as_array().unwrap().iter())
        .map(|e| {
            (
                e["seq"].as_i64().unwrap(),
                e["credit_code"].as_str().unwrap().to_string(),
                e["clause"].as_i64().unwrap(),
                e["item"].as_str().unwrap().to_string(),
                e["amount"].as_str().unwrap().to_string(),
                e["round"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The head a writing command printed last: `台账 #SEQ HASH`.
pub fn head_of(out: &str) -> (i64, String) {
    let line = (out.lines())
        .rfind(|l| l.starts_with("台账 #"))
        .unwrap_or_else(|| panic!("no head in {out}"));
    let mut w = line.trim_start_matches("台账 #").split(' ');
    (
        w.next().unwrap().parse().unwrap(),
        w.next().unwrap().to_string(),
    )
}

fn record_reproduces_and_holds(db: &Db) {
    let dir = setup(db);
    let d = dir.path();
    let out = ok(
        db,
        d,
        &[
            "ledger", "record", "out1.csv", "--round", "R1", "--as-of", AS_OF,
        ],
    );
    assert!(out.contains("已记账 recorded: 5 条 (#1–#5)"), "{out}");
    assert!(out.contains("1,590,000.00"), "{out}");
    assert_eq!(head_of(&out).0, 5);
    let got: Vec<(i64, String, String)> =
        (live(db, d).into_iter()).map(|e| (e.0, e.3, e.4)).collect();
    let want = [
        (1, "HT-01", "360000.00"),
        (2, "MX-01", "90000.00"),
        (3, "HT-02", "80000.00"),
        (4, "RZ-01", "1000000.00"),
        (5, "HT-03", "60000.00"),
    ];
    let want: Vec<(i64, String, String)> = (want.iter())
        .map(|(s, i, a)| (*s, i.to_string(), a.to_string()))
        .collect();
    assert_eq!(got, want);
    // Again: every row is held by its entry, nothing new; the head unchanged.
    let again = ok(
        db,
        d,
        &[
            "ledger", "record", "out1.csv", "--round", "R1", "--as-of", AS_OF,
        ],
    );
    assert!(again.contains("已记账 recorded: 0 条"), "{again}");
    assert!(again.contains("held: 5"), "{again}");
    assert_eq!(head_of(&again), head_of(&out));
    // The same output as another round: every row refused, naming the entry that paid it.
    let (code, _, err) = run(
        db,
        d,
        &[
            "ledger", "record", "out1.csv", "--round", "R2", "--as-of", AS_OF,
        ],
    );
    assert_eq!(code, 2, "{err}");
    for (row, seq) in [(2, 1), (3, 2), (4, 3), (5, 4), (6, 5)] {
        assert!(err.contains(&format!("out1.csv:{row}:")), "{err}");
        assert!(err.contains(&format!("台账 #{seq} ")), "{err}");
    }
    let v = ok(db, d, &["ledger", "verify"]);
    assert_eq!(head_of(&v), head_of(&out));
    // The run log holds every run that wrote or computed: init has none; 2 records and one
    // refused.
    assert_eq!(
        db.column("SELECT outcome FROM runs ORDER BY id"),
        ["recorded", "recorded", "refused"]
    );
}

fn an_edited_figure_refuses_the_whole_output(db: &Db) {
    let dir = setup(db);
    let d = dir.path();
    // HT-02's 80,000.00 edited to 80,000.01: the whole output is refused; nothing recorded.
    let text = std::fs::read_to_string(d.join("out1.csv")).unwrap();
    std::fs::write(
        d.join("edited.csv"),
        text.replace(",80000.00,", ",80000.01,"),
    )
    .unwrap();
    let (code, _, err) = run(
        db,
        d,
        &[
            "ledger",
            "record",
            "edited.csv",
            "--round",
            "R1",
            "--as-of",
            AS_OF,
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("edited.csv:4:"), "{err}");
    assert!(err.contains("80,000.01"), "{err}");
    assert!(err.contains("80,000.00"), "{err}");
    assert!(live(db, d).is_empty());
    // Computed at another as-of date than the round's (2025: before the contracts): refused.
    let (code, _, _) = run(
        db,
        d,
        &[
            "ledger",
            "record",
            "out1.csv",
            "--round",
            "R1",
            "--as-of",
            "2025-06-30",
        ],
    );
    assert_eq!(code, 2);
    assert!(live(db, d).is_empty());
    // --exclude keeps out a row whose objection was upheld: four recorded.
    let out = ok(
        db,
        d,
        &[
            "ledger",
            "record",
            "out1.csv",
            "--round",
            "R1",
            "--as-of",
            AS_OF,
            "--exclude",
            "5",
            "--reason",
            "公示异议成立",
        ],
    );
    assert!(out.contains("已记账 recorded: 4 条"), "{out}");
    assert!(out.contains("公示异议成立"), "{out}");
    // A prior table is not an output: record refuses it, naming import.
    std::fs::write(
        d.join("prior.csv"),
        "统一社会信用代码,单位名称,所属区县,条款,年度,事项编号,已获金额\n91330302000000001K,甲,鹿城区,1,2026,HT-09,1000\n",
    )
    .unwrap();
    let (code, _, err) = run(
        db,
        d,
        &[
            "ledger",
            "record",
            "prior.csv",
            "--round",
            "R1",
            "--as-of",
            AS_OF,
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("ledger import"), "{err}");
}

fn void_then_pay_again(db: &Db) {
    let dir = setup(db);
    let d = dir.path();
    ok(
        db,
        d,
        &[
            "ledger", "record", "out1.csv", "--round", "R1", "--as-of", AS_OF,
        ],
    );
    let out = ok(db, d, &["ledger", "void", "1", "--reason", "合同金额有误"]);
    assert!(out.contains("#6"), "{out}");
    assert_eq!(head_of(&out).0, 6);
    let (code, _, err) = run(db, d, &["ledger", "void", "1", "--reason", "again"]);
    assert_eq!(code, 2);
    assert!(err.contains("#6"), "{err}");
    // Round 2 with the ledger: HT-01 is paid again (360,000.00), the rest are already paid.
    let (code, _, err) = run(
        db,
        d,
        &["batch", "round.csv", "-o", "out2.csv", "--as-of", AS_OF],
    );
    assert_eq!(code, 0, "{err}");
    // The head the round was computed against: the void, #6.
    assert!(err.contains("台账 #6 "), "{err}");
    let text = std::fs::read_to_string(d.join("out2.csv")).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert!(rows[1].contains(",360000.00,,,核定,"), "{}", rows[1]);
    assert!(rows[2].contains("已兑现"), "{}", rows[2]);
    // (An item already paid says so with its amount and year; a deduction names its entry,
    // `single_file_names_its_entry`.)
    let out = ok(
        db,
        d,
        &[
            "ledger", "record", "out2.csv", "--round", "R2", "--as-of", AS_OF,
        ],
    );
    assert!(out.contains("已记账 recorded: 1 条 (#7–#7)"), "{out}");
    // A top-up: the voided #1 paid 360,000.00, now 360,000.00: 0.00 still to pay.
    assert!(
        out.contains("补差 top-up: 第 2 行 row 2: 已冲销的 #1 曾付 paid 360000.00，本次 now 360000.00，尚需支付 still to pay 0.00"),
        "{out}"
    );
    let items: Vec<(i64, String)> = live(db, d).into_iter().map(|e| (e.0, e.3)).collect();
    assert_eq!(items[4], (7, "HT-01".to_string()));
    // The second award of HT-01 is its attempt 1, the void between them.
    assert_eq!(
        db.column("SELECT attempt FROM entries WHERE seq = 7"),
        ["1"]
    );
    let all = ok(db, d, &["ledger", "list", "--all", "--format", "csv"]);
    assert!(all.contains("6,void,"), "{all}");
    assert!(all.contains("-360000.00"), "{all}");
    ok(db, d, &["ledger", "verify"]);
}

fn import_list_export(db: &Db) {
    let dir = setup(db);
    let d = dir.path();
    // 11010519491231002X: a 公民身份号码 (an individual's prior).
    std::fs::write(
        d.join("prior.csv"),
        "统一社会信用代码,单位名称,所属区县,条款,年度,事项编号,已获金额\n\
         91330302000000001k,温州甲智能科技有限公司,鹿城区,1,2026,ht-01,360000\n\
         11010519491231002X,张三,鹿城区,1,2026,HT-77,1000\n",
    )
    .unwrap();
    let out = ok(db, d, &["ledger", "import", "prior.csv", "--round", "旧账"]);
    assert!(out.contains("已导入 imported: 2 条"), "{out}");
    // Keys are canonical: the lower-case code is the round's upper-case one.
    let rows = live(db, d);
    assert_eq!(rows[0].1, "91330302000000001K");
    // Importing again: both held.
    let out = ok(db, d, &["ledger", "import", "prior.csv", "--round", "旧账"]);
    assert!(out.contains("held: 2"), "{out}");
    // list masks the number; --unmasked and export write it whole.
    let listed = ok(db, d, &["ledger", "list", "--format", "csv"]);
    assert!(listed.contains("110105********002X"), "{listed}");
    assert!(!listed.contains("11010519491231002X"), "{listed}");
    ok(db, d, &["ledger", "export", "-o", "exp.csv"]);
    let exp = std::fs::read_to_string(d.join("exp.csv")).unwrap();
    assert!(exp.contains("11010519491231002X"), "{exp}");
    // Round 1 with the ledger: HT-01 is paid already (台账 #1), and the cap of 500,000 leaves
    // HT-02 80,000 and HT-03 500,000 − 360,000 − 80,000 = 60,000.
    let (code, _, err) = run(
        db,
        d,
        &["batch", "round.csv", "-o", "o.csv", "--as-of", AS_OF],
    );
    assert_eq!(code, 0, "{err}");
    let o = std::fs::read_to_string(d.join("o.csv")).unwrap();
    let lines: Vec<&str> = o.lines().collect();
    assert!(lines[1].contains("已兑现"), "{}", lines[1]);
    // HT-02 and HT-03 deduct entry #1 from the cap, naming it.
    assert!(lines[5].contains("台账 #1"), "{}", lines[5]);
    assert!(lines[3].contains(",80000.00,"), "{}", lines[3]);
    assert!(lines[5].contains(",60000.00,"), "{}", lines[5]);
    // A round's output is refused by import; a prior without its district too.
    let (code, _, err) = run(db, d, &["ledger", "import", "out1.csv", "--round", "x"]);
    assert_eq!(code, 2);
    assert!(err.contains("ledger record"), "{err}");
    std::fs::write(
        d.join("nodistrict.csv"),
        "统一社会信用代码,单位名称,条款,年度,事项编号,已获金额\n91330302000000002N,乙,2,2026,MX-09,100\n",
    )
    .unwrap();
    let (code, _, err) = run(
        db,
        d,
        &["ledger", "import", "nodistrict.csv", "--round", "x"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("nodistrict.csv:2"), "{err}");
    assert!(err.contains("district"), "{err}");
    // A different amount for an item the ledger holds: refused naming the entry.
    std::fs::write(
        d.join("conflict.csv"),
        "统一社会信用代码,单位名称,所属区县,条款,年度,事项编号,已获金额\n91330302000000001K,甲,鹿城区,1,2026,HT-01,1\n",
    )
    .unwrap();
    let (code, _, err) = run(db, d, &["ledger", "import", "conflict.csv", "--round", "x"]);
    assert_eq!(code, 2);
    assert!(err.contains("台账 #1"), "{err}");
    assert_eq!(live(db, d).len(), 2);
}

fn single_file_names_its_entry(db: &Db) {
    let dir = setup(db);
    let d = dir.path();
    ok(
        db,
        d,
        &[
            "ledger", "record", "out1.csv", "--round", "R1", "--as-of", AS_OF,
        ],
    );
    std::fs::write(
        d.join("jia.toml"),
        "[applicant]\nname = \"温州甲智能科技有限公司\"\ncredit_code = \"91330302000000001K\"\nkind = \"enterprise\"\ndistrict = \"鹿城区\"\nregistered = true\ntax_compliant = true\nai_industry = true\n\n[[compute]]\nid = \"HT-04\"\nautonomous = true\namount = 1000000\ndate = 2026-05-01\n",
    )
    .unwrap();
    // The cap of 500,000 is used up by entries #1, #3 and #5 (360,000 + 80,000 + 60,000):
    // HT-04's 300,000 becomes 0.00, the reason naming the entries.
    let out = ok(db, d, &["jia.toml", "--as-of", AS_OF, "--format", "json"]);
    assert!(out.contains("台账 #1"), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["total"], "0.00", "{out}");
}

fn tampering_is_found(db: &Db) {
    let dir = setup(db);
    let d = dir.path();
    let first = ok(
        db,
        d,
        &[
            "ledger", "record", "out1.csv", "--round", "R1", "--as-of", AS_OF,
        ],
    );
    let (seq, hash) = head_of(&first);
    // The database itself refuses UPDATE and DELETE.
    let refused =
        std::panic::catch_unwind(|| db.sql("UPDATE entries SET amount_fen = 1 WHERE seq = 2"));
    assert!(refused.is_err());
    let refused = std::panic::catch_unwind(|| db.sql("DELETE FROM entries WHERE seq = 2"));
    assert!(refused.is_err());
    if db.is_postgres() {
        let refused = std::panic::catch_unwind(|| db.sql("TRUNCATE entries"));
        assert!(refused.is_err());
    }
    ok(
        db,
        d,
        &["ledger", "verify", "--expect", &format!("{seq}:{hash}")],
    );
    let drop = match db {
        Db::Sqlite(_) => "DROP TRIGGER entries_no_update; DROP TRIGGER entries_no_delete;",
        Db::Postgres { .. } => "DROP TRIGGER entries_no_change ON entries;",
    };
    db.sql(drop);
    // An amount changed: #2 fails its hash.
    db.sql("UPDATE entries SET amount_fen = 9000001 WHERE seq = 2");
    let (code, _, err) = run(db, d, &["ledger", "verify"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("台账 #2:"), "{err}");
    db.sql("UPDATE entries SET amount_fen = 9000000 WHERE seq = 2");
    ok(db, d, &["ledger", "verify"]);
    // Two rows swapped (their numbers kept): #3 no longer links to #2.
    db.sql(
        "UPDATE entries SET seq = -3 WHERE seq = 3; UPDATE entries SET seq = 3 WHERE seq = 4; \
         UPDATE entries SET seq = 4 WHERE seq = -3;",
    );
    let (code, _, err) = run(db, d, &["ledger", "verify"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("台账 #3:"), "{err}");
    db.sql(
        "UPDATE entries SET seq = -3 WHERE seq = 3; UPDATE entries SET seq = 3 WHERE seq = 4; \
         UPDATE entries SET seq = 4 WHERE seq = -3;",
    );
    ok(db, d, &["ledger", "verify"]);
    // A row deleted: #4 is missing.
    db.sql("DELETE FROM entries WHERE seq = 4");
    let (code, _, err) = run(db, d, &["ledger", "verify"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("台账 #4:"), "{err}");
    // A head printed earlier that the ledger no longer has.
    let (code, _, err) = run(db, d, &["ledger", "verify", "--expect", "2:00ff"]);
    assert_eq!(code, 4, "{err}");
}

fn the_schema_version_is_checked(db: &Db) {
    let dir = setup(db);
    let d = dir.path();
    db.sql("INSERT INTO calc_migrations (version, name, sha256, applied_at) VALUES (2, '0002_future', 'x', 'now')");
    let (code, _, err) = run(db, d, &["ledger", "list"]);
    assert_eq!(code, 2);
    assert!(err.contains("newer"), "{err}");
    db.sql("DELETE FROM calc_migrations");
    let (code, _, err) = run(db, d, &["ledger", "verify"]);
    assert_eq!(code, 2);
    assert!(err.contains("calc ledger init"), "{err}");
    let (code, _, err) = run(
        db,
        d,
        &["batch", "round.csv", "-o", "o.csv", "--as-of", AS_OF],
    );
    assert_eq!(code, 2);
    assert!(err.contains("calc ledger init"), "{err}");
}

on_both!(
    record_reproduces_and_holds,
    an_edited_figure_refuses_the_whole_output,
    void_then_pay_again,
    import_list_export,
    single_file_names_its_entry,
    tampering_is_found,
    the_schema_version_is_checked,
);

/// The same outputs give the same entries and the same head on SQLite and on PostgreSQL.
#[test]
fn both_stores_give_the_same_head() {
    let Some(pg) = Db::postgres() else { return };
    let lite = Db::sqlite();
    let mut heads = Vec::new();
    for db in [&lite, &pg] {
        let dir = setup(db);
        let d = dir.path();
        ok(
            db,
            d,
            &[
                "ledger", "record", "out1.csv", "--round", "R1", "--as-of", AS_OF,
            ],
        );
        ok(db, d, &["ledger", "void", "3", "--reason", "r"]);
        let v = ok(db, d, &["ledger", "verify"]);
        heads.push((head_of(&v), live(db, d)));
    }
    assert_eq!(heads[0].0.0, 6);
    assert_eq!(heads[0], heads[1]);
}

/// Each row of a round's output: its clause, award, range and status.
pub fn awards_of(path: &Path) -> Vec<[String; 5]> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .unwrap();
    let headers: Vec<String> = (r.headers().unwrap().iter())
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let cols = [
        col("条款"),
        col("核定金额"),
        col("酌定上限"),
        col("酌定下限"),
        col("状态"),
    ];
    (r.records().map(Result::unwrap))
        .map(|rec| cols.map(|c| rec.get(c).unwrap_or("").to_string()))
        .collect()
}

/// The reasons of a round's output with the names of earlier awards taken out (`台账 #N`,
/// `FILE:LINE`), which is all that differs between a ledger and its export as a prior.
fn reasons_of(path: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let i = (r.headers().unwrap().iter())
        .position(|h| h == "说明")
        .unwrap();
    let strip = |s: &str| {
        let mut out = String::new();
        let mut rest = s;
        while let Some(p) = rest.find("台账 #").or_else(|| rest.find("exp.csv:")) {
            out.push_str(&rest[..p]);
            out.push_str("<prior>");
            let tail = &rest[p..];
            let skip = tail.find(|c: char| c.is_ascii_digit()).unwrap_or(0);
            let digits = tail[skip..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(tail.len() - skip);
            rest = &tail[skip + digits..];
        }
        out.push_str(rest);
        out
    };
    (r.records().map(Result::unwrap))
        .map(|rec| strip(rec.get(i).unwrap_or("")))
        .collect()
}

/// The generator of synthetic rounds (examples/gen_round.rs), built if `cargo test` has not.
fn gen_round() -> std::path::PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_calc"));
    let path = exe.parent().unwrap().join("examples/gen_round");
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let ok = std::process::Command::new(cargo)
            .current_dir(root())
            .args(["build", "--example", "gen_round"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cargo build --example gen_round");
    }
    path
}

/// `batch --ledger L` computes round 2 as `batch --prior` with the ledger's export does (and as
/// with round 1's output itself as the prior), on synthetic rounds with every kind of row:
/// annual caps, the clause-3 quota of each district and year, recognitions by subject and
/// title, loans by period. Only the names of the earlier awards differ.
fn batch_with_the_ledger_is_batch_with_its_export(db: &Db) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let generator = gen_round();
    for (seed, file) in [("1", "g1.csv"), ("2", "g2.csv")] {
        let ok = std::process::Command::new(&generator)
            .current_dir(d)
            .args(["400", seed, file, "--quota"])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }
    ok(db, d, &["ledger", "init"]);
    let as_of = "2026-12-31";
    let (code, _, err) = run(
        db,
        d,
        &["batch", "g1.csv", "-o", "o1.csv", "--as-of", as_of],
    );
    assert_eq!(code, 0, "{err}");
    let out = ok(
        db,
        d,
        &[
            "ledger", "record", "o1.csv", "--round", "G1", "--as-of", as_of,
        ],
    );
    assert!(head_of(&out).0 > 100, "{out}");
    ok(db, d, &["ledger", "export", "-o", "exp.csv"]);
    // Round 2's rows with errors (a clause-7 prior naming no subject the round's facts have)
    // are the same rows either way: exit 3 for all three.
    let (c1, _, _) = run(
        db,
        d,
        &["batch", "g2.csv", "-o", "with-ledger.csv", "--as-of", as_of],
    );
    let no = ["--ledger", ""];
    let (c2, _, _) = run(
        db,
        d,
        &[
            &[
                "batch",
                "g2.csv",
                "-o",
                "with-export.csv",
                "--as-of",
                as_of,
                "--prior",
                "exp.csv",
            ][..],
            &no[..],
        ]
        .concat(),
    );
    let (c3, _, _) = run(
        db,
        d,
        &[
            &[
                "batch",
                "g2.csv",
                "-o",
                "with-output.csv",
                "--as-of",
                as_of,
                "--prior",
                "o1.csv",
            ][..],
            &no[..],
        ]
        .concat(),
    );
    assert_eq!((c1, c2), (c3, c3));
    let l = awards_of(&d.join("with-ledger.csv"));
    assert_eq!(l, awards_of(&d.join("with-export.csv")));
    assert_eq!(l, awards_of(&d.join("with-output.csv")));
    let reasons = reasons_of(&d.join("with-ledger.csv"));
    assert_eq!(reasons, reasons_of(&d.join("with-export.csv")));
    // The round is one that tests something: items already paid, deductions naming their
    // entries, quota places taken by round 1.
    let text = std::fs::read_to_string(d.join("with-ledger.csv")).unwrap();
    assert!(l.iter().any(|r| r[4] == "已兑现"));
    assert!(text.contains("台账 #"));
    assert!(text.contains("名额"));
}

on_both!(batch_with_the_ledger_is_batch_with_its_export);

/// A cap another record used meanwhile: round A pays 甲's HT-01 and HT-02 (360,000 + 80,000 =
/// 440,000 of clause 1's 500,000 a year); round B, computed without A, pays HT-03 500,000 ×
/// 30% = 150,000. Once A is recorded, B no longer reproduces: with A's entries the cap leaves
/// 500,000 − 440,000 = 60,000. B is refused naming both figures and an entry of A.
fn a_shared_cap_used_meanwhile_refuses(db: &Db) {
    let dir = setup(db);
    let d = dir.path();
    let text = std::fs::read_to_string(d.join("round.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(
        d.join("a.csv"),
        [lines[0], lines[1], lines[3]].join("\n") + "\n",
    )
    .unwrap();
    std::fs::write(d.join("b.csv"), [lines[0], lines[5]].join("\n") + "\n").unwrap();
    for (input, output) in [("a.csv", "outa.csv"), ("b.csv", "outb.csv")] {
        let (code, _, err) = run(
            db,
            d,
            &[
                "batch", input, "-o", output, "--as-of", AS_OF, "--ledger", "",
            ],
        );
        assert_eq!(code, 0, "{err}");
    }
    ok(
        db,
        d,
        &[
            "ledger", "record", "outa.csv", "--round", "A", "--as-of", AS_OF,
        ],
    );
    let (code, _, err) = run(
        db,
        d,
        &[
            "ledger", "record", "outb.csv", "--round", "B", "--as-of", AS_OF,
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("outb.csv:2:"), "{err}");
    assert!(err.contains("150,000.00"), "{err}");
    assert!(err.contains("60,000.00"), "{err}");
    assert!(err.contains("台账 #1 (批次 A"), "{err}");
    assert_eq!(live(db, d).len(), 2);
}

/// A discretionary (酌定) row is pending until its decided amount is typed into 核定金额; an
/// amount above its ceiling is refused; one within its range records just that row.
fn a_decided_amount_records_just_that_row(db: &Db) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok_gen = std::process::Command::new(gen_round())
        .current_dir(d)
        .args(["200", "1", "g.csv"])
        .status()
        .unwrap()
        .success();
    assert!(ok_gen);
    ok(db, d, &["ledger", "init"]);
    let (code, _, err) = run(
        db,
        d,
        &["batch", "g.csv", "-o", "o.csv", "--as-of", "2026-12-31"],
    );
    assert!(code == 0 || code == 3, "{err}");
    let first = ok(
        db,
        d,
        &[
            "ledger",
            "record",
            "o.csv",
            "--round",
            "G",
            "--as-of",
            "2026-12-31",
        ],
    );
    assert!(first.contains("待定 pending"), "{first}");
    let n = head_of(&first).0;
    // The first discretionary row, its ceiling typed in (and, apart, the ceiling + 0.01).
    let mut r = csv::Reader::from_path(d.join("o.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    let col = |h: &str| headers.iter().position(|x| x == h).unwrap();
    let (award, ceiling, status) = (col("核定金额"), col("酌定上限"), col("状态"));
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let at = rows.iter().position(|x| &x[status] == "酌定").unwrap();
    let top = rows[at][ceiling].to_string();
    let write = |name: &str, amount: &str| {
        let mut w = csv::Writer::from_path(d.join(name)).unwrap();
        w.write_record(&headers).unwrap();
        for (i, row) in rows.iter().enumerate() {
            let mut cells: Vec<String> = row.iter().map(str::to_string).collect();
            if i == at {
                cells[award] = amount.to_string();
            }
            w.write_record(&cells).unwrap();
        }
        w.flush().unwrap();
    };
    let cents: i64 = top.replace('.', "").parse().unwrap();
    write(
        "above.csv",
        &format!("{}.{:02}", (cents + 1) / 100, (cents + 1) % 100),
    );
    let (code, _, err) = run(
        db,
        d,
        &[
            "ledger",
            "record",
            "above.csv",
            "--round",
            "G",
            "--as-of",
            "2026-12-31",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("above.csv:{}", at + 2)), "{err}");
    write("decided.csv", &top);
    let out = ok(
        db,
        d,
        &[
            "ledger",
            "record",
            "decided.csv",
            "--round",
            "G",
            "--as-of",
            "2026-12-31",
        ],
    );
    assert!(out.contains("已记账 recorded: 1 条"), "{out}");
    assert_eq!(head_of(&out).0, n + 1);
    let last = live(db, d).into_iter().max_by_key(|e| e.0).unwrap();
    assert_eq!(last.4, top);
}

on_both!(
    a_shared_cap_used_meanwhile_refuses,
    a_decided_amount_records_just_that_row
);
