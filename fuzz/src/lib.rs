//! Just the WeChat protocol modules of qunfa, compiled on their own for
//! fuzzing.
//!
//! Depending on the whole `qunfa` crate would build Leptos, axum and sqlx
//! with sanitizer instrumentation for nothing: the callback parser and the
//! callback crypto need only `i18n.rs` and four files of `src/wechat/`.
//! They are included here by path, so the fuzzer always runs the real,
//! current source and there is no copy to drift.
//!
//! The module tree mirrors the main crate's (`crate::i18n`,
//! `crate::wechat::{types, status, callback, crypto}`) because the included
//! files refer to each other through `crate::` and `super::` paths.
//! `callback` and `crypto` are gated on `ssr` exactly as in
//! `src/wechat/mod.rs`; the feature is on by default here.

// A `#[path]` in this file is relative to `fuzz/src/`.
#[path = "../../src/i18n.rs"]
pub mod i18n;

// The `#[path]` on this inline module makes `src/wechat/` of the main crate
// the directory its submodules are read from. (A `#[path]` on each
// submodule alone would be taken relative to `fuzz/src/wechat/`, which does
// not exist, so `..` could not be walked out of it.)
#[path = "../../src/wechat"]
pub mod wechat {
    #[path = "types.rs"]
    pub mod types;

    #[path = "status.rs"]
    pub mod status;

    #[cfg(feature = "ssr")]
    #[path = "callback/mod.rs"]
    pub mod callback;

    #[cfg(feature = "ssr")]
    #[path = "crypto.rs"]
    pub mod crypto;
}
