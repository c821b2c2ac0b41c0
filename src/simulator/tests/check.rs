//! An admin's "Check" (`wechat::token::check_source`) against the simulated
//! WeChat: every outcome it names is reachable here, the way a person
//! would see it in the console with the built-in simulator.

use std::net::IpAddr;
use std::time::Duration;

use super::*;
use crate::i18n::Lang;
use crate::wechat::check::{CheckOutcome, Checked, CredentialCheck};
use crate::wechat::errcode::ErrCode;
use crate::wechat::token::{TokenSource, check_source};

const TIMEOUT: Duration = Duration::from_secs(5);

impl App {
    async fn check(&self, source: &TokenSource) -> CredentialCheck {
        let base = Url::parse(&self.base).unwrap();
        check_source(source, &base, &self.http, TIMEOUT).await
    }
}

/// A token service of a third-party platform: hands out `token` at
/// `/authorizer_token`.
async fn token_service(token: String) -> Url {
    let app = axum::Router::new().route(
        "/authorizer_token",
        axum::routing::get(move || {
            let token = token.clone();
            async move { axum::Json(json!({"access_token": token, "expires_in": 7000})) }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!(
        "http://{}/authorizer_token?key=platform-key",
        listener.local_addr().unwrap()
    ))
    .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn the_right_appid_and_secret_pass_with_one_stable_token_call() {
    let app = spawn(test_config()).await;
    let stable = app.check(&TokenSource::stable(APPID, SECRET)).await;
    assert_eq!(
        stable,
        CredentialCheck {
            checked: Checked::Credentials,
            outcome: CheckOutcome::Works {
                expires_in: Some(7200)
            },
        }
    );
    let classic = app.check(&TokenSource::classic(APPID, SECRET)).await;
    assert!(classic.works(), "{classic:?}");
    let counters = app.sim.counters();
    assert_eq!(counters.calls_to(Endpoint::StableToken), 2);
    assert_eq!(
        counters.calls_to(Endpoint::Token),
        0,
        "a check revokes no classic token"
    );
}

#[tokio::test]
async fn a_wrong_secret_and_an_unknown_appid_are_40125_and_40013_in_words() {
    let app = spawn(test_config()).await;
    let wrong_secret = app
        .check(&TokenSource::stable(APPID, "a-wrong-secret"))
        .await;
    assert_eq!(
        wrong_secret.outcome,
        CheckOutcome::WrongSecret {
            code: ErrCode::InvalidAppSecret
        }
    );
    for lang in [Lang::Zh, Lang::En] {
        assert!(!wrong_secret.words(lang).contains("a-wrong-secret"));
    }
    let unknown = app
        .check(&TokenSource::stable("wxffffffffffffffff", SECRET))
        .await;
    assert_eq!(unknown.outcome, CheckOutcome::WrongAppId);
    assert!(
        unknown
            .words(Lang::En)
            .contains("WeChat does not know this AppID (errcode 40013)")
    );
    let empty = app.check(&TokenSource::classic(APPID, "")).await;
    assert_eq!(empty.outcome, CheckOutcome::MissingSecret);
}

#[tokio::test]
async fn an_address_off_the_whitelist_is_named_with_where_to_add_it() {
    let app = spawn(test_config()).await;
    let (status, _) = app
        .control_post(
            "ip_whitelist",
            &json!({"whitelist": ["198.51.100.1"], "egress_ip": "203.0.113.7"}),
        )
        .await;
    assert_eq!(status, 200);
    let found = app.check(&TokenSource::stable(APPID, SECRET)).await;
    let egress: IpAddr = "203.0.113.7".parse().unwrap();
    assert_eq!(
        found.outcome,
        CheckOutcome::IpNotWhitelisted { ip: Some(egress) }
    );
    assert_eq!(
        found.remedy(Lang::En).unwrap(),
        "Add 203.0.113.7 to the IP whitelist (IP白名单) in the WeChat console under 设置与开发 → 基本配置, save, and check again in a few minutes."
    );
    assert!(found.words(Lang::Zh).contains("加入 203.0.113.7"));

    // Without an egress address the simulator names the connection's.
    app.sim
        .set_ip_whitelist(Some(IpWhitelist::allowing(["198.51.100.1"
            .parse()
            .unwrap()])));
    let local = app.check(&TokenSource::classic(APPID, SECRET)).await;
    assert_eq!(
        local.outcome,
        CheckOutcome::IpNotWhitelisted {
            ip: Some("127.0.0.1".parse().unwrap())
        }
    );
    // A 40164 queued as a scenario names no address.
    app.sim.set_ip_whitelist(None);
    app.sim
        .queue_scenario(
            Endpoint::StableToken,
            Scenario::parse("errcode(40164)").unwrap(),
        )
        .unwrap();
    let unnamed = app.check(&TokenSource::stable(APPID, SECRET)).await;
    assert_eq!(unnamed.outcome, CheckOutcome::IpNotWhitelisted { ip: None });
    assert!(app.check(&TokenSource::stable(APPID, SECRET)).await.works());
}

#[tokio::test]
async fn quotas_and_a_failing_gateway_are_outcomes_too() {
    let app = spawn(test_config()).await;
    for (scenario, expected) in [
        (
            "errcode(45011)",
            CheckOutcome::RateLimited {
                code: ErrCode::ApiMinuteQuotaExceeded,
            },
        ),
        (
            "errcode(45009)",
            CheckOutcome::RateLimited {
                code: ErrCode::ApiDailyQuotaExceeded,
            },
        ),
        ("http(502)", CheckOutcome::Http { status: 502 }),
    ] {
        app.sim
            .queue_scenario(Endpoint::StableToken, Scenario::parse(scenario).unwrap())
            .unwrap();
        let found = app.check(&TokenSource::stable(APPID, SECRET)).await;
        assert_eq!(found.outcome, expected, "{scenario}");
    }
    let busy = {
        app.sim
            .queue_scenario(
                Endpoint::StableToken,
                Scenario::parse("errcode(-1)").unwrap(),
            )
            .unwrap();
        app.check(&TokenSource::stable(APPID, SECRET)).await
    };
    assert_eq!(busy.code(), Some(ErrCode::SystemBusy));
    assert!(
        busy.words(Lang::Zh)
            .contains(ErrCode::SystemBusy.remedy(Lang::Zh))
    );
}

#[tokio::test]
async fn an_unreachable_wechat_is_said_in_words() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    drop(listener);
    let found = check_source(
        &TokenSource::classic(APPID, SECRET),
        &closed,
        &reqwest::Client::new(),
        TIMEOUT,
    )
    .await;
    assert!(
        matches!(found.outcome, CheckOutcome::Unreachable { .. }),
        "{found:?}"
    );
    let words = found.words(Lang::En);
    assert!(words.contains("could not reach WeChat's API"), "{words}");
    assert!(!words.contains(SECRET), "{words}");
}

#[tokio::test]
async fn a_token_url_is_checked_by_the_simulated_wechat_accepting_its_token() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let url = token_service(token).await;
    let found = app.check(&TokenSource::External { url }).await;
    assert_eq!(
        found,
        CredentialCheck {
            checked: Checked::TokenFromUrl,
            outcome: CheckOutcome::Works {
                expires_in: Some(7000)
            },
        }
    );
    assert_eq!(app.sim.counters().calls_to(Endpoint::TagsGet), 1);
    assert!(!found.words(Lang::En).contains("platform-key"));

    // A platform handing out a token the simulator never issued.
    let stale = token_service("SIM_not-a-token-it-issued".to_owned()).await;
    let refused = app.check(&TokenSource::External { url: stale }).await;
    assert_eq!(refused.checked, Checked::TokenFromUrl);
    assert_eq!(
        refused.outcome,
        CheckOutcome::TokenRefused {
            code: ErrCode::InvalidCredential
        }
    );
}

#[tokio::test]
async fn a_fixed_token_is_refused_when_invalid_or_expired_and_passes_when_current() {
    let app = spawn(test_config()).await;
    let forged = app.check(&TokenSource::fixed("forged-token")).await;
    assert_eq!(forged.checked, Checked::FixedToken);
    assert_eq!(
        forged.outcome,
        CheckOutcome::TokenRefused {
            code: ErrCode::InvalidCredential
        }
    );
    assert!(forged.words(Lang::En).contains("Supply a new access_token"));
    assert!(!forged.words(Lang::Zh).contains("forged-token"));

    let token = app.token().await;
    let current = app.check(&TokenSource::fixed(token.clone())).await;
    assert_eq!(current.outcome, CheckOutcome::Works { expires_in: None });
    app.sim.clock().advance(Duration::from_secs(7201));
    let expired = app.check(&TokenSource::fixed(token)).await;
    assert_eq!(
        expired.outcome,
        CheckOutcome::TokenRefused {
            code: ErrCode::AccessTokenExpired
        }
    );
    assert_eq!(app.sim.counters().token_calls(), 1, "only the test's own");
}
