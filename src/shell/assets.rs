//! The browser's files under `/pkg`: compressed, and cached until the next
//! build. The page links them under `/pkg/<build id>/`, where they never
//! change, so a browser may keep them for a year; a new build has a new id.

use std::{
    hash::{DefaultHasher, Hash, Hasher},
    path::{Path, PathBuf},
    sync::Arc,
};

use axum::{
    body::Body,
    extract::{Path as UrlPath, Request, State},
    http::{HeaderValue, Uri, header},
    response::{IntoResponse, Response},
};
use tower::ServiceExt;
use tower_http::services::ServeDir;

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
    let served = ServeDir::new(&*assets.pkg_dir).oneshot(request).await;
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
