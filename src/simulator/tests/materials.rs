//! The media library's endpoints: add_material and uploadimg with WeChat's
//! rules and codes, get_material, del_material, and the files it serves.

use reqwest::multipart::{Form, Part};

use super::*;
use crate::wechat::limits::{KB, MB};
use crate::wechat::voice::samples;

fn png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.resize(len, 7);
    bytes
}

fn jpeg(len: usize) -> Vec<u8> {
    let mut bytes = b"\xff\xd8\xff\xe0\0\x10JFIF\0".to_vec();
    bytes.resize(len, 7);
    bytes
}

fn mp4(len: usize) -> Vec<u8> {
    let mut bytes = b"\0\0\0\x20ftypisom\0\0\x02\0".to_vec();
    bytes.resize(len, 7);
    bytes
}

impl App {
    /// A multipart upload of `bytes` named `name` (and a description).
    async fn upload(
        &self,
        path: &str,
        token: &str,
        kind: Option<&str>,
        file: Option<(&str, Vec<u8>)>,
        description: Option<&str>,
    ) -> Value {
        let mut query = vec![("access_token", token)];
        if let Some(kind) = kind {
            query.push(("type", kind));
        }
        let mut form = Form::new();
        if let Some((name, bytes)) = file {
            form = form.part("media", Part::bytes(bytes).file_name(name.to_owned()));
        }
        if let Some(description) = description {
            form = form.text("description", description.to_owned());
        }
        self.http
            .post(with_query(&format!("{}{path}", self.base), &query))
            .multipart(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn add(&self, token: &str, kind: &str, name: &str, bytes: Vec<u8>) -> Value {
        self.upload(
            Endpoint::MaterialAdd.path(),
            token,
            Some(kind),
            Some((name, bytes)),
            None,
        )
        .await
    }
}

#[tokio::test]
async fn an_image_becomes_a_material_listed_first_counted_and_served_at_its_url() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let before = app
        .get(Endpoint::MaterialCount.path(), &[("access_token", &token)])
        .await;

    let added = app.add(&token, "image", "cover.png", png(2048)).await;

    assert_eq!(errcode(&added), 0, "{added}");
    let media_id = added["media_id"].as_str().unwrap();
    let url = added["url"].as_str().unwrap();
    assert_eq!(url, format!("{}/mmbiz/{media_id}", app.base));
    let page = app
        .post(
            Endpoint::MaterialBatchGet.path(),
            &token,
            &json!({"type": "image", "offset": 0, "count": 1}),
        )
        .await;
    assert_eq!(page["item"][0]["media_id"], media_id);
    assert_eq!(page["item"][0]["name"], "cover.png");
    let after = app
        .get(Endpoint::MaterialCount.path(), &[("access_token", &token)])
        .await;
    assert_eq!(
        after["image_count"],
        before["image_count"].as_u64().unwrap() + 1
    );

    // Served as it was uploaded, without a Referer or from Tencent's sites;
    // another site's page is refused, as WeChat's image hosts do.
    let served = app.http.get(url).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await.unwrap().to_vec(), png(2048));
    let tencent = app
        .http
        .get(url)
        .header("referer", "https://mp.weixin.qq.com/s/abc")
        .send()
        .await
        .unwrap();
    assert_eq!(tencent.status(), 200);
    let elsewhere = app
        .http
        .get(url)
        .header("referer", "https://console.example.com/a/main/media")
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 403);
}

#[tokio::test]
async fn each_kind_takes_its_formats_judged_by_content_and_by_name() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let cases: Vec<(&str, &str, Vec<u8>, i64)> = vec![
        ("image", "a.png", png(100), 0),
        ("image", "a.JPG", jpeg(100), 0),
        ("image", "a.gif", b"GIF89a\x01\0\x01\0...".to_vec(), 0),
        // A PNG named as a JPEG: the name lies about the content.
        ("image", "a.jpg", png(100), 40005),
        // No extension: WeChat refuses a bare name.
        ("image", "cover", png(100), 40005),
        (
            "image",
            "notes.png",
            b"just some text, not an image".to_vec(),
            40005,
        ),
        ("thumb", "t.jpg", jpeg(1000), 0),
        ("thumb", "t.png", png(1000), 40005),
        ("voice", "v.amr", samples::amr(3), 0),
        ("voice", "v.wav", samples::wav(3), 0),
        ("voice", "v.mp3", samples::mp3(3), 0),
        ("voice", "v.mp4", mp4(100), 40005),
        ("video", "c.mov", mp4(1000), 40005),
        ("music", "m.mp3", samples::mp3(3), 40004),
    ];
    for (kind, name, bytes, want) in cases {
        let answer = app.add(&token, kind, name, bytes).await;
        assert_eq!(errcode(&answer), want, "{kind} {name}: {answer}");
    }
    let video = app
        .upload(
            Endpoint::MaterialAdd.path(),
            &token,
            Some("video"),
            Some(("c.mp4", mp4(1000))),
            Some(r#"{"title":"会员日","introduction":"双倍积分"}"#),
        )
        .await;
    assert_eq!(errcode(&video), 0, "{video}");
    assert!(video.get("url").is_none(), "only images have a url");
    let no_description = app.add(&token, "video", "c.mp4", mp4(1000)).await;
    assert_eq!(errcode(&no_description), 47001);
}

#[tokio::test]
async fn each_kind_refuses_a_file_past_its_size_with_its_own_code() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let ten = 10 * MB as usize;
    let cases: Vec<(&str, &str, Vec<u8>, i64)> = vec![
        ("image", "big.png", png(ten), 0),
        ("image", "big.png", png(ten + 1), 40009),
        ("thumb", "t.jpg", jpeg(64 * KB as usize), 0),
        ("thumb", "t.jpg", jpeg(64 * KB as usize + 1), 40012),
        ("voice", "v.wav", samples::wav(20), 0),
        (
            "voice",
            "v.amr",
            {
                let mut v = samples::amr(1);
                v.resize(2 * MB as usize + 1, 0x3C);
                v
            },
            40010,
        ),
        ("video", "c.mp4", mp4(ten + 1), 40011),
    ];
    for (kind, name, bytes, want) in cases {
        let answer = app.add(&token, kind, name, bytes).await;
        assert_eq!(errcode(&answer), want, "{kind} {name}: {answer}");
    }
    let empty = app.add(&token, "image", "e.png", Vec::new()).await;
    assert_eq!(errcode(&empty), 44001);
    let nothing = app
        .upload(
            Endpoint::MaterialAdd.path(),
            &token,
            Some("image"),
            None,
            None,
        )
        .await;
    assert_eq!(errcode(&nothing), 41005);
}

#[tokio::test]
async fn a_voice_past_sixty_seconds_is_refused_as_too_long() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    for (name, bytes, want) in [
        ("ok.amr", samples::amr(59), 0),
        ("long.amr", samples::amr(61), 45007),
        ("long.mp3", samples::mp3(62), 45007),
        ("ok.mp3", samples::mp3(60), 0),
    ] {
        let answer = app.add(&token, "voice", name, bytes).await;
        assert_eq!(errcode(&answer), want, "{name}: {answer}");
    }
}

#[tokio::test]
async fn uploadimg_takes_jpeg_and_png_under_one_mb_and_serves_them() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let path = Endpoint::UploadImg.path();
    let query = [("access_token", token.as_str())];
    let count = || app.get(Endpoint::MaterialCount.path(), &query);
    let before = count().await;
    let ok = app
        .upload(
            path,
            &token,
            None,
            Some(("body.jpg", jpeg(MB as usize - 1))),
            None,
        )
        .await;
    assert_eq!(errcode(&ok), 0, "{ok}");
    let url = ok["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/mmbiz/", app.base)));
    assert_eq!(app.http.get(url).send().await.unwrap().status(), 200);
    for (name, bytes, want) in [
        ("big.jpg", jpeg(MB as usize), 40009),
        ("a.gif", b"GIF89a\x01\0\x01\0...".to_vec(), 40005),
        ("a.jpg", png(100), 40005),
    ] {
        let answer = app
            .upload(path, &token, None, Some((name, bytes)), None)
            .await;
        assert_eq!(errcode(&answer), want, "{name}: {answer}");
    }
    // Not a material: the library does not list it.
    assert_eq!(count().await, before);
}

#[tokio::test]
async fn get_material_gives_the_file_or_the_videos_json_and_delete_removes_it() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let added = app.add(&token, "voice", "hello.amr", samples::amr(2)).await;
    let media_id = added["media_id"].as_str().unwrap().to_owned();
    let get = |id: String| {
        let app = &app;
        let token = token.clone();
        async move {
            app.http
                .post(with_query(
                    &format!("{}{}", app.base, Endpoint::MaterialGet.path()),
                    &[("access_token", &token)],
                ))
                .body(json!({"media_id": id}).to_string())
                .send()
                .await
                .unwrap()
        }
    };

    let voice = get(media_id.clone()).await;
    assert_eq!(voice.headers()["content-type"], "audio/amr");
    assert_eq!(voice.bytes().await.unwrap().to_vec(), samples::amr(2));
    // A fixture image has a picture of its own.
    let fixture = get("aaa".into()).await;
    assert_eq!(fixture.headers()["content-type"], "image/bmp");
    assert!(fixture.bytes().await.unwrap().starts_with(b"BM"));
    let unknown: Value = get("nothing-here".into()).await.json().await.unwrap();
    assert_eq!(errcode(&unknown), 40007);

    let deleted = app
        .post(
            Endpoint::MaterialDelete.path(),
            &token,
            &json!({"media_id": media_id}),
        )
        .await;
    assert_eq!(errcode(&deleted), 0, "{deleted}");
    let again = app
        .post(
            Endpoint::MaterialDelete.path(),
            &token,
            &json!({"media_id": media_id}),
        )
        .await;
    assert_eq!(errcode(&again), 40007);
    let gone: Value = get(media_id).await.json().await.unwrap();
    assert_eq!(errcode(&gone), 40007);
}

#[tokio::test]
async fn a_video_reads_back_as_its_title_introduction_and_download_url() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let video = app
        .upload(
            Endpoint::MaterialAdd.path(),
            &token,
            Some("video"),
            Some(("c.mp4", mp4(4096))),
            Some(r#"{"title":"会员日","introduction":"双倍积分"}"#),
        )
        .await;
    let media_id = video["media_id"].as_str().unwrap();
    let read = app
        .post(
            Endpoint::MaterialGet.path(),
            &token,
            &json!({"media_id": media_id}),
        )
        .await;
    assert_eq!(read["title"], "会员日");
    assert_eq!(read["description"], "双倍积分");
    let down = read["down_url"].as_str().unwrap();
    assert_eq!(
        app.http
            .get(down)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .len(),
        4096
    );
    let listed = app
        .post(
            Endpoint::MaterialBatchGet.path(),
            &token,
            &json!({"type": "video", "offset": 0, "count": 20}),
        )
        .await;
    assert_eq!(listed["item"][0]["name"], "会员日");
}

#[tokio::test]
async fn one_accounts_token_cannot_read_or_delete_anothers_material() {
    let second = AccountConfig::second_builtin(SecretString::from("secondtoken42"));
    let app = spawn(test_config().with_account(second)).await;
    let token = app.token().await;
    let added = app.add(&token, "image", "mine.png", png(100)).await;
    let media_id = added["media_id"].as_str().unwrap();
    let second = app
        .get(
            Endpoint::Token.path(),
            &[
                ("grant_type", "client_credential"),
                ("appid", SECOND_BUILTIN_APPID),
                ("secret", SECOND_BUILTIN_SECRET),
            ],
        )
        .await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let read = app
        .post(
            Endpoint::MaterialGet.path(),
            &second,
            &json!({"media_id": media_id}),
        )
        .await;
    assert_eq!(errcode(&read), 40007);
    let deleted = app
        .post(
            Endpoint::MaterialDelete.path(),
            &second,
            &json!({"media_id": media_id}),
        )
        .await;
    assert_eq!(errcode(&deleted), 40007);
}
