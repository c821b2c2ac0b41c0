//! The simulator's settings and its clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::SecretString;
use serde::Serialize;
use url::Url;

use super::fixtures::FixtureSet;

/// The AppID of the built-in account (18 characters starting with `wx`, so
/// the console's own AppID check accepts it).
pub const BUILTIN_APPID: &str = "wxqunfasimulator01";

/// The AppSecret of the built-in account. It protects nothing real.
pub const BUILTIN_SECRET: &str = "qunfa-simulator-secret-not-a-real-one";

/// The account's original id (`gh_…`), the `ToUserName` of every push.
pub const BUILTIN_ACCOUNT_ID: &str = "gh_51a7e1a7e001";

/// The length of a made-up callback Token: WeChat's longest (32).
pub const CALLBACK_TOKEN_LEN: usize = 32;

/// A callback Token nobody can guess: 32 letters and digits (about 190
/// bits) from `rand`'s thread generator, a CSPRNG seeded by the operating
/// system; valid in the WeChat console too (3–32 letters and digits).
pub fn random_callback_token() -> SecretString {
    use rand::distr::{Alphanumeric, Distribution};
    let token: String = Alphanumeric
        .sample_iter(rand::rng())
        .take(CALLBACK_TOKEN_LEN)
        .map(char::from)
        .collect();
    SecretString::from(token)
}

/// The AppID of the second built-in account, a 服务号 with the second
/// account's fixtures (for a console that starts with two).
pub const SECOND_BUILTIN_APPID: &str = "wxqunfasimulator02";

/// The AppSecret of the second built-in account. It protects nothing real.
pub const SECOND_BUILTIN_SECRET: &str = "qunfa-simulator-service-secret-not-a-real-one";

/// What kind of Official Account it is: the console shows it, and the
/// simulator's mass-send quota follows it (`quota`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    /// 订阅号 (公众号 of the subscription kind).
    #[default]
    Subscription,
    /// 服务号.
    Service,
}

impl std::str::FromStr for AccountKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "subscription" | "订阅号" => Ok(AccountKind::Subscription),
            "service" | "服务号" => Ok(AccountKind::Service),
            other => Err(format!(
                "unknown account kind {other:?}: subscription (订阅号) or service (服务号)"
            )),
        }
    }
}

/// One simulated Official Account: who it is, where its pushes go and what
/// it starts with. Secrets are `SecretString`, so `Debug` prints them
/// redacted.
#[derive(Clone, Debug)]
pub struct AccountConfig {
    /// The AppID the token calls must present (40013 when no account has it).
    pub appid: String,
    /// The AppSecret the token calls must present (40125 otherwise).
    pub secret: SecretString,
    pub kind: AccountKind,
    /// An overseas account (海外主体): it may mass-send articles only.
    pub overseas: bool,
    /// The callback Token that signs every push of this account.
    pub callback_token: SecretString,
    /// The EncodingAESKey: set, this account's pushes are encrypted.
    pub aes_key: Option<SecretString>,
    /// Where this account's `MASSSENDJOBFINISH` is pushed; `None`: nowhere.
    pub callback_url: Option<Url>,
    /// The account's original id (`gh_…`), `ToUserName` of its pushes.
    pub account_id: String,
    /// The tags, drafts and materials it starts with (and returns to on reset).
    pub fixtures: FixtureSet,
    /// How many followers it has (the audience of a send to all).
    pub followers: u64,
}

impl AccountConfig {
    /// An account with the second account's fixtures, of the subscription
    /// kind, with an original id made from its AppID.
    pub fn new(
        appid: impl Into<String>,
        secret: SecretString,
        callback_token: SecretString,
    ) -> Self {
        let appid = appid.into();
        // Deterministic, so a test (and a person) sees the same id each run.
        let digest = crate::wechat::crypto::sorted_sha1(&[appid.as_str()]);
        let account_id = format!("gh_{}", &digest[..12]);
        AccountConfig {
            appid,
            secret,
            kind: AccountKind::Subscription,
            overseas: false,
            callback_token,
            aes_key: None,
            callback_url: None,
            account_id,
            fixtures: FixtureSet::Second,
            followers: FixtureSet::Second.followers(),
        }
    }

    /// The second built-in account: a 服务号 with the second account's
    /// fixtures.
    pub fn second_builtin(callback_token: SecretString) -> Self {
        AccountConfig::new(
            SECOND_BUILTIN_APPID,
            SecretString::from(SECOND_BUILTIN_SECRET),
            callback_token,
        )
        .with_kind(AccountKind::Service)
    }

    pub fn with_kind(mut self, kind: AccountKind) -> Self {
        self.kind = kind;
        self
    }

    pub fn with_aes_key(mut self, aes_key: SecretString) -> Self {
        self.aes_key = Some(aes_key);
        self
    }

    pub fn with_callback_url(mut self, url: Url) -> Self {
        self.callback_url = Some(url);
        self
    }

    pub fn with_overseas(mut self, overseas: bool) -> Self {
        self.overseas = overseas;
        self
    }

    /// Starts the account with `fixtures` and their number of followers.
    pub fn with_fixtures(mut self, fixtures: FixtureSet) -> Self {
        self.fixtures = fixtures;
        self.followers = fixtures.followers();
        self
    }
}

/// `APPID:SECRET` or `APPID:SECRET:KIND` (`service` or `subscription`), as
/// `qunfa simulator --account` takes it.
#[derive(Clone, Debug)]
pub struct AccountSpec {
    pub appid: String,
    pub secret: SecretString,
    pub kind: AccountKind,
}

impl std::str::FromStr for AccountSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expected = "expected APPID:SECRET or APPID:SECRET:service|subscription";
        let mut parts = s.split(':');
        let (Some(appid), Some(secret)) = (parts.next(), parts.next()) else {
            return Err(expected.to_owned());
        };
        if appid.trim().is_empty() || secret.is_empty() {
            return Err(expected.to_owned());
        }
        let kind = match parts.next() {
            None => AccountKind::default(),
            Some(kind) => kind.parse().map_err(|e| format!("{e}; {expected}"))?,
        };
        if parts.next().is_some() {
            return Err(expected.to_owned());
        }
        Ok(AccountSpec {
            appid: appid.trim().to_owned(),
            secret: SecretString::from(secret.to_owned()),
            kind,
        })
    }
}

/// Everything the simulator needs: the first account (its fields are the
/// ones a single-account simulator always had), any further accounts, and
/// the timings and clock all accounts share. Secrets are `SecretString`,
/// so the derived `Debug` prints them redacted.
#[derive(Clone, Debug)]
pub struct SimulatorConfig {
    /// The first account's AppID.
    pub appid: String,
    /// The first account's AppSecret.
    pub secret: SecretString,
    /// The first account's kind.
    pub kind: AccountKind,
    /// The callback Token that signs the first account's pushes.
    pub callback_token: SecretString,
    /// The first account's EncodingAESKey: set, its pushes are encrypted.
    pub aes_key: Option<SecretString>,
    /// Where the first account's `MASSSENDJOBFINISH` is pushed.
    pub callback_url: Option<Url>,
    /// How long after an accepted send its job finishes and is pushed.
    pub callback_delay: Duration,
    /// How many times one push is tried in all (WeChat: three).
    pub callback_attempts: u32,
    /// The pause between two tries of a push.
    pub callback_retry_delay: Duration,
    /// How long a try waits for the answer (WeChat: five seconds).
    pub callback_timeout: Duration,
    /// The first account's original id, `ToUserName` of its pushes.
    pub account_id: String,
    /// How many followers the first account has.
    pub followers: u64,
    /// The lifetime of an access token (WeChat: 7200 s).
    pub token_lifetime: Duration,
    /// The clock behind every time rule; tests advance it.
    pub clock: Clock,
    /// The first account is overseas (海外主体): it may mass-send articles
    /// only.
    pub overseas: bool,
    /// The accounts served beside the first, in order.
    pub more_accounts: Vec<AccountConfig>,
    /// Whether every account's mass-send quota is enforced (45028), as
    /// WeChat does: on by default. Tests that send several times a day
    /// switch it off (here, or `POST /control/quota`).
    pub enforce_quota: bool,
}

impl SimulatorConfig {
    /// A configuration with WeChat's timings and one account, the demo
    /// account (its fixtures and size).
    pub fn new(
        appid: impl Into<String>,
        secret: SecretString,
        callback_token: SecretString,
    ) -> Self {
        SimulatorConfig {
            appid: appid.into(),
            secret,
            kind: AccountKind::Subscription,
            callback_token,
            aes_key: None,
            callback_url: None,
            callback_delay: Duration::from_secs(1),
            callback_attempts: 3,
            callback_retry_delay: Duration::from_secs(1),
            callback_timeout: Duration::from_secs(5),
            account_id: BUILTIN_ACCOUNT_ID.to_owned(),
            followers: FixtureSet::Demo.followers(),
            token_lifetime: Duration::from_secs(7200),
            clock: Clock::system(),
            overseas: false,
            more_accounts: Vec::new(),
            enforce_quota: true,
        }
    }

    /// The built-in account the console talks to when none is configured.
    pub fn builtin(callback_token: SecretString) -> Self {
        SimulatorConfig::new(
            BUILTIN_APPID,
            SecretString::from(BUILTIN_SECRET),
            callback_token,
        )
    }

    pub fn with_aes_key(mut self, aes_key: SecretString) -> Self {
        self.aes_key = Some(aes_key);
        self
    }

    pub fn with_callback_url(mut self, url: Url) -> Self {
        self.callback_url = Some(url);
        self
    }

    pub fn with_callback_delay(mut self, delay: Duration) -> Self {
        self.callback_delay = delay;
        self
    }

    pub fn with_overseas(mut self, overseas: bool) -> Self {
        self.overseas = overseas;
        self
    }

    pub fn with_kind(mut self, kind: AccountKind) -> Self {
        self.kind = kind;
        self
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Enforces the mass-send quota of each account's kind (`true`, the
    /// default) or not.
    pub fn with_quota(mut self, enforce: bool) -> Self {
        self.enforce_quota = enforce;
        self
    }

    /// Serves `account` too, after the ones already configured.
    pub fn with_account(mut self, account: AccountConfig) -> Self {
        self.more_accounts.push(account);
        self
    }

    /// The first account as an [`AccountConfig`], with the demo fixtures.
    pub fn first_account(&self) -> AccountConfig {
        AccountConfig {
            appid: self.appid.clone(),
            secret: self.secret.clone(),
            kind: self.kind,
            overseas: self.overseas,
            callback_token: self.callback_token.clone(),
            aes_key: self.aes_key.clone(),
            callback_url: self.callback_url.clone(),
            account_id: self.account_id.clone(),
            fixtures: FixtureSet::Demo,
            followers: self.followers,
        }
    }
}

pub use crate::clock::Clock;

/// Wall-clock Unix seconds, for what leaves the simulator (push timestamps).
pub(crate) fn wall_clock_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn debug_hides_every_secret() {
        let config = SimulatorConfig::new(
            "wx0123456789abcdef",
            SecretString::from("topsecret-app"),
            SecretString::from("topsecrettoken"),
        )
        .with_aes_key(SecretString::from(
            "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        ));
        let shown = format!("{config:?}");
        assert!(!shown.contains("topsecret"));
        assert!(!shown.contains("abcdefghijklmnop"));
        assert!(shown.contains("wx0123456789abcdef"));
        assert_eq!(config.secret.expose_secret(), "topsecret-app");
    }

    #[test]
    fn an_account_spec_is_appid_secret_and_an_optional_kind() {
        let plain: AccountSpec = "wx0000000000000a01:secret-of-a".parse().unwrap();
        assert_eq!(plain.appid, "wx0000000000000a01");
        assert_eq!(plain.secret.expose_secret(), "secret-of-a");
        assert_eq!(plain.kind, AccountKind::Subscription);
        let service: AccountSpec = "wx2:s:service".parse().unwrap();
        assert_eq!(service.kind, AccountKind::Service);
        let chinese: AccountSpec = "wx2:s:订阅号".parse().unwrap();
        assert_eq!(chinese.kind, AccountKind::Subscription);
        for bad in [
            "wx2",
            "wx2:",
            ":s",
            "wx2:s:premium",
            "wx2:s:service:more",
            "",
        ] {
            let error = bad.parse::<AccountSpec>().unwrap_err();
            assert!(error.contains("APPID:SECRET"), "{bad}: {error}");
        }
        assert!(!format!("{plain:?}").contains("secret-of-a"));
    }

    #[test]
    fn another_accounts_original_id_comes_from_its_appid() {
        let account = |appid: &str| {
            AccountConfig::new(appid, SecretString::from("s"), SecretString::from("t"))
        };
        let one = account("wxfedcba9876543210");
        assert_eq!(one.account_id, account("wxfedcba9876543210").account_id);
        assert_ne!(one.account_id, account("wxfedcba9876543211").account_id);
        assert!(one.account_id.starts_with("gh_") && one.account_id.len() == 15);
        assert_ne!(one.account_id, BUILTIN_ACCOUNT_ID);
        assert_eq!(one.fixtures, FixtureSet::Second);
        assert_eq!(one.followers, FixtureSet::Second.followers());
        let second = AccountConfig::second_builtin(SecretString::from("t"));
        assert_eq!(
            (second.appid.as_str(), second.kind),
            (SECOND_BUILTIN_APPID, AccountKind::Service)
        );
        let first = SimulatorConfig::builtin(SecretString::from("t"))
            .with_account(second)
            .first_account();
        assert_eq!(first.appid, BUILTIN_APPID);
        assert_eq!(first.account_id, BUILTIN_ACCOUNT_ID);
        assert_eq!(first.fixtures, FixtureSet::Demo);
    }

    #[test]
    fn a_random_callback_token_is_32_letters_and_digits_and_never_the_same() {
        let one = random_callback_token();
        let other = random_callback_token();
        for token in [&one, &other] {
            let token = token.expose_secret();
            assert_eq!(token.len(), CALLBACK_TOKEN_LEN);
            assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()), "{token}");
        }
        assert_ne!(one.expose_secret(), other.expose_secret());
    }

    #[test]
    fn the_clock_only_moves_forward_and_clones_share_it() {
        let clock = Clock::system();
        let twin = clock.clone();
        let before = clock.now();
        twin.advance(Duration::from_secs(3600));
        assert!(clock.now() >= before + Duration::from_secs(3600));
        clock.advance(Duration::MAX);
        assert!(clock.now() >= before);
    }
}
