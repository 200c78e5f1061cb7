//! The two stores a ledger test runs on: a SQLite file in a temporary folder, and a database of
//! a throwaway PostgreSQL 15 cluster this test binary starts (one cluster, a fresh database per
//! test). The cluster listens on a Unix socket in its own folder only, fsync off. It is stopped
//! when the tests end, whatever way they end: a watchdog process started with it waits for this
//! process to exit and then stops the cluster and removes its folder (a static is never
//! dropped, and a panic or abort must not leave a server running); dropping the `Cluster` guard
//! stops it earlier where that happens. Under CI (env `CI`) a missing PostgreSQL is a failure.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

const BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct Cluster {
    dir: PathBuf,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        stop(&self.dir);
    }
}

fn as_postgres(root: bool, program: &str) -> Command {
    let path = format!("{BIN}/{program}");
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &path]);
        c
    } else {
        Command::new(path)
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn stop(dir: &Path) {
    let _ = as_postgres(is_root(), "pg_ctl")
        .arg("-D")
        .arg(dir.join("data"))
        .args(["-m", "immediate", "stop"])
        .output();
    let _ = std::fs::remove_dir_all(dir);
}

static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
static NEXT: AtomicUsize = AtomicUsize::new(0);

fn start() -> Option<Cluster> {
    if !Path::new(BIN).join("initdb").exists() {
        if std::env::var_os("CI").is_some() {
            panic!(
                "PostgreSQL 15 is missing ({BIN}): under CI the ledger's PostgreSQL tests must run"
            );
        }
        eprintln!(
            "PostgreSQL 15 not found at {BIN}: the PostgreSQL half of the ledger tests is skipped"
        );
        return None;
    }
    let root = is_root();
    let dir = tempfile::Builder::new()
        .prefix("calc-pg-")
        .tempdir()
        .expect("a temporary folder")
        .keep();
    if root {
        let ok = Command::new("chown")
            .arg("postgres")
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "chown postgres {}", dir.display());
    }
    let data = dir.join("data");
    let out = as_postgres(root, "initdb")
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "calc", "--no-sync", "-E", "UTF8"])
        .arg("--locale=C.UTF-8")
        .output()
        .expect("initdb runs");
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The watchdog: stops the cluster once this test process has gone, however it ended.
    let pg_ctl = format!("{BIN}/pg_ctl");
    let stop_cmd = if root {
        format!(
            "runuser -u postgres -- {pg_ctl} -D '{}' -m immediate stop",
            data.display()
        )
    } else {
        format!("{pg_ctl} -D '{}' -m immediate stop", data.display())
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop_cmd} >/dev/null 2>&1; rm -rf '{}'",
        dir.display(),
        pid = std::process::id()
    );
    let _ = Command::new("sh")
        .args(["-c", &script])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    let opts = format!(
        "-k {} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100",
        dir.display()
    );
    let out = as_postgres(root, "pg_ctl")
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(dir.join("log"))
        .args(["-w", "-o", &opts, "start"])
        .output()
        .expect("pg_ctl runs");
    assert!(
        out.status.success(),
        "pg_ctl start: {}{}",
        String::from_utf8_lossy(&out.stdout),
        std::fs::read_to_string(dir.join("log")).unwrap_or_default()
    );
    Some(Cluster { dir })
}

/// A store for one test.
pub enum Db {
    Sqlite(tempfile::TempDir),
    Postgres { url: String, name: String },
}

impl Db {
    pub fn sqlite() -> Db {
        Db::Sqlite(tempfile::tempdir().unwrap())
    }

    /// A fresh database of the cluster, or `None` where there is no PostgreSQL (not under CI).
    pub fn postgres() -> Option<Db> {
        let cluster = CLUSTER.get_or_init(start).as_ref()?;
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let name = format!("t{}_{n}", std::process::id());
        let admin = format!("host={} dbname=postgres user=calc", cluster.dir.display());
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).expect("connect");
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        let url = format!("host={} dbname={name} user=calc", cluster.dir.display());
        Some(Db::Postgres { url, name })
    }

    pub fn locator(&self) -> String {
        match self {
            Db::Sqlite(dir) => dir.path().join("ledger.db").display().to_string(),
            Db::Postgres { url, .. } => url.clone(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres { .. })
    }

    /// Runs SQL on the database directly, behind calc's back (tamper tests).
    pub fn sql(&self, sql: &str) {
        match self {
            Db::Sqlite(_) => {
                let c = rusqlite::Connection::open(self.locator()).unwrap();
                c.execute_batch(sql).unwrap();
            }
            Db::Postgres { url, .. } => {
                let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
                c.batch_execute(sql).unwrap();
            }
        }
    }

    /// The first column of a query's rows, as text.
    pub fn column(&self, sql: &str) -> Vec<String> {
        match self {
            Db::Sqlite(_) => {
                let c = rusqlite::Connection::open(self.locator()).unwrap();
                let mut st = c.prepare(sql).unwrap();
                st.query_map([], |r| {
                    let v: rusqlite::types::Value = r.get(0)?;
                    Ok(match v {
                        rusqlite::types::Value::Integer(i) => i.to_string(),
                        rusqlite::types::Value::Text(t) => t,
                        other => format!("{other:?}"),
                    })
                })
                .unwrap()
                .map(Result::unwrap)
                .collect()
            }
            Db::Postgres { url, .. } => {
                let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
                (c.simple_query(sql).unwrap().into_iter())
                    .filter_map(|m| match m {
                        postgres::SimpleQueryMessage::Row(r) => {
                            Some(r.get(0).unwrap_or_default().to_string())
                        }
                        _ => None,
                    })
                    .collect()
            }
        }
    }
}

/// Runs a test body on SQLite and on PostgreSQL: `on_both!(body_fn, ...)` makes a module per
/// body with a `sqlite` and a `postgres` test.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    super::$name(&$crate::ledger_db::Db::sqlite());
                }
                #[test]
                fn postgres() {
                    if let Some(db) = $crate::ledger_db::Db::postgres() {
                        super::$name(&db);
                    }
                }
            }
        )*
    };
}
