//! Several accounts in one simulator: each hands out its own tokens, keeps
//! its own tags, followers, drafts, sends and scenarios, and pushes to its
//! own callback URL with its own Token and key.

use super::*;

const B_APPID: &str = "wxfedcba9876543210";
const B_SECRET: &str = "second-app-secret";
const B_TOKEN: &str = "secondcallbacktoken";
const B_AES_KEY: &str = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut";

/// A 服务号 beside the tests' first account, with the second account's
/// fixtures.
fn second_account() -> AccountConfig {
    AccountConfig::new(
        B_APPID,
        SecretString::from(B_SECRET),
        SecretString::from(B_TOKEN),
    )
    .with_kind(AccountKind::Service)
}

fn two_accounts() -> SimulatorConfig {
    test_config().with_account(second_account())
}

impl App {
    async fn token_of(&self, appid: &str, secret: &str) -> Value {
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

    async fn token_string(&self, appid: &str, secret: &str) -> String {
        let answer = self.token_of(appid, secret).await;
        answer["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token for {appid}: {answer}"))
            .to_owned()
    }

    fn b(&self) -> SimulatedAccount {
        self.sim.account(B_APPID).expect("the second account")
    }
}

fn tag_ids(answer: &Value) -> Vec<u64> {
    answer["tags"]
        .as_array()
        .unwrap_or_else(|| panic!("no tags: {answer}"))
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn each_account_hands_out_its_own_tokens_and_checks_its_own_secret() {
    let app = spawn(two_accounts()).await;
    let a = app.token_of(APPID, SECRET).await;
    let b = app.token_of(B_APPID, B_SECRET).await;
    assert!(a["access_token"].is_string(), "{a}");
    assert!(b["access_token"].is_string(), "{b}");
    assert_ne!(a["access_token"], b["access_token"]);
    // One account's AppID with the other's secret is a wrong secret.
    assert_eq!(errcode(&app.token_of(APPID, B_SECRET).await), 40125);
    assert_eq!(errcode(&app.token_of(B_APPID, SECRET).await), 40125);
    assert_eq!(
        errcode(&app.token_of("wxffffffffffffffff", B_SECRET).await),
        40013
    );
    let stable = |appid: &str, secret: &str| json!({"grant_type": "client_credential", "appid": appid, "secret": secret});
    let url = Endpoint::StableToken.path();
    assert_eq!(
        errcode(&app.post(url, "", &stable(APPID, B_SECRET)).await),
        40125
    );
    let b_stable = app.post(url, "", &stable(B_APPID, B_SECRET)).await;
    assert_eq!(b_stable["expires_in"], 7200, "{b_stable}");
    assert_ne!(b_stable["access_token"], b["access_token"]);
    // Each account counts the calls that named it; an unknown AppID counts
    // on the first account.
    assert_eq!(app.sim.counters().tokens_issued, 1);
    assert_eq!(app.sim.counters().token_calls(), 4);
    assert_eq!(app.b().counters().tokens_issued, 2);
    assert_eq!(app.b().counters().token_calls(), 3);
}

#[tokio::test]
async fn a_token_reads_and_changes_its_own_account_only() {
    let app = spawn(two_accounts()).await;
    let a = app.token_string(APPID, SECRET).await;
    let b = app.token_string(B_APPID, B_SECRET).await;

    let tags = |token: &str| {
        let token = token.to_owned();
        let app = &app;
        async move {
            app.get(Endpoint::TagsGet.path(), &[("access_token", &token)])
                .await
        }
    };
    assert_eq!(tag_ids(&tags(&a).await), [2, 100, 101, 102, 103, 104]);
    let b_tags = tags(&b).await;
    assert_eq!(tag_ids(&b_tags), [2, 120, 121, 122, 123]);
    assert_eq!(b_tags["tags"][1]["name"], "金卡会员");
    assert_eq!(b_tags["tags"][1]["count"], 842);

    let users = |token: &str| {
        let token = token.to_owned();
        let app = &app;
        async move {
            app.get(Endpoint::UserGet.path(), &[("access_token", &token)])
                .await
        }
    };
    let (a_users, b_users) = (users(&a).await, users(&b).await);
    assert_eq!(a_users["total"], FOLLOWERS);
    assert_eq!(b_users["total"], SECOND_FOLLOWERS);
    let b_first = b_users["data"]["openid"][0].as_str().unwrap();
    assert!(b_first.starts_with("oSVC"), "{b_first}");
    assert_eq!(b_first.len(), 28);

    let page = json!({"offset": 0, "count": 20});
    let a_drafts = app.post(Endpoint::DraftBatchGet.path(), &a, &page).await;
    let b_drafts = app.post(Endpoint::DraftBatchGet.path(), &b, &page).await;
    assert_eq!(a_drafts["total_count"], 22);
    assert_eq!(b_drafts["total_count"], 3);
    assert_eq!(
        b_drafts["item"][0]["content"]["news_item"][0]["title"],
        "会员日：金卡会员双倍积分"
    );
    let counts = |v: &Value| {
        ["image_count", "voice_count", "video_count", "news_count"].map(|k| v[k].as_u64())
    };
    let count_of = |token: &str| {
        let token = token.to_owned();
        let app = &app;
        async move {
            app.get(Endpoint::MaterialCount.path(), &[("access_token", &token)])
                .await
        }
    };
    assert_eq!(
        counts(&count_of(&a).await),
        [Some(14), Some(13), Some(12), Some(2)]
    );
    assert_eq!(
        counts(&count_of(&b).await),
        [Some(3), Some(1), Some(1), Some(1)]
    );

    // B cannot send A's draft, find A's send, or preview to A's follower.
    let a_draft_to_all = json!({
        "filter": {"is_to_all": true},
        "mpnews": {"media_id": "123dsdajkasd231jhksad"},
        "msgtype": "mpnews",
        "send_ignore_reprint": 0,
        "clientmsgid": "iso-1",
    });
    assert_eq!(
        errcode(
            &app.post(Endpoint::SendAll.path(), &b, &a_draft_to_all)
                .await
        ),
        40007
    );
    let sent = app
        .post(Endpoint::SendAll.path(), &a, &a_draft_to_all)
        .await;
    assert_eq!(errcode(&sent), 0, "{sent}");
    let asked = json!({"msg_id": msg_id(&sent)});
    assert_eq!(
        errcode(&app.post(Endpoint::MassGet.path(), &b, &asked).await),
        40059
    );
    assert_eq!(
        errcode(&app.post(Endpoint::MassGet.path(), &a, &asked).await),
        0
    );
    assert_eq!(
        errcode(&app.post(Endpoint::MassDelete.path(), &b, &asked).await),
        40059
    );
    let to_a_follower = json!({"touser": "oSIM000000000000000000000007", "msgtype": "text", "text": {"content": "预览"}});
    assert_eq!(
        errcode(&app.post(Endpoint::Preview.path(), &b, &to_a_follower).await),
        40003
    );
    let to_b_follower = json!({"touser": "oSVC000000000000000000000007", "msgtype": "text", "text": {"content": "预览"}});
    assert_eq!(
        errcode(&app.post(Endpoint::Preview.path(), &b, &to_b_follower).await),
        0
    );
    // B's own draft to B's own tag goes.
    let b_sent = app
        .post(
            Endpoint::SendAll.path(),
            &b,
            &json!({
                "filter": {"is_to_all": false, "tag_id": 120},
                "mpnews": {"media_id": "svc_draft_member_day_0001"},
                "msgtype": "mpnews",
                "send_ignore_reprint": 0,
                "clientmsgid": "iso-2",
            }),
        )
        .await;
    assert_eq!(errcode(&b_sent), 0, "{b_sent}");

    let (a_sends, b_sends) = (app.sim.sends(), app.b().sends());
    assert_eq!(a_sends.len(), 1);
    assert_eq!(a_sends[0].msg_id.get(), msg_id(&sent));
    assert_eq!(a_sends[0].audience, FOLLOWERS);
    assert_eq!(b_sends.len(), 1);
    assert_eq!(b_sends[0].msg_id.get(), msg_id(&b_sent));
    assert_eq!(b_sends[0].audience, 842);
    assert!(app.sim.previews().is_empty());
    assert_eq!(app.b().previews().len(), 1);
    assert_eq!(app.b().counters().calls_to(Endpoint::SendAll), 2);
    assert_eq!(app.sim.counters().calls_to(Endpoint::SendAll), 1);
}

#[tokio::test]
async fn a_send_pushes_to_its_own_accounts_callback_with_its_own_token_and_key() {
    let (url_a, receiver_a) = spawn_receiver(0).await;
    let (url_b, receiver_b) = spawn_receiver(0).await;
    let config = test_config().with_callback_url(url_a).with_account(
        second_account()
            .with_callback_url(url_b)
            .with_aes_key(SecretString::from(B_AES_KEY)),
    );
    let app = spawn(config).await;
    let a = app.token_string(APPID, SECRET).await;
    let b = app.token_string(B_APPID, B_SECRET).await;
    let sent_a = app
        .post(
            Endpoint::SendAll.path(),
            &a,
            &text_send("甲账号的群发", Some("push-a")),
        )
        .await;
    let sent_b = app
        .post(
            Endpoint::SendAll.path(),
            &b,
            &json!({
                "filter": {"is_to_all": false, "tag_id": 120},
                "text": {"content": "乙账号的群发"},
                "msgtype": "text",
                "clientmsgid": "push-b",
            }),
        )
        .await;
    assert_ne!(msg_id(&sent_a), msg_id(&sent_b));
    assert!(
        app.sim
            .wait_until(WAIT, |s| {
                s.deliveries().len() == 1
                    && s.account(B_APPID)
                        .is_some_and(|b| b.deliveries().len() == 1)
            })
            .await,
        "one push each: {:?} {:?}",
        app.sim.deliveries(),
        app.b().deliveries()
    );

    // A's push: A's URL, A's Token, in plaintext, to A's original id.
    let hits_a = receiver_a.hits();
    assert_eq!(hits_a.len(), 1, "{hits_a:?}");
    let (query, body) = &hits_a[0];
    let param = |k| query_value(query, k).unwrap();
    crypto::verify_signature(
        TOKEN,
        &param("timestamp"),
        &param("nonce"),
        &param("signature"),
    )
    .unwrap();
    assert!(
        crypto::verify_signature(
            B_TOKEN,
            &param("timestamp"),
            &param("nonce"),
            &param("signature")
        )
        .is_err()
    );
    assert_eq!(query_value(query, "encrypt_type"), None);
    let finish = finish_of(body);
    assert_eq!(finish.result.msg_id.get(), msg_id(&sent_a));
    assert_eq!(finish.result.total_count, Some(36));
    assert_eq!(
        finish.event.to_user_name.as_deref(),
        Some(BUILTIN_ACCOUNT_ID)
    );

    // B's push: B's URL, sealed with B's key and signed with B's Token.
    let hits_b = receiver_b.hits();
    assert_eq!(hits_b.len(), 1, "{hits_b:?}");
    let (query, body) = &hits_b[0];
    let param = |k| query_value(query, k).unwrap();
    assert_eq!(param("encrypt_type"), "aes");
    let b_crypto = CallbackCrypto::new(B_TOKEN, B_AES_KEY, B_APPID).unwrap();
    b_crypto
        .verify_signature(&param("timestamp"), &param("nonce"), &param("signature"))
        .unwrap();
    let a_crypto = CallbackCrypto::new(TOKEN, B_AES_KEY, B_APPID).unwrap();
    assert!(
        a_crypto
            .verify_signature(&param("timestamp"), &param("nonce"), &param("signature"))
            .is_err()
    );
    let envelope = EncryptedEnvelope::parse(body).unwrap();
    let b_original_id = app.b().config().account_id.clone();
    assert_ne!(b_original_id, BUILTIN_ACCOUNT_ID);
    assert!(b_original_id.starts_with("gh_"), "{b_original_id}");
    assert_eq!(
        envelope.to_user_name.as_deref(),
        Some(b_original_id.as_str())
    );
    let xml = b_crypto
        .decrypt_message(
            &param("timestamp"),
            &param("nonce"),
            &envelope.encrypt,
            &param("msg_signature"),
        )
        .unwrap();
    let finish = finish_of(&xml);
    assert_eq!(finish.result.msg_id.get(), msg_id(&sent_b));
    assert_eq!(finish.result.total_count, Some(842));
    assert_eq!(
        finish.event.to_user_name.as_deref(),
        Some(b_original_id.as_str())
    );

    // Each account records its own send and its own push.
    let ids = |sends: Vec<SendRecord>| sends.iter().map(|s| s.msg_id.get()).collect::<Vec<_>>();
    assert_eq!(ids(app.sim.sends()), [msg_id(&sent_a)]);
    assert_eq!(ids(app.b().sends()), [msg_id(&sent_b)]);
    assert_eq!(app.sim.deliveries()[0].msg_id.get(), msg_id(&sent_a));
    assert_eq!(app.b().deliveries()[0].msg_id.get(), msg_id(&sent_b));
    assert_eq!(app.sim.counters().callbacks_acknowledged, 1);
    assert_eq!(app.b().counters().callbacks_acknowledged, 1);
}

#[tokio::test]
async fn the_same_clientmsgid_on_two_accounts_at_once_is_two_sends() {
    let app = spawn(two_accounts()).await;
    let a = app.token_string(APPID, SECRET).await;
    let b = app.token_string(B_APPID, B_SECRET).await;
    let body = json!({
        "filter": {"is_to_all": true},
        "text": {"content": "两个账号同时群发"},
        "msgtype": "text",
        "clientmsgid": "same-id-on-both",
    });
    let url = Endpoint::SendAll.path();
    let (on_a, on_b) = tokio::join!(app.post(url, &a, &body), app.post(url, &b, &body));
    assert_eq!((errcode(&on_a), errcode(&on_b)), (0, 0), "{on_a} {on_b}");
    assert_ne!(msg_id(&on_a), msg_id(&on_b));
    let (a_sends, b_sends) = (app.sim.sends(), app.b().sends());
    assert_eq!(a_sends.len(), 1);
    assert_eq!(b_sends.len(), 1);
    assert_eq!(
        (a_sends[0].msg_id.get(), a_sends[0].audience),
        (msg_id(&on_a), FOLLOWERS)
    );
    assert_eq!(
        (b_sends[0].msg_id.get(), b_sends[0].audience),
        (msg_id(&on_b), SECOND_FOLLOWERS)
    );
    // Each account still settles its own retries.
    assert_eq!(errcode(&app.post(url, &a, &body).await), 45066);
    assert_eq!(errcode(&app.post(url, &b, &body).await), 45066);
    app.sim.clock().advance(Duration::from_secs(61));
    let again_b = app.post(url, &b, &body).await;
    assert_eq!(errcode(&again_b), 45065);
    assert_eq!(msg_id(&again_b), msg_id(&on_b));
    // Without a clientmsgid the digest stands in for it, per account too.
    let mut unnamed = body.clone();
    unnamed
        .as_object_mut()
        .unwrap()
        .remove("clientmsgid")
        .unwrap();
    unnamed["text"]["content"] = json!("没有 clientmsgid 的同一条");
    let (on_a, on_b) = tokio::join!(app.post(url, &a, &unnamed), app.post(url, &b, &unnamed));
    assert_eq!((errcode(&on_a), errcode(&on_b)), (0, 0), "{on_a} {on_b}");
    assert_eq!((app.sim.sends().len(), app.b().sends().len()), (2, 2));
}

#[tokio::test]
async fn an_account_added_at_runtime_is_served_at_once() {
    let app = spawn(test_config()).await;
    assert_eq!(errcode(&app.token_of(B_APPID, B_SECRET).await), 40013);
    assert!(app.sim.account(B_APPID).is_none());

    let added = app.sim.add_account(second_account()).unwrap();
    assert_eq!(added.appid(), B_APPID);
    assert_eq!(added.config().kind, AccountKind::Service);
    let b = app.token_string(B_APPID, B_SECRET).await;
    let b_tags = app
        .get(Endpoint::TagsGet.path(), &[("access_token", &b)])
        .await;
    assert_eq!(tag_ids(&b_tags), [2, 120, 121, 122, 123]);
    let appids: Vec<String> = app
        .sim
        .accounts()
        .iter()
        .map(|a| a.appid().to_owned())
        .collect();
    assert_eq!(appids, [APPID, B_APPID]);
    assert_eq!(app.b().counters().tokens_issued, 1);

    // An AppID already served, or a bad key, adds nothing.
    assert!(matches!(
        app.sim.add_account(second_account()),
        Err(SimulatorError::AppIdTaken(appid)) if appid == B_APPID
    ));
    let bad_key = AccountConfig::new(
        "wx1111111111111111",
        SecretString::from("s"),
        SecretString::from("t0k3n"),
    )
    .with_aes_key(SecretString::from("too-short"));
    assert!(matches!(
        app.sim.add_account(bad_key),
        Err(SimulatorError::BadAesKey)
    ));
    assert_eq!(app.sim.accounts().len(), 2);
    // The unknown AppID before the account existed counted on the first.
    assert_eq!(app.sim.counters().token_calls(), 1);
    assert_eq!(app.sim.counters().tokens_issued, 0);
    assert!(matches!(
        Simulator::new(test_config().with_account(AccountConfig::new(
            APPID,
            SecretString::from("other"),
            SecretString::from("othertoken"),
        ))),
        Err(SimulatorError::AppIdTaken(_))
    ));
}

#[tokio::test]
async fn control_endpoints_address_an_account_by_appid() {
    let app = spawn(two_accounts()).await;
    let (status, listed) = app.control_get("accounts").await;
    assert_eq!(status, 200, "{listed}");
    let accounts = listed["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2, "{listed}");
    assert_eq!(accounts[0]["appid"], APPID);
    assert_eq!(accounts[0]["kind"], "subscription");
    assert_eq!(accounts[0]["followers"], FOLLOWERS);
    assert_eq!(accounts[1]["appid"], B_APPID);
    assert_eq!(accounts[1]["kind"], "service");
    assert_eq!(accounts[1]["followers"], SECOND_FOLLOWERS);
    assert_eq!(accounts[1]["overseas"], false);
    let shown = listed.to_string();
    for secret in [SECRET, B_SECRET, TOKEN, B_TOKEN] {
        assert!(!shown.contains(secret), "{shown}");
    }

    let for_b = format!("scenario?appid={B_APPID}");
    let (status, queued) = app
        .control_post(&for_b, &json!({"scenario": "errcode(45028)"}))
        .await;
    assert_eq!(status, 200, "{queued}");
    assert!(app.sim.queued(Endpoint::SendAll).is_empty());
    assert_eq!(app.b().queued(Endpoint::SendAll).len(), 1);

    let a = app.token_string(APPID, SECRET).await;
    let b = app.token_string(B_APPID, B_SECRET).await;
    let url = Endpoint::SendAll.path();
    let on_a = app.post(url, &a, &text_send("甲", Some("ctl-a"))).await;
    assert_eq!(errcode(&on_a), 0, "{on_a}");
    let body_b = json!({"filter": {"is_to_all": true}, "text": {"content": "乙"}, "msgtype": "text", "clientmsgid": "ctl-b"});
    assert_eq!(errcode(&app.post(url, &b, &body_b).await), 45028);

    let (_, state_b) = app.control_get(&format!("state?appid={B_APPID}")).await;
    assert_eq!(state_b["counters"]["calls"]["sendall"], 1, "{state_b}");
    assert_eq!(state_b["sends"], json!([]));
    assert_eq!(state_b["appid"], B_APPID);
    let (_, state_a) = app.control_get("state").await;
    assert_eq!(state_a["appid"], APPID);
    assert_eq!(state_a["sends"].as_array().unwrap().len(), 1);

    for (status, answer) in [
        app.control_get("state?appid=wxnobody").await,
        app.control_post(
            "scenario?appid=wxnobody",
            &json!({"scenario": "errcode(45028)"}),
        )
        .await,
        app.control_post("reset?appid=wxnobody", &json!({})).await,
    ] {
        assert_eq!(status, 404, "{answer}");
        assert!(answer["error"].as_str().unwrap().contains("wxnobody"));
    }

    let (status, _) = app
        .control_post(&format!("reset?appid={B_APPID}"), &json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.b().counters(), Counters::default());
    assert_eq!(app.sim.sends().len(), 1, "A is not reset");
}

#[tokio::test]
async fn a_third_account_with_the_same_fixtures_has_followers_of_its_own() {
    let app = spawn(two_accounts()).await;
    let c_appid = "wx3333333333333333";
    app.sim
        .add_account(AccountConfig::new(
            c_appid,
            SecretString::from("third-secret"),
            SecretString::from("thirdtoken"),
        ))
        .unwrap();
    let b = app.token_string(B_APPID, B_SECRET).await;
    let c = app.token_string(c_appid, "third-secret").await;
    let first_follower = |token: &str| {
        let token = token.to_owned();
        let app = &app;
        async move {
            let users = app
                .get(Endpoint::UserGet.path(), &[("access_token", &token)])
                .await;
            users["data"]["openid"][0].as_str().unwrap().to_owned()
        }
    };
    let (of_b, of_c) = (first_follower(&b).await, first_follower(&c).await);
    assert!(of_b.starts_with("oSVC"), "{of_b}");
    assert_ne!(of_b[..4], of_c[..4], "{of_b} {of_c}");
    assert_eq!(of_c.len(), 28);
    assert!(crate::wechat::types::OpenId::parse(of_c.as_str()).is_ok());
    let preview =
        |openid: &str| json!({"touser": openid, "msgtype": "text", "text": {"content": "预览"}});
    let url = Endpoint::Preview.path();
    assert_eq!(errcode(&app.post(url, &c, &preview(&of_b)).await), 40003);
    assert_eq!(errcode(&app.post(url, &b, &preview(&of_c)).await), 40003);
    assert_eq!(errcode(&app.post(url, &c, &preview(&of_c)).await), 0);
    // A reset keeps them.
    app.sim.account(c_appid).unwrap().reset();
    let c = app.token_string(c_appid, "third-secret").await;
    assert_eq!(first_follower(&c).await, of_c);
}
