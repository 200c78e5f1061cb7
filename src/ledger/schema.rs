//! Versioned migrations, one script per version and database (`NNNN_name.sql`), embedded in the
//! binary; each applied is recorded with its sha256 in `calc_migrations`. Only `ledger init`
//! applies them; every other command refuses a ledger of another version, naming the command.

use crate::error::InputError;

use super::chain::sha256;
use super::store::{Backend, Store, Val};

/// This program's schema version.
pub const LATEST: i64 = 1;

/// A migration: its version, name and the sha256 of its script for the ledger's database.
#[derive(Clone, Debug)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sha256: String,
}

/// (version, name, SQLite script, PostgreSQL script)
const MIGRATIONS: &[Script] = &[(
    1,
    "0001_init",
    include_str!("migrations/sqlite/0001_init.sql"),
    include_str!("migrations/postgres/0001_init.sql"),
)];

type Script = (i64, &'static str, &'static str, &'static str);

fn script(backend: Backend, m: &Script) -> &'static str {
    match backend {
        Backend::Sqlite => m.2,
        Backend::Postgres => m.3,
    }
}

const TABLE: &str = "CREATE TABLE IF NOT EXISTS calc_migrations (\
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL)";

/// The migrations applied: (version, sha256); `None` when the database is no ledger.
fn applied(store: &mut Store) -> Option<Vec<(i64, String)>> {
    let rows = store
        .query(
            "SELECT version, sha256 FROM calc_migrations ORDER BY version",
            &[],
        )
        .ok()?;
    Some(
        rows.iter()
            .map(|r| (r[0].int().unwrap_or(0), r[1].text().unwrap_or_default()))
            .collect(),
    )
}

fn db(shown: &str, e: super::store::DbError) -> InputError {
    let m = e.message;
    InputError::new(
        shown,
        crate::text!("台账数据库出错: {m}", "the ledger's database failed: {m}"),
    )
}

/// Creates or migrates the ledger; the migrations applied now (none: it was up to date). A
/// migration applied earlier whose script has changed is refused.
pub fn init(store: &mut Store, shown: &str, at: &str) -> Result<Vec<Migration>, InputError> {
    let backend = store.backend();
    store.script(TABLE).map_err(|e| db(shown, e))?;
    let done = applied(store).unwrap_or_default();
    if let Some(&(v, _)) = done.iter().find(|(v, _)| *v > LATEST) {
        return Err(newer(shown, v));
    }
    for (v, sum) in &done {
        if let Some(m) = MIGRATIONS.iter().find(|m| m.0 == *v) {
            let want = sha256(script(backend, m).as_bytes());
            if &want != sum {
                let name = m.1;
                return Err(InputError::new(
                    shown,
                    crate::text!(
                        "台账已应用的迁移 {name} 的校验和与本程序的不符: 台账的结构被改动过",
                        "the ledger's applied migration {name} has another checksum than this program's: its schema was changed"
                    ),
                ));
            }
        }
    }
    let mut out = Vec::new();
    for m in MIGRATIONS
        .iter()
        .filter(|m| !done.iter().any(|(v, _)| *v == m.0))
    {
        let text = script(backend, m);
        let sum = sha256(text.as_bytes());
        let begin = match backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        store.script(begin).map_err(|e| db(shown, e))?;
        let run = store.script(text).and_then(|()| {
            store.exec(
                "INSERT INTO calc_migrations (version, name, sha256, applied_at) VALUES ($1, $2, $3, $4)",
                &[Val::Int(m.0), m.1.into(), sum.as_str().into(), at.into()],
            )
        });
        match run.and_then(|_| store.commit()) {
            Ok(()) => out.push(Migration {
                version: m.0,
                name: m.1,
                sha256: sum,
            }),
            Err(e) => {
                store.rollback();
                return Err(db(shown, e));
            }
        }
    }
    Ok(out)
}

fn newer(shown: &str, v: i64) -> InputError {
    InputError::new(
        shown,
        crate::text!(
            "台账的结构版本 {v} 比本程序的 {LATEST} 新: 请用较新的 calc",
            "the ledger's schema version {v} is newer than this program's ({LATEST}): use a newer calc"
        ),
    )
}

/// Refuses a ledger that is not at this program's version.
pub fn check(store: &mut Store, shown: &str) -> Result<(), InputError> {
    let Some(done) = applied(store) else {
        return Err(InputError::new(
            shown,
            crate::text!(
                "这不是台账 (或尚未建立): 请先运行 `calc ledger init --ledger {shown}`",
                "this is no ledger (or not yet created): run `calc ledger init --ledger {shown}` first"
            ),
        ));
    };
    let v = done.iter().map(|d| d.0).max().unwrap_or(0);
    if v > LATEST {
        return Err(newer(shown, v));
    }
    if v < LATEST {
        return Err(InputError::new(
            shown,
            crate::text!(
                "台账的结构版本 {v} 比本程序的 {LATEST} 旧: 请运行 `calc ledger init` 升级",
                "the ledger's schema version {v} is older than this program's ({LATEST}): run `calc ledger init` to migrate it"
            ),
        ));
    }
    Ok(())
}
