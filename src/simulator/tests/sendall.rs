//! `sendall`: the seed's body rules and what a `clientmsgid` settles.

use super::*;

#[tokio::test]
async fn the_six_seed_examples_are_accepted_as_they_stand() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    for (kind, body) in SEED_REQUESTS {
        let answer = app
            .post_raw(Endpoint::SendAll.path(), &token, body.to_owned())
            .await;
        assert_eq!(errcode(&answer), 0, "{kind}: {answer}");
        assert_eq!(answer["errmsg"], "send job submission success", "{kind}");
        assert!(msg_id(&answer) > 1 << 31, "{kind}: msg_id {answer}");
        assert_eq!(
            answer.get("msg_data_id").is_some(),
            kind == "mpnews",
            "{kind}: msg_data_id only for mpnews"
        );
    }
    let sends = app.sim.sends();
    assert_eq!(sends.len(), 6);
    assert!(
        sends.iter().all(|s| s.audience == 36),
        "tag 2 has 36 followers"
    );
}

#[tokio::test]
async fn an_unknown_msgtype_is_40008() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    for msgtype in [
        json!("video"),
        json!("music"),
        json!("news"),
        json!(5),
        Value::Null,
    ] {
        let body = json!({
            "filter": {"is_to_all": true},
            "mpvideo": {"media_id": "IhdaAQXuvJtGzwwc0abfXnzeezfO0NgPK6AQYShD8RQYMTtfzbLdBIQkQziv2XJc"},
            "msgtype": msgtype,
        });
        assert_eq!(
            errcode(&app.post(Endpoint::SendAll.path(), &token, &body).await),
            40008,
            "{msgtype}"
        );
    }
    assert!(app.sim.sends().is_empty());
}

#[tokio::test]
async fn a_tag_that_does_not_exist_is_40152() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    for filter in [
        json!({"is_to_all": false, "tag_id": 999}),
        json!({"is_to_all": false, "tag_id": "abc"}),
        json!({"is_to_all": false, "tag_id": ""}),
        json!({"is_to_all": false}),
        json!({"tag_id": -2}),
    ] {
        let body = json!({"filter": filter, "text": {"content": "hi"}, "msgtype": "text"});
        assert_eq!(
            errcode(&app.post(Endpoint::SendAll.path(), &token, &body).await),
            40152,
            "{filter}"
        );
    }
    // The Chinese-named tag and "everyone" are fine.
    for filter in [
        json!({"is_to_all": false, "tag_id": "100"}),
        json!({"is_to_all": true}),
        json!({"is_to_all": "true", "tag_id": ""}),
    ] {
        let body =
            json!({"filter": filter, "text": {"content": format!("{filter}")}, "msgtype": "text"});
        assert_eq!(
            errcode(&app.post(Endpoint::SendAll.path(), &token, &body).await),
            0,
            "{filter}"
        );
    }
    let audiences: Vec<u64> = app.sim.sends().iter().map(|s| s.audience).collect();
    assert_eq!(audiences, [1_286, FOLLOWERS, FOLLOWERS]);
}

#[tokio::test]
async fn missing_or_unknown_media_is_40007_and_empty_text_44004() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let all = json!({"is_to_all": true});
    let cases = [
        json!({"filter": all, "msgtype": "mpnews", "mpnews": {"media_id": "nope"}}),
        json!({"filter": all, "msgtype": "mpnews"}),
        json!({"filter": all, "msgtype": "voice", "voice": {"media_id": "aaa"}}),
        json!({"filter": all, "msgtype": "image", "images": {"media_ids": ["aaa", "zzz"]}}),
        json!({"filter": all, "msgtype": "image", "images": {"media_ids": []}}),
        json!({"filter": all, "msgtype": "image", "image": {"media_id": "aaa"}}),
        // A video material must be converted with uploadvideo first.
        json!({"filter": all, "msgtype": "mpvideo", "mpvideo": {"media_id": "sim_video_store_tour"}}),
        json!({"filter": all, "msgtype": "wxcard", "wxcard": {"card_id": "unknown"}}),
    ];
    for body in cases {
        assert_eq!(
            errcode(&app.post(Endpoint::SendAll.path(), &token, &body).await),
            40007,
            "{body}"
        );
    }
    for content in [json!(""), Value::Null] {
        let body = json!({"filter": all, "msgtype": "text", "text": {"content": content}});
        assert_eq!(
            errcode(&app.post(Endpoint::SendAll.path(), &token, &body).await),
            44004
        );
    }
    assert!(app.sim.sends().is_empty());
}

#[tokio::test]
async fn malformed_bodies_get_errcodes_never_a_crash() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let paths = [
        Endpoint::SendAll.path(),
        Endpoint::Preview.path(),
        Endpoint::MassGet.path(),
        Endpoint::MassDelete.path(),
        Endpoint::DraftBatchGet.path(),
        Endpoint::MaterialBatchGet.path(),
        Endpoint::UploadVideo.path(),
        Endpoint::StableToken.path(),
    ];
    let bodies = [
        "",
        "null",
        "[]",
        "\"text\"",
        "{",
        r#"{"msgtype": {"x": 1}, "filter": []}"#,
        r#"{"filter": {"is_to_all": "maybe"}, "msgtype": "text", "text": {"content": "x"}}"#,
        r#"{"msg_id": -1, "article_idx": -3, "offset": -1, "count": 99999999999, "type": 7}"#,
        r#"{"msg_id": 18446744073709551615, "url": 5, "media_id": ["a"]}"#,
        r#"{"clientmsgid": {"a": 1}}"#,
    ];
    for path in paths {
        for body in bodies {
            let answer = app.post_raw(path, &token, body.to_owned()).await;
            assert_ne!(errcode(&answer), 0, "{path} {body}: {answer}");
            assert!(answer["errmsg"].as_str().unwrap().contains(" rid: "));
        }
    }
}

#[tokio::test]
async fn a_get_where_wechat_wants_post_is_43002() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let answer = app
        .get(Endpoint::SendAll.path(), &[("access_token", &token)])
        .await;
    assert_eq!(errcode(&answer), 43002);
    assert_eq!(app.sim.counters().calls_to(Endpoint::SendAll), 1);
}

// ---------------------------------------------------------------------------
// clientmsgid

#[tokio::test]
async fn a_clientmsgid_of_33_bytes_is_45067_and_32_bytes_is_accepted() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let long = "x".repeat(33);
    let answer = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &text_send("a", Some(&long)),
        )
        .await;
    assert_eq!(errcode(&answer), 45067);
    // A 36-byte UUID, the case seen rejected by the real WeChat.
    let uuid = "123e4567-e89b-12d3-a456-426614174000";
    assert_eq!(
        errcode(
            &app.post(
                Endpoint::SendAll.path(),
                &token,
                &text_send("b", Some(uuid))
            )
            .await
        ),
        45067
    );
    // 11 Chinese characters are 33 bytes: bytes count, not characters.
    let chinese = "群发测试群发测试群发测";
    assert_eq!(chinese.len(), 33);
    assert_eq!(
        errcode(
            &app.post(
                Endpoint::SendAll.path(),
                &token,
                &text_send("c", Some(chinese))
            )
            .await
        ),
        45067
    );
    let max = "y".repeat(32);
    assert_eq!(
        errcode(
            &app.post(
                Endpoint::SendAll.path(),
                &token,
                &text_send("d", Some(&max))
            )
            .await
        ),
        0
    );
    assert_eq!(app.sim.sends().len(), 1);
}

#[tokio::test]
async fn the_same_clientmsgid_is_45066_within_a_minute_then_45065_with_the_first_msg_id() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let first = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &text_send("第一次", Some("job-1")),
        )
        .await;
    assert_eq!(errcode(&first), 0);
    let first_id = msg_id(&first);

    // Even a different body: WeChat looks at the clientmsgid only.
    let again = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &text_send("第二次", Some("job-1")),
        )
        .await;
    assert_eq!(errcode(&again), 45066);
    assert!(again.get("msg_id").is_none());

    app.sim.clock().advance(Duration::from_secs(61));
    let later = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &text_send("第三次", Some("job-1")),
        )
        .await;
    assert_eq!(errcode(&later), 45065);
    assert_eq!(msg_id(&later), first_id);

    // After 24 hours the id is free again (the token has expired by then).
    app.sim.clock().advance(Duration::from_secs(24 * 3600));
    let token = app.token().await;
    let next_day = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &text_send("第四次", Some("job-1")),
        )
        .await;
    assert_eq!(errcode(&next_day), 0);
    assert_ne!(msg_id(&next_day), first_id);
}

#[tokio::test]
async fn without_a_clientmsgid_audience_and_content_stand_in_for_it() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    assert_eq!(
        errcode(
            &app.post(Endpoint::SendAll.path(), &token, &text_send("同一条", None))
                .await
        ),
        0
    );
    assert_eq!(
        errcode(
            &app.post(Endpoint::SendAll.path(), &token, &text_send("同一条", None))
                .await
        ),
        45066
    );
    assert_eq!(
        errcode(
            &app.post(Endpoint::SendAll.path(), &token, &text_send("另一条", None))
                .await
        ),
        0
    );
    let mut quoted_tag = text_send("同一条", None);
    quoted_tag["filter"]["tag_id"] = json!("2");
    assert_eq!(
        errcode(
            &app.post(Endpoint::SendAll.path(), &token, &quoted_tag)
                .await
        ),
        45066,
        "tag 2 and \"2\" are one audience"
    );
    let mut other_tag = text_send("同一条", None);
    other_tag["filter"]["tag_id"] = json!(101);
    assert_eq!(
        errcode(&app.post(Endpoint::SendAll.path(), &token, &other_tag).await),
        0
    );
    assert!(app.sim.sends()[0].clientmsgid.starts_with("auto:"));
}

#[tokio::test]
async fn a_used_up_draft_still_resolves_its_retry_with_45065() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let first = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &news_send("123dsdajkasd231jhksad", "news-1", 0),
        )
        .await;
    assert_eq!(errcode(&first), 0);
    app.wait_for_end(msg_id(&first)).await;
    app.sim.clock().advance(Duration::from_secs(90));
    let retry = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &news_send("123dsdajkasd231jhksad", "news-1", 0),
        )
        .await;
    assert_eq!((errcode(&retry), msg_id(&retry)), (45065, msg_id(&first)));
    // The draft itself is gone, as the seed says.
    let fresh = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &news_send("123dsdajkasd231jhksad", "news-2", 0),
        )
        .await;
    assert_eq!(errcode(&fresh), 40007);
    let drafts = app
        .post(
            Endpoint::DraftBatchGet.path(),
            &token,
            &json!({"offset": 0, "count": 20}),
        )
        .await;
    assert!(
        !drafts["item"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["media_id"] == "123dsdajkasd231jhksad")
    );
}
