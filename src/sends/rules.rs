//! The compose form checked against the seed: which fields each message
//! type needs, their sizes and flags. The browser's own checks are only a
//! convenience; this is what decides.

use super::{ComposeForm, Field, FieldError, FieldProblem};
use crate::wechat::api::{Filter, Images, MassMessage, PreviewRecipient, SendAllRequest};
use crate::wechat::types::{CardId, ClientMsgId, MediaId, MsgType, OpenId, TagId};

/// The seed sets no length for a text; this cap stops an accidental paste
/// of a whole document (WeChat shows long texts folded anyway).
pub const TEXT_MAX_CHARS: usize = 2000;
pub const IMAGE_TITLE_MAX_CHARS: usize = 64;
pub const IMAGE_RECOMMEND_MAX_CHARS: usize = 300;
/// WeChat's own console takes at most 20 pictures in one image message.
pub const IMAGES_MAX: usize = 20;
/// A WeChat ID (微信号) is 6–20 characters; leave room for old ones.
const WXNAME_MAX_CHARS: usize = 64;

/// Far beyond what any message within the limits above takes (2,000
/// Chinese characters are 6 KB), so an editor over a limit still gets the
/// form back with its problems; a form past this is not kept at all.
pub const FORM_MAX_BYTES: usize = 32 * 1024;

/// Whether the form is too large to keep as a compose attempt: measured as
/// it would be kept (its JSON).
pub fn too_large_to_keep(form: &ComposeForm) -> bool {
    // A list of followers has its own limit (`lists::MAX_OPENIDS`, checked
    // with the form); the rest of the form has this one.
    let mut measured = form.clone();
    measured.openids.clear();
    serde_json::to_vec(&measured).map_or(true, |json| json.len() > FORM_MAX_BYTES)
        || form.openids.len() > super::lists::MAX_TEXT_BYTES
}

/// A form that passed: the request to send and the tag to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// For a list, the message only (its filter, everyone, is not used).
    pub request: SendAllRequest,
    /// `None` for all followers. Whether the account has the tag is
    /// checked against `tags/get` by the caller.
    pub tag: Option<TagId>,
    /// A send to a list of followers (`mass/send`); `None` otherwise.
    pub list: Option<ListChoice>,
}

/// The list of followers a form sends to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListChoice {
    /// Pasted or uploaded: read and checked, without duplicates.
    Pasted(super::lists::ParsedList),
    /// A saved list's id, read by the caller.
    Saved(i64),
}

/// The form's list of followers, checked (`audience` `list`).
pub fn list_choice(form: &ComposeForm) -> Result<ListChoice, FieldError> {
    use super::lists::{MAX_OPENIDS, MIN_OPENIDS, NAME_MAX_CHARS, parse_openids};
    let saved = form.openid_list.trim();
    if !saved.is_empty() {
        return saved
            .parse()
            .map(ListChoice::Saved)
            .map_err(|_| FieldError::new(Field::OpenIdList, FieldProblem::UnknownOpenIdList));
    }
    if form.openid_list_save.trim().chars().count() > NAME_MAX_CHARS {
        return Err(FieldError::new(Field::OpenIds, FieldProblem::BadListName));
    }
    let parsed = parse_openids(&form.openids);
    if parsed.found.bad_count > 0 {
        return Err(FieldError::new(
            Field::OpenIds,
            FieldProblem::NotOpenIds(parsed.found),
        ));
    }
    if parsed.openids.is_empty() && parsed.found.duplicates == 0 {
        return Err(FieldError::new(Field::OpenIds, FieldProblem::Required));
    }
    if parsed.openids.len() < MIN_OPENIDS {
        return Err(FieldError::new(Field::OpenIds, FieldProblem::TooFewOpenIds));
    }
    if parsed.openids.len() > MAX_OPENIDS {
        return Err(FieldError::new(
            Field::OpenIds,
            FieldProblem::TooManyOpenIds,
        ));
    }
    Ok(ListChoice::Pasted(parsed))
}

/// Checks the form; on failure every problem found, each with its field.
pub fn check(form: &ComposeForm, overseas: bool) -> Result<Checked, Vec<FieldError>> {
    let mut errors = Vec::new();
    let clientmsgid = match ClientMsgId::parse(form.clientmsgid.trim()) {
        Ok(id) => Some(id),
        Err(_) => {
            errors.push(FieldError::new(
                Field::ClientMsgId,
                FieldProblem::BadClientMsgId,
            ));
            None
        }
    };
    let mut list = None;
    let tag = match form.audience.as_str() {
        "all" => Ok(None),
        "list" => list_choice(form).map(|choice| {
            list = Some(choice);
            None
        }),
        "tag" => match form.tag_id.trim() {
            "" => Err(FieldError::new(Field::Tag, FieldProblem::Required)),
            text => TagId::parse(text)
                .map(Some)
                .map_err(|_| FieldError::new(Field::Tag, FieldProblem::UnknownTag)),
        },
        _ => Err(FieldError::new(
            Field::Audience,
            FieldProblem::UnknownAudience,
        )),
    };
    let tag = tag.map_err(|e| errors.push(e)).ok();
    let message = message(form, overseas).map_err(|mut e| errors.append(&mut e));
    let reprint = match form.send_ignore_reprint.trim() {
        "" | "0" => false,
        "1" => true,
        _ => {
            errors.push(FieldError::new(
                Field::SendIgnoreReprint,
                FieldProblem::NotZeroOne,
            ));
            false
        }
    };
    match (clientmsgid, tag, message) {
        (Some(id), Some(tag), Ok(message)) if errors.is_empty() => {
            let filter = match tag {
                Some(tag) => Filter::tag(tag),
                None => Filter::everyone(),
            };
            let is_article = message.msg_type() == MsgType::MpNews;
            let mut request = SendAllRequest::new(filter, message).with_client_msg_id(id);
            if is_article {
                // Always said, so the stored body shows the choice made.
                request = request.with_send_ignore_reprint(reprint);
            }
            Ok(Checked { request, tag, list })
        }
        _ => Err(errors),
    }
}

/// The message of the chosen type, from that type's fields only.
pub fn message(form: &ComposeForm, overseas: bool) -> Result<MassMessage, Vec<FieldError>> {
    let Ok(msg_type) = MsgType::parse(form.msgtype.trim()) else {
        return Err(vec![FieldError::new(
            Field::MsgType,
            FieldProblem::UnknownType,
        )]);
    };
    if overseas && msg_type != MsgType::MpNews {
        return Err(vec![FieldError::new(
            Field::MsgType,
            FieldProblem::OverseasArticlesOnly,
        )]);
    }
    let one = |e: FieldError| vec![e];
    Ok(match msg_type {
        MsgType::MpNews => MassMessage::MpNews {
            media_id: media_id(&form.mpnews_media_id, Field::MpNewsMedia).map_err(one)?,
        },
        MsgType::Voice => MassMessage::Voice {
            media_id: media_id(&form.voice_media_id, Field::VoiceMedia).map_err(one)?,
        },
        MsgType::MpVideo => MassMessage::MpVideo {
            media_id: media_id(&form.mpvideo_media_id, Field::MpVideoMedia).map_err(one)?,
        },
        MsgType::WxCard => {
            let text = form.card_id.trim();
            if text.is_empty() {
                return Err(one(FieldError::new(Field::CardId, FieldProblem::Required)));
            }
            MassMessage::WxCard {
                card_id: CardId::parse(text).map_err(|_| {
                    one(FieldError::new(
                        Field::CardId,
                        FieldProblem::BadId { line: None },
                    ))
                })?,
            }
        }
        MsgType::Text => {
            let content = form.text_content.trim();
            if content.is_empty() {
                return Err(one(FieldError::new(
                    Field::TextContent,
                    FieldProblem::Required,
                )));
            }
            if content.chars().count() > TEXT_MAX_CHARS {
                return Err(one(FieldError::new(
                    Field::TextContent,
                    FieldProblem::TooLong {
                        max: TEXT_MAX_CHARS,
                    },
                )));
            }
            // Line ends as a browser sends them (CRLF) become WeChat's LF.
            MassMessage::Text {
                content: content.replace("\r\n", "\n"),
            }
        }
        MsgType::Image => MassMessage::Image(images(form)?),
    })
}

fn images(form: &ComposeForm) -> Result<Images, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut media_ids = Vec::new();
    for (index, line) in form.image_media_ids.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match MediaId::parse(line) {
            Ok(id) => media_ids.push(id),
            Err(_) => errors.push(FieldError::new(
                Field::ImageMedia,
                FieldProblem::BadId {
                    line: Some(index + 1),
                },
            )),
        }
    }
    if media_ids.is_empty() && errors.is_empty() {
        errors.push(FieldError::new(Field::ImageMedia, FieldProblem::Required));
    }
    if media_ids.len() > IMAGES_MAX {
        errors.push(FieldError::new(
            Field::ImageMedia,
            FieldProblem::TooManyImages { max: IMAGES_MAX },
        ));
    }
    let optional = |text: &str, field: Field, max: usize, errors: &mut Vec<FieldError>| {
        let text = text.trim();
        if text.chars().count() > max {
            errors.push(FieldError::new(field, FieldProblem::TooLong { max }));
        }
        (!text.is_empty()).then(|| text.to_owned())
    };
    let recommend = optional(
        &form.image_recommend,
        Field::ImageRecommend,
        IMAGE_RECOMMEND_MAX_CHARS,
        &mut errors,
    );
    let title = optional(
        &form.image_title,
        Field::ImageTitle,
        IMAGE_TITLE_MAX_CHARS,
        &mut errors,
    );
    let flag = |value: &Option<String>, errors: &mut Vec<FieldError>| match value.as_deref() {
        None | Some("0") => false,
        Some("1") | Some("on") => true,
        Some(_) => {
            errors.push(FieldError::new(Field::ImageFlags, FieldProblem::NotZeroOne));
            false
        }
    };
    let need_open_comment = flag(&form.image_need_open_comment, &mut errors);
    let only_fans_can_comment = flag(&form.image_only_fans_can_comment, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Images {
        media_ids,
        recommend,
        title,
        need_open_comment: Some(need_open_comment),
        only_fans_can_comment: Some(only_fans_can_comment),
    })
}

fn media_id(text: &str, field: Field) -> Result<MediaId, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FieldError::new(field, FieldProblem::Required));
    }
    MediaId::parse(text).map_err(|_| FieldError::new(field, FieldProblem::BadId { line: None }))
}

/// The preview's recipient: `openid` or `wxname` (a WeChat ID).
pub fn recipient(kind: &str, to: &str) -> Result<PreviewRecipient, FieldError> {
    let to = to.trim();
    if to.is_empty() {
        return Err(FieldError::new(Field::PreviewTo, FieldProblem::Required));
    }
    let bad = || FieldError::new(Field::PreviewTo, FieldProblem::BadRecipient);
    match kind {
        "openid" => OpenId::parse(to)
            .map(PreviewRecipient::OpenId)
            .map_err(|_| bad()),
        "wxname" if to.chars().count() <= WXNAME_MAX_CHARS && !to.contains(char::is_whitespace) => {
            Ok(PreviewRecipient::WxName(to.to_owned()))
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(msgtype: &str) -> ComposeForm {
        ComposeForm {
            clientmsgid: "qf-test-0001".into(),
            msgtype: msgtype.into(),
            audience: "all".into(),
            ..ComposeForm::default()
        }
    }

    #[test]
    fn a_form_over_a_limit_is_kept_but_one_far_past_every_limit_is_not() {
        let mut f = form("text");
        f.text_content = "字".repeat(TEXT_MAX_CHARS + 1);
        assert!(
            !too_large_to_keep(&f),
            "over the text limit: kept, with its problem"
        );
        f.text_content = "x".repeat(FORM_MAX_BYTES + 1);
        assert!(too_large_to_keep(&f));
        let mut f = form("image");
        f.image_recommend = "y".repeat(FORM_MAX_BYTES / 2);
        f.image_media_ids = "m\n".repeat(FORM_MAX_BYTES / 4);
        assert!(too_large_to_keep(&f), "every field counts");
    }

    fn problems(form: &ComposeForm) -> Vec<(Field, FieldProblem)> {
        check(form, false)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.problem))
            .collect()
    }

    #[test]
    fn each_type_reads_only_its_own_fields() {
        let mut f = form("text");
        f.text_content = "  你好\r\n世界  ".into();
        f.mpnews_media_id = "ignored".into();
        let checked = check(&f, false).unwrap();
        assert_eq!(
            checked.request.message,
            MassMessage::Text {
                content: "你好\n世界".into()
            }
        );
        assert_eq!(checked.tag, None);
        let body = serde_json::to_value(&checked.request).unwrap();
        assert_eq!(body["clientmsgid"], "qf-test-0001");
        assert_eq!(body["filter"]["is_to_all"], true);
        assert!(body.get("mpnews").is_none());
        assert!(body.get("send_ignore_reprint").is_none());

        let mut f = form("mpnews");
        f.mpnews_media_id = "123dsdajkasd231jhksad".into();
        f.send_ignore_reprint = "1".into();
        f.audience = "tag".into();
        f.tag_id = "100".into();
        let checked = check(&f, false).unwrap();
        assert_eq!(checked.tag, Some(TagId::new(100)));
        let body = serde_json::to_value(&checked.request).unwrap();
        assert_eq!(body["send_ignore_reprint"], 1);
        assert_eq!(body["mpnews"]["media_id"], "123dsdajkasd231jhksad");

        let mut f = form("image");
        f.image_media_ids = "aaa\n\n bbb \nccc".into();
        f.image_need_open_comment = Some("1".into());
        f.image_title = "标题".into();
        let body = serde_json::to_value(&check(&f, false).unwrap().request).unwrap();
        assert_eq!(
            body["images"]["media_ids"],
            serde_json::json!(["aaa", "bbb", "ccc"])
        );
        assert_eq!(body["images"]["need_open_comment"], 1);
        assert_eq!(body["images"]["only_fans_can_comment"], 0);
        assert_eq!(body["images"]["title"], "标题");

        for (msgtype, set) in [
            (
                "voice",
                (|f: &mut ComposeForm| f.voice_media_id = "v1".into()) as fn(&mut ComposeForm),
            ),
            ("mpvideo", |f| f.mpvideo_media_id = "mv1".into()),
            ("wxcard", |f| f.card_id = "pCard".into()),
        ] {
            let mut f = form(msgtype);
            set(&mut f);
            let checked = check(&f, false).unwrap();
            assert_eq!(checked.request.message.msg_type().as_str(), msgtype);
        }
    }

    #[test]
    fn missing_and_bad_fields_are_named() {
        assert_eq!(
            problems(&form("text")),
            vec![(Field::TextContent, FieldProblem::Required)]
        );
        let mut f = form("text");
        f.text_content = "   ".into();
        assert_eq!(
            problems(&f),
            vec![(Field::TextContent, FieldProblem::Required)]
        );
        f.text_content = "字".repeat(TEXT_MAX_CHARS + 1);
        assert_eq!(
            problems(&f),
            vec![(
                Field::TextContent,
                FieldProblem::TooLong {
                    max: TEXT_MAX_CHARS
                }
            )]
        );
        assert_eq!(
            problems(&form("video")),
            vec![(Field::MsgType, FieldProblem::UnknownType)]
        );
        let mut f = form("voice");
        f.voice_media_id = "has space".into();
        assert_eq!(
            problems(&f),
            vec![(Field::VoiceMedia, FieldProblem::BadId { line: None })]
        );
        let mut f = form("image");
        f.image_media_ids = "ok\nnot ok".into();
        f.image_title = "x".repeat(IMAGE_TITLE_MAX_CHARS + 1);
        f.image_only_fans_can_comment = Some("2".into());
        assert_eq!(
            problems(&f),
            vec![
                (Field::ImageMedia, FieldProblem::BadId { line: Some(2) }),
                (
                    Field::ImageTitle,
                    FieldProblem::TooLong {
                        max: IMAGE_TITLE_MAX_CHARS
                    }
                ),
                (Field::ImageFlags, FieldProblem::NotZeroOne),
            ]
        );
        let mut f = form("image");
        f.image_media_ids = (0..=IMAGES_MAX).map(|i| format!("m{i}\n")).collect();
        assert_eq!(
            problems(&f),
            vec![(
                Field::ImageMedia,
                FieldProblem::TooManyImages { max: IMAGES_MAX }
            )]
        );
    }

    #[test]
    fn audience_reprint_and_clientmsgid_are_checked() {
        let mut f = form("text");
        f.text_content = "hi".into();
        f.audience = "tag".into();
        assert_eq!(problems(&f), vec![(Field::Tag, FieldProblem::Required)]);
        f.tag_id = "abc".into();
        assert_eq!(problems(&f), vec![(Field::Tag, FieldProblem::UnknownTag)]);
        f.audience = "everyone".into();
        assert_eq!(
            problems(&f),
            vec![(Field::Audience, FieldProblem::UnknownAudience)]
        );
        let mut f = form("text");
        f.text_content = "hi".into();
        f.send_ignore_reprint = "yes".into();
        assert_eq!(
            problems(&f),
            vec![(Field::SendIgnoreReprint, FieldProblem::NotZeroOne)]
        );
        let mut f = form("text");
        f.text_content = "hi".into();
        f.clientmsgid = "x".repeat(33);
        assert_eq!(
            problems(&f),
            vec![(Field::ClientMsgId, FieldProblem::BadClientMsgId)]
        );
    }

    #[test]
    fn a_list_needs_two_openids_of_their_form() {
        let mut f = form("text");
        f.text_content = "hi".into();
        f.audience = "list".into();
        assert_eq!(problems(&f), vec![(Field::OpenIds, FieldProblem::Required)]);
        f.openids = "oSIM000000000000000000000001\noSIM000000000000000000000001".into();
        assert_eq!(
            problems(&f),
            vec![(Field::OpenIds, FieldProblem::TooFewOpenIds)]
        );
        f.openids += "\nnot one";
        assert!(matches!(
            &check(&f, false).unwrap_err()[0].problem,
            FieldProblem::NotOpenIds(found) if found.bad_lines[0].line == 3
        ));
        f.openids = "oSIM000000000000000000000001\noSIM000000000000000000000002".into();
        let checked = check(&f, false).unwrap();
        assert_eq!(checked.tag, None);
        assert!(matches!(checked.list, Some(ListChoice::Pasted(p)) if p.openids.len() == 2));
        f.openid_list = "7".into();
        assert_eq!(check(&f, false).unwrap().list, Some(ListChoice::Saved(7)));
    }

    #[test]
    fn overseas_accounts_send_articles_only() {
        let mut f = form("text");
        f.text_content = "hi".into();
        assert_eq!(
            check(&f, true).unwrap_err()[0].problem,
            FieldProblem::OverseasArticlesOnly
        );
        let mut f = form("mpnews");
        f.mpnews_media_id = "m1".into();
        assert!(check(&f, true).is_ok());
    }

    #[test]
    fn preview_recipients() {
        assert!(matches!(
            recipient("openid", " oSIM000000000000000000000001 "),
            Ok(PreviewRecipient::OpenId(_))
        ));
        assert!(matches!(
            recipient("wxname", "editor_wx"),
            Ok(PreviewRecipient::WxName(name)) if name == "editor_wx"
        ));
        assert_eq!(
            recipient("openid", "").unwrap_err().problem,
            FieldProblem::Required
        );
        assert_eq!(
            recipient("openid", "含中文").unwrap_err().problem,
            FieldProblem::BadRecipient
        );
        assert_eq!(
            recipient("phone", "x").unwrap_err().problem,
            FieldProblem::BadRecipient
        );
    }
}
