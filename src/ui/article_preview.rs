//! An article as WeChat's article page shows it on a phone: a frame about
//! 375 px wide that scrolls inside, with the title, the line of author,
//! account and date, and the body. The drafts editor puts it beside the
//! Markdown, in its region named "Preview" / "预览", and feeds it
//! `article::api::preview_article`'s HTML.

use leptos::prelude::*;

/// The preview of one article. `html` is set as the body's HTML as it is:
/// it must come from the server's renderer (`article::render`), which
/// sanitises it (ammonia, a whitelist of tags, attributes and CSS: no
/// script, no event attribute, no class or id), never from the browser.
/// The page's stylesheet is reset inside the body (`style/main.css`), so the
/// article looks as its inline styles and WeChat's page make it. Give it
/// signals rather than making it anew on each change: the frame then keeps
/// its scroll position as the body changes. It names no region itself:
/// the page around it does.
#[component]
pub fn ArticlePreview(
    #[prop(into)] title: Signal<String>,
    #[prop(into)] author: Signal<String>,
    #[prop(into)] account_name: Signal<String>,
    /// The body, sanitised on the server (`ArticlePreviewData::html_for_display`).
    #[prop(into)]
    html: Signal<String>,
    /// The date line's date ("2026-12-01"), none while a draft is unsent.
    #[prop(optional, into)]
    date: MaybeProp<String>,
) -> impl IntoView {
    let lang = crate::ui::lang();
    let untitled = lang.pick("（无标题）", "(no title)");
    let shown_title = move || {
        let title = title.get();
        if title.trim().is_empty() {
            untitled.to_owned()
        } else {
            title
        }
    };
    let date = move || date.get().filter(|date| !date.is_empty());
    view! {
        <div class="article-preview">
            // Focusable so the article scrolls with the keyboard too.
            <div class="article-preview-page" tabindex="0">
                <h2 class="article-preview-title">{shown_title}</h2>
                <p class="article-preview-meta">
                    <Show when=move || !author.get().trim().is_empty()>
                        <span class="article-preview-author">{move || author.get()}</span>
                    </Show>
                    <span class="article-preview-account">{move || account_name.get()}</span>
                    {move || date().map(|date| view! { <span class="article-preview-date">{date}</span> })}
                </p>
                <div class="article-preview-body" inner_html=move || html.get()></div>
            </div>
        </div>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn rendered(title: &str, author: &str, html: &str) -> String {
        let owner = Owner::new();
        owner.with(|| {
            let (title, author, html) = (title.to_owned(), author.to_owned(), html.to_owned());
            view! {
                <ArticlePreview
                    title=title
                    author=author
                    account_name="qunfa 测试号".to_owned()
                    html=html
                    date="2026-12-01".to_owned()
                />
            }
            .to_html()
        })
    }

    #[test]
    fn the_preview_shows_the_title_as_text_and_the_body_as_given() {
        let page = rendered(
            "群发 <release>",
            "Ann",
            r#"<section style="color:#333"><p style="margin:1em 0">Body &amp; more</p></section>"#,
        );
        assert!(
            page.starts_with(r#"<div class="article-preview">"#),
            "{page}"
        );
        assert!(
            page.contains("群发 &lt;release&gt;"),
            "the title is text: {page}"
        );
        assert!(
            page.contains(r#"<p style="margin:1em 0">Body &amp; more</p>"#),
            "{page}"
        );
        assert!(page.contains(">Ann<"), "{page}");
        assert!(page.contains(">qunfa 测试号<"), "{page}");
        assert!(page.contains(">2026-12-01<"), "{page}");
    }

    #[test]
    fn an_untitled_article_says_so_and_shows_no_empty_author() {
        let page = rendered(" ", "", "");
        assert!(page.contains("（无标题）"), "{page}");
        assert!(!page.contains("article-preview-author"), "{page}");
    }
}
