//! Articles as WeChat takes them in a draft (`draft/add`): the limits of
//! each field and how their length is counted, compiled for the browser
//! too so the editor can count as one types. Server only: `render`, which
//! turns Markdown (or pasted HTML) into the HTML WeChat accepts; `api`
//! holds the editor's preview server function.

use serde::{Deserialize, Serialize};

pub mod api;
#[cfg(feature = "render")]
pub mod render;

/// A title: at most 32 characters (CONTENT.md §1).
pub const TITLE_MAX_CHARS: usize = 32;
/// An author: at most 16 characters.
pub const AUTHOR_MAX_CHARS: usize = 16;
/// A digest (摘要): at most 128 characters.
pub const DIGEST_MAX_CHARS: usize = 128;
/// The body's HTML: fewer than 20,000 characters...
pub const CONTENT_MAX_CHARS: usize = 20_000;
/// ...and fewer than 1 MB.
pub const CONTENT_MAX_BYTES: usize = 1_000_000;
/// "Read the original" (`content_source_url`): at most 1 KB.
pub const SOURCE_URL_MAX_BYTES: usize = 1024;
/// Articles in one draft.
pub const MAX_ARTICLES: usize = 8;

/// The length of `s` as WeChat's limits count it: characters, not bytes, so
/// 标题 is 2 where its UTF-8 is 6 bytes. A character is a Unicode scalar
/// value (an emoji is one, though JavaScript's `length` says 2): WeChat
/// documents no finer rule.
pub fn char_count(s: &str) -> usize {
    s.chars().count()
}

/// Whether a body of `chars` characters and `bytes` bytes is within
/// WeChat's limit (both strictly below it).
pub fn content_fits(chars: usize, bytes: usize) -> bool {
    chars < CONTENT_MAX_CHARS && bytes < CONTENT_MAX_BYTES
}

/// What the editor's preview shows of an article's body
/// (`api::preview_article`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticlePreviewData {
    /// The body as the preview shows it: WeChat's HTML with each image's
    /// address replaced by qunfa's copy (the browser cannot load WeChat's).
    /// Sanitised on the server: the page sets it as it is.
    pub html_for_display: String,
    /// The characters and bytes of the body as it would be sent, which is
    /// what WeChat's limit counts ([`CONTENT_MAX_CHARS`], [`CONTENT_MAX_BYTES`]).
    pub chars: usize,
    pub bytes: usize,
    /// Images left out because they are not this account's uploads (WeChat
    /// drops any other image), by the address the article gave.
    pub dropped_images: Vec<String>,
    /// Links that became a numbered note at the end (WeChat opens only links
    /// to its own articles), as (text, address).
    pub footnotes: Vec<(String, String)>,
}

impl ArticlePreviewData {
    /// Whether the body is within WeChat's limits.
    pub fn fits(&self) -> bool {
        content_fits(self.chars, self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_are_counted_not_bytes() {
        assert_eq!(char_count(""), 0);
        assert_eq!(char_count("title"), 5);
        assert_eq!("群发标题".len(), 12);
        assert_eq!(char_count("群发标题"), 4);
        assert_eq!(char_count("a😀b"), 3);
        assert_eq!(char_count(&"字".repeat(TITLE_MAX_CHARS)), TITLE_MAX_CHARS);
    }

    #[test]
    fn a_body_fits_only_below_both_limits() {
        assert!(content_fits(19_999, 999_999));
        assert!(!content_fits(20_000, 100));
        assert!(!content_fits(100, 1_000_000));
    }
}
