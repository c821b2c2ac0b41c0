//! The HTTP side of the callback: URL verification (GET) and events (POST).

use std::time::{SystemTime, UNIX_EPOCH};

use axum::{
    body::Bytes,
    extract::{Query, RawQuery, State},
    http::{HeaderMap, StatusCode, header::CONTENT_TYPE},
    response::{IntoResponse, Response},
};
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::{
    CallbackState,
    forward::{FORWARDED_HEADER, Forwarder},
    replay::Seen,
    store::{CallbackRecord, Mode},
};
use crate::wechat::{
    callback::{EncryptedEnvelope, parse_callback},
    crypto::{self, CryptoError},
};

/// WeChat's own limit on a callback is far below this; anything larger is
/// not from WeChat.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// How far a callback's timestamp may be from our clock.
pub const MAX_SKEW_SECS: u64 = 5 * 60;

#[derive(Deserialize, Default)]
pub struct CallbackQuery {
    #[serde(default)]
    signature: String,
    #[serde(default)]
    timestamp: String,
    #[serde(default)]
    nonce: String,
    #[serde(default)]
    echostr: Option<String>,
    #[serde(default)]
    encrypt_type: Option<String>,
    #[serde(default)]
    msg_signature: Option<String>,
}

/// Why a callback was refused: said in the status line and the log, never
/// with the request's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    MissingSignature,
    BadSignature,
    StaleTimestamp,
    NotEncryptedAsExpected,
    /// An EncodingAESKey is configured but the POST is not in safe mode:
    /// without `msg_signature` nothing signs the body.
    PlaintextWithAesKey,
    NoAesKey,
    WrongAppId,
    CannotDecrypt,
    NotXml,
    DoctypeOrEntity,
    TooLarge,
    /// This timestamp and nonce came before with another body.
    Replayed,
    /// Too many callbacks within the window to check another for replay.
    TooManyToCheck,
}

impl Refusal {
    pub fn status(self) -> StatusCode {
        match self {
            Refusal::MissingSignature
            | Refusal::BadSignature
            | Refusal::PlaintextWithAesKey
            | Refusal::WrongAppId
            | Refusal::Replayed => StatusCode::FORBIDDEN,
            Refusal::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            // WeChat retries a 5xx, by when older pairs have expired.
            Refusal::TooManyToCheck => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The reason as a metrics label.
    pub fn label(self) -> &'static str {
        match self {
            Refusal::MissingSignature => "missing_signature",
            Refusal::BadSignature => "bad_signature",
            Refusal::StaleTimestamp => "stale_timestamp",
            Refusal::NotEncryptedAsExpected => "not_encrypted",
            Refusal::PlaintextWithAesKey => "plaintext_with_aes_key",
            Refusal::NoAesKey => "no_aes_key",
            Refusal::WrongAppId => "wrong_appid",
            Refusal::CannotDecrypt => "cannot_decrypt",
            Refusal::NotXml => "not_xml",
            Refusal::DoctypeOrEntity => "doctype_or_entity",
            Refusal::TooLarge => "too_large",
            Refusal::Replayed => "replayed",
            Refusal::TooManyToCheck => "too_many_to_check",
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            Refusal::MissingSignature => "the signature, timestamp or nonce is missing",
            Refusal::BadSignature => "the signature does not match the Token",
            Refusal::StaleTimestamp => "the timestamp is more than 5 minutes from now",
            Refusal::NotEncryptedAsExpected => {
                "safe mode was announced but the body has no Encrypt"
            }
            Refusal::PlaintextWithAesKey => {
                "an EncodingAESKey is configured, so only encrypted callbacks (encrypt_type=aes with msg_signature) are accepted"
            }
            Refusal::NoAesKey => "the callback is encrypted but no EncodingAESKey is configured",
            Refusal::WrongAppId => "the message is for another AppID",
            Refusal::CannotDecrypt => "the message cannot be decrypted with the EncodingAESKey",
            Refusal::NotXml => "the body is not well-formed XML",
            Refusal::DoctypeOrEntity => "the body declares a DTD or an entity",
            Refusal::TooLarge => "the body is larger than 64 KiB",
            Refusal::Replayed => {
                "this timestamp and nonce came within the last 5 minutes with another body"
            }
            Refusal::TooManyToCheck => {
                "too many callbacks within 5 minutes to check this one for replay; retry later"
            }
        }
    }
}

impl From<CryptoError> for Refusal {
    fn from(error: CryptoError) -> Self {
        match error {
            CryptoError::BadSignature => Refusal::BadSignature,
            CryptoError::StaleTimestamp => Refusal::StaleTimestamp,
            CryptoError::AppIdMismatch => Refusal::WrongAppId,
            _ => Refusal::CannotDecrypt,
        }
    }
}

fn refuse(state: &CallbackState, refusal: Refusal) -> Response {
    state.health.refused(refusal.reason());
    crate::metrics::callback_refused(refusal.label());
    tracing::warn!(reason = refusal.reason(), "refused a callback");
    (refusal.status(), refusal.reason()).into_response()
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn check_signature(state: &CallbackState, query: &CallbackQuery) -> Result<(), Refusal> {
    if query.signature.is_empty() || query.timestamp.is_empty() || query.nonce.is_empty() {
        return Err(Refusal::MissingSignature);
    }
    crypto::verify_signature(
        state.keys.token.expose_secret(),
        &query.timestamp,
        &query.nonce,
        &query.signature,
    )?;
    Ok(())
}

/// `GET`: the URL check WeChat makes when the admin saves the server
/// address. Only a correct signature gets `echostr` back.
pub async fn verify_url(
    State(state): State<CallbackState>,
    Query(query): Query<CallbackQuery>,
) -> Response {
    if let Err(refusal) = check_signature(&state, &query) {
        return refuse(&state, refusal);
    }
    match query.echostr {
        Some(echostr) => echostr.into_response(),
        None => refuse(&state, Refusal::MissingSignature),
    }
}

/// `POST`: an event or message. Verified, decrypted and parsed before it is
/// stored; answered `success` once stored, or with the backend's answer when
/// callbacks are forwarded.
pub async fn receive(
    State(state): State<CallbackState>,
    Query(query): Query<CallbackQuery>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let record = match accept(&state, &query, &body) {
        Ok(record) => record,
        Err(refusal) => return refuse(&state, refusal),
    };
    let forwarder = match state.forward.as_deref() {
        Some(forwarder) if headers.contains_key(FORWARDED_HEADER) => {
            forwarder.note_loop();
            None
        }
        forwarder => forwarder,
    };
    let Some(forwarder) = forwarder else {
        return match store(&state, record).await {
            Ok(()) => "success".into_response(),
            Err(not_stored) => not_stored,
        };
    };
    // Stored while the backend is asked: the event never waits on it.
    let (stored, answer) = tokio::join!(
        store(&state, record),
        pass_on(forwarder, raw_query.as_deref(), &headers, body)
    );
    match stored {
        Ok(()) => answer,
        Err(not_stored) => not_stored,
    }
}

async fn store(
    state: &CallbackState,
    record: super::store::CallbackRecord,
) -> Result<(), Response> {
    match state.writer.store(record).await {
        Ok(()) => {
            state.health.accepted();
            crate::metrics::callback_accepted();
            Ok(())
        }
        Err(error) => {
            // Not stored: WeChat will retry, so say so with a 5xx.
            tracing::error!(error = %error, "a verified callback could not be stored");
            crate::metrics::callback_refused("not_stored");
            Err((StatusCode::SERVICE_UNAVAILABLE, "not stored; retry").into_response())
        }
    }
}

/// The backend's answer as it is, or `success` when there is none to give.
async fn pass_on(
    forwarder: &Forwarder,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    match forwarder
        .forward(raw_query, headers.get(CONTENT_TYPE), body)
        .await
    {
        Ok(answer) => {
            let mut response = (answer.status, answer.body).into_response();
            match answer.content_type {
                Some(content_type) => {
                    response.headers_mut().insert(CONTENT_TYPE, content_type);
                }
                None => {
                    response.headers_mut().remove(CONTENT_TYPE);
                }
            }
            response
        }
        Err(_) => "success".into_response(),
    }
}

/// Everything but storage: pure, so the benchmark and fuzzer can call it.
pub fn accept(
    state: &CallbackState,
    query: &CallbackQuery,
    body: &[u8],
) -> Result<CallbackRecord, Refusal> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Refusal::TooLarge);
    }
    check_signature(state, query)?;
    let now = now_unix();
    crypto::check_timestamp(&query.timestamp, now, MAX_SKEW_SECS)?;
    let text = std::str::from_utf8(body).map_err(|_| Refusal::NotXml)?;
    let safe = query.encrypt_type.as_deref() == Some("aes");
    // With a key, only the ciphertext under `msg_signature` is trusted: a
    // plaintext body (or the plain fields of compatible mode) is signed by
    // nothing, so one captured query string would let anyone post any event.
    let (xml, mode) = match (&state.keys.crypto, safe) {
        (Some(crypto), true) => {
            let msg_signature = query
                .msg_signature
                .as_deref()
                .filter(|s| !s.is_empty())
                .ok_or(Refusal::MissingSignature)?;
            let envelope = EncryptedEnvelope::parse(text).map_err(xml_refusal)?;
            let xml = crypto.decrypt_message(
                &query.timestamp,
                &query.nonce,
                &envelope.encrypt,
                msg_signature,
            )?;
            (xml, Mode::Safe)
        }
        (Some(_), false) => return Err(Refusal::PlaintextWithAesKey),
        (None, true) => return Err(Refusal::NoAesKey),
        (None, false) => (text.to_owned(), Mode::Plaintext),
    };
    let callback = parse_callback(&xml).map_err(xml_refusal)?;
    // Last, so a request refused above leaves its pair free. A retry is
    // stored again and dropped by its dedup key, as before.
    let timestamp = query
        .timestamp
        .trim()
        .parse()
        .map_err(|_| Refusal::StaleTimestamp)?;
    match state.replays.check(timestamp, &query.nonce, body, now) {
        Seen::First | Seen::Retry => {}
        Seen::OtherBody => return Err(Refusal::Replayed),
        Seen::Full => return Err(Refusal::TooManyToCheck),
    }
    Ok(CallbackRecord::new(state.account_id, callback, xml, mode))
}

fn xml_refusal(error: crate::wechat::callback::XmlError) -> Refusal {
    use crate::wechat::callback::XmlError;
    match error {
        XmlError::Dtd | XmlError::UndefinedEntity(_) => Refusal::DoctypeOrEntity,
        XmlError::TooLarge(_) => Refusal::TooLarge,
        XmlError::Missing("Encrypt") => Refusal::NotEncryptedAsExpected,
        _ => Refusal::NotXml,
    }
}
