//! The accounts at work: for each enabled account its own WeChat client
//! (own token, own retries), its own callback check and forwarding, its own
//! sends state (tags cache, claims) and its own send worker, so one
//! account's outage or token failure never holds up another's sends.
//!
//! Row 1 is built from the settings (`QUNFA_WECHAT_*`, or the built-in
//! simulator's first account); every other row from what the `accounts`
//! table keeps, its secrets opened with the sealing key.

use std::{
    sync::{Arc, Mutex, RwLock},
    time::Duration,
};

use anyhow::Context as _;
use secrecy::SecretString;
use sqlx::SqlitePool;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::{config::Settings, secrets::SealingKey};
use crate::{
    accounts::{
        Kind, MessageMode, Origin, TokenSource,
        store::{Row, Secrets},
    },
    callbacks::{
        CallbackKeys, CallbackState, forward::Forwarder, replay::ReplayGuard, store::CallbackWriter,
    },
    clock::Clock,
    metrics::WechatCounts,
    sends::life::SendsState,
    simulator::Simulator,
    stats::fetch::FetchHandle,
    wechat::client::WechatClient,
};

/// One account at work.
pub struct Account {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub appid: String,
    pub kind: Kind,
    pub overseas: bool,
    pub origin: Origin,
    pub token_source: TokenSource,
    pub message_mode: MessageMode,
    /// Its sends wait for a reviewer's approval (`sends::approval`).
    pub needs_approval: bool,
    pub wechat: WechatClient,
    pub callbacks: CallbackState,
    pub sends: SendsState,
    /// Wakes its statistics fetcher (`stats::fetch`).
    pub stats: FetchHandle,
    /// The IANA zone its schedules are entered and shown in.
    pub time_zone: String,
    /// Stops this account's worker (the account was disabled or changed).
    stop: CancellationToken,
}

impl Account {
    pub fn is_simulated(&self) -> bool {
        self.origin == Origin::Simulator
    }

    /// The path of its callback URL.
    pub fn callback_path(&self) -> String {
        format!("/wechat/callback/{}", self.slug)
    }
}

/// What building an account's parts needs, kept for the accounts added or
/// changed while the console runs.
pub struct Context {
    pub db: SqlitePool,
    pub secrets: SealingKey,
    pub settings: Arc<Settings>,
    pub counts: Arc<WechatCounts>,
    pub simulator: Option<Simulator>,
    pub writer: CallbackWriter,
    pub clock: Clock,
    /// Cancelled when the console stops.
    pub stopping: CancellationToken,
}

/// The accounts at work, and their workers.
pub struct Accounts {
    context: Context,
    live: RwLock<Vec<Arc<Account>>>,
    /// Enabled accounts that could not be put to work, and why.
    not_started: RwLock<std::collections::HashMap<i64, String>>,
    workers: Mutex<JoinSet<()>>,
}

impl Accounts {
    pub fn new(context: Context) -> Accounts {
        Accounts {
            context,
            live: RwLock::default(),
            not_started: RwLock::default(),
            workers: Mutex::new(JoinSet::new()),
        }
    }

    pub fn context(&self) -> &Context {
        &self.context
    }

    /// Every account at work, in the order they were added.
    pub fn all(&self) -> Vec<Arc<Account>> {
        self.live
            .read()
            .map(|live| live.clone())
            .unwrap_or_default()
    }

    pub fn by_slug(&self, slug: &str) -> Option<Arc<Account>> {
        self.live
            .read()
            .ok()?
            .iter()
            .find(|account| account.slug == slug)
            .cloned()
    }

    pub fn by_id(&self, id: i64) -> Option<Arc<Account>> {
        self.live
            .read()
            .ok()?
            .iter()
            .find(|account| account.id == id)
            .cloned()
    }

    /// The accounts at work that `user` may use: all for an admin, those
    /// granted for an editor.
    pub async fn usable_by(
        &self,
        db: &SqlitePool,
        user: &crate::auth::CurrentUser,
    ) -> Result<Vec<Arc<Account>>, crate::accounts::store::StoreError> {
        let all = self.all();
        if user.is_admin() {
            return Ok(all);
        }
        let granted = crate::accounts::store::granted(db, user.id).await?;
        Ok(all
            .into_iter()
            .filter(|account| granted.contains(&account.id))
            .collect())
    }

    /// Why enabled account `id` is not at work, if its start failed.
    pub fn not_started(&self, id: i64) -> Option<String> {
        self.not_started.read().ok()?.get(&id).cloned()
    }

    /// The account the configuration defines (row 1).
    pub fn first(&self) -> Option<Arc<Account>> {
        self.by_id(1)
    }

    /// Puts the account of `row` to work, in place of the one it was (its
    /// worker stopped, its sends state and callback health kept).
    pub fn start(&self, row: &Row) -> anyhow::Result<Arc<Account>> {
        let previous = self.by_id(row.id);
        let built = self.build(row, previous.as_deref());
        if let Ok(mut not_started) = self.not_started.write() {
            match &built {
                Ok(_) => not_started.remove(&row.id),
                Err(error) => not_started.insert(row.id, format!("{error:#}")),
            };
        }
        let account = Arc::new(built?);
        let worker = crate::sends::life::worker(
            self.context.db.clone(),
            account.id,
            account.wechat.clone(),
            account.sends.clone(),
            self.context.settings.status_check_after,
            self.context.settings.schedule_grace,
            account.stop.clone(),
        );
        // Its own task: a slow or failing datacube never holds up a send.
        let fetcher = crate::stats::fetch::fetcher(
            self.context.db.clone(),
            account.id,
            account.wechat.clone(),
            self.context.clock.clone(),
            self.context.settings.stats_daily_calls,
            account.stats.clone(),
            account.stop.clone(),
        );
        if let Ok(mut workers) = self.workers.lock() {
            workers.spawn(worker);
        }
        if let Ok(mut live) = self.live.write() {
            match live.iter_mut().find(|a| a.id == row.id) {
                Some(slot) => *slot = account.clone(),
                None => {
                    live.push(account.clone());
                    live.sort_by_key(|a| a.id);
                }
            }
        }
        if let Some(previous) = previous {
            previous.stop.cancel();
        }
        // Spawned once the previous fetcher is told to stop, so two rounds
        // do not ask the same day at once.
        if let Ok(mut workers) = self.workers.lock() {
            workers.spawn(fetcher);
        }
        Ok(account)
    }

    /// Takes account `id` out of work: its pages, callbacks and worker.
    pub fn stop(&self, id: i64) {
        if let Ok(mut not_started) = self.not_started.write() {
            not_started.remove(&id);
        }
        let removed = self.live.write().ok().and_then(|mut live| {
            let at = live.iter().position(|account| account.id == id)?;
            Some(live.remove(at))
        });
        if let Some(account) = removed {
            account.stop.cancel();
        }
    }

    /// After the console's stop: waits for the workers' calls under way
    /// until `deadline`; whether they all ended by then (those that did
    /// not are ended here).
    pub async fn wait_for_workers(&self, deadline: tokio::time::Instant) -> bool {
        let mut workers = match self.workers.lock() {
            Ok(mut workers) => std::mem::take(&mut *workers),
            Err(_) => return true,
        };
        let drained = tokio::time::timeout_at(deadline, async {
            while workers.join_next().await.is_some() {}
        })
        .await
        .is_ok();
        if !drained {
            workers.abort_all();
            while workers.join_next().await.is_some() {}
        }
        drained
    }

    fn build(&self, row: &Row, previous: Option<&Account>) -> anyhow::Result<Account> {
        let context = &self.context;
        let settings = &context.settings;
        let what = format!("account {} ({})", row.slug, row.appid);
        let (secrets, forward) = if row.id == 1 {
            configured_parts(settings)
        } else {
            let secrets = row
                .open_secrets(&context.secrets)
                .map_err(|error| anyhow::anyhow!("{what}: a secret does not open: {error}"))?;
            let forward = row.forward_url.as_deref().map(|url| {
                let timeout = row
                    .forward_timeout_ms
                    .and_then(|ms| u64::try_from(ms).ok())
                    .map_or(
                        super::config::DEFAULT_FORWARD_TIMEOUT,
                        Duration::from_millis,
                    );
                (url.to_owned(), timeout)
            });
            (secrets, forward)
        };
        if row.origin == Origin::Simulator && row.id != 1 {
            self.simulate(row, &secrets)?;
        }
        let wechat = match (row.id, row.origin) {
            (1, _) => super::wechat::configured_client(
                settings,
                &context.db,
                &context.secrets,
                &context.counts,
            )?,
            (_, Origin::Simulator) => {
                let secret = secrets
                    .secret
                    .clone()
                    .with_context(|| format!("{what}: the simulated account has no AppSecret"))?;
                super::wechat::simulated_client(
                    settings,
                    &row.appid,
                    secret,
                    &context.db,
                    &context.secrets,
                    &context.counts,
                )?
            }
            _ => super::wechat::account_client(
                settings,
                &row.appid,
                row.token_source,
                &secrets,
                &context.db,
                &context.secrets,
                &context.counts,
            )
            .with_context(|| what.clone())?,
        };
        let callback_token = secrets
            .callback_token
            .clone()
            .with_context(|| format!("{what}: no callback Token"))?;
        let keys = CallbackKeys::new(callback_token, secrets.aes_key.as_ref(), &row.appid)
            .with_context(|| format!("{what}: the EncodingAESKey cannot be used"))?;
        let forward = forward
            .map(|(url, timeout)| {
                let url = Url::parse(&url).with_context(|| format!("{what}: the forward URL"))?;
                Forwarder::new(url, timeout)
                    .map(Arc::new)
                    .with_context(|| format!("{what}: cannot make the forwarding client"))
            })
            .transpose()?;
        let callbacks = CallbackState {
            account_id: row.id,
            keys: Arc::new(keys),
            writer: context.writer.clone(),
            health: previous.map_or_else(Arc::default, |p| p.callbacks.health.clone()),
            replays: previous.map_or_else(
                || Arc::new(ReplayGuard::new(crate::callbacks::endpoint::MAX_SKEW_SECS)),
                |p| p.callbacks.replays.clone(),
            ),
            forward,
        };
        let sends = previous.map_or_else(
            || SendsState::with_clock(context.clock.clone()),
            |p| p.sends.clone(),
        );
        Ok(Account {
            id: row.id,
            slug: row.slug.clone(),
            name: row.name.clone(),
            appid: row.appid.clone(),
            kind: row.kind,
            overseas: row.overseas,
            origin: row.origin,
            token_source: row.token_source,
            message_mode: row.message_mode,
            needs_approval: row.needs_approval,
            wechat,
            callbacks,
            sends,
            stats: FetchHandle::default(),
            time_zone: row.time_zone.clone(),
            stop: context.stopping.child_token(),
        })
    }
}

impl Accounts {
    /// Makes sure the built-in simulator serves the simulated account of
    /// `row`, pushing its callbacks to the account's own URL.
    fn simulate(&self, row: &Row, secrets: &Secrets) -> anyhow::Result<()> {
        let Some(simulator) = &self.context.simulator else {
            anyhow::bail!(
                "a simulated account works only while the console runs the built-in simulator \
                 (no QUNFA_WECHAT_APPID)"
            );
        };
        if simulator.account(&row.appid).is_some() {
            return Ok(());
        }
        let (Some(secret), Some(token)) = (&secrets.secret, &secrets.callback_token) else {
            anyhow::bail!(
                "the simulated account {} has no AppSecret or Token",
                row.slug
            );
        };
        let kind = match row.kind {
            Kind::Subscription => crate::simulator::AccountKind::Subscription,
            Kind::Service => crate::simulator::AccountKind::Service,
        };
        let url = super::wechat::local_callback_url(&self.context.settings, Some(&row.slug))?;
        let mut config =
            crate::simulator::AccountConfig::new(row.appid.clone(), secret.clone(), token.clone())
                .with_kind(kind)
                .with_overseas(row.overseas)
                .with_callback_url(url);
        if let Some(key) = &secrets.aes_key {
            config = config.with_aes_key(key.clone());
        }
        simulator
            .add_account(config)
            .map_err(|error| anyhow::anyhow!("the simulator refused {}: {error}", row.slug))?;
        Ok(())
    }
}

/// Row 1's secrets and forwarding, from the settings.
fn configured_parts(settings: &Settings) -> (Secrets, Option<(String, Duration)>) {
    let secrets = Secrets {
        callback_token: settings.wechat.token.clone(),
        aes_key: settings.wechat.aes_key.clone(),
        ..Secrets::default()
    };
    let forward = settings
        .callback_forward
        .as_ref()
        .map(|forward| (forward.url.to_string(), forward.timeout));
    (secrets, forward)
}

/// Row 1 as the settings define it: what `server::prepare` writes at every
/// start.
pub fn configured_account(settings: &Settings) -> crate::accounts::store::Account {
    use super::config::AccessTokenSetting;
    let token_source = match settings.wechat.account.as_ref().map(|a| &a.access) {
        None | Some(AccessTokenSetting::Stable(_)) => TokenSource::Stable,
        Some(AccessTokenSetting::Classic(_)) => TokenSource::Classic,
        Some(AccessTokenSetting::External(_)) => TokenSource::Url,
        Some(AccessTokenSetting::Fixed(_)) => TokenSource::Fixed,
    };
    let simulated = settings.uses_simulator();
    crate::accounts::store::Account {
        slug: crate::accounts::FIRST_SLUG.to_owned(),
        name: if simulated {
            "模拟订阅号".to_owned()
        } else {
            settings.appid().to_owned()
        },
        appid: settings.appid().to_owned(),
        kind: Kind::Subscription,
        overseas: settings.wechat.overseas,
        origin: if simulated {
            Origin::Simulator
        } else {
            Origin::Environment
        },
        token_source,
        message_mode: if settings.wechat.aes_key.is_some() {
            MessageMode::Safe
        } else {
            MessageMode::Plaintext
        },
        forward_url: settings
            .callback_forward
            .as_ref()
            .map(|forward| forward.url.to_string()),
        forward_timeout_ms: settings
            .callback_forward
            .as_ref()
            .and_then(|forward| i64::try_from(forward.timeout.as_millis()).ok()),
        // The configuration's secrets stay in the configuration.
        secrets: Secrets::default(),
    }
}

/// The second account a console without configuration starts with: a
/// simulated 服务号 with its own tags and followers.
pub fn second_simulated_account(callback_token: SecretString) -> crate::accounts::store::Account {
    let config = crate::simulator::AccountConfig::second_builtin(callback_token.clone());
    crate::accounts::store::Account {
        slug: "sim-2".to_owned(),
        name: "模拟服务号".to_owned(),
        appid: config.appid.clone(),
        kind: Kind::Service,
        overseas: false,
        origin: Origin::Simulator,
        token_source: TokenSource::Stable,
        message_mode: MessageMode::Plaintext,
        forward_url: None,
        forward_timeout_ms: None,
        secrets: Secrets {
            secret: Some(config.secret.clone()),
            callback_token: Some(callback_token),
            ..Secrets::default()
        },
    }
}
