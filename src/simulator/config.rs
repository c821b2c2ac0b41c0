//! The simulator's settings and its clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::SecretString;
use url::Url;

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

/// Everything the simulator needs. Secrets are `SecretString`, so the
/// derived `Debug` prints them redacted.
#[derive(Clone, Debug)]
pub struct SimulatorConfig {
    /// The AppID the token calls must present (40013 otherwise).
    pub appid: String,
    /// The AppSecret the token calls must present (40125 otherwise).
    pub secret: SecretString,
    /// The callback Token that signs every push.
    pub callback_token: SecretString,
    /// The EncodingAESKey: set, pushes are encrypted (safe mode).
    pub aes_key: Option<SecretString>,
    /// Where `MASSSENDJOBFINISH` is pushed; `None`: nowhere.
    pub callback_url: Option<Url>,
    /// How long after an accepted send its job finishes and is pushed.
    pub callback_delay: Duration,
    /// How many times one push is tried in all (WeChat: three).
    pub callback_attempts: u32,
    /// The pause between two tries of a push.
    pub callback_retry_delay: Duration,
    /// How long a try waits for the answer (WeChat: five seconds).
    pub callback_timeout: Duration,
    /// The account's original id, `ToUserName` of the pushes.
    pub account_id: String,
    /// How many followers the account has (the audience of a send to all).
    pub followers: u64,
    /// The lifetime of an access token (WeChat: 7200 s).
    pub token_lifetime: Duration,
    /// The clock behind every time rule; tests advance it.
    pub clock: Clock,
    /// An overseas account (海外主体): it may mass-send articles only.
    pub overseas: bool,
}

impl SimulatorConfig {
    /// A configuration with WeChat's timings and the demo account's size.
    pub fn new(
        appid: impl Into<String>,
        secret: SecretString,
        callback_token: SecretString,
    ) -> Self {
        SimulatorConfig {
            appid: appid.into(),
            secret,
            callback_token,
            aes_key: None,
            callback_url: None,
            callback_delay: Duration::from_secs(1),
            callback_attempts: 3,
            callback_retry_delay: Duration::from_secs(1),
            callback_timeout: Duration::from_secs(5),
            account_id: BUILTIN_ACCOUNT_ID.to_owned(),
            followers: crate::simulator::fixtures::FOLLOWERS,
            token_lifetime: Duration::from_secs(7200),
            clock: Clock::system(),
            overseas: false,
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

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
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
