//! The one SQLite file: opened in WAL mode with foreign keys on, migrations
//! embedded in the binary and applied at start.

use std::{str::FromStr, time::Duration};

use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use super::config::DatabasePath;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// Why the database could not be opened, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("cannot create the folder {folder} for the database: {source}")]
    Folder {
        folder: String,
        source: std::io::Error,
    },
    #[error("cannot open the database {url}: {reason}")]
    Open { url: String, reason: String },
    #[error("{url} is not a SQLite database (or it is damaged): {reason}")]
    NotADatabase { url: String, reason: String },
    #[error("cannot write to the database {url}: {reason}")]
    ReadOnly { url: String, reason: String },
    #[error("cannot apply the database migrations to {url}: {reason}")]
    Migrate { url: String, reason: String },
}

/// Opens (creating if needed) the database and brings its schema up to date.
pub async fn open(database: &DatabasePath) -> Result<SqlitePool, DatabaseError> {
    if let Some(folder) = database.file.as_ref().and_then(|f| f.parent())
        && !folder.as_os_str().is_empty()
    {
        std::fs::create_dir_all(folder).map_err(|source| DatabaseError::Folder {
            folder: folder.display().to_string(),
            source,
        })?;
    }
    let url = database.url.clone();
    let options = match &database.file {
        Some(file) => SqliteConnectOptions::new().filename(file),
        None => {
            SqliteConnectOptions::from_str("sqlite::memory:").map_err(|e| DatabaseError::Open {
                url: url.clone(),
                reason: e.to_string(),
            })?
        }
    }
    .create_if_missing(true)
    .journal_mode(SqliteJournalMode::Wal)
    // In WAL mode NORMAL loses no committed transaction on a crash of the
    // process, only possibly the last ones on a power cut.
    .synchronous(SqliteSynchronous::Normal)
    .foreign_keys(true)
    .busy_timeout(Duration::from_secs(5));

    // An in-memory database exists once per connection, so it gets exactly one.
    let max_connections = if database.file.is_some() { 8 } else { 1 };
    let pool = SqlitePoolOptions::new()
        .max_connections(max_connections)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await
        .map_err(|e| classify(&url, e))?;

    // The first real read: a file that is not a database fails here.
    sqlx::query("SELECT count(*) FROM sqlite_master")
        .execute(&pool)
        .await
        .map_err(|e| classify(&url, e))?;
    MIGRATOR.run(&pool).await.map_err(|e| match e {
        sqlx::migrate::MigrateError::Execute(inner) => classify(&url, inner),
        other => DatabaseError::Migrate {
            url: url.clone(),
            reason: other.to_string(),
        },
    })?;
    Ok(pool)
}

fn classify(url: &str, error: sqlx::Error) -> DatabaseError {
    let reason = error.to_string();
    let code = error
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned());
    let url = url.to_owned();
    match code.as_deref() {
        // SQLITE_NOTADB, SQLITE_CORRUPT
        Some("26") | Some("11") => DatabaseError::NotADatabase { url, reason },
        // SQLITE_READONLY and its extended codes, SQLITE_CANTOPEN, SQLITE_PERM
        Some(c) if c == "8" || c.parse::<u32>().is_ok_and(|n| n & 0xff == 8) => {
            DatabaseError::ReadOnly { url, reason }
        }
        Some("14") | Some("3") => DatabaseError::ReadOnly { url, reason },
        _ if reason.contains("file is not a database") => {
            DatabaseError::NotADatabase { url, reason }
        }
        _ => DatabaseError::Open { url, reason },
    }
}

/// Whether the database answers, for `/healthz`.
pub async fn is_healthy(pool: &SqlitePool) -> bool {
    sqlx::query("SELECT 1").execute(pool).await.is_ok()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn path(file: PathBuf) -> DatabasePath {
        DatabasePath {
            url: format!("sqlite://{}", file.display()),
            file: Some(file),
        }
    }

    #[tokio::test]
    async fn a_new_file_and_its_folder_are_created_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested/deeper/q.db");
        let pool = open(&path(file.clone())).await.unwrap();
        assert!(file.exists());
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(fk, 1);
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_database_is_refused_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("notes.db");
        std::fs::write(&file, "these are my notes, not a database ".repeat(100)).unwrap();
        let error = open(&path(file)).await.unwrap_err();
        assert!(
            matches!(error, DatabaseError::NotADatabase { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("is not a SQLite database"));
    }

    #[tokio::test]
    async fn a_folder_that_cannot_be_created_is_refused_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "x").unwrap();
        let error = open(&path(blocker.join("sub/q.db"))).await.unwrap_err();
        assert!(matches!(error, DatabaseError::Folder { .. }), "{error:?}");
    }

    #[tokio::test]
    async fn reopening_applies_no_migration_twice() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("q.db");
        open(&path(file.clone())).await.unwrap().close().await;
        open(&path(file)).await.unwrap();
    }
}
