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

/// The built-in simulator this server hosts under `/sim`, when no account
/// is configured. Its first account is the configured account (row 1);
/// the others are added as their rows are put to work.
pub fn simulator(settings: &Settings) -> anyhow::Result<Option<Simulator>> {
    if !settings.uses_simulator() {
        return Ok(None);
    }
    let token = settings
        .wechat
        .token
        .clone()
        .context("the simulator's callback Token is read at start")?;
    let mut config = SimulatorConfig::builtin(token)
        .with_callback_url(local_callback_url(settings, None)?)
        .with_overseas(settings.wechat.overseas);
    if let Some(key) = &settings.wechat.aes_key {
        config = config.with_aes_key(key.clone());
    }
    Ok(Some(
        Simulator::new(config).context("the built-in simulator")?,
    ))
}

/// Where the built-in simulator pushes an account's callbacks: this
/// server's `/wechat/callback`, or `/wechat/callback/<slug>`.
pub fn local_callback_url(settings: &Settings, slug: Option<&str>) -> anyhow::Result<Url> {
    let local = local_base(settings.site_addr);
    let path = match slug {
        Some(slug) => format!("/wechat/callback/{slug}"),
        None => "/wechat/callback".to_owned(),
    };
    Url::parse(&format!("{local}{path}")).context("the simulator's callback URL")
}

/// The client of the account the settings define (row 1).
pub fn configured_client(
    settings: &Settings,
    pool: &SqlitePool,
    secrets: &SealingKey,
    counts: &Arc<WechatCounts>,
) -> anyhow::Result<WechatClient> {
    let Some(account) = &settings.wechat.account else {
        return simulated_client(
            settings,
            settings.appid(),
            SecretString::from(BUILTIN_SECRET),
            pool,
            secrets,
            counts,
        );
    };
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
    client(real_api_base(settings)?, source, pool, secrets, counts)
}

/// The client of an account of the built-in simulator.
pub fn simulated_client(
    settings: &Settings,
    appid: &str,
    secret: SecretString,
    pool: &SqlitePool,
    secrets: &SealingKey,
    counts: &Arc<WechatCounts>,
) -> anyhow::Result<WechatClient> {
    let api_base = match &settings.wechat.api_base {
        Some(base) => base.clone(),
        None => Url::parse(&format!("{}/sim", local_base(settings.site_addr)))
            .context("the simulator's base URL")?,
    };
    let source = TokenSource::Stable {
        appid: appid.to_owned(),
        secret,
    };
    client(api_base, source, pool, secrets, counts)
}

/// The client of an account an admin added, from its stored settings.
pub fn account_client(
    settings: &Settings,
    appid: &str,
    token_source: crate::accounts::TokenSource,
    opened: &crate::accounts::store::Secrets,
    pool: &SqlitePool,
    secrets: &SealingKey,
    counts: &Arc<WechatCounts>,
) -> anyhow::Result<WechatClient> {
    use crate::accounts::TokenSource as Stored;
    let appid = appid.to_owned();
    let secret = || {
        opened
            .secret
            .clone()
            .context("the token source needs the AppSecret, which is not kept")
    };
    let source = match token_source {
        Stored::Stable => TokenSource::Stable {
            appid,
            secret: secret()?,
        },
        Stored::Classic => TokenSource::Classic {
            appid,
            secret: secret()?,
        },
        Stored::Url => {
            let url = opened
                .token_url
                .as_ref()
                .context("the token source is a URL, which is not kept")?;
            TokenSource::External {
                url: Url::parse(url.expose_secret()).context("the token URL")?,
            }
        }
        Stored::Fixed => TokenSource::Fixed(
            opened
                .fixed_token
                .clone()
                .context("the token source is a fixed token, which is not kept")?,
        ),
    };
    client(real_api_base(settings)?, source, pool, secrets, counts)
}

/// WeChat's API, or the base the settings give instead.
fn real_api_base(settings: &Settings) -> anyhow::Result<Url> {
    match &settings.wechat.api_base {
        Some(base) => Ok(base.clone()),
        None => Url::parse(WECHAT_API_BASE).context("the WeChat API base URL"),
    }
}

/// A client for `source` at `api_base`, its token cached in the database
/// and its calls counted in `counts`.
fn client(
    api_base: Url,
    source: TokenSource,
    pool: &SqlitePool,
    secrets: &SealingKey,
    counts: &Arc<WechatCounts>,
) -> anyhow::Result<WechatClient> {
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
    let tokens = TokenManager::new(source, config.api_base.clone(), http.clone(), cache)
        .with_timeout(config.timeout)
        .with_observer(counts.clone());
    Ok(WechatClient::new(config, tokens, http).with_observer(counts.clone()))
}
