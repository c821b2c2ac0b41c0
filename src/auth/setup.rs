//! The first run: with no user in the database, the console prints a link
//! with a single-use random token to its log; the link's page lets one person
//! create the first admin, then stops working. It never works once a user
//! exists (`QUNFA_ADMIN_USER` or `qunfa user add` made one, or the link was
//! used).

use std::sync::{Arc, Mutex};

use axum::{
    Form,
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use secrecy::SecretString;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use super::{
    Username,
    password::{self, PasswordChecks},
    store,
};
use crate::{audit::Action, error::Problem};

/// A token is 128 random bits from the thread's cryptographic generator,
/// written as 32 hexadecimal digits.
const TOKEN_DIGITS: usize = 32;

type TokenHash = [u8; 32];

fn hash_of(token: &str) -> TokenHash {
    Sha256::digest(token.as_bytes()).into()
}

/// The setup token of this run, kept only as its hash; `None` once a user
/// exists or the link was used.
#[derive(Default)]
pub struct FirstRun {
    token_hash: Mutex<Option<TokenHash>>,
}

impl FirstRun {
    /// Opens setup with a fresh token, which is returned once and never kept.
    pub fn open() -> (FirstRun, String) {
        let token = format!("{:0TOKEN_DIGITS$x}", rand::random::<u128>());
        let first_run = FirstRun {
            token_hash: Mutex::new(Some(hash_of(&token))),
        };
        (first_run, token)
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<TokenHash>> {
        self.token_hash.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the setup link still works (no user yet, link not used).
    pub fn is_open(&self) -> bool {
        self.slot().is_some()
    }

    /// Whether setup is open, closing it if a user was made meanwhile
    /// some other way (`qunfa user add` while the console runs).
    pub async fn is_open_with(&self, db: &sqlx::SqlitePool) -> bool {
        if !self.is_open() {
            return false;
        }
        let users = match db.acquire().await {
            Ok(mut conn) => store::count(&mut conn).await,
            Err(error) => Err(error),
        };
        if users.is_ok_and(|n| n > 0) {
            *self.slot() = None;
            return false;
        }
        true
    }

    fn check(&self, token: &str) -> Check {
        match &*self.slot() {
            None => Check::Closed,
            Some(hash) if bool::from(hash.ct_eq(&hash_of(token))) => Check::Valid,
            Some(_) => Check::Wrong,
        }
    }

    /// Takes the token if `token` is it, so that a second request with the
    /// same token finds setup closed.
    fn take(&self, token: &str) -> Check {
        let mut slot = self.slot();
        match &*slot {
            None => Check::Closed,
            Some(hash) if bool::from(hash.ct_eq(&hash_of(token))) => {
                *slot = None;
                Check::Valid
            }
            Some(_) => Check::Wrong,
        }
    }

    /// Gives back a token taken by a setup that could not finish.
    fn restore(&self, token: &str) {
        *self.slot() = Some(hash_of(token));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Valid,
    Wrong,
    Closed,
}

/// `http://<public address>/setup?token=…`
pub fn link(public_url: &url::Url, token: &str) -> String {
    let mut link = public_url.clone();
    link.set_path("/setup");
    link.set_query(None);
    link.query_pairs_mut().append_pair("token", token);
    link.to_string()
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

fn back_to_form(token: &str, problem: Problem) -> Response {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("token", token);
    query.append_pair("problem", problem.code());
    Redirect::to(&format!("/setup?{}", query.finish())).into_response()
}

fn refused(error: &str) -> Response {
    Redirect::to(&format!("/setup?error={error}")).into_response()
}

/// The setup form's post: creates the first admin and signs them in.
pub async fn create_first_admin(
    State(first_run): State<Arc<FirstRun>>,
    State(passwords): State<Arc<PasswordChecks>>,
    State(db): State<sqlx::SqlitePool>,
    session: Session,
    Form(form): Form<SetupForm>,
) -> Response {
    match first_run.check(&form.token) {
        Check::Closed => return refused("unavailable"),
        Check::Wrong => {
            tracing::warn!("setup refused: the token is not this run's");
            return refused("token");
        }
        Check::Valid => {}
    }
    let username = match Username::parse(&form.username) {
        Ok(username) => username,
        Err(_) => return back_to_form(&form.token, Problem::UsernameInvalid),
    };
    let password = SecretString::from(form.password);
    if let Err(problem) = password::check_rules(&password) {
        return back_to_form(&form.token, problem);
    }
    // From here on the token is spent; it comes back only if no user could
    // be written for a reason of ours.
    if first_run.take(&form.token) != Check::Valid {
        return refused("unavailable");
    }
    let hash = match passwords.hash(password).await {
        Ok(hash) => hash,
        Err(error) => {
            tracing::error!(%error, "setup: the password could not be hashed");
            first_run.restore(&form.token);
            return refused("unexpected");
        }
    };
    let created = match db.acquire().await {
        Ok(mut db) => store::create_first(&mut db, username.as_str(), &hash).await,
        Err(error) => Err(error),
    };
    let user = match created {
        Ok(Some(id)) => id,
        Ok(None) => {
            // Someone made a user meanwhile (`qunfa user add`).
            return refused("unavailable");
        }
        Err(error) => {
            tracing::error!(%error, "setup: the first admin could not be stored");
            first_run.restore(&form.token);
            return refused("unexpected");
        }
    };
    tracing::info!(user = %username.as_str(), "created the first admin with the setup link");
    crate::audit::store::record_or_log(
        &db,
        None,
        Some(user),
        username.as_str(),
        Action::Setup,
        &crate::audit::Facts::Nothing,
    )
    .await;
    let record = match db.acquire().await {
        Ok(mut db) => store::find_by_id(&mut db, user).await.ok().flatten(),
        Err(_) => None,
    };
    match record {
        Some(record) if super::login::start_session(&session, &record).await.is_ok() => {
            Redirect::to("/").into_response()
        }
        _ => Redirect::to("/login").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_random_and_works_once() {
        let (first_run, token) = FirstRun::open();
        let (_, other) = FirstRun::open();
        assert_ne!(token, other);
        assert_eq!(token.len(), TOKEN_DIGITS);
        assert_eq!(first_run.check("0".repeat(32).as_str()), Check::Wrong);
        assert_eq!(first_run.check(""), Check::Wrong);
        assert_eq!(first_run.check(&token), Check::Valid);
        assert_eq!(first_run.take(&other), Check::Wrong);
        assert_eq!(first_run.take(&token), Check::Valid);
        assert_eq!(first_run.take(&token), Check::Closed, "used once");
        assert!(!first_run.is_open());
    }

    #[test]
    fn only_the_hash_is_kept() {
        let (first_run, token) = FirstRun::open();
        let kept = first_run.slot().expect("open");
        assert_eq!(kept, hash_of(&token));
        assert!(!kept.iter().copied().eq(token.bytes().take(32)));
    }

    #[test]
    fn the_link_is_under_the_public_address() {
        let public = url::Url::parse("https://qunfa.example.com/").unwrap();
        assert_eq!(
            link(&public, "ab12"),
            "https://qunfa.example.com/setup?token=ab12"
        );
        let local = url::Url::parse("http://127.0.0.1:3000").unwrap();
        assert_eq!(link(&local, "ff"), "http://127.0.0.1:3000/setup?token=ff");
    }
}
