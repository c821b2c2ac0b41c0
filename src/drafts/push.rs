//! A qunfa draft as WeChat takes it: each article's source rendered to the
//! HTML WeChat accepts (never Markdown), its images only those
//! `media/uploadimg` gave this account.

use std::collections::HashSet;

use sqlx::SqlitePool;

use super::ArticleForm;
use crate::article::render::{ImagePolicy, Rendered, Theme, render_markdown, sanitize_pasted_html};
use crate::wechat::api::DraftArticle;

/// Images allowed in an article: the URLs found uploaded for this account.
struct Uploaded(HashSet<String>);

impl ImagePolicy for Uploaded {
    fn allows(&self, src: &str) -> bool {
        self.0.contains(src)
    }
}

fn render_with(article: &ArticleForm, images: &dyn ImagePolicy) -> Rendered {
    let theme = Theme::default();
    if article.is_html() {
        sanitize_pasted_html(&article.source, &theme, images)
    } else {
        render_markdown(&article.source, &theme, images)
    }
}

/// Renders `article` for account `account_id`. A first pass allows no
/// image and so lists every image the source has; those the media library
/// knows as this account's uploads are allowed in the second.
pub async fn render(db: &SqlitePool, account_id: i64, article: &ArticleForm) -> Rendered {
    let first = render_with(article, &Uploaded(HashSet::new()));
    let mut allowed = HashSet::new();
    for src in &first.dropped_images {
        if !allowed.contains(src)
            && crate::media::store::is_uploaded_image(db, account_id, src).await
        {
            allowed.insert(src.clone());
        }
    }
    if allowed.is_empty() {
        first
    } else {
        render_with(article, &Uploaded(allowed))
    }
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The article as `draft/add` and `draft/update` take it.
pub fn draft_article(article: &ArticleForm, html: String) -> DraftArticle {
    DraftArticle {
        article_type: Some("news".to_owned()),
        title: article.title.trim().to_owned(),
        author: non_empty(&article.author),
        digest: non_empty(&article.digest),
        content: html,
        content_source_url: non_empty(&article.content_source_url),
        thumb_media_id: article.thumb_media_id.trim().to_owned(),
        need_open_comment: Some(article.comments_open()),
        only_fans_can_comment: Some(article.fans_only()),
        pic_crop_235_1: non_empty(&article.pic_crop_235_1)
            .filter(|c| super::parse_crop(c).is_some()),
        pic_crop_1_1: non_empty(&article.pic_crop_1_1).filter(|c| super::parse_crop(c).is_some()),
    }
}
