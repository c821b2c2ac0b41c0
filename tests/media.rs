//! The media library against the real server and its built-in simulator:
//! uploads checked before they leave (each kind within and beyond its
//! limits, a name that lies), the thumbnail offer, the same file again,
//! deletion with what it breaks, the editor's body images, and an editor
//! of another account, who gets 404 everywhere.

use crate::common;

use common::{TestApp, signed_in};
use qunfa::media::{LibraryPage, UploadAnswer, Usage};
use qunfa::wechat::Endpoint;
use qunfa::wechat::voice::samples;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 90]))
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// A noisy JPEG, which does not compress: about `width × height` bytes.
fn noisy_jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    let image = image::RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [r, g, b, _] = state.to_le_bytes();
        image::Rgb([r, g, b])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

fn mp4(len: usize) -> Vec<u8> {
    let mut bytes = b"\0\0\0\x20ftypisom\0\0\x02\0".to_vec();
    bytes.resize(len, 7);
    bytes
}

/// An upload case: kind, file name, bytes, more fields, and what it
/// comes to (the tab it is listed on, or the words of its refusal).
type Case = (
    &'static str,
    &'static str,
    Vec<u8>,
    Vec<(&'static str, &'static str)>,
    &'static str,
);

fn adds(app: &TestApp) -> u64 {
    app.state
        .simulator
        .as_ref()
        .unwrap()
        .counters()
        .calls_to(Endpoint::MaterialAdd)
}

/// Posts one file as the page's script does (JSON back), in English.
async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
    extra: &[(&str, &str)],
) -> (StatusCode, UploadAnswer) {
    let mut form = Form::new().text("kind", kind.to_owned());
    for (field, value) in extra {
        form = form.text(field.to_string(), value.to_string());
    }
    form = form.part("file", Part::bytes(bytes).file_name(name.to_owned()));
    let response = client
        .post(app.url("/a/main/media/upload"))
        .header("Accept", "application/json")
        .header("Accept-Language", "en")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let answer = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: {text}"));
    (status, answer)
}

async fn list(app: &TestApp, client: &reqwest::Client, kind: &str, search: &str) -> LibraryPage {
    let answer: Result<LibraryPage, String> = app
        .call(
            client,
            "list_media",
            &[
                ("account", "main"),
                ("kind", kind),
                ("search", search),
                ("offset", "0"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    answer.unwrap()
}

#[tokio::test]
async fn each_kind_within_its_limits_is_uploaded_and_listed_with_its_size() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let cases: Vec<Case> = vec![
        ("image", "cover.png", png(64, 48), vec![], "image"),
        ("thumb", "small.jpg", noisy_jpeg(40, 40), vec![], "image"),
        ("voice", "hello.wav", samples::wav(59), vec![], "voice"),
        ("voice", "hi.amr", samples::amr(3), vec![], "voice"),
        (
            "video",
            "clip.mp4",
            mp4(10 * 1024 * 1024),
            vec![("title", "会员日"), ("introduction", "双倍积分")],
            "video",
        ),
    ];
    for (kind, name, bytes, extra, tab) in cases {
        let size = bytes.len() as u64;
        let (status, answer) = upload(&app, &admin, kind, name, bytes, &extra).await;
        assert_eq!(status, StatusCode::OK, "{kind} {name}: {answer:?}");
        let media_id = answer.media_id.unwrap();
        let page = list(&app, &admin, tab, "").await;
        let item = page
            .items
            .iter()
            .find(|i| i.media_id == media_id)
            .unwrap_or_else(|| panic!("{name} listed: {page:?}"));
        assert_eq!(item.size, Some(size), "{name}");
    }
    let images = list(&app, &admin, "image", "cover").await;
    assert_eq!(images.items.len(), 1);
    assert_eq!(images.items[0].width, Some(64));
    let videos = list(&app, &admin, "video", "").await;
    assert_eq!(videos.items[0].name, "会员日");
    let voices = list(&app, &admin, "voice", "hello").await;
    assert_eq!(voices.items[0].duration_ms, Some(59_000));
}

#[tokio::test]
async fn each_kind_beyond_its_limits_is_refused_in_words_before_wechat_is_called() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let mut big_png = png(8, 8);
    big_png.resize(10 * 1024 * 1024 + 1, 0);
    let mut big_wav = samples::wav(1);
    big_wav.resize(2 * 1024 * 1024 + 1, 0);
    let cases: Vec<Case> = vec![
        (
            "image",
            "big.png",
            big_png,
            vec![],
            "An image may be at most 10 MB; this file is 10.1 MB.",
        ),
        (
            "voice",
            "long.amr",
            samples::amr(61),
            vec![],
            "A voice may last at most 60 seconds; this one lasts 61.",
        ),
        (
            "voice",
            "big.wav",
            big_wav,
            vec![],
            "A voice may be at most 2 MB",
        ),
        (
            "video",
            "clip.mp4",
            mp4(10 * 1024 * 1024 + 1),
            vec![("title", "t")],
            "A video may be at most 10 MB",
        ),
        (
            "video",
            "clip.mp4",
            mp4(1000),
            vec![],
            "A video needs a title.",
        ),
        (
            "thumb",
            "cover.png",
            png(8, 8),
            vec![],
            "A thumbnail (cover) must be JPEG; this file is PNG.",
        ),
        (
            "image",
            "notes.png",
            b"just text".to_vec(),
            vec![],
            "not one WeChat takes",
        ),
        (
            "image",
            "empty.png",
            Vec::new(),
            vec![],
            "The file is empty.",
        ),
    ];
    for (kind, name, bytes, extra, words) in cases {
        let (status, answer) = upload(&app, &admin, kind, name, bytes, &extra).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{kind} {name}");
        assert!(
            answer.message.contains(words),
            "{kind} {name}: {}",
            answer.message
        );
        assert!(answer.media_id.is_none());
    }
    assert_eq!(adds(&app), 0, "nothing reached WeChat");
}

#[tokio::test]
async fn a_file_whose_name_lies_about_its_type_is_refused_naming_both() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let (status, answer) = upload(&app, &admin, "image", "photo.jpg", png(8, 8), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer.message,
        "The name says JPEG but the content is PNG: rename it to .png and upload again."
    );
    let (_, bare) = upload(&app, &admin, "image", "photo", png(8, 8), &[]).await;
    assert!(
        bare.message.contains("needs an extension"),
        "{}",
        bare.message
    );
    assert_eq!(adds(&app), 0);
}

#[tokio::test]
async fn a_cover_too_large_for_a_thumbnail_is_offered_scaled_down_never_changed_silently() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let cover = noisy_jpeg(400, 300);
    let kb = (cover.len() as u64).div_ceil(1024);
    assert!(kb > 64);

    let (status, offer) = upload(&app, &admin, "thumb", "cover.jpg", cover.clone(), &[]).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(offer.offer_scale_down);
    assert_eq!(
        offer.message,
        format!("Too large for a thumbnail ({kb} KB > 64 KB); upload a scaled-down copy?")
    );
    assert_eq!(adds(&app), 0, "nothing uploaded before the editor says yes");

    let (status, accepted) = upload(
        &app,
        &admin,
        "thumb",
        "cover.jpg",
        cover,
        &[("scale_down", "yes")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{accepted:?}");
    assert_eq!(adds(&app), 1);
    let page = list(&app, &admin, "image", "").await;
    let item = page
        .items
        .iter()
        .find(|i| Some(&i.media_id) == accepted.media_id.as_ref())
        .unwrap();
    assert!(item.size.unwrap() <= 64 * 1024, "{item:?}");
}

#[tokio::test]
async fn the_same_file_again_gives_the_existing_material() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let (_, first) = upload(&app, &admin, "image", "a.png", png(20, 20), &[]).await;
    let (status, again) = upload(&app, &admin, "image", "copy of a.png", png(20, 20), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(again.existing);
    assert_eq!(again.media_id, first.media_id);
    assert_eq!(
        again.message,
        "This file is in the library already as “a.png”; it was not uploaded again."
    );
    assert_eq!(adds(&app), 1);
}

#[tokio::test]
async fn deleting_names_the_sends_that_use_it_then_removes_it() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let (_, added) = upload(&app, &admin, "image", "poster.png", png(30, 30), &[]).await;
    let media_id = added.media_id.unwrap();
    let sent = common::send(
        &app,
        &admin,
        &common::form("qf-media-1", "image", &[("image_media_ids", &media_id)]),
    )
    .await;
    let usage: Usage = app
        .call(
            &admin,
            "media_usage",
            &[("account", "main"), ("media_id", &media_id)],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(usage.name, "poster.png");
    assert_eq!(usage.sends.len(), 1);
    assert_eq!(usage.sends[0].0, sent.id);
    assert!(usage.drafts.is_empty());

    let deleted: Result<(), String> = app
        .call(
            &admin,
            "delete_media",
            &[
                ("account", "main"),
                ("media_id", &media_id),
                ("kind", "image"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(deleted, Ok(()));
    let page = list(&app, &admin, "image", "").await;
    assert!(page.items.iter().all(|i| i.media_id != media_id));
    // Gone at WeChat already: deleting again is no error.
    let again: Result<(), String> = app
        .call(
            &admin,
            "delete_media",
            &[("account", "main"), ("media_id", &media_id)],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, Ok(()));
}

#[tokio::test]
async fn a_plain_form_upload_goes_back_to_the_library_with_its_outcome() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let post = |bytes: Vec<u8>, name: &str| {
        let form = Form::new()
            .text("kind", "image")
            .part("file", Part::bytes(bytes).file_name(name.to_owned()));
        admin
            .post(app.url("/a/main/media/upload"))
            .header("Accept", "text/html")
            .multipart(form)
            .send()
    };
    let ok = post(png(10, 10), "a.png").await.unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let to = ok.headers()["location"].to_str().unwrap();
    assert!(to.starts_with("/a/main/media?kind=image&uploaded="), "{to}");
    let refused = post(png(10, 10), "a.gif").await.unwrap();
    let to = refused.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to.contains("refused=%7B%22why%22%3A%22name_lies%22"),
        "{to}"
    );
    let page = admin
        .get(app.url(&to))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("The name says GIF but the content is PNG"),
        "{html}"
    );
}

#[tokio::test]
async fn a_pickers_plain_upload_goes_back_to_the_picker_and_never_to_another_site() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let post = |bytes: Vec<u8>, return_to: &str| {
        let form = Form::new()
            .text("kind", "image")
            .text("return_to", return_to.to_owned())
            .part("file", Part::bytes(bytes).file_name("picked.png"));
        admin
            .post(app.url("/a/main/media/upload"))
            .header("Accept", "text/html")
            .multipart(form)
            .send()
    };
    let picker = "/a/main/compose/pick/image?attempt=qf-pick-1";
    let back = post(png(9, 9), picker).await.unwrap();
    let to = back.headers()["location"].to_str().unwrap();
    assert!(to.starts_with(&format!("{picker}&uploaded=")), "{to}");
    assert!(to.contains("&uploaded_name=picked.png"), "{to}");
    for elsewhere in [
        "https://evil.example/a/main/compose/pick/",
        "//evil.example/x",
        "/a/sim-2/compose/pick/image",
    ] {
        let answer = post(png(9, 10), elsewhere).await.unwrap();
        let to = answer.headers()["location"].to_str().unwrap();
        assert!(to.starts_with("/a/main/media?"), "{elsewhere}: {to}");
    }
}

#[tokio::test]
async fn a_body_image_is_uploaded_kept_and_shown_from_qunfa() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let send = |bytes: Vec<u8>, name: &str| {
        admin
            .post(app.url("/a/main/media/uploadimg"))
            .header("Accept-Language", "en")
            .multipart(Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned())))
            .send()
    };
    let jpeg = noisy_jpeg(60, 40);
    let answer: Value = send(jpeg.clone(), "body.jpg")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = answer["url"].as_str().unwrap().to_owned();
    let display = answer["display_url"].as_str().unwrap().to_owned();
    assert!(display.starts_with("/a/main/media/image/"), "{display}");
    let copy = admin.get(app.url(&display)).send().await.unwrap();
    assert_eq!(copy.headers()["content-type"], "image/jpeg");
    assert_eq!(copy.bytes().await.unwrap().to_vec(), jpeg);
    let db = &app.state.db;
    assert!(qunfa::media::store::is_uploaded_image(db, 1, &url).await);
    assert!(!qunfa::media::store::is_uploaded_image(db, 2, &url).await);
    assert_eq!(
        qunfa::media::store::display_url_for(db, 1, &url).await,
        Some(display)
    );
    assert!(!qunfa::media::store::is_uploaded_image(db, 1, "http://mmbiz.qpic.cn/other").await);

    let too_large = send(noisy_jpeg(1200, 1000), "big.jpg").await.unwrap();
    assert_eq!(too_large.status(), StatusCode::BAD_REQUEST);
    let problem: Value = too_large.json().await.unwrap();
    assert!(
        problem["problem"]
            .as_str()
            .unwrap()
            .starts_with("An image in an article must be under 1 MB"),
        "{problem}"
    );
    let gif = send(b"GIF89a\x01\0\x01\0\0\0\0;".to_vec(), "a.gif")
        .await
        .unwrap();
    let problem: Value = gif.json().await.unwrap();
    assert_eq!(
        problem["problem"],
        "An image in an article must be JPEG or PNG; this one is GIF."
    );
}

#[tokio::test]
async fn a_material_made_elsewhere_gets_its_thumbnail_fetched_once() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let gets = || {
        app.state
            .simulator
            .as_ref()
            .unwrap()
            .counters()
            .calls_to(Endpoint::MaterialGet)
    };
    for _ in 0..2 {
        let thumb = admin
            .get(app.url("/a/main/media/thumb/aaa"))
            .send()
            .await
            .unwrap();
        assert_eq!(thumb.status(), StatusCode::OK);
        assert_eq!(thumb.headers()["content-type"], "image/jpeg");
        assert!(thumb.bytes().await.unwrap().starts_with(b"\xff\xd8\xff"));
    }
    assert_eq!(gets(), 1);
}

#[tokio::test]
async fn an_editor_of_another_account_gets_404_on_every_media_route() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let (_, added) = upload(&app, &admin, "image", "a.png", png(10, 10), &[]).await;
    let media_id = added.media_id.unwrap();
    app.call(
        &admin,
        "add_user",
        &[
            ("username", "ed"),
            ("password", "editor-password-1"),
            ("role", "editor"),
        ],
    )
    .await;
    common::grant(&app, &admin, "ed", "main", false).await;
    common::grant(&app, &admin, "ed", "sim-2", true).await;
    let editor = app.client();
    app.log_in(&editor, "ed", "editor-password-1").await;

    for account in ["main", "no-such-account"] {
        let form = || {
            Form::new()
                .text("kind", "image")
                .part("file", Part::bytes(png(4, 4)).file_name("x.png"))
        };
        for path in ["upload", "uploadimg"] {
            let answer = editor
                .post(app.url(&format!("/a/{account}/media/{path}")))
                .multipart(form())
                .send()
                .await
                .unwrap();
            assert_eq!(
                answer.status(),
                StatusCode::NOT_FOUND,
                "{path} on {account}"
            );
        }
        for path in [format!("thumb/{media_id}"), "image/1".to_owned()] {
            let answer = editor
                .get(app.url(&format!("/a/{account}/media/{path}")))
                .send()
                .await
                .unwrap();
            assert_eq!(
                answer.status(),
                StatusCode::NOT_FOUND,
                "{path} on {account}"
            );
        }
    }
    assert_eq!(adds(&app), 1, "only the admin's upload reached WeChat");
    // Its own account works.
    let own = editor
        .post(app.url("/a/sim-2/media/upload"))
        .header("Accept", "application/json")
        .multipart(
            Form::new()
                .text("kind", "image")
                .part("file", Part::bytes(png(4, 4)).file_name("x.png")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_deletion_wechat_refuses_is_said_in_words_on_the_confirmation() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let (_, added) = upload(&app, &admin, "image", "menu.png", png(20, 20), &[]).await;
    let media_id = added.media_id.unwrap();
    app.state
        .simulator
        .as_ref()
        .unwrap()
        .queue_scenario(
            Endpoint::MaterialDelete,
            qunfa::simulator::Scenario::parse("errcode(48005)").unwrap(),
        )
        .unwrap();
    // The confirmation is a plain form: the answer is a redirect back to it.
    let answer = admin
        .post(app.url("/api/delete_media"))
        .header("Accept", "text/html")
        .header("Referer", app.url("/a/main/media?kind=image"))
        .form(&[
            ("account", "main"),
            ("media_id", media_id.as_str()),
            ("kind", "image"),
        ])
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_redirection(), "{}", answer.status());
    let back = common::location(&answer);
    let page = admin
        .get(app.url(&back))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Nothing was deleted"), "{back}");
    assert!(
        page.contains("The material is used by an auto-reply or the menu and cannot be deleted"),
        "WeChat's refusal in words"
    );
    let listed = list(&app, &admin, "image", "").await;
    assert!(
        listed.items.iter().any(|i| i.media_id == media_id),
        "still there"
    );
}
