//! The article editor's drafts: saved in qunfa with a version check,
//! pushed to WeChat (the built-in simulator) as rendered HTML, listed with
//! the drafts made in the WeChat console, deleted, and kept to their
//! account.

use crate::common;

use common::{TestApp, signed_in};
use qunfa::drafts::{DraftList, DraftView, PushOutcome, SaveOutcome};
use qunfa::error::{AppError, Problem};
use qunfa::wechat::types::MediaId;
use reqwest::{Client, StatusCode};

const COVER: &str = "sim_image_cover_spring";

/// The form fields of `articles` (title, body) as `save_draft` takes them,
/// each with the cover and its crops.
fn article_fields(articles: &[(String, String)]) -> Vec<(String, String)> {
    let mut form = Vec::new();
    for (i, (title, body)) in articles.iter().enumerate() {
        let field = |name: &str| format!("articles[{i}][{name}]");
        form.push((field("title"), title.clone()));
        form.push((field("author"), "编辑部".to_owned()));
        form.push((field("thumb_media_id"), COVER.to_owned()));
        form.push((field("pic_crop_235_1"), "0_0.1_1_0.52".to_owned()));
        form.push((field("pic_crop_1_1"), "0.2_0_0.8_1".to_owned()));
        form.push((field("need_open_comment"), "on".to_owned()));
        form.push((field("source_kind"), "markdown".to_owned()));
        form.push((field("source"), body.clone()));
    }
    form
}

fn numbered(n: usize, word: &str) -> Vec<(String, String)> {
    (1..=n)
        .map(|i| {
            (
                format!("{word} {i}"),
                format!("# 第 {i} 篇\n\n这是 **{word} {i}** 的正文。"),
            )
        })
        .collect()
}

async fn save(
    app: &TestApp,
    client: &Client,
    id: &str,
    version: i64,
    articles: &[(String, String)],
) -> reqwest::Response {
    let mut form = vec![
        ("id".to_owned(), id.to_owned()),
        ("expected_version".to_owned(), version.to_string()),
    ];
    form.extend(article_fields(articles));
    common::post(app, client, "save_draft", &form).await
}

async fn saved(
    app: &TestApp,
    client: &Client,
    id: &str,
    version: i64,
    articles: &[(String, String)],
) -> (i64, i64) {
    let answer = save(app, client, id, version, articles).await;
    assert_eq!(answer.status(), StatusCode::OK);
    match answer.json::<SaveOutcome>().await.unwrap() {
        SaveOutcome::Saved { id, version, .. } => (id, version),
        other => panic!("not saved: {other:?}"),
    }
}

async fn push(app: &TestApp, client: &Client, id: i64, version: i64) -> PushOutcome {
    let id = id.to_string();
    let version = version.to_string();
    let answer = app
        .call(
            client,
            "push_draft",
            &[("id", id.as_str()), ("expected_version", version.as_str())],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    answer.json().await.unwrap()
}

async fn pushed(app: &TestApp, client: &Client, id: i64, version: i64) -> String {
    match push(app, client, id, version).await {
        PushOutcome::Pushed { media_id, .. } => media_id,
        other => panic!("not pushed: {other:?}"),
    }
}

async fn open(app: &TestApp, client: &Client, id: i64) -> reqwest::Response {
    app.call(client, "open_draft", &[("id", id.to_string().as_str())])
        .await
}

async fn an_editor(app: &TestApp, admin: &Client, account: &str) -> Client {
    let added = app
        .call(
            admin,
            "add_user",
            &[
                ("username", "ed"),
                ("password", "editor-password-1"),
                ("role", "editor"),
            ],
        )
        .await;
    assert!(added.status().is_success());
    common::grant(app, admin, "ed", account, true).await;
    let editor = app.client();
    app.log_in(&editor, "ed", "editor-password-1").await;
    editor
}

#[tokio::test]
async fn a_draft_of_eight_articles_is_pushed_as_rendered_html_and_read_back_from_wechat() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let articles = numbered(8, "文章");
    let (id, version) = saved(&app, &admin, "new", 0, &articles).await;
    assert_eq!(version, 1);

    let media_id = pushed(&app, &admin, id, version).await;
    let wechat = app.wechat();
    let draft = wechat
        .draft_get(&MediaId::parse(&media_id).unwrap())
        .await
        .unwrap();
    assert_eq!(draft.news_item.len(), 8);
    for (i, item) in draft.news_item.iter().enumerate() {
        assert_eq!(item.title, format!("文章 {}", i + 1));
        let html = item.content.as_deref().unwrap();
        assert!(html.contains("<strong"), "rendered, not Markdown: {html}");
        assert!(!html.contains("**"), "no Markdown left: {html}");
        assert!(!html.contains("class="), "{html}");
        assert_eq!(item.thumb_media_id.as_deref(), Some(COVER));
        assert_eq!(item.need_open_comment, Some(true));
        assert_eq!(item.pic_crop_235_1.as_deref(), Some("0_0.1_1_0.52"));
    }

    // A change to one article: the same WeChat draft, updated in place.
    let mut changed = articles.clone();
    changed[2].1 = "改过的 *第三篇*".to_owned();
    let (_, version) = saved(&app, &admin, &id.to_string(), version, &changed).await;
    assert_eq!(version, 2);
    assert_eq!(pushed(&app, &admin, id, version).await, media_id);
    let draft = wechat
        .draft_get(&MediaId::parse(&media_id).unwrap())
        .await
        .unwrap();
    assert!(
        draft.news_item[2]
            .content
            .as_deref()
            .unwrap()
            .contains("改过的")
    );

    // Another number of articles: a new WeChat draft, the old one deleted.
    let (_, version) = saved(&app, &admin, &id.to_string(), version, &changed[..7]).await;
    let replaced = pushed(&app, &admin, id, version).await;
    assert_ne!(replaced, media_id);
    let gone = wechat.draft_get(&MediaId::parse(&media_id).unwrap()).await;
    assert!(gone.is_err(), "the old draft is deleted: {gone:?}");
    let draft = wechat
        .draft_get(&MediaId::parse(&replaced).unwrap())
        .await
        .unwrap();
    assert_eq!(draft.news_item.len(), 7);

    // The media library's question: which drafts use this cover.
    let titles = qunfa::drafts::store::titles_using_media(&app.state.db, 1, COVER)
        .await
        .unwrap();
    assert_eq!(titles.len(), 7);
    assert!(titles.contains(&"文章 1".to_owned()));
    app.stop().await;
}

#[tokio::test]
async fn a_ninth_article_and_an_article_wechat_would_refuse_are_refused_in_words() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let answer = save(&app, &admin, "new", 0, &numbered(9, "文章")).await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let error: AppError = answer.json().await.unwrap();
    assert_eq!(error, AppError::Rejected(Problem::ArticleCount));
    assert!(error.words(qunfa::i18n::Lang::En).contains("at most 8"));
    let list: DraftList = app
        .call(&admin, "list_article_drafts", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(list.drafts.is_empty(), "nothing was saved");

    // Saved as typed (a draft may be unfinished), refused at the push.
    let long_title = "标".repeat(33);
    let (id, version) = saved(&app, &admin, "new", 0, &[(long_title, "正文".into())]).await;
    match push(&app, &admin, id, version).await {
        PushOutcome::Invalid(problems) => {
            let words = problems[0].words(qunfa::i18n::Lang::En);
            assert!(
                words.contains("33 characters") && words.contains("32"),
                "{words}"
            );
        }
        other => panic!("pushed: {other:?}"),
    }
    app.stop().await;
}

#[tokio::test]
async fn of_two_saves_on_the_same_version_the_second_is_refused_and_nothing_is_lost() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let editor = an_editor(&app, &admin, "main").await;
    let (id, version) = saved(&app, &admin, "new", 0, &[("初稿".into(), "一".into())]).await;

    // Both have version 1 open; the admin saves first.
    let (_, admins) = saved(
        &app,
        &admin,
        &id.to_string(),
        version,
        &[("管理员的".into(), "二".into())],
    )
    .await;
    assert_eq!(admins, 2);
    let answer = save(
        &app,
        &editor,
        &id.to_string(),
        version,
        &[("编辑的".into(), "三".into())],
    )
    .await;
    match answer.json::<SaveOutcome>().await.unwrap() {
        SaveOutcome::Conflict {
            updated_by,
            version,
            updated_at,
        } => {
            assert_eq!(updated_by, "admin");
            assert_eq!(version, 2);
            assert!(updated_at.starts_with("20"), "{updated_at}");
        }
        other => panic!("overwritten: {other:?}"),
    }
    let view: DraftView = open(&app, &admin, id).await.json().await.unwrap();
    assert_eq!(view.articles[0].title, "管理员的", "the first save stands");
    assert_eq!(view.version, 2);

    // "Keep mine as a copy": the editor's text is a draft of its own.
    let (copy, _) = saved(&app, &editor, "new", 0, &[("编辑的".into(), "三".into())]).await;
    assert_ne!(copy, id);

    // Without JavaScript the refused save is kept as a copy too, and the
    // browser is sent to it.
    let mut form = vec![
        ("account".to_owned(), "main".to_owned()),
        ("id".to_owned(), id.to_string()),
        ("expected_version".to_owned(), "1".to_owned()),
    ];
    form.extend(article_fields(&[("没有脚本".into(), "四".into())]));
    let plain = editor
        .post(app.url("/api/save_draft"))
        .header("Accept", "text/html")
        .header("Referer", app.url(&format!("/a/main/drafts/{id}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::FOUND);
    let location = common::location(&plain);
    assert!(
        location.starts_with("/a/main/drafts/") && location.ends_with(&format!("?copy_of={id}")),
        "{location}"
    );
    let view: DraftView = open(&app, &admin, id).await.json().await.unwrap();
    assert_eq!(view.articles[0].title, "管理员的");
    app.stop().await;
}

#[tokio::test]
async fn a_text_only_article_saves_from_a_form_without_javascript() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let form = [
        ("account", "main"),
        ("id", "new"),
        ("expected_version", "0"),
        ("articles[0][title]", "纯文本"),
        ("articles[0][source_kind]", "markdown"),
        ("articles[0][source]", "没有脚本也能保存。"),
    ];
    let plain = admin
        .post(app.url("/api/save_draft"))
        .header("Accept", "text/html")
        .header("Referer", app.url("/a/main/drafts/new"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::FOUND);
    let location = common::location(&plain);
    assert!(location.ends_with("?saved=1"), "{location}");
    let page = admin.get(app.url(&location)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("没有脚本也能保存。"),
        "the page shows what was saved"
    );
    app.stop().await;
}

#[tokio::test]
async fn who_else_has_a_draft_open_is_said() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let editor = an_editor(&app, &admin, "main").await;
    let (id, _) = saved(&app, &admin, "new", 0, &[("共同编辑".into(), "x".into())]).await;

    let view: DraftView = open(&app, &admin, id).await.json().await.unwrap();
    assert!(view.also_open.is_empty(), "{:?}", view.also_open);
    let view: DraftView = open(&app, &editor, id).await.json().await.unwrap();
    let names: Vec<_> = view.also_open.iter().map(|p| p.username.as_str()).collect();
    assert_eq!(names, ["admin"]);
    let others: Vec<qunfa::drafts::Presence> = app
        .call(
            &admin,
            "draft_heartbeat",
            &[("id", id.to_string().as_str())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(others.len(), 1);
    assert_eq!(others[0].username, "ed");
    assert!(others[0].since.starts_with("20"));
    app.stop().await;
}

#[tokio::test]
async fn drafts_made_in_the_wechat_console_are_listed_to_read_and_send() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let (id, version) = saved(&app, &admin, "new", 0, &[("在群发写的".into(), "x".into())]).await;
    let media_id = pushed(&app, &admin, id, version).await;

    let list: DraftList = app
        .call(&admin, "list_article_drafts", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.drafts.len(), 1);
    assert_eq!(list.drafts[0].titles, ["在群发写的"]);
    assert_eq!(list.drafts[0].media_id.as_deref(), Some(media_id.as_str()));
    let wechat = list.wechat.expect("the draft box is read");
    assert!(
        wechat
            .iter()
            .any(|d| d.media_id == "sim_draft_weekly_digest_0002"),
        "{wechat:?}"
    );
    assert!(
        !wechat.iter().any(|d| d.media_id == media_id),
        "qunfa's own draft is not listed twice"
    );

    let opened: Result<Vec<qunfa::drafts::WechatArticle>, String> = app
        .call(
            &admin,
            "open_wechat_draft",
            &[("media_id", "sim_draft_weekly_digest_0002")],
        )
        .await
        .json()
        .await
        .unwrap();
    let articles = opened.expect("draft/get answers");
    assert!(!articles.is_empty());
    assert!(!articles[0].title.is_empty());
    // The compose page names such a draft to send it; there is no editor.
    let page = admin
        .get(app.url("/a/main/drafts"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/a/main/compose?draft=sim_draft_weekly_digest_0002"));
    assert!(!page.contains("/a/main/drafts/sim_draft_weekly_digest_0002"));
    app.stop().await;
}

#[tokio::test]
async fn a_deleted_draft_is_gone_from_qunfa_and_from_wechat() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let (id, version) = saved(&app, &admin, "new", 0, &[("要删除的".into(), "x".into())]).await;
    let media_id = pushed(&app, &admin, id, version).await;
    let id_text = id.to_string();

    let unconfirmed = app
        .call(&admin, "delete_draft", &[("id", id_text.as_str())])
        .await;
    let error: AppError = unconfirmed.json().await.unwrap();
    assert_eq!(error, AppError::Rejected(Problem::ConfirmDeleteDraft));
    assert_eq!(open(&app, &admin, id).await.status(), StatusCode::OK);

    let deleted = app
        .call(
            &admin,
            "delete_draft",
            &[("id", id_text.as_str()), ("confirm", "yes")],
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(open(&app, &admin, id).await.status(), StatusCode::NOT_FOUND);
    let gone = app
        .wechat()
        .draft_get(&MediaId::parse(&media_id).unwrap())
        .await;
    assert!(gone.is_err(), "{gone:?}");
    let page = admin
        .get(app.url(&format!("/a/main/drafts/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn an_editor_of_another_account_reaches_none_of_its_drafts() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let (id, version) = saved(
        &app,
        &admin,
        "new",
        0,
        &[("只属于 main".into(), "x".into())],
    )
    .await;
    let editor = an_editor(&app, &admin, "sim-2").await;
    let id_text = id.to_string();
    let version_text = version.to_string();
    let not_found = AppError::Rejected(Problem::AccountNotFound);
    for (name, form) in [
        ("open_draft", vec![("id", id_text.as_str())]),
        ("draft_heartbeat", vec![("id", id_text.as_str())]),
        ("list_article_drafts", vec![]),
        (
            "push_draft",
            vec![
                ("id", id_text.as_str()),
                ("expected_version", version_text.as_str()),
            ],
        ),
        (
            "delete_draft",
            vec![("id", id_text.as_str()), ("confirm", "yes")],
        ),
    ] {
        let answer = app.call(&editor, name, &form).await;
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{name}");
        assert_eq!(
            answer.json::<AppError>().await.unwrap(),
            not_found,
            "{name}"
        );
    }
    // Through the account that is theirs, the id is nobody's.
    for name in ["open_draft", "draft_heartbeat"] {
        let answer = app
            .call(
                &editor,
                name,
                &[("account", "sim-2"), ("id", id_text.as_str())],
            )
            .await;
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{name}");
        assert_eq!(
            answer.json::<AppError>().await.unwrap(),
            AppError::Rejected(Problem::DraftNotFound)
        );
    }
    let overwrite = vec![
        ("account".to_owned(), "sim-2".to_owned()),
        ("id".to_owned(), id_text.clone()),
        ("expected_version".to_owned(), version_text.clone()),
        ("articles[0][title]".to_owned(), "taken over".to_owned()),
    ];
    let answer = common::post(&app, &editor, "save_draft", &overwrite).await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let page = editor
        .get(app.url(&format!("/a/main/drafts/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let page = editor
        .get(app.url(&format!("/a/sim-2/drafts/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let view: DraftView = open(&app, &admin, id).await.json().await.unwrap();
    assert_eq!(view.articles[0].title, "只属于 main");
    app.stop().await;
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 90]))
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

#[tokio::test]
async fn an_uploaded_body_image_is_pushed_and_previewed_and_any_other_image_is_left_out() {
    use reqwest::multipart::{Form, Part};
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let answer: serde_json::Value = admin
        .post(app.url("/a/main/media/uploadimg"))
        .multipart(Form::new().part("file", Part::bytes(png(40, 20)).file_name("photo.png")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = answer["url"].as_str().unwrap().to_owned();
    let display = answer["display_url"].as_str().unwrap().to_owned();
    let body =
        format!("Ours: ![photo]({url})\n\nTheirs: ![elsewhere](https://example.com/x.png)\n");

    let preview: qunfa::article::ArticlePreviewData = app
        .call(&admin, "preview_article", &[("markdown", body.as_str())])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        preview.html_for_display.contains(&display),
        "{}",
        preview.html_for_display
    );
    assert!(!preview.html_for_display.contains("example.com/x.png"));

    let (id, version) = saved(&app, &admin, "new", 0, &[("有图".into(), body.clone())]).await;
    let media_id = pushed(&app, &admin, id, version).await;
    let draft = app
        .wechat()
        .draft_get(&MediaId::parse(&media_id).unwrap())
        .await
        .unwrap();
    let html = draft.news_item[0].content.as_deref().unwrap();
    assert!(
        html.contains(&url),
        "the upload's WeChat URL is in the body: {html}"
    );
    assert!(!html.contains("example.com"), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn a_draft_opens_on_a_database_of_one_connection() {
    // An in-memory database is one connection: opening a draft must never
    // hold one while asking for another.
    let data = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, |args| {
        args.database_url = Some("sqlite::memory:".into());
    })
    .await;
    let client = signed_in(&app).await;
    let (id, _) = saved(&app, &client, "new", 0, &numbered(1, "一个连接")).await;
    let opened = tokio::time::timeout(std::time::Duration::from_secs(20), open(&app, &client, id))
        .await
        .expect("the draft opens without waiting for a second connection");
    assert_eq!(opened.status(), StatusCode::OK);
}
