//! The token endpoints and the token every other call needs.

use super::*;

#[tokio::test]
async fn token_calls_check_the_appid_then_the_secret() {
    let app = spawn(test_config()).await;
    let classic = |appid: &'static str, secret: &'static str| {
        [
            ("grant_type", "client_credential"),
            ("appid", appid),
            ("secret", secret),
        ]
    };
    let bad_appid = app
        .get(
            Endpoint::Token.path(),
            &classic("wxffffffffffffffff", SECRET),
        )
        .await;
    assert_eq!(errcode(&bad_appid), 40013);
    let bad_secret = app
        .get(Endpoint::Token.path(), &classic(APPID, "wrong"))
        .await;
    assert_eq!(errcode(&bad_secret), 40125);
    let no_appid = app.get(Endpoint::Token.path(), &classic("", SECRET)).await;
    assert_eq!(errcode(&no_appid), 41002);
    let bad_grant = app
        .get(
            Endpoint::Token.path(),
            &[
                ("grant_type", "password"),
                ("appid", APPID),
                ("secret", SECRET),
            ],
        )
        .await;
    assert_eq!(errcode(&bad_grant), 40002);

    let stable = |appid: &str, secret: &str| json!({"grant_type": "client_credential", "appid": appid, "secret": secret});
    let url = Endpoint::StableToken.path();
    assert_eq!(
        errcode(&app.post(url, "", &stable("wx1", SECRET)).await),
        40013
    );
    assert_eq!(
        errcode(&app.post(url, "", &stable(APPID, "nope")).await),
        40125
    );
    let good = app.post(url, "", &stable(APPID, SECRET)).await;
    assert_eq!(good["expires_in"], 7200);
    let classic_good = app
        .get(Endpoint::Token.path(), &classic(APPID, SECRET))
        .await;
    assert_eq!(classic_good["expires_in"], 7200);
    assert_eq!(app.sim.counters().tokens_issued, 2);
    assert_eq!(app.sim.counters().token_calls(), 8);
}

#[tokio::test]
async fn calls_need_a_valid_current_token() {
    let app = spawn(test_config()).await;
    let tags = Endpoint::TagsGet.path();
    assert_eq!(errcode(&app.get(tags, &[]).await), 41001);
    assert_eq!(
        errcode(&app.get(tags, &[("access_token", "")]).await),
        41001
    );
    assert_eq!(
        errcode(&app.get(tags, &[("access_token", "forged")]).await),
        40001
    );
    assert_eq!(
        errcode(
            &app.post(Endpoint::SendAll.path(), "forged", &text_send("x", None))
                .await
        ),
        40001
    );

    let old = app.token().await;
    let new = app.token().await;
    // A new classic token leaves the old one five minutes.
    assert_eq!(errcode(&app.get(tags, &[("access_token", &old)]).await), 0);
    app.sim.clock().advance(Duration::from_secs(301));
    assert_eq!(
        errcode(&app.get(tags, &[("access_token", &old)]).await),
        40001
    );
    assert_eq!(errcode(&app.get(tags, &[("access_token", &new)]).await), 0);
    app.sim.clock().advance(Duration::from_secs(7200));
    assert_eq!(
        errcode(&app.get(tags, &[("access_token", &new)]).await),
        42001
    );
}

#[tokio::test]
async fn a_stable_token_is_handed_out_again_until_forced() {
    let app = spawn(test_config()).await;
    let request = json!({"grant_type": "client_credential", "appid": APPID, "secret": SECRET});
    let first = app.post(Endpoint::StableToken.path(), "", &request).await;
    app.sim.clock().advance(Duration::from_secs(100));
    let second = app.post(Endpoint::StableToken.path(), "", &request).await;
    assert_eq!(first["access_token"], second["access_token"]);
    assert!(second["expires_in"].as_u64().unwrap() <= 7100);
    let mut forced = request.clone();
    forced["force_refresh"] = json!(true);
    let third = app.post(Endpoint::StableToken.path(), "", &forced).await;
    assert_ne!(third["access_token"], first["access_token"]);
    let old = first["access_token"].as_str().unwrap();
    let tags = app
        .get(Endpoint::TagsGet.path(), &[("access_token", old)])
        .await;
    assert_eq!(errcode(&tags), 40001);
    assert_eq!(app.sim.counters().tokens_issued, 2);
}
