//! Secrets at rest. Every secret the database keeps (the cached access
//! token, the built-in simulator's callback Token) is stored sealed:
//! XChaCha20-Poly1305 under a key that is not in the database, with a
//! random 24-byte nonce for each value and, as associated data, the table
//! and the row it belongs to, so a sealed value copied into another row
//! does not open.
//!
//! The key is `QUNFA_SECRET_KEY`, or else a key file beside the database
//! (`data/qunfa.key` for `data/qunfa.db`), made at the first start with mode
//! 0600 and never overwritten. The database keeps a value sealed with it
//! (`secret_key_check`): the key at hand must open it, at every start
//! ([`unlock`]) and before a restore ([`check_copy`]), or nothing goes on.
//!
//! A new secret column: a [`SealedColumn`] for it in [`SEALED_COLUMNS`]
//! (so a start seals what is still in plain text there), and its values
//! written as `key.seal(value, &COLUMN.context(row))`, read with `open`.

use std::{
    fmt,
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
};

use base64::{Engine as _, engine::general_purpose::STANDARD};
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload, common::Generate},
};
use secrecy::{ExposeSecret, SecretString, zeroize::Zeroizing};
use sqlx::{Connection, SqliteConnection, SqlitePool};

/// The setting that gives the key, named in messages.
pub const KEY_VARIABLE: &str = "QUNFA_SECRET_KEY";
const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;
const TAG_BYTES: usize = 16;
/// How a sealed value starts: its format, so that another can follow.
const V1: &str = "v1:";

/// The key secrets are sealed with. Clones share it; the cipher wipes the
/// key from memory when the last one is dropped.
#[derive(Clone)]
pub struct SealingKey(Arc<XChaCha20Poly1305>);

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey([hidden])")
    }
}

/// Why a text is not a key (it is never repeated: it may be one, mistyped).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "must be 32 random bytes in base64 (44 characters, ending in =); make one with `openssl rand -base64 32`"
)]
pub struct NotAKey;

/// Why a sealed value did not open. No variant holds any of the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("is not sealed (a sealed value starts with v1:)")]
    NotSealed,
    #[error(
        "is sealed in the format {0}, which this qunfa does not know (a newer qunfa sealed it)"
    )]
    UnknownVersion(String),
    #[error("is damaged: not a whole sealed value")]
    Damaged,
    #[error(
        "does not open with this key: it was sealed with another key, or for another row, or changed since"
    )]
    DoesNotOpen,
}

impl SealingKey {
    /// The key's text: 32 bytes in standard base64, as `openssl rand
    /// -base64 32` prints them and a key file holds them.
    pub fn parse(text: &str) -> Result<SealingKey, NotAKey> {
        let bytes = Zeroizing::new(STANDARD.decode(text.trim()).map_err(|_| NotAKey)?);
        if bytes.len() != KEY_BYTES {
            return Err(NotAKey);
        }
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| NotAKey)?;
        Ok(SealingKey(Arc::new(cipher)))
    }

    /// A new key from the system's random source, and its text.
    pub fn generate() -> (SealingKey, SecretString) {
        let bytes = Zeroizing::new(<[u8; KEY_BYTES]>::generate());
        let text = SecretString::from(STANDARD.encode(bytes.as_slice()));
        let cipher = XChaCha20Poly1305::new_from_slice(bytes.as_slice())
            .expect("the key has the cipher's length");
        (SealingKey(Arc::new(cipher)), text)
    }

    /// `plaintext` sealed for `context` (which table and row it belongs
    /// to): `v1:` and the base64 of nonce, ciphertext and tag.
    pub fn seal(&self, plaintext: &str, context: &str) -> String {
        let nonce = XNonce::generate();
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: context.as_bytes(),
        };
        let ciphertext = self
            .0
            .encrypt(&nonce, payload)
            .expect("XChaCha20-Poly1305 seals any value shorter than 256 GiB");
        let mut bytes = Vec::with_capacity(NONCE_BYTES + ciphertext.len());
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&ciphertext);
        format!("{V1}{}", STANDARD.encode(bytes))
    }

    /// The secret in `sealed`, if this key sealed it for `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<SecretString, OpenError> {
        let Some(body) = sealed.strip_prefix(V1) else {
            return Err(version_of(sealed).map_or(OpenError::NotSealed, OpenError::UnknownVersion));
        };
        let bytes = STANDARD.decode(body).map_err(|_| OpenError::Damaged)?;
        if bytes.len() < NONCE_BYTES + TAG_BYTES {
            return Err(OpenError::Damaged);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let nonce = <&XNonce>::try_from(nonce).map_err(|_| OpenError::Damaged)?;
        let payload = Payload {
            msg: ciphertext,
            aad: context.as_bytes(),
        };
        let plaintext = Zeroizing::new(
            self.0
                .decrypt(nonce, payload)
                .map_err(|_| OpenError::DoesNotOpen)?,
        );
        let text = std::str::from_utf8(&plaintext).map_err(|_| OpenError::Damaged)?;
        Ok(SecretString::from(text))
    }
}

/// `v2` of `v2:…`: a format this qunfa does not know.
fn version_of(value: &str) -> Option<String> {
    let (version, _) = value.split_once(':')?;
    let digits = version.strip_prefix('v')?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then(|| version.to_owned())
}

/// A column that holds sealed secrets, and the column that names its row.
/// A value is sealed for `BOUND_TO:ROW`: the table, or for a table with
/// several secret columns the table and the column, so a value copied into
/// another row or column does not open.
#[derive(Debug, Clone, Copy)]
pub struct SealedColumn {
    pub table: &'static str,
    pub row: &'static str,
    pub value: &'static str,
    pub bound_to: &'static str,
}

impl SealedColumn {
    /// The associated data of the value in `row`.
    pub fn context(&self, row: impl fmt::Display) -> String {
        format!("{}:{row}", self.bound_to)
    }
}

/// The cached access tokens, by `cache_key`.
pub const ACCESS_TOKENS: SealedColumn = SealedColumn {
    table: "access_tokens",
    row: "cache_key",
    value: "value",
    bound_to: "access_tokens",
};

/// The built-in simulator's callback Token (row 1).
pub const SIMULATOR_TOKEN: SealedColumn = SealedColumn {
    table: "simulator_token",
    row: "id",
    value: "token",
    bound_to: "simulator_token",
};

/// An account's AppSecret, by account id.
pub const ACCOUNT_SECRET: SealedColumn = SealedColumn {
    table: "accounts",
    row: "id",
    value: "secret",
    bound_to: "accounts.secret",
};

/// An account's token URL (its query may hold a key).
pub const ACCOUNT_TOKEN_URL: SealedColumn = SealedColumn {
    table: "accounts",
    row: "id",
    value: "token_url",
    bound_to: "accounts.token_url",
};

/// An account's fixed access token.
pub const ACCOUNT_FIXED_TOKEN: SealedColumn = SealedColumn {
    table: "accounts",
    row: "id",
    value: "fixed_token",
    bound_to: "accounts.fixed_token",
};

/// An account's callback Token.
pub const ACCOUNT_CALLBACK_TOKEN: SealedColumn = SealedColumn {
    table: "accounts",
    row: "id",
    value: "callback_token",
    bound_to: "accounts.callback_token",
};

/// An account's EncodingAESKey.
pub const ACCOUNT_AES_KEY: SealedColumn = SealedColumn {
    table: "accounts",
    row: "id",
    value: "aes_key",
    bound_to: "accounts.aes_key",
};

/// Every column that holds secrets. A start seals what an earlier qunfa
/// kept in them in plain text.
pub const SEALED_COLUMNS: [SealedColumn; 7] = [
    ACCESS_TOKENS,
    SIMULATOR_TOKEN,
    ACCOUNT_SECRET,
    ACCOUNT_TOKEN_URL,
    ACCOUNT_FIXED_TOKEN,
    ACCOUNT_CALLBACK_TOKEN,
    ACCOUNT_AES_KEY,
];

/// The check value: it proves a key right and holds nothing secret.
const CHECK: SealedColumn = SealedColumn {
    table: "secret_key_check",
    row: "id",
    value: "sealed",
    bound_to: "secret_key_check",
};
const CHECK_ROW: i64 = 1;
const CHECK_PLAINTEXT: &str = "the key of this qunfa database";

/// The key file of the database `file`: `qunfa.key` beside `qunfa.db`.
pub fn key_file_beside(file: &Path) -> PathBuf {
    let key = file.with_extension("key");
    if key == file {
        let mut name = file.as_os_str().to_owned();
        name.push(".key");
        return PathBuf::from(name);
    }
    key
}

/// Where a key came from, as messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `QUNFA_SECRET_KEY`.
    Variable,
    File(PathBuf),
    /// Made for an in-memory database, which ends with the process.
    Memory,
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Variable => f.write_str(KEY_VARIABLE),
            KeySource::File(path) => write!(f, "the key file {}", path.display()),
            KeySource::Memory => f.write_str("the key kept in memory"),
        }
    }
}

/// Why the key at hand cannot be used, in words that say which key was
/// tried, what is wrong and what to do. None of them holds the key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "{tried} does not open the secrets sealed in {what}: it is not the key they were sealed with. \
         Nothing was changed. {remedy}"
    )]
    WrongKey {
        tried: KeySource,
        what: String,
        remedy: String,
    },
    #[error(
        "{what} holds sealed secrets, but their key is not here: {missing}. \
         Nothing was changed, and no new key was made. {remedy}"
    )]
    NoKey {
        what: String,
        missing: String,
        remedy: String,
    },
    #[error(
        "cannot read the key file {}: {reason}. Nothing was changed. The user qunfa runs as must be able to read it",
        .path.display()
    )]
    KeyFileUnreadable { path: PathBuf, reason: String },
    #[error(
        "the key file {} holds no key (one line: 32 bytes in base64). Nothing was changed. {remedy}",
        .path.display()
    )]
    KeyFileInvalid { path: PathBuf, remedy: String },
    #[error("cannot create the key file {}: {reason}", .path.display())]
    KeyFileCreate { path: PathBuf, reason: String },
    #[error("cannot read or seal the secrets in {what}: {reason}")]
    Database { what: String, reason: String },
}

/// What to do when the key that belongs with `what` is not at hand.
fn put_it_back(what: &str, key_file: Option<&Path>) -> String {
    match key_file {
        Some(path) => format!(
            "Put the key file that belongs with {what} back at {} (backups do not hold it: take it \
             from where you keep its copy), or set {KEY_VARIABLE} to that key.",
            path.display()
        ),
        None => format!("Set {KEY_VARIABLE} to the key that belongs with {what}."),
    }
}

fn wrong_key(tried: KeySource, what: &str, key_file: Option<&Path>) -> KeyError {
    let remedy = match (&tried, key_file) {
        (KeySource::Variable, Some(path)) => format!(
            "Set {KEY_VARIABLE} to the key that belongs with {what}, or unset it to use the key \
             file {} if that is the one.",
            path.display()
        ),
        _ => put_it_back(what, key_file),
    };
    KeyError::WrongKey {
        tried,
        what: what.to_owned(),
        remedy,
    }
}

fn no_key(what: &str, key_file: Option<&Path>) -> KeyError {
    let missing = match key_file {
        Some(path) => format!(
            "{KEY_VARIABLE} is not set and there is no key file {}",
            path.display()
        ),
        None => format!("{KEY_VARIABLE} is not set"),
    };
    KeyError::NoKey {
        what: what.to_owned(),
        missing,
        remedy: put_it_back(what, key_file),
    }
}

/// The key to try: the variable's, else the key file's. Makes nothing.
fn key_at_hand(
    given: Option<&SealingKey>,
    key_file: Option<&Path>,
) -> Result<Option<(SealingKey, KeySource)>, KeyError> {
    if let Some(key) = given {
        return Ok(Some((key.clone(), KeySource::Variable)));
    }
    let Some(path) = key_file else {
        return Ok(None);
    };
    Ok(read_key_file(path)?.map(|key| (key, KeySource::File(path.to_owned()))))
}

fn read_key_file(path: &Path) -> Result<Option<SealingKey>, KeyError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => Zeroizing::new(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(KeyError::KeyFileUnreadable {
                path: path.to_owned(),
                reason: error.to_string(),
            });
        }
    };
    warn_if_others_may_read(path);
    SealingKey::parse(&text)
        .map(Some)
        .map_err(|_| KeyError::KeyFileInvalid {
            path: path.to_owned(),
            remedy: put_it_back("this database", Some(path)),
        })
}

#[cfg(unix)]
fn warn_if_others_may_read(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            key_file = %path.display(),
            "the key file may be read by other users than its owner: chmod 600 it"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_others_may_read(_: &Path) {}

/// A new key at `path`, which must not exist. The file appears whole or not
/// at all: written aside with mode 0600, then linked into place, which fails
/// if `path` appeared meanwhile (a second console starting on the same
/// database), whose key is then read.
fn create_key_file(path: &Path) -> Result<SealingKey, KeyError> {
    let failed = |error: std::io::Error| KeyError::KeyFileCreate {
        path: path.to_owned(),
        reason: error.to_string(),
    };
    let (key, text) = SealingKey::generate();
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".new-{}", std::process::id()));
    let aside = path.with_file_name(name);
    let _ = std::fs::remove_file(&aside);
    let placed = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&aside)?;
        file.write_all(text.expose_secret().as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::hard_link(&aside, path)
    })();
    let _ = std::fs::remove_file(&aside);
    match placed {
        Ok(()) => {
            // The new name itself must survive a power cut.
            if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
                let _ = std::fs::File::open(folder).and_then(|f| f.sync_all());
            }
            Ok(key)
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            read_key_file(path)?.ok_or_else(|| failed(error))
        }
        Err(error) => Err(failed(error)),
    }
}

/// A sealed value in the database and what it was sealed for.
struct Evidence {
    sealed: String,
    context: String,
}

/// The check value, else any sealed value: what a key must open. `None`:
/// nothing is sealed (a new database, or one of a qunfa before sealing).
async fn evidence(conn: &mut SqliteConnection) -> Result<Option<Evidence>, sqlx::Error> {
    for column in std::iter::once(CHECK).chain(SEALED_COLUMNS) {
        let exists: bool = sqlx::query_scalar(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?",
        )
        .bind(column.table)
        .fetch_one(&mut *conn)
        .await?;
        if !exists {
            continue;
        }
        let SealedColumn {
            table, row, value, ..
        } = column;
        let found: Option<(String, String)> = sqlx::query_as(&format!(
            "SELECT CAST({row} AS TEXT), {value} FROM {table} WHERE {value} GLOB 'v1:*' LIMIT 1"
        ))
        .fetch_optional(&mut *conn)
        .await?;
        if let Some((row, sealed)) = found {
            return Ok(Some(Evidence {
                sealed,
                context: column.context(row),
            }));
        }
    }
    Ok(None)
}

fn prove(
    key: &SealingKey,
    source: &KeySource,
    evidence: &Evidence,
    what: &str,
    key_file: Option<&Path>,
) -> Result<(), KeyError> {
    key.open(&evidence.sealed, &evidence.context)
        .map(drop)
        .map_err(|_| wrong_key(source.clone(), what, key_file))
}

/// The database's key, known to be the right one, and what the start did.
#[derive(Debug)]
pub struct Unlocked {
    pub key: SealingKey,
    pub source: KeySource,
    /// The key file was made by this start.
    pub made_key_file: bool,
    /// Secrets an earlier qunfa kept in plain text, sealed by this start.
    pub sealed_now: u64,
}

/// The start's step: finds the key (`given`: `QUNFA_SECRET_KEY`; else the
/// key file, `None` for an in-memory database), proves it on what the
/// database holds sealed, and seals what is still in plain text. With
/// nothing sealed yet and no key, it makes one (the key file). A wrong or
/// missing key stops here, before anything is written. `what` names the
/// database in messages.
pub async fn unlock(
    pool: &SqlitePool,
    what: &str,
    given: Option<&SealingKey>,
    key_file: Option<&Path>,
) -> Result<Unlocked, KeyError> {
    let database = |error: sqlx::Error| KeyError::Database {
        what: what.to_owned(),
        reason: error.to_string(),
    };
    let mut conn = pool.acquire().await.map_err(database)?;
    let evidence = evidence(&mut conn).await.map_err(database)?;
    let (key, source, made_key_file) = match (key_at_hand(given, key_file)?, evidence) {
        (Some((key, source)), Some(evidence)) => {
            prove(&key, &source, &evidence, what, key_file)?;
            (key, source, false)
        }
        (Some((key, source)), None) => (key, source, false),
        (None, Some(_)) => return Err(no_key(what, key_file)),
        (None, None) => match key_file {
            Some(path) => (
                create_key_file(path)?,
                KeySource::File(path.to_owned()),
                true,
            ),
            None => (SealingKey::generate().0, KeySource::Memory, false),
        },
    };
    match seal_plain_secrets(&mut conn, &key)
        .await
        .map_err(database)?
    {
        Sealing::Done(sealed_now) => Ok(Unlocked {
            key,
            source,
            made_key_file,
            sealed_now,
        }),
        Sealing::CheckDoesNotOpen => Err(wrong_key(source, what, key_file)),
    }
}

enum Sealing {
    Done(u64),
    /// Another console, starting at the same moment with another key,
    /// wrote the check value first.
    CheckDoesNotOpen,
}

/// In one transaction: the check value (if there is none), and every
/// secret still in plain text sealed. `secure_delete` wipes the plain
/// text from the file's free space; a checkpoint then moves the pages into
/// the database file and empties the write-ahead log.
async fn seal_plain_secrets(
    conn: &mut SqliteConnection,
    key: &SealingKey,
) -> Result<Sealing, sqlx::Error> {
    sqlx::query("PRAGMA secure_delete = ON")
        .execute(&mut *conn)
        .await?;
    let sealing: Result<Sealing, sqlx::Error> = async {
        let mut tx = conn.begin().await?;
        // A write first: from here the transaction holds the write lock, so
        // nothing changes between the reads and the writes below.
        sqlx::query(
            "INSERT INTO secret_key_check (id, sealed) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
        )
        .bind(CHECK_ROW)
        .bind(key.seal(CHECK_PLAINTEXT, &CHECK.context(CHECK_ROW)))
        .execute(&mut *tx)
        .await?;
        let check: String = sqlx::query_scalar("SELECT sealed FROM secret_key_check WHERE id = ?")
            .bind(CHECK_ROW)
            .fetch_one(&mut *tx)
            .await?;
        if key.open(&check, &CHECK.context(CHECK_ROW)).is_err() {
            return Ok(Sealing::CheckDoesNotOpen);
        }
        let mut sealed = 0;
        for column in SEALED_COLUMNS {
            let SealedColumn {
                table, row, value, ..
            } = column;
            let plain: Vec<(i64, String, String)> = sqlx::query_as(&format!(
                "SELECT rowid, CAST({row} AS TEXT), {value} FROM {table} \
                 WHERE {value} IS NOT NULL AND {value} NOT GLOB 'v1:*'"
            ))
            .fetch_all(&mut *tx)
            .await?;
            for (rowid, row, plaintext) in plain {
                let plaintext = SecretString::from(plaintext);
                sqlx::query(&format!("UPDATE {table} SET {value} = ? WHERE rowid = ?"))
                    .bind(key.seal(plaintext.expose_secret(), &column.context(row)))
                    .bind(rowid)
                    .execute(&mut *tx)
                    .await?;
                sealed += 1;
            }
        }
        tx.commit().await?;
        Ok(Sealing::Done(sealed))
    }
    .await;
    sqlx::query("PRAGMA secure_delete = OFF")
        .execute(&mut *conn)
        .await?;
    if let Ok(Sealing::Done(sealed)) = &sealing
        && *sealed > 0
    {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut *conn)
            .await?;
    }
    sealing
}

/// What the key at hand says to a copy of a database (a backup).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyKey {
    /// The copy holds nothing sealed: any key will do.
    NothingSealed,
    /// This key opens the copy's secrets.
    Opens(KeySource),
}

/// Whether the key at hand (`given`, else the key file) opens the secrets
/// sealed in the copy on `conn`: what a restore asks before it puts the
/// copy in place. Makes and changes nothing. `what` names the copy.
pub async fn check_copy(
    conn: &mut SqliteConnection,
    what: &str,
    given: Option<&SealingKey>,
    key_file: Option<&Path>,
) -> Result<CopyKey, KeyError> {
    let evidence = evidence(conn).await.map_err(|error| KeyError::Database {
        what: what.to_owned(),
        reason: error.to_string(),
    })?;
    let Some(evidence) = evidence else {
        return Ok(CopyKey::NothingSealed);
    };
    let Some((key, source)) = key_at_hand(given, key_file)? else {
        return Err(no_key(what, key_file));
    };
    prove(&key, &source, &evidence, what, key_file)?;
    Ok(CopyKey::Opens(source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SealingKey {
        SealingKey::generate().0
    }

    #[test]
    fn a_sealed_value_opens_with_its_key_and_context() {
        let key = key();
        let sealed = key.seal("ACCESS_TOKEN_abc", "access_tokens:stable_token:wx1");
        assert!(sealed.starts_with("v1:"), "{sealed}");
        assert!(!sealed.contains("ACCESS_TOKEN_abc"));
        let opened = key.open(&sealed, "access_tokens:stable_token:wx1").unwrap();
        assert_eq!(opened.expose_secret(), "ACCESS_TOKEN_abc");
        // A fresh nonce each time: the same secret never seals alike.
        assert_ne!(
            sealed,
            key.seal("ACCESS_TOKEN_abc", "access_tokens:stable_token:wx1")
        );
        assert_eq!(
            key.open(&key.seal("", "t:1"), "t:1")
                .unwrap()
                .expose_secret(),
            ""
        );
    }

    #[test]
    fn another_key_does_not_open_it() {
        let sealed = key().seal("secret", "simulator_token:1");
        assert_eq!(
            key().open(&sealed, "simulator_token:1").unwrap_err(),
            OpenError::DoesNotOpen
        );
    }

    #[test]
    fn a_value_moved_to_another_row_does_not_open() {
        let key = key();
        let sealed = key.seal("secret", "access_tokens:stable_token:wxA");
        assert_eq!(
            key.open(&sealed, "access_tokens:stable_token:wxB")
                .unwrap_err(),
            OpenError::DoesNotOpen
        );
        assert_eq!(
            key.open(&sealed, "simulator_token:1").unwrap_err(),
            OpenError::DoesNotOpen
        );
    }

    #[test]
    fn a_changed_value_does_not_open() {
        let key = key();
        let sealed = key.seal("secret", "t:1");
        let mut bytes = STANDARD.decode(&sealed[3..]).unwrap();
        for at in [0, NONCE_BYTES, bytes.len() - 1] {
            let mut changed = bytes.clone();
            changed[at] ^= 1;
            let changed = format!("v1:{}", STANDARD.encode(changed));
            assert_eq!(
                key.open(&changed, "t:1").unwrap_err(),
                OpenError::DoesNotOpen
            );
        }
        bytes.truncate(NONCE_BYTES + TAG_BYTES - 1);
        let short = format!("v1:{}", STANDARD.encode(bytes));
        assert_eq!(key.open(&short, "t:1").unwrap_err(), OpenError::Damaged);
        assert_eq!(
            key.open("v1:not base64!", "t:1").unwrap_err(),
            OpenError::Damaged
        );
    }

    #[test]
    fn an_unknown_format_or_plain_text_is_refused_in_words() {
        let key = key();
        let sealed = key.seal("secret", "t:1");
        let newer = sealed.replacen("v1:", "v2:", 1);
        let refused = key.open(&newer, "t:1").unwrap_err();
        assert_eq!(refused, OpenError::UnknownVersion("v2".into()));
        assert!(refused.to_string().contains("v2"), "{refused}");
        assert_eq!(key.open("secret", "t:1").unwrap_err(), OpenError::NotSealed);
        assert_eq!(key.open("vx:abc", "t:1").unwrap_err(), OpenError::NotSealed);
    }

    #[test]
    fn a_key_is_32_bytes_in_base64_and_its_text_is_never_repeated() {
        let (key, text) = SealingKey::generate();
        assert_eq!(text.expose_secret().len(), 44);
        let again = SealingKey::parse(&format!(" {}\n", text.expose_secret())).unwrap();
        assert_eq!(
            again
                .open(&key.seal("secret", "t:1"), "t:1")
                .unwrap()
                .expose_secret(),
            "secret"
        );
        let short = STANDARD.encode([7u8; 16]);
        for bad in [
            "",
            "not a key",
            short.as_str(),
            "hunter2hunter2hunter2hunter2hunter2hunter2==",
        ] {
            let refused = SealingKey::parse(bad).unwrap_err().to_string();
            assert!(refused.contains("openssl rand -base64 32"), "{refused}");
            assert!(bad.is_empty() || !refused.contains(bad), "{refused}");
        }
        assert_eq!(format!("{key:?}"), "SealingKey([hidden])");
    }

    #[test]
    fn the_key_file_is_beside_the_database() {
        assert_eq!(
            key_file_beside(Path::new("data/qunfa.db")),
            PathBuf::from("data/qunfa.key")
        );
        assert_eq!(
            key_file_beside(Path::new("/var/lib/qunfa/qunfa")),
            PathBuf::from("/var/lib/qunfa/qunfa.key")
        );
        assert_eq!(
            key_file_beside(Path::new("odd.key")),
            PathBuf::from("odd.key.key")
        );
    }

    /// The sealed columns are named in SQL text: they must be the schema's.
    /// One connection: each would have an in-memory database of its own.
    async fn memory_database() -> SqlitePool {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::migrate!().run(&pool).await.unwrap();
        pool
    }

    #[tokio::test]
    async fn every_sealed_column_is_in_the_schema() {
        let pool = memory_database().await;
        for column in std::iter::once(CHECK).chain(SEALED_COLUMNS) {
            let SealedColumn {
                table, row, value, ..
            } = column;
            sqlx::query(&format!("SELECT rowid, {row}, {value} FROM {table}"))
                .fetch_all(&pool)
                .await
                .unwrap_or_else(|e| panic!("{table}.{row}, {value}: {e}"));
        }
    }

    #[tokio::test]
    async fn a_memory_database_gets_a_key_and_plain_text_is_sealed() {
        let pool = memory_database().await;
        sqlx::query("INSERT INTO simulator_token (id, token) VALUES (1, 'PlainToken42')")
            .execute(&pool)
            .await
            .unwrap();
        let unlocked = unlock(&pool, "the test database", None, None)
            .await
            .unwrap();
        assert_eq!(unlocked.source, KeySource::Memory);
        assert_eq!(unlocked.sealed_now, 1);
        let stored: String = sqlx::query_scalar("SELECT token FROM simulator_token")
            .fetch_one(&pool)
            .await
            .unwrap();
        let opened = unlocked
            .key
            .open(&stored, &SIMULATOR_TOKEN.context(1))
            .unwrap();
        assert_eq!(opened.expose_secret(), "PlainToken42");

        // Once sealed, another key is refused, and nothing changes.
        let other = key();
        let refused = unlock(&pool, "the test database", Some(&other), None)
            .await
            .unwrap_err();
        assert!(matches!(refused, KeyError::WrongKey { .. }), "{refused}");
        assert!(
            refused
                .to_string()
                .starts_with("QUNFA_SECRET_KEY does not open"),
            "{refused}"
        );
        let after: String = sqlx::query_scalar("SELECT token FROM simulator_token")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(after, stored);
        let again = unlock(&pool, "the test database", Some(&unlocked.key), None)
            .await
            .unwrap();
        assert_eq!(again.sealed_now, 0);
    }
}
