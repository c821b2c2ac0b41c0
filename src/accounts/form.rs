//! The account form checked into what the table keeps: the same rules as
//! the configured account's settings (`shell::config`'s parsers), each
//! problem named by its field. The console's `/accounts` and
//! `qunfa account add` both use it.

use secrecy::SecretString;

use super::{
    AccountForm, FieldProblem, Kind, MessageMode, NAME_MAX_CHARS, Origin, TokenSource,
    is_valid_slug,
    store::{Account, Row, Secrets},
};
use crate::shell::config::{self, ConfigError};

/// A field's text, `None` when blank.
fn given(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Checks `form` for a new account (`existing` is `None`) or for a change
/// of `existing` (whose opened secrets a blank secret field keeps; its
/// slug stays). A blank callback Token on a new account is made at random.
/// Secrets the chosen token source or message mode do not use are not
/// kept.
pub fn check(
    form: &AccountForm,
    existing: Option<(&Row, &Secrets)>,
) -> Result<Account, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let name = form.name.trim().to_owned();
    if name.is_empty() {
        problems.push(FieldProblem::NameMissing);
    } else if name.chars().count() > NAME_MAX_CHARS {
        problems.push(FieldProblem::NameTooLong);
    }
    let slug = match existing {
        Some((row, _)) => row.slug.clone(),
        None => {
            let slug = form.slug.trim().to_owned();
            if !is_valid_slug(&slug) {
                problems.push(FieldProblem::SlugInvalid);
            }
            slug
        }
    };
    let appid = config::parse_appid(&form.appid).unwrap_or_else(|_| {
        problems.push(FieldProblem::AppidInvalid);
        String::new()
    });
    let kind = Kind::parse(&form.kind).unwrap_or_else(|| {
        problems.push(FieldProblem::KindInvalid);
        Kind::default()
    });
    let token_source = TokenSource::parse(&form.token_source).unwrap_or_else(|| {
        problems.push(FieldProblem::TokenSourceInvalid);
        TokenSource::default()
    });
    let message_mode = MessageMode::parse(&form.message_mode).unwrap_or_else(|| {
        problems.push(FieldProblem::MessageModeInvalid);
        MessageMode::default()
    });
    let kept = existing.map(|(_, secrets)| secrets);
    // A blank field keeps what is stored.
    let or_kept = |text: &str, stored: fn(&Secrets) -> &Option<SecretString>| {
        given(text)
            .map(SecretString::from)
            .or_else(|| kept.and_then(|secrets| stored(secrets).clone()))
    };

    let mut secrets = Secrets::default();
    match token_source {
        TokenSource::Stable | TokenSource::Classic => {
            secrets.secret = or_kept(&form.secret, |s| &s.secret);
            if secrets.secret.is_none() {
                problems.push(FieldProblem::SecretMissing);
            }
        }
        TokenSource::Url => match given(&form.token_url) {
            Some(text) => match config::parse_http_url("token_url", &text) {
                Ok(url) => secrets.token_url = Some(SecretString::from(url.to_string())),
                Err(_) => problems.push(FieldProblem::TokenUrlInvalid),
            },
            None => {
                secrets.token_url = kept.and_then(|s| s.token_url.clone());
                if secrets.token_url.is_none() {
                    problems.push(FieldProblem::TokenUrlMissing);
                }
            }
        },
        TokenSource::Fixed => {
            secrets.fixed_token = or_kept(&form.fixed_token, |s| &s.fixed_token);
            if secrets.fixed_token.is_none() {
                problems.push(FieldProblem::FixedTokenMissing);
            }
        }
    }
    secrets.callback_token = match given(&form.callback_token) {
        Some(text) => config::parse_callback_token(&text)
            .map_err(|_| problems.push(FieldProblem::CallbackTokenInvalid))
            .ok(),
        None => kept
            .and_then(|s| s.callback_token.clone())
            .or_else(|| Some(crate::simulator::random_callback_token())),
    };
    if message_mode.needs_aes_key() {
        secrets.aes_key = match given(&form.aes_key) {
            Some(text) => config::parse_aes_key(&text)
                .map_err(|_| problems.push(FieldProblem::AesKeyInvalid))
                .ok(),
            None => kept.and_then(|s| s.aes_key.clone()),
        };
        if secrets.aes_key.is_none() && !problems.contains(&FieldProblem::AesKeyInvalid) {
            problems.push(FieldProblem::AesKeyMissing);
        }
    }
    // On an edit a blank forward URL keeps the stored one, and its timeout
    // unless another is given; "no forwarding" drops both.
    let (forward_url, forward_timeout) = match existing {
        _ if form.no_forward.is_some() => (None, None),
        Some((row, _)) if given(&form.forward_url).is_none() && row.forward_url.is_some() => (
            row.forward_url.clone(),
            given(&form.forward_timeout)
                .or_else(|| row.forward_timeout_ms.map(|ms| format!("{ms}ms"))),
        ),
        _ => (given(&form.forward_url), given(&form.forward_timeout)),
    };
    let forward = config::parse_forward(forward_url, forward_timeout).unwrap_or_else(|error| {
        problems.push(forward_problem(&error, form));
        None
    });
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Account {
        slug,
        name,
        appid,
        kind,
        overseas: form.overseas.is_some(),
        origin: existing.map_or(Origin::Console, |(row, _)| row.origin),
        token_source,
        message_mode,
        forward_url: forward.as_ref().map(|forward| forward.url.to_string()),
        forward_timeout_ms: forward
            .as_ref()
            .and_then(|forward| i64::try_from(forward.timeout.as_millis()).ok()),
        secrets,
    })
}

/// The new account's slug and AppID, if another account (perhaps a
/// disabled one) has them: both are said at once.
pub async fn taken(
    db: &sqlx::SqlitePool,
    account: &Account,
) -> Result<Vec<FieldProblem>, super::store::StoreError> {
    let rows = super::store::list(db).await?;
    let mut problems = Vec::new();
    if rows.iter().any(|row| row.slug == account.slug) {
        problems.push(FieldProblem::SlugTaken);
    }
    if rows.iter().any(|row| row.appid == account.appid) {
        problems.push(FieldProblem::AppidTaken);
    }
    Ok(problems)
}

fn forward_problem(error: &ConfigError, form: &AccountForm) -> FieldProblem {
    match error {
        ConfigError::Invalid { variable, .. } if *variable == config::FORWARD_TIMEOUT_VARIABLE => {
            if given(&form.forward_url).is_none() {
                FieldProblem::ForwardTimeoutWithoutUrl
            } else {
                FieldProblem::ForwardTimeoutInvalid
            }
        }
        _ => FieldProblem::ForwardUrlInvalid,
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn good() -> AccountForm {
        AccountForm {
            name: "品牌 A".into(),
            slug: "brand-a".into(),
            appid: "wx1234567890abcdef".into(),
            kind: "service".into(),
            token_source: "stable".into(),
            secret: "s3cr3t".into(),
            message_mode: "plaintext".into(),
            ..AccountForm::default()
        }
    }

    fn problems(form: AccountForm) -> Vec<FieldProblem> {
        check(&form, None).err().unwrap_or_default()
    }

    #[test]
    fn a_good_form_becomes_an_account_with_a_random_callback_token() {
        let account = check(&good(), None).unwrap();
        assert_eq!(account.slug, "brand-a");
        assert_eq!(account.kind, Kind::Service);
        assert_eq!(account.origin, Origin::Console);
        assert_eq!(account.secrets.secret.unwrap().expose_secret(), "s3cr3t");
        let token = account.secrets.callback_token.unwrap();
        assert!(config::parse_callback_token(token.expose_secret()).is_ok());
        assert_eq!(account.forward_url, None);
    }

    #[test]
    fn each_bad_field_is_named() {
        use FieldProblem::*;
        let cases: Vec<(AccountForm, FieldProblem)> = vec![
            (
                AccountForm {
                    name: " ".into(),
                    ..good()
                },
                NameMissing,
            ),
            (
                AccountForm {
                    name: "名".repeat(65),
                    ..good()
                },
                NameTooLong,
            ),
            (
                AccountForm {
                    slug: "Brand A".into(),
                    ..good()
                },
                SlugInvalid,
            ),
            (
                AccountForm {
                    appid: "wx123".into(),
                    ..good()
                },
                AppidInvalid,
            ),
            (
                AccountForm {
                    kind: "big".into(),
                    ..good()
                },
                KindInvalid,
            ),
            (
                AccountForm {
                    token_source: "x".into(),
                    ..good()
                },
                TokenSourceInvalid,
            ),
            (
                AccountForm {
                    secret: "".into(),
                    ..good()
                },
                SecretMissing,
            ),
            (
                AccountForm {
                    token_source: "url".into(),
                    ..good()
                },
                TokenUrlMissing,
            ),
            (
                AccountForm {
                    token_source: "url".into(),
                    token_url: "ftp://x/".into(),
                    ..good()
                },
                TokenUrlInvalid,
            ),
            (
                AccountForm {
                    token_source: "fixed".into(),
                    ..good()
                },
                FixedTokenMissing,
            ),
            (
                AccountForm {
                    callback_token: "a b".into(),
                    ..good()
                },
                CallbackTokenInvalid,
            ),
            (
                AccountForm {
                    message_mode: "safe".into(),
                    ..good()
                },
                AesKeyMissing,
            ),
            (
                AccountForm {
                    message_mode: "compatible".into(),
                    aes_key: "short".into(),
                    ..good()
                },
                AesKeyInvalid,
            ),
            (
                AccountForm {
                    message_mode: "loud".into(),
                    ..good()
                },
                MessageModeInvalid,
            ),
            (
                AccountForm {
                    forward_url: "not a url".into(),
                    ..good()
                },
                ForwardUrlInvalid,
            ),
            (
                AccountForm {
                    forward_url: "http://127.0.0.1:9/x".into(),
                    forward_timeout: "9s".into(),
                    ..good()
                },
                ForwardTimeoutInvalid,
            ),
            (
                AccountForm {
                    forward_timeout: "2s".into(),
                    ..good()
                },
                ForwardTimeoutWithoutUrl,
            ),
        ];
        for (form, expected) in cases {
            assert_eq!(problems(form.clone()), vec![expected], "{form:?}");
        }
    }

    #[test]
    fn secrets_the_choices_do_not_use_are_not_kept() {
        let form = AccountForm {
            token_source: "fixed".into(),
            fixed_token: "tok".into(),
            aes_key: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".into(),
            forward_url: "https://bot.example/wechat".into(),
            ..good()
        };
        let account = check(&form, None).unwrap();
        assert!(account.secrets.secret.is_none());
        assert!(account.secrets.aes_key.is_none(), "plaintext mode");
        assert_eq!(account.forward_timeout_ms, Some(4000));
    }
}
