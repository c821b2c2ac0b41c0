//! The WeChat protocol, and nothing else.
//!
//! This module knows the shapes and rules of the WeChat Official Account
//! APIs around `message/mass/sendall` and of the callback that reports a
//! send's end. It knows nothing of the UI, the database or HTTP: the client,
//! the simulator and the callback route call into it, never the other way.
//!
//! - [`types`]: domain values (`MsgType`, `ClientMsgId`, `MsgId`, …) that
//!   parse their raw form once.
//! - [`errcode`]: every known `errcode` with its message and remedy, and the
//!   [`errcode::ApiError`] a call returns.
//! - [`api`]: typed JSON request and response bodies.
//! - [`status`]: the outcome of a send as the callback reports it, in words.
//! - [`crypto`] (server only): callback signatures and AES message crypto.
//! - [`callback`] (server only): safe parsing of the callback XML.
//! - [`token`] (server only): the access token: fetched once, cached,
//!   refreshed before expiry, dropped only when it is the one that failed.
//! - [`client`] (server only): the HTTP client for every call, with
//!   timeouts and bounded retries.
//!
//! `types`, `errcode`, `api` and `status` also compile for the browser, so
//! they use only `serde`, `serde_json`, `thiserror` and std; the two server
//! modules are gated whole behind the `ssr` feature.

pub mod api;
pub mod errcode;
pub mod status;
pub mod types;

#[cfg(feature = "ssr")]
pub mod callback;
#[cfg(feature = "ssr")]
pub mod client;
#[cfg(feature = "ssr")]
pub mod crypto;
#[cfg(feature = "ssr")]
pub mod token;
