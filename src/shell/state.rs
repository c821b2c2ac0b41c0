//! What every handler and server function can reach. A handler in a module
//! that `AppState` holds a part of (`auth::setup`, `shell::assets`) takes
//! only the parts it needs (`State<Arc<FirstRun>>`, through the `FromRef`
//! below), so that module does not import this one.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::SqlitePool;

use super::{assets::AssetVersion, config::Settings};
use crate::auth::{password::PasswordChecks, setup::FirstRun, throttle::LoginThrottle};

#[derive(Clone)]
pub struct AppState {
    /// The accounts at work (`shell::accounts`).
    pub accounts: Arc<super::accounts::Accounts>,
    pub leptos: LeptosOptions,
    pub db: SqlitePool,
    pub settings: Arc<Settings>,
    pub throttle: Arc<LoginThrottle>,
    /// The argon2 checks of logins, counted.
    pub passwords: Arc<PasswordChecks>,
    /// The first-run setup link, while no user exists.
    pub first_run: Arc<FirstRun>,
    pub assets: AssetVersion,
    /// The WeChat calls and token fetches of every account, counted.
    pub wechat_counts: Arc<crate::metrics::WechatCounts>,
    /// The built-in simulator, when no account is configured.
    pub simulator: Option<crate::simulator::Simulator>,
    /// Seals and opens the secrets kept in the database; proven right at
    /// start (`shell::secrets`).
    pub secrets: super::secrets::SealingKey,
}

/// The app and one account a request is about, once the caller's right
/// to it is checked (`edge::on_account`).
#[derive(Clone)]
pub struct AccountState {
    pub db: SqlitePool,
    pub account: Arc<super::accounts::Account>,
    pub app: AppState,
}

impl AccountState {
    pub fn new(app: AppState, account: Arc<super::accounts::Account>) -> AccountState {
        AccountState {
            db: app.db.clone(),
            account,
            app,
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl FromRef<AppState> for SqlitePool {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

impl FromRef<AppState> for Arc<FirstRun> {
    fn from_ref(state: &AppState) -> Self {
        state.first_run.clone()
    }
}

impl FromRef<AppState> for Arc<PasswordChecks> {
    fn from_ref(state: &AppState) -> Self {
        state.passwords.clone()
    }
}

impl FromRef<AppState> for AssetVersion {
    fn from_ref(state: &AppState) -> Self {
        state.assets.clone()
    }
}
