use super::*;
use crate::wechat::errcode::ErrCode;
use serde_json::{Value, json};

#[test]
fn a_45065_answer_carries_the_existing_msg_id_however_it_is_spelled() {
    for body in [
        r#"{"errcode":45065,"errmsg":"clientmsgid exist","msg_id":1000001625}"#,
        r#"{"errcode":45065,"errmsg":"clientmsgid exist","msg_id":"1000001625"}"#,
        r#"{"errcode":45065,"errmsg":"clientmsgid exist","msgid":1000001625}"#,
        r#"{"errcode":45065,"errmsg":"clientmsgid exist","msgid":"1000001625"}"#,
    ] {
        let Envelope::<SendAllResponse>(Err(api)) = serde_json::from_str(body).unwrap() else {
            panic!("not an error: {body}");
        };
        assert_eq!(api.code, ErrCode::ClientMsgIdExists, "{body}");
        assert_eq!(api.msg_id, Some(MsgId::new(1_000_001_625)), "{body}");
    }
    let Envelope::<SendAllResponse>(Err(api)) =
        serde_json::from_str(r#"{"errcode":45065,"errmsg":"clientmsgid exist"}"#).unwrap()
    else {
        panic!("not an error");
    };
    assert_eq!(api.msg_id, None);
}

const SEED_REQUESTS: [(&str, MsgType); 6] = [
    (
        include_str!("../fixtures/sendall_mpnews.json"),
        MsgType::MpNews,
    ),
    (include_str!("../fixtures/sendall_text.json"), MsgType::Text),
    (
        include_str!("../fixtures/sendall_voice.json"),
        MsgType::Voice,
    ),
    (
        include_str!("../fixtures/sendall_image.json"),
        MsgType::Image,
    ),
    (
        include_str!("../fixtures/sendall_mpvideo.json"),
        MsgType::MpVideo,
    ),
    (
        include_str!("../fixtures/sendall_wxcard.json"),
        MsgType::WxCard,
    ),
];
const SEED_RESPONSE: &str = include_str!("../fixtures/sendall_response.json");

#[test]
fn the_six_seed_examples_read_and_write_back_the_same_json() {
    for (text, msg_type) in SEED_REQUESTS {
        let original: Value = serde_json::from_str(text).unwrap();
        let request: SendAllRequest = serde_json::from_str(text).unwrap();
        assert_eq!(request.message.msg_type(), msg_type);
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            original,
            "{msg_type}"
        );
    }
}

#[test]
fn the_seed_examples_carry_their_fields() {
    let mpnews: SendAllRequest = serde_json::from_str(SEED_REQUESTS[0].0).unwrap();
    assert_eq!(mpnews.filter.tag_id(), Some(TagId::new(2)));
    assert!(!mpnews.filter.is_to_all());
    assert_eq!(mpnews.send_ignore_reprint, Some(false));
    let image: SendAllRequest = serde_json::from_str(SEED_REQUESTS[3].0).unwrap();
    let MassMessage::Image(images) = image.message else {
        panic!("not an image send");
    };
    assert_eq!(images.media_ids.len(), 3);
    assert_eq!(images.title.as_deref(), Some("yyy"));
    assert_eq!(images.recommend.as_deref(), Some("xxx"));
    assert_eq!(images.need_open_comment, Some(true));
    assert_eq!(images.only_fans_can_comment, Some(false));
    let wxcard: SendAllRequest = serde_json::from_str(SEED_REQUESTS[5].0).unwrap();
    assert_eq!(wxcard.filter.tag_id(), Some(TagId::new(2)));
}

#[test]
fn a_built_request_serialises_as_wechat_expects() {
    let request = SendAllRequest::new(
        Filter::everyone(),
        MassMessage::MpNews {
            media_id: MediaId::parse("m1").unwrap(),
        },
    )
    .with_send_ignore_reprint(true)
    .with_client_msg_id(ClientMsgId::parse("send-42").unwrap());
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({
            "filter": {"is_to_all": true},
            "mpnews": {"media_id": "m1"},
            "msgtype": "mpnews",
            "send_ignore_reprint": 1,
            "clientmsgid": "send-42"
        })
    );
    let to_tag = SendAllRequest::new(
        Filter::tag(TagId::new(100)),
        MassMessage::Text {
            content: "你好".into(),
        },
    );
    assert_eq!(
        serde_json::to_value(&to_tag).unwrap(),
        json!({"filter": {"is_to_all": false, "tag_id": 100}, "text": {"content": "你好"}, "msgtype": "text"})
    );
}

#[test]
fn bodies_that_do_not_match_their_msgtype_are_refused() {
    let cases = [
        json!({"filter": {"is_to_all": true}, "msgtype": "video", "mpvideo": {"media_id": "m"}}),
        json!({"filter": {"is_to_all": true}, "msgtype": "mpnews"}),
        json!({"filter": {"is_to_all": true}, "msgtype": "image", "image": {"media_id": "m"}}),
        json!({"filter": {"is_to_all": true}, "msgtype": "image", "images": {"media_ids": []}}),
        json!({"filter": {"is_to_all": true}, "msgtype": "text", "text": {"content": "a"}, "voice": {"media_id": "m"}}),
        json!({"filter": {"is_to_all": false}, "msgtype": "text", "text": {"content": "a"}}),
        json!({"filter": {}, "msgtype": "text", "text": {"content": "a"}}),
        json!({"filter": {"is_to_all": true}, "msgtype": "text", "text": {"content": "a"}, "clientmsgid": "x".repeat(33)}),
        json!({"filter": {"is_to_all": false, "tag_id": "two"}, "msgtype": "text", "text": {"content": "a"}}),
        json!({"filter": {"is_to_all": true}, "msgtype": "voice", "voice": {"media_id": ""}}),
    ];
    for case in cases {
        assert!(
            serde_json::from_value::<SendAllRequest>(case.clone()).is_err(),
            "{case}"
        );
    }
}

#[test]
fn the_filter_reads_loose_forms() {
    let f: Filter = serde_json::from_value(json!({"is_to_all": "true"})).unwrap();
    assert!(f.is_to_all());
    let f: Filter = serde_json::from_value(json!({"is_to_all": true, "tag_id": ""})).unwrap();
    assert_eq!(f.tag_id(), None);
    let f: Filter = serde_json::from_value(json!({"tag_id": 5})).unwrap();
    assert_eq!(f.tag_id(), Some(TagId::new(5)));
    assert!(!f.is_to_all());
    let quoted: Filter =
        serde_json::from_value(json!({"is_to_all": false, "tag_id": "5"})).unwrap();
    assert_eq!(quoted, Filter::tag(TagId::new(5)));
    assert_eq!(serde_json::to_value(&quoted).unwrap()["tag_id"], json!("5"));
}

#[test]
fn the_seed_response_reads_as_a_submitted_send() {
    let r: SendAllResponse = decode(SEED_RESPONSE.as_bytes()).unwrap();
    assert_eq!(r.msg_id, MsgId::new(34182));
    assert_eq!(r.msg_data_id, Some(MsgDataId::new(206_227_730)));
    assert_eq!(r.errmsg.as_deref(), Some("send job submission success"));
}

#[test]
fn a_45065_error_keeps_the_existing_msg_id() {
    let body =
        br#"{"errcode":45065,"errmsg":"clientmsgid exist rid: 1-2-3","msg_id":"3147483648"}"#;
    let Err(DecodeError::Api(e)) = decode::<SendAllResponse>(body) else {
        panic!("expected an API error");
    };
    assert_eq!(e.code, ErrCode::ClientMsgIdExists);
    assert_eq!(e.msg_id, Some(MsgId::new(3_147_483_648)));
}

#[test]
fn the_envelope_tells_errors_from_success_and_from_garbage() {
    let err: Envelope<TagsResponse> =
        serde_json::from_str(r#"{"errcode":"40164","errmsg":"invalid ip 1.2.3.4"}"#).unwrap();
    assert_eq!(
        err.into_result().unwrap_err().code,
        ErrCode::IpNotWhitelisted
    );
    let ok: TagsResponse = decode(
        br#"{"tags":[{"id":2,"name":"\u661f\u6807\u7ec4","count":0},{"id":127,"name":"VIP","count":5}]}"#,
    )
    .unwrap();
    assert_eq!(ok.tags[1].id, TagId::new(127));
    assert_eq!(ok.tags[0].name, "星标组");
    let zero: Ack = decode(br#"{"errcode":0,"errmsg":"ok"}"#).unwrap();
    assert_eq!(zero.errmsg.as_deref(), Some("ok"));
    assert!(matches!(
        decode::<SendAllResponse>(b"<html>bad gateway</html>"),
        Err(DecodeError::Malformed(_))
    ));
    assert!(matches!(
        decode::<SendAllResponse>(br#"{"errcode":0}"#),
        Err(DecodeError::Malformed(_))
    ));
    assert!(matches!(
        decode::<SendAllResponse>(br#"{"errcode":[1]}"#),
        Err(DecodeError::Malformed(_))
    ));
}

#[test]
fn the_envelope_writes_what_the_simulator_answers() {
    let ok = Envelope(Ok(SendAllResponse {
        errmsg: None,
        msg_id: MsgId::new(7),
        msg_data_id: None,
    }));
    assert_eq!(
        serde_json::to_value(&ok).unwrap(),
        json!({"errcode": 0, "msg_id": 7})
    );
    let mut e = ApiError::new(45065, "clientmsgid exist");
    e.msg_id = Some(MsgId::new(9));
    let err: Envelope<SendAllResponse> = Envelope(Err(e.clone()));
    let v = serde_json::to_value(&err).unwrap();
    assert_eq!(
        v,
        json!({"errcode": 45065, "errmsg": "clientmsgid exist", "msg_id": 9})
    );
    let back: Envelope<SendAllResponse> = serde_json::from_value(v).unwrap();
    assert_eq!(back.into_result(), Err(e));
}

#[test]
fn preview_images_use_a_single_image_media_id() {
    let images = MassMessage::Image(Images::new(vec![
        MediaId::parse("a").unwrap(),
        MediaId::parse("b").unwrap(),
    ]));
    let request = PreviewRequest {
        to: PreviewRecipient::OpenId(OpenId::parse("oV5CrjpxgaGXNHIQigzNlgLTnwic").unwrap()),
        message: PreviewMessage::from_mass(&images).unwrap(),
    };
    let v = serde_json::to_value(&request).unwrap();
    assert_eq!(
        v,
        json!({"touser": "oV5CrjpxgaGXNHIQigzNlgLTnwic", "image": {"media_id": "a"}, "msgtype": "image"})
    );
    assert_eq!(
        serde_json::from_value::<PreviewRequest>(v).unwrap(),
        request
    );
    assert_eq!(
        PreviewMessage::from_mass(&MassMessage::Image(Images::new(vec![]))),
        None
    );
}

#[test]
fn preview_prefers_towxname_and_needs_a_recipient() {
    let both = json!({"touser": "o1", "towxname": "editor_wx", "msgtype": "mpvideo", "mpvideo": {"media_id": "v"}});
    let r: PreviewRequest = serde_json::from_value(both).unwrap();
    assert_eq!(r.to, PreviewRecipient::WxName("editor_wx".into()));
    assert_eq!(r.message.msg_type(), MsgType::MpVideo);
    let none = json!({"msgtype": "text", "text": {"content": "x"}});
    assert!(serde_json::from_value::<PreviewRequest>(none).is_err());
    let images = json!({"touser": "o1", "msgtype": "image", "images": {"media_ids": ["a"]}});
    assert!(serde_json::from_value::<PreviewRequest>(images).is_err());
}

#[test]
fn mass_get_and_delete_bodies() {
    let r: MassGetResponse =
        decode(br#"{"msg_id":201053012,"msg_status":"SEND_SUCCESS"}"#).unwrap();
    assert_eq!(r.msg_status, MassStatus::SendSuccess);
    let odd: MassGetResponse = decode(br#"{"msg_id":"1","msg_status":"PAUSED"}"#).unwrap();
    assert_eq!(odd.msg_status.label(Lang::Zh), "PAUSED");
    assert_eq!(
        serde_json::to_value(MassGetRequest {
            msg_id: MsgId::new(201_053_012)
        })
        .unwrap(),
        json!({"msg_id": 201053012})
    );
    let by_id = MassDeleteRequest::ByMsgId {
        msg_id: MsgId::new(30124),
        article_idx: Some(2),
    };
    assert_eq!(
        serde_json::to_value(&by_id).unwrap(),
        json!({"msg_id": 30124, "article_idx": 2})
    );
    let by_url: MassDeleteRequest =
        serde_json::from_value(json!({"url": "https://mp.weixin.qq.com/s/x"})).unwrap();
    assert!(matches!(by_url, MassDeleteRequest::ByUrl { .. }));
}

#[test]
fn token_bodies_hide_secrets_in_debug() {
    let q = TokenQuery::new("wx123", "s3cr3t");
    assert!(!format!("{q:?}").contains("s3cr3t"));
    let r = StableTokenRequest::new("wx123", "s3cr3t");
    assert!(!format!("{r:?}").contains("s3cr3t"));
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        json!({"grant_type": "client_credential", "appid": "wx123", "secret": "s3cr3t"})
    );
    let t: AccessTokenResponse =
        decode(br#"{"access_token":"ACCESS_TOKEN","expires_in":345}"#).unwrap();
    assert_eq!(t.expires_in, 345);
    assert!(!format!("{t:?}").contains("ACCESS_TOKEN"));
}

#[test]
fn picker_bodies_read_wechats_examples() {
    let drafts: DraftBatchGetResponse = decode(
        br#"{"total_count":1,"item_count":1,"item":[{"media_id":"MEDIA_ID","content":{"news_item":[{"title":"TITLE","author":"AUTHOR","digest":"DIGEST","content":"CONTENT","content_source_url":"","thumb_media_id":"THUMB","need_open_comment":0,"only_fans_can_comment":0,"url":"URL"}]},"update_time":1700000000}]}"#,
    )
    .unwrap();
    assert_eq!(drafts.item[0].content.news_item[0].title, "TITLE");
    assert_eq!(
        drafts.item[0].content.news_item[0].need_open_comment,
        Some(false)
    );
    let request = DraftBatchGetRequest {
        offset: 0,
        count: PageSize::MAX,
        no_content: Some(true),
    };
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({"offset": 0, "count": 20, "no_content": 1})
    );
    assert!(PageSize::new(0).is_err() && PageSize::new(21).is_err());
    assert!(
        serde_json::from_value::<DraftBatchGetRequest>(json!({"offset": 0, "count": 50})).is_err()
    );

    let materials: MaterialBatchGetResponse = decode(
        br#"{"total_count":2,"item_count":1,"item":[{"media_id":"V1","name":"clip.mp4","update_time":1,"url":""}]}"#,
    )
    .unwrap();
    assert_eq!(materials.item[0].name.as_deref(), Some("clip.mp4"));
    let m = MaterialBatchGetRequest {
        material_type: MaterialType::Video,
        offset: 20,
        count: PageSize::new(10).unwrap(),
    };
    assert_eq!(
        serde_json::to_value(&m).unwrap(),
        json!({"type": "video", "offset": 20, "count": 10})
    );
    let counts: MaterialCount =
        decode(br#"{"voice_count":1,"video_count":2,"image_count":3,"news_count":4}"#).unwrap();
    assert_eq!(counts.news_count, 4);
}

#[test]
fn uploadvideo_round_trip() {
    let req = UploadVideoRequest {
        media_id: MediaId::parse(
            "rF4UdIMfYK3efUfyoddYRMU50zMiRmmt_l0kszupYh_SzrcW5Gaheq05p_lHuOTQ",
        )
        .unwrap(),
        title: "TITLE".into(),
        description: "Description".into(),
    };
    let v = serde_json::to_value(&req).unwrap();
    assert_eq!(
        v["media_id"],
        "rF4UdIMfYK3efUfyoddYRMU50zMiRmmt_l0kszupYh_SzrcW5Gaheq05p_lHuOTQ"
    );
    let resp: UploadVideoResponse = decode(
        br#"{"type":"video","media_id":"IhdaAQXuvJtGzwwc0abfXnzeezfO0NgPK6AQYShD8RQYMTtfzbLdBIQkQziv2XJc","created_at":1398848981}"#,
    )
    .unwrap();
    assert_eq!(resp.media_type.as_deref(), Some("video"));
    assert_eq!(resp.created_at, Some(1_398_848_981));
}

#[test]
fn draft_add_writes_content_md_s_article_and_reads_the_media_id() {
    let article = DraftArticle {
        article_type: Some("news".into()),
        title: "TITLE".into(),
        author: Some("AUTHOR".into()),
        digest: Some("DIGEST".into()),
        content: "<p>CONTENT</p>".into(),
        content_source_url: Some("https://example.com/".into()),
        thumb_media_id: "THUMB_MEDIA_ID".into(),
        need_open_comment: Some(true),
        only_fans_can_comment: Some(false),
        pic_crop_235_1: Some("0.1_0_0.9_0.5".into()),
        pic_crop_1_1: Some("0.2_0_0.8_1".into()),
    };
    let request = DraftAddRequest {
        articles: Cow::Borrowed(std::slice::from_ref(&article)),
    };
    let wire = json!({"articles": [{
        "article_type": "news",
        "title": "TITLE",
        "author": "AUTHOR",
        "digest": "DIGEST",
        "content": "<p>CONTENT</p>",
        "content_source_url": "https://example.com/",
        "thumb_media_id": "THUMB_MEDIA_ID",
        "need_open_comment": 1,
        "only_fans_can_comment": 0,
        "pic_crop_235_1": "0.1_0_0.9_0.5",
        "pic_crop_1_1": "0.2_0_0.8_1"
    }]});
    assert_eq!(serde_json::to_value(&request).unwrap(), wire);
    // The simulator reads what the client wrote.
    let read: DraftAddRequest<'_> = serde_json::from_value(wire).unwrap();
    assert_eq!(read.articles.as_ref(), std::slice::from_ref(&article));

    // Only what is given goes on the wire: no nulls, no empty thumb.
    let bare = DraftArticle {
        title: "T".into(),
        content: "C".into(),
        ..DraftArticle::default()
    };
    assert_eq!(
        serde_json::to_value(&bare).unwrap(),
        json!({"title": "T", "content": "C"})
    );
    // Flags as WeChat may write them.
    let loose: DraftArticle = serde_json::from_value(
        json!({"title": "T", "content": "C", "thumb_media_id": "X", "need_open_comment": "1"}),
    )
    .unwrap();
    assert_eq!(loose.need_open_comment, Some(true));

    let added: DraftAddResponse = decode(br#"{"media_id":"MEDIA_ID"}"#).unwrap();
    assert_eq!(added.media_id.as_str(), "MEDIA_ID");
    let refused = decode::<DraftAddResponse>(br#"{"errcode":40007,"errmsg":"invalid media_id"}"#)
        .unwrap_err();
    assert!(matches!(refused, DecodeError::Api(ref e) if e.code.code() == 40007));
}

#[test]
fn draft_update_sends_one_article_object_at_a_zero_based_index() {
    let article = DraftArticle {
        title: "TITLE".into(),
        content: "CONTENT".into(),
        thumb_media_id: "THUMB_MEDIA_ID".into(),
        ..DraftArticle::default()
    };
    let request = DraftUpdateRequest {
        media_id: MediaId::parse("MEDIA_ID").unwrap(),
        index: 0,
        articles: Cow::Borrowed(&article),
    };
    let wire = json!({
        "media_id": "MEDIA_ID",
        "index": 0,
        "articles": {"title": "TITLE", "content": "CONTENT", "thumb_media_id": "THUMB_MEDIA_ID"}
    });
    assert_eq!(serde_json::to_value(&request).unwrap(), wire);
    assert!(wire["articles"].is_object(), "an object, not an array");
    let read: DraftUpdateRequest<'_> = serde_json::from_value(wire).unwrap();
    assert_eq!(read.articles.as_ref(), &article);
    // An array where WeChat wants one object is refused.
    assert!(
        serde_json::from_value::<DraftUpdateRequest<'_>>(
            json!({"media_id": "M", "index": 0, "articles": [{"title": "T"}]})
        )
        .is_err()
    );
    let ack: Ack = decode(br#"{"errcode":0,"errmsg":"ok"}"#).unwrap();
    assert_eq!(ack.errmsg.as_deref(), Some("ok"));
}

#[test]
fn draft_get_delete_and_count_read_content_md_s_examples() {
    let id = DraftIdRequest {
        media_id: MediaId::parse("MEDIA_ID").unwrap(),
    };
    assert_eq!(
        serde_json::to_value(&id).unwrap(),
        json!({"media_id": "MEDIA_ID"})
    );
    let got: DraftGetResponse = decode(
        r#"{"news_item":[{"article_type":"news","title":"TITLE","author":"AUTHOR","digest":"DIGEST","content":"CONTENT","content_source_url":"CONTENT_SOURCE_URL","thumb_media_id":"THUMB_MEDIA_ID","need_open_comment":0,"only_fans_can_comment":0,"url":"URL","pic_crop_235_1":"0.1_0_0.9_0.5","pic_crop_1_1":"0.2_0_0.8_1"}]}"#
            .as_bytes(),
    )
    .unwrap();
    let article = &got.news_item[0];
    assert_eq!(article.article_type.as_deref(), Some("news"));
    assert_eq!(article.title, "TITLE");
    assert_eq!(article.url.as_deref(), Some("URL"));
    assert_eq!(article.need_open_comment, Some(false));
    assert_eq!(article.pic_crop_235_1.as_deref(), Some("0.1_0_0.9_0.5"));
    assert_eq!(article.pic_crop_1_1.as_deref(), Some("0.2_0_0.8_1"));
    // An older answer without the new fields still reads.
    let old: DraftGetResponse = decode(br#"{"news_item":[{"title":"T"}]}"#).unwrap();
    assert_eq!(old.news_item[0].article_type, None);

    let count: DraftCountResponse = decode(br#"{"total_count":3}"#).unwrap();
    assert_eq!(count.total_count, 3);
    let count: DraftCountResponse = decode(br#"{"errcode":0,"total_count":0}"#).unwrap();
    assert_eq!(count.total_count, 0);
}

#[test]
fn material_bodies_read_wechats_examples() {
    let added: AddMaterialResponse =
        decode(br#"{"media_id":"MEDIA_ID","url":"http://mmbiz.qpic.cn/mmbiz_png/x/0?wx_fmt=png"}"#)
            .unwrap();
    assert_eq!(added.media_id.as_str(), "MEDIA_ID");
    assert!(added.url.unwrap().starts_with("http://mmbiz.qpic.cn/"));
    let voice: AddMaterialResponse = decode(br#"{"media_id":"VOICE_ID"}"#).unwrap();
    assert_eq!(voice.url, None);

    let video: MaterialJson = serde_json::from_str(
        r#"{"title":"TITLE","description":"DESCRIPTION","down_url":"DOWN_URL"}"#,
    )
    .unwrap();
    assert_eq!(
        MaterialBody::from(video),
        MaterialBody::Video(MaterialVideo {
            title: "TITLE".into(),
            description: "DESCRIPTION".into(),
            down_url: "DOWN_URL".into(),
        })
    );
    let news: MaterialJson =
        serde_json::from_str(r#"{"news_item":[{"title":"T","thumb_media_id":"M"}]}"#).unwrap();
    let MaterialBody::News(news) = MaterialBody::from(news) else {
        panic!("news read as something else");
    };
    assert_eq!(news.news_item[0].title, "T");

    let image: UploadImageResponse =
        decode(br#"{"url":"http://mmbiz.qpic.cn/mmbiz/gLO17UPS6FS2xsypf378iaNhWacZ1G1UplZYWEYfwvuU6Ont96b1roYs CNFwaRrSaKTPCUdBK9DgEHicsKwWCBRQ/0"}"#)
            .unwrap();
    assert!(image.url.contains("mmbiz.qpic.cn"));
    let refused =
        decode::<AddMaterialResponse>(br#"{"errcode":40005,"errmsg":"invalid file type"}"#);
    assert!(matches!(refused, Err(DecodeError::Api(e)) if e.code.code() == 40005));
}

#[test]
fn a_video_description_is_the_json_wechat_documents_in_utf8() {
    let description = VideoDescription {
        title: "会员日".into(),
        introduction: "金卡\"双倍\"积分".into(),
    };
    let text = serde_json::to_string(&description).unwrap();
    assert_eq!(
        text,
        r#"{"title":"会员日","introduction":"金卡\"双倍\"积分"}"#
    );
    let id = MaterialIdRequest {
        media_id: MediaId::parse("M1").unwrap(),
    };
    assert_eq!(
        serde_json::to_value(&id).unwrap(),
        json!({"media_id": "M1"})
    );
}
