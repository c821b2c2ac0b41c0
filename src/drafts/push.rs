//! A qunfa draft as WeChat takes it: each article's source rendered to the
//! HTML WeChat accepts (never Markdown) by the same function the preview
//! uses, its images only those `media/uploadimg` gave this account.

use super::ArticleForm;
use crate::article::render::Rendered;
use crate::edge::AccountCall;
use crate::error::AppError;
use crate::wechat::api::DraftArticle;

/// The article's body rendered for `call`'s account.
pub async fn render(call: &AccountCall, article: &ArticleForm) -> Result<Rendered, AppError> {
    let (rendered, _) = if article.is_html() {
        crate::article::api::render_body(call, String::new(), Some(article.source.clone())).await?
    } else {
        crate::article::api::render_body(call, article.source.clone(), None).await?
    };
    Ok(rendered)
}

/// A body of WeChat's (a draft made in its console) for this page:
/// sanitised as pasted HTML, its images shown from qunfa's copies.
pub async fn display(call: &AccountCall, html: String) -> Result<String, AppError> {
    let (rendered, images) =
        crate::article::api::render_body(call, String::new(), Some(html)).await?;
    Ok(crate::article::render::display_images(
        &rendered.html,
        &|src| images.display.get(src).cloned(),
    ))
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
