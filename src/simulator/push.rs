//! Pushing `MASSSENDJOBFINISH` to the callback URL, as WeChat does.
//!
//! The query carries `signature`, `timestamp`, `nonce` and `openid`; with
//! an EncodingAESKey the body is the safe-mode envelope
//! `<xml><ToUserName/><Encrypt/></xml>` and the query adds
//! `encrypt_type=aes&msg_signature=…`. A try that is not answered `200`
//! with `success` (or an empty body, which WeChat also accepts) is tried
//! again, up to the configured number of tries in all.

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use secrecy::ExposeSecret;

use super::config::wall_clock_secs;
use super::state::{Delivery, MPHELPER_OPENID};
use super::{Account, Simulator};
use crate::wechat::callback::{EncryptedEnvelope, MassSendJobFinish};
use crate::wechat::crypto;

/// How much of a receiver's answer is kept for tests to read.
const MAX_ANSWER_BYTES: usize = 4096;

/// One push, signed (and sealed) once and posted as often as needed.
struct Push {
    url: url::Url,
    body: String,
    event_xml: String,
    encrypted: bool,
}

impl Simulator {
    /// Delivers one job's end to its account's callback URL, retrying as
    /// WeChat does. Returns early, quietly, when the simulator shuts down.
    pub(crate) async fn push(&self, account: &Account, finish: MassSendJobFinish) {
        let msg_id = finish.result.msg_id;
        let appid = account.config().appid.as_str();
        let Some(push) = prepare_push(account, &finish) else {
            return;
        };
        let attempts = self.config().callback_attempts.max(1);
        for attempt in 1..=attempts {
            let request = self
                .inner
                .http
                .post(push.url.clone())
                .header(CONTENT_TYPE, "text/xml; charset=utf-8")
                .body(push.body.clone())
                .send();
            let outcome = tokio::select! {
                outcome = async {
                    let response = request.await?;
                    let status = response.status().as_u16();
                    let answer = read_answer(response).await;
                    Ok::<_, reqwest::Error>((status, answer))
                } => outcome,
                () = self.shutdown_signal() => return,
            };
            let (status, answer, error) = match outcome {
                Ok((status, answer)) => (Some(status), Some(answer), None),
                Err(e) => (None, None, Some(describe(e))),
            };
            let acknowledged = status == Some(200)
                && answer
                    .as_deref()
                    .is_some_and(|a| a.trim().is_empty() || a.trim() == "success");
            if !acknowledged {
                tracing::warn!(
                    %msg_id,
                    appid,
                    attempt,
                    status = ?status,
                    error = error.as_deref().unwrap_or(""),
                    "the callback did not acknowledge MASSSENDJOBFINISH"
                );
            }
            self.record_delivery(
                account,
                Delivery {
                    msg_id,
                    attempt,
                    url: push.url.to_string(),
                    encrypted: push.encrypted,
                    event_xml: push.event_xml.clone(),
                    body: push.body.clone(),
                    status,
                    answer,
                    error,
                    acknowledged,
                },
            );
            if acknowledged {
                return;
            }
            if attempt < attempts
                && !self
                    .sleep_unless_shutdown(self.config().callback_retry_delay)
                    .await
            {
                return;
            }
        }
        account.with_state(|s| s.counters.callbacks_given_up += 1);
    }

    /// Sleeps, or returns `false` at once when the simulator shuts down.
    pub(crate) async fn sleep_unless_shutdown(&self, duration: Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(duration) => true,
            () = self.shutdown_signal() => false,
        }
    }
}

/// The push of `account`: to its URL, signed with its Token, sealed with
/// its key when it has one.
fn prepare_push(account: &Account, finish: &MassSendJobFinish) -> Option<Push> {
    let config = account.config();
    let mut url = config.callback_url.clone()?;
    let event_xml = finish.to_xml();
    let timestamp = wall_clock_secs().to_string();
    let nonce = rand::random_range(100_000_000u32..4_000_000_000).to_string();
    let signature = crypto::signature(config.callback_token.expose_secret(), &timestamp, &nonce);
    url.query_pairs_mut()
        .append_pair("signature", &signature)
        .append_pair("timestamp", &timestamp)
        .append_pair("nonce", &nonce)
        .append_pair("openid", MPHELPER_OPENID);
    let Some(sealer) = &account.crypto else {
        return Some(Push {
            url,
            body: event_xml.clone(),
            event_xml,
            encrypted: false,
        });
    };
    match sealer.seal(&event_xml, &timestamp, &nonce) {
        Ok(sealed) => {
            url.query_pairs_mut()
                .append_pair("encrypt_type", "aes")
                .append_pair("msg_signature", &sealed.msg_signature);
            let body = EncryptedEnvelope {
                to_user_name: Some(config.account_id.clone()),
                encrypt: sealed.encrypt,
            }
            .to_xml();
            Some(Push {
                url,
                body,
                event_xml,
                encrypted: true,
            })
        }
        Err(error) => {
            tracing::error!(%error, appid = %config.appid, "cannot encrypt the MASSSENDJOBFINISH push");
            None
        }
    }
}

/// The start of the answer; a receiver cannot make us read megabytes.
async fn read_answer(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < MAX_ANSWER_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    bytes.truncate(MAX_ANSWER_BYTES);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Why a try got no answer, without the URL (its query is in the record).
fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        error.without_url().to_string()
    }
}
