use std::io::Write;
use std::time::Instant;

use serde_json::json;

use super::*;
use crate::wechat::api::{
    DraftAddResponse, DraftArticle, Filter, MassMessage, MaterialType, PageSize, PreviewMessage,
    PreviewRecipient,
};
use crate::wechat::limits::UploadKind;
use crate::wechat::mock::{Counted, Hit, MockWechat, Reply, closed_base, token_reply};
use crate::wechat::token::{CachedToken, MemoryTokenCache, TokenCache, TokenSource};
use crate::wechat::types::{ClientMsgId, MediaId, MsgId, OpenId, TagId};

const TAGS: Endpoint = Endpoint::TagsGet;
const SENDALL: Endpoint = Endpoint::SendAll;
const STABLE_TOKEN: Endpoint = Endpoint::StableToken;

/// Fast retries so the tests take milliseconds: pauses of 25–50 ms,
/// then 50–100 ms.
fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_secs(1),
    }
}

/// A client and what it and its token manager told their observer.
#[derive(Clone, Debug)]
struct Observed {
    client: WechatClient,
    counted: Arc<Counted>,
}

impl std::ops::Deref for Observed {
    type Target = WechatClient;

    fn deref(&self) -> &WechatClient {
        &self.client
    }
}

fn client_with(
    base: Url,
    source: TokenSource,
    cache: Arc<dyn TokenCache>,
    timeout: Duration,
) -> Observed {
    let config = ClientConfig {
        api_base: base.clone(),
        timeout,
        retry: quick_retry(),
    };
    let http = config.http_client().unwrap();
    let counted = Arc::new(Counted::default());
    let tokens = TokenManager::new(source, base, http.clone(), cache)
        .with_timeout(timeout)
        .with_observer(counted.clone());
    Observed {
        client: WechatClient::new(config, tokens, http).with_observer(counted.clone()),
        counted,
    }
}

fn client(mock: &MockWechat) -> Observed {
    client_with(
        mock.base.clone(),
        TokenSource::stable("wxA", "app-secret"),
        Arc::new(MemoryTokenCache::new()),
        Duration::from_secs(2),
    )
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn tags_ok() -> Reply {
    Reply::json(json!({"tags": [{"id": 2, "name": "星标组", "count": 3}]}))
}

fn send_request(clientmsgid: Option<&str>) -> SendAllRequest {
    let request = SendAllRequest::new(
        Filter::tag(TagId::new(2)),
        MassMessage::Text {
            content: "你好".into(),
        },
    );
    match clientmsgid {
        Some(id) => request.with_client_msg_id(ClientMsgId::parse(id).unwrap()),
        None => request,
    }
}

fn sent_ok() -> Reply {
    Reply::json(json!({"errcode": 0, "errmsg": "send job submission success", "msg_id": 34182}))
}

#[tokio::test]
async fn a_hundred_concurrent_calls_with_an_expired_token_make_one_token_request() {
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n)
            .map(|r| r.after(Duration::from_millis(100)))
            .unwrap_or_else(tags_ok)
    })
    .await;
    let expired = CachedToken::new("stale", unix_now() - 1);
    let client = client_with(
        mock.base.clone(),
        TokenSource::stable("wxA", "app-secret"),
        Arc::new(MemoryTokenCache::holding(expired)),
        Duration::from_secs(2),
    );

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let client = client.clone();
        tasks.spawn(async move { client.tags().await });
    }
    let results = tasks.join_all().await;

    assert!(results.iter().all(Result::is_ok));
    assert_eq!(mock.hits(STABLE_TOKEN.path()), 1);
    assert_eq!(client.counted.fetches(), 1);
    assert_eq!(mock.hits(TAGS.path()), 100);
    assert!(
        mock.requests(TAGS.path())
            .iter()
            .all(|h| h.token() == "tok-1")
    );
    assert_eq!(client.counted.attempts(Endpoint::TagsGet), 100);
}

#[tokio::test]
async fn one_send_is_one_sendall_call_and_a_valid_token_is_not_fetched_again() {
    let mock = MockWechat::start("", |hit, n| token_reply(hit, n).unwrap_or_else(sent_ok)).await;
    let client = client(&mock);

    let first = client.send_all(&send_request(Some("job-1"))).await.unwrap();
    assert_eq!(first.msg_id, MsgId::new(34182));
    client.send_all(&send_request(Some("job-2"))).await.unwrap();

    assert_eq!(client.counted.attempts(Endpoint::SendAll), 2);
    assert_eq!(mock.hits(SENDALL.path()), 2);
    assert_eq!(mock.hits(STABLE_TOKEN.path()), 1);
    assert_eq!(client.counted.attempts_elsewhere(Endpoint::SendAll), 0);
}

#[tokio::test]
async fn a_refused_token_is_replaced_and_the_call_repeated_once() {
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n).unwrap_or_else(|| match hit.token() {
            "tok-1" => Reply::errcode(40001),
            _ => tags_ok(),
        })
    })
    .await;
    let client = client(&mock);

    let tags = client.tags().await.unwrap();

    assert_eq!(tags.tags[0].name, "星标组");
    assert_eq!(mock.hits(STABLE_TOKEN.path()), 2);
    let calls: Vec<String> = mock
        .requests(TAGS.path())
        .iter()
        .map(|h| h.token().to_owned())
        .collect();
    assert_eq!(calls, ["tok-1", "tok-2"]);
    assert_eq!(client.counted.dropped(), 1);
}

#[tokio::test]
async fn a_second_refusal_is_returned_not_looped() {
    for code in [40001, 40014, 42001] {
        let mock = MockWechat::start("", move |hit, n| {
            token_reply(hit, n).unwrap_or_else(|| Reply::errcode(code))
        })
        .await;
        let client = client(&mock);

        let error = client.tags().await.unwrap_err();

        assert_eq!(error.code(), Some(ErrCode::from_code(code)));
        assert_eq!(mock.hits(TAGS.path()), 2, "{code}");
        assert_eq!(mock.hits(STABLE_TOKEN.path()), 2, "{code}");
    }
}

#[tokio::test]
async fn concurrent_refusals_of_the_same_token_fetch_one_new_token() {
    // Both calls go out with tok-1 and are refused together; the second
    // one's invalidate must not drop the tok-2 the first one fetched.
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n).unwrap_or_else(|| match hit.token() {
            "tok-1" => Reply::errcode(40001).after(Duration::from_millis(200)),
            _ => tags_ok(),
        })
    })
    .await;
    let client = client(&mock);
    client.tokens().get().await.unwrap();

    let (a, b) = tokio::join!(client.tags(), client.tags());

    assert!(a.is_ok() && b.is_ok());
    let tokens_used: Vec<String> = mock
        .requests(TAGS.path())
        .iter()
        .map(|h| h.token().to_owned())
        .collect();
    assert_eq!(tokens_used, ["tok-1", "tok-1", "tok-2", "tok-2"]);
    assert_eq!(mock.hits(STABLE_TOKEN.path()), 2);
    assert_eq!(client.counted.dropped(), 1);
}

#[tokio::test]
async fn a_fixed_token_refused_is_an_error_in_words() {
    let mock = MockWechat::start("", |_, _| Reply::errcode(40001)).await;
    let client = client_with(
        mock.base.clone(),
        TokenSource::fixed("outside-token"),
        Arc::new(MemoryTokenCache::new()),
        Duration::from_secs(2),
    );

    let error = client.tags().await.unwrap_err();

    assert!(matches!(error, CallError::Token(TokenError::FixedRejected)));
    assert!(error.words(Lang::En).contains("supplied from outside"));
    assert_eq!(mock.hits(TAGS.path()), 1);
    assert_eq!(mock.hits(STABLE_TOKEN.path()), 0);
}

#[tokio::test]
async fn timeouts_are_retried_with_backoff_then_reported() {
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n).unwrap_or_else(|| tags_ok().after(Duration::from_secs(3)))
    })
    .await;
    let client = client_with(
        mock.base.clone(),
        TokenSource::stable("wxA", "app-secret"),
        Arc::new(MemoryTokenCache::new()),
        Duration::from_millis(150),
    );

    let started = Instant::now();
    let error = client.tags().await.unwrap_err();

    assert!(matches!(error, CallError::Timeout), "{error:?}");
    assert!(error.outcome_unknown());
    assert_eq!(mock.hits(TAGS.path()), 3);
    // Three timeouts plus two pauses of at least 25 and 50 ms.
    assert!(started.elapsed() >= Duration::from_millis(3 * 150 + 75));
}

#[tokio::test]
async fn a_502_is_retried_with_backoff_then_reported() {
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n).unwrap_or_else(|| Reply::status(502))
    })
    .await;
    let client = client(&mock);

    let started = Instant::now();
    let error = client.tags().await.unwrap_err();

    assert!(matches!(error, CallError::Http(502)), "{error:?}");
    assert_eq!(mock.hits(TAGS.path()), 3);
    assert!(started.elapsed() >= Duration::from_millis(75));
    assert!(error.words(Lang::Zh).contains("HTTP 502"));
}

#[tokio::test]
async fn a_4xx_is_not_retried() {
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n).unwrap_or_else(|| Reply::status(404))
    })
    .await;
    let client = client(&mock);
    assert!(matches!(
        client.tags().await.unwrap_err(),
        CallError::Http(404)
    ));
    assert_eq!(mock.hits(TAGS.path()), 1);
}

#[tokio::test]
async fn system_busy_is_retried_until_it_passes() {
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n).unwrap_or(if n < 3 { Reply::errcode(-1) } else { tags_ok() })
    })
    .await;
    let client = client(&mock);

    assert!(client.tags().await.is_ok());
    assert_eq!(mock.hits(TAGS.path()), 3);
    assert_eq!(mock.hits(STABLE_TOKEN.path()), 1);
}

#[tokio::test]
async fn a_failed_send_is_repeated_with_the_identical_body() {
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n).unwrap_or(if n == 1 {
            Reply::status(503)
        } else {
            sent_ok()
        })
    })
    .await;
    let client = client(&mock);

    client.send_all(&send_request(Some("job-7"))).await.unwrap();

    let sends = mock.requests(SENDALL.path());
    assert_eq!(sends.len(), 2);
    assert_eq!(sends[0].body, sends[1].body);
    assert_eq!(sends[0].json()["clientmsgid"], "job-7");
    assert_eq!(sends[0].content_type.as_deref(), Some("application/json"));
}

#[tokio::test]
async fn a_send_that_may_have_gone_out_is_not_reported_as_refused() {
    // The first attempt fails with 503 (it may have been sent); the
    // repeat is refused for quota: the send must stay "unknown".
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n).unwrap_or(if n == 1 {
            Reply::status(503)
        } else {
            Reply::errcode(45028)
        })
    })
    .await;
    let first = client(&mock);
    let error = first
        .send_all(&send_request(Some("job-4")))
        .await
        .unwrap_err();
    assert!(matches!(error, CallError::Http(503)), "{error:?}");
    assert!(error.outcome_unknown());
    assert_eq!(mock.hits(SENDALL.path()), 2);

    // 45065 on the repeat settles it: it is returned with its msg_id.
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n).unwrap_or(if n == 1 {
            Reply::status(503)
        } else {
            Reply::json(json!({"errcode": 45065, "errmsg": "clientmsgid exist", "msg_id": 77}))
        })
    })
    .await;
    let second = client(&mock);
    let error = second
        .send_all(&send_request(Some("job-5")))
        .await
        .unwrap_err();
    let CallError::Api(api) = error else {
        panic!("{error:?}");
    };
    assert_eq!(api.msg_id, Some(MsgId::new(77)));
}

#[tokio::test]
async fn a_send_without_clientmsgid_is_never_repeated() {
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n).unwrap_or_else(|| Reply::status(503))
    })
    .await;
    let client = client(&mock);
    let error = client.send_all(&send_request(None)).await.unwrap_err();
    assert!(matches!(error, CallError::Http(503)));
    assert_eq!(mock.hits(SENDALL.path()), 1);
}

#[tokio::test]
async fn clientmsgid_answers_go_back_to_the_caller_at_once() {
    for code in [45065, 45066, 45067, 45028, 89505] {
        let mock = MockWechat::start("", move |hit, n| {
            token_reply(hit, n).unwrap_or_else(|| {
                Reply::json(json!({"errcode": code, "errmsg": "x", "msg_id": 1000001625}))
            })
        })
        .await;
        let client = client(&mock);

        let error = client
            .send_all(&send_request(Some("job-9")))
            .await
            .unwrap_err();

        let CallError::Api(api) = &error else {
            panic!("{code}: {error:?}");
        };
        assert_eq!(api.code.code(), code);
        assert_eq!(mock.hits(SENDALL.path()), 1, "{code} must not be retried");
        if code == 45065 {
            assert_eq!(api.msg_id, Some(MsgId::new(1_000_001_625)));
        }
        assert!(!error.outcome_unknown());
    }
}

#[tokio::test]
async fn api_errors_are_explained_by_their_code() {
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n).unwrap_or_else(|| Reply::errcode(45066))
    })
    .await;
    let client = client(&mock);
    let error = client
        .send_all(&send_request(Some("job-3")))
        .await
        .unwrap_err();
    let zh = error.words(Lang::Zh);
    assert!(zh.contains("相同 clientmsgid 重试速度过快") && zh.contains("45066"));
    assert!(zh.contains("1 分钟"));
    assert!(error.words(Lang::En).contains("Wait one minute"));
    assert!(!zh.contains("rid"), "errmsg is not shown for a known code");
}

#[tokio::test]
async fn a_cached_token_is_reused_after_a_restart() {
    let mock = MockWechat::start("", |hit, n| token_reply(hit, n).unwrap_or_else(tags_ok)).await;
    let cache: Arc<MemoryTokenCache> = Arc::new(MemoryTokenCache::new());
    let build = || {
        client_with(
            mock.base.clone(),
            TokenSource::stable("wxA", "app-secret"),
            cache.clone(),
            Duration::from_secs(2),
        )
    };

    build().tags().await.unwrap();
    let restarted = build();
    restarted.tags().await.unwrap();

    assert_eq!(mock.hits(STABLE_TOKEN.path()), 1);
    assert_eq!(restarted.counted.fetches(), 0);
    assert!(
        mock.requests(TAGS.path())
            .iter()
            .all(|h| h.token() == "tok-1")
    );
}

#[tokio::test]
async fn every_method_calls_its_path_with_its_body_and_the_token() {
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n).unwrap_or_else(|| {
            if hit.path == "/cgi-bin/material/get_material" {
                return Reply::file("image/jpeg", b"\xff\xd8\xff\xe0 jpeg bytes");
            }
            Reply::json(match hit.path.as_str() {
                "/cgi-bin/tags/get" => json!({"tags": []}),
                "/cgi-bin/message/mass/sendall" => json!({"errcode": 0, "msg_id": 1}),
                "/cgi-bin/message/mass/send" => {
                    json!({"errcode": 0, "errmsg": "send job submission success", "msg_id": 2})
                }
                "/cgi-bin/message/mass/preview" => {
                    json!({"errcode": 0, "errmsg": "preview success"})
                }
                "/cgi-bin/message/mass/get" => json!({"msg_id": 1, "msg_status": "SEND_SUCCESS"}),
                "/cgi-bin/message/mass/delete" => json!({"errcode": 0, "errmsg": "ok"}),
                "/cgi-bin/draft/batchget" => json!({"total_count": 0, "item_count": 0, "item": []}),
                "/cgi-bin/draft/add" => json!({"media_id": "D1"}),
                "/cgi-bin/draft/get" => json!({"news_item": [{"title": "T", "url": "U"}]}),
                "/cgi-bin/draft/update" | "/cgi-bin/draft/delete" => {
                    json!({"errcode": 0, "errmsg": "ok"})
                }
                "/cgi-bin/draft/count" => json!({"total_count": 7}),
                "/cgi-bin/material/batchget_material" => {
                    json!({"total_count": 0, "item_count": 0, "item": []})
                }
                "/cgi-bin/material/get_materialcount" => {
                    json!({"voice_count": 1, "video_count": 2, "image_count": 3, "news_count": 4})
                }
                "/cgi-bin/media/uploadvideo" => {
                    json!({"type": "video", "media_id": "V2", "created_at": 1})
                }
                "/cgi-bin/material/add_material" => json!({"media_id": "NEW1"}),
                "/cgi-bin/material/del_material" => json!({"errcode": 0, "errmsg": "ok"}),
                "/cgi-bin/media/uploadimg" => json!({"url": "http://mmbiz.qpic.cn/mmbiz_jpg/x/0"}),
                other => panic!("unexpected path {other}"),
            })
        })
    })
    .await;
    let client = client(&mock);
    let media = MediaId::parse("M1").unwrap();

    let send = send_request(Some("job-1"));
    let preview = PreviewRequest {
        to: PreviewRecipient::OpenId(OpenId::parse("oV5CrjpxgaGXNHIQigzNlgLTnwic").unwrap()),
        message: PreviewMessage::from_mass(&MassMessage::Text {
            content: "hi".into(),
        })
        .unwrap(),
    };
    let get = MassGetRequest {
        msg_id: MsgId::new(1),
    };
    let delete = MassDeleteRequest::ByMsgId {
        msg_id: MsgId::new(1),
        article_idx: None,
    };
    let drafts = DraftBatchGetRequest {
        offset: 0,
        count: PageSize::MAX,
        no_content: Some(true),
    };
    let article = DraftArticle {
        title: "T".into(),
        content: "<p>C</p>".into(),
        thumb_media_id: "aaa".into(),
        ..DraftArticle::default()
    };
    let draft = MediaId::parse("D1").unwrap();
    let materials = MaterialBatchGetRequest {
        material_type: MaterialType::Video,
        offset: 0,
        count: PageSize::new(10).unwrap(),
    };
    let video = UploadVideoRequest {
        media_id: media.clone(),
        title: "T".into(),
        description: "D".into(),
    };

    let list = MassSendRequest::new(
        vec![
            OpenId::parse("OPENID1").unwrap(),
            OpenId::parse("OPENID2").unwrap(),
        ],
        MassMessage::Text {
            content: "hello from boxer.".into(),
        },
    )
    .with_client_msg_id(ClientMsgId::parse("job-1-2").unwrap());

    client.tags().await.unwrap();
    client.send_all(&send).await.unwrap();
    assert_eq!(client.mass_send(&list).await.unwrap().msg_id, MsgId::new(2));
    // WeChat answers a preview without a msg_id.
    assert_eq!(client.preview(&preview).await.unwrap().msg_id, None);
    assert_eq!(
        client.mass_get(&get).await.unwrap().msg_status.as_str(),
        "SEND_SUCCESS"
    );
    client.mass_delete(&delete).await.unwrap();
    client.draft_batchget(&drafts).await.unwrap();
    assert_eq!(
        client
            .draft_add(std::slice::from_ref(&article))
            .await
            .unwrap(),
        DraftAddResponse {
            media_id: draft.clone()
        }
    );
    assert_eq!(
        client.draft_get(&draft).await.unwrap().news_item[0]
            .url
            .as_deref(),
        Some("U")
    );
    client.draft_update(&draft, 0, &article).await.unwrap();
    client.draft_delete(&draft).await.unwrap();
    assert_eq!(client.draft_count().await.unwrap().total_count, 7);
    client.material_batchget(&materials).await.unwrap();
    assert_eq!(client.material_count().await.unwrap().news_count, 4);
    assert_eq!(
        client.upload_video(&video).await.unwrap().media_id.as_str(),
        "V2"
    );

    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), b"\0\0\0\x20ftypisom video bytes").unwrap();
    let upload = Upload {
        path: file.path().to_owned(),
        file_name: "clip.mp4".into(),
        content_type: "video/mp4".into(),
        len: 24,
    };
    let description = VideoDescription {
        title: "会员日".into(),
        introduction: "金卡".into(),
    };
    let added = client
        .add_material(UploadKind::Video, &upload, Some(&description))
        .await
        .unwrap();
    assert_eq!(added.media_id.as_str(), "NEW1");
    assert_eq!(
        client.get_material(&media).await.unwrap(),
        MaterialBody::File {
            content_type: "image/jpeg".into(),
            bytes: b"\xff\xd8\xff\xe0 jpeg bytes".to_vec()
        }
    );
    client.delete_material(&media).await.unwrap();
    let image = Upload {
        file_name: "body.jpg".into(),
        content_type: "image/jpeg".into(),
        ..upload.clone()
    };
    assert!(
        client
            .upload_image(&image)
            .await
            .unwrap()
            .url
            .contains("mmbiz")
    );

    // The uploads: the file as `media` with its name, streamed from disk,
    // the video's description as a text field, `type` in the query.
    let added = &mock.requests(Endpoint::MaterialAdd.path())[0];
    assert_eq!(added.method, "POST");
    assert_eq!(added.token(), "tok-1");
    assert_eq!(added.query.get("type").map(String::as_str), Some("video"));
    assert_eq!(added.query.len(), 2);
    let form = String::from_utf8_lossy(&added.body);
    assert!(
        added
            .content_type
            .as_deref()
            .unwrap()
            .starts_with("multipart/form-data; boundary=")
    );
    assert!(
        form.contains(r#"name="media"; filename="clip.mp4""#),
        "{form}"
    );
    assert!(form.contains("Content-Type: video/mp4"), "{form}");
    assert!(form.contains("ftypisom video bytes"), "{form}");
    assert!(form.contains(r#"name="description""#), "{form}");
    assert!(
        form.contains(r#"{"title":"会员日","introduction":"金卡"}"#),
        "{form}"
    );
    let uploaded = &mock.requests(Endpoint::UploadImg.path())[0];
    assert_eq!(uploaded.query.len(), 1);
    let form = String::from_utf8_lossy(&uploaded.body);
    assert!(
        form.contains(r#"name="media"; filename="body.jpg""#),
        "{form}"
    );
    assert!(!form.contains("description"), "{form}");
    assert_eq!(client.counted.attempts(Endpoint::MaterialAdd), 1);
    assert_eq!(client.counted.attempts(Endpoint::UploadImg), 1);

    let id_body = serde_json::to_value(MaterialIdRequest {
        media_id: media.clone(),
    })
    .unwrap();
    let bodies: [(Endpoint, Option<serde_json::Value>); 17] = [
        // REFERENCE's and the old doc's example, written out.
        (
            Endpoint::MassSend,
            Some(
                json!({"touser": ["OPENID1", "OPENID2"], "text": {"content": "hello from boxer."},
                        "msgtype": "text", "clientmsgid": "job-1-2"}),
            ),
        ),
        (Endpoint::MaterialGet, Some(id_body.clone())),
        (Endpoint::MaterialDelete, Some(id_body)),
        (Endpoint::TagsGet, None),
        (
            Endpoint::SendAll,
            Some(serde_json::to_value(&send).unwrap()),
        ),
        (
            Endpoint::Preview,
            Some(serde_json::to_value(&preview).unwrap()),
        ),
        (Endpoint::MassGet, Some(serde_json::to_value(&get).unwrap())),
        (
            Endpoint::MassDelete,
            Some(serde_json::to_value(&delete).unwrap()),
        ),
        (
            Endpoint::DraftBatchGet,
            Some(serde_json::to_value(&drafts).unwrap()),
        ),
        (
            Endpoint::DraftAdd,
            Some(
                json!({"articles": [{"title": "T", "content": "<p>C</p>", "thumb_media_id": "aaa"}]}),
            ),
        ),
        (Endpoint::DraftGet, Some(json!({"media_id": "D1"}))),
        (
            Endpoint::DraftUpdate,
            Some(json!({"media_id": "D1", "index": 0, "articles":
                {"title": "T", "content": "<p>C</p>", "thumb_media_id": "aaa"}})),
        ),
        (Endpoint::DraftDelete, Some(json!({"media_id": "D1"}))),
        (Endpoint::DraftCount, None),
        (
            Endpoint::MaterialBatchGet,
            Some(serde_json::to_value(&materials).unwrap()),
        ),
        (Endpoint::MaterialCount, None),
        (
            Endpoint::UploadVideo,
            Some(serde_json::to_value(&video).unwrap()),
        ),
    ];
    for (endpoint, body) in bodies {
        let hits: Vec<Hit> = mock.requests(endpoint.path());
        assert_eq!(hits.len(), 1, "{endpoint}");
        assert_eq!(hits[0].method, endpoint.method().as_str(), "{endpoint}");
        assert_eq!(hits[0].token(), "tok-1", "{endpoint}");
        assert_eq!(hits[0].query.len(), 1, "only access_token: {endpoint}");
        match body {
            Some(body) => assert_eq!(hits[0].json(), body, "{endpoint}"),
            None => assert!(hits[0].body.is_empty(), "{endpoint}"),
        }
        assert_eq!(client.counted.attempts(endpoint), 1);
    }
}

#[tokio::test]
async fn draft_add_is_never_repeated_but_update_delete_and_get_are() {
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n).unwrap_or(if n == 1 {
            Reply::status(503)
        } else {
            Reply::json(json!({"errcode": 0, "errmsg": "ok", "media_id": "D1", "news_item": []}))
        })
    })
    .await;
    let client = client(&mock);
    let article = DraftArticle {
        title: "T".into(),
        content: "C".into(),
        thumb_media_id: "aaa".into(),
        ..DraftArticle::default()
    };
    let draft = MediaId::parse("D1").unwrap();

    // A repeat could make a second draft: the caller hears "unknown".
    let error = client
        .draft_add(std::slice::from_ref(&article))
        .await
        .unwrap_err();
    assert!(matches!(error, CallError::Http(503)), "{error:?}");
    assert!(error.outcome_unknown());
    assert_eq!(mock.hits(Endpoint::DraftAdd.path()), 1);

    client.draft_update(&draft, 0, &article).await.unwrap();
    client.draft_delete(&draft).await.unwrap();
    client.draft_get(&draft).await.unwrap();
    for endpoint in [
        Endpoint::DraftUpdate,
        Endpoint::DraftDelete,
        Endpoint::DraftGet,
    ] {
        let hits = mock.requests(endpoint.path());
        assert_eq!(hits.len(), 2, "{endpoint}");
        assert_eq!(hits[0].body, hits[1].body, "{endpoint}");
    }
}

#[tokio::test]
async fn draft_bodies_are_utf8_without_unicode_escapes() {
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n)
            .unwrap_or_else(|| Reply::json(json!({"errcode": 0, "errmsg": "ok", "media_id": "D1"})))
    })
    .await;
    let client = client(&mock);
    let article = DraftArticle {
        title: "春季新品发布会".into(),
        author: Some("品牌部".into()),
        digest: Some("一文看懂「三款新品」😀".into()),
        content: "<p>正文：你好，世界</p>".into(),
        thumb_media_id: "aaa".into(),
        ..DraftArticle::default()
    };
    client
        .draft_add(std::slice::from_ref(&article))
        .await
        .unwrap();
    client
        .draft_update(&MediaId::parse("D1").unwrap(), 0, &article)
        .await
        .unwrap();

    for endpoint in [Endpoint::DraftAdd, Endpoint::DraftUpdate] {
        let body = &mock.requests(endpoint.path())[0].body;
        let text = std::str::from_utf8(body).expect("a UTF-8 body");
        // WeChat stores `\uXXXX` escapes as they are written (and has
        // answered 40007 to them on update): the characters go as UTF-8.
        assert!(!text.contains("\\u"), "{endpoint}: {text}");
        for words in [
            "春季新品发布会",
            "品牌部",
            "一文看懂「三款新品」😀",
            "正文：你好，世界",
        ] {
            assert!(text.contains(words), "{endpoint}: {words} in {text}");
        }
    }
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_keeps_it() {
    let mock =
        MockWechat::start("/sim", |hit, n| token_reply(hit, n).unwrap_or_else(tags_ok)).await;
    assert_eq!(mock.base.path(), "/sim");
    let mut with_slash = mock.base.clone();
    with_slash.set_path("/sim/");

    for base in [mock.base.clone(), with_slash] {
        let client = client_with(
            base,
            TokenSource::stable("wxA", "app-secret"),
            Arc::new(MemoryTokenCache::new()),
            Duration::from_secs(2),
        );
        client.tags().await.unwrap();
    }

    // The mock answers 404 outside /sim, so these hits prove the join.
    assert_eq!(mock.hits(TAGS.path()), 2);
    assert_eq!(mock.hits(STABLE_TOKEN.path()), 2);
}

#[test]
fn api_url_joins_under_the_base_path() {
    let cases = [
        ("http://h:3000/sim", "http://h:3000/sim/cgi-bin/token"),
        ("http://h:3000/sim/", "http://h:3000/sim/cgi-bin/token"),
        ("http://h:3000/a/b", "http://h:3000/a/b/cgi-bin/token"),
        (
            "https://api.weixin.qq.com",
            "https://api.weixin.qq.com/cgi-bin/token",
        ),
        (
            "https://api.weixin.qq.com/",
            "https://api.weixin.qq.com/cgi-bin/token",
        ),
        ("http://h/sim?x=1#f", "http://h/sim/cgi-bin/token"),
    ];
    for (base, expected) in cases {
        let url = api_url(&Url::parse(base).unwrap(), "/cgi-bin/token");
        assert_eq!(url.as_str(), expected, "{base}");
    }
}

#[test]
fn backoff_doubles_is_capped_and_jittered_within_bounds() {
    let policy = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(300),
    };
    for _ in 0..200 {
        let first = policy.delay_after(1);
        assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
        let second = policy.delay_after(2);
        assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
        let capped = policy.delay_after(10);
        assert!(capped >= Duration::from_millis(150) && capped <= Duration::from_millis(300));
    }
    // A huge failure count saturates instead of overflowing.
    assert!(policy.delay_after(u32::MAX) <= policy.max_delay);
    assert_eq!(RetryPolicy::NONE.delay_after(1), Duration::ZERO);
    let defaults = RetryPolicy::default();
    assert_eq!(defaults.max_attempts, 3);
}

/// Collects everything `tracing` writes on this thread.
#[derive(Clone, Default)]
struct LogCapture(Arc<std::sync::Mutex<Vec<u8>>>);

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_error_or_log_line_contains_the_token() {
    const TOKEN: &str = "SeCrEtToKeN-0123456789";
    let logs = LogCapture::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let fixed = || TokenSource::fixed(TOKEN);
    let no_cache = || -> Arc<dyn TokenCache> { Arc::new(MemoryTokenCache::new()) };
    let mut errors: Vec<CallError> = Vec::new();

    // Nothing listens: reqwest's own text would carry the URL.
    let closed = closed_base().await;
    let client = client_with(closed, fixed(), no_cache(), Duration::from_millis(500));
    errors.push(client.tags().await.unwrap_err());

    let mock = MockWechat::start("", |hit, _| match hit.path.as_str() {
        "/cgi-bin/tags/get" => Reply::json(json!({})).after(Duration::from_secs(3)),
        "/cgi-bin/material/get_materialcount" => Reply::status(502),
        "/cgi-bin/message/mass/get" => Reply::json(json!({"msg_id": "not a number"})),
        "/cgi-bin/draft/batchget" => Reply::status(200),
        _ => Reply::errcode(40001),
    })
    .await;
    let client = client_with(
        mock.base.clone(),
        fixed(),
        no_cache(),
        Duration::from_millis(150),
    );
    errors.push(client.tags().await.unwrap_err());
    errors.push(client.material_count().await.unwrap_err());
    errors.push(
        client
            .mass_get(&MassGetRequest {
                msg_id: MsgId::new(1),
            })
            .await
            .unwrap_err(),
    );
    errors.push(
        client
            .draft_batchget(&DraftBatchGetRequest {
                offset: 0,
                count: PageSize::MAX,
                no_content: None,
            })
            .await
            .unwrap_err(),
    );
    errors.push(
        client
            .send_all(&send_request(Some("job-1")))
            .await
            .unwrap_err(),
    );

    let kinds: Vec<&str> = errors
        .iter()
        .map(|e| match e {
            CallError::Transport(_) => "transport",
            CallError::Timeout => "timeout",
            CallError::Http(_) => "http",
            CallError::Malformed(_) => "malformed",
            CallError::Token(_) => "token",
            CallError::Api(_) => "api",
            CallError::Unexpected(_) => "unexpected",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "transport",
            "timeout",
            "http",
            "malformed",
            "malformed",
            "token"
        ]
    );
    for error in &errors {
        for text in [
            error.to_string(),
            format!("{error:?}"),
            error.words(Lang::Zh),
            error.words(Lang::En),
        ] {
            assert!(!text.contains(TOKEN), "{text}");
            assert!(!text.contains("access_token="), "{text}");
        }
    }
    assert!(!format!("{client:?}").contains(TOKEN));

    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("retrying"),
        "the log was captured: {logged}"
    );
    assert!(!logged.contains(TOKEN), "{logged}");
}

#[test]
fn transient_and_unknown_outcomes_are_classified() {
    assert!(CallError::Timeout.is_transient());
    assert!(CallError::Http(503).is_transient());
    assert!(!CallError::Http(404).is_transient());
    assert!(CallError::Api(ApiError::new(-1, "busy")).is_transient());
    assert!(!CallError::Api(ApiError::new(45066, "too fast")).is_transient());
    assert!(CallError::Token(TokenError::Timeout).is_transient());
    assert!(!CallError::Token(TokenError::FixedRejected).is_transient());
    assert!(CallError::Timeout.outcome_unknown());
    assert!(!CallError::Api(ApiError::new(45065, "exists")).outcome_unknown());
    assert_eq!(
        CallError::Token(TokenError::Api(ApiError::new(40164, "ip"))).code(),
        Some(ErrCode::IpNotWhitelisted)
    );
}

#[test]
fn the_http_client_builds_with_rustls_and_timeouts() {
    let config = ClientConfig::wechat();
    assert_eq!(config.api_base.as_str(), "https://api.weixin.qq.com/");
    assert_eq!(config.connect_timeout(), Duration::from_secs(5));
    assert!(config.http_client().is_ok());
    let short = ClientConfig {
        timeout: Duration::from_secs(2),
        ..ClientConfig::wechat()
    };
    assert_eq!(short.connect_timeout(), Duration::from_secs(2));
}

fn upload_of(bytes: &[u8], name: &str) -> (tempfile::NamedTempFile, Upload) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let upload = Upload {
        path: file.path().to_owned(),
        file_name: name.into(),
        content_type: "image/png".into(),
        len: bytes.len() as u64,
    };
    (file, upload)
}

#[tokio::test]
async fn an_upload_whose_outcome_is_unknown_is_not_repeated() {
    // A 503 or a timeout may have made the material: a repeat would make
    // a second one.
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n).unwrap_or_else(|| Reply::status(503))
    })
    .await;
    let client = client(&mock);
    let (_file, upload) = upload_of(b"\x89PNG\r\n\x1a\nimage", "a.png");

    let error = client
        .add_material(UploadKind::Image, &upload, None)
        .await
        .unwrap_err();

    assert!(matches!(error, CallError::Http(503)), "{error:?}");
    assert_eq!(mock.hits(Endpoint::MaterialAdd.path()), 1);
}

#[tokio::test]
async fn an_upload_refused_as_busy_is_repeated_with_the_whole_file_again() {
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n).unwrap_or(if n == 1 {
            Reply::errcode(-1)
        } else {
            Reply::json(json!({"media_id": "IMG1", "url": "http://mmbiz.qpic.cn/x/0"}))
        })
    })
    .await;
    let client = client(&mock);
    let (_file, upload) = upload_of(b"\x89PNG\r\n\x1a\nthe whole image", "a.png");

    let added = client
        .add_material(UploadKind::Image, &upload, None)
        .await
        .unwrap();

    assert_eq!(added.media_id.as_str(), "IMG1");
    let hits = mock.requests(Endpoint::MaterialAdd.path());
    assert_eq!(hits.len(), 2);
    for hit in hits {
        assert!(
            String::from_utf8_lossy(&hit.body).contains("the whole image"),
            "each attempt sends the file from its first byte"
        );
    }
}

#[tokio::test]
async fn get_material_reads_json_as_an_error_or_a_video_and_anything_else_as_the_file() {
    let mock = MockWechat::start("", |hit, n| {
        token_reply(hit, n).unwrap_or_else(|| match hit.json()["media_id"].as_str() {
            Some("GONE") => Reply::errcode(40007),
            Some("VIDEO") => {
                Reply::json(json!({"title": "T", "description": "D", "down_url": "http://x/v"}))
            }
            Some("PLAIN") => Reply::file(
                "text/plain",
                br#"{"errcode":46001,"errmsg":"media data missing"}"#,
            ),
            _ => Reply::file("audio/amr", b"#!AMR\nvoice"),
        })
    })
    .await;
    let client = client(&mock);
    let id = |s: &str| MediaId::parse(s).unwrap();

    let gone = client.get_material(&id("GONE")).await.unwrap_err();
    assert_eq!(gone.code(), Some(ErrCode::InvalidMediaId));
    let plain = client.get_material(&id("PLAIN")).await.unwrap_err();
    assert_eq!(plain.code(), Some(ErrCode::MediaNotFound));
    let MaterialBody::Video(video) = client.get_material(&id("VIDEO")).await.unwrap() else {
        panic!("a video's JSON is a video");
    };
    assert_eq!(video.down_url, "http://x/v");
    let voice = client.get_material(&id("VOICE")).await.unwrap();
    assert_eq!(
        voice,
        MaterialBody::File {
            content_type: "audio/amr".into(),
            bytes: b"#!AMR\nvoice".to_vec()
        }
    );
}

#[tokio::test]
async fn a_file_gone_from_disk_is_an_error_in_words_not_a_call() {
    let mock = MockWechat::start("", |hit, n| token_reply(hit, n).unwrap_or_else(tags_ok)).await;
    let client = client(&mock);
    let (file, upload) = upload_of(b"x", "a.png");
    drop(file);

    let error = client.upload_image(&upload).await.unwrap_err();

    assert!(matches!(error, CallError::Unexpected(_)), "{error:?}");
    assert!(error.words(Lang::En).contains("cannot read the file"));
    assert_eq!(mock.hits(Endpoint::UploadImg.path()), 0);
}
