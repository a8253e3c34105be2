//! What PostgreSQL's rows need besides the engine-neutral codec (`sqlite/codec.rs`,
//! shared): errors that name the database, table and row, typed column reads, and an
//! actor's six columns.

use tokio_postgres::Row;
use tokio_postgres::types::FromSql;

use crate::error::StoreError;
use crate::sqlite::codec::Bad;
use govcheck_domain::event::{Actor, Claimed};

/// A failed statement, naming the database (never its password).
pub fn db(name: &str) -> impl Fn(tokio_postgres::Error) -> StoreError + '_ {
    move |source| StoreError::Postgres {
        database: name.to_string(),
        source,
    }
}

/// A row that does not decode or apply.
pub fn bad(name: &str, table: &'static str, row: &str, message: impl Into<String>) -> StoreError {
    StoreError::Schema {
        path: name.into(),
        table,
        row: row.to_string(),
        message: message.into(),
    }
}

/// Column `i` of `row`, or what is wrong with it.
pub fn get<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> Result<T, Bad> {
    row.try_get(i).map_err(|e| format!("column {i}: {e}"))
}

/// The actor in the six columns starting at `first` (see `codec::actor_cols`).
pub fn actor_at(row: &Row, first: usize) -> Result<Actor, Bad> {
    let claimed_os_user: Option<String> = get(row, first + 4)?;
    let claimed_ssh_client: Option<String> = get(row, first + 5)?;
    Ok(Actor {
        name: get(row, first)?,
        os_user: get(row, first + 1)?,
        ssh_client: get(row, first + 2)?,
        peer: get(row, first + 3)?,
        claimed: Claimed::of(claimed_os_user, claimed_ssh_client),
    })
}
