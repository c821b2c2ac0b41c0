//! The media library of an account: its permanent materials (images and
//! thumbs, voice, video) listed from WeChat with qunfa's own record of each
//! upload beside them, uploads checked against WeChat's limits before they
//! leave, and deletion that first says what it breaks.
//!
//! Shared types (compiled for the browser too) are here; `api` has the
//! server functions; server only: `check` (a file against WeChat's limits,
//! by content), `store` (the `media_*` tables), `images` (thumbnails and a
//! cover scaled down), `http` (the upload endpoints and the image routes).

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;
use crate::wechat::limits::{self, Format, UploadKind, size_label};

pub mod api;
#[cfg(feature = "ssr")]
pub mod check;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod images;
#[cfg(feature = "ssr")]
pub mod store;

/// Items per page of the library (WeChat's `count` allows 1–20).
pub const PAGE: u32 = 20;

/// A tab of the library: WeChat lists thumbs among the images.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tab {
    Image,
    Voice,
    Video,
}

impl Tab {
    pub const ALL: [Tab; 3] = [Tab::Image, Tab::Voice, Tab::Video];

    pub fn as_str(self) -> &'static str {
        match self {
            Tab::Image => "image",
            Tab::Voice => "voice",
            Tab::Video => "video",
        }
    }

    pub fn parse(text: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.as_str() == text)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Tab::Image => lang.pick("图片", "Images"),
            Tab::Voice => lang.pick("语音", "Voice"),
            Tab::Video => lang.pick("视频", "Video"),
        }
    }
}

/// A kind of upload in words.
pub fn kind_label(kind: UploadKind, lang: Lang) -> &'static str {
    match kind {
        UploadKind::Image => lang.pick("图片", "image"),
        UploadKind::Voice => lang.pick("语音", "voice"),
        UploadKind::Video => lang.pick("视频", "video"),
        UploadKind::Thumb => lang.pick("缩略图（封面）", "thumbnail (cover)"),
    }
}

/// "An image", "A voice", …: a kind opening an English sentence.
fn a_kind(kind: UploadKind) -> &'static str {
    match kind {
        UploadKind::Image => "An image",
        UploadKind::Voice => "A voice",
        UploadKind::Video => "A video",
        UploadKind::Thumb => "A thumbnail (cover)",
    }
}

/// One material as the library shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaItem {
    pub media_id: String,
    pub name: String,
    /// Unix seconds of WeChat's `update_time`.
    pub updated: Option<i64>,
    /// From qunfa's own record, when it uploaded the file.
    pub size: Option<u64>,
    pub kind: Option<UploadKind>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub duration_ms: Option<u64>,
    /// Where the grid's thumbnail is (images only): served by qunfa.
    pub thumb_url: Option<String>,
}

/// A page of the library.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryPage {
    pub tab: Tab,
    pub items: Vec<MediaItem>,
    pub offset: u32,
    pub total: u64,
    /// With a search: how many of the newest materials were searched
    /// (WeChat has no search; the newest pages are read and filtered).
    pub searched: Option<u64>,
}

/// A WeChat failure said in words; the page still shows what it can.
pub type Listing<T> = Result<T, String>;

/// What deleting a material breaks: sends of this account whose stored
/// body names it, and drafts whose cover it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub media_id: String,
    pub name: String,
    /// (send id, its summary)
    pub sends: Vec<(i64, String)>,
    pub drafts: Vec<String>,
}

/// Why a file was not uploaded, said in words in the request's language.
/// Carried in a plain form's redirect as JSON, so the page words it
/// itself (nothing from the address is shown as it came).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Refusal {
    NoFile,
    Empty,
    /// The content is none of the formats WeChat takes.
    UnknownFormat,
    /// The name has no extension, or one of no format WeChat takes.
    NoExtension,
    /// The name says one format, the content is another.
    NameLies {
        named: Format,
        actual: Format,
    },
    /// The kind does not take this format.
    WrongFormat {
        kind: UploadKind,
        actual: Format,
    },
    TooLarge {
        kind: UploadKind,
        size: u64,
    },
    BodyImageTooLarge {
        size: u64,
    },
    BodyImageFormat {
        actual: Format,
    },
    VoiceTooLong {
        seconds: u64,
    },
    VoiceUnreadable,
    ImageUnreadable,
    /// A cover too large for a thumbnail: a scaled-down copy is offered.
    ThumbTooLarge {
        size: u64,
    },
    /// Even the smallest scaled copy is over 64 KB.
    CannotScale,
    MissingTitle,
    TitleTooLong,
    IntroductionTooLong,
    UnknownKind,
    /// WeChat refused it (its errcode).
    Wechat {
        code: i64,
    },
    /// WeChat could not be reached, or its answer was lost: the material
    /// may have been made.
    WechatUnreachable {
        maybe_made: bool,
    },
}

impl Refusal {
    pub fn words(&self, lang: Lang) -> String {
        match self {
            Refusal::NoFile => lang.pick("没有选择文件。", "No file was chosen.").into(),
            Refusal::Empty => lang.pick("文件是空的。", "The file is empty.").into(),
            Refusal::UnknownFormat => lang
                .pick(
                    "无法识别文件格式：微信只接受 BMP、PNG、JPEG、GIF 图片，MP3、WMA、WAV、AMR 语音和 MP4 视频。",
                    "The file's format is not one WeChat takes: BMP, PNG, JPEG or GIF images, MP3, WMA, WAV or AMR voice, MP4 video.",
                )
                .into(),
            Refusal::NoExtension => lang
                .pick(
                    "文件名需要一个与内容相符的扩展名（如 .jpg、.mp3、.mp4），微信会拒绝没有扩展名的文件。",
                    "The file name needs an extension that matches its content (such as .jpg, .mp3, .mp4): WeChat refuses a file without one.",
                )
                .into(),
            Refusal::NameLies { named, actual } => match lang {
                Lang::Zh => format!(
                    "文件名说它是 {}，但内容是 {}：请把扩展名改成 .{} 再上传。",
                    named.label(),
                    actual.label(),
                    actual.extensions()[0]
                ),
                Lang::En => format!(
                    "The name says {} but the content is {}: rename it to .{} and upload again.",
                    named.label(),
                    actual.label(),
                    actual.extensions()[0]
                ),
            },
            Refusal::WrongFormat { kind, actual } => match lang {
                Lang::Zh => format!(
                    "{}只能是 {}，这个文件是 {}。",
                    kind_label(*kind, lang),
                    kind.limits().formats_label(),
                    actual.label()
                ),
                Lang::En => format!(
                    "{} must be {}; this file is {}.",
                    a_kind(*kind),
                    kind.limits().formats_label(),
                    actual.label()
                ),
            },
            Refusal::TooLarge { kind, size } => {
                let (size, max) = (size_label(*size), size_label(kind.limits().max_bytes));
                match lang {
                    Lang::Zh => format!("{}最大 {max}，这个文件有 {size}。", kind_label(*kind, lang)),
                    Lang::En => format!("{} may be at most {max}; this file is {size}.", a_kind(*kind)),
                }
            }
            Refusal::BodyImageTooLarge { size } => match lang {
                Lang::Zh => format!("正文图片须小于 1 MB，这张有 {}。", size_label(*size)),
                Lang::En => format!(
                    "An image in an article must be under 1 MB; this one is {}.",
                    size_label(*size)
                ),
            },
            Refusal::BodyImageFormat { actual } => match lang {
                Lang::Zh => format!("正文图片只能是 JPEG 或 PNG，这张是 {}。", actual.label()),
                Lang::En => format!(
                    "An image in an article must be JPEG or PNG; this one is {}.",
                    actual.label()
                ),
            },
            Refusal::VoiceTooLong { seconds } => match lang {
                Lang::Zh => format!("语音最长 60 秒，这段有 {seconds} 秒。"),
                Lang::En => format!("A voice may last at most 60 seconds; this one lasts {seconds}."),
            },
            Refusal::VoiceUnreadable => lang
                .pick(
                    "读不出这段语音的时长，文件可能已损坏。",
                    "The voice's length cannot be read; the file may be damaged.",
                )
                .into(),
            Refusal::ImageUnreadable => lang
                .pick(
                    "读不出这张图片的尺寸，文件可能已损坏。",
                    "The image's size cannot be read; the file may be damaged.",
                )
                .into(),
            Refusal::ThumbTooLarge { size } => {
                let size = size.div_ceil(limits::KB);
                match lang {
                    Lang::Zh => format!(
                        "作为缩略图太大（{size} KB > 64 KB）。要上传一份缩小后的副本吗？"
                    ),
                    Lang::En => format!(
                        "Too large for a thumbnail ({size} KB > 64 KB); upload a scaled-down copy?"
                    ),
                }
            }
            Refusal::CannotScale => lang
                .pick(
                    "缩小后仍超过 64 KB，请换一张图片。",
                    "Even scaled down it is over 64 KB; choose another picture.",
                )
                .into(),
            Refusal::MissingTitle => lang
                .pick("视频需要标题。", "A video needs a title.")
                .into(),
            Refusal::TitleTooLong => match lang {
                Lang::Zh => format!("视频标题最多 {} 个字。", limits::VIDEO_TITLE_MAX_CHARS),
                Lang::En => format!(
                    "A video's title has at most {} characters.",
                    limits::VIDEO_TITLE_MAX_CHARS
                ),
            },
            Refusal::IntroductionTooLong => match lang {
                Lang::Zh => format!(
                    "视频简介最多 {} 个字。",
                    limits::VIDEO_INTRODUCTION_MAX_CHARS
                ),
                Lang::En => format!(
                    "A video's introduction has at most {} characters.",
                    limits::VIDEO_INTRODUCTION_MAX_CHARS
                ),
            },
            Refusal::UnknownKind => lang
                .pick(
                    "请选择素材类型：图片、缩略图、语音或视频。",
                    "Choose the kind: image, thumbnail, voice or video.",
                )
                .into(),
            Refusal::Wechat { code } => {
                crate::wechat::errcode::ApiError::new(*code, String::new()).words(None, lang)
            }
            Refusal::WechatUnreachable { maybe_made } => {
                if *maybe_made {
                    lang.pick(
                        "微信没有及时应答，素材可能已经上传成功：请先刷新素材库查看，再决定是否重新上传。",
                        "WeChat did not answer in time and the material may have been made: reload the library and look before uploading again.",
                    )
                    .into()
                } else {
                    lang.pick(
                        "暂时无法连接微信，文件没有上传，请稍后重试。",
                        "WeChat could not be reached; nothing was uploaded. Try again later.",
                    )
                    .into()
                }
            }
        }
    }
}

/// The answer of an upload, as the page's XHR reads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UploadAnswer {
    pub media_id: Option<String>,
    pub name: String,
    /// The same file was in the library already: this is that material.
    pub existing: bool,
    /// What happened, in words.
    pub message: String,
    pub refusal: Option<Refusal>,
    /// A thumbnail too large: the page may ask again with `scale_down=yes`.
    pub offer_scale_down: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thumbnail_offer_names_the_size_and_asks() {
        let offer = Refusal::ThumbTooLarge { size: 200 * 1024 };
        assert_eq!(
            offer.words(Lang::En),
            "Too large for a thumbnail (200 KB > 64 KB); upload a scaled-down copy?"
        );
        assert!(offer.words(Lang::Zh).contains("200 KB > 64 KB"));
    }

    #[test]
    fn a_lying_name_is_refused_in_words_naming_both_formats() {
        let lie = Refusal::NameLies {
            named: Format::Jpeg,
            actual: Format::Png,
        };
        assert_eq!(
            lie.words(Lang::En),
            "The name says JPEG but the content is PNG: rename it to .png and upload again."
        );
        let json = serde_json::to_string(&lie).unwrap();
        assert_eq!(serde_json::from_str::<Refusal>(&json).unwrap(), lie);
    }

    #[test]
    fn wechats_refusals_are_worded_by_their_code() {
        let words = Refusal::Wechat { code: 40005 }.words(Lang::En);
        assert!(
            words.starts_with("Invalid file type (errcode 40005)."),
            "{words}"
        );
        assert!(
            Refusal::Wechat { code: 45001 }
                .words(Lang::Zh)
                .contains("45001")
        );
    }
}
