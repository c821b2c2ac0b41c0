//! One HTTP exchange with WeChat's API, shared by the client and the token
//! manager: the request goes out, the answer is read as WeChat's JSON, and
//! every error text has the secrets cut out before anyone can print it.
//!
//! The access token travels in the query (`?access_token=`), as WeChat
//! requires, so every reqwest error has its URL stripped as well.

use std::error::Error as _;

use serde::de::DeserializeOwned;
use url::Url;

use super::api::{DecodeError, decode};
use super::errcode::ApiError;

/// `base` + `path`, keeping any path prefix of `base`:
/// `http://host/sim` + `/cgi-bin/token` = `http://host/sim/cgi-bin/token`.
/// (`Url::join` would drop `sim`.) Any query or fragment of `base` goes.
pub(super) fn api_url(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    url.set_path(&joined);
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// The failure of one HTTP exchange, before the caller names it
/// ([`CallError`](super::client::CallError) or
/// [`TokenError`](super::token::TokenError)).
pub(super) enum Failure {
    Api(ApiError),
    Timeout,
    Transport(String),
    Http(u16),
    Malformed(String),
}

/// A 2xx answer as it came: its `Content-Type` and its bytes.
pub(super) struct Answer {
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// Sends `request` and reads a WeChat answer: `Ok(T)`, the errcode, or
/// why there is no answer. `secrets` (the token, the AppSecret) are cut out
/// of every error text; reqwest's URL, which holds the token, is stripped.
pub(super) async fn exchange<T: DeserializeOwned>(
    request: reqwest::RequestBuilder,
    secrets: &[&str],
) -> Result<T, Failure> {
    let answer = exchange_answer(request, secrets).await?;
    read_json(&answer, secrets)
}

/// Sends `request` and takes its 2xx answer whole, whatever it is (a
/// material's bytes, JSON).
pub(super) async fn exchange_answer(
    request: reqwest::RequestBuilder,
    secrets: &[&str],
) -> Result<Answer, Failure> {
    let response = request.send().await.map_err(|e| from_reqwest(e, secrets))?;
    let status = response.status();
    if !status.is_success() {
        return Err(Failure::Http(status.as_u16()));
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response
        .bytes()
        .await
        .map_err(|e| from_reqwest(e, secrets))?
        .into();
    Ok(Answer { content_type, body })
}

/// Reads an answer as WeChat's JSON: `Ok(T)` or the errcode.
pub(super) fn read_json<T: DeserializeOwned>(
    answer: &Answer,
    secrets: &[&str],
) -> Result<T, Failure> {
    let body = &answer.body;
    decode::<T>(body).map_err(|e| match e {
        DecodeError::Api(api) => Failure::Api(api),
        // serde's message can quote a value of the body: scrubbed too.
        DecodeError::Malformed(json) => {
            Failure::Malformed(scrub(format!("{json} ({} bytes)", body.len()), secrets))
        }
    })
}

fn from_reqwest(error: reqwest::Error, secrets: &[&str]) -> Failure {
    if error.is_timeout() {
        Failure::Timeout
    } else {
        Failure::Transport(describe(&error.without_url(), secrets))
    }
}

/// An error with its causes ("error sending request: … connection
/// refused"), secrets removed.
pub(super) fn describe(error: &reqwest::Error, secrets: &[&str]) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = inner.source();
    }
    scrub(text, secrets)
}

/// Replaces every occurrence of a secret with `[hidden]`.
pub(super) fn scrub(mut text: String, secrets: &[&str]) -> String {
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret) {
            text = text.replace(secret, "[hidden]");
        }
    }
    text
}
