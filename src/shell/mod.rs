//! The app shell on the server: settings, database, router, start-up and the
//! command line. Nothing here is compiled for the browser.

pub mod accounts;
pub mod arguments;
pub mod assets;
pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod headers;
pub mod secrets;
pub mod server;
pub mod state;
pub mod telemetry;
pub mod wechat;
