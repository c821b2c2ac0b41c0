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
    /// True when no account is configured and the built-in simulator answers.
    pub simulator: bool,
    /// True while no user exists and the first-run setup link works.
    pub setup_open: bool,
}

#[server(endpoint = "load_session")]
pub async fn load_session() -> Result<SessionInfo, AppError> {
    let call = crate::edge::anyone()?;
    Ok(SessionInfo {
        simulator: call.app.settings.uses_simulator(),
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
    super::store::create(&mut db, username.as_str(), &hash, role).await?;
    tracing::info!(by = %call.user.username, user = %username.as_str(), role = role.as_str(), "user added");
    let detail = format!("{} ({})", username.as_str(), role.as_str());
    ssr::audit(&call, Action::UserAdd, &detail).await;
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
    ssr::audit(&call, action, &format!("user #{id}")).await;
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
    let detail = format!("user #{id} → {}", role.as_str());
    ssr::audit(&call, Action::UserRole, &detail).await;
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
    ssr::audit(&call, Action::UserPassword, &format!("user #{id}")).await;
    Ok(())
}

/// What the users page's server functions share.
#[cfg(feature = "ssr")]
mod ssr {
    use secrecy::SecretString;

    use crate::{audit::Action, auth::password, edge::Call, error::AppError};

    /// Checks the rules for a new password and hashes it.
    pub async fn hash_new_password(
        call: &Call,
        password: String,
    ) -> Result<password::PasswordHashString, AppError> {
        let password = SecretString::from(password);
        password::check_rules(&password)?;
        Ok(call.app.passwords.hash(password).await?)
    }

    /// The audit line of a change the admin made.
    pub async fn audit(call: &Call, action: Action, detail: &str) {
        crate::audit::store::record_or_log(
            &call.app.db,
            Some(call.user.id),
            &call.user.username,
            action,
            detail,
        )
        .await;
    }
}
