//! The console's settings. Each is one field of [`SettingsArgs`]: the field
//! gives its flag (`--site-addr`), its environment variable (`env = …`), its
//! key in `qunfa.toml` (the field's name) and its line in `qunfa --help`
//! (the doc comment). The command line wins over the environment, which wins
//! over the file, which wins over the defaults (in `SettingsArgs::parse`).
//! Every setting is read here and nowhere else; `README.md` lists them and
//! `packaging/qunfa.toml.example` explains each, and a test below checks
//! that both name every one.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use clap::Args;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

use super::secrets::{KEY_VARIABLE, SealingKey};

/// Where the simulator lives when no account is configured: under the
/// console's own address, so one process is the whole product.
pub const SIMULATOR_PREFIX: &str = "/sim";

/// Every setting as given on the command line, in the environment or in
/// `qunfa.toml`, still as text. Each is optional here because the next
/// source and the defaults fill the gaps; [`SettingsArgs::load`] lays them
/// over each other and parses the result into [`Settings`].
#[derive(Args, Serialize, Deserialize, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct SettingsArgs {
    /// Configuration file; it is optional, and the environment overrides it.
    #[arg(
        long,
        env = "QUNFA_CONFIG",
        default_value = "qunfa.toml",
        global = true
    )]
    #[serde(skip)]
    pub config: PathBuf,
    /// Address to listen on [default: 127.0.0.1:3000]
    #[arg(long, env = "LEPTOS_SITE_ADDR", global = true)]
    pub site_addr: Option<String>,
    /// SQLite database [default: sqlite://data/qunfa.db]
    #[arg(long, env = "QUNFA_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// AppID of the Official Account; unset: the built-in simulator
    #[arg(long, env = "QUNFA_WECHAT_APPID", global = true)]
    pub wechat_appid: Option<String>,
    /// AppSecret of the Official Account
    #[arg(
        long,
        env = "QUNFA_WECHAT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub wechat_secret: Option<String>,
    /// WeChat API base URL [default: https://api.weixin.qq.com, or the simulator]
    #[arg(long, env = "QUNFA_WECHAT_API_BASE", global = true)]
    pub wechat_api_base: Option<String>,
    /// Which WeChat call gets the access token: stable (default; leaves other holders' tokens valid) or classic
    #[arg(long, env = "QUNFA_WECHAT_TOKEN_API", global = true)]
    pub wechat_token_api: Option<String>,
    /// Get the access token from this URL (answering {"access_token","expires_in"}), e.g. a third-party platform's
    #[arg(long, env = "QUNFA_WECHAT_ACCESS_TOKEN_URL", global = true)]
    pub wechat_access_token_url: Option<String>,
    /// A fixed access token (e.g. an authorizer_access_token); never refreshed
    #[arg(
        long,
        env = "QUNFA_WECHAT_ACCESS_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub wechat_access_token: Option<String>,
    /// Callback Token (3–32 letters and digits) [default: the built-in simulator's own, made at the first start and kept in the database]
    #[arg(
        long,
        env = "QUNFA_WECHAT_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub wechat_token: Option<String>,
    /// Callback EncodingAESKey (43 characters); set: safe mode
    #[arg(
        long,
        env = "QUNFA_WECHAT_AES_KEY",
        hide_env_values = true,
        global = true
    )]
    pub wechat_aes_key: Option<String>,
    /// First admin, created at start when no user exists
    #[arg(long, env = "QUNFA_ADMIN_USER", global = true)]
    pub admin_user: Option<String>,
    /// Password of the first admin
    #[arg(
        long,
        env = "QUNFA_ADMIN_PASSWORD",
        hide_env_values = true,
        global = true
    )]
    pub admin_password: Option<String>,
    /// The console's external URL (cookies, callback URL) [default: http://LISTEN-ADDRESS]
    #[arg(long, env = "QUNFA_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Idle time after which a session ends, e.g. 12h or 30m [default: 12h]
    #[arg(long, env = "QUNFA_SESSION_IDLE", global = true)]
    pub session_idle: Option<String>,
    /// true for an overseas Official Account, which can mass-send articles only [default: false]
    #[arg(long, env = "QUNFA_WECHAT_OVERSEAS", global = true)]
    pub wechat_overseas: Option<String>,
    /// Ask mass/get about a send whose callback has not come after this long, e.g. 15m [default: 15m]
    #[arg(long, env = "QUNFA_STATUS_CHECK_AFTER", global = true)]
    pub status_check_after: Option<String>,
    /// Keep callbacks other than MASSSENDJOBFINISH (followers' messages) this long, e.g. 7d [default: 7d]
    #[arg(long, env = "QUNFA_CALLBACK_RETENTION", global = true)]
    pub callback_retention: Option<String>,
    /// Pass every verified callback on, unchanged, to this URL (the account's existing backend) and answer WeChat with its reply; unset: no forwarding
    #[arg(long, env = "QUNFA_CALLBACK_FORWARD_URL", global = true)]
    pub callback_forward_url: Option<String>,
    /// The longest a callback waits for the backend's reply before WeChat is answered `success`, e.g. 4s or 1500ms [default: 4s]
    #[arg(long, env = "QUNFA_CALLBACK_FORWARD_TIMEOUT", global = true)]
    pub callback_forward_timeout: Option<String>,
    /// Key that seals the secrets kept in the database: 32 random bytes in base64 (`openssl rand -base64 32`) [default: the key file beside the database, e.g. data/qunfa.key, made at the first start]
    #[arg(long, env = "QUNFA_SECRET_KEY", hide_env_values = true, global = true)]
    pub secret_key: Option<String>,
    /// Bearer token that opens /metrics (Prometheus); unset: /metrics is closed
    #[arg(
        long,
        env = "QUNFA_METRICS_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub metrics_token: Option<String>,
    /// On SIGTERM, wait at most this long for requests and the send worker's WeChat call [default: 30s]
    #[arg(long, env = "QUNFA_SHUTDOWN_GRACE", global = true)]
    pub shutdown_grace: Option<String>,
    /// A scheduled send found due at start is still sent if its time passed at most this long ago; later it is marked missed, not sent [default: 15m]
    #[arg(long, env = "QUNFA_SCHEDULE_GRACE", global = true)]
    pub schedule_grace: Option<String>,
    /// Datacube calls (read statistics) qunfa makes at most per account per China-time day, a small share of WeChat's daily API quota [default: 20]
    #[arg(long, env = "QUNFA_STATS_DAILY_CALLS", global = true)]
    pub stats_daily_calls: Option<String>,
    /// Log lines as `text` or `json` (environment or flag only) [default: text]
    #[arg(long, env = "QUNFA_LOG_FORMAT", global = true)]
    // Logging starts before the file is read.
    #[serde(skip)]
    pub log_format: Option<String>,
}

/// The settings the console runs with, every value parsed.
#[derive(Debug, Clone)]
pub struct Settings {
    pub site_addr: SocketAddr,
    pub database: DatabasePath,
    pub wechat: WechatSettings,
    pub first_admin: Option<FirstAdmin>,
    pub public_url: Url,
    pub session_idle: Duration,
    /// A send with no MASSSENDJOBFINISH after this long is asked about
    /// with `mass/get`.
    pub status_check_after: Duration,
    /// Callbacks other than MASSSENDJOBFINISH (followers' messages, with
    /// their OpenIDs) are deleted this long after they came; a send's
    /// MASSSENDJOBFINISH is kept with the send.
    pub callback_retention: Duration,
    /// Where verified callbacks are passed on, if anywhere.
    pub callback_forward: Option<CallbackForward>,
    /// Seals the secrets kept in the database; `None`: the key file beside
    /// the database (`shell::secrets`).
    pub secret_key: Option<SealingKey>,
    /// Presented as a bearer token, opens `/metrics`.
    pub metrics_token: Option<SecretString>,
    /// The longest a stop waits for requests and the send worker.
    pub shutdown_grace: Duration,
    /// A scheduled send is sent this long after its time at the latest
    /// (qunfa was down at its time); later it is `missed`.
    pub schedule_grace: Duration,
    /// The datacube calls of the statistics fetcher per account per
    /// China-time day, at most.
    pub stats_daily_calls: u32,
}

/// The account's existing backend, which gets every verified callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackForward {
    pub url: Url,
    /// WeChat waits 5 seconds; past this the backend's reply is not waited for.
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabasePath {
    /// The URL as given, for messages.
    pub url: String,
    /// The file behind it, or `None` for an in-memory database.
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct WechatSettings {
    /// `Some` when a real account is configured; `None` means the simulator.
    pub account: Option<WechatAccount>,
    /// `None`: the real API, or the built-in simulator when no account is set.
    pub api_base: Option<Url>,
    /// The callback Token. `None` (no account and none configured): the
    /// built-in simulator's, made at the first start and kept in the
    /// database; `server::prepare` fills it in once the database is open.
    pub token: Option<SecretString>,
    pub aes_key: Option<SecretString>,
    /// An overseas account mass-sends articles (`mpnews`) only (the seed).
    pub overseas: bool,
}

#[derive(Debug, Clone)]
pub struct WechatAccount {
    pub appid: String,
    pub access: AccessTokenSetting,
}

/// Where the access token comes from.
#[derive(Debug, Clone)]
pub enum AccessTokenSetting {
    /// `stable_token` with the AppSecret: the default.
    Stable(SecretString),
    /// The classic `token` call with the AppSecret.
    Classic(SecretString),
    /// Someone else keeps the token and serves it at this URL.
    External(Url),
    /// A token given once.
    Fixed(SecretString),
}

#[derive(Debug, Clone)]
pub struct FirstAdmin {
    pub username: String,
    pub password: SecretString,
}

/// The AppID of the built-in simulator's pretend account.
pub const SIMULATOR_APPID: &str = crate::simulator::BUILTIN_APPID;

/// A setting that could not be used: it names the variable and what is allowed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{variable}: {problem}")]
    Invalid {
        variable: &'static str,
        problem: String,
    },
    #[error("{path}: {problem}")]
    File { path: String, problem: String },
}

fn invalid(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        variable,
        problem: problem.into(),
    }
}

impl SettingsArgs {
    /// Reads `qunfa.toml` (if there is one) under these arguments and parses
    /// the result.
    pub fn load(&self) -> Result<Settings, ConfigError> {
        self.over_file()?.parse()
    }

    /// Only the database: what `qunfa user`, `backup` and `restore` need, so
    /// they run where the account's secrets are not readable.
    pub fn load_database(&self) -> Result<DatabasePath, ConfigError> {
        let given = self.over_file()?.database_url;
        parse_database_url(given.as_deref().unwrap_or(DEFAULT_DATABASE_URL))
    }

    /// Only `QUNFA_SECRET_KEY`: what `qunfa backup` and `restore` need
    /// besides the database (`None`: the key file beside it).
    pub fn load_secret_key(&self) -> Result<Option<SealingKey>, ConfigError> {
        parse_secret_key(self.over_file()?.secret_key)
    }

    fn over_file(&self) -> Result<SettingsArgs, ConfigError> {
        let file = read_toml(&self.config)?;
        self.over(&file).map_err(|problem| ConfigError::File {
            path: self.config.display().to_string(),
            problem,
        })
    }

    /// These values laid over `lower`'s, setting by setting; a blank value
    /// counts as none, so the default applies. The merge goes through the
    /// shape both share, a table of text, so it names no setting.
    fn over(&self, lower: &SettingsArgs) -> Result<SettingsArgs, String> {
        let mut values = toml::Table::try_from(lower).map_err(|e| e.to_string())?;
        values.extend(toml::Table::try_from(self).map_err(|e| e.to_string())?);
        values.retain(|_, value| value.as_str().is_some_and(|text| !text.trim().is_empty()));
        values
            .try_into()
            .map_err(|e: toml::de::Error| e.message().to_owned())
    }
}

/// A missing file is fine (every setting has a default or is optional); a file
/// that is there but wrong stops the start.
fn read_toml(path: &Path) -> Result<SettingsArgs, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(SettingsArgs::default());
        }
        Err(error) => {
            return Err(ConfigError::File {
                path: path.display().to_string(),
                problem: format!("cannot be read: {error}"),
            });
        }
    };
    parse_toml(&text).map_err(|problem| ConfigError::File {
        path: path.display().to_string(),
        problem,
    })
}

/// The file's settings. Values are text, but a bare number or `true` is
/// taken as its text; a key that is no setting is refused, with the list
/// of those that are.
fn parse_toml(text: &str) -> Result<SettingsArgs, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    let mut values = toml::Table::new();
    for (key, value) in table {
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(format!(
                    "`{key}` must be a string, not {}",
                    other.type_str()
                ));
            }
        };
        values.insert(key, toml::Value::String(text));
    }
    values
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_owned())
}

/// A duration such as `30s` or `15m` between `min` and `max`.
fn parse_duration(
    variable: &'static str,
    text: Option<String>,
    default: Duration,
    (min, max): (Duration, Duration),
) -> Result<Duration, ConfigError> {
    let Some(text) = text else {
        return Ok(default);
    };
    let value = humantime::parse_duration(text.trim()).map_err(|_| {
        invalid(
            variable,
            format!("`{text}` is not a duration such as 30s, 15m or 1h"),
        )
    })?;
    if value < min || value > max {
        return Err(invalid(
            variable,
            format!("must be between {} and {}", in_words(min), in_words(max)),
        ));
    }
    Ok(value)
}

/// A bound as the example file words it: `1 minute`, `90 days`. (humantime
/// counts in months of 30.44 days, which no setting's bound is.)
fn in_words(duration: Duration) -> String {
    if duration.subsec_nanos() != 0 {
        return format!("{} milliseconds", duration.as_millis());
    }
    let secs = duration.as_secs();
    let (count, unit) = [(86_400, "day"), (3_600, "hour"), (60, "minute")]
        .into_iter()
        .find(|(size, _)| secs >= *size && secs.is_multiple_of(*size))
        .map_or((secs, "second"), |(size, unit)| (secs / size, unit));
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural}")
}

impl SettingsArgs {
    /// Every value checked and given its default. A bad one stops the start
    /// with a message that names its variable and says what is allowed.
    // Every field is named below: a setting added to the struct and not
    // read here is an unused variable, which this makes an error.
    #[deny(unused_variables)]
    fn parse(self) -> Result<Settings, ConfigError> {
        let SettingsArgs {
            // Read already: the file's path, and by logging.
            config: _,
            log_format: _,
            site_addr,
            database_url,
            wechat_appid,
            wechat_secret,
            wechat_api_base,
            wechat_token_api,
            wechat_access_token_url,
            wechat_access_token,
            wechat_token,
            wechat_aes_key,
            admin_user,
            admin_password,
            public_url,
            session_idle,
            wechat_overseas,
            status_check_after,
            callback_retention,
            callback_forward_url,
            callback_forward_timeout,
            secret_key,
            metrics_token,
            shutdown_grace,
            schedule_grace,
            stats_daily_calls,
        } = self;
        let site_addr: SocketAddr = match site_addr.as_deref() {
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
            Some(text) => text.trim().parse().map_err(|_| {
                invalid(
                    "LEPTOS_SITE_ADDR",
                    format!("`{text}` is not an address with a port, such as 127.0.0.1:3000"),
                )
            })?,
        };
        let database = parse_database_url(database_url.as_deref().unwrap_or(DEFAULT_DATABASE_URL))?;
        let classic = match wechat_token_api.as_deref().map(str::trim) {
            None | Some("stable") => false,
            Some("classic") => true,
            Some(other) => {
                return Err(invalid(
                    "QUNFA_WECHAT_TOKEN_API",
                    format!("`{other}` is neither `stable` nor `classic`"),
                ));
            }
        };
        let token_url = wechat_access_token_url
            .map(|text| parse_http_url("QUNFA_WECHAT_ACCESS_TOKEN_URL", &text))
            .transpose()?;
        let fixed_token =
            wechat_access_token.map(|token| SecretString::from(token.trim().to_owned()));
        let secret = wechat_secret.map(|secret| SecretString::from(secret.trim().to_owned()));
        let account = match wechat_appid {
            None if secret.is_none() && token_url.is_none() && fixed_token.is_none() => None,
            None => {
                return Err(invalid(
                    "QUNFA_WECHAT_APPID",
                    "must be set with the account's other settings (AppID: 设置与开发 → 基本配置)",
                ));
            }
            Some(appid) => {
                let access = match (token_url, fixed_token, secret) {
                    (Some(_), Some(_), _) => {
                        return Err(invalid(
                            "QUNFA_WECHAT_ACCESS_TOKEN",
                            "set either it or QUNFA_WECHAT_ACCESS_TOKEN_URL, not both",
                        ));
                    }
                    (Some(url), None, _) => AccessTokenSetting::External(url),
                    (None, Some(token), _) => AccessTokenSetting::Fixed(token),
                    (None, None, Some(secret)) if classic => AccessTokenSetting::Classic(secret),
                    (None, None, Some(secret)) => AccessTokenSetting::Stable(secret),
                    (None, None, None) => {
                        return Err(invalid(
                            "QUNFA_WECHAT_SECRET",
                            "must be set together with QUNFA_WECHAT_APPID (or give QUNFA_WECHAT_ACCESS_TOKEN_URL or QUNFA_WECHAT_ACCESS_TOKEN)",
                        ));
                    }
                };
                Some(WechatAccount {
                    appid: parse_appid(&appid)?,
                    access,
                })
            }
        };
        let api_base = wechat_api_base
            .map(|text| parse_http_url("QUNFA_WECHAT_API_BASE", &text))
            .transpose()?;
        let token = match wechat_token {
            Some(token) => Some(parse_callback_token(&token)?),
            // The simulator's own, read from the database at start.
            None if account.is_none() => None,
            None => {
                return Err(invalid(
                    "QUNFA_WECHAT_TOKEN",
                    "must be set with a real account: the Token you entered in the WeChat console (设置与开发 → 基本配置 → 服务器配置)",
                ));
            }
        };
        let aes_key = wechat_aes_key.map(|key| parse_aes_key(&key)).transpose()?;
        let first_admin = match (admin_user, admin_password) {
            (None, None) => None,
            (Some(username), Some(password)) => Some(FirstAdmin {
                username: crate::auth::Username::parse(&username)
                    .map_err(|problem| invalid("QUNFA_ADMIN_USER", problem.to_string()))?
                    .into_inner(),
                password: SecretString::from(password),
            }),
            (Some(_), None) => {
                return Err(invalid(
                    "QUNFA_ADMIN_PASSWORD",
                    "must be set together with QUNFA_ADMIN_USER",
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "QUNFA_ADMIN_USER",
                    "must be set together with QUNFA_ADMIN_PASSWORD",
                ));
            }
        };
        let public_url = match public_url {
            Some(text) => parse_http_url("QUNFA_PUBLIC_URL", &text)?,
            None => Url::parse(&format!("http://{site_addr}"))
                .map_err(|_| invalid("LEPTOS_SITE_ADDR", "cannot be turned into a URL"))?,
        };
        let session_idle = parse_duration(
            "QUNFA_SESSION_IDLE",
            session_idle,
            Duration::from_secs(12 * 3600),
            (Duration::from_secs(60), Duration::from_secs(90 * 86400)),
        )?;
        let overseas = match wechat_overseas.as_deref().map(str::trim) {
            None => false,
            Some(text) => match text.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => {
                    return Err(invalid(
                        "QUNFA_WECHAT_OVERSEAS",
                        format!("`{text}` is neither `true` nor `false`"),
                    ));
                }
            },
        };
        let status_check_after = parse_duration(
            "QUNFA_STATUS_CHECK_AFTER",
            status_check_after,
            Duration::from_secs(15 * 60),
            (Duration::from_secs(1), Duration::from_secs(7 * 86400)),
        )?;
        let callback_retention = parse_duration(
            "QUNFA_CALLBACK_RETENTION",
            callback_retention,
            Duration::from_secs(7 * 86400),
            (Duration::from_secs(60), Duration::from_secs(3650 * 86400)),
        )?;
        let callback_forward = parse_forward(callback_forward_url, callback_forward_timeout)?;
        let shutdown_grace = parse_duration(
            "QUNFA_SHUTDOWN_GRACE",
            shutdown_grace,
            Duration::from_secs(30),
            (Duration::from_secs(1), Duration::from_secs(600)),
        )?;
        let schedule_grace = parse_duration(
            "QUNFA_SCHEDULE_GRACE",
            schedule_grace,
            Duration::from_secs(15 * 60),
            (Duration::from_secs(0), Duration::from_secs(7 * 86400)),
        )?;
        let stats_daily_calls = match stats_daily_calls.as_deref().map(str::trim) {
            None => 20,
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|n| (2..=1000).contains(n))
                .ok_or_else(|| {
                    invalid(
                        "QUNFA_STATS_DAILY_CALLS",
                        "must be a whole number from 2 to 1000",
                    )
                })?,
        };
        let secret_key = parse_secret_key(secret_key)?;
        let metrics_token = match metrics_token {
            None => None,
            Some(token) if token.trim().chars().count() < 16 => {
                return Err(invalid(
                    "QUNFA_METRICS_TOKEN",
                    "must be at least 16 characters: it is the only guard of /metrics",
                ));
            }
            Some(token) => Some(SecretString::from(token.trim().to_owned())),
        };
        Ok(Settings {
            site_addr,
            database,
            wechat: WechatSettings {
                account,
                api_base,
                token,
                aes_key,
                overseas,
            },
            first_admin,
            public_url,
            session_idle,
            status_check_after,
            callback_retention,
            callback_forward,
            secret_key,
            metrics_token,
            shutdown_grace,
            schedule_grace,
            stats_daily_calls,
        })
    }
}

/// The text is never repeated in the message: it may be the key, mistyped.
fn parse_secret_key(text: Option<String>) -> Result<Option<SealingKey>, ConfigError> {
    text.map(|text| {
        SealingKey::parse(&secrecy::zeroize::Zeroizing::new(text))
            .map_err(|problem| invalid(KEY_VARIABLE, problem.to_string()))
    })
    .transpose()
}

/// Forwarding: a URL and its timeout, as `QUNFA_CALLBACK_FORWARD_URL` and
/// `_TIMEOUT` give them for the configured account and the accounts page
/// for any other. An error names `QUNFA_CALLBACK_FORWARD_TIMEOUT` when the
/// timeout is what is wrong.
pub fn parse_forward(
    url: Option<String>,
    timeout: Option<String>,
) -> Result<Option<CallbackForward>, ConfigError> {
    Ok(match (url, timeout) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(invalid(
                FORWARD_TIMEOUT_VARIABLE,
                "has no effect without QUNFA_CALLBACK_FORWARD_URL",
            ));
        }
        (Some(url), timeout) => Some(CallbackForward {
            url: parse_http_url("QUNFA_CALLBACK_FORWARD_URL", &url)?,
            timeout: parse_duration(
                FORWARD_TIMEOUT_VARIABLE,
                timeout,
                DEFAULT_FORWARD_TIMEOUT,
                FORWARD_TIMEOUT_RANGE,
            )?,
        }),
    })
}

/// A URL as a page shows it: its query, fragment and user information may
/// carry a key.
pub fn url_without_secrets(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

pub const FORWARD_TIMEOUT_VARIABLE: &str = "QUNFA_CALLBACK_FORWARD_TIMEOUT";

const DEFAULT_DATABASE_URL: &str = "sqlite://data/qunfa.db";

/// How long a forwarded callback may take, unless set otherwise, and the
/// bounds of the setting: WeChat gives up after five seconds.
pub const DEFAULT_FORWARD_TIMEOUT: Duration = Duration::from_secs(4);
pub const FORWARD_TIMEOUT_RANGE: (Duration, Duration) =
    (Duration::from_millis(100), Duration::from_secs(5));

fn parse_database_url(text: &str) -> Result<DatabasePath, ConfigError> {
    const VARIABLE: &str = "QUNFA_DATABASE_URL";
    let text = text.trim();
    let rest = text
        .strip_prefix("sqlite://")
        .or_else(|| text.strip_prefix("sqlite:"));
    let Some(rest) = rest else {
        return Err(invalid(
            VARIABLE,
            format!("`{text}` is not a SQLite URL such as sqlite://data/qunfa.db"),
        ));
    };
    // Options after `?` are ours to set (WAL, foreign keys), not the user's.
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() {
        return Err(invalid(
            VARIABLE,
            "names no file, e.g. sqlite://data/qunfa.db",
        ));
    }
    let file = (path != ":memory:").then(|| PathBuf::from(path));
    Ok(DatabasePath {
        url: text.to_owned(),
        file,
    })
}

pub fn parse_appid(text: &str) -> Result<String, ConfigError> {
    let appid = text.trim();
    let well_formed = appid.len() == 18
        && appid.starts_with("wx")
        && appid.bytes().all(|b| b.is_ascii_alphanumeric());
    if !well_formed {
        return Err(invalid(
            "QUNFA_WECHAT_APPID",
            format!("`{appid}` is not an AppID: 18 letters and digits starting with wx"),
        ));
    }
    Ok(appid.to_owned())
}

pub fn parse_http_url(variable: &'static str, text: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(text.trim())
        .map_err(|e| invalid(variable, format!("`{text}` is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid(
            variable,
            format!("`{text}` must be an http:// or https:// URL with a host"),
        ));
    }
    Ok(url)
}

/// WeChat accepts a Token of 3 to 32 letters and digits.
pub fn parse_callback_token(text: &str) -> Result<SecretString, ConfigError> {
    let token = text.trim();
    if !(3..=32).contains(&token.len()) || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid(
            "QUNFA_WECHAT_TOKEN",
            "must be 3 to 32 letters and digits, as in the WeChat console",
        ));
    }
    Ok(SecretString::from(token.to_owned()))
}

/// The EncodingAESKey is 43 characters of base64 that decode (with a `=`
/// added) to the 32-byte AES key.
pub fn parse_aes_key(text: &str) -> Result<SecretString, ConfigError> {
    let key = text.trim();
    let base64_alphabet = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
    if key.len() != 43 || !key.bytes().all(base64_alphabet) {
        return Err(invalid(
            "QUNFA_WECHAT_AES_KEY",
            "must be the 43-character EncodingAESKey from the WeChat console (letters, digits, + and /)",
        ));
    }
    Ok(SecretString::from(key.to_owned()))
}

impl Settings {
    pub fn uses_simulator(&self) -> bool {
        self.wechat.account.is_none()
    }

    /// The URL to give WeChat as the server address (服务器地址) of account
    /// `id`: `/wechat/callback/<slug>`, or for the configured account (row
    /// 1) the `/wechat/callback` it always had.
    pub fn callback_url(&self, id: i64, slug: &str) -> String {
        let base = self.public_url.as_str().trim_end_matches('/');
        match id {
            1 => format!("{base}/wechat/callback"),
            _ => format!("{base}/wechat/callback/{slug}"),
        }
    }

    /// Cookies get `Secure` exactly when the console is reached over HTTPS.
    pub fn cookies_secure(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// The scheme, host and port browsers send as `Origin`.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    /// The callback Token; `None` only before `server::prepare` has read
    /// the built-in simulator's from the database.
    pub fn callback_token(&self) -> Option<&str> {
        self.wechat
            .token
            .as_ref()
            .map(|token| token.expose_secret())
    }

    /// The AppID callbacks must be addressed to: the account's, or the
    /// simulator's.
    pub fn appid(&self) -> &str {
        self.wechat
            .account
            .as_ref()
            .map_or(SIMULATOR_APPID, |account| account.appid.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> SettingsArgs {
        SettingsArgs {
            config: PathBuf::from("/nonexistent/qunfa.toml"),
            ..SettingsArgs::default()
        }
    }

    #[test]
    fn nothing_configured_gives_the_documented_defaults() {
        let settings = args().load().unwrap();
        assert_eq!(settings.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(settings.database.file, Some(PathBuf::from("data/qunfa.db")));
        assert!(settings.uses_simulator());
        assert_eq!(settings.public_url.as_str(), "http://127.0.0.1:3000/");
        assert_eq!(
            settings.callback_url(1, "main"),
            "http://127.0.0.1:3000/wechat/callback"
        );
        assert_eq!(
            settings.callback_url(2, "sim-2"),
            "http://127.0.0.1:3000/wechat/callback/sim-2"
        );
        assert_eq!(settings.session_idle, Duration::from_secs(12 * 3600));
        assert_eq!(settings.callback_retention, Duration::from_secs(7 * 86400));
        assert!(!settings.cookies_secure());
        assert!(settings.first_admin.is_none());
    }

    #[test]
    fn the_example_file_is_accepted_and_explains_every_setting() {
        let text = include_str!("../../packaging/qunfa.toml.example");
        let file = parse_toml(text).unwrap();
        let settings = args().over(&file).unwrap().parse().unwrap();
        assert_eq!(
            settings.database.file,
            Some(PathBuf::from("/var/lib/qunfa/qunfa.db"))
        );
        // That it explains every setting: the test below.
    }

    /// A setting is one field of `SettingsArgs`; what cannot be derived
    /// from it (the example file's explanation, the README's row) is
    /// checked here, so a setting forgotten in one of them fails.
    #[test]
    fn every_setting_has_a_variable_a_file_key_an_example_and_a_readme_row() {
        use clap::Args as _;
        let example = include_str!("../../packaging/qunfa.toml.example");
        let readme = include_str!("../../README.md");
        // Read before the file is: they cannot be in it.
        let environment_only = ["config", "log_format"];
        let command = SettingsArgs::augment_args(clap::Command::new("qunfa"));
        let mut file_keys = Vec::new();
        for arg in command.get_arguments() {
            let key = arg.get_id().as_str();
            let variable = arg
                .get_env()
                .unwrap_or_else(|| panic!("--{key} has no environment variable"))
                .to_str()
                .unwrap();
            let expected = match key {
                "site_addr" => "LEPTOS_SITE_ADDR".to_owned(),
                _ => format!("QUNFA_{}", key.to_uppercase()),
            };
            assert_eq!(variable, expected, "the variable of --{key}");
            assert!(
                readme
                    .lines()
                    .any(|line| line.starts_with("| ") && line.contains(&format!("`{variable}`"))),
                "README's settings table has no row for {variable}"
            );
            assert!(
                example.contains(variable),
                "the example never names {variable}"
            );
            let in_file = parse_toml(&format!("{key} = \"\"\n"));
            if environment_only.contains(&key) {
                assert!(in_file.is_err(), "{key} is accepted in the file");
                continue;
            }
            assert!(in_file.is_ok(), "{key} is refused in the file: {in_file:?}");
            assert!(
                example.contains(&format!("{key} = ")),
                "the example has no {key}"
            );
            assert!(
                example.contains(&format!("# Environment: {variable}")),
                "the example does not give {key}'s variable"
            );
            file_keys.push(key);
        }
        // And the other way: the file knows no key that is not a setting.
        let refused = parse_toml("no_such_setting = \"x\"\n").unwrap_err();
        for key in &file_keys {
            assert!(refused.contains(key), "{key} is not listed in: {refused}");
        }
        for quoted in refused.split('`').skip(1).step_by(2) {
            assert!(
                quoted == "no_such_setting" || file_keys.contains(&quoted),
                "the file takes `{quoted}`, which is no setting"
            );
        }
    }

    #[test]
    fn forwarding_needs_an_http_url_and_a_timeout_within_wechats_five_seconds() {
        assert_eq!(args().load().unwrap().callback_forward, None);

        let mut given = args();
        given.callback_forward_url = Some("http://127.0.0.1:8080/wechat?from=qunfa".into());
        let forward = given.load().unwrap().callback_forward.unwrap();
        assert_eq!(
            forward.url.as_str(),
            "http://127.0.0.1:8080/wechat?from=qunfa"
        );
        assert_eq!(forward.timeout, Duration::from_secs(4));

        given.callback_forward_timeout = Some("1500ms".into());
        let forward = given.load().unwrap().callback_forward.unwrap();
        assert_eq!(forward.timeout, Duration::from_millis(1500));

        for (timeout, words) in [
            ("6s", "between 100 milliseconds and 5 seconds"),
            ("50ms", "between 100 milliseconds and 5 seconds"),
            ("soon", "not a duration"),
        ] {
            given.callback_forward_timeout = Some(timeout.into());
            let error = given.load().unwrap_err().to_string();
            assert!(
                error.starts_with("QUNFA_CALLBACK_FORWARD_TIMEOUT:"),
                "{error}"
            );
            assert!(error.contains(words), "{timeout}: {error}");
        }

        let mut given = args();
        given.callback_forward_url = Some("ftp://bot.internal/wechat".into());
        let error = given.load().unwrap_err().to_string();
        assert!(error.starts_with("QUNFA_CALLBACK_FORWARD_URL:"), "{error}");
        assert!(error.contains("http:// or https://"), "{error}");

        let mut given = args();
        given.callback_forward_timeout = Some("2s".into());
        let error = given.load().unwrap_err().to_string();
        assert!(
            error.starts_with("QUNFA_CALLBACK_FORWARD_TIMEOUT:"),
            "{error}"
        );
        assert!(error.contains("QUNFA_CALLBACK_FORWARD_URL"), "{error}");
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let file = parse_toml("site_addr = \"0.0.0.0:8080\"\nsession_idle = \"30m\"\n").unwrap();
        let mut given = args();
        given.site_addr = Some("127.0.0.1:4000".into());
        let settings = given.over(&file).unwrap().parse().unwrap();
        assert_eq!(settings.site_addr.to_string(), "127.0.0.1:4000");
        assert_eq!(settings.session_idle, Duration::from_secs(1800));
        // A blank value is none: the default, not the file's.
        given.session_idle = Some(" ".into());
        let settings = given.over(&file).unwrap().parse().unwrap();
        assert_eq!(settings.session_idle, Duration::from_secs(12 * 3600));
    }

    #[test]
    fn a_bad_value_names_its_variable_and_what_is_allowed() {
        let mut given = args();
        given.site_addr = Some("localhost".into());
        let error = given.load().unwrap_err().to_string();
        assert!(error.starts_with("LEPTOS_SITE_ADDR:"), "{error}");
        assert!(error.contains("127.0.0.1:3000"), "{error}");

        let mut given = args();
        given.database_url = Some("postgres://x".into());
        assert!(
            given
                .load()
                .unwrap_err()
                .to_string()
                .starts_with("QUNFA_DATABASE_URL:")
        );

        let mut given = args();
        given.wechat_aes_key = Some("short".into());
        assert!(
            given
                .load()
                .unwrap_err()
                .to_string()
                .starts_with("QUNFA_WECHAT_AES_KEY:")
        );

        let mut given = args();
        given.callback_retention = Some("30d".into());
        assert_eq!(
            given.load().unwrap().callback_retention,
            Duration::from_secs(30 * 86400)
        );
        for bad in ["forever", "10s"] {
            let mut given = args();
            given.callback_retention = Some(bad.into());
            let error = given.load().unwrap_err().to_string();
            assert!(error.starts_with("QUNFA_CALLBACK_RETENTION:"), "{error}");
        }

        let mut given = args();
        given.session_idle = Some("forever".into());
        assert!(
            given
                .load()
                .unwrap_err()
                .to_string()
                .starts_with("QUNFA_SESSION_IDLE:")
        );

        let mut given = args();
        given.wechat_overseas = Some("maybe".into());
        assert!(
            given
                .load()
                .unwrap_err()
                .to_string()
                .starts_with("QUNFA_WECHAT_OVERSEAS:")
        );
        given.wechat_overseas = Some(" TRUE ".into());
        assert!(given.load().unwrap().wechat.overseas);
        given.wechat_overseas = None;
        assert!(!given.load().unwrap().wechat.overseas);

        let mut given = args();
        given.secret_key = Some("hunter2".into());
        let error = given.load().unwrap_err().to_string();
        assert!(error.starts_with("QUNFA_SECRET_KEY:"), "{error}");
        assert!(error.contains("openssl rand -base64 32"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
        given.secret_key = Some("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".into());
        assert!(given.load().unwrap().secret_key.is_some());

        let mut given = args();
        given.public_url = Some("ftp://example.com".into());
        assert!(
            given
                .load()
                .unwrap_err()
                .to_string()
                .starts_with("QUNFA_PUBLIC_URL:")
        );
    }

    #[test]
    fn every_duration_is_read_alike_and_says_its_bounds_in_words() {
        let refusal = |set: fn(&mut SettingsArgs, String), text: &str| {
            let mut given = args();
            set(&mut given, text.to_owned());
            given.load().unwrap_err().to_string()
        };
        let idle = |args: &mut SettingsArgs, text| args.session_idle = Some(text);
        assert_eq!(
            refusal(idle, "91d"),
            "QUNFA_SESSION_IDLE: must be between 1 minute and 90 days"
        );
        assert_eq!(
            refusal(idle, "soon"),
            "QUNFA_SESSION_IDLE: `soon` is not a duration such as 30s, 15m or 1h"
        );
        let grace = |args: &mut SettingsArgs, text| args.shutdown_grace = Some(text);
        assert_eq!(
            refusal(grace, "11m"),
            "QUNFA_SHUTDOWN_GRACE: must be between 1 second and 10 minutes"
        );
        let schedule = |args: &mut SettingsArgs, text| args.schedule_grace = Some(text);
        assert_eq!(
            refusal(schedule, "8d"),
            "QUNFA_SCHEDULE_GRACE: must be between 0 seconds and 7 days"
        );
        assert_eq!(
            args().load().unwrap().schedule_grace,
            Duration::from_secs(900)
        );
        let mut given = args();
        given.schedule_grace = Some("2h".into());
        assert_eq!(
            given.load().unwrap().schedule_grace,
            Duration::from_secs(7200)
        );
        let calls = |args: &mut SettingsArgs, text| args.stats_daily_calls = Some(text);
        for bad in ["1", "1001", "ten", "-3"] {
            assert_eq!(
                refusal(calls, bad),
                "QUNFA_STATS_DAILY_CALLS: must be a whole number from 2 to 1000"
            );
        }
        assert_eq!(args().load().unwrap().stats_daily_calls, 20);
        let retention = |args: &mut SettingsArgs, text| args.callback_retention = Some(text);
        assert_eq!(
            refusal(retention, "30s"),
            "QUNFA_CALLBACK_RETENTION: must be between 1 minute and 3650 days"
        );
        let mut given = args();
        given.session_idle = Some(" 90m ".into());
        assert_eq!(
            given.load().unwrap().session_idle,
            Duration::from_secs(5400)
        );
    }

    #[test]
    fn an_account_needs_both_appid_and_secret_and_a_token() {
        let mut given = args();
        given.wechat_appid = Some("wx1234567890abcdef".into());
        assert!(
            given
                .load()
                .unwrap_err()
                .to_string()
                .starts_with("QUNFA_WECHAT_SECRET:")
        );
        given.wechat_secret = Some("s3cret".into());
        assert!(
            given
                .load()
                .unwrap_err()
                .to_string()
                .starts_with("QUNFA_WECHAT_TOKEN:")
        );
        given.wechat_token = Some("mytoken123".into());
        let settings = given.load().unwrap();
        assert!(!settings.uses_simulator());

        let mut given = args();
        given.wechat_appid = Some("not-an-appid".into());
        given.wechat_secret = Some("s".into());
        assert!(
            given
                .load()
                .unwrap_err()
                .to_string()
                .starts_with("QUNFA_WECHAT_APPID:")
        );
    }

    #[test]
    fn the_access_token_can_come_from_elsewhere() {
        let mut given = args();
        given.wechat_appid = Some("wx1234567890abcdef".into());
        given.wechat_token = Some("mytoken123".into());
        given.wechat_access_token_url = Some("https://tokens.example.com/authorizer".into());
        let settings = given.load().unwrap();
        let access = &settings.wechat.account.as_ref().unwrap().access;
        assert!(matches!(access, AccessTokenSetting::External(_)));

        given.wechat_access_token = Some("fixed".into());
        assert!(
            given
                .load()
                .unwrap_err()
                .to_string()
                .starts_with("QUNFA_WECHAT_ACCESS_TOKEN:")
        );

        given.wechat_access_token_url = None;
        given.wechat_secret = Some("s".into());
        given.wechat_token_api = Some("classic".into());
        let settings = given.load().unwrap();
        assert!(matches!(
            settings.wechat.account.unwrap().access,
            AccessTokenSetting::Fixed(_)
        ));

        given.wechat_access_token = None;
        let settings = given.load().unwrap();
        assert!(matches!(
            settings.wechat.account.unwrap().access,
            AccessTokenSetting::Classic(_)
        ));
        given.wechat_token_api = Some("newest".into());
        assert!(
            given
                .load()
                .unwrap_err()
                .to_string()
                .starts_with("QUNFA_WECHAT_TOKEN_API:")
        );
    }

    #[test]
    fn https_public_url_makes_cookies_secure() {
        let mut given = args();
        given.public_url = Some("https://qunfa.example.com".into());
        let settings = given.load().unwrap();
        assert!(settings.cookies_secure());
        assert_eq!(settings.public_origin(), "https://qunfa.example.com");
        assert_eq!(
            settings.callback_url(1, "main"),
            "https://qunfa.example.com/wechat/callback"
        );
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let mut given = args();
        given.wechat_appid = Some("wx1234567890abcdef".into());
        given.wechat_secret = Some("topsecretvalue".into());
        given.wechat_token = Some("tokenvalue42".into());
        given.wechat_aes_key = Some("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".into());
        given.admin_user = Some("root".into());
        given.admin_password = Some("adminpassword".into());
        given.secret_key = Some("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".into());
        let debug = format!("{:?}", given.load().unwrap());
        for secret in [
            "topsecretvalue",
            "tokenvalue42",
            "abcdefghijklmnop",
            "adminpassword",
            "AAECAwQFBgcICQoLDA0ODxAR",
        ] {
            assert!(!debug.contains(secret), "{secret} leaked in {debug}");
        }
    }

    #[test]
    fn the_file_refuses_unknown_keys_and_wrong_types() {
        assert!(
            parse_toml("sitee_addr = \"x\"")
                .unwrap_err()
                .contains("unknown field `sitee_addr`, expected one of `site_addr`")
        );
        assert!(parse_toml("sitee_addr = \"\"").is_err());
        assert!(
            parse_toml("site_addr = [1]")
                .unwrap_err()
                .contains("must be a string")
        );
        assert!(parse_toml("site_addr = ").is_err());
    }

    #[test]
    fn memory_and_query_options_in_database_urls() {
        assert_eq!(parse_database_url("sqlite::memory:").unwrap().file, None);
        assert_eq!(
            parse_database_url("sqlite:///var/lib/qunfa/q.db?mode=rwc")
                .unwrap()
                .file,
            Some(PathBuf::from("/var/lib/qunfa/q.db"))
        );
    }
}
