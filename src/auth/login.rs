//! Logging in and out, and the language choice: plain HTML form posts, so
//! they work the same before and after the page is hydrated.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::{
    Extension, Form,
    extract::{ConnectInfo, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use secrecy::SecretString;
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    store::{self, UserRecord},
    throttle::{LOCKOUT, ThrottleKey, now_millis},
};
use crate::{
    audit::{Action, Facts},
    i18n::{LANG_COOKIE, Lang},
    shell::{state::AppState, telemetry::untrusted},
};

/// Session keys. The version is compared with the user's on every request,
/// so a new password or a disabled account ends sessions everywhere.
pub const SESSION_USER_ID: &str = "user_id";
pub const SESSION_AUTH_VERSION: &str = "auth_version";
/// When the session was last renewed (Unix seconds; `guard::require_session`).
pub const SESSION_TOUCHED_AT: &str = "touched_at";

pub(super) fn unix_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only a path on this site may be a place to go back to; anything else
/// (another host, `//evil`, a scheme) goes to the start page.
pub fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control());
    if local && !next.starts_with("/login") {
        next
    } else {
        "/"
    }
}

fn login_page_with(error: &str, next: &str) -> Redirect {
    let next = safe_next(next);
    let mut target = url::form_urlencoded::Serializer::new(String::new());
    target.append_pair("error", error);
    if next != "/" {
        target.append_pair("next", next);
    }
    Redirect::to(&format!("/login?{}", target.finish()))
}

/// The address a login comes from. Behind a reverse proxy on the same machine
/// every request comes from loopback, so the proxy's `X-Forwarded-For` (its
/// last entry, the one the proxy itself added) names the real client.
pub fn client_address(peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<std::net::IpAddr> {
    let peer = peer?.ip();
    if peer.is_loopback() {
        let forwarded = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok());
        if let Some(address) = forwarded {
            return Some(address);
        }
    }
    Some(peer)
}

/// Back to the login page, saying for how many minutes logging in is locked
/// (rounded up: "1 minute" while seconds are left).
fn locked_out(left: std::time::Duration, next: &str) -> Redirect {
    let minutes = left.as_secs().div_ceil(60).max(1);
    let next = safe_next(next);
    let mut target = url::form_urlencoded::Serializer::new(String::new());
    target.append_pair("error", "throttled");
    target.append_pair("minutes", &minutes.to_string());
    if next != "/" {
        target.append_pair("next", next);
    }
    Redirect::to(&format!("/login?{}", target.finish()))
}

pub async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    session: Session,
    Form(form): Form<LoginForm>,
) -> Response {
    let peer = peer.map(|Extension(ConnectInfo(addr))| addr);
    // Without a peer address (never, as the server is started) every such
    // login shares one address.
    let address = client_address(peer, &headers).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let keys = vec![
        ThrottleKey::user_at(&form.username, address),
        ThrottleKey::Address(address),
    ];
    // Counted before the password is checked, so concurrent guesses cannot
    // overtake the count.
    let attempt = match state.throttle.begin(keys.clone(), now_millis()) {
        Ok(attempt) => attempt,
        Err(_) => {
            tracing::warn!(username = %untrusted(&form.username), %address, "login refused: too many failures");
            let left = state.throttle.lockout_left(&keys, now_millis());
            return locked_out(left, &form.next).into_response();
        }
    };

    let user = match state.db.acquire().await {
        Ok(mut db) => store::find_by_username(&mut db, form.username.trim()).await,
        Err(e) => Err(e),
    };
    let user = match user {
        Ok(user) => user,
        Err(error) => {
            attempt.not_checked(now_millis());
            tracing::error!(error = %error, "login: the users table could not be read");
            return login_page_with("unexpected", &form.next).into_response();
        }
    };
    let password = SecretString::from(form.password);
    let stored = user.as_ref().map(|user| user.password_hash.clone());
    let Ok(matched) = state.passwords.verify(password, stored).await else {
        attempt.not_checked(now_millis());
        tracing::warn!("login refused: too many password checks at once");
        return login_page_with("busy", &form.next).into_response();
    };
    match user {
        Some(user) if matched && !user.disabled => {
            attempt.succeeded(now_millis()).await;
            if let Err(error) = start_session(&session, &user).await {
                tracing::error!(error = %error, "login: the session could not be stored");
                return login_page_with("unexpected", &form.next).into_response();
            }
            tracing::info!(user = %user.username, "logged in");
            crate::audit::store::record_or_log(
                &state.db,
                None,
                Some(user.id),
                &user.username,
                Action::Login,
                &Facts::Login {
                    address: Some(address.to_string()),
                },
            )
            .await;
            Redirect::to(safe_next(&form.next)).into_response()
        }
        _ => {
            let locked = attempt.failed(now_millis()).await;
            tracing::info!(username = %untrusted(&form.username), %address, "login failed");
            let typed: String = form.username.trim().chars().take(64).collect();
            let facts = Facts::Login {
                address: Some(address.to_string()),
            };
            crate::audit::store::record_or_log(
                &state.db,
                None,
                None,
                &typed,
                Action::LoginFailed,
                &facts,
            )
            .await;
            if locked {
                locked_out(LOCKOUT, &form.next).into_response()
            } else {
                login_page_with("failed", &form.next).into_response()
            }
        }
    }
}

pub(super) async fn start_session(
    session: &Session,
    user: &UserRecord,
) -> Result<(), tower_sessions::session::Error> {
    // A new id at login, so a session id planted before login is worthless.
    session.cycle_id().await?;
    session.insert(SESSION_USER_ID, user.id).await?;
    session
        .insert(SESSION_AUTH_VERSION, user.auth_version)
        .await?;
    session.insert(SESSION_TOUCHED_AT, unix_seconds()).await?;
    Ok(())
}

pub async fn logout(session: Session) -> Response {
    if let Err(error) = session.flush().await {
        tracing::error!(error = %error, "logout: the session could not be deleted");
    }
    Redirect::to("/login").into_response()
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    #[serde(default)]
    back: String,
}

/// Keeps the chosen language for a year (`edge::lang_of` reads it).
pub async fn set_language(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<LanguageForm>,
) -> Response {
    let lang = Lang::from_code(&form.lang).unwrap_or_default();
    let cookie = Cookie::build((LANG_COOKIE, lang.code()))
        .path("/")
        .max_age(time::Duration::days(365))
        .same_site(SameSite::Lax)
        .secure(state.settings.cookies_secure());
    let back = match form.back.as_str() {
        b if b.starts_with("/login") && !b.starts_with("//") => b,
        b => safe_next(b),
    };
    (jar.add(cookie), Redirect::to(back)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next("/users"), "/users");
        assert_eq!(safe_next("/sends?status=failed"), "/sends?status=failed");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "",
            "users",
            "/login",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad}");
        }
    }

    #[test]
    fn a_proxy_on_loopback_names_the_client() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().unwrap(),
        );
        let loopback = Some("127.0.0.1:5000".parse().unwrap());
        assert_eq!(
            client_address(loopback, &headers),
            Some("198.51.100.7".parse().unwrap())
        );
        let remote = Some("192.0.2.1:5000".parse().unwrap());
        assert_eq!(
            client_address(remote, &headers),
            Some("192.0.2.1".parse().unwrap()),
            "a remote peer cannot claim another address"
        );
    }
}
