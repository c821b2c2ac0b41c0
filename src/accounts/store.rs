//! The `accounts` and `user_accounts` tables. An account's secrets (the
//! AppSecret, a fixed token, the callback Token, the EncodingAESKey) are
//! kept sealed for their row and column (the token URL too: it may hold a key) (`shell::secrets`); they are opened
//! only to build the account's client and callback check.

use secrecy::{ExposeSecret, SecretString};
use sqlx::{SqliteConnection, SqlitePool};

use super::{Kind, MessageMode, Origin, TokenSource};
use crate::shell::secrets::{
    ACCOUNT_AES_KEY, ACCOUNT_CALLBACK_TOKEN, ACCOUNT_FIXED_TOKEN, ACCOUNT_SECRET,
    ACCOUNT_TOKEN_URL, OpenError, SealingKey,
};

/// An account as stored, its secrets still sealed.
#[derive(Clone, Debug)]
pub struct Row {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub appid: String,
    pub kind: Kind,
    pub overseas: bool,
    pub origin: Origin,
    pub token_source: TokenSource,
    pub message_mode: MessageMode,
    pub forward_url: Option<String>,
    pub forward_timeout_ms: Option<i64>,
    pub disabled_at: Option<String>,
    /// Its sends wait for a reviewer's approval before they go.
    pub needs_approval: bool,
    /// The IANA zone its schedules are entered and shown in.
    pub time_zone: String,
    sealed: SealedSecrets,
}

#[derive(Clone, Debug, Default)]
struct SealedSecrets {
    secret: Option<String>,
    token_url: Option<String>,
    fixed_token: Option<String>,
    callback_token: Option<String>,
    aes_key: Option<String>,
}

/// An account's secrets, opened.
#[derive(Clone, Debug, Default)]
pub struct Secrets {
    pub secret: Option<SecretString>,
    /// May hold a key in its query, so it is kept sealed too.
    pub token_url: Option<SecretString>,
    pub fixed_token: Option<SecretString>,
    pub callback_token: Option<SecretString>,
    pub aes_key: Option<SecretString>,
}

impl Row {
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }

    /// Which secrets are stored, without opening them.
    pub fn secrets_set(&self) -> super::SecretsSet {
        let sealed = &self.sealed;
        super::SecretsSet {
            secret: sealed.secret.is_some(),
            token_url: sealed.token_url.is_some(),
            fixed_token: sealed.fixed_token.is_some(),
            callback_token: sealed.callback_token.is_some(),
            aes_key: sealed.aes_key.is_some(),
        }
    }

    /// Opens the secrets with the key they were sealed with.
    pub fn open_secrets(&self, key: &SealingKey) -> Result<Secrets, OpenError> {
        let open = |sealed: &Option<String>, context: String| {
            sealed
                .as_deref()
                .map(|sealed| key.open(sealed, &context))
                .transpose()
        };
        Ok(Secrets {
            secret: open(&self.sealed.secret, ACCOUNT_SECRET.context(self.id))?,
            token_url: open(&self.sealed.token_url, ACCOUNT_TOKEN_URL.context(self.id))?,
            fixed_token: open(
                &self.sealed.fixed_token,
                ACCOUNT_FIXED_TOKEN.context(self.id),
            )?,
            callback_token: open(
                &self.sealed.callback_token,
                ACCOUNT_CALLBACK_TOKEN.context(self.id),
            )?,
            aes_key: open(&self.sealed.aes_key, ACCOUNT_AES_KEY.context(self.id))?,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("an account with the slug {0:?} exists")]
    SlugTaken(String),
    #[error("an account with the AppID {0} exists")]
    AppIdTaken(String),
    #[error("a stored account cannot be read: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

struct Stored {
    id: i64,
    slug: String,
    name: String,
    appid: String,
    kind: String,
    overseas: i64,
    origin: String,
    token_source: String,
    secret: Option<String>,
    token_url: Option<String>,
    fixed_token: Option<String>,
    callback_token: Option<String>,
    aes_key: Option<String>,
    message_mode: String,
    forward_url: Option<String>,
    forward_timeout_ms: Option<i64>,
    disabled_at: Option<String>,
    needs_approval: i64,
    time_zone: String,
}

impl TryFrom<Stored> for Row {
    type Error = StoreError;

    fn try_from(stored: Stored) -> Result<Row, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("account {}: {what}", stored.id));
        Ok(Row {
            kind: Kind::parse(&stored.kind).ok_or_else(|| corrupt("kind"))?,
            origin: Origin::parse(&stored.origin).ok_or_else(|| corrupt("origin"))?,
            token_source: TokenSource::parse(&stored.token_source)
                .ok_or_else(|| corrupt("token source"))?,
            message_mode: MessageMode::parse(&stored.message_mode)
                .ok_or_else(|| corrupt("message mode"))?,
            id: stored.id,
            slug: stored.slug,
            name: stored.name,
            appid: stored.appid,
            overseas: stored.overseas != 0,
            forward_url: stored.forward_url,
            forward_timeout_ms: stored.forward_timeout_ms,
            disabled_at: stored.disabled_at,
            needs_approval: stored.needs_approval != 0,
            time_zone: stored.time_zone,
            sealed: SealedSecrets {
                secret: stored.secret,
                token_url: stored.token_url,
                fixed_token: stored.fixed_token,
                callback_token: stored.callback_token,
                aes_key: stored.aes_key,
            },
        })
    }
}

/// Every account, in the order they were added.
pub async fn list(db: &SqlitePool) -> Result<Vec<Row>, StoreError> {
    let stored = sqlx::query_as!(
        Stored,
        r#"SELECT id AS "id!", slug, name, appid, kind, overseas, origin, token_source, secret,
                  token_url, fixed_token, callback_token, aes_key, message_mode, forward_url,
                  forward_timeout_ms, disabled_at, needs_approval, time_zone
           FROM accounts ORDER BY id"#
    )
    .fetch_all(db)
    .await?;
    stored.into_iter().map(Row::try_from).collect()
}

/// One account by its id.
pub async fn get(db: &SqlitePool, id: i64) -> Result<Option<Row>, StoreError> {
    let stored = sqlx::query_as!(
        Stored,
        r#"SELECT id AS "id!", slug, name, appid, kind, overseas, origin, token_source, secret,
                  token_url, fixed_token, callback_token, aes_key, message_mode, forward_url,
                  forward_timeout_ms, disabled_at, needs_approval, time_zone
           FROM accounts WHERE id = ?"#,
        id
    )
    .fetch_optional(db)
    .await?;
    stored.map(Row::try_from).transpose()
}

/// What an account is, as given by an admin or by the configuration.
#[derive(Clone, Debug)]
pub struct Account {
    pub slug: String,
    pub name: String,
    pub appid: String,
    pub kind: Kind,
    pub overseas: bool,
    pub origin: Origin,
    pub token_source: TokenSource,
    pub message_mode: MessageMode,
    pub forward_url: Option<String>,
    pub forward_timeout_ms: Option<i64>,
    pub secrets: Secrets,
}

fn seal(key: &SealingKey, value: &Option<SecretString>, context: String) -> Option<String> {
    value
        .as_ref()
        .map(|value| key.seal(value.expose_secret(), &context))
}

/// Which unique column a failed insert or update ran into.
fn taken(error: sqlx::Error, account: &Account) -> StoreError {
    if let sqlx::Error::Database(db) = &error
        && db.is_unique_violation()
    {
        if db.message().contains("accounts.slug") {
            return StoreError::SlugTaken(account.slug.clone());
        }
        if db.message().contains("accounts.appid") {
            return StoreError::AppIdTaken(account.appid.clone());
        }
    }
    StoreError::Database(error)
}

/// Writes everything of `account` but its slug and name into row `id`,
/// secrets sealed for that row.
async fn write(
    conn: &mut SqliteConnection,
    key: &SealingKey,
    id: i64,
    account: &Account,
) -> Result<(), StoreError> {
    let secrets = &account.secrets;
    let secret = seal(key, &secrets.secret, ACCOUNT_SECRET.context(id));
    let token_url = seal(key, &secrets.token_url, ACCOUNT_TOKEN_URL.context(id));
    let fixed_token = seal(key, &secrets.fixed_token, ACCOUNT_FIXED_TOKEN.context(id));
    let callback_token = seal(
        key,
        &secrets.callback_token,
        ACCOUNT_CALLBACK_TOKEN.context(id),
    );
    let aes_key = seal(key, &secrets.aes_key, ACCOUNT_AES_KEY.context(id));
    let kind = account.kind.as_str();
    let origin = account.origin.as_str();
    let token_source = account.token_source.as_str();
    let message_mode = account.message_mode.as_str();
    sqlx::query!(
        "UPDATE accounts SET appid = ?, kind = ?, overseas = ?, origin = ?, token_source = ?,
                secret = ?, token_url = ?, fixed_token = ?, callback_token = ?, aes_key = ?,
                message_mode = ?, forward_url = ?, forward_timeout_ms = ?
         WHERE id = ?",
        account.appid,
        kind,
        account.overseas,
        origin,
        token_source,
        secret,
        token_url,
        fixed_token,
        callback_token,
        aes_key,
        message_mode,
        account.forward_url,
        account.forward_timeout_ms,
        id
    )
    .execute(&mut *conn)
    .await
    .map_err(|error| taken(error, account))?;
    Ok(())
}

/// Sets the IANA time zone account `id`'s schedules are entered and shown
/// in (checked by the caller).
pub async fn set_time_zone(db: &SqlitePool, id: i64, zone: &str) -> Result<(), StoreError> {
    sqlx::query!("UPDATE accounts SET time_zone = ? WHERE id = ?", zone, id)
        .execute(db)
        .await?;
    Ok(())
}

/// Adds an account; its id.
pub async fn insert(
    db: &SqlitePool,
    key: &SealingKey,
    account: &Account,
) -> Result<i64, StoreError> {
    let mut tx = db.begin().await?;
    let origin = account.origin.as_str();
    let id = sqlx::query_scalar!(
        r#"INSERT INTO accounts (slug, name, appid, origin) VALUES (?, ?, ?, ?) RETURNING id AS "id!""#,
        account.slug,
        account.name,
        account.appid,
        origin
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|error| taken(error, account))?;
    write(&mut tx, key, id, account).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes account `id` to `account` (its slug stays: WeChat keeps the
/// callback URL made of it).
pub async fn update(
    db: &SqlitePool,
    key: &SealingKey,
    id: i64,
    account: &Account,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    sqlx::query!(
        "UPDATE accounts SET name = ? WHERE id = ?",
        account.name,
        id
    )
    .execute(&mut *tx)
    .await?;
    write(&mut tx, key, id, account).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether account `id`'s sends need a reviewer's approval: a setting of
/// the console's, for row 1 too (the configuration never writes it).
pub async fn set_needs_approval(db: &SqlitePool, id: i64, needed: bool) -> Result<(), StoreError> {
    sqlx::query!(
        "UPDATE accounts SET needs_approval = ? WHERE id = ?",
        needed,
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Gives account `id` a new name: all the console may change of row 1.
pub async fn rename(db: &SqlitePool, id: i64, name: &str) -> Result<(), StoreError> {
    sqlx::query!("UPDATE accounts SET name = ? WHERE id = ?", name, id)
        .execute(db)
        .await?;
    Ok(())
}

/// One account by its slug, disabled or not.
pub async fn by_slug(db: &SqlitePool, slug: &str) -> Result<Option<Row>, StoreError> {
    Ok(list(db).await?.into_iter().find(|row| row.slug == slug))
}

/// Row 1 as the configuration defines it, written at every start. Its
/// name, once there, is the admins' to change.
pub async fn write_configured(
    db: &SqlitePool,
    key: &SealingKey,
    account: &Account,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    sqlx::query!(
        "INSERT INTO accounts (id, slug, name, appid, origin) VALUES (1, ?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING",
        account.slug,
        account.name,
        account.appid,
        "environment"
    )
    .execute(&mut *tx)
    .await
    .map_err(|error| taken(error, account))?;
    write(&mut tx, key, 1, account).await?;
    // Row 1 as the migration left it has no name yet.
    sqlx::query!(
        "UPDATE accounts SET name = ? WHERE id = 1 AND name = ''",
        account.name
    )
    .execute(&mut *tx)
    .await?;
    // The configuration's account is never disabled: disabling it is
    // removing it from the configuration.
    sqlx::query!("UPDATE accounts SET disabled_at = NULL WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether an account with this AppID is stored.
pub async fn has_appid(db: &SqlitePool, appid: &str) -> Result<bool, StoreError> {
    Ok(
        sqlx::query_scalar!("SELECT count(*) FROM accounts WHERE appid = ?", appid)
            .fetch_one(db)
            .await?
            > 0,
    )
}

/// Disables or enables account `id`; whether there was such an account.
pub async fn set_disabled(db: &SqlitePool, id: i64, disabled: bool) -> Result<bool, StoreError> {
    let updated = sqlx::query!(
        "UPDATE accounts SET disabled_at = CASE WHEN ?1 THEN coalesce(disabled_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) END
         WHERE id = ?2",
        disabled,
        id
    )
    .execute(db)
    .await?;
    Ok(updated.rows_affected() > 0)
}

/// The accounts user `user_id` is granted (an editor's; an admin may use
/// every account whatever this says).
pub async fn granted(db: &SqlitePool, user_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT account_id AS "account_id!" FROM user_accounts WHERE user_id = ? ORDER BY account_id"#,
        user_id
    )
    .fetch_all(db)
    .await?)
}

/// Whether user `user_id` is granted account `account_id`.
pub async fn is_granted(
    db: &SqlitePool,
    user_id: i64,
    account_id: i64,
) -> Result<bool, StoreError> {
    Ok(sqlx::query_scalar!(
        "SELECT count(*) FROM user_accounts WHERE user_id = ? AND account_id = ?",
        user_id,
        account_id
    )
    .fetch_one(db)
    .await?
        > 0)
}

/// Grants or takes back account `account_id` for user `user_id`.
pub async fn set_granted(
    db: &SqlitePool,
    user_id: i64,
    account_id: i64,
    granted: bool,
) -> Result<(), StoreError> {
    if granted {
        sqlx::query!(
            "INSERT INTO user_accounts (user_id, account_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            user_id,
            account_id
        )
        .execute(db)
        .await?;
    } else {
        sqlx::query!(
            "DELETE FROM user_accounts WHERE user_id = ? AND account_id = ?",
            user_id,
            account_id
        )
        .execute(db)
        .await?;
    }
    Ok(())
}
