//! Scenarios: every outcome on purpose, by marker, draft or queue.

use super::*;

#[tokio::test]
async fn each_review_failure_of_the_seed_is_pushed_as_err_n() {
    let (url, receiver) = spawn_receiver(0).await;
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    let codes = [
        10001, 20001, 20004, 20002, 20006, 20008, 20013, 22000, 21000, 93115, 30001, 30002, 30003,
        40001, 40002,
    ];
    for code in codes {
        app.sim
            .queue_scenario(
                Endpoint::SendAll,
                Scenario::parse(&format!("err({code})")).unwrap(),
            )
            .unwrap();
        let sent = app
            .post(
                Endpoint::SendAll.path(),
                &token,
                &text_send(&format!("审核 {code}"), Some(&format!("err-{code}"))),
            )
            .await;
        assert_eq!(errcode(&sent), 0, "the send itself is accepted");
    }
    app.wait_for_pushes(codes.len()).await;
    let mut statuses: Vec<i64> = receiver
        .hits()
        .iter()
        .map(|(_, body)| {
            let finish = finish_of(body);
            assert_eq!(finish.result.sent_count, Some(0));
            match finish.result.status {
                Status::Err(reason) => reason.code(),
                other => panic!("{other:?}"),
            }
        })
        .collect();
    statuses.sort_unstable();
    let mut expected = codes.to_vec();
    expected.sort_unstable();
    assert_eq!(statuses, expected);
}

#[tokio::test]
async fn a_marker_in_the_text_an_editor_types_chooses_the_outcome() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let sent = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &text_send("今日要闻 [sim:err(20001)]", Some("m-1")),
        )
        .await;
    let record = app.wait_for_end(msg_id(&sent)).await;
    assert_eq!(
        record.result.unwrap().status,
        Status::Err(FailureReason::Politics)
    );
    let failed = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &text_send("[sim:fail]", Some("m-2")),
        )
        .await;
    let record = app.wait_for_end(msg_id(&failed)).await;
    let result = record.result.unwrap();
    assert_eq!(result.status, Status::SendFail);
    assert_eq!(result.error_count, result.filter_count);
    assert_eq!(record.status.as_str(), "SEND_FAIL");
    // Images carry markers in their title.
    let images = json!({
        "filter": {"is_to_all": false, "tag_id": 2},
        "images": {"media_ids": ["aaa"], "title": "[sim:errcode(45028)]"},
        "msgtype": "image",
    });
    assert_eq!(
        errcode(&app.post(Endpoint::SendAll.path(), &token, &images).await),
        45028
    );
}

#[tokio::test]
async fn the_checkstate_drafts_trigger_each_originality_verdict() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let verdict = |record: SendRecord| {
        let result = record.result.unwrap();
        (
            result.status,
            result.copyright_check.and_then(|c| c.check_state),
        )
    };

    let one = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &news_send("sim_draft_checkstate_1", "c1", 0),
        )
        .await;
    assert_eq!(
        verdict(app.wait_for_end(msg_id(&one)).await),
        (Status::SendSuccess, Some(CheckState::NotReprint))
    );

    // CheckState 2 stops the send unless send_ignore_reprint is 1.
    let stopped = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &news_send("sim_draft_checkstate_2", "c2a", 0),
        )
        .await;
    let record = app.wait_for_end(msg_id(&stopped)).await;
    let items = record
        .result
        .clone()
        .unwrap()
        .copyright_check
        .unwrap()
        .items;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].can_reprint.map(|c| c.code()), Some(1));
    assert_eq!(items[1].audit_state.map(|a| a.code()), Some(11));
    assert_eq!(
        verdict(record),
        (
            Status::Err(FailureReason::JudgedReprint),
            Some(CheckState::ReprintAllowed)
        )
    );
    let going_on = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &news_send("sim_draft_checkstate_2", "c2b", 1),
        )
        .await;
    assert_eq!(
        verdict(app.wait_for_end(msg_id(&going_on)).await),
        (Status::SendSuccess, Some(CheckState::ReprintAllowed))
    );

    let three = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &news_send("sim_draft_checkstate_3", "c3", 1),
        )
        .await;
    assert_eq!(
        verdict(app.wait_for_end(msg_id(&three)).await),
        (
            Status::Err(FailureReason::OriginalityCheckRefused),
            Some(CheckState::ReprintRefused)
        )
    );
    // A queued check(0) works on any article.
    app.sim
        .queue_scenario(Endpoint::SendAll, Scenario::parse("check(0)").unwrap())
        .unwrap();
    let zero = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &news_send("sim_news_about_us", "c0", 0),
        )
        .await;
    assert_eq!(
        verdict(app.wait_for_end(msg_id(&zero)).await),
        (Status::SendSuccess, Some(CheckState::NoVerdict))
    );
}

/// The eight fields of each `ResultList/item` in the seed's example.
const COPYRIGHT_ITEM_FIELDS: [&str; 8] = [
    "ArticleIdx",
    "UserDeclareState",
    "AuditState",
    "OriginalArticleUrl",
    "OriginalArticleType",
    "CanReprint",
    "NeedReplaceContent",
    "NeedShowReprintSource",
];

#[tokio::test]
async fn every_copyright_item_of_a_multi_article_push_has_all_eight_fields() {
    let (url, _receiver) = spawn_receiver(0).await;
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    // Drafts of several articles (a draft sent is used up), every verdict:
    // the default (CheckState 1), the first article judged a reprint (2),
    // and no verdict (0).
    let sends = [
        ("sim_draft_weekly_digest_0002", "cc1", None),
        ("sim_draft_checkstate_2", "cc2", None),
        ("123dsdajkasd231jhksad", "cc0", Some("check(0)")),
    ];
    for (n, (draft, clientmsgid, scenario)) in sends.into_iter().enumerate() {
        if let Some(scenario) = scenario {
            app.sim
                .queue_scenario(Endpoint::SendAll, Scenario::parse(scenario).unwrap())
                .unwrap();
        }
        let sent = app
            .post(
                Endpoint::SendAll.path(),
                &token,
                &news_send(draft, clientmsgid, 1),
            )
            .await;
        assert_eq!(errcode(&sent), 0, "{sent}");
        let pushes = app.wait_for_pushes(n + 1).await;
        let xml = &pushes[n].event_xml;
        let copyright = xml
            .split_once("<CopyrightCheckResult>")
            .and_then(|(_, rest)| rest.split_once("</CopyrightCheckResult>"))
            .map(|(inside, _)| inside)
            .unwrap_or_else(|| panic!("no CopyrightCheckResult in {xml}"));
        let items: Vec<&str> = copyright.split("<item>").skip(1).collect();
        assert!(items.len() >= 2, "{draft}: {xml}");
        for (idx, item) in items.iter().enumerate() {
            for field in COPYRIGHT_ITEM_FIELDS {
                assert!(
                    item.contains(&format!("<{field}>")),
                    "{draft} item {} lacks {field}: {item}",
                    idx + 1
                );
            }
        }
        // And they read back (an empty OriginalArticleUrl reads as none).
        let checks = finish_of(xml).result.copyright_check.unwrap().items;
        assert_eq!(checks.len(), items.len());
        for check in checks {
            assert!(check.article_idx.is_some());
            assert!(check.user_declare_state.is_some());
            assert!(check.audit_state.is_some());
            assert!(check.original_article_type.is_some());
            assert!(check.can_reprint.is_some());
            assert!(check.need_replace_content.is_some());
            assert!(check.need_show_reprint_source.is_some(), "{check:?}");
        }
    }
}

#[tokio::test]
async fn admin_confirmation_answers_then_pushes_the_admins_decision() {
    let (url, receiver) = spawn_receiver(0).await;
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    let cases = [
        ("admin(89505,reject)", 89505, "err(40001)"),
        ("admin(89503,timeout)", 89503, "err(40002)"),
        ("admin(89504,approve)", 89504, "send success"),
    ];
    for (i, (spec, first_code, pushed)) in cases.into_iter().enumerate() {
        app.sim
            .queue_scenario(Endpoint::SendAll, Scenario::parse(spec).unwrap())
            .unwrap();
        let id = format!("admin-{i}");
        let first = app
            .post(
                Endpoint::SendAll.path(),
                &token,
                &text_send(spec, Some(&id)),
            )
            .await;
        assert_eq!(errcode(&first), first_code, "{spec}");
        assert!(first.get("msg_id").is_none(), "{spec}");
        let waiting = app
            .post(
                Endpoint::SendAll.path(),
                &token,
                &text_send(spec, Some(&id)),
            )
            .await;
        assert_eq!(errcode(&waiting), 89504, "{spec}: still waiting");
        app.wait_for_pushes(i + 1).await;
        let finish = finish_of(&receiver.hits()[i].1);
        assert_eq!(finish.result.status.to_wire(), pushed, "{spec}");
        app.sim.clock().advance(Duration::from_secs(61));
        let later = app
            .post(
                Endpoint::SendAll.path(),
                &token,
                &text_send(spec, Some(&id)),
            )
            .await;
        assert_eq!(errcode(&later), 45065, "{spec}");
        assert_eq!(msg_id(&later), finish.result.msg_id.get(), "{spec}");
    }
}

#[tokio::test]
async fn the_admin_draft_needs_no_control_call() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let answer = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &news_send("sim_draft_admin_confirm_89505", "a-draft", 0),
        )
        .await;
    assert_eq!(errcode(&answer), 89505);
}

#[tokio::test]
async fn nocallback_ends_the_job_but_pushes_nothing() {
    let (url, receiver) = spawn_receiver(0).await;
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    let sent = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &news_send("sim_draft_no_callback", "quiet", 0),
        )
        .await;
    let record = app.wait_for_end(msg_id(&sent)).await;
    assert_eq!(record.status.as_str(), "SEND_SUCCESS");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(receiver.hits().is_empty());
    assert!(app.sim.deliveries().is_empty());
}

#[tokio::test]
async fn errcode_scenarios_answer_each_code_of_the_seed_and_send_nothing() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    for code in [
        41040, 45062, 45066, 45067, 48021, 89504, 89505, 45028, -1, 48001,
    ] {
        app.sim
            .queue_scenario(
                Endpoint::SendAll,
                Scenario::parse(&format!("errcode({code})")).unwrap(),
            )
            .unwrap();
        let answer = app
            .post(
                Endpoint::SendAll.path(),
                &token,
                &text_send("x", Some(&format!("code{code}"))),
            )
            .await;
        assert_eq!(errcode(&answer), code);
    }
    assert!(app.sim.sends().is_empty());
    // The scenario drafts answer their codes too.
    for (draft, code) in [
        ("sim_draft_autosaved_48021", 48021),
        ("sim_draft_declare_original_41040", 41040),
    ] {
        let answer = app
            .post(
                Endpoint::SendAll.path(),
                &token,
                &news_send(draft, draft, 0),
            )
            .await;
        assert_eq!(errcode(&answer), code);
    }
    // 45065 comes with the msg_id of a send "already made".
    app.sim
        .queue_scenario(
            Endpoint::SendAll,
            Scenario::parse("errcode(45065)").unwrap(),
        )
        .unwrap();
    let exists = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &text_send("x", Some("exists")),
        )
        .await;
    assert_eq!(errcode(&exists), 45065);
    assert_eq!(app.sim.sends()[0].msg_id.get(), msg_id(&exists));
}

#[tokio::test]
async fn a_slow_wechat_answers_late_and_a_5xx_answers_html() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    app.sim
        .queue_scenario(Endpoint::SendAll, Scenario::parse("slow(0.4)").unwrap())
        .unwrap();
    let started = Instant::now();
    let answer = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &text_send("慢", Some("slow-1")),
        )
        .await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(errcode(&answer), 0);

    app.sim
        .queue_scenario(Endpoint::SendAll, Scenario::parse("http(502)").unwrap())
        .unwrap();
    let response = app
        .http
        .post(with_query(
            &format!("{}{}", app.base, Endpoint::SendAll.path()),
            &[("access_token", &token)],
        ))
        .body(text_send("网关", Some("gw-1")).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    assert!(response.text().await.unwrap().contains("Bad Gateway"));
    assert_eq!(app.sim.sends().len(), 1, "a 5xx sends nothing");
}

#[tokio::test]
async fn a_lost_answer_is_resolved_by_resending_the_same_clientmsgid() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    app.sim
        .queue_scenario(Endpoint::SendAll, Scenario::parse("lose").unwrap())
        .unwrap();
    let attempt = app
        .http
        .post(with_query(
            &format!("{}{}", app.base, Endpoint::SendAll.path()),
            &[("access_token", &token)],
        ))
        .body(text_send("丢失的应答", Some("lost-1")).to_string())
        .send()
        .await;
    let read = match attempt {
        Ok(response) => response.json::<Value>().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(read.is_err(), "the answer must not be readable");
    let recorded = app.sim.sends();
    assert_eq!(recorded.len(), 1, "but the send was made");

    let retry = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &text_send("丢失的应答", Some("lost-1")),
        )
        .await;
    assert_eq!(errcode(&retry), 45066);
    app.sim.clock().advance(Duration::from_secs(60));
    let resolved = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &text_send("丢失的应答", Some("lost-1")),
        )
        .await;
    assert_eq!(errcode(&resolved), 45065);
    assert_eq!(msg_id(&resolved), recorded[0].msg_id.get());
}

#[tokio::test]
async fn scenarios_reach_the_other_endpoints_too() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    app.sim
        .queue_scenario(Endpoint::Token, Scenario::parse("errcode(-1)").unwrap())
        .unwrap();
    let busy = app
        .get(
            Endpoint::Token.path(),
            &[
                ("grant_type", "client_credential"),
                ("appid", APPID),
                ("secret", SECRET),
            ],
        )
        .await;
    assert_eq!(errcode(&busy), -1);
    app.sim
        .queue_scenario(Endpoint::TagsGet, Scenario::parse("http(503)").unwrap())
        .unwrap();
    let response = app
        .http
        .get(with_query(
            &format!("{}{}", app.base, Endpoint::TagsGet.path()),
            &[("access_token", &token)],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let tags = app
        .get(Endpoint::TagsGet.path(), &[("access_token", &token)])
        .await;
    assert_eq!(errcode(&tags), 0, "one call only");
}
