//! What the compose page reads (tags, followers, drafts, materials), video
//! conversion, preview, `mass/get` and `mass/delete`.

use super::*;

#[tokio::test]
async fn tags_and_followers_give_the_audience_sizes() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let tags = app
        .get(Endpoint::TagsGet.path(), &[("access_token", &token)])
        .await;
    let tags = tags["tags"].as_array().unwrap();
    assert!(tags.iter().any(|t| t["id"] == 2 && t["count"] == 36));
    assert!(
        tags.iter()
            .any(|t| t["name"] == "VIP会员" && t["count"] == 1_286)
    );
    let users = app
        .get(Endpoint::UserGet.path(), &[("access_token", &token)])
        .await;
    assert_eq!(users["total"], FOLLOWERS);
    assert_eq!(users["count"], 10_000);
    let next = users["next_openid"].as_str().unwrap().to_owned();
    let rest = app
        .get(
            Endpoint::UserGet.path(),
            &[("access_token", &token), ("next_openid", &next)],
        )
        .await;
    assert_eq!(rest["count"], FOLLOWERS - 10_000);
}

#[tokio::test]
async fn drafts_page_by_offset_and_count_newest_first() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let url = Endpoint::DraftBatchGet.path();
    let first = app
        .post(url, &token, &json!({"offset": 0, "count": 5}))
        .await;
    assert_eq!(first["total_count"], 22);
    assert_eq!(first["item_count"], 5);
    let items = first["item"].as_array().unwrap();
    assert_eq!(items[0]["media_id"], "123dsdajkasd231jhksad");
    assert_eq!(
        items[0]["content"]["news_item"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        items[1]["content"]["news_item"].as_array().unwrap().len(),
        3
    );
    let times: Vec<i64> = items
        .iter()
        .map(|i| i["update_time"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
    let last = app
        .post(
            url,
            &token,
            &json!({"offset": 19, "count": 5, "no_content": 1}),
        )
        .await;
    assert_eq!(last["item_count"], 3);
    assert!(
        last["item"][0]["content"]["news_item"][0]
            .get("content")
            .is_none()
    );
    for count in [0, 21] {
        let bad = app
            .post(url, &token, &json!({"offset": 0, "count": count}))
            .await;
        assert_eq!(errcode(&bad), 40035);
    }
    // The drafts that name a scenario are among them.
    let all = app
        .post(url, &token, &json!({"offset": 0, "count": 20}))
        .await;
    let titles: Vec<&str> = all["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["content"]["news_item"][0]["title"].as_str().unwrap())
        .collect();
    assert!(titles.iter().any(|t| t.contains("CheckState=2")));
}

#[tokio::test]
async fn materials_of_each_type_come_with_counts() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let counts = app
        .get(Endpoint::MaterialCount.path(), &[("access_token", &token)])
        .await;
    assert_eq!(
        counts,
        json!({"errcode": 0, "voice_count": 13, "video_count": 12, "image_count": 14, "news_count": 2})
    );
    let url = Endpoint::MaterialBatchGet.path();
    for (kind, total) in [("image", 14), ("voice", 13), ("video", 12), ("news", 2)] {
        let page = app
            .post(
                url,
                &token,
                &json!({"type": kind, "offset": 0, "count": 20}),
            )
            .await;
        assert_eq!(page["total_count"], total, "{kind}");
        assert_eq!(page["item"].as_array().unwrap().len(), total, "{kind}");
    }
    let bad = app
        .post(
            url,
            &token,
            &json!({"type": "thumb", "offset": 0, "count": 1}),
        )
        .await;
    assert_eq!(errcode(&bad), 40004);
}

#[tokio::test]
async fn uploadvideo_turns_a_video_into_an_mpvideo_id_sendall_accepts() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let url = Endpoint::UploadVideo.path();
    let bad = app
        .post(
            url,
            &token,
            &json!({"media_id": "aaa", "title": "t", "description": "d"}),
        )
        .await;
    assert_eq!(errcode(&bad), 40007);
    let converted = app
        .post(
            url,
            &token,
            &json!({"media_id": "sim_video_store_tour", "title": "门店", "description": "[sim:err(20013)]"}),
        )
        .await;
    assert_eq!(converted["type"], "video");
    let id = converted["media_id"].as_str().unwrap();
    assert_eq!(id.len(), 64);
    let body =
        json!({"filter": {"is_to_all": true}, "mpvideo": {"media_id": id}, "msgtype": "mpvideo"});
    let sent = app.post(Endpoint::SendAll.path(), &token, &body).await;
    assert_eq!(errcode(&sent), 0);
    // The marker in the video's description chose the outcome.
    let record = app.wait_for_end(msg_id(&sent)).await;
    assert_eq!(
        record.result.unwrap().status,
        Status::Err(FailureReason::Copyright)
    );
}

#[tokio::test]
async fn preview_goes_to_a_follower_or_a_wechat_id() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let url = Endpoint::Preview.path();
    let follower = "oSIM000000000000000000000007";
    let ok = app
        .post(
            url,
            &token,
            &json!({"touser": follower, "msgtype": "text", "text": {"content": "预览"}}),
        )
        .await;
    assert_eq!(
        (errcode(&ok), ok["errmsg"].as_str()),
        (0, Some("preview success"))
    );
    // The real API answers a preview without a msg_id: it is not a send.
    assert_eq!(ok.get("msg_id"), None, "{ok}");
    let by_name = app
        .post(url, &token, &json!({"towxname": "editor_wx", "touser": "nobody", "msgtype": "image", "image": {"media_id": "aaa"}}))
        .await;
    assert_eq!(errcode(&by_name), 0);
    assert_eq!(by_name.get("msg_id"), None, "{by_name}");
    let stranger = app
        .post(url, &token, &json!({"touser": "oSomeoneElse000000000000000", "msgtype": "text", "text": {"content": "x"}}))
        .await;
    assert_eq!(errcode(&stranger), 40003);
    let nobody = app
        .post(
            url,
            &token,
            &json!({"msgtype": "text", "text": {"content": "x"}}),
        )
        .await;
    assert_eq!(errcode(&nobody), 40003);
    // sendall's image body is not the preview's.
    let images = app
        .post(
            url,
            &token,
            &json!({"touser": follower, "msgtype": "image", "images": {"media_ids": ["aaa"]}}),
        )
        .await;
    assert_eq!(errcode(&images), 40007);
    let video = app
        .post(
            url,
            &token,
            &json!({"touser": follower, "msgtype": "video", "video": {"media_id": "x"}}),
        )
        .await;
    assert_eq!(errcode(&video), 40008);
    let marked = app
        .post(url, &token, &json!({"touser": follower, "msgtype": "text", "text": {"content": "[sim:errcode(45028)]"}}))
        .await;
    assert_eq!(errcode(&marked), 45028);
    assert_eq!(app.sim.previews().len(), 2);
    assert!(app.sim.sends().is_empty(), "a preview is not a send");
}

#[tokio::test]
async fn mass_get_follows_a_send_and_mass_delete_removes_its_articles() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let get = Endpoint::MassGet.path();
    let delete = Endpoint::MassDelete.path();
    let sent = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &news_send("sim_draft_weekly_digest_0002", "del-1", 0),
        )
        .await;
    let id = msg_id(&sent);
    let status = app.post(get, &token, &json!({"msg_id": id})).await;
    assert_eq!(status["msg_status"], "SENDING");
    // Not deletable before it has succeeded.
    assert_eq!(
        errcode(&app.post(delete, &token, &json!({"msg_id": id})).await),
        40059
    );
    let record = app.wait_for_end(id).await;
    let status = app
        .post(get, &token, &json!({"msg_id": id.to_string()}))
        .await;
    assert_eq!(status["msg_status"], "SEND_SUCCESS");

    let del = |idx: u32| json!({"msg_id": id, "article_idx": idx});
    assert_eq!(errcode(&app.post(delete, &token, &del(2)).await), 0);
    assert_eq!(errcode(&app.post(delete, &token, &del(2)).await), 40060);
    assert_eq!(errcode(&app.post(delete, &token, &del(4)).await), 40060);
    let by_url = json!({"url": record.article_urls[2]});
    assert_eq!(errcode(&app.post(delete, &token, &by_url).await), 0);
    assert_eq!(errcode(&app.post(delete, &token, &del(0)).await), 0);
    let status = app.post(get, &token, &json!({"msg_id": id})).await;
    assert_eq!(status["msg_status"], "DELETE");
    assert_eq!(errcode(&app.post(delete, &token, &del(0)).await), 40059);
    assert_eq!(
        errcode(&app.post(delete, &token, &json!({"msg_id": 1})).await),
        40059
    );
    assert_eq!(
        errcode(&app.post(get, &token, &json!({"msg_id": 1})).await),
        40059
    );

    // Only news and video can be deleted.
    let text = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &text_send("t", Some("del-2")),
        )
        .await;
    app.wait_for_end(msg_id(&text)).await;
    let answer = app
        .post(delete, &token, &json!({"msg_id": msg_id(&text)}))
        .await;
    assert_eq!(errcode(&answer), 40059);
}
