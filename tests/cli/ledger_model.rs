//! A state-machine property (pgledger's accept/reject parity): random sequences of record,
//! record again, void, record after a void, import and verify, run through the command line on
//! SQLite and on PostgreSQL, against a model of the live awards. After every command the
//! ledger's live awards and its head are the model's, a command the model refuses is refused,
//! and a refused command changes nothing. At the end, the ledger exported as a prior file
//! computes the round as the ledger does.
//!
//! The model: round 1's output (examples/round.csv, `ledger::setup`) pays five items
//! (HT-01, MX-01, HT-02, RZ-01, HT-03). Recording it as round R: refused when any of them is
//! live under another round (re-evaluated with that entry as a prior, its row no longer
//! reproduces); else the items not live are recorded in row order and the rest held. A void
//! of a live award adds one entry; of anything else is refused. An import of an award of
//! 丁 (another applicant, so that no figure of the round changes) is recorded unless live with
//! the same amount (held) or with another amount (refused).

use proptest::prelude::*;

use crate::ledger::{AS_OF, head_of, live, run, setup};
use crate::ledger_db::Db;

const ITEMS: [&str; 5] = ["HT-01", "MX-01", "HT-02", "RZ-01", "HT-03"];
const DING: &str = "91330302000000004W";

#[derive(Clone, Debug)]
enum Op {
    Record(u8),
    Void(u8),
    Import(u8, u8),
    Verify,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..2).prop_map(Op::Record),
        2 => (1u8..14).prop_map(Op::Void),
        1 => ((0u8..2), (1u8..3)).prop_map(|(i, a)| Op::Import(i, a)),
        1 => Just(Op::Verify),
    ]
}

/// An entry of the model: its item, round, amount (fen) and whether it is a live award.
#[derive(Clone, Debug)]
struct E {
    award: bool,
    item: String,
    round: String,
    voided: bool,
}

#[derive(Default, Debug)]
struct Model {
    entries: Vec<E>,
}

impl Model {
    fn live(&self) -> Vec<(i64, String, String)> {
        (self.entries.iter().enumerate())
            .filter(|(_, e)| e.award && !e.voided)
            .map(|(i, e)| (i as i64 + 1, e.item.clone(), e.round.clone()))
            .collect()
    }

    fn live_item(&self, item: &str) -> Option<&E> {
        (self.entries.iter()).find(|e| e.award && !e.voided && e.item == item)
    }
}

fn check(db: &Db, dir: &std::path::Path, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut m = Model::default();
    let mut imported: std::collections::HashMap<String, u8> = Default::default();
    for op in ops {
        let before = live(db, dir);
        let (code, out, err) = match op {
            Op::Record(r) => {
                let round = format!("R{r}");
                let args = [
                    "ledger", "record", "out1.csv", "--round", &round, "--as-of", AS_OF,
                ];
                let res = run(db, dir, &args);
                let other = ITEMS
                    .iter()
                    .any(|i| m.live_item(i).is_some_and(|e| e.round != round));
                if !other {
                    for i in ITEMS {
                        if m.live_item(i).is_none() {
                            m.entries.push(E {
                                award: true,
                                item: i.into(),
                                round: round.clone(),
                                voided: false,
                            });
                        }
                    }
                }
                prop_assert_eq!(res.0 == 0, !other, "{:?}: {} {}", op, res.1, res.2);
                res
            }
            Op::Void(s) => {
                let res = run(
                    db,
                    dir,
                    &["ledger", "void", &s.to_string(), "--reason", "x"],
                );
                let i = usize::from(*s) - 1;
                let can = m.entries.get(i).is_some_and(|e| e.award && !e.voided);
                if can {
                    m.entries[i].voided = true;
                    let item = m.entries[i].item.clone();
                    let round = m.entries[i].round.clone();
                    m.entries.push(E {
                        award: false,
                        item,
                        round,
                        voided: false,
                    });
                }
                prop_assert_eq!(res.0 == 0, can, "{:?}: {} {}", op, res.1, res.2);
                res
            }
            Op::Import(i, a) => {
                let item = format!("IMP-{i}");
                let file = dir.join("imp.csv");
                std::fs::write(
                    &file,
                    format!(
                        "统一社会信用代码,单位名称,所属区县,条款,年度,事项编号,已获金额\n{DING},温州丁科技有限公司,鹿城区,1,2026,{item},{a}000\n"
                    ),
                )
                .unwrap();
                let res = run(db, dir, &["ledger", "import", "imp.csv", "--round", "旧账"]);
                let ok = match m.live_item(&item) {
                    None => {
                        m.entries.push(E {
                            award: true,
                            item: item.clone(),
                            round: "旧账".into(),
                            voided: false,
                        });
                        imported.insert(item.clone(), *a);
                        true
                    }
                    Some(_) => imported.get(&item) == Some(a),
                };
                prop_assert_eq!(res.0 == 0, ok, "{:?}: {} {}", op, res.1, res.2);
                res
            }
            Op::Verify => run(db, dir, &["ledger", "verify"]),
        };
        let got: Vec<(i64, String, String)> = (live(db, dir).into_iter())
            .map(|e| (e.0, e.3, e.5))
            .collect();
        prop_assert_eq!(&got, &m.live(), "after {:?}: {} {}", op, out, err);
        if code != 0 {
            prop_assert_eq!(live(db, dir), before, "a refused {:?} changed nothing", op);
        } else if !matches!(op, Op::Verify) {
            prop_assert_eq!(head_of(&out).0, m.entries.len() as i64);
        }
        let (vcode, _, verr) = run(db, dir, &["ledger", "verify"]);
        prop_assert_eq!(vcode, 0, "{}", verr);
    }
    // The ledger exported as a prior file computes the round as the ledger does.
    let (code, _, err) = run(db, dir, &["ledger", "export", "-o", "exp.csv"]);
    prop_assert_eq!(code, 0, "{}", err);
    let (c1, _, e1) = run(
        db,
        dir,
        &[
            "batch",
            "round.csv",
            "-o",
            "with-ledger.csv",
            "--as-of",
            AS_OF,
        ],
    );
    let (c2, _, e2) = run(
        db,
        dir,
        &[
            "batch",
            "round.csv",
            "-o",
            "with-prior.csv",
            "--as-of",
            AS_OF,
            "--ledger",
            "",
            "--prior",
            "exp.csv",
        ],
    );
    prop_assert_eq!((c1, c2), (0, 0), "{} {}", e1, e2);
    let a = crate::ledger::awards_of(&dir.join("with-ledger.csv"));
    let b = crate::ledger::awards_of(&dir.join("with-prior.csv"));
    prop_assert_eq!(a, b);
    Ok(())
}

fn cases(db: fn() -> Option<Db>, n: u32) {
    let config = ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    runner
        .run(&proptest::collection::vec(op(), 1..9), |ops| {
            let Some(db) = db() else { return Ok(()) };
            let dir = setup(&db);
            check(&db, dir.path(), &ops)
        })
        .unwrap();
}

#[test]
fn the_ledger_follows_its_model_on_sqlite() {
    cases(|| Some(Db::sqlite()), 12);
}

#[test]
fn the_ledger_follows_its_model_on_postgres() {
    cases(Db::postgres, 6);
}
