//! The draft box: draft/add, get, update, delete and count with WeChat's
//! limits and codes, and drafts made here used like the fixtures' (listed
//! by batchget, sent, previewed, gone once sent).

use super::*;
use crate::simulator::state::{Material, image_url};
use crate::wechat::types::MediaId;

/// A permanent image of the first account (a fixture), and its URL.
const COVER: &str = "sim_image_cover_spring";

fn article(title: &str) -> Value {
    json!({
        "title": title,
        "author": "编辑部",
        "content": "<p>正文</p>",
        "thumb_media_id": COVER,
    })
}

fn with(mut article: Value, key: &str, value: Value) -> Value {
    article[key] = value;
    article
}

impl App {
    async fn draft_add(&self, token: &str, articles: &[Value]) -> Value {
        self.post(
            Endpoint::DraftAdd.path(),
            token,
            &json!({ "articles": articles }),
        )
        .await
    }

    async fn draft(&self, token: &str, media_id: &str) -> Value {
        self.post(
            Endpoint::DraftGet.path(),
            token,
            &json!({ "media_id": media_id }),
        )
        .await
    }

    async fn update(&self, token: &str, media_id: &str, index: u32, article: &Value) -> Value {
        self.post(
            Endpoint::DraftUpdate.path(),
            token,
            &json!({ "media_id": media_id, "index": index, "articles": article }),
        )
        .await
    }

    async fn draft_ids(&self, token: &str) -> Vec<String> {
        let page = self
            .post(
                Endpoint::DraftBatchGet.path(),
                token,
                &json!({"offset": 0, "count": 20, "no_content": 1}),
            )
            .await;
        page["item"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["media_id"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn draft_count(&self, token: &str) -> u64 {
        let answer = self
            .get(Endpoint::DraftCount.path(), &[("access_token", token)])
            .await;
        assert_eq!(errcode(&answer), 0, "{answer}");
        answer["total_count"].as_u64().unwrap()
    }
}

fn media_id(answer: &Value) -> String {
    assert_eq!(errcode(answer), 0, "{answer}");
    answer["media_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_added_draft_is_the_newest_in_batchget_and_count_and_reads_back() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let before = app.draft_count(&token).await;

    let id = media_id(
        &app.draft_add(
            &token,
            &[with(
                article("春季新品发布会"),
                "pic_crop_235_1",
                json!("0.1_0_0.9_0.5"),
            )],
        )
        .await,
    );

    assert_eq!(app.draft_count(&token).await, before + 1);
    assert_eq!(app.draft_ids(&token).await[0], id, "newest first");
    let got = app.draft(&token, &id).await;
    assert_eq!(errcode(&got), 0, "{got}");
    let item = &got["news_item"][0];
    assert_eq!(item["title"], "春季新品发布会");
    assert_eq!(item["author"], "编辑部");
    assert_eq!(item["content"], "<p>正文</p>");
    assert_eq!(item["thumb_media_id"], COVER);
    assert_eq!(item["article_type"], "news");
    assert_eq!(item["pic_crop_235_1"], "0.1_0_0.9_0.5");
    assert_eq!(item["need_open_comment"], 0);
    let url = item["url"].as_str().unwrap();
    assert!(url.starts_with("http://mp.weixin.qq.com/s?"), "{url}");
    // A single article without a digest gets the start of its text.
    assert_eq!(item["digest"], "正文");
}

#[tokio::test]
async fn a_draft_holds_one_to_eight_articles() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let eight: Vec<Value> = (1..=8).map(|i| article(&format!("第 {i} 篇"))).collect();
    let id = media_id(&app.draft_add(&token, &eight).await);
    let got = app.draft(&token, &id).await;
    let titles: Vec<&str> = got["news_item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 8);
    assert_eq!((titles[0], titles[7]), ("第 1 篇", "第 8 篇"));

    let count = app.draft_count(&token).await;
    let mut nine = eight.clone();
    nine.push(article("第 9 篇"));
    assert_eq!(errcode(&app.draft_add(&token, &nine).await), 45008);
    assert_eq!(errcode(&app.draft_add(&token, &[]).await), 44003);
    for not_a_list in [json!({}), json!({"articles": article("x")})] {
        let answer = app
            .post(Endpoint::DraftAdd.path(), &token, &not_a_list)
            .await;
        assert_eq!(errcode(&answer), 47001, "{not_a_list}");
    }
    assert_eq!(
        app.draft_count(&token).await,
        count,
        "nothing refused was kept"
    );
}

#[tokio::test]
async fn each_field_is_held_to_wechats_limit_and_code() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let text = |n: usize| "字".repeat(n);
    // (field, the longest accepted, one more, its errcode)
    let cases = [
        ("title", json!(text(32)), json!(text(33)), 45003),
        ("author", json!(text(16)), json!(text(17)), 45110),
        ("digest", json!(text(128)), json!(text(129)), 45004),
        (
            "content_source_url",
            json!(format!("https://example.com/{}", "a".repeat(1024 - 20))),
            json!(format!("https://example.com/{}", "a".repeat(1024 - 19))),
            45005,
        ),
        // The text under 20,000 characters, markup aside.
        (
            "content",
            json!(format!("<p>{}</p>", text(19_999))),
            json!(format!("<p>{}</p>", text(20_000))),
            45002,
        ),
        // The HTML under 1 MB, however short its text.
        (
            "content",
            json!(format!("<p style=\"{}\">x</p>", "a".repeat(999_980))),
            json!(format!("<p style=\"{}\">x</p>", "a".repeat(999_990))),
            45002,
        ),
    ];
    for (field, longest, too_long, code) in cases {
        let ok = app
            .draft_add(&token, &[with(article("T"), field, longest.clone())])
            .await;
        assert_eq!(errcode(&ok), 0, "{field} at its limit");
        let refused = app
            .draft_add(&token, &[with(article("T"), field, too_long)])
            .await;
        assert_eq!(errcode(&refused), code, "{field} past its limit");
    }
    assert_eq!(
        errcode(
            &app.draft_add(&token, &[with(article("T"), "title", json!(""))])
                .await
        ),
        44003
    );
    assert_eq!(
        errcode(
            &app.draft_add(&token, &[with(article("T"), "content", json!(" "))])
                .await
        ),
        44003
    );
    for (key, bad) in [
        ("article_type", json!("video")),
        ("need_open_comment", json!("maybe")),
        ("pic_crop_1_1", json!("0_0_2_1")),
        ("title", json!(7)),
    ] {
        let answer = app.draft_add(&token, &[with(article("T"), key, bad)]).await;
        assert_eq!(errcode(&answer), 47001, "{key}");
    }
}

#[tokio::test]
async fn the_cover_must_be_a_permanent_image_of_the_account() {
    let app = spawn(test_config().with_account(AccountConfig::new(
        "wxfedcba9876543210",
        SecretString::from("second-app-secret"),
        SecretString::from("secondcallbacktoken"),
    )))
    .await;
    let token = app.token().await;
    let no_thumb = json!({"title": "T", "content": "<p>x</p>"});
    assert_eq!(
        errcode(&app.draft_add(&token, std::slice::from_ref(&no_thumb)).await),
        40007
    );
    for thumb in [
        "nowhere",
        // A voice material, and the second account's own cover.
        "sim_voice_welcome",
        "svc_image_member_card",
    ] {
        let answer = app
            .draft_add(
                &token,
                &[with(article("T"), "thumb_media_id", json!(thumb))],
            )
            .await;
        assert_eq!(errcode(&answer), 40007, "{thumb}");
    }
    // A newspic has no cover.
    let newspic = with(no_thumb, "article_type", json!("newspic"));
    assert_eq!(errcode(&app.draft_add(&token, &[newspic]).await), 0);

    // An image added to the account's materials later counts at once.
    app.sim.first_account().account.with_state(|state| {
        state.images.push(Material {
            media_id: MediaId::parse("uploaded_cover").unwrap(),
            name: "cover.jpg".to_owned(),
            update_time: 0,
            url: Some(image_url("uploaded_cover")),
        });
    });
    let answer = app
        .draft_add(
            &token,
            &[with(
                article("T"),
                "thumb_media_id",
                json!("uploaded_cover"),
            )],
        )
        .await;
    assert_eq!(errcode(&answer), 0, "{answer}");
}

#[tokio::test]
async fn scripts_and_foreign_images_are_taken_out_of_the_body() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let ours = image_url("aaa");
    let body = format!(
        "<p>一<script>alert('x')</script>二</p><img src=\"{ours}\"><img src=\"https://example.com/a.png\"><p>三</p>"
    );
    let id = media_id(
        &app.draft_add(&token, &[with(article("T"), "content", json!(body))])
            .await,
    );
    let got = app.draft(&token, &id).await;
    assert_eq!(
        got["news_item"][0]["content"],
        format!("<p>一二</p><img src=\"{ours}\"><p>三</p>")
    );
    assert_eq!(got["news_item"][0]["digest"], "一二 三");
}

#[tokio::test]
async fn an_empty_digest_is_the_texts_first_54_characters_and_several_articles_keep_none() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let long: String = "一二三四五六七八九十".repeat(7);
    let single = media_id(
        &app.draft_add(
            &token,
            &[with(
                article("T"),
                "content",
                json!(format!("<p>{long}</p>")),
            )],
        )
        .await,
    );
    let digest = app.draft(&token, &single).await["news_item"][0]["digest"].clone();
    assert_eq!(digest, json!(long.chars().take(54).collect::<String>()));

    let given = with(article("A"), "digest", json!("摘要"));
    let two = media_id(&app.draft_add(&token, &[given.clone(), article("B")]).await);
    let got = app.draft(&token, &two).await;
    assert_eq!(got["news_item"][0]["digest"], "");
    assert_eq!(got["news_item"][1]["digest"], "");
    // A digest given to a single article is kept.
    let one = media_id(&app.draft_add(&token, &[given]).await);
    assert_eq!(
        app.draft(&token, &one).await["news_item"][0]["digest"],
        "摘要"
    );
}

#[tokio::test]
async fn update_replaces_the_article_at_a_zero_based_index() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let id = media_id(&app.draft_add(&token, &[article("一"), article("二")]).await);
    let other = media_id(&app.draft_add(&token, &[article("别的")]).await);
    assert_eq!(app.draft_ids(&token).await[0], other);

    let answer = app.update(&token, &id, 1, &article("新的二")).await;
    assert_eq!(errcode(&answer), 0, "{answer}");
    let got = app.draft(&token, &id).await;
    assert_eq!(got["news_item"][0]["title"], "一");
    assert_eq!(got["news_item"][1]["title"], "新的二");
    assert_eq!(
        app.draft_ids(&token).await[0],
        id,
        "an update is the newest"
    );

    // No third article, no such draft: 40007; the rules of add hold.
    assert_eq!(
        errcode(&app.update(&token, &id, 2, &article("三")).await),
        40007
    );
    assert_eq!(
        errcode(&app.update(&token, "nowhere", 0, &article("三")).await),
        40007
    );
    let long_title = article(&"字".repeat(33));
    assert_eq!(
        errcode(&app.update(&token, &id, 0, &long_title).await),
        45003
    );
    // `articles` is one object, not a list.
    let as_list = app
        .post(
            Endpoint::DraftUpdate.path(),
            &token,
            &json!({"media_id": id, "index": 0, "articles": [article("x")]}),
        )
        .await;
    assert_eq!(errcode(&as_list), 47001);
    assert_eq!(app.draft(&token, &id).await["news_item"][0]["title"], "一");
}

#[tokio::test]
async fn a_deleted_draft_is_gone_for_good() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let id = media_id(&app.draft_add(&token, &[article("T")]).await);
    let count = app.draft_count(&token).await;
    let delete = |id: String| {
        let app = &app;
        let token = &token;
        async move {
            errcode(
                &app.post(
                    Endpoint::DraftDelete.path(),
                    token,
                    &json!({ "media_id": id }),
                )
                .await,
            )
        }
    };
    assert_eq!(delete(id.clone()).await, 0);
    assert_eq!(errcode(&app.draft(&token, &id).await), 40007);
    assert_eq!(delete(id.clone()).await, 40007);
    assert_eq!(app.draft_count(&token).await, count - 1);
    assert!(!app.draft_ids(&token).await.contains(&id));
    // A fixture draft can be deleted too.
    assert_eq!(delete("sim_draft_archive_0021".to_owned()).await, 0);
}

#[tokio::test]
async fn an_added_draft_previews_and_sends_like_a_fixture_and_is_gone_once_sent() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let id = media_id(
        &app.draft_add(&token, &[article("要群发的"), article("第二篇")])
            .await,
    );

    let preview = json!({"touser": "oSIM000000000000000000000007", "msgtype": "mpnews", "mpnews": {"media_id": id}});
    assert_eq!(
        errcode(&app.post(Endpoint::Preview.path(), &token, &preview).await),
        0
    );
    let sent = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &news_send(&id, "draft-1", 0),
        )
        .await;
    assert_eq!(errcode(&sent), 0, "{sent}");
    let record = app.wait_for_end(msg_id(&sent)).await;
    assert_eq!(record.article_urls.len(), 2);

    assert_eq!(errcode(&app.draft(&token, &id).await), 40007);
    assert!(!app.draft_ids(&token).await.contains(&id));
    let again = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &news_send(&id, "draft-2", 0),
        )
        .await;
    assert_eq!(errcode(&again), 40007);
}

#[tokio::test]
async fn one_accounts_drafts_are_not_anothers() {
    let b_appid = "wxfedcba9876543210";
    let app = spawn(test_config().with_account(AccountConfig::new(
        b_appid,
        SecretString::from("second-app-secret"),
        SecretString::from("secondcallbacktoken"),
    )))
    .await;
    let a = app.token().await;
    let b = app
        .get(
            Endpoint::Token.path(),
            &[
                ("grant_type", "client_credential"),
                ("appid", b_appid),
                ("secret", "second-app-secret"),
            ],
        )
        .await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = media_id(&app.draft_add(&a, &[article("A 的草稿")]).await);
    assert_eq!(errcode(&app.draft(&b, &id).await), 40007);
    let b_count = app.draft_count(&b).await;
    let b_cover = with(
        article("B 的草稿"),
        "thumb_media_id",
        json!("svc_image_member_card"),
    );
    media_id(&app.draft_add(&b, &[b_cover]).await);
    assert_eq!(app.draft_count(&b).await, b_count + 1);
    assert!(
        !app.draft_ids(&a)
            .await
            .iter()
            .any(|d| d.starts_with("svc_"))
    );
}
