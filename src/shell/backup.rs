//! `qunfa backup` and `qunfa restore`: a consistent copy of the running
//! console's database, and putting one back while the console is stopped.
//! Both check a copy with `PRAGMA integrity_check` and by its schema before
//! they call it good, and ask whether the key at hand opens the secrets it
//! holds sealed: the copy does not hold the key. A restore refuses a copy
//! that key does not open; a backup says where the key is.

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use sqlx::{
    ConnectOptions, Connection,
    sqlite::{SqliteConnectOptions, SqliteConnection},
};

use super::{
    config::DatabasePath,
    db::{self, DatabaseLock, MIGRATOR},
    secrets::{self, CopyKey, KeyError, SealingKey},
};

/// Why a backup or a restore did not happen, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("the database {0} is in memory: there is no file to copy")]
    InMemory(String),
    #[error("{0} already exists; a backup never overwrites a file, so choose a new name")]
    Exists(String),
    #[error("{0} does not exist")]
    Missing(String),
    #[error(
        "a qunfa console is running on {0}; stop it first (e.g. `systemctl stop qunfa`), then restore"
    )]
    InUse(String),
    #[error("{file} is not an intact SQLite database: {reason}")]
    Damaged { file: String, reason: String },
    #[error("{0} is a SQLite database, but not a qunfa one")]
    NotQunfa(String),
    #[error(
        "{file} was written by a newer qunfa (schema step {version}); restore it with that version"
    )]
    Newer { file: String, version: i64 },
    #[error(transparent)]
    Database(#[from] db::DatabaseError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("{action}: {reason}")]
    Io { action: String, reason: String },
}

fn io(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let action = action.into();
    move |e| BackupError::Io {
        action,
        reason: e.to_string(),
    }
}

fn sql(action: impl Into<String>) -> impl FnOnce(sqlx::Error) -> BackupError {
    let action = action.into();
    move |e| BackupError::Io {
        action,
        reason: e.to_string(),
    }
}

/// What a checked copy holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyContents {
    pub sends: i64,
    pub callbacks: i64,
    pub bytes: u64,
}

pub struct BackupReport {
    pub file: PathBuf,
    pub contents: CopyContents,
    pub took: Duration,
    /// Whether the key at hand opens the copy's secrets: a restore needs it.
    pub key: Result<CopyKey, KeyError>,
}

pub struct RestoreReport {
    pub contents: CopyContents,
    /// Where the database that was replaced now is, if there was one.
    pub replaced: Option<PathBuf>,
    /// The key that opens the restored secrets.
    pub key: CopyKey,
}

/// Copies the database to `to` while the console may be running and
/// writing: written to `TO.partial`, checked, then renamed, so `to` only
/// ever appears complete and checked. `secret_key` is `QUNFA_SECRET_KEY`.
pub async fn backup(
    database: &DatabasePath,
    to: &Path,
    secret_key: Option<&SealingKey>,
) -> Result<BackupReport, BackupError> {
    let source = database
        .file
        .as_ref()
        .ok_or_else(|| BackupError::InMemory(database.url.clone()))?;
    if !source.exists() {
        return Err(BackupError::Missing(source.display().to_string()));
    }
    if to.exists() {
        return Err(BackupError::Exists(to.display().to_string()));
    }
    let partial = with_suffix(to, ".partial");
    // Left behind by a backup that was interrupted.
    let _ = std::fs::remove_file(&partial);

    let started = Instant::now();
    let pool = db::connect(database, false).await?;
    let copied = db::vacuum_into(&pool, &partial).await;
    pool.close().await;
    copied.map_err(sql(format!("cannot write {}", partial.display())))?;
    let took = started.elapsed();

    let contents = match check_copy(&partial).await {
        Ok(contents) => contents,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error);
        }
    };
    std::fs::rename(&partial, to).map_err(io(format!("cannot rename to {}", to.display())))?;
    std::fs::File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(io(format!("cannot flush {} to disk", to.display())))?;
    let key = key_for_copy(database, to, secret_key).await?;
    Ok(BackupReport {
        file: to.to_owned(),
        contents,
        took,
        key,
    })
}

/// What the key at hand (`secret_key`, else the key file beside
/// `database`) says to the secrets sealed in the copy `file`.
async fn key_for_copy(
    database: &DatabasePath,
    file: &Path,
    secret_key: Option<&SealingKey>,
) -> Result<Result<CopyKey, KeyError>, BackupError> {
    let key_file = database.file.as_deref().map(secrets::key_file_beside);
    let mut conn = read_only(file).await?;
    let what = format!("the backup {}", file.display());
    let checked = secrets::check_copy(&mut conn, &what, secret_key, key_file.as_deref()).await;
    let _ = conn.close().await;
    Ok(checked)
}

/// Puts the copy `from` in place of the database, which no console may be
/// using, if the key at hand (`secret_key`: `QUNFA_SECRET_KEY`; else the
/// key file beside the database) opens its secrets: so an operator learns
/// of a wrong key now, not when the console does not start. The database
/// it replaces is kept beside it.
pub async fn restore(
    database: &DatabasePath,
    from: &Path,
    secret_key: Option<&SealingKey>,
) -> Result<RestoreReport, BackupError> {
    let target = database
        .file
        .as_ref()
        .ok_or_else(|| BackupError::InMemory(database.url.clone()))?;
    if !from.exists() {
        return Err(BackupError::Missing(from.display().to_string()));
    }
    let contents = check_copy(from).await?;
    let key = key_for_copy(database, from, secret_key).await??;
    if let Some(folder) = target.parent().filter(|f| !f.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(io(format!("cannot create the folder {}", folder.display())))?;
    }
    let _alone = DatabaseLock::alone(target)
        .map_err(io(format!("cannot lock {}", target.display())))?
        .ok_or_else(|| BackupError::InUse(target.display().to_string()))?;

    // A single consistent file, even if `from` is a live database with a
    // write-ahead log of its own.
    let incoming = with_suffix(target, ".restoring");
    let _ = std::fs::remove_file(&incoming);
    let mut source = read_only(from).await?;
    let target_text = incoming
        .to_str()
        .ok_or_else(|| BackupError::Io {
            action: format!("cannot write {}", incoming.display()),
            reason: "not a UTF-8 path".into(),
        })?
        .to_owned();
    let copied = sqlx::query("VACUUM INTO ?")
        .bind(target_text)
        .execute(&mut source)
        .await;
    let _ = source.close().await;
    copied.map_err(sql(format!("cannot write {}", incoming.display())))?;
    std::fs::File::open(&incoming)
        .and_then(|f| f.sync_all())
        .map_err(io(format!("cannot flush {} to disk", incoming.display())))?;

    let replaced = if target.exists() {
        let kept = db::sibling(target, "replaced");
        std::fs::rename(target, &kept)
            .map_err(io(format!("cannot move {} aside", target.display())))?;
        // The log belongs with its database; the shared-memory index is
        // rebuilt from it.
        let wal = with_suffix(target, "-wal");
        if wal.exists() {
            std::fs::rename(&wal, with_suffix(&kept, "-wal"))
                .map_err(io(format!("cannot move {} aside", wal.display())))?;
        }
        let _ = std::fs::remove_file(with_suffix(target, "-shm"));
        Some(kept)
    } else {
        None
    };
    std::fs::rename(&incoming, target)
        .map_err(io(format!("cannot move {} into place", incoming.display())))?;
    Ok(RestoreReport {
        contents,
        replaced,
        key,
    })
}

/// Whether `file` is an intact qunfa database this binary can open: it
/// passes `integrity_check`, has qunfa's schema, and none newer.
pub async fn check_copy(file: &Path) -> Result<CopyContents, BackupError> {
    let name = file.display().to_string();
    let damaged = |reason: String| BackupError::Damaged {
        file: name.clone(),
        reason,
    };
    let mut conn = read_only(file).await?;
    let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .map_err(|e| damaged(e.to_string()))?;
    if problems.first().map(String::as_str) != Some("ok") {
        let shown: Vec<_> = problems.into_iter().take(5).collect();
        return Err(damaged(shown.join("; ")));
    }
    let has_migrations: bool = sqlx::query_scalar(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut conn)
    .await
    .map_err(|e| damaged(e.to_string()))?;
    if !has_migrations {
        return Err(BackupError::NotQunfa(name));
    }
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .map_err(|e| damaged(e.to_string()))?;
    let known: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
    // Our first step is in every qunfa database; another program's sqlx
    // migrations are not.
    if !applied.contains(&known[0]) {
        return Err(BackupError::NotQunfa(name));
    }
    if let Some(&version) = applied.iter().find(|v| !known.contains(v)) {
        return Err(BackupError::Newer {
            file: name,
            version,
        });
    }
    let sends = count_rows(&mut conn, "sends", "SELECT count(*) FROM sends")
        .await
        .map_err(|e| damaged(e.to_string()))?;
    let callbacks = count_rows(&mut conn, "callbacks", "SELECT count(*) FROM callbacks")
        .await
        .map_err(|e| damaged(e.to_string()))?;
    let _ = conn.close().await;
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    Ok(CopyContents {
        sends,
        callbacks,
        bytes,
    })
}

/// `count` of `table`, or 0 for a database from before that table.
async fn count_rows(
    conn: &mut SqliteConnection,
    table: &str,
    count: &'static str,
) -> Result<i64, sqlx::Error> {
    let exists: bool = sqlx::query_scalar(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?",
    )
    .bind(table)
    .fetch_one(&mut *conn)
    .await?;
    if !exists {
        return Ok(0);
    }
    sqlx::query_scalar(count).fetch_one(&mut *conn).await
}

async fn read_only(file: &Path) -> Result<SqliteConnection, BackupError> {
    let name = file.display().to_string();
    let mut conn = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .create_if_missing(false)
        .connect()
        .await
        .map_err(|e| BackupError::Damaged {
            file: name.clone(),
            reason: e.to_string(),
        })?;
    // The first read: a file that is not a database fails here.
    sqlx::query("SELECT count(*) FROM sqlite_master")
        .execute(&mut conn)
        .await
        .map_err(|e| BackupError::Damaged {
            file: name,
            reason: e.to_string(),
        })?;
    Ok(conn)
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}
