//! Logs: one line per request, errors with their cause chain, and never a
//! password, secret, token or cookie (nothing here logs headers or queries).

use std::time::Instant;

use axum::{extract::Request, middleware::Next, response::Response};
use tracing_subscriber::{EnvFilter, fmt};

/// `RUST_LOG` sets the level; `info` for qunfa and `warn` for the rest
/// otherwise. Calling it twice is harmless (tests start several servers).
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,qunfa=info"));
    let _ = fmt().with_env_filter(filter).with_target(false).try_init();
}

/// Method, path (without the query, which may carry signatures), status and
/// latency of every request.
pub async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(%method, %path, status, latency_ms = format!("{latency_ms:.1}"), "request");
    } else {
        tracing::info!(%method, %path, status, latency_ms = format!("{latency_ms:.1}"), "request");
    }
    response
}
