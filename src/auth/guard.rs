//! Who may reach what: every page and server function needs a session except
//! the few listed here; admin pages refuse editors; state-changing requests
//! from other sites are refused.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

use super::{
    CurrentUser,
    login::{SESSION_AUTH_VERSION, SESSION_TOUCHED_AT, SESSION_USER_ID, unix_seconds},
    store,
};
use crate::{
    edge::{lang_of, status_of},
    error::AppError,
    shell::{config::Settings, state::AppState},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    SignedIn,
    Admin,
}

/// Server functions a stranger may call (the login page needs its language).
const PUBLIC_SERVER_FNS: &[&str] = &["/api/load_session"];

/// The rule for a path. Kept as one list so the pages and the server agree.
pub fn access_for(path: &str) -> Access {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if matches!(
        path,
        "/login" | "/logout" | "/lang" | "/setup" | "/healthz" | "/favicon.ico"
    ) || under("/wechat/callback")
        || under("/sim")
        || under("/pkg")
        || PUBLIC_SERVER_FNS.contains(&path)
    {
        Access::Public
    } else if under("/users")
        || under("/accounts")
        || under("/settings")
        || under("/audit")
        || account_settings(path)
    {
        Access::Admin
    } else {
        Access::SignedIn
    }
}

/// `/a/<account>/settings`, an account's settings page.
fn account_settings(path: &str) -> bool {
    let mut parts = path.split('/').skip(1);
    parts.next() == Some("a") && parts.next().is_some() && parts.next() == Some("settings")
}

/// The user behind the session, if the session is still good for them. A
/// session whose user is gone, disabled or has a new password is ended here.
pub async fn session_user(
    state: &AppState,
    session: &Session,
) -> Result<Option<CurrentUser>, anyhow::Error> {
    let Some(id) = session.get::<i64>(SESSION_USER_ID).await? else {
        return Ok(None);
    };
    let version = session.get::<i64>(SESSION_AUTH_VERSION).await?;
    let mut db = state.db.acquire().await?;
    let user = store::find_by_id(&mut db, id).await?;
    match user {
        Some(user) if !user.disabled && Some(user.auth_version) == version => {
            Ok(Some(CurrentUser {
                id: user.id,
                username: user.username,
                role: user.role,
            }))
        }
        _ => {
            session.flush().await?;
            Ok(None)
        }
    }
}

/// A session in use is renewed (its idle time starts again) at most this
/// often, so that activity writes to the session store at most once a
/// minute.
const RENEW_EVERY_SECS: i64 = 60;

/// The session store writes a session, and its new expiry, only when the
/// session changed; a session whose renewal is due is changed here, so a
/// session in use lasts `QUNFA_SESSION_IDLE` from its last activity, not
/// from the login.
async fn renew_if_due(session: &Session, now: i64) -> Result<(), tower_sessions::session::Error> {
    let touched = session.get::<i64>(SESSION_TOUCHED_AT).await?;
    let due = touched.is_none_or(|at| now - at >= RENEW_EVERY_SECS || at > now);
    if due {
        session.insert(SESSION_TOUCHED_AT, now).await?;
    }
    Ok(())
}

pub async fn require_session(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let access = access_for(&path);
    let is_server_fn = path.starts_with("/api/");
    if access == Access::Public && !is_server_fn {
        return next.run(request).await;
    }
    let user = match session_user(&state, &session).await {
        Ok(user) => user,
        Err(error) => {
            tracing::error!(
                error = format!("{error:#}"),
                "the session could not be read"
            );
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                unexpected_words(request.headers()),
            )
                .into_response();
        }
    };
    if let Some(user) = &user {
        request.extensions_mut().insert(user.clone());
        if let Err(error) = renew_if_due(&session, unix_seconds()).await {
            tracing::warn!(%error, "the session could not be renewed");
        }
    }
    match (access, user) {
        (Access::Public, _) => next.run(request).await,
        (_, None) if is_server_fn => server_fn_error(AppError::NotSignedIn),
        (_, None) => {
            let wanted = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let target = if wanted == "/" {
                "/login".to_owned()
            } else {
                let mut query = url::form_urlencoded::Serializer::new(String::new());
                query.append_pair("next", wanted);
                format!("/login?{}", query.finish())
            };
            Redirect::to(&target).into_response()
        }
        (Access::Admin, Some(user)) if !user.is_admin() => {
            // The page itself says why in words; this makes the status true.
            let mut response = next.run(request).await;
            *response.status_mut() = StatusCode::FORBIDDEN;
            response
        }
        _ => next.run(request).await,
    }
}

/// A server function's error as its client decodes it, with the status it
/// has inside a server function.
fn server_fn_error(error: AppError) -> Response {
    let body = serde_json::to_string(&error).unwrap_or_default();
    let status = status_of(&error);
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn unexpected_words(headers: &HeaderMap) -> &'static str {
    AppError::Unexpected.words(lang_of(headers))
}

/// Refuses a state-changing request that a page of another site made: its
/// `Origin` (or, failing that, its `Referer`) must be the console's own, and
/// one of them must be there. WeChat and the simulator post from elsewhere
/// by design and are let through.
pub async fn same_origin(
    State(settings): State<Arc<Settings>>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let path = request.uri().path();
    let exempt = path == "/wechat/callback"
        || path.starts_with("/wechat/callback/")
        || path == "/sim"
        || path.starts_with("/sim/");
    if safe || exempt {
        return next.run(request).await;
    }
    let headers = request.headers();
    let claimed = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            let referer = headers.get(header::REFERER)?.to_str().ok()?;
            Some(
                url::Url::parse(referer)
                    .ok()?
                    .origin()
                    .ascii_serialization(),
            )
        });
    let host_origin = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|host| format!("{}://{host}", settings.public_url.scheme()));
    let words = match &claimed {
        Some(claimed)
            if *claimed == settings.public_origin() || Some(claimed) == host_origin.as_ref() =>
        {
            return next.run(request).await;
        }
        Some(claimed) => {
            tracing::warn!(origin = %claimed, path = %path, "refused a request from another site");
            lang_of(headers).pick(
                "已拒绝：这个请求来自其他网站，不是群发控制台自己的页面。",
                "Refused: this request came from another site, not from the console's own pages.",
            )
        }
        // Every browser sends one of the two with a form post or a fetch
        // (the pages ask for `Referrer-Policy: same-origin`); a request
        // with neither cannot show where it came from.
        None => {
            tracing::warn!(path = %path, "refused a request with neither Origin nor Referer");
            lang_of(headers).pick(
                "已拒绝：这个请求没有说明来自哪个页面（缺少 Origin 和 Referer）。",
                "Refused: this request does not say which page it came from (no Origin or Referer).",
            )
        }
    };
    if path.starts_with("/api/") {
        return server_fn_error(AppError::Forbidden);
    }
    (StatusCode::FORBIDDEN, words).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_listed_paths_are_open_to_strangers() {
        for open in [
            "/login",
            "/setup",
            "/healthz",
            "/wechat/callback",
            "/sim/cgi-bin/token",
            "/pkg/qunfa.js",
            "/api/load_session",
        ] {
            assert_eq!(access_for(open), Access::Public, "{open}");
        }
        for closed in [
            "/",
            "/compose",
            "/sends",
            "/sends/1",
            "/a/main/compose",
            "/a/main/sends/1",
            "/a/settings",
            "/account",
            "/api/change_own_password",
            "/api/list_users",
            "/simulate",
            "/loginx",
        ] {
            assert_eq!(access_for(closed), Access::SignedIn, "{closed}");
        }
        for admin in [
            "/users",
            "/accounts",
            "/settings",
            "/audit",
            "/users/3",
            "/a/main/settings",
            "/a/sim-2/settings/",
        ] {
            assert_eq!(access_for(admin), Access::Admin, "{admin}");
        }
    }
}
