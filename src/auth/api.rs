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
    use ssr::*;
    Ok(SessionInfo {
        user: request_user(),
        lang: request_lang(),
        simulator: state()?.settings.uses_simulator(),
        setup_open: state()?.first_run.is_open_with(&state()?.db).await,
    })
}

#[server(endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    use ssr::*;
    answered(
        async move {
            require_admin()?;
            let mut db = state()?.db.acquire().await.map_err(AppError::unexpected)?;
            super::store::list(&mut db)
                .await
                .map_err(AppError::unexpected)
        }
        .await,
    )
}

#[server(endpoint = "add_user")]
pub async fn add_user(username: String, password: String, role: String) -> Result<(), AppError> {
    use ssr::*;
    form_outcome(async move {
        let admin = require_admin()?;
        let username = super::Username::parse(&username)
            .map_err(|_| crate::error::Problem::UsernameInvalid)?;
        let role = super::Role::parse(&role).ok_or(crate::error::Problem::InvalidRole)?;
        let hash = hash_new_password(password).await?;
        let mut db = state()?.db.acquire().await.map_err(AppError::unexpected)?;
        super::store::create(&mut db, username.as_str(), &hash, role)
            .await
            .map_err(store_error)?;
        tracing::info!(by = %admin.username, user = %username.as_str(), role = role.as_str(), "user added");
        let detail = format!("{} ({})", username.as_str(), role.as_str());
        crate::audit::record_or_log(&state()?.db, Some(admin.id), &admin.username, "user_add", &detail).await;
        Ok(())
    })
    .await
}

#[server(endpoint = "set_user_disabled")]
pub async fn set_user_disabled(id: i64, disabled: bool) -> Result<(), AppError> {
    use ssr::*;
    form_outcome(async move {
        let admin = require_admin()?;
        if disabled && id == admin.id {
            return Err(crate::error::Problem::NotYourself.into());
        }
        let mut db = state()?.db.acquire().await.map_err(AppError::unexpected)?;
        super::store::set_disabled(&mut db, id, disabled)
            .await
            .map_err(store_error)?;
        tracing::info!(by = %admin.username, user_id = id, disabled, "user access changed");
        let action = if disabled {
            "user_disable"
        } else {
            "user_enable"
        };
        let detail = format!("user #{id}");
        crate::audit::record_or_log(
            &state()?.db,
            Some(admin.id),
            &admin.username,
            action,
            &detail,
        )
        .await;
        Ok(())
    })
    .await
}

#[server(endpoint = "set_user_role")]
pub async fn set_user_role(id: i64, role: String) -> Result<(), AppError> {
    use ssr::*;
    form_outcome(async move {
        let admin = require_admin()?;
        let role = super::Role::parse(&role).ok_or(crate::error::Problem::InvalidRole)?;
        let mut db = state()?.db.acquire().await.map_err(AppError::unexpected)?;
        super::store::set_role(&mut db, id, role)
            .await
            .map_err(store_error)?;
        tracing::info!(by = %admin.username, user_id = id, role = role.as_str(), "user role changed");
        let detail = format!("user #{id} → {}", role.as_str());
        crate::audit::record_or_log(&state()?.db, Some(admin.id), &admin.username, "user_role", &detail).await;
        Ok(())
    })
    .await
}

#[server(endpoint = "reset_user_password")]
pub async fn reset_user_password(id: i64, password: String) -> Result<(), AppError> {
    use ssr::*;
    form_outcome(async move {
        let admin = require_admin()?;
        let hash = hash_new_password(password).await?;
        let mut db = state()?.db.acquire().await.map_err(AppError::unexpected)?;
        super::store::set_password(&mut db, id, &hash)
            .await
            .map_err(store_error)?;
        tracing::info!(by = %admin.username, user_id = id, "password reset");
        let detail = format!("user #{id}");
        crate::audit::record_or_log(
            &state()?.db,
            Some(admin.id),
            &admin.username,
            "user_password",
            &detail,
        )
        .await;
        Ok(())
    })
    .await
}

/// The server side of the server functions: who is asking, in which
/// language, and how an error reaches a form sent without JavaScript.
#[cfg(feature = "ssr")]
pub mod ssr {
    use axum::http::{header, request::Parts};
    use leptos::prelude::*;
    use secrecy::SecretString;

    use crate::{
        auth::{CurrentUser, password, store::StoreError},
        error::AppError,
        i18n::{LANG_COOKIE, Lang},
        shell::state::AppState,
    };

    pub fn state() -> Result<AppState, AppError> {
        use_context::<AppState>().ok_or_else(|| {
            AppError::unexpected(anyhow::anyhow!("the app state is missing from the context"))
        })
    }

    /// Set by the session middleware for every request that has a session.
    pub fn request_user() -> Option<CurrentUser> {
        use_context::<Parts>()?
            .extensions
            .get::<CurrentUser>()
            .cloned()
    }

    pub fn require_user() -> Result<CurrentUser, AppError> {
        request_user().ok_or(AppError::NotSignedIn)
    }

    pub fn require_admin() -> Result<CurrentUser, AppError> {
        let user = require_user()?;
        if user.is_admin() {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The language cookie, else `Accept-Language`, else Chinese.
    pub fn request_lang() -> Lang {
        let Some(parts) = use_context::<Parts>() else {
            return Lang::default();
        };
        lang_of(&parts.headers)
    }

    pub fn lang_of(headers: &axum::http::HeaderMap) -> Lang {
        let from_cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == LANG_COOKIE)
            .and_then(|(_, value)| Lang::from_code(value));
        from_cookie.unwrap_or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Lang::from_accept_language)
                .unwrap_or_default()
        })
    }

    pub async fn hash_new_password(
        password: String,
    ) -> Result<password::PasswordHashString, AppError> {
        let password = SecretString::from(password);
        password::check_rules(&password)?;
        state()?
            .passwords
            .hash(password)
            .await
            .map_err(AppError::unexpected)
    }

    pub fn store_error(error: StoreError) -> AppError {
        match error {
            StoreError::Problem(problem) => problem.into(),
            StoreError::Database(e) => AppError::unexpected(e),
        }
    }

    /// A form sent without JavaScript gets a redirect back to its page either
    /// way; on failure the page's address carries the problem, so the page
    /// can say it in words. With JavaScript the error is returned as is.
    pub async fn form_outcome<T>(
        work: impl std::future::Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        let outcome = answered(work.await);
        if let Err(error) = &outcome
            && let Some(target) = no_script_target(error)
        {
            leptos_axum::redirect(&target);
        }
        outcome
    }

    /// Gives a failed server function the HTTP status its error means (a
    /// form without JavaScript gets its redirect instead).
    pub fn answered<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(error) = &result
            && !is_plain_form()
            && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
        {
            response.set_status(match error {
                AppError::NotSignedIn => axum::http::StatusCode::UNAUTHORIZED,
                AppError::Forbidden | AppError::Rejected(crate::error::Problem::NotYourSend) => {
                    axum::http::StatusCode::FORBIDDEN
                }
                AppError::Rejected(_) | AppError::BadArgument(_) => {
                    axum::http::StatusCode::BAD_REQUEST
                }
                AppError::Unexpected => axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            });
        }
        result
    }

    /// A form the browser posted itself (no JavaScript): it wants a page
    /// back, not data.
    pub fn is_plain_form() -> bool {
        use_context::<Parts>().is_some_and(|parts| {
            parts
                .headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
        })
    }

    fn no_script_target(error: &AppError) -> Option<String> {
        if !is_plain_form() {
            return None;
        }
        let parts = use_context::<Parts>()?;
        let referer = parts.headers.get(header::REFERER)?.to_str().ok()?;
        let referer = url::Url::parse(referer).ok()?;
        let code = error.code();
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("problem", code);
        Some(format!("{}?{}", referer.path(), query.finish()))
    }
}
