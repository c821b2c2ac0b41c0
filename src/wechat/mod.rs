//! The WeChat protocol, and nothing else.
//!
//! This module knows the shapes and rules of the WeChat Official Account
//! APIs around `message/mass/sendall` and of the callback that reports a
//! send's end. It knows nothing of the app: the console, the simulator and
//! the callback route call into it, never the other way. What happens in it
//! that the app wants to count or keep, it tells through traits the app
//! implements: [`token::TokenCache`] (where the token is kept),
//! [`token::TokenObserver`] and [`client::CallObserver`] (what was fetched
//! and called). Its only paths into the app are the `i18n` and `error` types
//! its errors are worded with (a test below checks).
//!
//! - [`types`]: domain values (`MsgType`, `ClientMsgId`, `MsgId`, …) that
//!   parse their raw form once.
//! - [`errcode`]: every known `errcode` with its message and remedy, and the
//!   [`errcode::ApiError`] a call returns.
//! - [`api`]: typed JSON request and response bodies.
//! - [`status`]: the outcome of a send as the callback reports it, in words.
//! - [`limits`]: WeChat's limits on uploaded files (formats by their
//!   first bytes, sizes, a voice's length), as data.
//! - [`voice`]: how long a voice file plays, read from its headers.
//! - [`quota`]: the mass-send quota's rules by account kind and audience,
//!   and their periods in China time (the arithmetic is server only).
//! - [`check`]: what checking an account's token source found, in words
//!   (the check itself is [`token::check_source`], server only).
//! - [`crypto`] (server only): callback signatures and AES message crypto.
//! - [`callback`] (server only): safe parsing of the callback XML.
//! - [`datacube`] (server only): the article statistics' requests and
//!   answers (`getarticleread`, `getarticleshare`) and their `msgid`.
//! - [`Endpoint`] (server only): every API endpoint with its path and
//!   method, named by the client, the simulator and the app's counters.
//! - `http` (server only): one HTTP exchange, secrets cut out of its errors.
//! - [`token`] (server only): the access token: fetched once, cached,
//!   refreshed before expiry, dropped only when it is the one that failed.
//! - [`client`] (server only): the HTTP client for every call, with
//!   timeouts and bounded retries.
//! - [`upload`] (server only): a file on disk streamed as a multipart
//!   upload, reopened for each attempt.
//!
//! `types`, `errcode`, `api`, `limits`, `voice`, `quota`, `status` and `check` also compile for the browser, so
//! they use only `serde`, `serde_json`, `strum`, `thiserror` and std; the
//! server modules are gated whole behind the `ssr` feature.

pub mod api;
pub mod check;
pub mod errcode;
pub mod limits;
pub mod quota;
pub mod status;
pub mod types;
pub mod voice;

#[cfg(feature = "ssr")]
pub mod callback;
#[cfg(feature = "ssr")]
pub mod client;
#[cfg(feature = "ssr")]
pub mod crypto;
#[cfg(feature = "ssr")]
pub mod datacube;
#[cfg(feature = "ssr")]
mod endpoint;
#[cfg(feature = "ssr")]
mod http;
#[cfg(all(test, feature = "ssr"))]
pub(crate) mod mock;
#[cfg(feature = "ssr")]
pub mod token;
#[cfg(feature = "ssr")]
pub mod upload;

#[cfg(feature = "ssr")]
pub use endpoint::Endpoint;

/// The protocol layer names nothing of the app: every `crate::` path in
/// `src/wechat/` (tests included) leads to `wechat` itself, or to the
/// `i18n` and `error` types its errors are worded with.
#[cfg(all(test, feature = "ssr"))]
mod layering {
    use std::path::Path;

    const ALLOWED: [&str; 3] = ["wechat", "i18n", "error"];

    fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src/wechat is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                rust_files(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }

    /// The top-level module names after `crate::`: one name, or each first
    /// name of a `{…}` group.
    fn first_names(rest: &str) -> Vec<String> {
        let name = |text: &str| -> String {
            text.trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        };
        let Some(group) = rest.strip_prefix('{') else {
            return vec![name(rest)];
        };
        let mut names = Vec::new();
        let mut depth = 0;
        let mut start = true;
        for (at, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => start = true,
                c if start && !c.is_whitespace() => {
                    start = false;
                    names.push(name(&group[at..]));
                }
                _ => {}
            }
        }
        names
    }

    #[test]
    fn a_group_names_each_of_its_modules() {
        assert_eq!(first_names("metrics::wechat_call(x)"), ["metrics"]);
        assert_eq!(
            first_names("{\n    i18n::Lang,\n    sends::{a, b},\n    error::AppError,\n};"),
            ["i18n", "sends", "error"]
        );
    }

    #[test]
    fn src_wechat_imports_nothing_of_the_app() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/wechat");
        let mut files = Vec::new();
        rust_files(&root, &mut files);
        assert!(files.len() > 5, "the files of src/wechat are found");
        let mut foreign = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a readable source file");
            // Comments left out, lines joined: a `use crate::{…}` may span several.
            let code: String = text
                .lines()
                .map(|line| line.split("//").next().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" ");
            for (at, _) in code.match_indices("crate::") {
                let rest = &code[at + "crate::".len()..];
                for module in first_names(rest) {
                    if !module.is_empty() && !ALLOWED.contains(&module.as_str()) {
                        foreign.push(format!("{}: {module}", file.display()));
                    }
                }
            }
        }
        assert!(
            foreign.is_empty(),
            "app modules named in src/wechat:\n{}",
            foreign.join("\n")
        );
    }
}
