//! qunfa (群发): a self-hosted console for WeChat Official Account mass sends.
//! ARCHITECTURE.md has the map of the code.

pub mod accounts;
pub mod article;
pub mod audit;
pub mod auth;
pub mod campaigns;
pub mod drafts;
pub mod edge;
pub mod error;
pub mod i18n;
pub mod media;
pub mod sends;
pub mod settings;
pub mod stats;
pub mod ui;
pub mod wechat;

#[cfg(feature = "ssr")]
pub mod callbacks;
#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod metrics;
#[cfg(feature = "ssr")]
pub mod shell;
#[cfg(feature = "ssr")]
pub mod simulator;

/// The browser's entry point: hydrate the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(ui::App);
}
