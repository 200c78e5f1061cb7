//! Two clerks at once, and a clerk's process killed (SPEC §8), on SQLite and PostgreSQL:
//! - processes (and threads through the library) released together by a barrier record outputs
//!   that pay the same items: exactly one wins, every loser's whole output is refused naming
//!   the winner's entries, and nothing of it is recorded; repeated, the items voided between
//!   rounds so that each repetition races for them again;
//! - a record killed inside its transaction (a test-only pause before the commit), or at a
//!   random moment, leaves all or nothing of its output, and verify passes.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use crate::ledger::{AS_OF, NOW, live, ok, run, setup};
use crate::ledger_db::Db;
use crate::on_both;

const RACERS: usize = 4;
const REPEATS: usize = 4;

/// Voids every live award (so that the next repetition can pay the items again).
fn void_all(db: &Db, dir: &std::path::Path) {
    for e in live(db, dir) {
        ok(
            db,
            dir,
            &["ledger", "void", &e.0.to_string(), "--reason", "reset"],
        );
    }
}

fn processes_racing_for_the_same_items(db: &Db) {
    let dir = setup(db);
    let d = dir.path().to_path_buf();
    for rep in 0..REPEATS {
        let barrier = Arc::new(Barrier::new(RACERS));
        let handles: Vec<_> = (0..RACERS)
            .map(|i| {
                let (barrier, d, loc) = (barrier.clone(), d.clone(), db.locator());
                std::thread::spawn(move || {
                    let mut cmd = crate::common::process(env!("CARGO_BIN_EXE_calc"));
                    cmd.current_dir(&d)
                        .env("CALC_LEDGER", loc)
                        .env("CALC_LEDGER_NOW", NOW)
                        .args(["ledger", "record", "out1.csv", "--as-of", AS_OF])
                        .args(["--round", &format!("R{rep}-{i}")]);
                    barrier.wait();
                    let o = cmd.output().unwrap();
                    (
                        i,
                        o.status.code().unwrap_or(-1),
                        String::from_utf8_lossy(&o.stderr).into_owned(),
                    )
                })
            })
            .collect();
        let results: Vec<(usize, i32, String)> =
            handles.into_iter().map(|h| h.join().unwrap()).collect();
        let winners: Vec<_> = results.iter().filter(|r| r.1 == 0).collect();
        assert_eq!(winners.len(), 1, "rep {rep}: {results:?}");
        let w = winners[0].0;
        let lives = live(db, &d);
        assert_eq!(lives.len(), 5, "{lives:?}");
        assert!(lives.iter().all(|e| e.5 == format!("R{rep}-{w}")));
        let first = lives[0].0;
        for (i, code, err) in &results {
            if *i == w {
                continue;
            }
            assert_eq!(*code, 2, "{err}");
            // Named: the winner's entry and round.
            assert!(err.contains(&format!("台账 #{first} ")), "{err}");
            assert!(err.contains(&format!("R{rep}-{w}")), "{err}");
        }
        ok(db, &d, &["ledger", "verify"]);
        void_all(db, &d);
    }
    // 4 repetitions of 5 awards and their 5 voids, numbered without gaps.
    let v = ok(db, &d, &["ledger", "verify"]);
    assert!(v.contains(&format!("台账 #{} ", REPEATS * 10)), "{v}");
}

/// The ledger opened as the shell opens it, from the library.
fn open(db: &Db) -> calc::ledger::Ledger {
    use calc::ledger::store::Store;
    let store = match db {
        Db::Sqlite(_) => Store::sqlite(rusqlite::Connection::open(db.locator()).unwrap()).unwrap(),
        Db::Postgres { url, .. } => {
            Store::postgres(postgres::Client::connect(url, postgres::NoTls).unwrap())
        }
    };
    calc::ledger::Ledger::new(store, db.locator())
}

fn threads_racing_through_the_library(db: &Db) {
    let dir = setup(db);
    let d = dir.path().to_path_buf();
    let bytes = std::fs::read(d.join("out1.csv")).unwrap();
    let book =
        Arc::new(calc::rules::RuleBook::compile(&calc::rules::RuleSources::embedded()).unwrap());
    for rep in 0..REPEATS {
        let barrier = Arc::new(Barrier::new(RACERS));
        let handles: Vec<_> = (0..RACERS)
            .map(|i| {
                let mut ledger = open(db);
                let (barrier, book, bytes) = (barrier.clone(), book.clone(), bytes.clone());
                std::thread::spawn(move || {
                    let table = calc::sheet::read::Table::from_bytes(
                        "out1.csv",
                        bytes,
                        calc::sheet::read::Encoding::Auto,
                        None,
                    )
                    .unwrap();
                    let round = format!("T{rep}-{i}");
                    let req = calc::ledger::RecordRequest {
                        round: &round,
                        as_of: AS_OF.parse().unwrap(),
                        approved_by: None,
                        output_sha256: "t".into(),
                        excluded: Vec::new(),
                        who: calc::ledger::Who {
                            user: "t".into(),
                            at: NOW.into(),
                        },
                        pause: None,
                    };
                    barrier.wait();
                    (
                        i,
                        ledger
                            .record(&book, table, &req, &())
                            .map_err(|e| e.to_string()),
                    )
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let won: Vec<_> = results.iter().filter(|r| r.1.is_ok()).collect();
        assert_eq!(won.len(), 1, "{results:?}");
        let w = won[0].0;
        for (i, r) in &results {
            if *i != w {
                let err = r.as_ref().unwrap_err();
                assert!(err.contains(&format!("T{rep}-{w}")), "{err}");
            }
        }
        assert_eq!(live(db, &d).len(), 5);
        void_all(db, &d);
    }
    ok(db, &d, &["ledger", "verify"]);
}

fn a_killed_record_leaves_nothing(db: &Db) {
    let dir = setup(db);
    let d = dir.path();
    // Killed inside its transaction: the entries written, the commit not reached.
    let mut child = crate::common::process(env!("CARGO_BIN_EXE_calc"))
        .current_dir(d)
        .env("CALC_LEDGER", db.locator())
        .env("CALC_LEDGER_TEST_PAUSE_MS", "20000")
        .args([
            "ledger", "record", "out1.csv", "--round", "R1", "--as-of", AS_OF,
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().unwrap();
    let _ = child.wait();
    assert!(live(db, d).is_empty());
    let v = ok(db, d, &["ledger", "verify"]);
    assert!(v.contains("台账 #0 "), "{v}");
    // Killed at other moments: all or nothing, and the chain intact.
    for delay in [0u64, 20, 40, 80, 120, 200] {
        let mut child = crate::common::process(env!("CARGO_BIN_EXE_calc"))
            .current_dir(d)
            .env("CALC_LEDGER", db.locator())
            .args([
                "ledger", "record", "out1.csv", "--round", "R1", "--as-of", AS_OF,
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        let n = live(db, d).len();
        assert!(n == 0 || n == 5, "{n} of 5 recorded");
        ok(db, d, &["ledger", "verify"]);
        void_all(db, d);
    }
    // And afterwards a record goes through.
    let (code, out, err) = run(
        db,
        d,
        &[
            "ledger", "record", "out1.csv", "--round", "R1", "--as-of", AS_OF,
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(live(db, d).len(), 5);
}

on_both!(
    processes_racing_for_the_same_items,
    threads_racing_through_the_library,
    a_killed_record_leaves_nothing,
);
