//! The headers every response carries so that a browser runs only the
//! console's own scripts, never frames it, and never guesses a content type.
//!
//! Each request gets a fresh nonce in its extensions; `ui::shell` hands it to
//! Leptos, which writes it on every script it puts in the page, and the
//! Content-Security-Policy of an HTML answer allows only scripts with it.

use axum::{
    extract::Request,
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use leptos::nonce::Nonce;

/// The policy of a page rendered with `nonce`. `'self'` lets the page
/// preload and import `/pkg/qunfa.js` (Leptos's preload link carries no
/// nonce); `'wasm-unsafe-eval'` lets it compile the WebAssembly; nothing
/// inline runs without the nonce. Inline `style` attributes are allowed
/// (`style-src-attr`), no `<style>` element: a WeChat article is styled
/// by them alone (`article::render`) and the editor shows it as it is. They
/// load nothing from elsewhere (`img-src` holds for `url()` in them too).
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

pub async fn security_headers(mut request: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Not `no-referrer`: under it a browser sends `Origin: null` with a
    // same-origin form post, which `guard::same_origin` refuses.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html && let Ok(policy) = HeaderValue::from_str(&content_security_policy(&nonce)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The directive `name` of `policy`, without its name.
    fn directive<'p>(policy: &'p str, name: &str) -> Option<&'p str> {
        policy
            .split(';')
            .map(str::trim)
            .find_map(|d| d.strip_prefix(name)?.strip_prefix(' '))
    }

    #[test]
    fn the_policy_allows_only_the_nonce_inline_and_no_framing() {
        let policy = content_security_policy("abc123");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert_eq!(directive(&policy, "style-src"), Some("'self'"));
        assert!(HeaderValue::from_str(&policy).is_ok());
    }

    #[test]
    fn inline_style_attributes_are_allowed_and_nothing_else_inline() {
        // An article's body (the editor's preview, a send's own copy) is
        // styled by `style` attributes only (`article::render`).
        let policy = content_security_policy("abc123");
        assert_eq!(
            directive(&policy, "style-src-attr"),
            Some("'unsafe-inline'")
        );
        let others = policy.replace("style-src-attr 'unsafe-inline'", "");
        assert!(!others.contains("unsafe-inline"), "{policy}");
    }
}
