//! The one SQLite file: opened in WAL mode with foreign keys on, migrations
//! embedded in the binary and applied at start — forward only, after a copy
//! of the database is written beside it, and never to a database a newer
//! qunfa has written.

use std::{
    collections::BTreeSet,
    fs::File,
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};

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
    #[error(
        "{url} was written by a newer qunfa (its schema has step {version}, which qunfa {ours} does not know); \
         run that newer qunfa, or restore a backup made before the upgrade with `qunfa restore --from FILE`"
    )]
    Newer {
        url: String,
        version: i64,
        ours: &'static str,
    },
    #[error("cannot write the backup {file} before upgrading {url}: {reason}")]
    UpgradeBackup {
        url: String,
        file: String,
        reason: String,
    },
    #[error("{url} is being restored (`qunfa restore`); start qunfa again when it has finished")]
    Restoring { url: String },
}

/// Opens (creating if needed) the database and brings its schema up to date.
pub async fn open(database: &DatabasePath) -> Result<SqlitePool, DatabaseError> {
    create_folder(database)?;
    let pool = connect(database, true).await?;
    let url = &database.url;
    let schema = schema_of(&pool).await.map_err(|e| classify(url, e))?;
    if let Some(&version) = schema.unknown.first() {
        return Err(DatabaseError::Newer {
            url: url.clone(),
            version,
            ours: env!("CARGO_PKG_VERSION"),
        });
    }
    if schema.pending > 0
        && !schema.applied.is_empty()
        && let Some(file) = &database.file
    {
        let copy = sibling(file, "pre-upgrade");
        vacuum_into(&pool, &copy)
            .await
            .map_err(|e| DatabaseError::UpgradeBackup {
                url: url.clone(),
                file: copy.display().to_string(),
                reason: e.to_string(),
            })?;
        tracing::info!(
            backup = %copy.display(),
            steps = schema.pending,
            "upgrading the database schema; a copy of the database as it was is kept"
        );
    }
    MIGRATOR.run(&pool).await.map_err(|e| match e {
        sqlx::migrate::MigrateError::Execute(inner) => classify(url, inner),
        other => DatabaseError::Migrate {
            url: url.clone(),
            reason: other.to_string(),
        },
    })?;
    Ok(pool)
}

/// Makes the folder the database file goes in, if it is missing.
fn create_folder(database: &DatabasePath) -> Result<(), DatabaseError> {
    if let Some(folder) = database.file.as_ref().and_then(|f| f.parent())
        && !folder.as_os_str().is_empty()
    {
        std::fs::create_dir_all(folder).map_err(|source| DatabaseError::Folder {
            folder: folder.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

/// A pool on the database as it is: WAL, foreign keys, a busy timeout, and a
/// first read that fails on a file that is not a database. `create` makes a
/// missing file; otherwise a missing file is an error.
pub async fn connect(database: &DatabasePath, create: bool) -> Result<SqlitePool, DatabaseError> {
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
    .create_if_missing(create)
    .journal_mode(SqliteJournalMode::Wal)
    // In WAL mode NORMAL loses no committed transaction on a crash of the
    // process, only possibly the last ones on a power cut.
    .synchronous(SqliteSynchronous::Normal)
    .foreign_keys(true)
    // Callbacks are 2–3 KiB rows: on 4 KiB pages each takes a page of its
    // own; 8 KiB pages hold three, so storing one writes a third less.
    // (Takes effect when the file is created.)
    .page_size(8192)
    // SQLite's own default, said on purpose: each connection caches at most
    // 2 MiB of pages, so the pool's 8 hold at most 16 MiB (README, Memory).
    .pragma("cache_size", "-2048")
    .busy_timeout(Duration::from_secs(5));

    if database.file.is_some() {
        into_wal(&options).await.map_err(|e| classify(&url, e))?;
    }
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
    Ok(pool)
}

/// Opens one connection alone, which turns a new file to WAL. That takes an
/// exclusive lock SQLite's busy timeout does not wait for, so a connection
/// opening the file meanwhile (the pool's next, another process) is refused
/// at once with SQLITE_BUSY: tried again here for as long as the busy
/// timeout. Once the file is in WAL, opening it takes no such lock.
async fn into_wal(options: &SqliteConnectOptions) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    const SQLITE_BUSY: u32 = 5;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        match sqlx::SqliteConnection::connect_with(options).await {
            Ok(connection) => return connection.close().await,
            Err(error)
                if std::time::Instant::now() < deadline
                    && error
                        .as_database_error()
                        .and_then(|e| e.code())
                        .and_then(|c| c.parse::<u32>().ok())
                        .is_some_and(|code| code & 0xff == SQLITE_BUSY) =>
            {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Which of this binary's migrations a database has.
#[derive(Debug, PartialEq, Eq)]
pub struct Schema {
    /// Versions applied, in order.
    pub applied: Vec<i64>,
    /// Versions applied that this binary does not know: a newer qunfa's.
    pub unknown: Vec<i64>,
    /// How many of this binary's migrations are not applied yet.
    pub pending: usize,
}

pub async fn schema_of(pool: &SqlitePool) -> Result<Schema, sqlx::Error> {
    let has_table: bool = sqlx::query_scalar(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(pool)
    .await?;
    let applied: Vec<i64> = if has_table {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(pool)
            .await?
    } else {
        Vec::new()
    };
    let known: BTreeSet<i64> = MIGRATOR.iter().map(|m| m.version).collect();
    let unknown = applied
        .iter()
        .copied()
        .filter(|v| !known.contains(v))
        .collect();
    let pending = known.iter().filter(|v| !applied.contains(v)).count();
    Ok(Schema {
        applied,
        unknown,
        pending,
    })
}

/// `FILE.WHAT-YYYYMMDDTHHMMSSZ`, beside `file`: where copies made by qunfa
/// itself go, so an operator finds them next to the database.
pub fn sibling(file: &Path, what: &str) -> PathBuf {
    let now = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{what}-{stamp}"));
    file.with_file_name(name)
}

/// A consistent copy of the database at `to` (which must not exist) while
/// others go on writing: `VACUUM INTO` reads one snapshot, and in WAL mode
/// writers do not wait for readers. The copy holds every secret the
/// database does, so only its owner may read it: the file is made empty
/// with mode 0600 first (SQLite fills an empty file), never readable by
/// others even for a moment.
pub async fn vacuum_into(pool: &SqlitePool, to: &Path) -> Result<(), sqlx::Error> {
    let target = to
        .to_str()
        .ok_or_else(|| sqlx::Error::Protocol(format!("{} is not a UTF-8 path", to.display())))?;
    owner_only_empty_file(to)?;
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(pool)
        .await?;
    Ok(())
}

fn owner_only_empty_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// Held by a running console for as long as it serves: shared, so the
/// console and its command line may run together, while `qunfa restore`
/// needs it alone.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: Option<File>,
}

impl DatabaseLock {
    fn path(database: &Path) -> PathBuf {
        let mut name = database.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        database.with_file_name(name)
    }

    fn open(database: &Path) -> std::io::Result<File> {
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(Self::path(database))
    }

    /// The console's hold on its database (none for an in-memory one).
    pub fn serving(database: &DatabasePath) -> Result<DatabaseLock, DatabaseError> {
        let Some(file) = &database.file else {
            return Ok(DatabaseLock { _file: None });
        };
        create_folder(database)?;
        let lock = Self::open(file).map_err(|e| DatabaseError::ReadOnly {
            url: database.url.clone(),
            reason: format!("cannot create {}: {e}", Self::path(file).display()),
        })?;
        match lock.try_lock_shared() {
            Ok(()) => Ok(DatabaseLock { _file: Some(lock) }),
            Err(std::fs::TryLockError::WouldBlock) => Err(DatabaseError::Restoring {
                url: database.url.clone(),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(DatabaseError::Open {
                url: database.url.clone(),
                reason: format!("cannot lock {}: {e}", Self::path(file).display()),
            }),
        }
    }

    /// The database alone, or `None` while a console serves on it.
    pub fn alone(database: &Path) -> std::io::Result<Option<DatabaseLock>> {
        let lock = Self::open(database)?;
        match lock.try_lock() {
            Ok(()) => Ok(Some(DatabaseLock { _file: Some(lock) })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }
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

    /// SQLite looks up a deleted row's children by their foreign key: without
    /// an index that is a scan of the child table for every row deleted (the
    /// retention's deletion of old callbacks scanned every send per row and
    /// held the write lock for seconds).
    #[tokio::test]
    async fn every_foreign_key_has_an_index_that_starts_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let pool = open(&path(dir.path().join("q.db"))).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        let mut unindexed = Vec::new();
        for table in tables {
            let keys: Vec<String> =
                sqlx::query_scalar("SELECT \"from\" FROM pragma_foreign_key_list(?)")
                    .bind(&table)
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            for column in keys {
                let leading: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM pragma_index_list(?1) AS l \
                     JOIN pragma_index_info(l.name) AS i ON i.seqno = 0 WHERE i.name = ?2",
                )
                .bind(&table)
                .bind(&column)
                .fetch_one(&pool)
                .await
                .unwrap();
                // A column that is the table's INTEGER PRIMARY KEY is its
                // rowid: the fastest lookup there is, with no index listed.
                let rowid: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM pragma_table_info(?1) \
                     WHERE name = ?2 AND pk = 1 AND upper(type) = 'INTEGER' \
                     AND (SELECT count(*) FROM pragma_table_info(?1) WHERE pk > 0) = 1",
                )
                .bind(&table)
                .bind(&column)
                .fetch_one(&pool)
                .await
                .unwrap();
                if leading == 0 && rowid == 0 {
                    unindexed.push(format!("{table}.{column}"));
                }
            }
        }
        assert!(
            unindexed.is_empty(),
            "foreign keys without an index: {unindexed:?}"
        );
    }

    /// Turning a new file to WAL takes a lock SQLite's busy timeout does not
    /// wait for: several connections opening a new file at once (a pool's
    /// first ones, another process) must not fail with "database is locked".
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn connections_opening_a_new_file_at_once_all_open() {
        for round in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let database = path(dir.path().join("qunfa.db"));
            let opening: Vec<_> = (0..6)
                .map(|_| {
                    let database = database.clone();
                    tokio::spawn(async move { connect(&database, true).await.map(|_| ()) })
                })
                .collect();
            for task in opening {
                let opened = task.await.unwrap();
                assert!(opened.is_ok(), "round {round}: {opened:?}");
            }
        }
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

    fn upgrade_copies(dir: &Path) -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains(".pre-upgrade-"))
            .collect()
    }

    #[tokio::test]
    async fn reopening_applies_no_migration_twice_and_copies_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("q.db");
        open(&path(file.clone())).await.unwrap().close().await;
        open(&path(file)).await.unwrap();
        assert!(upgrade_copies(dir.path()).is_empty());
    }

    #[tokio::test]
    async fn an_upgrade_keeps_a_copy_of_the_database_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        // A database of the version before the newest migration.
        let older = dir.path().join("older-migrations");
        std::fs::create_dir(&older).unwrap();
        let mut steps: Vec<_> =
            std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
        steps.sort();
        for step in &steps[..steps.len() - 1] {
            std::fs::copy(step, older.join(step.file_name().unwrap())).unwrap();
        }
        let file = dir.path().join("q.db");
        let pool = connect(&path(file.clone()), true).await.unwrap();
        sqlx::migrate::Migrator::new(older.as_path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        pool.close().await;

        let pool = open(&path(file)).await.unwrap();
        assert_eq!(schema_of(&pool).await.unwrap().pending, 0);
        let copies = upgrade_copies(dir.path());
        assert_eq!(copies.len(), 1, "{copies:?}");
        let copy = connect(&path(copies[0].clone()), false).await.unwrap();
        let schema = schema_of(&copy).await.unwrap();
        assert_eq!(schema.applied.len(), steps.len() - 1);
        assert_eq!(schema.pending, 1);
    }

    /// The workflow migration widens two CHECK constraints in place: every
    /// connection, the one that migrated among them, takes the new states
    /// and role at once, an unknown one is still refused, and no row of a
    /// child table is lost (a rebuild of `sends` would have cascaded into
    /// `sent_articles`).
    #[tokio::test]
    async fn the_widened_checks_hold_on_every_connection_and_keep_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let before = dir.path().join("before-workflow");
        std::fs::create_dir(&before).unwrap();
        for step in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_str().unwrap() < "20261202000001")
        {
            std::fs::copy(&step, before.join(step.file_name().unwrap())).unwrap();
        }
        let file = dir.path().join("q.db");
        let pool = connect(&path(file.clone()), true).await.unwrap();
        sqlx::migrate::Migrator::new(before.as_path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        sqlx::raw_sql(
            "INSERT INTO users (id, username, password_hash, role) VALUES (1, 'a', 'x', 'admin');
             INSERT INTO sends (id, clientmsgid, user_id, msg_type, audience, summary, request, state, msg_id)
                 VALUES (1, 'c1', 1, 'mpnews', '', '', '{}', 'finished', 7);
             INSERT INTO sent_articles (send_id, articles) VALUES (1, '[]');",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;

        for database in [
            path(file),
            DatabasePath {
                url: "sqlite::memory:".into(),
                file: None,
            },
        ] {
            let pool = open(&database).await.unwrap();
            if database.file.is_none() {
                sqlx::query("INSERT INTO users (id, username, password_hash, role) VALUES (1, 'a', 'x', 'admin')")
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            // Every connection the pool has (one for a database in memory).
            let size = if database.file.is_some() { 3 } else { 1 };
            let mut held = Vec::new();
            for n in 0..size {
                let mut conn = pool.acquire().await.unwrap();
                sqlx::query(
                    "INSERT INTO sends (clientmsgid, user_id, msg_type, audience, summary, request, state)
                     VALUES (?, 1, 'text', '', '', '{}', 'scheduled')",
                )
                .bind(format!("s{n}"))
                .execute(&mut *conn)
                .await
                .unwrap();
                sqlx::query(
                    "INSERT INTO users (username, password_hash, role) VALUES (?, 'x', 'reviewer')",
                )
                .bind(format!("r{n}"))
                .execute(&mut *conn)
                .await
                .unwrap();
                let bogus = sqlx::query(
                    "INSERT INTO sends (clientmsgid, user_id, msg_type, audience, summary, request, state)
                     VALUES ('b', 1, 'text', '', '', '{}', 'sent_twice')",
                )
                .execute(&mut *conn)
                .await;
                assert!(bogus.is_err(), "an unknown state is refused");
                held.push(conn);
            }
            drop(held);
            let check: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(check, "ok");
        }
        let pool = open(&path(dir.path().join("q.db"))).await.unwrap();
        let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM sent_articles WHERE send_id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(kept, 1);
        let (released, submitted): (Option<String>, Option<String>) =
            sqlx::query_as("SELECT released_at, submitted_at FROM sends WHERE id = 1")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!(
            released.is_some() && submitted.is_some(),
            "a send made before counts as released and taken"
        );
    }

    #[tokio::test]
    async fn a_database_with_a_step_this_qunfa_does_not_know_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("q.db");
        let pool = open(&path(file.clone())).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (29991231000000, 'newer', 1, x'00', 0)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
        let error = open(&path(file)).await.unwrap_err();
        assert!(
            matches!(
                error,
                DatabaseError::Newer {
                    version: 29991231000000,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(upgrade_copies(dir.path()).is_empty());
    }

    #[tokio::test]
    async fn a_restore_in_progress_stops_a_start_and_a_console_stops_a_restore() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("q.db");
        let serving = DatabaseLock::serving(&path(file.clone())).unwrap();
        // Two consoles may share it; a restore may not.
        let second = DatabaseLock::serving(&path(file.clone())).unwrap();
        assert!(DatabaseLock::alone(&file).unwrap().is_none());
        drop((serving, second));
        let alone = DatabaseLock::alone(&file).unwrap().expect("nobody serves");
        assert!(matches!(
            DatabaseLock::serving(&path(file.clone())),
            Err(DatabaseError::Restoring { .. })
        ));
        drop(alone);
        DatabaseLock::serving(&path(file)).unwrap();
    }

    #[test]
    fn the_lock_of_a_database_in_a_new_folder_makes_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("data/q.db");
        DatabaseLock::serving(&path(file.clone())).unwrap();
        assert!(file.parent().unwrap().is_dir());
    }
}
