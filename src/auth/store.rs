//! The `users` table.

use sqlx::SqliteConnection;

use super::{Role, UserSummary, password::PasswordHashString};
use crate::error::{AppError, Problem};

/// A user as the server needs them to decide on a login or a request.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub password_hash: PasswordHashString,
    pub role: Role,
    pub disabled: bool,
    pub auth_version: i64,
}

fn role_of(text: &str) -> Role {
    // The CHECK constraint allows nothing else; an editor is the safe reading.
    Role::parse(text).unwrap_or(Role::Editor)
}

pub async fn count(db: &mut SqliteConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!: i64" FROM users"#)
        .fetch_one(db)
        .await
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Problem(#[from] Problem),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Problem(problem) => problem.into(),
            StoreError::Database(error) => error.into(),
        }
    }
}

pub async fn create(
    db: &mut SqliteConnection,
    username: &str,
    hash: &PasswordHashString,
    role: Role,
) -> Result<i64, StoreError> {
    let hash = hash.as_str();
    let role = role.as_str();
    let result = sqlx::query!(
        "INSERT INTO users (username, password_hash, role) VALUES (?, ?, ?)",
        username,
        hash,
        role
    )
    .execute(db)
    .await;
    match result {
        Ok(done) => Ok(done.last_insert_rowid()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(Problem::UsernameTaken.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Creates the first user, an admin, unless a user exists: `None` then.
/// One statement, so nothing can slip in between the look and the write.
pub async fn create_first(
    db: &mut SqliteConnection,
    username: &str,
    hash: &PasswordHashString,
) -> sqlx::Result<Option<i64>> {
    let hash = hash.as_str();
    let role = Role::Admin.as_str();
    let done = sqlx::query!(
        "INSERT INTO users (username, password_hash, role)
         SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM users)",
        username,
        hash,
        role
    )
    .execute(db)
    .await?;
    Ok((done.rows_affected() == 1).then(|| done.last_insert_rowid()))
}

pub async fn find_by_username(
    db: &mut SqliteConnection,
    username: &str,
) -> sqlx::Result<Option<UserRecord>> {
    let row = sqlx::query!(
        r#"SELECT id AS "id!", username, password_hash, role, disabled, auth_version
           FROM users WHERE username = ?"#,
        username
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| UserRecord {
        id: r.id,
        username: r.username,
        password_hash: PasswordHashString::from_stored(r.password_hash),
        role: role_of(&r.role),
        disabled: r.disabled != 0,
        auth_version: r.auth_version,
    }))
}

pub async fn find_by_id(db: &mut SqliteConnection, id: i64) -> sqlx::Result<Option<UserRecord>> {
    let row = sqlx::query!(
        r#"SELECT id AS "id!", username, password_hash, role, disabled, auth_version
           FROM users WHERE id = ?"#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| UserRecord {
        id: r.id,
        username: r.username,
        password_hash: PasswordHashString::from_stored(r.password_hash),
        role: role_of(&r.role),
        disabled: r.disabled != 0,
        auth_version: r.auth_version,
    }))
}

/// Every user's id and name, by name (the history's editor filter).
pub async fn names(db: &mut SqliteConnection) -> sqlx::Result<Vec<(i64, String)>> {
    let rows = sqlx::query!(r#"SELECT id AS "id!", username FROM users ORDER BY username"#)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.username)).collect())
}

pub async fn list(db: &mut SqliteConnection) -> sqlx::Result<Vec<UserSummary>> {
    let rows = sqlx::query!(
        r#"SELECT u.id AS "id!", u.username, u.role, u.disabled, u.created_at,
                  (SELECT group_concat(a.slug, ',') FROM user_accounts g
                   JOIN accounts a ON a.id = g.account_id
                   WHERE g.user_id = u.id ORDER BY a.id) AS "accounts: String"
           FROM users u ORDER BY u.username COLLATE NOCASE"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| UserSummary {
            id: r.id,
            username: r.username,
            role: role_of(&r.role),
            disabled: r.disabled != 0,
            created_at: r.created_at,
            accounts: r
                .accounts
                .map(|slugs| slugs.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
        })
        .collect())
}

/// Why a change to a user did not happen, found after the fact.
async fn explain_no_change(db: &mut SqliteConnection, id: i64) -> StoreError {
    match find_by_id(db, id).await {
        Ok(Some(_)) => Problem::LastAdmin.into(),
        Ok(None) => Problem::UserNotFound.into(),
        Err(e) => e.into(),
    }
}

/// Disables or enables a user. Disabling ends their sessions (the version
/// changes) and never takes away the last active admin: the check and the
/// change are one statement, so two admins cannot disable each other at once.
pub async fn set_disabled(
    db: &mut SqliteConnection,
    id: i64,
    disabled: bool,
) -> Result<(), StoreError> {
    let flag = i64::from(disabled);
    let done = sqlx::query!(
        r#"UPDATE users
           SET disabled = ?1,
               auth_version = auth_version + ?1,
               updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
           WHERE id = ?2
             AND NOT (?1 = 1 AND role = 'admin' AND disabled = 0
                      AND (SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0) <= 1)"#,
        flag,
        id
    )
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(explain_no_change(db, id).await);
    }
    Ok(())
}

/// Changes a user's role, never demoting the last active admin.
pub async fn set_role(db: &mut SqliteConnection, id: i64, role: Role) -> Result<(), StoreError> {
    let role = role.as_str();
    let done = sqlx::query!(
        r#"UPDATE users
           SET role = ?1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
           WHERE id = ?2
             AND NOT (?1 <> 'admin' AND role = 'admin' AND disabled = 0
                      AND (SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0) <= 1)"#,
        role,
        id
    )
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(explain_no_change(db, id).await);
    }
    Ok(())
}

/// Sets a new password and ends the user's sessions; gives the new
/// `auth_version` (a session that takes it goes on).
pub async fn set_password(
    db: &mut SqliteConnection,
    id: i64,
    hash: &PasswordHashString,
) -> Result<i64, StoreError> {
    let hash = hash.as_str();
    let version = sqlx::query_scalar!(
        r#"UPDATE users
           SET password_hash = ?, auth_version = auth_version + 1,
               updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
           WHERE id = ?
           RETURNING auth_version AS "auth_version!: i64""#,
        hash,
        id
    )
    .fetch_optional(db)
    .await?;
    version.ok_or_else(|| Problem::UserNotFound.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::{config::DatabasePath, db};

    async fn memory() -> sqlx::pool::PoolConnection<sqlx::Sqlite> {
        let pool = db::open(&DatabasePath {
            url: "sqlite::memory:".into(),
            file: None,
        })
        .await
        .unwrap();
        pool.acquire().await.unwrap()
    }

    fn hash() -> PasswordHashString {
        PasswordHashString::from_stored("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA".into())
    }

    #[tokio::test]
    async fn usernames_are_unique_without_case() {
        let mut db = memory().await;
        create(&mut db, "Editor", &hash(), Role::Editor)
            .await
            .unwrap();
        let again = create(&mut db, "editor", &hash(), Role::Editor).await;
        assert!(matches!(
            again,
            Err(StoreError::Problem(Problem::UsernameTaken))
        ));
        assert!(find_by_username(&mut db, "EDITOR").await.unwrap().is_some());
    }

    #[tokio::test]
    async fn the_last_active_admin_stays() {
        let mut db = memory().await;
        let first = create(&mut db, "first", &hash(), Role::Admin)
            .await
            .unwrap();
        let second = create(&mut db, "second", &hash(), Role::Admin)
            .await
            .unwrap();
        set_disabled(&mut db, second, true).await.unwrap();
        let refused = set_disabled(&mut db, first, true).await;
        assert!(matches!(
            refused,
            Err(StoreError::Problem(Problem::LastAdmin))
        ));
        let refused = set_role(&mut db, first, Role::Editor).await;
        assert!(matches!(
            refused,
            Err(StoreError::Problem(Problem::LastAdmin))
        ));
        set_disabled(&mut db, second, false).await.unwrap();
        set_role(&mut db, first, Role::Editor).await.unwrap();
        let missing = set_role(&mut db, 999, Role::Editor).await;
        assert!(matches!(
            missing,
            Err(StoreError::Problem(Problem::UserNotFound))
        ));
    }

    #[tokio::test]
    async fn disabling_and_new_passwords_end_sessions() {
        let mut db = memory().await;
        let admin = create(&mut db, "boss", &hash(), Role::Admin).await.unwrap();
        let id = create(&mut db, "ed", &hash(), Role::Editor).await.unwrap();
        let before = find_by_id(&mut db, id).await.unwrap().unwrap().auth_version;
        set_password(&mut db, id, &hash()).await.unwrap();
        let after_password = find_by_id(&mut db, id).await.unwrap().unwrap().auth_version;
        assert!(after_password > before);
        set_disabled(&mut db, id, true).await.unwrap();
        let after_disable = find_by_id(&mut db, id).await.unwrap().unwrap().auth_version;
        assert!(after_disable > after_password);
        assert!(find_by_id(&mut db, id).await.unwrap().unwrap().disabled);
        let _ = admin;
    }
}
