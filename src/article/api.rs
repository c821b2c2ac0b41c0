//! The editor's live preview: an article's body rendered on the server
//! (the renderer, its grammars and its sanitiser stay out of the browser's
//! wasm), as WeChat will get it and as the preview shows it.

use leptos::prelude::*;

use super::ArticlePreviewData;
use crate::error::AppError;

/// The body of one article of account `account`: `pasted_html` when it is
/// given and not blank (an article pasted from another editor), else
/// `markdown`. Images are kept only where they are the account's uploads.
#[server(endpoint = "preview_article")]
pub async fn preview_article(
    account: String,
    markdown: String,
    pasted_html: Option<String>,
) -> Result<ArticlePreviewData, AppError> {
    let call = crate::edge::on_account(&account).await?;
    ssr::preview(&call, markdown, pasted_html).await
}

#[cfg(feature = "ssr")]
pub use ssr::{AccountImages, account_images, for_display, render_body};

#[cfg(feature = "ssr")]
mod ssr {
    use std::collections::{HashMap, HashSet};
    use std::sync::{Arc, LazyLock};

    use crate::article::ArticlePreviewData;
    use crate::article::render::{
        ImagePolicy, Rendered, Theme, WechatImages, display_images, render_markdown,
        sanitize_pasted_html,
    };
    use crate::edge::AccountCall;
    use crate::error::AppError;
    use crate::shell::state::AccountState;

    /// The one theme there is for now.
    static THEME: LazyLock<Theme> = LazyLock::new(Theme::default);

    /// An account's images among those an article shows: which it may use
    /// (its own uploads) and where qunfa serves its copy of each.
    #[derive(Clone, Debug, Default)]
    pub struct AccountImages {
        pub allowed: HashSet<String>,
        /// WeChat's address → qunfa's (`/a/<account>/media/image/<id>`).
        pub display: HashMap<String, String>,
    }

    impl ImagePolicy for AccountImages {
        fn allows(&self, src: &str) -> bool {
            self.allowed.contains(src)
        }
    }

    /// Which of `srcs` (the images an article shows) are this account's
    /// uploads (`media/uploadimg`, kept by the media library), and their
    /// copies in qunfa.
    pub async fn account_images(
        app: &AccountState,
        srcs: Vec<String>,
    ) -> Result<AccountImages, AppError> {
        let (db, account_id) = (&app.db, app.account.id);
        let mut images = AccountImages::default();
        for src in srcs {
            if crate::media::store::is_uploaded_image(db, account_id, &src).await {
                if let Some(display) =
                    crate::media::store::display_url_for(db, account_id, &src).await
                {
                    images.display.insert(src.clone(), display);
                }
                images.allowed.insert(src);
            }
        }
        Ok(images)
    }

    /// An article's body rendered for `call`'s account: `pasted_html` when
    /// given and not blank, else `markdown`. Returns the rendering and the
    /// account's images in it. The drafts' save uses it too, so what is
    /// saved is what was previewed.
    pub async fn render_body(
        call: &AccountCall,
        markdown: String,
        pasted_html: Option<String>,
    ) -> Result<(Rendered, AccountImages), AppError> {
        let source = Arc::new(match pasted_html {
            Some(html) if !html.trim().is_empty() => Source::Pasted(html),
            _ => Source::Markdown(markdown),
        });
        // First against WeChat's image server only: no other image can be
        // the account's, so the store is asked only about those left.
        let first = render(source.clone(), Arc::new(WechatImages)).await?;
        let kept = image_sources(&first.html);
        // The uploads' addresses are asked about too: an upload may be
        // served from elsewhere than WeChat's image server (the built-in
        // simulator serves its own).
        let mut srcs = kept.clone();
        for src in &first.dropped_images {
            if !srcs.contains(src) {
                srcs.push(src.clone());
            }
        }
        let images = account_images(&call.app, srcs.clone()).await?;
        let rendered = if kept.len() == images.allowed.len()
            && kept.iter().all(|src| images.allowed.contains(src))
        {
            first
        } else {
            // Its own list of the images left out: every one not allowed.
            render(source, Arc::new(images.clone())).await?
        };
        Ok((rendered, images))
    }

    enum Source {
        Markdown(String),
        Pasted(String),
    }

    /// Rendering is CPU work of a few milliseconds for a long article: it
    /// runs beside the server's tasks, not in one of them.
    async fn render(
        source: Arc<Source>,
        images: Arc<dyn ImagePolicy + Send + Sync>,
    ) -> Result<Rendered, AppError> {
        tokio::task::spawn_blocking(move || match &*source {
            Source::Markdown(markdown) => render_markdown(markdown, &THEME, &*images),
            Source::Pasted(html) => sanitize_pasted_html(html, &THEME, &*images),
        })
        .await
        .map_err(AppError::unexpected)
    }

    /// The `src` of every image in rendered HTML, each once.
    fn image_sources(html: &str) -> Vec<String> {
        let mut srcs: Vec<String> = Vec::new();
        crate::article::render::image_sources(html, |src| {
            if !srcs.iter().any(|known| known == src) {
                srcs.push(src.to_owned());
            }
        });
        srcs
    }

    /// An article's HTML as WeChat holds it (a send's copy, a draft made in
    /// the WeChat console), made safe to show in a page: sanitised under
    /// the same rules as pasted HTML, each of the account's uploaded images
    /// shown from qunfa's copy. Other images are left out (WeChat's image
    /// server refuses other sites' pages) and counted in the answer.
    pub async fn for_display(
        app: &AccountState,
        html: String,
    ) -> Result<(String, usize), AppError> {
        // The images are read from the HTML once it is in ammonia's shape
        // (the first pass keeps WeChat's image server's; the rest are in its
        // dropped list), not from WeChat's HTML as it came.
        let source = Arc::new(Source::Pasted(html));
        let first = render(source.clone(), Arc::new(WechatImages)).await?;
        let mut srcs = image_sources(&first.html);
        for src in first.dropped_images {
            if !srcs.contains(&src) {
                srcs.push(src);
            }
        }
        let mut images = account_images(app, srcs).await?;
        images
            .allowed
            .retain(|src| images.display.contains_key(src));
        let images = Arc::new(images);
        let shown = images.clone();
        let rendered = render(source, images).await?;
        let html = display_images(&rendered.html, &|src| shown.display.get(src).cloned());
        Ok((html, rendered.dropped_images.len()))
    }

    pub(super) async fn preview(
        call: &AccountCall,
        markdown: String,
        pasted_html: Option<String>,
    ) -> Result<ArticlePreviewData, AppError> {
        let (rendered, images) = render_body(call, markdown, pasted_html).await?;
        let html_for_display =
            display_images(&rendered.html, &|src| images.display.get(src).cloned());
        Ok(ArticlePreviewData {
            html_for_display,
            chars: rendered.chars,
            bytes: rendered.bytes,
            dropped_images: rendered.dropped_images,
            footnotes: rendered.footnotes,
        })
    }
}
