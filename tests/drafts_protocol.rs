//! The console's WeChat client and the built-in simulator's draft box, over
//! HTTP: a draft of eight articles added, read, changed and deleted as the
//! article editor will.

use crate::common;

use common::TestApp;
use qunfa::i18n::Lang;
use qunfa::wechat::api::{DraftArticle, DraftBatchGetRequest, PageSize};
use qunfa::wechat::client::CallError;
use qunfa::wechat::errcode::ErrCode;

/// A permanent image of the simulator's first account.
const COVER: &str = "sim_image_cover_spring";

fn article(n: usize) -> DraftArticle {
    DraftArticle {
        title: format!("第 {n} 篇：春季新品"),
        author: Some("编辑部".to_owned()),
        digest: Some(format!("第 {n} 篇的摘要")),
        content: format!("<p style=\"color:#333\">第 {n} 篇的正文。</p>"),
        content_source_url: Some("https://example.com/spring".to_owned()),
        thumb_media_id: COVER.to_owned(),
        need_open_comment: Some(n.is_multiple_of(2)),
        only_fans_can_comment: Some(false),
        pic_crop_235_1: Some("0_0_1_0.425".to_owned()),
        pic_crop_1_1: Some("0.2_0_0.8_1".to_owned()),
        ..DraftArticle::default()
    }
}

fn errcode(error: &CallError) -> Option<ErrCode> {
    error.code()
}

#[tokio::test]
async fn a_draft_of_eight_articles_is_added_read_changed_and_deleted() {
    let app = TestApp::spawn().await;
    let wechat = app.wechat();
    let before = wechat.draft_count().await.unwrap().total_count;

    let articles: Vec<DraftArticle> = (1..=8).map(article).collect();
    let media_id = wechat.draft_add(&articles).await.unwrap().media_id;
    assert_eq!(wechat.draft_count().await.unwrap().total_count, before + 1);

    let got = wechat.draft_get(&media_id).await.unwrap().news_item;
    assert_eq!(got.len(), 8);
    for (n, (stored, sent)) in got.iter().zip(&articles).enumerate() {
        assert_eq!(stored.title, sent.title, "article {n}");
        assert_eq!(stored.author, sent.author);
        assert_eq!(stored.content.as_deref(), Some(sent.content.as_str()));
        assert_eq!(stored.thumb_media_id.as_deref(), Some(COVER));
        assert_eq!(stored.need_open_comment, sent.need_open_comment);
        assert_eq!(stored.pic_crop_235_1, sent.pic_crop_235_1);
        assert_eq!(stored.pic_crop_1_1, sent.pic_crop_1_1);
        assert_eq!(stored.article_type.as_deref(), Some("news"));
        assert!(stored.url.as_deref().is_some_and(|u| !u.is_empty()));
        // WeChat keeps no digest in a draft of several articles.
        assert_eq!(stored.digest.as_deref(), Some(""));
    }

    // The newest draft is the first of the pickers' list.
    let page = wechat
        .draft_batchget(&DraftBatchGetRequest {
            offset: 0,
            count: PageSize::MAX,
            no_content: Some(true),
        })
        .await
        .unwrap();
    assert_eq!(page.item[0].media_id, media_id);
    assert_eq!(page.item[0].content.news_item.len(), 8);

    // The last article (index 7, 0-based) changes; the others stay.
    let changed = DraftArticle {
        title: "第八篇，改过了".to_owned(),
        ..article(8)
    };
    wechat.draft_update(&media_id, 7, &changed).await.unwrap();
    let got = wechat.draft_get(&media_id).await.unwrap().news_item;
    assert_eq!(got[7].title, "第八篇，改过了");
    assert_eq!(got[6].title, articles[6].title);
    let past_the_end = wechat
        .draft_update(&media_id, 8, &changed)
        .await
        .unwrap_err();
    assert_eq!(errcode(&past_the_end), Some(ErrCode::InvalidMediaId));

    wechat.draft_delete(&media_id).await.unwrap();
    assert_eq!(wechat.draft_count().await.unwrap().total_count, before);
    let gone = wechat.draft_get(&media_id).await.unwrap_err();
    assert_eq!(errcode(&gone), Some(ErrCode::InvalidMediaId));
    let again = wechat.draft_delete(&media_id).await.unwrap_err();
    assert_eq!(errcode(&again), Some(ErrCode::InvalidMediaId));
}

#[tokio::test]
async fn a_ninth_article_and_a_long_title_are_refused_in_words() {
    let app = TestApp::spawn().await;
    let wechat = app.wechat();
    let before = wechat.draft_count().await.unwrap().total_count;

    let nine: Vec<DraftArticle> = (1..=9).map(article).collect();
    let error = wechat.draft_add(&nine).await.unwrap_err();
    assert_eq!(errcode(&error), Some(ErrCode::TooManyArticles));
    assert!(error.words(Lang::Zh).contains("最多 8 篇"), "{error}");
    assert!(error.words(Lang::En).contains("at most 8 articles"));

    let long_title = DraftArticle {
        title: "标".repeat(33),
        ..article(1)
    };
    let error = wechat.draft_add(&[long_title]).await.unwrap_err();
    assert_eq!(errcode(&error), Some(ErrCode::TitleTooLong));
    assert!(error.words(Lang::En).contains("32 characters"));

    assert_eq!(wechat.draft_count().await.unwrap().total_count, before);
}
