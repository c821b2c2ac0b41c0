//! `GET|POST /wechat/callback`: where WeChat tells us how a send ended.
//!
//! The order matters and is the point of this module: the signature is
//! checked over the raw query and bytes before anything is parsed; only a
//! verified, decrypted, well-formed event is stored; a refused request leaves
//! nothing behind but a line in the log and the "last refused" health note.
//! Stored events are written by one task in batches, so many callbacks
//! arriving together cost one transaction, and each is answered `success`
//! only after its row is committed. With a forward URL, every verified
//! callback is also passed on to the account's own backend (`forward`)
//! while it is stored, and the backend's answer goes back to WeChat.

pub mod endpoint;
pub mod forward;
pub mod replay;
pub mod store;

use std::{
    sync::{Arc, Mutex},
    time::SystemTime,
};

use secrecy::{ExposeSecret, SecretString};

use crate::wechat::crypto::{CallbackCrypto, CryptoError};

/// What the endpoint checks callbacks with.
pub struct CallbackKeys {
    pub token: SecretString,
    /// Present when an EncodingAESKey is configured (safe or compatible mode).
    pub crypto: Option<CallbackCrypto>,
}

impl CallbackKeys {
    pub fn new(
        token: SecretString,
        aes_key: Option<&SecretString>,
        appid: &str,
    ) -> Result<Self, CryptoError> {
        let crypto = aes_key
            .map(|key| CallbackCrypto::new(token.expose_secret(), key.expose_secret(), appid))
            .transpose()?;
        Ok(CallbackKeys { token, crypto })
    }
}

/// The last callback accepted and the last refused, for the settings page.
#[derive(Default)]
pub struct CallbackHealth {
    inner: Mutex<HealthInner>,
}

#[derive(Default, Clone, Debug)]
pub struct HealthInner {
    pub last_accepted: Option<SystemTime>,
    pub last_refused: Option<(SystemTime, String)>,
    pub accepted: u64,
    pub refused: u64,
}

impl CallbackHealth {
    fn accepted(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.last_accepted = Some(SystemTime::now());
        inner.accepted += 1;
    }

    fn refused(&self, reason: &str) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.last_refused = Some((SystemTime::now(), reason.to_owned()));
        inner.refused += 1;
    }

    pub fn snapshot(&self) -> HealthInner {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Everything the endpoint needs, shared by all requests.
#[derive(Clone)]
pub struct CallbackState {
    /// The account these callbacks belong to.
    pub account_id: i64,
    pub keys: Arc<CallbackKeys>,
    pub writer: store::CallbackWriter,
    pub health: Arc<CallbackHealth>,
    /// The `(timestamp, nonce)` pairs accepted within the window.
    pub replays: Arc<replay::ReplayGuard>,
    /// The account's existing backend, when callbacks are passed on to it.
    pub forward: Option<Arc<forward::Forwarder>>,
}
