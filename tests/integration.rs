//! Every integration test in one binary: the real server on port 0 with a
//! temporary database (`common`). One binary, not one per file, because each
//! linked the whole server again (33 binaries of 150–260 MB made a clean
//! `make test` fill 12 GB of `target/`). Run one file's tests with
//! `cargo test --features ssr --test integration stats_fetch::`.

mod common;

mod access;
mod accounts;
mod accounts_admin;
mod approval;
mod article;
mod auth;
mod campaign;
mod cli;
mod drafts;
mod drafts_protocol;
mod forward;
mod hardening;
mod history;
mod imports;
mod media;
mod openid_list;
mod operations;
mod pickers;
mod quota;
mod recovery;
mod schedule;
mod scheduled;
mod secrets;
mod sends;
mod settings;
mod stats_fetch;
mod stats_overview;
mod stats_send;
mod wechat;
mod wire;
