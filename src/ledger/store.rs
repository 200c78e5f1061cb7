//! The seam over the two stores: one enum over a SQLite connection and a PostgreSQL client,
//! with the few things the ledger does (run a script, execute, query rows, begin a write,
//! commit, roll back) and what a failure was (a unique key, a busy database, anything else).
//! The ledger's SQL is written once with `$n` placeholders, rewritten to `?n` for SQLite.

use std::borrow::Cow;

/// A value bound to a statement or read from a row: the ledger stores only whole numbers
/// (fen, years, sequence numbers) and text (dates as ISO text, codes, names).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    Null,
    Int(i64),
    Text(String),
}

impl Val {
    pub fn int(&self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(*i),
            Val::Text(t) => t.parse().ok(),
            Val::Null => None,
        }
    }

    pub fn text(&self) -> Option<String> {
        match self {
            Val::Text(t) => Some(t.clone()),
            Val::Int(i) => Some(i.to_string()),
            Val::Null => None,
        }
    }
}

impl From<i64> for Val {
    fn from(i: i64) -> Val {
        Val::Int(i)
    }
}

impl From<&str> for Val {
    fn from(t: &str) -> Val {
        Val::Text(t.to_string())
    }
}

impl From<String> for Val {
    fn from(t: String) -> Val {
        Val::Text(t)
    }
}

impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(o: Option<T>) -> Val {
        o.map_or(Val::Null, Into::into)
    }
}

/// What a failed statement was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A unique key refused the row (an item already paid, a void already made).
    Unique,
    /// The database was locked or a transaction could not be serialised.
    Busy,
    Other,
}

/// A failed statement: its kind and the database's message.
#[derive(Debug)]
pub struct DbError {
    pub fault: Fault,
    pub message: String,
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        use rusqlite::ffi;
        let fault = match &e {
            rusqlite::Error::SqliteFailure(f, _) => match f.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => Fault::Unique,
                _ if f.code == rusqlite::ErrorCode::DatabaseBusy
                    || f.code == rusqlite::ErrorCode::DatabaseLocked =>
                {
                    Fault::Busy
                }
                _ => Fault::Other,
            },
            _ => Fault::Other,
        };
        DbError {
            fault,
            message: e.to_string(),
        }
    }
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> DbError {
        use postgres::error::SqlState;
        let code = e.code().cloned();
        let fault = match code {
            Some(c) if c == SqlState::UNIQUE_VIOLATION => Fault::Unique,
            Some(c)
                if c == SqlState::T_R_SERIALIZATION_FAILURE
                    || c == SqlState::T_R_DEADLOCK_DETECTED
                    || c == SqlState::LOCK_NOT_AVAILABLE =>
            {
                Fault::Busy
            }
            _ => Fault::Other,
        };
        // The server's own message, not only "db error".
        let message = match e.as_db_error() {
            Some(db) => format!("{}: {}", db.code().code(), db.message()),
            None => e.to_string(),
        };
        DbError { fault, message }
    }
}

/// Which database a ledger is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// An open ledger database.
pub enum Store {
    Sqlite(rusqlite::Connection),
    Postgres(Box<postgres::Client>),
}

/// `$1` .. `$n` as SQLite's `?1` .. `?n` (the ledger's SQL has no `$` in its literals).
fn sqlite_sql(sql: &str) -> Cow<'_, str> {
    if sql.contains('$') {
        Cow::Owned(sql.replace('$', "?"))
    } else {
        Cow::Borrowed(sql)
    }
}

impl Store {
    /// A SQLite connection set up for the ledger: WAL, synchronous FULL, a busy timeout (a
    /// writer waits for another's transaction rather than failing at once).
    pub fn sqlite(conn: rusqlite::Connection) -> Result<Store, DbError> {
        conn.busy_timeout(std::time::Duration::from_secs(120))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // A record of 100,000 entries fits in the cache: nothing spilled before the commit.
        conn.pragma_update(None, "cache_size", -131_072)?;
        Ok(Store::Sqlite(conn))
    }

    pub fn postgres(client: postgres::Client) -> Store {
        Store::Postgres(Box::new(client))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(_) => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs a script of statements (a migration), without parameters.
    pub fn script(&mut self, sql: &str) -> Result<(), DbError> {
        match self {
            Store::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Store::Postgres(c) => Ok(c.batch_execute(sql)?),
        }
    }

    /// Executes one statement; the number of rows it changed.
    pub fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, DbError> {
        match self {
            Store::Sqlite(c) => {
                let mut st = c.prepare_cached(&sqlite_sql(sql))?;
                let n = st.execute(rusqlite::params_from_iter(params.iter().map(lite)))?;
                Ok(n as u64)
            }
            Store::Postgres(c) => {
                let owned = pg_params(params);
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    owned.iter().map(|p| p.as_ref()).collect();
                Ok(c.execute(sql, &refs)?)
            }
        }
    }

    /// The rows of a query, each as its values.
    pub fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>, DbError> {
        match self {
            Store::Sqlite(c) => {
                let mut st = c.prepare_cached(&sqlite_sql(sql))?;
                let n = st.column_count();
                let mut rows = st.query(rusqlite::params_from_iter(params.iter().map(lite)))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    let mut vals = Vec::with_capacity(n);
                    for i in 0..n {
                        use rusqlite::types::ValueRef;
                        vals.push(match row.get_ref(i)? {
                            ValueRef::Null => Val::Null,
                            ValueRef::Integer(i) => Val::Int(i),
                            ValueRef::Real(f) => Val::Text(f.to_string()),
                            ValueRef::Text(t) | ValueRef::Blob(t) => {
                                Val::Text(String::from_utf8_lossy(t).into_owned())
                            }
                        });
                    }
                    out.push(vals);
                }
                Ok(out)
            }
            Store::Postgres(c) => {
                let owned = pg_params(params);
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    owned.iter().map(|p| p.as_ref()).collect();
                let rows = c.query(sql, &refs)?;
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    let mut vals = Vec::with_capacity(row.len());
                    for (i, col) in row.columns().iter().enumerate() {
                        use postgres::types::Type;
                        let t = col.type_();
                        let v = if *t == Type::INT8 {
                            row.try_get::<_, Option<i64>>(i)?
                                .map_or(Val::Null, Val::Int)
                        } else if *t == Type::INT4 {
                            (row.try_get::<_, Option<i32>>(i)?)
                                .map_or(Val::Null, |v| Val::Int(v.into()))
                        } else {
                            row.try_get::<_, Option<String>>(i)?
                                .map_or(Val::Null, Val::Text)
                        };
                        vals.push(v);
                    }
                    out.push(vals);
                }
                Ok(out)
            }
        }
    }

    /// Begins the one write transaction: on SQLite `BEGIN IMMEDIATE` (the write lock taken at
    /// once, waiting out another writer under the busy timeout); on PostgreSQL the chain's
    /// head row locked `FOR UPDATE`, so that writers queue. Returns the head.
    pub fn begin_write(&mut self) -> Result<super::Head, DbError> {
        let sql = match self {
            Store::Sqlite(c) => {
                c.execute_batch("BEGIN IMMEDIATE")?;
                "SELECT seq, hash FROM chain_head WHERE id = 1"
            }
            Store::Postgres(c) => {
                c.batch_execute("BEGIN")?;
                "SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE"
            }
        };
        let rows = self.query(sql, &[])?;
        let row = rows.into_iter().next().ok_or_else(|| DbError {
            fault: Fault::Other,
            message: "the ledger has no chain head (run `calc ledger init`)".into(),
        })?;
        Ok(super::Head {
            seq: row[0].int().unwrap_or(0),
            hash: row[1].text().unwrap_or_default(),
        })
    }

    pub fn begin_read(&mut self) -> Result<(), DbError> {
        match self {
            Store::Sqlite(c) => Ok(c.execute_batch("BEGIN")?),
            Store::Postgres(c) => Ok(c.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ")?),
        }
    }

    pub fn commit(&mut self) -> Result<(), DbError> {
        self.script("COMMIT")
    }

    /// Rolls back whatever is open; nothing open is no error.
    pub fn rollback(&mut self) {
        let _ = match self {
            Store::Sqlite(c) if c.is_autocommit() => Ok(()),
            _ => self.script("ROLLBACK"),
        };
    }
}

fn lite(v: &Val) -> rusqlite::types::Value {
    match v {
        Val::Null => rusqlite::types::Value::Null,
        Val::Int(i) => rusqlite::types::Value::Integer(*i),
        Val::Text(t) => rusqlite::types::Value::Text(t.clone()),
    }
}

/// PostgreSQL is typed: a null is bound as a text or a number by its place; the ledger binds a
/// null only to text columns or to BIGINT ones through `Option<i64>` (`Val::Null` is a null
/// text, which PostgreSQL converts for an untyped parameter of another type it infers).
fn pg_params(params: &[Val]) -> Vec<Box<dyn postgres::types::ToSql + Sync>> {
    params
        .iter()
        .map(|v| -> Box<dyn postgres::types::ToSql + Sync> {
            match v {
                Val::Null => Box::new(PgNull),
                Val::Int(i) => Box::new(*i),
                Val::Text(t) => Box::new(t.clone()),
            }
        })
        .collect()
}

/// A null of whatever type the parameter has.
#[derive(Debug)]
struct PgNull;

impl postgres::types::ToSql for PgNull {
    fn to_sql(
        &self,
        _: &postgres::types::Type,
        _: &mut postgres::types::private::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Ok(postgres::types::IsNull::Yes)
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}
