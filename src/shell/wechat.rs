//! Connecting the console to WeChat: the real API with the account's
//! credentials, or the built-in simulator under `/sim` of this server.

use std::{net::SocketAddr, sync::Arc};

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use sqlx::SqlitePool;
use url::Url;

use super::{
    config::{AccessTokenSetting, Settings},
    secrets::{ACCESS_TOKENS, SIMULATOR_TOKEN, SealingKey},
};
use crate::{
    metrics::WechatCounts,
    simulator::{BUILTIN_SECRET, Simulator, SimulatorConfig},
    wechat::{
        client::{ClientConfig, WECHAT_API_BASE, WechatClient},
        token::{CacheFuture, CachedToken, TokenCache, TokenManager, TokenSource},
    },
};

/// The access token in the `access_tokens` table, sealed for its row. A
/// cache that cannot be read or written, or a value that does not open,
/// only costs an extra token call, so failures are logged and otherwise
/// ignored.
pub struct SqliteTokenCache {
    pool: SqlitePool,
    cache_key: String,
    secrets: SealingKey,
}

impl TokenCache for SqliteTokenCache {
    fn load(&self) -> CacheFuture<'_, Option<CachedToken>> {
        Box::pin(async move {
            let row = sqlx::query!(
                "SELECT value, expires_at FROM access_tokens WHERE cache_key = ?",
                self.cache_key
            )
            .fetch_optional(&self.pool)
            .await;
            let row = match row {
                Ok(row) => row?,
                Err(error) => {
                    tracing::warn!(error = %error, "the cached access token could not be read");
                    return None;
                }
            };
            match self
                .secrets
                .open(&row.value, &ACCESS_TOKENS.context(&self.cache_key))
            {
                Ok(value) => Some(CachedToken {
                    value,
                    expires_at: row.expires_at,
                }),
                Err(error) => {
                    tracing::warn!(error = %error, "the cached access token does not open; a new one is fetched");
                    None
                }
            }
        })
    }

    fn store<'a>(&'a self, token: &'a CachedToken) -> CacheFuture<'a, ()> {
        Box::pin(async move {
            let value = self
                .secrets
                .seal(token.expose(), &ACCESS_TOKENS.context(&self.cache_key));
            let stored = sqlx::query!(
                "INSERT INTO access_tokens (cache_key, value, expires_at) VALUES (?, ?, ?)
                 ON CONFLICT (cache_key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
                self.cache_key,
                value,
                token.expires_at
            )
            .execute(&self.pool)
            .await;
            if let Err(error) = stored {
                tracing::warn!(error = %error, "the access token could not be cached");
            }
        })
    }
}

/// The built-in simulator's callback Token: made at random at the first
/// start, kept sealed, then read back, so it survives restarts and no two
/// consoles share one. Two consoles starting at once on one database both
/// keep the first one written.
pub async fn simulator_callback_token(
    pool: &SqlitePool,
    secrets: &SealingKey,
) -> anyhow::Result<SecretString> {
    let context = SIMULATOR_TOKEN.context(1);
    let fresh = secrets.seal(
        crate::simulator::random_callback_token().expose_secret(),
        &context,
    );
    sqlx::query!(
        "INSERT INTO simulator_token (id, token) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
        fresh
    )
    .execute(pool)
    .await
    .context("cannot keep the simulator's callback Token in the database")?;
    let sealed = sqlx::query_scalar!("SELECT token FROM simulator_token WHERE id = 1")
        .fetch_one(pool)
        .await
        .context("cannot read the simulator's callback Token from the database")?;
    secrets
        .open(&sealed, &context)
        .context("the simulator's callback Token in the database")
}

/// What the console talks to.
pub struct Wechat {
    pub client: WechatClient,
    /// What the client and its token manager did, as `/metrics` shows it.
    pub counts: Arc<WechatCounts>,
    /// Present when no account is configured: the simulator this server
    /// hosts under `/sim`.
    pub simulator: Option<Simulator>,
}

/// Where the console can reach itself: the listen address, with an
/// unspecified IP (0.0.0.0) replaced by loopback.
fn local_base(addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        match addr {
            SocketAddr::V4(_) => "127.0.0.1".to_owned(),
            SocketAddr::V6(_) => "[::1]".to_owned(),
        }
    } else {
        match addr {
            SocketAddr::V4(v4) => v4.ip().to_string(),
            SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
        }
    };
    format!("http://{ip}:{}", addr.port())
}

pub fn connect(
    settings: &Settings,
    pool: &SqlitePool,
    secrets: &SealingKey,
) -> anyhow::Result<Wechat> {
    let (source, default_base, simulator) = match &settings.wechat.account {
        Some(account) => {
            let appid = account.appid.clone();
            let source = match &account.access {
                AccessTokenSetting::Stable(secret) => TokenSource::Stable {
                    appid,
                    secret: secret.clone(),
                },
                AccessTokenSetting::Classic(secret) => TokenSource::Classic {
                    appid,
                    secret: secret.clone(),
                },
                AccessTokenSetting::External(url) => TokenSource::External { url: url.clone() },
                AccessTokenSetting::Fixed(token) => TokenSource::Fixed(token.clone()),
            };
            (source, WECHAT_API_BASE.to_owned(), None)
        }
        None => {
            let local = local_base(settings.site_addr);
            let callback = Url::parse(&format!("{local}/wechat/callback"))
                .context("the simulator's callback URL")?;
            let token = settings
                .wechat
                .token
                .clone()
                .context("the simulator's callback Token is read at start")?;
            let mut config = SimulatorConfig::builtin(token)
                .with_callback_url(callback)
                .with_overseas(settings.wechat.overseas);
            if let Some(key) = &settings.wechat.aes_key {
                config = config.with_aes_key(key.clone());
            }
            let simulator = Simulator::new(config).context("the built-in simulator")?;
            let source = TokenSource::Stable {
                appid: settings.appid().to_owned(),
                secret: SecretString::from(BUILTIN_SECRET),
            };
            (source, format!("{local}/sim"), Some(simulator))
        }
    };
    let api_base = match &settings.wechat.api_base {
        Some(base) => base.clone(),
        None => Url::parse(&default_base).context("the WeChat API base URL")?,
    };
    let config = ClientConfig::new(api_base);
    let http = config.http_client().map_err(|e| {
        anyhow::anyhow!(
            "cannot build the HTTP client: {}",
            e.words(crate::i18n::Lang::En)
        )
    })?;
    let cache = Arc::new(SqliteTokenCache {
        pool: pool.clone(),
        cache_key: source.cache_key(),
        secrets: secrets.clone(),
    });
    let counts = Arc::new(WechatCounts::default());
    let tokens = TokenManager::new(source, config.api_base.clone(), http.clone(), cache)
        .with_timeout(config.timeout)
        .with_observer(counts.clone());
    Ok(Wechat {
        client: WechatClient::new(config, tokens, http).with_observer(counts.clone()),
        counts,
        simulator,
    })
}
