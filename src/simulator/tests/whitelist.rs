//! An account's IP whitelist: its token calls from another address answer
//! 40164 naming the address, set and lifted through `/control/ip_whitelist`.

use std::net::IpAddr;

use super::*;

const OTHER_APPID: &str = "wx00000000000000b2";
const OTHER_SECRET: &str = "other-app-secret";

fn two_accounts() -> SimulatorConfig {
    test_config().with_account(AccountConfig::new(
        OTHER_APPID,
        SecretString::from(OTHER_SECRET),
        SecretString::from("othercallbacktoken"),
    ))
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

impl App {
    async fn classic_token(&self, appid: &str, secret: &str) -> Value {
        self.get(
            Endpoint::Token.path(),
            &[
                ("grant_type", "client_credential"),
                ("appid", appid),
                ("secret", secret),
            ],
        )
        .await
    }

    async fn stable_token(&self, appid: &str, secret: &str) -> Value {
        let body = json!({"grant_type": "client_credential", "appid": appid, "secret": secret});
        self.post(Endpoint::StableToken.path(), "", &body).await
    }
}

#[tokio::test]
async fn a_whitelist_without_the_callers_address_makes_both_token_calls_40164_naming_it() {
    let app = spawn(two_accounts()).await;
    let (status, set) = app
        .control_post("ip_whitelist", &json!({"whitelist": ["198.51.100.1"]}))
        .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["appid"], APPID);

    for refused in [
        app.classic_token(APPID, SECRET).await,
        app.stable_token(APPID, SECRET).await,
    ] {
        assert_eq!(errcode(&refused), 40164, "{refused}");
        let errmsg = refused["errmsg"].as_str().unwrap();
        assert!(
            errmsg
                .starts_with("invalid ip 127.0.0.1 ipv6 ::ffff:127.0.0.1, not in whitelist rid: "),
            "{errmsg}"
        );
        assert!(refused.get("access_token").is_none());
    }
    assert_eq!(app.sim.counters().tokens_issued, 0);
    // The AppID and the secret are checked first, as the console's Check
    // reports one thing at a time.
    assert_eq!(errcode(&app.classic_token(APPID, "wrong").await), 40125);
    // Another account has no whitelist.
    assert_eq!(
        app.stable_token(OTHER_APPID, OTHER_SECRET).await["expires_in"],
        7200
    );
    // Calls other than the token's are not checked (WeChat checks the
    // whitelist where the AppSecret is used).
    app.sim.set_ip_whitelist(None);
    let token = app.token().await;
    app.sim
        .set_ip_whitelist(Some(IpWhitelist::allowing([ip("198.51.100.1")])));
    let tags = app
        .get(Endpoint::TagsGet.path(), &[("access_token", &token)])
        .await;
    assert_eq!(errcode(&tags), 0, "{tags}");
}

#[tokio::test]
async fn the_egress_address_is_the_one_named_and_whitelisting_it_lets_calls_through() {
    let app = spawn(two_accounts()).await;
    let for_other = format!("ip_whitelist?appid={OTHER_APPID}");
    let (status, _) = app
        .control_post(
            &for_other,
            &json!({"whitelist": ["127.0.0.1"], "egress_ip": "203.0.113.7"}),
        )
        .await;
    assert_eq!(status, 200);
    let refused = app.stable_token(OTHER_APPID, OTHER_SECRET).await;
    assert_eq!(errcode(&refused), 40164);
    assert!(
        refused["errmsg"]
            .as_str()
            .unwrap()
            .starts_with("invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist"),
        "{refused}"
    );
    let (_, state) = app.control_get(&format!("state?appid={OTHER_APPID}")).await;
    assert_eq!(
        state["ip_whitelist"],
        json!({"whitelist": ["127.0.0.1"], "egress_ip": "203.0.113.7"})
    );

    app.control_post(
        &for_other,
        &json!({"whitelist": ["127.0.0.1", "203.0.113.7"], "egress_ip": "203.0.113.7"}),
    )
    .await;
    assert_eq!(
        app.stable_token(OTHER_APPID, OTHER_SECRET).await["expires_in"],
        7200
    );

    let (status, lifted) = app
        .control_post(&for_other, &json!({"whitelist": null}))
        .await;
    assert_eq!((status, &lifted["ip_whitelist"]), (200, &Value::Null));
    assert_eq!(app.sim.account(OTHER_APPID).unwrap().ip_whitelist(), None);
}

#[tokio::test]
async fn a_reset_lifts_the_whitelist_and_bad_requests_are_refused_in_words() {
    let app = spawn(two_accounts()).await;
    app.sim
        .set_ip_whitelist(Some(IpWhitelist::allowing([ip("198.51.100.1")])));
    assert_eq!(errcode(&app.classic_token(APPID, SECRET).await), 40164);
    app.sim.reset();
    assert_eq!(app.classic_token(APPID, SECRET).await["expires_in"], 7200);

    for body in [
        json!({"whitelist": ["not an address"]}),
        json!({"whitlist": ["127.0.0.1"]}),
        json!({"egress_ip": "203.0.113.7"}),
        json!(["127.0.0.1"]),
    ] {
        let (status, answer) = app.control_post("ip_whitelist", &body).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert!(
            answer["error"].as_str().unwrap().contains("whitelist"),
            "{answer}"
        );
    }
    let (status, _) = app
        .control_post("ip_whitelist?appid=wxnobody", &json!({"whitelist": []}))
        .await;
    assert_eq!(status, 404);
    assert_eq!(app.sim.ip_whitelist(), None, "nothing was set");
}
