//! [`check_source`] against the tests' tiny WeChat: one request (two for a
//! token URL), each outcome in words, no secret in any of them. The
//! simulator's own tests check it against the simulated WeChat.

use std::net::IpAddr;

use serde_json::json;

use super::*;
use crate::wechat::check::{CheckOutcome, Checked};
use crate::wechat::errcode::ErrCode;
use crate::wechat::mock::{MockWechat, Reply, closed_base, token_reply};

const SECRET: &str = "very-secret-app-secret";
const TIMEOUT: Duration = Duration::from_secs(2);

async fn check(source: &TokenSource, mock: &MockWechat) -> CredentialCheck {
    check_source(source, &mock.base, &reqwest::Client::new(), TIMEOUT).await
}

/// Every text a check gives: its words, its Debug and its JSON.
fn texts(found: &CredentialCheck) -> Vec<String> {
    vec![
        found.words(Lang::Zh),
        found.words(Lang::En),
        format!("{found:?}"),
        serde_json::to_string(found).unwrap(),
    ]
}

fn assert_hides(found: &CredentialCheck, secrets: &[&str]) {
    for text in texts(found) {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret:?} in {text}");
        }
    }
}

#[tokio::test]
async fn credentials_that_work_are_one_stable_token_request_bypassing_every_cache() {
    let mock = MockWechat::start("", |hit, n| token_reply(hit, n).unwrap()).await;
    // A classic-token account is checked through stable_token too: a
    // classic fetch would revoke the token in use.
    for source in [
        TokenSource::stable("wxA", SECRET),
        TokenSource::classic("wxA", SECRET),
    ] {
        let found = check(&source, &mock).await;
        assert_eq!(found.checked, Checked::Credentials);
        assert_eq!(
            found.outcome,
            CheckOutcome::Works {
                expires_in: Some(7200)
            }
        );
        assert!(found.words(Lang::En).contains("valid for 7200 s"));
        assert!(found.words(Lang::Zh).contains("有效期 7200 秒"));
        assert_hides(&found, &[SECRET, "tok-"]);
    }
    let hits = mock.requests(Endpoint::StableToken.path());
    assert_eq!(hits.len(), 2, "one request per check, none cached");
    assert_eq!(
        hits[1].json(),
        json!({"grant_type": "client_credential", "appid": "wxA", "secret": SECRET}),
        "normal mode: no force_refresh"
    );
    assert_eq!(mock.hits(Endpoint::Token.path()), 0);
    assert_eq!(mock.total_hits(), 2);
}

#[tokio::test]
async fn a_wrong_secret_is_said_in_words_without_the_secret() {
    let mock = MockWechat::start("", |_, _| {
        Reply::json(
            json!({"errcode": 40125, "errmsg": format!("invalid appsecret {SECRET} rid: 1-2")}),
        )
    })
    .await;
    let found = check(&TokenSource::stable("wxA", SECRET), &mock).await;
    assert_eq!(
        found.outcome,
        CheckOutcome::WrongSecret {
            code: ErrCode::InvalidAppSecret
        }
    );
    assert!(!found.works());
    assert!(found.words(Lang::En).contains("AppSecret"));
    assert!(found.words(Lang::Zh).contains("开发者密码"));
    assert_hides(&found, &[SECRET]);
}

#[tokio::test]
async fn a_refusal_by_ip_names_the_address_to_whitelist() {
    let mock = MockWechat::start("", |_, _| {
        Reply::json(json!({
            "errcode": 40164,
            "errmsg": "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 6571e2b0-4c0fe0b2"
        }))
    })
    .await;
    let found = check(&TokenSource::stable("wxA", SECRET), &mock).await;
    let ip: IpAddr = "203.0.113.7".parse().unwrap();
    assert_eq!(
        found.outcome,
        CheckOutcome::IpNotWhitelisted { ip: Some(ip) }
    );
    assert!(
        found
            .words(Lang::En)
            .contains("Add 203.0.113.7 to the IP whitelist (IP白名单)")
    );
    assert!(found.words(Lang::Zh).contains("加入 203.0.113.7"));
}

#[tokio::test]
async fn quotas_and_unknown_codes_are_outcomes_in_words() {
    let mock = MockWechat::start("", |_, n| match n {
        1 => Reply::errcode(45011),
        2 => Reply::errcode(45009),
        3 => Reply::errcode(61024),
        _ => Reply::json(
            json!({"errcode": 987_654, "errmsg": format!("a new refusal of {SECRET} rid: 9")}),
        ),
    })
    .await;
    let source = TokenSource::stable("wxA", SECRET);
    let minute = check(&source, &mock).await;
    assert_eq!(
        minute.outcome,
        CheckOutcome::RateLimited {
            code: ErrCode::ApiMinuteQuotaExceeded
        }
    );
    assert!(minute.words(Lang::En).contains("Check again in a minute"));
    let day = check(&source, &mock).await;
    assert_eq!(day.code(), Some(ErrCode::ApiDailyQuotaExceeded));
    let component = check(&source, &mock).await;
    assert!(matches!(component.outcome, CheckOutcome::Refused { .. }));
    assert!(
        component
            .words(Lang::Zh)
            .contains(ErrCode::ComponentTokenRequired.remedy(Lang::Zh))
    );
    let unknown = check(&source, &mock).await;
    assert_eq!(unknown.code(), Some(ErrCode::Other(987_654)));
    assert!(unknown.words(Lang::En).contains("a new refusal"));
    assert_hides(&unknown, &[SECRET]);
}

#[tokio::test]
async fn no_answer_an_unreachable_host_and_a_page_that_is_not_json_are_outcomes() {
    let slow = MockWechat::start("", |_, _| {
        Reply::json(json!({})).after(Duration::from_secs(5))
    })
    .await;
    let source = TokenSource::classic("wxA", SECRET);
    let timed_out = check_source(
        &source,
        &slow.base,
        &reqwest::Client::new(),
        Duration::from_millis(100),
    )
    .await;
    assert_eq!(timed_out.outcome, CheckOutcome::Timeout);

    let closed = closed_base().await;
    let unreachable = check_source(&source, &closed, &reqwest::Client::new(), TIMEOUT).await;
    let CheckOutcome::Unreachable { detail } = &unreachable.outcome else {
        panic!("{unreachable:?}");
    };
    assert!(!detail.contains("cgi-bin"), "{detail}");
    assert!(
        unreachable
            .words(Lang::En)
            .contains("could not reach WeChat's API")
    );
    assert_hides(&unreachable, &[SECRET]);

    let pages = MockWechat::start("", |_, n| match n {
        1 => Reply::text(200, "<html>login to the proxy</html>"),
        2 => Reply::status(502),
        _ => Reply::json(json!({"access_token": "", "expires_in": 7200})),
    })
    .await;
    let html = check(&source, &pages).await;
    assert!(
        matches!(html.outcome, CheckOutcome::Unreadable { .. }),
        "{html:?}"
    );
    assert_eq!(
        check(&source, &pages).await.outcome,
        CheckOutcome::Http { status: 502 }
    );
    let empty = check(&source, &pages).await;
    assert!(
        matches!(empty.outcome, CheckOutcome::Unreadable { .. }),
        "{empty:?}"
    );
}

#[tokio::test]
async fn a_token_url_is_checked_by_using_its_token_on_tags_get() {
    let mock = MockWechat::start("", |hit, _| match hit.path.as_str() {
        "/platform/token" => {
            Reply::json(json!({"access_token": "authorizer-1", "expires_in": 5400}))
        }
        path if path == Endpoint::TagsGet.path() => Reply::json(json!({"tags": []})),
        other => panic!("unexpected {other}"),
    })
    .await;
    let url = mock.base.join("platform/token?key=url-key-1").unwrap();
    let found = check(&TokenSource::External { url }, &mock).await;
    assert_eq!(found.checked, Checked::TokenFromUrl);
    assert_eq!(
        found.outcome,
        CheckOutcome::Works {
            expires_in: Some(5400)
        }
    );
    assert!(
        found
            .words(Lang::En)
            .contains("valid for 5400 s, and WeChat accepted it")
    );
    let tags = mock.requests(Endpoint::TagsGet.path());
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].token(), "authorizer-1");
    assert_eq!(mock.hits("/platform/token"), 1);
    assert_hides(&found, &["url-key-1", "authorizer-1"]);
}

#[tokio::test]
async fn a_token_url_that_gives_no_token_or_a_refused_one_says_which() {
    let mock = MockWechat::start("", |hit, _| match hit.path.as_str() {
        "/down" => Reply::status(503),
        "/not-json" => Reply::text(200, "token service is starting"),
        "/stale" => Reply::json(json!({"access_token": "stale-token", "expires_in": 7200})),
        _ => Reply::errcode(40001),
    })
    .await;
    let source = |path: &str| TokenSource::External {
        url: mock.base.join(&format!("{path}?key=url-key-2")).unwrap(),
    };

    let down = check(&source("down"), &mock).await;
    assert_eq!(down.checked, Checked::TokenUrl);
    assert_eq!(down.outcome, CheckOutcome::Http { status: 503 });
    assert!(
        down.words(Lang::En)
            .contains("the token URL answered HTTP 503")
    );

    let garbled = check(&source("not-json"), &mock).await;
    assert_eq!(garbled.checked, Checked::TokenUrl);
    assert!(matches!(garbled.outcome, CheckOutcome::Unreadable { .. }));

    let stale = check(&source("stale"), &mock).await;
    assert_eq!(stale.checked, Checked::TokenFromUrl);
    assert_eq!(
        stale.outcome,
        CheckOutcome::TokenRefused {
            code: ErrCode::InvalidCredential
        }
    );
    assert!(stale.words(Lang::Zh).contains("authorizer_access_token"));
    assert_eq!(
        mock.hits(Endpoint::TagsGet.path()),
        1,
        "only a token is tried"
    );
    for found in [&down, &garbled, &stale] {
        assert_hides(found, &["url-key-2", "stale-token"]);
    }
}

#[tokio::test]
async fn a_fixed_token_is_tried_on_tags_get_and_never_fetched() {
    let mock = MockWechat::start("", |hit, _| match hit.token() {
        "expired-token" => Reply::errcode(42001),
        "foreign-ip-token" => Reply::json(json!({
            "errcode": 40164,
            "errmsg": "invalid ip  ipv6 2001:db8::7, not in whitelist rid: 1"
        })),
        _ => Reply::json(json!({"tags": [{"id": 2, "name": "星标组", "count": 1}]})),
    })
    .await;
    let expired = check(&TokenSource::fixed("expired-token"), &mock).await;
    assert_eq!(expired.checked, Checked::FixedToken);
    assert_eq!(
        expired.outcome,
        CheckOutcome::TokenRefused {
            code: ErrCode::AccessTokenExpired
        }
    );
    assert!(
        expired
            .words(Lang::En)
            .contains("Supply a new access_token")
    );
    assert_hides(&expired, &["expired-token"]);

    let ip = check(&TokenSource::fixed("foreign-ip-token"), &mock).await;
    assert_eq!(
        ip.outcome,
        CheckOutcome::IpNotWhitelisted {
            ip: Some("2001:db8::7".parse().unwrap())
        }
    );

    let good = check(&TokenSource::fixed("good-token"), &mock).await;
    assert_eq!(good.outcome, CheckOutcome::Works { expires_in: None });
    assert_eq!(mock.hits(Endpoint::TagsGet.path()), 3);
    assert_eq!(mock.total_hits(), 3, "no token request");
}
