//! Logs: one line per request, errors with their cause chain, and never a
//! password, secret, token or cookie (nothing here logs headers or queries).
//! Human-readable lines, or JSON lines with `QUNFA_LOG_FORMAT=json`.

use std::{io::IsTerminal, time::Instant};

use axum::{extract::Request, middleware::Next, response::Response};
use tracing_subscriber::{EnvFilter, fmt};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LogFormat {
    /// `text` or `json`; anything else is refused in words.
    pub fn parse(given: Option<&str>) -> Result<LogFormat, String> {
        match given.map(|g| g.trim().to_ascii_lowercase()).as_deref() {
            None | Some("") | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(format!(
                "QUNFA_LOG_FORMAT: `{other}` is neither `text` nor `json`"
            )),
        }
    }
}

/// Human-readable lines with the default filter: what tests and
/// `server::start` use.
pub fn init() {
    init_with(LogFormat::Text);
}

/// `RUST_LOG` sets the level; `info` for qunfa and `warn` for the rest
/// otherwise. Only the first call counts (tests start several servers).
pub fn init_with(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,qunfa=info"));
    // Standard error, so a command's own output (`qunfa user list`) stays
    // apart from the log.
    let builder = fmt()
        .with_env_filter(filter)
        .with_target(false)
        // Colours for a person at a terminal, not for journald or a file.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        // One object per line; span fields flattened into it.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
}

/// Method, path (without the query, which may carry signatures), status and
/// latency of every request.
pub async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let took = started.elapsed().as_secs_f64();
    crate::metrics::request_took(crate::metrics::request_kind(&path), took);
    let latency_ms = took * 1000.0;
    if status >= 500 {
        tracing::warn!(%method, %path, status, latency_ms = format!("{latency_ms:.1}"), "request");
    } else {
        tracing::info!(%method, %path, status, latency_ms = format!("{latency_ms:.1}"), "request");
    }
    response
}

/// The longest piece of untrusted text (a typed username) a log line keeps.
pub const LOGGED_TEXT_MAX_CHARS: usize = 64;

/// Text a stranger typed, made safe to put in a log line: cut to
/// [`LOGGED_TEXT_MAX_CHARS`] (marked `…`), and every character that could
/// start a new line or hide text (control characters, line and paragraph
/// separators, bidirectional overrides) written as an escape, as is the
/// backslash itself, so no typed text can look like a line of its own.
pub fn untrusted(text: &str) -> String {
    let mut safe = String::new();
    for (taken, c) in text.chars().enumerate() {
        if taken == LOGGED_TEXT_MAX_CHARS {
            safe.push('…');
            break;
        }
        let hides = matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c == '\\' || c.is_control() || hides {
            safe.extend(c.escape_default());
        } else {
            safe.push(c);
        }
    }
    safe
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_text_cannot_forge_a_log_line() {
        let forged = "admin\n2026-11-30T09:00:00Z  INFO logged in user=admin\r\u{2028}x";
        let logged = untrusted(forged);
        assert!(
            !logged.chars().any(|c| c.is_control() || c == '\u{2028}'),
            "{logged:?}"
        );
        assert!(logged.starts_with("admin\\n2026"), "{logged:?}");
        assert!(logged.contains("\\r\\u{2028}x"), "{logged:?}");
        // A backslash is escaped too, so `\n` typed as two characters stays
        // distinguishable from an escaped newline.
        assert_eq!(untrusted("a\\nb"), "a\\\\nb");
        assert_eq!(untrusted("王小明 ed"), "王小明 ed");
    }

    #[test]
    fn untrusted_text_is_cut_to_a_bound() {
        let long = "x".repeat(10_000);
        let logged = untrusted(&long);
        assert_eq!(
            logged,
            format!("{}…", "x".repeat(LOGGED_TEXT_MAX_CHARS)),
            "cut, and marked as cut"
        );
        let exact = "y".repeat(LOGGED_TEXT_MAX_CHARS);
        assert_eq!(untrusted(&exact), exact);
        // Escapes do not let a long line through: the cut is on the input.
        let newlines = "\n".repeat(10_000);
        assert!(untrusted(&newlines).chars().count() <= 2 * LOGGED_TEXT_MAX_CHARS + 1);
    }
}
