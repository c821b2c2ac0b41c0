//! Server functions for the session and the users page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{CurrentUser, UserSummary};
use crate::{error::AppError, i18n::Lang};

/// What every page needs to know before it renders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: Option<CurrentUser>,
    pub lang: Lang,
    /// The accounts the user may use (none without a user), in the order
    /// they were added.
    pub accounts: Vec<crate::accounts::AccountChoice>,
    /// True while no user exists and the first-run setup link works.
    pub setup_open: bool,
}

#[server(endpoint = "load_session")]
pub async fn load_session() -> Result<SessionInfo, AppError> {
    let call = crate::edge::anyone()?;
    let accounts = match &call.user {
        Some(user) => ssr::accounts_of(&call.app, user).await?,
        None => Vec::new(),
    };
    Ok(SessionInfo {
        accounts,
        setup_open: call.app.first_run.is_open_with(&call.app.db).await,
        user: call.user,
        lang: call.lang,
    })
}

#[server(endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    let call = crate::edge::admin()?;
    let mut db = call.app.db.acquire().await?;
    Ok(super::store::list(&mut db).await?)
}

#[server(endpoint = "add_user")]
pub async fn add_user(username: String, password: String, role: String) -> Result<(), AppError> {
    use crate::{audit::Action, error::Problem};
    let call = crate::edge::admin()?;
    let username = super::Username::parse(&username).map_err(|_| Problem::UsernameInvalid)?;
    let role = super::Role::parse(&role).ok_or(Problem::InvalidRole)?;
    let hash = ssr::hash_new_password(&call, password).await?;
    let mut db = call.app.db.acquire().await?;
    let id = super::store::create(&mut db, username.as_str(), &hash, role).await?;
    drop(db);
    // With one account there is nothing to choose: a new editor may use it
    // at once. With several, the admin grants them one by one.
    if let [only] = call.app.accounts.all().as_slice() {
        crate::accounts::store::set_granted(&call.app.db, id, only.id, true)
            .await
            .map_err(AppError::unexpected)?;
    }
    tracing::info!(by = %call.user.username, user = %username.as_str(), role = role.as_str(), "user added");
    let facts = crate::audit::Facts::UserAdd {
        username: username.into_inner(),
        role: role.as_str().to_owned(),
    };
    ssr::audit(&call, Action::UserAdd, &facts).await;
    Ok(())
}

#[server(endpoint = "set_user_disabled")]
pub async fn set_user_disabled(id: i64, disabled: bool) -> Result<(), AppError> {
    use crate::{audit::Action, error::Problem};
    let call = crate::edge::admin()?;
    if disabled && id == call.user.id {
        return Err(Problem::NotYourself.into());
    }
    let mut db = call.app.db.acquire().await?;
    super::store::set_disabled(&mut db, id, disabled).await?;
    tracing::info!(by = %call.user.username, user_id = id, disabled, "user access changed");
    let action = if disabled {
        Action::UserDisable
    } else {
        Action::UserEnable
    };
    let facts = crate::audit::Facts::User {
        user_id: id,
        username: ssr::username_of(&call, id).await,
    };
    ssr::audit(&call, action, &facts).await;
    Ok(())
}

#[server(endpoint = "set_user_role")]
pub async fn set_user_role(id: i64, role: String) -> Result<(), AppError> {
    use crate::{audit::Action, error::Problem};
    let call = crate::edge::admin()?;
    let role = super::Role::parse(&role).ok_or(Problem::InvalidRole)?;
    let mut db = call.app.db.acquire().await?;
    super::store::set_role(&mut db, id, role).await?;
    tracing::info!(by = %call.user.username, user_id = id, role = role.as_str(), "user role changed");
    let facts = crate::audit::Facts::UserRole {
        user_id: id,
        username: ssr::username_of(&call, id).await,
        role: role.as_str().to_owned(),
    };
    ssr::audit(&call, Action::UserRole, &facts).await;
    Ok(())
}

#[server(endpoint = "reset_user_password")]
pub async fn reset_user_password(id: i64, password: String) -> Result<(), AppError> {
    use crate::audit::Action;
    let call = crate::edge::admin()?;
    let hash = ssr::hash_new_password(&call, password).await?;
    let mut db = call.app.db.acquire().await?;
    super::store::set_password(&mut db, id, &hash).await?;
    tracing::info!(by = %call.user.username, user_id = id, "password reset");
    let facts = crate::audit::Facts::User {
        user_id: id,
        username: ssr::username_of(&call, id).await,
    };
    ssr::audit(&call, Action::UserPassword, &facts).await;
    Ok(())
}

/// Grants account `account` (its slug) to user `id`, or takes it back. An
/// editor uses only the accounts granted; an admin uses all.
#[server(endpoint = "set_user_account")]
pub async fn set_user_account(id: i64, account: String, granted: bool) -> Result<(), AppError> {
    use crate::{audit::Action, error::Problem};
    let call = crate::edge::admin()?;
    let Some(found) = call.app.accounts.by_slug(&account) else {
        return Err(Problem::AccountNotFound.into());
    };
    let username = ssr::username_of(&call, id).await;
    if username.is_empty() {
        return Err(Problem::UserNotFound.into());
    }
    crate::accounts::store::set_granted(&call.app.db, id, found.id, granted)
        .await
        .map_err(AppError::unexpected)?;
    tracing::info!(by = %call.user.username, user_id = id, account = %account, granted, "account grant changed");
    let facts = crate::audit::Facts::UserAccount {
        user_id: id,
        username,
        account,
        granted,
    };
    ssr::audit(&call, Action::UserAccount, &facts).await;
    crate::edge::redirect_plain_form("/users");
    Ok(())
}

/// Any signed-in user's own password: the current one is checked (counted
/// by the login throttle, so it cannot be guessed at speed through a
/// session left open), the new one follows the rules. Every other session
/// of the user ends, as after a reset; this one goes on.
#[server(endpoint = "change_own_password")]
pub async fn change_own_password(current: String, password: String) -> Result<(), AppError> {
    use crate::{
        audit::{Action, Facts},
        error::Problem,
    };
    let call = crate::edge::signed_in()?;
    let password = secrecy::SecretString::from(password);
    super::password::check_rules(&password)?;
    let mut db = call.app.db.acquire().await?;
    let user = super::store::find_by_id(&mut db, call.user.id)
        .await?
        .ok_or(Problem::UserNotFound)?;
    drop(db);
    ssr::check_current_password(&call, &user, current).await?;
    let hash = call.app.passwords.hash(password).await?;
    let mut db = call.app.db.acquire().await?;
    let version = super::store::set_password(&mut db, user.id, &hash).await?;
    ssr::keep_this_session(version).await;
    tracing::info!(user = %call.user.username, "own password changed");
    ssr::audit(&call, Action::OwnPassword, &Facts::Nothing).await;
    crate::edge::redirect_plain_form("/account?changed=1");
    Ok(())
}

/// What the users page's server functions share.
#[cfg(feature = "ssr")]
mod ssr {
    use secrecy::SecretString;

    use crate::{
        audit::{Action, Facts},
        auth::{
            login::{SESSION_AUTH_VERSION, client_address},
            password,
            store::UserRecord,
            throttle::{ThrottleKey, now_millis},
        },
        edge::Call,
        error::{AppError, Problem},
    };

    /// Checks the signed-in user's current password, counted by the login
    /// throttle under their name at the request's address.
    pub async fn check_current_password(
        call: &Call,
        user: &UserRecord,
        current: String,
    ) -> Result<(), AppError> {
        use axum::{extract::ConnectInfo, http::request::Parts};
        let parts = leptos::prelude::use_context::<Parts>();
        let peer = parts.as_ref().and_then(|p| {
            p.extensions
                .get::<ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0)
        });
        let address = parts
            .as_ref()
            .and_then(|p| client_address(peer, &p.headers))
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let keys = vec![ThrottleKey::user_at(&user.username, address)];
        let attempt = call
            .app
            .throttle
            .begin(keys, now_millis())
            .map_err(|_| Problem::TooManyAttempts)?;
        let checked = call
            .app
            .passwords
            .verify(
                SecretString::from(current),
                Some(user.password_hash.clone()),
            )
            .await;
        match checked {
            Ok(true) => {
                attempt.succeeded(now_millis()).await;
                Ok(())
            }
            Ok(false) => {
                attempt.failed(now_millis()).await;
                Err(Problem::CurrentPasswordWrong.into())
            }
            Err(_busy) => {
                attempt.not_checked(now_millis());
                Err(Problem::TooManyAttempts.into())
            }
        }
    }

    /// This session carries the user's new version, so the change that
    /// ends their other sessions leaves this one.
    pub async fn keep_this_session(version: i64) {
        let session = leptos::prelude::use_context::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<tower_sessions::Session>().cloned());
        if let Some(session) = session
            && let Err(error) = session.insert(SESSION_AUTH_VERSION, version).await
        {
            tracing::warn!(%error, "the session could not take the new password's version");
        }
    }

    /// The name of the user a change was made to, for its audit line
    /// (empty if it cannot be read: the line still has the id).
    pub async fn username_of(call: &Call, id: i64) -> String {
        let user = match call.app.db.acquire().await {
            Ok(mut db) => crate::auth::store::find_by_id(&mut db, id)
                .await
                .ok()
                .flatten(),
            Err(_) => None,
        };
        user.map(|u| u.username).unwrap_or_default()
    }

    /// Checks the rules for a new password and hashes it.
    pub async fn hash_new_password(
        call: &Call,
        password: String,
    ) -> Result<password::PasswordHashString, AppError> {
        let password = SecretString::from(password);
        password::check_rules(&password)?;
        Ok(call.app.passwords.hash(password).await?)
    }

    /// The accounts `user` may use, as the navigation shows them.
    pub async fn accounts_of(
        app: &crate::shell::state::AppState,
        user: &crate::auth::CurrentUser,
    ) -> Result<Vec<crate::accounts::AccountChoice>, AppError> {
        Ok(app
            .accounts
            .usable_by(&app.db, user)
            .await
            .map_err(AppError::unexpected)?
            .into_iter()
            .map(|account| crate::accounts::AccountChoice {
                slug: account.slug.clone(),
                name: account.name.clone(),
                kind: account.kind,
                simulated: account.is_simulated(),
            })
            .collect())
    }

    /// The audit line of a change the user made.
    pub async fn audit(call: &Call, action: Action, facts: &Facts) {
        crate::audit::store::record_or_log(
            &call.app.db,
            None,
            Some(call.user.id),
            &call.user.username,
            action,
            facts,
        )
        .await;
    }
}
