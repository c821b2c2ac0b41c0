//! Articles written in qunfa: drafts of 1 to 8 articles, kept with their
//! Markdown (or pasted HTML) source, saved with a version check, pushed to
//! WeChat's draft box as rendered HTML.
//!
//! This file holds what the editor page and the server share (compiled for
//! the browser too): the article as the form carries it, the answers of the
//! server functions, and the limits checked as one types. `api` has the
//! server functions; server only: `store` (the `drafts`, `draft_articles`
//! and `draft_presence` tables) and `push` (to WeChat).

use serde::{Deserialize, Serialize};

use crate::article::{
    AUTHOR_MAX_CHARS, CONTENT_MAX_BYTES, CONTENT_MAX_CHARS, DIGEST_MAX_CHARS, MAX_ARTICLES,
    SOURCE_URL_MAX_BYTES, TITLE_MAX_CHARS, char_count,
};
use crate::i18n::Lang;

pub mod api;
#[cfg(feature = "ssr")]
pub mod push;
#[cfg(feature = "ssr")]
pub mod store;

/// How long an editor that stopped saying it is open still counts as
/// open (it says so every [`HEARTBEAT_SECS`]).
pub const PRESENCE_SECS: i64 = 20;
/// How often an open editor says it is open.
pub const HEARTBEAT_SECS: u64 = 5;

/// What the body of an article is written in.
pub const MARKDOWN: &str = "markdown";
pub const HTML: &str = "html";

/// One article as the editor's form carries it. Every field is text, as a
/// form posts it; the checkboxes are present (`on`, `1`) or absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ArticleForm {
    pub title: String,
    pub author: String,
    pub digest: String,
    /// The cover: a permanent image of the library.
    pub thumb_media_id: String,
    /// `X1_Y1_X2_Y2`, fractions of the cover from its top left.
    pub pic_crop_235_1: String,
    pub pic_crop_1_1: String,
    /// "Read the original" (阅读原文).
    pub content_source_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub need_open_comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub only_fans_can_comment: Option<String>,
    /// [`MARKDOWN`] or [`HTML`] (pasted from another editor).
    pub source_kind: String,
    pub source: String,
}

/// A checkbox's value: ticked unless absent, empty, `0` or `false`.
fn ticked(value: &Option<String>) -> bool {
    value
        .as_deref()
        .is_some_and(|v| !matches!(v, "" | "0" | "false" | "off"))
}

/// A checkbox as the form posts it.
pub fn checkbox(on: bool) -> Option<String> {
    on.then(|| "on".to_owned())
}

impl ArticleForm {
    pub fn comments_open(&self) -> bool {
        ticked(&self.need_open_comment)
    }

    pub fn fans_only(&self) -> bool {
        ticked(&self.only_fans_can_comment)
    }

    pub fn is_html(&self) -> bool {
        self.source_kind == HTML
    }

    /// A fresh article: Markdown, comments closed.
    pub fn new_markdown() -> Self {
        ArticleForm {
            source_kind: MARKDOWN.to_owned(),
            ..ArticleForm::default()
        }
    }
}

/// Someone else with the same draft open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    pub username: String,
    /// When they opened it (a stored time).
    pub since: String,
}

/// A draft as the editor opens it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftView {
    pub id: i64,
    pub version: i64,
    /// WeChat's draft, once pushed (it may have been sent since).
    pub media_id: Option<String>,
    pub articles: Vec<ArticleForm>,
    pub updated_by: String,
    pub updated_at: String,
    pub pushed_at: Option<String>,
    pub pushed_version: Option<i64>,
    pub also_open: Vec<Presence>,
}

/// The answer to a save.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaveOutcome {
    Saved {
        id: i64,
        version: i64,
        saved_at: String,
        also_open: Vec<Presence>,
    },
    /// Someone saved the draft after the version this save was made on:
    /// nothing was written. Who, and when.
    Conflict {
        updated_by: String,
        updated_at: String,
        version: i64,
    },
}

/// The answer to "Save to WeChat".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PushOutcome {
    /// WeChat's draft holds this version now.
    Pushed { media_id: String, version: i64 },
    /// Articles WeChat would refuse, and why: nothing was sent.
    Invalid(Vec<ArticleProblem>),
    /// The draft changed since the page had it: save first.
    Conflict {
        updated_by: String,
        updated_at: String,
        version: i64,
    },
    /// WeChat refused or did not answer, in words.
    Failed(String),
}

/// A qunfa draft in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftSummary {
    pub id: i64,
    pub titles: Vec<String>,
    pub updated_by: String,
    pub updated_at: String,
    pub media_id: Option<String>,
    /// Saved since it was last pushed (or never pushed).
    pub unpushed_changes: bool,
}

/// A draft made in the WeChat console, which qunfa does not know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WechatDraft {
    pub media_id: String,
    pub titles: Vec<String>,
    /// Unix seconds.
    pub updated: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftList {
    pub drafts: Vec<DraftSummary>,
    /// The WeChat console's drafts, or why they could not be read.
    pub wechat: Result<Vec<WechatDraft>, String>,
}

/// One article of a WeChat-made draft, to read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WechatArticle {
    pub title: String,
    pub author: String,
    pub digest: String,
    /// As WeChat holds it.
    pub html: String,
    /// Sanitised for the preview on this page.
    pub preview_html: String,
}

/// What a field of an article breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArticleField {
    Title,
    Author,
    Digest,
    Cover,
    SourceUrl,
    /// The body's characters.
    Body,
    /// The body's bytes.
    BodyBytes,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleProblem {
    /// 1-based.
    pub article: usize,
    pub field: ArticleField,
    /// The count found (0 for a missing one) and the limit.
    pub count: usize,
    pub limit: usize,
}

impl ArticleProblem {
    pub fn words(&self, lang: Lang) -> String {
        let ArticleProblem {
            article: n,
            count,
            limit,
            ..
        } = *self;
        use ArticleField::*;
        match (self.field, lang) {
            (Title, Lang::Zh) if count == 0 => format!("第 {n} 篇：标题不能为空。"),
            (Title, Lang::En) if count == 0 => format!("Article {n}: the title is missing."),
            (Title, Lang::Zh) => {
                format!("第 {n} 篇：标题有 {count} 个字，微信最多允许 {limit} 个。")
            }
            (Title, Lang::En) => {
                format!("Article {n}: the title has {count} characters; WeChat allows {limit}.")
            }
            (Author, Lang::Zh) => {
                format!("第 {n} 篇：作者有 {count} 个字，微信最多允许 {limit} 个。")
            }
            (Author, Lang::En) => {
                format!("Article {n}: the author has {count} characters; WeChat allows {limit}.")
            }
            (Digest, Lang::Zh) => {
                format!("第 {n} 篇：摘要有 {count} 个字，微信最多允许 {limit} 个。")
            }
            (Digest, Lang::En) => {
                format!("Article {n}: the digest has {count} characters; WeChat allows {limit}.")
            }
            (Cover, Lang::Zh) => format!("第 {n} 篇：还没有封面。微信要求每篇文章都有封面图片。"),
            (Cover, Lang::En) => format!(
                "Article {n}: there is no cover. WeChat needs a cover image for every article."
            ),
            (SourceUrl, Lang::Zh) => format!(
                "第 {n} 篇：“阅读原文”链接有 {count} 字节，微信最多允许 {limit} 字节，且须以 http:// 或 https:// 开头。"
            ),
            (SourceUrl, Lang::En) => format!(
                "Article {n}: the “read the original” link has {count} bytes; WeChat allows {limit}, starting with http:// or https://."
            ),
            (Body, Lang::Zh) if count == 0 => format!("第 {n} 篇：正文是空的。"),
            (Body, Lang::En) if count == 0 => format!("Article {n}: the body is empty."),
            (Body, Lang::Zh) => {
                format!("第 {n} 篇：正文有 {count} 个字，微信要求少于 {limit} 个。")
            }
            (Body, Lang::En) => format!(
                "Article {n}: the body has {count} characters; WeChat needs fewer than {limit}."
            ),
            (BodyBytes, Lang::Zh) => {
                format!("第 {n} 篇：正文有 {count} 字节，微信要求小于 {limit} 字节。")
            }
            (BodyBytes, Lang::En) => {
                format!("Article {n}: the body has {count} bytes; WeChat needs fewer than {limit}.")
            }
        }
    }
}

/// What WeChat would refuse in article `n` (1-based), whose body renders
/// to `body_chars` characters and `body_bytes` bytes of HTML.
pub fn check_article(
    n: usize,
    article: &ArticleForm,
    body_chars: usize,
    body_bytes: usize,
) -> Vec<ArticleProblem> {
    let mut problems = Vec::new();
    let mut over = |field, count: usize, limit: usize, too_many: bool| {
        if too_many {
            problems.push(ArticleProblem {
                article: n,
                field,
                count,
                limit,
            });
        }
    };
    let title = char_count(article.title.trim());
    over(
        ArticleField::Title,
        title,
        TITLE_MAX_CHARS,
        title == 0 || title > TITLE_MAX_CHARS,
    );
    let author = char_count(&article.author);
    over(
        ArticleField::Author,
        author,
        AUTHOR_MAX_CHARS,
        author > AUTHOR_MAX_CHARS,
    );
    let digest = char_count(&article.digest);
    over(
        ArticleField::Digest,
        digest,
        DIGEST_MAX_CHARS,
        digest > DIGEST_MAX_CHARS,
    );
    over(
        ArticleField::Cover,
        0,
        0,
        article.thumb_media_id.trim().is_empty(),
    );
    let url = article.content_source_url.trim();
    over(
        ArticleField::SourceUrl,
        url.len(),
        SOURCE_URL_MAX_BYTES,
        url.len() > SOURCE_URL_MAX_BYTES || (!url.is_empty() && !is_web_address(url)),
    );
    over(
        ArticleField::Body,
        body_chars,
        CONTENT_MAX_CHARS,
        body_chars == 0 || body_chars >= CONTENT_MAX_CHARS,
    );
    over(
        ArticleField::BodyBytes,
        body_bytes,
        CONTENT_MAX_BYTES,
        body_bytes >= CONTENT_MAX_BYTES,
    );
    problems
}

/// Whether `url` is an `http:` or `https:` address (what WeChat takes as
/// "read the original").
fn is_web_address(url: &str) -> bool {
    let starts = |prefix: &str| {
        url.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    starts("http://") || starts("https://")
}

/// A draft has 1 to [`MAX_ARTICLES`] articles.
pub fn article_count_ok(n: usize) -> bool {
    (1..=MAX_ARTICLES).contains(&n)
}

/// The crop of a cover as WeChat takes it: `X1_Y1_X2_Y2`, fractions from
/// its top left, for an image `width`/`height` of aspect `image_aspect`
/// cut to `ratio` (2.35 or 1), placed at `position` (0 to 1) along the axis
/// that has room: a centred crop is 0.5.
pub fn crop_fractions(image_aspect: f64, ratio: f64, position: f64) -> String {
    let position = position.clamp(0.0, 1.0);
    let (x1, y1, x2, y2) = if image_aspect > ratio {
        let width = ratio / image_aspect;
        let x1 = (1.0 - width) * position;
        (x1, 0.0, x1 + width, 1.0)
    } else {
        let height = if image_aspect > 0.0 {
            image_aspect / ratio
        } else {
            1.0
        };
        let y1 = (1.0 - height) * position;
        (0.0, y1, 1.0, y1 + height)
    };
    let f = |v: f64| {
        let text = format!("{:.6}", v.clamp(0.0, 1.0));
        let text = text.trim_end_matches('0').trim_end_matches('.');
        if text.is_empty() {
            "0".to_owned()
        } else {
            text.to_owned()
        }
    };
    format!("{}_{}_{}_{}", f(x1), f(y1), f(x2), f(y2))
}

/// The crop's `(x1, y1, x2, y2)`, when `crop` is one.
pub fn parse_crop(crop: &str) -> Option<(f64, f64, f64, f64)> {
    let parts: Vec<f64> = crop
        .split('_')
        .map(|p| p.parse::<f64>().ok().filter(|v| (0.0..=1.0).contains(v)))
        .collect::<Option<_>>()?;
    match parts[..] {
        [x1, y1, x2, y2] if x1 < x2 && y1 < y2 => Some((x1, y1, x2, y2)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_cover_is_cut_across_and_a_tall_one_down() {
        // 4:1 cut to 2.35:1: the width is 2.35/4 of the image, centred.
        assert_eq!(crop_fractions(4.0, 2.35, 0.5), "0.20625_0_0.79375_1");
        assert_eq!(crop_fractions(4.0, 2.35, 0.0), "0_0_0.5875_1");
        // 1:1 cut to 2.35:1: the height is 1/2.35, at the top.
        assert_eq!(crop_fractions(1.0, 2.35, 0.0), "0_0_1_0.425532");
        assert_eq!(crop_fractions(1.0, 1.0, 0.5), "0_0_1_1");
        assert_eq!(crop_fractions(2.0, 1.0, 1.0), "0.5_0_1_1");
        assert!(parse_crop(&crop_fractions(1.5, 2.35, 0.3)).is_some());
        assert_eq!(parse_crop("0_0_1"), None);
        assert_eq!(parse_crop("0.5_0_0.2_1"), None);
    }

    #[test]
    fn an_article_is_checked_against_wechats_limits() {
        let ok = ArticleForm {
            title: "标题".into(),
            thumb_media_id: "m".into(),
            ..ArticleForm::new_markdown()
        };
        assert!(check_article(1, &ok, 10, 30).is_empty());
        let fields = |a: &ArticleForm, chars, bytes| -> Vec<ArticleField> {
            check_article(2, a, chars, bytes)
                .iter()
                .map(|p| p.field)
                .collect()
        };
        let long = ArticleForm {
            title: "字".repeat(TITLE_MAX_CHARS + 1),
            author: "a".repeat(AUTHOR_MAX_CHARS + 1),
            digest: "d".repeat(DIGEST_MAX_CHARS + 1),
            content_source_url: "javascript:alert(1)".into(),
            thumb_media_id: String::new(),
            ..ok.clone()
        };
        assert_eq!(
            fields(&long, CONTENT_MAX_CHARS, CONTENT_MAX_BYTES),
            [
                ArticleField::Title,
                ArticleField::Author,
                ArticleField::Digest,
                ArticleField::Cover,
                ArticleField::SourceUrl,
                ArticleField::Body,
                ArticleField::BodyBytes
            ]
        );
        assert_eq!(
            fields(&ok, CONTENT_MAX_CHARS - 1, CONTENT_MAX_BYTES - 1),
            []
        );
        for problem in check_article(3, &long, 0, 0) {
            assert!(problem.words(Lang::Zh).contains('3'));
            assert!(problem.words(Lang::En).starts_with("Article 3"));
        }
    }

    #[test]
    fn checkboxes_read_as_forms_post_them() {
        let mut a = ArticleForm::new_markdown();
        assert!(!a.comments_open());
        a.need_open_comment = Some("on".into());
        assert!(a.comments_open());
        a.need_open_comment = Some("0".into());
        assert!(!a.comments_open());
        assert!(article_count_ok(8) && !article_count_ok(9) && !article_count_ok(0));
    }
}
