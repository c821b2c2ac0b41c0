//! The `/accounts` page's server functions (admins): list every account,
//! add, change, disable and enable one, add a simulated one. No secret is
//! ever in an answer: a summary says which are set. A change takes effect
//! at once (`Accounts::start` / `stop`).

use leptos::prelude::*;

use super::{AccountForm, AccountsView, CheckView, SaveOutcome};
use crate::error::AppError;

#[server(endpoint = "list_accounts")]
pub async fn list_accounts() -> Result<AccountsView, AppError> {
    let call = crate::edge::admin()?;
    let rows = super::store::list(&call.app.db)
        .await
        .map_err(AppError::unexpected)?;
    Ok(AccountsView {
        accounts: rows
            .iter()
            .map(|row| ssr::summary(&call.app, row))
            .collect(),
        simulator: call.app.settings.uses_simulator(),
    })
}

#[server(endpoint = "add_account")]
pub async fn add_account(form: AccountForm) -> Result<SaveOutcome, AppError> {
    let call = crate::edge::admin()?;
    let zone = ssr::time_zone(&form);
    let account = match (super::form::check(&form, None), &zone) {
        (Ok(account), Ok(_)) => account,
        (checked, zone) => {
            let mut problems = checked.err().unwrap_or_default();
            problems.extend(zone.clone().err());
            return Ok(ssr::refused(problems, None, &form));
        }
    };
    let outcome = ssr::insert(&call, account, form.needs_approval.is_some()).await?;
    if let (Some(slug), Ok(Some(zone))) = (&outcome.saved, zone) {
        ssr::set_time_zone(&call, slug, &zone).await?;
    }
    Ok(outcome)
}

/// Changes account `account` (its slug): everything but the slug, a blank
/// secret keeping the stored one; of row 1 only the name.
#[server(endpoint = "edit_account")]
pub async fn edit_account(account: String, form: AccountForm) -> Result<SaveOutcome, AppError> {
    use crate::audit::Action;
    let (call, row) = ssr::admin_row(&account).await?;
    let db = &call.app.db;
    let zone = match ssr::time_zone(&form) {
        Ok(zone) => zone,
        Err(problem) => return Ok(ssr::refused(vec![problem], Some(&row.slug), &form)),
    };
    if row.id == 1 {
        let name = form.name.trim();
        if name.is_empty() || name.chars().count() > super::NAME_MAX_CHARS {
            let problem = if name.is_empty() {
                super::FieldProblem::NameMissing
            } else {
                super::FieldProblem::NameTooLong
            };
            return Ok(ssr::refused(vec![problem], Some(&row.slug), &form));
        }
        super::store::rename(db, 1, name)
            .await
            .map_err(AppError::unexpected)?;
    } else {
        let opened = row
            .open_secrets(&call.app.secrets)
            .map_err(AppError::unexpected)?;
        let changed = match super::form::check(&form, Some((&row, &opened))) {
            Ok(changed) => changed,
            Err(problems) => return Ok(ssr::refused(problems, Some(&row.slug), &form)),
        };
        match super::store::update(db, &call.app.secrets, row.id, &changed).await {
            Ok(()) => {}
            Err(error) => return ssr::store_refusal(error, Some(&row.slug), &form),
        }
    }
    super::store::set_needs_approval(db, row.id, form.needs_approval.is_some())
        .await
        .map_err(AppError::unexpected)?;
    if let Some(zone) = zone {
        super::store::set_time_zone(db, row.id, &zone)
            .await
            .map_err(AppError::unexpected)?;
    }
    let row = super::store::get(db, row.id)
        .await
        .map_err(AppError::unexpected)?
        .ok_or(crate::error::Problem::AccountNotFound)?;
    tracing::info!(by = %call.user.username, account = %row.slug, "account changed");
    ssr::audit(&call, Action::AccountEdit, &row).await;
    Ok(ssr::put_to_work(&call, &row))
}

/// Disables account `account` (its pages, callback URL and worker stop at
/// once; its sends stay), or enables it again.
#[server(endpoint = "set_account_disabled")]
pub async fn set_account_disabled(account: String, disabled: bool) -> Result<(), AppError> {
    use crate::{audit::Action, error::Problem};
    let (call, row) = ssr::admin_row(&account).await?;
    if row.id == 1 {
        return Err(Problem::ConfiguredAccount.into());
    }
    super::store::set_disabled(&call.app.db, row.id, disabled)
        .await
        .map_err(AppError::unexpected)?;
    tracing::info!(by = %call.user.username, account = %row.slug, disabled, "account access changed");
    if disabled {
        call.app.accounts.stop(row.id);
        ssr::audit(&call, Action::AccountDisable, &row).await;
    } else {
        let row = super::store::get(&call.app.db, row.id)
            .await
            .map_err(AppError::unexpected)?
            .ok_or(Problem::AccountNotFound)?;
        ssr::audit(&call, Action::AccountEnable, &row).await;
        ssr::put_to_work(&call, &row);
    }
    crate::edge::redirect_plain_form("/accounts");
    Ok(())
}

/// Adds an account to the built-in simulator (only while the console runs
/// it): a fresh AppID, a random AppSecret and callback Token, slug
/// `sim-N`; it can be sent from at once.
#[server(endpoint = "add_simulated_account")]
pub async fn add_simulated_account(name: String, kind: String) -> Result<SaveOutcome, AppError> {
    use crate::error::Problem;
    let call = crate::edge::admin()?;
    if !call.app.settings.uses_simulator() {
        return Err(Problem::NotSimulator.into());
    }
    let kind = super::Kind::parse(&kind).ok_or(Problem::InvalidChoice)?;
    let rows = super::store::list(&call.app.db)
        .await
        .map_err(AppError::unexpected)?;
    let account = ssr::simulated_account(&rows, name.trim(), kind);
    ssr::insert(&call, account, false).await
}

/// Asks WeChat once whether account `account`'s AppID and secret (or its
/// token URL, or its fixed token) work (`wechat::token::check_source`),
/// past every cache and without revoking the token at work.
#[server(endpoint = "check_account")]
pub async fn check_account(account: String) -> Result<CheckView, AppError> {
    let call = crate::edge::admin_on_account(&account).await?;
    let wechat = &call.app.account.wechat;
    let config = wechat.config();
    let http = config.http_client().map_err(AppError::unexpected)?;
    let found = crate::wechat::token::check_source(
        wechat.tokens().source(),
        &config.api_base,
        &http,
        config.timeout,
    )
    .await;
    crate::edge::redirect_plain_form(&format!("/accounts?check={account}"));
    Ok(CheckView {
        slug: account,
        works: found.works(),
        words: found.words(call.lang),
    })
}

#[cfg(feature = "ssr")]
mod ssr {
    use secrecy::SecretString;

    use super::super::{
        AccountForm, AccountSummary, FieldProblem, Kind, MessageMode, Origin, SaveOutcome,
        TokenSource,
        store::{self, Account, Row, Secrets, StoreError},
    };
    use crate::{
        audit::{Action, Facts},
        edge::Call,
        error::{AppError, Problem},
        shell::state::AppState,
    };

    pub fn summary(app: &AppState, row: &Row) -> AccountSummary {
        let at_work = app.accounts.by_id(row.id).is_some();
        AccountSummary {
            id: row.id,
            slug: row.slug.clone(),
            name: row.name.clone(),
            appid: row.appid.clone(),
            kind: row.kind,
            overseas: row.overseas,
            origin: row.origin,
            token_source: row.token_source,
            message_mode: row.message_mode,
            callback_url: app.settings.callback_url(row.id, &row.slug),
            forward_url: row
                .forward_url
                .as_deref()
                .and_then(|url| url::Url::parse(url).ok())
                .map(|url| crate::shell::config::url_without_secrets(&url)),
            forward_timeout_ms: row.forward_timeout_ms,
            time_zone: row.time_zone.clone(),
            disabled: row.is_disabled(),
            not_started: (!row.is_disabled() && !at_work).then(|| {
                app.accounts
                    .not_started(row.id)
                    .unwrap_or_else(|| "it was not started".to_owned())
            }),
            secrets: row.secrets_set(),
            needs_approval: row.needs_approval,
        }
    }

    /// The form's time zone: `None` when blank (kept as it is), else its
    /// IANA name as the tz database spells it.
    pub fn time_zone(form: &AccountForm) -> Result<Option<String>, FieldProblem> {
        let given = form.time_zone.trim();
        if given.is_empty() {
            return Ok(None);
        }
        crate::sends::schedule::ssr::canonical_zone(given)
            .map(Some)
            .ok_or(FieldProblem::TimeZoneInvalid)
    }

    /// Sets the time zone of the account just added, and puts it to work
    /// again with it.
    pub async fn set_time_zone(call: &Call, slug: &str, zone: &str) -> Result<(), AppError> {
        let db = &call.app.db;
        let row = store::by_slug(db, slug)
            .await
            .map_err(AppError::unexpected)?
            .ok_or(Problem::AccountNotFound)?;
        store::set_time_zone(db, row.id, zone)
            .await
            .map_err(AppError::unexpected)?;
        let row = store::get(db, row.id)
            .await
            .map_err(AppError::unexpected)?
            .ok_or(Problem::AccountNotFound)?;
        put_to_work(call, &row);
        Ok(())
    }

    /// The account `slug`, disabled or not, for an admin. An editor gets
    /// the 404 of an account not theirs, or 403 for one they may use.
    pub async fn admin_row(slug: &str) -> Result<(Call, Row), AppError> {
        let call = crate::edge::signed_in()?;
        if !call.user.is_admin() {
            crate::edge::on_account(slug).await?;
            return Err(AppError::Forbidden);
        }
        let row = store::by_slug(&call.app.db, slug)
            .await
            .map_err(AppError::unexpected)?
            .ok_or(Problem::AccountNotFound)?;
        Ok((call, row))
    }

    /// The answer to a form with problems; without JavaScript, back to the
    /// form with them (and the fields that are not secret) in the address.
    pub fn refused(
        problems: Vec<FieldProblem>,
        editing: Option<&str>,
        form: &AccountForm,
    ) -> SaveOutcome {
        let codes: Vec<&str> = problems.iter().map(|p| p.code()).collect();
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("problems", &codes.join(","));
        match editing {
            Some(slug) => {
                query.append_pair("edit", slug);
            }
            None => {
                query.append_pair("add", "1");
            }
        }
        for (key, value) in [
            ("name", &form.name),
            ("slug", &form.slug),
            ("appid", &form.appid),
            ("kind", &form.kind),
            ("token_source", &form.token_source),
            ("message_mode", &form.message_mode),
            ("forward_timeout", &form.forward_timeout),
            ("time_zone", &form.time_zone),
        ] {
            if !value.trim().is_empty() {
                query.append_pair(key, value);
            }
        }
        if form.overseas.is_some() {
            query.append_pair("overseas", "1");
        }
        if form.needs_approval.is_some() {
            query.append_pair("needs_approval", "1");
        }
        crate::edge::redirect_plain_form(&format!("/accounts?{}", query.finish()));
        SaveOutcome {
            problems,
            ..SaveOutcome::default()
        }
    }

    /// A slug or AppID another account took between the check and the write.
    pub fn store_refusal(
        error: StoreError,
        editing: Option<&str>,
        form: &AccountForm,
    ) -> Result<SaveOutcome, AppError> {
        match error {
            StoreError::SlugTaken(_) => Ok(refused(vec![FieldProblem::SlugTaken], editing, form)),
            StoreError::AppIdTaken(_) => Ok(refused(vec![FieldProblem::AppidTaken], editing, form)),
            other => Err(AppError::unexpected(other)),
        }
    }

    /// Adds `account`; `needs_approval`: its sends wait for a reviewer.
    pub async fn insert(
        call: &Call,
        account: Account,
        needs_approval: bool,
    ) -> Result<SaveOutcome, AppError> {
        let db = &call.app.db;
        let form = || AccountForm {
            name: account.name.clone(),
            slug: account.slug.clone(),
            appid: account.appid.clone(),
            kind: account.kind.as_str().to_owned(),
            token_source: account.token_source.as_str().to_owned(),
            message_mode: account.message_mode.as_str().to_owned(),
            overseas: account.overseas.then(String::new),
            ..AccountForm::default()
        };
        let taken = super::super::form::taken(db, &account)
            .await
            .map_err(AppError::unexpected)?;
        if !taken.is_empty() {
            return Ok(refused(taken, None, &form()));
        }
        let id = match store::insert(db, &call.app.secrets, &account).await {
            Ok(id) => id,
            Err(error) => return store_refusal(error, None, &form()),
        };
        if needs_approval {
            store::set_needs_approval(db, id, true)
                .await
                .map_err(AppError::unexpected)?;
        }
        let row = store::get(db, id)
            .await
            .map_err(AppError::unexpected)?
            .ok_or(Problem::AccountNotFound)?;
        tracing::info!(by = %call.user.username, account = %row.slug, appid = %row.appid, "account added");
        audit(call, Action::AccountAdd, &row).await;
        Ok(put_to_work(call, &row))
    }

    /// Starts (or restarts) the account of `row` at once; the answer says
    /// why it could not be.
    pub fn put_to_work(call: &Call, row: &Row) -> SaveOutcome {
        // A disabled account that was changed stays out of work.
        let started = (!row.is_disabled()).then(|| call.app.accounts.start(row));
        let not_started = match started {
            None | Some(Ok(_)) => None,
            Some(Err(error)) => {
                tracing::warn!(account = %row.slug, error = format!("{error:#}"), "an account was not started");
                Some(format!("{error:#}"))
            }
        };
        crate::edge::redirect_plain_form(&format!("/accounts?saved={}", row.slug));
        SaveOutcome {
            problems: Vec::new(),
            saved: Some(row.slug.clone()),
            not_started,
        }
    }

    pub async fn audit(call: &Call, action: Action, row: &Row) {
        let facts = Facts::Account {
            account: row.slug.clone(),
            name: row.name.clone(),
            appid: row.appid.clone(),
        };
        crate::audit::store::record_or_log(
            &call.app.db,
            Some(row.id),
            Some(call.user.id),
            &call.user.username,
            action,
            &facts,
        )
        .await;
    }

    /// A new simulated account: the first AppID `wxqunfasim` + 8 digits and
    /// the first slug `sim-N` not taken.
    pub fn simulated_account(rows: &[Row], name: &str, kind: Kind) -> Account {
        let taken_appid = |appid: &str| rows.iter().any(|row| row.appid == appid);
        let taken_slug = |slug: &str| rows.iter().any(|row| row.slug == slug);
        let appid = (1..)
            .map(|n| format!("wxqunfasim{n:08}"))
            .find(|appid| !taken_appid(appid))
            .unwrap_or_default();
        let (number, slug) = (2..)
            .map(|n| (n, format!("sim-{n}")))
            .find(|(_, slug)| !taken_slug(slug))
            .unwrap_or_default();
        let name = if name.is_empty() {
            format!("模拟公众号 {number}")
        } else {
            name.chars().take(super::super::NAME_MAX_CHARS).collect()
        };
        Account {
            slug,
            name,
            appid,
            kind,
            overseas: false,
            origin: Origin::Simulator,
            token_source: TokenSource::Stable,
            message_mode: MessageMode::Plaintext,
            forward_url: None,
            forward_timeout_ms: None,
            secrets: Secrets {
                secret: Some(random_secret()),
                callback_token: Some(crate::simulator::random_callback_token()),
                ..Secrets::default()
            },
        }
    }

    fn random_secret() -> SecretString {
        use rand::distr::{Alphanumeric, Distribution};
        let secret: String = Alphanumeric
            .sample_iter(rand::rng())
            .take(32)
            .map(char::from)
            .collect();
        SecretString::from(secret)
    }
}
