//! What goes out, by name: the content the confirmation shows, kept with
//! the send for the history and the send page; and the pickers without
//! JavaScript (the form kept, a list page, the field filled).

use crate::common;

use common::{TestApp, form, location, post, send, signed_in};
use qunfa::sends::history::HistoryPage;
use qunfa::sends::{ArticleName, Content, MediaName, PrepareOutcome};
use reqwest::Client;

async fn content_of(app: &TestApp, client: &Client, form: &[(String, String)]) -> Content {
    let response = post(app, client, "prepare_send", form).await;
    assert!(response.status().is_success(), "{}", response.status());
    match response.json().await.unwrap() {
        PrepareOutcome::Ready(c) => c.content.expect("the confirmation names the content"),
        other => panic!("not ready: {other:?}"),
    }
}

fn named(media_id: &str, name: &str) -> MediaName {
    MediaName {
        media_id: media_id.into(),
        name: Some(name.into()),
        url: None,
    }
}

#[tokio::test]
async fn the_confirmation_names_what_goes_out() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;

    let text = form(
        "qf-content-text",
        "text",
        &[("text_content", "第一行\n\n第二行\n第三行\n第四行")],
    );
    assert_eq!(
        content_of(&app, &client, &text).await,
        Content::Text {
            lines: vec!["第一行".into(), "第二行".into(), "第三行".into()],
            more: true
        }
    );

    let article = form(
        "qf-content-article",
        "mpnews",
        &[("mpnews_media_id", "sim_draft_weekly_digest_0002")],
    );
    let Content::Articles { media_id, articles } = content_of(&app, &client, &article).await else {
        panic!("articles")
    };
    assert_eq!(media_id, "sim_draft_weekly_digest_0002");
    let titles: Vec<&str> = articles
        .iter()
        .map(|a: &ArticleName| a.title.as_str())
        .collect();
    assert_eq!(
        titles,
        [
            "本周精选｜读者来信",
            "编辑手记：我们为什么做这期专题",
            "下周预告"
        ]
    );
    assert!(
        articles[0].cover_url.is_some(),
        "the cover's address is kept"
    );

    let voice = form(
        "qf-content-voice",
        "voice",
        &[("voice_media_id", "sim_voice_welcome")],
    );
    assert_eq!(
        content_of(&app, &client, &voice).await,
        Content::Voice(named("sim_voice_welcome", "欢迎语.mp3"))
    );

    // An image past the first page of the materials is named too; an id
    // WeChat does not list keeps its id.
    let images = form(
        "qf-content-images",
        "image",
        &[("image_media_ids", "aaa\nsim_image_archive_08")],
    );
    let Content::Images { title, images } = content_of(&app, &client, &images).await else {
        panic!("images")
    };
    assert_eq!(title, None);
    let names: Vec<&str> = images.iter().map(MediaName::shown).collect();
    assert_eq!(names, ["seed-aaa.jpg", "archive-08.jpg"]);
    assert!(images.iter().all(|m| m.url.is_some()));

    let video = form(
        "qf-content-video",
        "mpvideo",
        &[
            (
                "mpvideo_media_id",
                "IhdaAQXuvJtGzwwc0abfXnzeezfO0NgPK6AQYShD8RQYMTtfzbLdBIQkQziv2XJc",
            ),
            ("mpvideo_title", "发布会.mp4"),
        ],
    );
    let Content::Video { title, .. } = content_of(&app, &client, &video).await else {
        panic!("video")
    };
    assert_eq!(title.as_deref(), Some("发布会.mp4"));
}

#[tokio::test]
async fn the_history_and_the_send_page_name_what_was_sent() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let fields = form(
        "qf-named-send",
        "image",
        &[("image_media_ids", "aaa\nccc"), ("image_title", "两张图")],
    );
    let result = send(&app, &client, &fields).await;

    let page: HistoryPage = app
        .call(&client, "list_sends", &[])
        .await
        .json()
        .await
        .unwrap();
    let row = page.rows.iter().find(|r| r.id == result.id).unwrap();
    assert_eq!(row.summary, "两张图: seed-aaa.jpg, seed-ccc.jpg");

    let detail = common::send_detail(&app, &client, result.id).await;
    let Some(Content::Images { title, images }) = detail.content else {
        panic!("the send keeps its content: {:?}", detail.content)
    };
    assert_eq!(title.as_deref(), Some("两张图"));
    assert_eq!(images.len(), 2);
    assert_eq!(images[1].name.as_deref(), Some("seed-ccc.jpg"));

    // A send from before names were kept shows its summary, as it did.
    sqlx::query("UPDATE sends SET content = NULL WHERE id = ?")
        .bind(result.id)
        .execute(&app.state.db)
        .await
        .unwrap();
    let detail = common::send_detail(&app, &client, result.id).await;
    assert_eq!(detail.content, None);
    assert_eq!(detail.row.summary, "两张图: seed-aaa.jpg, seed-ccc.jpg");
}

#[tokio::test]
async fn a_picker_without_javascript_keeps_the_form_and_fills_the_field() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let plain = |path: &str| {
        client
            .post(app.url(path))
            .header("Accept", "text/html")
            .header("Referer", app.url("/a/main/compose"))
    };
    let id = "qf-no-script-picker";
    let mut fields = form(id, "voice", &[("text_content", "也留着")]);
    fields.push(("pick".into(), "voice".into()));
    let response = plain("/api/open_picker")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let list = location(&response);
    assert_eq!(list, format!("/a/main/compose/pick/voice?attempt={id}"));

    let page = client
        .get(app.url(&list))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("欢迎语.mp3"),
        "the list page lists the voices"
    );
    let second = client
        .get(app.url(&format!("{list}&offset=10")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        second.contains("11–13 / 13"),
        "the second page says where it is"
    );

    let response = plain("/api/pick_media")
        .form(&[
            ("account", "main"),
            ("attempt", id),
            ("source", "voice"),
            ("media_id", "sim_voice_welcome"),
            ("title", "欢迎语.mp3"),
        ])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let back = location(&response);
    assert!(
        back.starts_with(&format!("/a/main/compose?attempt={id}&edit=1")),
        "{back}"
    );
    let page = client
        .get(app.url(&back))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("value=\"sim_voice_welcome\""),
        "the field is filled"
    );
    assert!(page.contains("也留着"), "the rest of the form is kept");
    assert!(page.contains("欢迎语.mp3"), "the page says what was picked");

    // A video material is turned into an mpvideo media id, with its title.
    let response = plain("/api/pick_media")
        .form(&[
            ("account", "main"),
            ("attempt", id),
            ("source", "video"),
            ("media_id", "sim_video_store_tour"),
            ("title", "store-tour.mp4"),
        ])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection());
    let form_json: String =
        sqlx::query_scalar("SELECT form FROM compose_attempts WHERE clientmsgid = ?")
            .bind(id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let kept: qunfa::sends::ComposeForm = serde_json::from_str(&form_json).unwrap();
    assert_eq!(kept.msgtype, "mpvideo");
    assert!(!kept.mpvideo_media_id.is_empty());
    assert_ne!(kept.mpvideo_media_id, "sim_video_store_tour");
    assert_eq!(kept.mpvideo_title, "store-tour.mp4");
    assert_eq!(kept.voice_media_id, "sim_voice_welcome");

    // Another editor's attempt, or an unknown source, is not filled.
    let response = app
        .call(
            &client,
            "pick_media",
            &[
                ("attempt", "qf-nobody"),
                ("source", "voice"),
                ("media_id", "x"),
            ],
        )
        .await;
    assert_eq!(response.status(), 400);
    let response = app
        .call(
            &client,
            "pick_media",
            &[("attempt", id), ("source", "news"), ("media_id", "x")],
        )
        .await;
    assert_eq!(response.status(), 400);
}
