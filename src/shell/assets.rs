//! The browser's files under `/pkg`: compressed, and cached until the next
//! build. The page links them under `/pkg/<build id>/`, where they never
//! change, so a browser may keep them for a year; a new build has a new id.
//! A release build carries each file compressed beside it (`.br`, `.gz`,
//! made once by `cargo leptos build --release --precompress`), sent as the
//! browser's `Accept-Encoding` allows; the router's compression layer only
//! compresses what has no such file (a debug build's).

use std::{
    hash::{DefaultHasher, Hash, Hasher},
    path::{Path, PathBuf},
    sync::Arc,
};

use axum::{
    Router,
    body::Body,
    extract::{FromRef, Path as UrlPath, Request, State},
    http::{HeaderValue, Uri, header},
    response::{IntoResponse, Response},
    routing::get,
};
use tower::ServiceExt;
use tower_http::{compression::CompressionLayer, services::ServeDir};

/// `/pkg/*`, which needs no session.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    AssetVersion: FromRef<S>,
{
    Router::new()
        .route("/pkg/{*file}", get(serve_pkg))
        .layer(CompressionLayer::new())
}

#[derive(Clone, Debug)]
pub struct AssetVersion {
    id: Arc<str>,
    pkg_dir: Arc<Path>,
}

impl AssetVersion {
    /// The id comes from the names, sizes and modification times of the
    /// built files: cheap to compute at start, different after any rebuild.
    pub fn of(pkg_dir: PathBuf) -> Self {
        let mut hasher = DefaultHasher::new();
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        if let Ok(entries) = std::fs::read_dir(&pkg_dir) {
            let mut files: Vec<_> = entries
                .flatten()
                .filter_map(|e| {
                    let meta = e.metadata().ok()?;
                    let modified = meta.modified().ok()?;
                    Some((e.file_name(), meta.len(), modified))
                })
                .collect();
            files.sort();
            files.hash(&mut hasher);
        }
        AssetVersion {
            id: format!("{:016x}", hasher.finish()).into(),
            pkg_dir: pkg_dir.into(),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

const FOREVER: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

pub async fn serve_pkg(
    State(assets): State<AssetVersion>,
    UrlPath(rest): UrlPath<String>,
    request: Request,
) -> Response {
    let (file, immutable) = match rest.split_once('/') {
        Some((id, file)) if id == assets.id() => (file.to_owned(), true),
        _ => (rest, false),
    };
    let Ok(uri) = format!("/{file}").parse::<Uri>() else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    let (mut parts, body) = request.into_parts();
    parts.uri = uri;
    let request = Request::from_parts(parts, body);
    let served = ServeDir::new(&*assets.pkg_dir)
        .precompressed_br()
        .precompressed_gzip()
        .oneshot(request)
        .await;
    let mut response = match served {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    };
    if response.status().is_success() {
        let policy = if immutable { FOREVER } else { REVALIDATE };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    async fn get_with(
        app: &Router,
        path: &str,
        accept: Option<&str>,
    ) -> (StatusCode, Option<String>, Vec<u8>) {
        let mut request = Request::builder().uri(path);
        if let Some(accept) = accept {
            request = request.header(header::ACCEPT_ENCODING, accept);
        }
        let response = app
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let encoding = response
            .headers()
            .get(header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap().to_owned());
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, encoding, body.to_vec())
    }

    /// The files a release build compressed are sent as they are, by the
    /// browser's `Accept-Encoding`; nothing is compressed again.
    #[tokio::test]
    async fn a_precompressed_file_is_sent_as_it_was_built() {
        let dir = tempfile::tempdir().unwrap();
        let raw = "function hydrate() {}\n".repeat(200);
        std::fs::write(dir.path().join("qunfa.js"), &raw).unwrap();
        // Marked bodies, not real compression: what is sent must be the file.
        std::fs::write(dir.path().join("qunfa.js.br"), b"built with brotli").unwrap();
        std::fs::write(dir.path().join("qunfa.js.gz"), b"built with gzip").unwrap();
        let version = AssetVersion::of(dir.path().to_owned());
        let path = format!("/pkg/{}/qunfa.js", version.id());
        let app = router::<AssetVersion>().with_state(version);

        let (status, encoding, body) = get_with(&app, &path, Some("gzip, deflate, br")).await;
        assert_eq!((status, encoding.as_deref()), (StatusCode::OK, Some("br")));
        assert_eq!(body, b"built with brotli");

        let (status, encoding, body) = get_with(&app, &path, Some("gzip")).await;
        assert_eq!(
            (status, encoding.as_deref()),
            (StatusCode::OK, Some("gzip"))
        );
        assert_eq!(body, b"built with gzip");

        let (status, encoding, body) = get_with(&app, &path, None).await;
        assert_eq!((status, encoding), (StatusCode::OK, None));
        assert_eq!(body, raw.as_bytes());
    }

    /// A debug build has no compressed files: they are compressed as sent.
    #[tokio::test]
    async fn a_file_without_a_compressed_copy_is_compressed_as_sent() {
        let dir = tempfile::tempdir().unwrap();
        let raw = "function hydrate() {}\n".repeat(200);
        std::fs::write(dir.path().join("qunfa.js"), &raw).unwrap();
        let version = AssetVersion::of(dir.path().to_owned());
        let path = format!("/pkg/{}/qunfa.js", version.id());
        let app = router::<AssetVersion>().with_state(version);

        let (status, encoding, body) = get_with(&app, &path, Some("br")).await;
        assert_eq!((status, encoding.as_deref()), (StatusCode::OK, Some("br")));
        assert!(
            body.len() < raw.len() / 4,
            "{} bytes of {}",
            body.len(),
            raw.len()
        );
    }
}
