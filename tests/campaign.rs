//! One message to several accounts (a campaign): each account's send is
//! its own, made with content made in that account, and one account's
//! failure stops none of the others; a restart in the middle sends nothing
//! twice; the campaign's page shows only the caller's accounts.

use crate::common;

use common::{TestApp, signed_in};
use qunfa::campaigns::{CampaignPage, CampaignTarget};
use qunfa::error::{AppError, Problem};
use qunfa::sends::{PrepareOutcome, SendResult, SendState};
use qunfa::simulator::SECOND_BUILTIN_APPID;
use reqwest::{Client, StatusCode};

/// The appid of the first simulated account added (`sim-3`).
const THIRD_APPID: &str = "wxqunfasim00000001";

async fn add_third(app: &TestApp, admin: &Client) {
    let answer = app
        .call(
            admin,
            "add_simulated_account",
            &[("name", "模拟三号"), ("kind", "service")],
        )
        .await;
    assert!(answer.status().is_success(), "{}", answer.status());
    assert!(app.state.accounts.by_slug("sim-3").is_some());
}

/// A compose form on `account` with the other accounts ticked, each with
/// its audience (`all` or a tag id).
fn campaign_form(
    id: &str,
    account: &str,
    msgtype: &str,
    fields: &[(&str, &str)],
    others: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut form = common::form(id, msgtype, fields);
    form.retain(|(name, _)| name != "account");
    for (slug, audience) in others {
        form.push((format!("form[campaign_accounts][{slug}]"), "1".into()));
        form.push((
            format!("form[campaign_audience][{slug}]"),
            (*audience).into(),
        ));
    }
    form.push(("account".into(), account.into()));
    form
}

async fn prepare(app: &TestApp, client: &Client, form: &[(String, String)]) -> PrepareOutcome {
    let answer = common::post(app, client, "prepare_send", form).await;
    assert_eq!(answer.status(), StatusCode::OK);
    answer.json().await.unwrap()
}

async fn confirm(app: &TestApp, client: &Client, account: &str, id: &str) -> SendResult {
    let answer = app
        .call(
            client,
            "confirm_send",
            &[
                ("account", account),
                ("clientmsgid", id),
                ("confirm_all", "yes"),
                ("confirm_repeat", "yes"),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    answer.json().await.unwrap()
}

async fn detail(app: &TestApp, client: &Client, id: i64) -> reqwest::Response {
    app.call(client, "campaign_detail", &[("id", &id.to_string())])
        .await
}

async fn page(app: &TestApp, client: &Client, id: i64) -> CampaignPage {
    let answer = detail(app, client, id).await;
    assert_eq!(answer.status(), StatusCode::OK);
    answer.json().await.unwrap()
}

/// Sends of each simulated account, by appid.
fn sim_sends(app: &TestApp, appid: &str) -> usize {
    app.state
        .simulator
        .as_ref()
        .unwrap()
        .account(appid)
        .unwrap()
        .sends()
        .len()
}

async fn request_of(app: &TestApp, send: i64) -> serde_json::Value {
    let request: String = sqlx::query_scalar("SELECT request FROM sends WHERE id = ?")
        .bind(send)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    serde_json::from_str(&request).unwrap()
}

#[tokio::test]
async fn a_text_to_three_accounts_goes_from_two_and_the_one_without_quota_says_why() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    add_third(&app, &admin).await;
    let simulator = app.state.simulator.clone().unwrap();
    // The third account, a 服务号, has used its four sends to all followers
    // of this month, through qunfa (which counts them) and so in the
    // simulator (which refuses a fifth with 45028).
    app.enforce_quota();
    for n in 1..=4 {
        let id = format!("qf-campaign-spent-{n}");
        let text = format!("本月第 {n} 次");
        let mut spent = common::form(&id, "text", &[("text_content", &text), ("audience", "all")]);
        spent.retain(|(name, _)| name != "account");
        spent.push(("account".into(), "sim-3".into()));
        assert!(matches!(
            prepare(&app, &admin, &spent).await,
            PrepareOutcome::Ready(_)
        ));
        assert_eq!(
            confirm(&app, &admin, "sim-3", &id).await.state,
            SendState::Submitted
        );
    }
    assert_eq!(sim_sends(&app, THIRD_APPID), 4);

    let targets: Vec<CampaignTarget> = app
        .call(&admin, "campaign_targets", &[])
        .await
        .json()
        .await
        .unwrap();
    let slugs: Vec<&str> = targets.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(slugs, ["sim-2", "sim-3"], "the other accounts, not main");
    let tags = targets[0].tags.as_ref().unwrap();
    assert!(
        tags.iter().any(|t| t.id == 120),
        "sim-2's own tags: {tags:?}"
    );

    let id = "qf-campaign-text-1";
    let form = campaign_form(
        id,
        "main",
        "text",
        &[("text_content", "三个公众号一起发")],
        &[("sim-2", "120"), ("sim-3", "all")],
    );
    let ready = match prepare(&app, &admin, &form).await {
        PrepareOutcome::Ready(c) => c,
        other => panic!("not ready: {other:?}"),
    };
    let lines: Vec<&str> = ready.campaign.iter().map(|l| l.slug.as_str()).collect();
    assert_eq!(lines, ["sim-2", "sim-3"], "the confirmation lists each");
    assert_eq!(ready.campaign[0].tag_id, Some(120));
    assert!(ready.campaign[0].audience_size.is_some());
    assert_eq!(ready.campaign[1].tag_id, None);
    assert!(ready.campaign[0].quota.is_none());
    let warning = ready.campaign[1]
        .quota
        .as_ref()
        .expect("sim-3 has none left");
    assert_eq!(warning.quota.left, 0);

    let sent = confirm(&app, &admin, "main", id).await;
    assert_eq!(sent.state, SendState::Submitted);
    let campaign = sent.campaign.expect("the send names its campaign");
    let shown = page(&app, &admin, campaign).await;
    assert_eq!(shown.hidden, 0);
    let states: Vec<(&str, Option<SendState>)> = shown
        .accounts
        .iter()
        .map(|a| (a.slug.as_str(), a.state))
        .collect();
    assert_eq!(
        states,
        [
            ("main", Some(SendState::Submitted)),
            ("sim-2", Some(SendState::Submitted)),
            ("sim-3", Some(SendState::Rejected)),
        ]
    );
    let problem = shown.accounts[2].problem.as_deref().unwrap_or_default();
    assert!(problem.contains("45028"), "said in words: {problem}");
    assert!(
        problem.contains("4 times a month") || problem.contains("4 次"),
        "said with the account's quota: {problem}"
    );
    assert!(shown.accounts[0].problem.is_none() && shown.accounts[1].problem.is_none());
    assert_eq!(simulator.sends().len(), 1);
    assert_eq!(sim_sends(&app, SECOND_BUILTIN_APPID), 1);
    assert_eq!(sim_sends(&app, THIRD_APPID), 4, "no fifth");
    // Each its own send with its own clientmsgid, in the campaign's group.
    let ids: Vec<i64> = shown.accounts.iter().filter_map(|a| a.send_id).collect();
    assert_eq!(ids.len(), 3);
    let mut clientmsgids = Vec::new();
    for send in &ids {
        let request = request_of(&app, *send).await;
        clientmsgids.push(request["clientmsgid"].as_str().unwrap().to_owned());
    }
    clientmsgids.dedup();
    assert_eq!(clientmsgids.len(), 3, "{clientmsgids:?}");
    assert!(clientmsgids.iter().all(|c| c.len() <= 32));

    // A second Confirm finds everything made: nothing goes twice.
    let again = confirm(&app, &admin, "main", id).await;
    assert_eq!(again.id, sent.id);
    assert_eq!(simulator.sends().len(), 1);
    assert_eq!(sim_sends(&app, SECOND_BUILTIN_APPID), 1);
    let after = page(&app, &admin, campaign).await;
    assert_eq!(after.accounts.len(), 3);
    assert_eq!(
        after
            .accounts
            .iter()
            .filter_map(|a| a.send_id)
            .collect::<Vec<_>>(),
        ids
    );
    app.stop().await;
}

#[tokio::test]
async fn a_video_or_a_card_or_a_console_draft_is_refused_for_other_accounts_in_words() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    for (msgtype, field, value) in [
        ("wxcard", "card_id", "pXch-card-1"),
        ("mpvideo", "mpvideo_media_id", "sim_mpvideo_1"),
        // A draft of the simulator's: made in the WeChat console, not qunfa.
        ("mpnews", "mpnews_media_id", "sim_draft_review_ad_10001"),
    ] {
        let form = campaign_form(
            &format!("qf-refused-{msgtype}"),
            "main",
            msgtype,
            &[(field, value)],
            &[("sim-2", "all")],
        );
        match prepare(&app, &admin, &form).await {
            PrepareOutcome::Invalid(problems) => {
                let campaign = problems
                    .iter()
                    .find(|p| p.field == qunfa::sends::Field::Campaign)
                    .unwrap_or_else(|| panic!("{msgtype}: {problems:?}"));
                assert!(
                    !campaign.words(qunfa::i18n::Lang::En).is_empty(),
                    "{msgtype}"
                );
            }
            other => panic!("{msgtype}: not refused: {other:?}"),
        }
    }
    app.stop().await;
}

fn png(width: u32, height: u32, blue: u8) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, blue]))
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

#[tokio::test]
async fn an_article_written_in_qunfa_becomes_a_draft_in_each_account_with_its_own_images() {
    use reqwest::multipart::{Form, Part};
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    add_third(&app, &admin).await;
    let uploaded: serde_json::Value = admin
        .post(app.url("/a/main/media/uploadimg"))
        .multipart(Form::new().part("file", Part::bytes(png(40, 20, 90)).file_name("photo.png")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let main_url = uploaded["url"].as_str().unwrap().to_owned();
    let body = format!("# 春季\n\n![photo]({main_url})\n");
    let mut save = vec![
        ("id".to_owned(), "new".to_owned()),
        ("expected_version".to_owned(), "0".to_owned()),
    ];
    for (name, value) in [
        ("title", "春季上新"),
        ("thumb_media_id", "sim_image_cover_spring"),
        ("source_kind", "markdown"),
        ("source", body.as_str()),
    ] {
        save.push((format!("articles[0][{name}]"), value.to_owned()));
    }
    let saved: qunfa::drafts::SaveOutcome = common::post(&app, &admin, "save_draft", &save)
        .await
        .json()
        .await
        .unwrap();
    let qunfa::drafts::SaveOutcome::Saved { id, version, .. } = saved else {
        panic!("not saved: {saved:?}");
    };
    let pushed: qunfa::drafts::PushOutcome = app
        .call(
            &admin,
            "push_draft",
            &[
                ("id", &id.to_string()),
                ("expected_version", &version.to_string()),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let qunfa::drafts::PushOutcome::Pushed { media_id, .. } = pushed else {
        panic!("not pushed: {pushed:?}");
    };

    let form = campaign_form(
        "qf-campaign-article",
        "main",
        "mpnews",
        &[("mpnews_media_id", media_id.as_str())],
        &[("sim-2", "120"), ("sim-3", "all")],
    );
    assert!(matches!(
        prepare(&app, &admin, &form).await,
        PrepareOutcome::Ready(_)
    ));
    let sent = confirm(&app, &admin, "main", "qf-campaign-article").await;
    let shown = page(&app, &admin, sent.campaign.unwrap()).await;
    let mut drafts = Vec::new();
    for member in &shown.accounts {
        assert_eq!(
            member.state,
            Some(SendState::Submitted),
            "{}: {:?}",
            member.slug,
            member.problem
        );
        let request = request_of(&app, member.send_id.unwrap()).await;
        drafts.push(request["mpnews"]["media_id"].as_str().unwrap().to_owned());
    }
    drafts.dedup();
    assert_eq!(drafts.len(), 3, "a draft of its own in each: {drafts:?}");

    for slug in ["sim-2", "sim-3"] {
        let account = app.state.accounts.by_slug(slug).unwrap();
        let member = shown.accounts.iter().find(|a| a.slug == slug).unwrap();
        let articles =
            qunfa::sends::store::articles_as_sent(&app.state.db, member.send_id.unwrap())
                .await
                .unwrap();
        let html = &articles[0].content;
        assert!(!html.contains(&main_url), "{slug}: {html}");
        let urls: Vec<String> =
            sqlx::query_scalar("SELECT url FROM media_body_images WHERE account_id = ?")
                .bind(account.id)
                .fetch_all(&app.state.db)
                .await
                .unwrap();
        assert_eq!(urls.len(), 1, "{slug}: its own upload");
        assert!(html.contains(&urls[0]), "{slug}: {html}");
        // The cover is a permanent image of this account.
        let cover = articles[0].thumb_media_id.clone().unwrap();
        assert_ne!(cover, "sim_image_cover_spring");
        let material = account
            .wechat
            .get_material(&qunfa::wechat::types::MediaId::parse(&cover).unwrap())
            .await;
        assert!(material.is_ok(), "{slug}: {material:?}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_picture_is_uploaded_to_each_account_once_and_used_again_by_the_next_campaign() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let mut seen = Vec::new();
    for round in 1..=2 {
        let id = format!("qf-campaign-image-{round}");
        let form = campaign_form(
            &id,
            "main",
            "image",
            &[("image_media_ids", "sim_image_cover_spring")],
            &[("sim-2", "120")],
        );
        assert!(matches!(
            prepare(&app, &admin, &form).await,
            PrepareOutcome::Ready(_)
        ));
        let sent = confirm(&app, &admin, "main", &id).await;
        let shown = page(&app, &admin, sent.campaign.unwrap()).await;
        let second = &shown.accounts[1];
        assert_eq!(
            second.state,
            Some(SendState::Submitted),
            "{:?}",
            second.problem
        );
        let request = request_of(&app, second.send_id.unwrap()).await;
        let media = request["images"]["media_ids"][0]
            .as_str()
            .unwrap()
            .to_owned();
        assert_ne!(media, "sim_image_cover_spring", "sim-2's own material");
        seen.push(media);
    }
    assert_eq!(
        seen[0], seen[1],
        "the second campaign used the first upload"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_restart_in_the_middle_of_a_campaign_completes_it_and_sends_nothing_twice() {
    use qunfa::campaigns::{member_clientmsgid, store::NewMember};
    use qunfa::sends::store::{self, Created, NewSend};
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    add_third(&app, &admin).await;
    let id = "qf-campaign-restart";
    let form = campaign_form(
        id,
        "main",
        "text",
        &[("text_content", "重启也只发一次")],
        &[("sim-2", "120"), ("sim-3", "all")],
    );
    assert!(matches!(
        prepare(&app, &admin, &form).await,
        PrepareOutcome::Ready(_)
    ));
    let (second, third) = (
        app.state.accounts.by_slug("sim-2").unwrap().id,
        app.state.accounts.by_slug("sim-3").unwrap().id,
    );
    // What a crash during Confirm leaves: the campaign and its accounts,
    // the first account's send (pending), nothing of the others. Written
    // while no console runs, so nothing is sent first.
    let database = app.state.settings.database.clone();
    let data = app.stop().await;
    let db = qunfa::shell::db::connect(&database, false).await.unwrap();
    let (id2, id3) = (
        member_clientmsgid(id, second),
        member_clientmsgid(id, third),
    );
    let group = qunfa::campaigns::store::open(
        &db,
        1,
        "重启也只发一次",
        &[
            NewMember {
                account_id: 1,
                clientmsgid: id,
                tag_id: Some(100),
            },
            NewMember {
                account_id: second,
                clientmsgid: &id2,
                tag_id: Some(120),
            },
            NewMember {
                account_id: third,
                clientmsgid: &id3,
                tag_id: None,
            },
        ],
    )
    .await
    .unwrap();
    let created = store::create_send(
        &db,
        &NewSend {
            account: 1,
            user_id: 1,
            username: common::ADMIN,
            clientmsgid: id,
            send_again: false,
            now: &qunfa::clock::Clock::system().timestamp(),
            articles_as_sent: None,
            release: Default::default(),
        },
    )
    .await
    .unwrap();
    assert!(matches!(created, Created::New(_)));
    db.close().await;

    // At start the campaign is completed: each account sends once.
    let app = TestApp::spawn_on(data).await;
    let admin = signed_in(&app).await;
    let mut after = page(&app, &admin, group).await;
    for _ in 0..100 {
        let done = after.accounts.iter().all(|a| went(a.state));
        if done {
            break;
        }
        common::worker_round(&app).await;
        after = page(&app, &admin, group).await;
    }
    assert!(after.accounts.iter().all(|a| went(a.state)), "{after:?}");
    assert_eq!(simulator_sends(&app), (1, 1, 1));
    // A Confirm after the restart finds every send: nothing goes twice.
    let again = confirm(&app, &admin, "main", id).await;
    assert_eq!(again.campaign, Some(group));
    common::worker_round(&app).await;
    assert_eq!(simulator_sends(&app), (1, 1, 1), "each sent exactly once");
    app.stop().await;
}

/// Taken by WeChat (its end may have come already).
fn went(state: Option<SendState>) -> bool {
    matches!(state, Some(SendState::Submitted | SendState::Finished))
}

fn simulator_sends(app: &TestApp) -> (usize, usize, usize) {
    (
        app.state.simulator.as_ref().unwrap().sends().len(),
        sim_sends(app, SECOND_BUILTIN_APPID),
        sim_sends(app, THIRD_APPID),
    )
}

#[tokio::test]
async fn a_campaign_shows_only_the_callers_accounts_and_none_is_not_found() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    add_third(&app, &admin).await;
    let added = app
        .call(
            &admin,
            "add_user",
            &[
                ("username", "ed"),
                ("password", "editor-password-1"),
                ("role", "editor"),
            ],
        )
        .await;
    assert!(added.status().is_success());
    common::grant(&app, &admin, "ed", "main", true).await;
    let editor = app.client();
    app.log_in(&editor, "ed", "editor-password-1").await;

    // From main with sim-2: the editor sees main and counts sim-2.
    let form = campaign_form(
        "qf-campaign-seen",
        "main",
        "text",
        &[("text_content", "一部分")],
        &[("sim-2", "120")],
    );
    prepare(&app, &admin, &form).await;
    let sent = confirm(&app, &admin, "main", "qf-campaign-seen").await;
    let seen = page(&app, &editor, sent.campaign.unwrap()).await;
    assert_eq!(seen.accounts.len(), 1);
    assert_eq!(seen.accounts[0].slug, "main");
    assert_eq!(seen.hidden, 1);

    // From sim-2 with sim-3: none of the editor's.
    let form = campaign_form(
        "qf-campaign-unseen",
        "sim-2",
        "text",
        &[("text_content", "别人的"), ("tag_id", "120")],
        &[("sim-3", "all")],
    );
    prepare(&app, &admin, &form).await;
    let other = confirm(&app, &admin, "sim-2", "qf-campaign-unseen").await;
    let answer = detail(&app, &editor, other.campaign.unwrap()).await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        answer.json::<AppError>().await.unwrap(),
        AppError::Rejected(Problem::CampaignNotFound)
    );
    let missing = detail(&app, &admin, 999_999).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // The editor cannot add an account not theirs, nor list it.
    let targets: Vec<CampaignTarget> = app
        .call(&editor, "campaign_targets", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(targets.is_empty(), "{targets:?}");
    let form = campaign_form(
        "qf-campaign-not-mine",
        "main",
        "text",
        &[("text_content", "越权")],
        &[("sim-2", "all")],
    );
    match prepare(&app, &editor, &form).await {
        PrepareOutcome::Invalid(problems) => {
            assert!(
                problems
                    .iter()
                    .any(|p| p.field == qunfa::sends::Field::Campaign)
            )
        }
        other => panic!("not refused: {other:?}"),
    }
    assert_eq!(sim_sends(&app, THIRD_APPID), 1, "only the admin's");
    app.stop().await;
}

/// A scheduled campaign confirmed twice (a double click, another tab) finds
/// its send the second time: nothing changed, so nothing is refused as an
/// edit.
#[tokio::test]
async fn a_scheduled_campaign_confirmed_twice_finds_its_send() {
    use qunfa::sends::schedule::ssr::{input_value, parse_utc, utc_text};
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let at = parse_utc(&app.sends().now())
        .unwrap()
        .checked_add(jiff::SignedDuration::from_secs(600))
        .unwrap();
    let at = input_value("Asia/Shanghai", &utc_text(at));
    let id = "qf-campaign-later";
    let form = campaign_form(
        id,
        "main",
        "text",
        &[
            ("text_content", "两个公众号，十分钟后"),
            ("send_when", "at"),
            ("send_at", at.as_str()),
        ],
        &[("sim-2", "120")],
    );
    assert!(matches!(
        prepare(&app, &admin, &form).await,
        PrepareOutcome::Ready(_)
    ));
    let first = confirm(&app, &admin, "main", id).await;
    assert_eq!(first.state, SendState::Scheduled);
    let again = confirm(&app, &admin, "main", id).await;
    assert_eq!(again.id, first.id);
    assert_eq!(again.state, SendState::Scheduled);
    app.stop().await;
}
