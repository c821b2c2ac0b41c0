//! Markdown to WeChat article HTML for a 20,000-character article
//! (`benches/fixtures/article.md`: headings, paragraphs, lists, tables,
//! fourteen code blocks in Rust and Python, links to WeChat articles and
//! elsewhere, images on WeChat's server and elsewhere): everything
//! `article::render::render_markdown` does, sanitising included. The live
//! preview renders this on each keystroke; its budget is 100 ms in all.

use criterion::{Criterion, criterion_group, criterion_main};
use qunfa::article::render::{Theme, WechatImages, render_markdown, sanitize_pasted_html, warm_up};

const ARTICLE: &str = include_str!("fixtures/article.md");

fn render(c: &mut Criterion) {
    warm_up();
    let theme = Theme::default();
    let rendered = render_markdown(ARTICLE, &theme, &WechatImages);
    eprintln!(
        "article: {} characters of Markdown; {} characters a reader sees, {} bytes of HTML; {} notes, {} images dropped",
        ARTICLE.chars().count(),
        rendered.chars,
        rendered.bytes,
        rendered.footnotes.len(),
        rendered.dropped_images.len()
    );
    c.bench_function("render_markdown, 20,000-character article", |b| {
        b.iter(|| render_markdown(std::hint::black_box(ARTICLE), &theme, &WechatImages))
    });
    c.bench_function("sanitize_pasted_html, that article's HTML", |b| {
        b.iter(|| sanitize_pasted_html(std::hint::black_box(&rendered.html), &theme, &WechatImages))
    });
}

criterion_group!(benches, render);
criterion_main!(benches);
