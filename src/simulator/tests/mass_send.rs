//! `mass/send`: a list of 2–10,000 OpenIDs, each of an OpenID's form, the
//! message as sendall's, the clientmsgid, its own scenario queue, and a
//! push that counts the OpenIDs that do not follow the account as errors.

use super::*;

fn follower(n: u64) -> String {
    format!("oSIM{n:024}")
}

fn list_send(touser: &[String], clientmsgid: Option<&str>) -> Value {
    let mut body = json!({
        "touser": touser,
        "text": {"content": "只发给名单里的人"},
        "msgtype": "text",
    });
    if let Some(id) = clientmsgid {
        body["clientmsgid"] = json!(id);
    }
    body
}

#[tokio::test]
async fn fewer_than_two_is_40130_more_than_ten_thousand_40032_a_bad_openid_40003() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let path = Endpoint::MassSend.path();
    let one = list_send(&[follower(1)], Some("one"));
    assert_eq!(errcode(&app.post(path, &token, &one).await), 40130);
    let none = json!({"text": {"content": "x"}, "msgtype": "text"});
    assert_eq!(errcode(&app.post(path, &token, &none).await), 40130);
    let many: Vec<String> = (0..10_001).map(follower).collect();
    assert_eq!(
        errcode(
            &app.post(path, &token, &list_send(&many, Some("many")))
                .await
        ),
        40032
    );
    let bad = list_send(&[follower(1), "o/bad".to_owned()], Some("bad"));
    assert_eq!(errcode(&app.post(path, &token, &bad).await), 40003);
    // The message is checked as sendall's.
    let mut no_text = list_send(&[follower(1), follower(2)], Some("t"));
    no_text["text"] = json!({"content": ""});
    assert_eq!(errcode(&app.post(path, &token, &no_text).await), 44004);
    assert!(app.sim.sends().is_empty());

    let most: Vec<String> = (0..10_000).map(follower).collect();
    let sent = app
        .post(path, &token, &list_send(&most, Some("most")))
        .await;
    assert_eq!(errcode(&sent), 0, "{sent}");
    assert_eq!(sent["errmsg"], "send job submission success");
    assert_eq!(app.sim.sends()[0].audience, 10_000);
}

#[tokio::test]
async fn the_push_counts_every_openid_and_fails_the_ones_not_following() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    // Of the right form, but no follower of this account.
    let stranger = "oXYZstranger0000000000000001".to_owned();
    let touser = [follower(1), follower(2), stranger];
    let sent = app
        .post(
            Endpoint::MassSend.path(),
            &token,
            &list_send(&touser, Some("list-1")),
        )
        .await;
    assert_eq!(errcode(&sent), 0, "{sent}");
    let record = app.wait_for_end(msg_id(&sent)).await;
    let result = record.result.unwrap();
    assert_eq!(result.total_count, Some(3));
    assert_eq!(result.sent_count, Some(2));
    assert_eq!(result.error_count, Some(1));
    assert_eq!(
        record.list,
        Some(state::ListAudience {
            size: 3,
            strangers: 1
        })
    );
}

#[tokio::test]
async fn the_clientmsgid_is_45066_then_45065_and_its_queue_is_its_own() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let path = Endpoint::MassSend.path();
    let touser = [follower(1), follower(2)];
    app.sim
        .queue_scenario(
            Endpoint::MassSend,
            Scenario::parse("errcode(42010)").unwrap(),
        )
        .unwrap();
    // sendall does not take mass/send's queued answer.
    let other = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &text_send("全部", Some("all-1")),
        )
        .await;
    assert_eq!(errcode(&other), 0);
    let busy = app
        .post(path, &token, &list_send(&touser, Some("part-2")))
        .await;
    assert_eq!(errcode(&busy), 42010);

    let first = app
        .post(path, &token, &list_send(&touser, Some("part-2")))
        .await;
    assert_eq!(errcode(&first), 0, "{first}");
    let again = app
        .post(path, &token, &list_send(&touser, Some("part-2")))
        .await;
    assert_eq!(errcode(&again), 45066);
    app.sim.clock().advance(Duration::from_secs(61));
    let later = app
        .post(path, &token, &list_send(&touser, Some("part-2")))
        .await;
    assert_eq!(errcode(&later), 45065);
    assert_eq!(msg_id(&later), msg_id(&first));
    let long = list_send(&touser, Some(&"x".repeat(33)));
    assert_eq!(errcode(&app.post(path, &token, &long).await), 45067);
}
