//! A server function's arguments are read here before the function runs, so
//! a request whose arguments do not parse (`id=abc`, a missing field) is
//! answered 400 with the field named, instead of failing inside Leptos with
//! no name for what was wrong.
//!
//! Every server function is listed in [`CHECKS`] with its argument type;
//! a test fails when one is registered with Leptos and missing here.

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use leptos::server_fn::ServerFn;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// More than any form of the console takes (`sends::rules::FORM_MAX_BYTES`
/// plus its field names), but for the articles' functions below.
pub const MAX_ARGUMENT_BYTES: usize = 256 * 1024;

/// The arguments of a function that carries articles: a draft's eight,
/// each up to WeChat's 20,000 characters of Markdown or 1 MB of pasted
/// HTML, form-encoded (a Chinese character takes 9 bytes there, `<` 3).
pub const MAX_ARTICLE_ARGUMENT_BYTES: usize = 32 * 1024 * 1024;

/// The functions whose arguments may be as large as
/// [`MAX_ARTICLE_ARGUMENT_BYTES`].
fn carries_articles(path: &str) -> bool {
    [
        <crate::article::api::PreviewArticle as ServerFn>::PATH,
        <crate::drafts::api::SaveDraft as ServerFn>::PATH,
    ]
    .contains(&path)
}

/// The functions that carry a list of followers (the compose form's
/// `openids`, 25,000 lines are ~750 KB): as much as
/// `sends::lists::MAX_TEXT_BYTES` allows.
fn carries_openids(path: &str) -> bool {
    [
        <crate::sends::api::PrepareSend as ServerFn>::PATH,
        <crate::sends::api::PreviewSend as ServerFn>::PATH,
        <crate::sends::api::OpenPicker as ServerFn>::PATH,
        <crate::sends::lists::CheckOpenids as ServerFn>::PATH,
        <crate::sends::lists::SaveOpenidList as ServerFn>::PATH,
    ]
    .contains(&path)
}

type Check = fn(&[u8]) -> Result<(), String>;

/// Reads `body` as Leptos will (`serde_qs`, depth 5, not strict) into `T`,
/// and on failure says which field and why.
fn check<T: DeserializeOwned>(body: &[u8]) -> Result<(), String> {
    let config = serde_qs::Config::new(5, false);
    let deserializer =
        serde_qs::Deserializer::with_config(&config, body).map_err(|e| e.to_string())?;
    match serde_path_to_error::deserialize::<_, T>(deserializer) {
        Ok(_) => Ok(()),
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner().to_string();
            Err(if path == "." || path.is_empty() {
                inner
            } else {
                format!("{path}: {inner}")
            })
        }
    }
}

macro_rules! checks {
    ($($function:path),* $(,)?) => {
        &[$((<$function as ServerFn>::PATH, check::<$function> as Check)),*]
    };
}

/// Every server function and the type of its arguments.
pub static CHECKS: &[(&str, Check)] = checks![
    crate::auth::api::LoadSession,
    crate::auth::api::ListUsers,
    crate::auth::api::AddUser,
    crate::auth::api::SetUserDisabled,
    crate::auth::api::SetUserRole,
    crate::auth::api::SetUserAccount,
    crate::auth::api::ResetUserPassword,
    crate::auth::api::ChangeOwnPassword,
    crate::sends::api::LoadCompose,
    crate::sends::api::ListTags,
    crate::sends::api::PrepareSend,
    crate::sends::api::ConfirmSend,
    crate::sends::api::PreviewSend,
    crate::sends::api::ListDrafts,
    crate::sends::api::ListMaterials,
    crate::sends::api::ConvertVideo,
    crate::sends::api::OpenPicker,
    crate::sends::api::PickMedia,
    crate::sends::history::HistoryChoices,
    crate::sends::history::ListSends,
    crate::sends::history::LoadSendDetail,
    crate::sends::history::RefreshSend,
    crate::sends::history::DeleteSend,
    crate::stats::overview::AccountStats,
    crate::audit::api::ListAudit,
    crate::settings::LoadSettings,
    crate::accounts::api::ListAccounts,
    crate::accounts::api::AddAccount,
    crate::accounts::api::EditAccount,
    crate::accounts::api::SetAccountDisabled,
    crate::accounts::api::AddSimulatedAccount,
    crate::accounts::api::CheckAccount,
    crate::drafts::api::ListArticleDrafts,
    crate::drafts::api::OpenDraft,
    crate::drafts::api::SaveDraft,
    crate::drafts::api::PushDraft,
    crate::drafts::api::DeleteDraft,
    crate::drafts::api::DraftHeartbeat,
    crate::drafts::api::OpenWechatDraft,
    crate::media::api::ListMedia,
    crate::media::api::MediaUsage,
    crate::media::api::DeleteMedia,
    crate::article::api::PreviewArticle,
    crate::sends::approval::ApproveSend,
    crate::sends::approval::DeclineSend,
    crate::sends::approval::ApprovalQueue,
    crate::sends::approval::AttentionCount,
    crate::sends::quota::AccountQuota,
    crate::campaigns::api::CampaignTargets,
    crate::campaigns::api::CampaignDetail,
    crate::sends::schedule::RescheduleSend,
    crate::sends::schedule::CancelSend,
    crate::sends::lists::CheckOpenids,
    crate::sends::lists::ListOpenidLists,
    crate::sends::lists::SaveOpenidList,
    crate::sends::lists::DeleteOpenidList,
    crate::stats::api::SendStats,
];

fn check_for(path: &str) -> Option<Check> {
    CHECKS.iter().find(|(p, _)| *p == path).map(|(_, c)| *c)
}

/// Reads the arguments of a server function call posted as a form; passes
/// the request on, body unchanged, when they parse.
pub async fn check_arguments(request: Request, next: Next) -> Response {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let check = match check_for(request.uri().path()) {
        Some(check) if request.method() == Method::POST && is_form => check,
        _ => return next.run(request).await,
    };
    let limit = if carries_articles(request.uri().path()) {
        MAX_ARTICLE_ARGUMENT_BYTES
    } else if carries_openids(request.uri().path()) {
        crate::sends::lists::MAX_TEXT_BYTES
    } else {
        MAX_ARGUMENT_BYTES
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request is larger than any form of the console",
        )
            .into_response();
    };
    if let Err(detail) = check(&bytes) {
        tracing::info!(path = %parts.uri.path(), %detail, "refused a server function call whose arguments do not parse");
        let wants_page = parts
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        let lang = crate::edge::lang_of(&parts.headers);
        let error = AppError::BadArgument(detail.clone());
        return if wants_page {
            let words = format!("{} ({detail})", error.words(lang));
            (StatusCode::BAD_REQUEST, words).into_response()
        } else {
            let body = serde_json::to_string(&error).unwrap_or_default();
            let mut response = (StatusCode::BAD_REQUEST, body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        };
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_that_does_not_parse_is_named() {
        let check = check_for("/api/load_send_detail").unwrap();
        assert_eq!(check(b"account=main&id=12"), Ok(()));
        let bad = check(b"account=main&id=abc").unwrap_err();
        assert!(bad.starts_with("id: "), "{bad}");
        let missing = check(b"account=main&other=1").unwrap_err();
        assert!(missing.contains("`id`"), "{missing}");
        let flag = check_for("/api/set_user_disabled").unwrap();
        let bad = flag(b"id=2&disabled=maybe").unwrap_err();
        assert!(bad.starts_with("disabled: "), "{bad}");
    }

    #[test]
    fn every_server_function_has_its_check() {
        // Leptos collects every server function of the binary here.
        let registered: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _)| path)
            .collect();
        assert!(registered.len() >= CHECKS.len(), "{registered:?}");
        for path in registered {
            assert!(
                check_for(path).is_some(),
                "{path} is not in arguments::CHECKS"
            );
        }
    }
}
