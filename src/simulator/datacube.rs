//! The statistics endpoints (`datacube/getarticleread`,
//! `datacube/getarticleshare`). BACKBONE PLACEHOLDER: the statistics helper
//! replaces these handlers with the simulated figures before this lands.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};

use super::Simulator;

pub(crate) async fn article_read(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    placeholder(sim, raw, body)
}

pub(crate) async fn article_share(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    placeholder(sim, raw, body)
}

fn placeholder(_sim: Simulator, _raw: Option<String>, _body: Bytes) -> Response {
    axum::Json(serde_json::json!({"errcode": 48001, "errmsg": "api unauthorized"})).into_response()
}
