//! Where a server function meets HTTP.
//!
//! A server function starts by saying who may call it — [`anyone`],
//! [`signed_in`] or [`admin`] — and gets the [`Call`]: the app's state, the
//! user and the request's language. Its errors need nothing more: every
//! [`AppError`] leaves the server through `ser` below, where it gets the
//! HTTP status it means (401, 403, 400, 500) or, for a form the browser
//! posted itself (no JavaScript), a redirect back to its page with
//! `?problem=<code>`, so the page can say it in words.
//!
//! ```ignore
//! #[server(endpoint = "list_users")]
//! pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
//!     let call = edge::admin()?;
//!     let mut db = call.app.db.acquire().await?;
//!     Ok(super::store::list(&mut db).await?)
//! }
//! ```

use leptos::server_fn::{
    Bytes, Encodes,
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

use crate::error::AppError;

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        match error {
            // The server could not read the arguments (`shell::arguments`
            // names the field before it comes to this): the request's fault.
            ServerFnErrorErr::Args(detail) => AppError::BadArgument(detail),
            // Transport and decoding failures: the words for them are the same.
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %other, "server function failed outside its body");
                #[cfg(not(feature = "ssr"))]
                let _ = other;
                AppError::Unexpected
            }
        }
    }

    /// Every error a server function gives passes here on its way to the
    /// browser, so this is where it gets its answer.
    fn ser(&self) -> Bytes {
        #[cfg(feature = "ssr")]
        ssr::answer(self);
        <JsonEncoding as Encodes<AppError>>::encode(self)
            .unwrap_or_else(|_| Bytes::from_static(br#""Unexpected""#))
    }
}

#[cfg(feature = "ssr")]
pub use ssr::{
    AccountCall, Call, admin, admin_on_account, anyone, is_plain_form, lang_of, on_account,
    redirect_plain_form, signed_in, status_of,
};

#[cfg(feature = "ssr")]
mod ssr {
    use axum::http::{HeaderMap, StatusCode, header, request::Parts};
    use axum_extra::extract::CookieJar;
    use leptos::prelude::*;

    use crate::{
        auth::CurrentUser,
        error::{AppError, Problem},
        i18n::{LANG_COOKIE, Lang},
        shell::state::{AccountState, AppState},
    };

    /// What a server function works with: the app (or the app and one
    /// account), who calls, and the language to answer in.
    pub struct Call<User = CurrentUser, App = AppState> {
        pub app: App,
        pub user: User,
        pub lang: Lang,
    }

    /// A call about one account's sends, tags, drafts, settings.
    pub type AccountCall = Call<CurrentUser, AccountState>;

    /// A call open to everyone (the session itself), signed in or not.
    pub fn anyone() -> Result<Call<Option<CurrentUser>>, AppError> {
        let app = use_context::<AppState>().ok_or_else(|| {
            AppError::unexpected(anyhow::anyhow!("the app state is missing from the context"))
        })?;
        let parts = use_context::<Parts>();
        Ok(Call {
            app,
            // Set by `guard::require_session` for every request with a session.
            user: parts
                .as_ref()
                .and_then(|parts| parts.extensions.get::<CurrentUser>().cloned()),
            lang: parts.map_or_else(Lang::default, |parts| lang_of(&parts.headers)),
        })
    }

    /// A call for every signed-in user.
    pub fn signed_in() -> Result<Call, AppError> {
        let Call { app, user, lang } = anyone()?;
        let user = user.ok_or(AppError::NotSignedIn)?;
        Ok(Call { app, user, lang })
    }

    /// A call for admins only.
    pub fn admin() -> Result<Call, AppError> {
        let call = signed_in()?;
        if call.user.is_admin() {
            Ok(call)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// A call about account `slug`, by a signed-in user who may use it: an
    /// admin, or an editor it is granted to. An account that is not there,
    /// is disabled, or is not the caller's is the same 404, so an editor
    /// learns nothing of accounts not theirs.
    pub async fn on_account(slug: &str) -> Result<AccountCall, AppError> {
        let Call { app, user, lang } = signed_in()?;
        let account = app
            .accounts
            .by_slug(slug)
            .ok_or(AppError::Rejected(Problem::AccountNotFound))?;
        if !user.is_admin()
            && !crate::accounts::store::is_granted(&app.db, user.id, account.id)
                .await
                .map_err(AppError::unexpected)?
        {
            return Err(Problem::AccountNotFound.into());
        }
        Ok(Call {
            app: AccountState::new(app, account),
            user,
            lang,
        })
    }

    /// A call about account `slug` for admins only.
    pub async fn admin_on_account(slug: &str) -> Result<AccountCall, AppError> {
        let call = on_account(slug).await?;
        if call.user.is_admin() {
            Ok(call)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The language cookie, else `Accept-Language`, else Chinese.
    pub fn lang_of(headers: &HeaderMap) -> Lang {
        let from_cookie = CookieJar::from_headers(headers)
            .get(LANG_COOKIE)
            .and_then(|cookie| Lang::from_code(cookie.value()));
        from_cookie.unwrap_or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Lang::from_accept_language)
                .unwrap_or_default()
        })
    }

    /// The HTTP status an error means.
    pub fn status_of(error: &AppError) -> StatusCode {
        match error {
            AppError::NotSignedIn => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Rejected(Problem::NotYourSend) => StatusCode::FORBIDDEN,
            AppError::Rejected(
                Problem::AccountNotFound | Problem::DraftNotFound | Problem::CampaignNotFound,
            ) => StatusCode::NOT_FOUND,
            AppError::Rejected(_) | AppError::BadArgument(_) => StatusCode::BAD_REQUEST,
            AppError::Unexpected => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A form the browser posted itself (no JavaScript): it wants a page
    /// back, not data.
    pub fn is_plain_form() -> bool {
        use_context::<Parts>().is_some_and(|parts| {
            parts
                .headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
        })
    }

    /// Sends a form posted without JavaScript to `target` afterwards; with
    /// JavaScript the page reads the answer itself.
    pub fn redirect_plain_form(target: &str) {
        if is_plain_form() {
            leptos_axum::redirect(target);
        }
    }

    /// Gives a failed server function's answer the status its error means;
    /// a form without JavaScript goes back to its page with the problem in
    /// the address, unless the function chose the page itself.
    pub(super) fn answer(error: &AppError) {
        let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
            return;
        };
        if !is_plain_form() {
            response.set_status(status_of(error));
            return;
        }
        let chosen = response
            .0
            .read()
            .is_ok_and(|parts| parts.headers.contains_key(header::LOCATION));
        if !chosen && let Some(target) = back_with_problem(error) {
            leptos_axum::redirect(&target);
        }
    }

    /// The page the form was on, with `?problem=<code>`.
    fn back_with_problem(error: &AppError) -> Option<String> {
        let parts = use_context::<Parts>()?;
        let referer = parts.headers.get(header::REFERER)?.to_str().ok()?;
        let referer = url::Url::parse(referer).ok()?;
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("problem", error.code());
        Some(format!("{}?{}", referer.path(), query.finish()))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_language_cookie_comes_before_the_browsers_languages() {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9".parse().unwrap());
            assert_eq!(lang_of(&headers), Lang::En);
            headers.insert(
                header::COOKIE,
                format!("other=1; {LANG_COOKIE}=zh-CN").parse().unwrap(),
            );
            assert_eq!(lang_of(&headers), Lang::Zh);
            headers.insert(header::COOKIE, format!("{LANG_COOKIE}=fr").parse().unwrap());
            assert_eq!(
                lang_of(&headers),
                Lang::En,
                "a cookie we cannot read is left out"
            );
            assert_eq!(lang_of(&HeaderMap::new()), Lang::Zh);
        }
    }
}
