//! Domain values of the mass-send protocol.
//!
//! Each type parses its raw form once, at the edge, and cannot hold a value
//! the seed forbids: a [`ClientMsgId`] is never 33 bytes, a [`MsgType`] is
//! one of the six the seed names. Deserialising goes through the same parse,
//! so a body read back from the database or sent by the simulator obeys the
//! same rules as one typed into a form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use strum::VariantArray as _;

use crate::i18n::Lang;

/// Why a raw value is not a valid domain value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("{what} is empty")]
    Empty { what: &'static str },
    #[error("{what} is {len} bytes long; at most {max} bytes are allowed")]
    TooLong {
        what: &'static str,
        len: usize,
        max: usize,
    },
    #[error("{what} contains {found:?}, which is not allowed here")]
    BadChar { what: &'static str, found: char },
    #[error("{what} must be a non-negative whole number, not {value:?}")]
    NotANumber { what: &'static str, value: String },
    #[error("{what} must be between {min} and {max}, not {value}")]
    OutOfRange {
        what: &'static str,
        value: i64,
        min: i64,
        max: i64,
    },
    #[error("{value:?} is not a known {what}")]
    Unknown { what: &'static str, value: String },
}

/// The message types `sendall` accepts, exactly the seed's six.
///
/// `MsgType::VARIANTS` lists all six in the seed's order (for pickers and
/// exhaustive tests).
///
/// There is deliberately no `video`: WeChat answers 40008 to it, and mass
/// sends of video use `mpvideo` with an id converted by `media/uploadvideo`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::VariantArray,
)]
pub enum MsgType {
    #[serde(rename = "mpnews")]
    MpNews,
    #[serde(rename = "text")]
    Text,
    #[serde(rename = "voice")]
    Voice,
    #[serde(rename = "image")]
    Image,
    #[serde(rename = "mpvideo")]
    MpVideo,
    #[serde(rename = "wxcard")]
    WxCard,
}

impl MsgType {
    /// The `msgtype` string on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            MsgType::MpNews => "mpnews",
            MsgType::Text => "text",
            MsgType::Voice => "voice",
            MsgType::Image => "image",
            MsgType::MpVideo => "mpvideo",
            MsgType::WxCard => "wxcard",
        }
    }

    /// The key of the body object in a `sendall` request. Only `image`
    /// differs from its msgtype: its body is `images`.
    pub fn sendall_body_key(self) -> &'static str {
        match self {
            MsgType::Image => "images",
            other => other.as_str(),
        }
    }

    /// The name an editor knows the type by.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            MsgType::MpNews => lang.pick("图文", "Article"),
            MsgType::Text => lang.pick("文本", "Text"),
            MsgType::Voice => lang.pick("语音", "Voice"),
            MsgType::Image => lang.pick("图片", "Images"),
            MsgType::MpVideo => lang.pick("视频", "Video"),
            MsgType::WxCard => lang.pick("卡券", "Card"),
        }
    }

    /// Parses the wire string; anything but the six is refused.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        MsgType::VARIANTS
            .iter()
            .copied()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| ParseError::Unknown {
                what: "msgtype",
                value: s.to_owned(),
            })
    }
}

impl fmt::Display for MsgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MsgType {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MsgType::parse(s)
    }
}

impl TryFrom<&str> for MsgType {
    type Error = ParseError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        MsgType::parse(s)
    }
}

/// Checks the length and characters shared by the string identifiers.
fn check_token(
    what: &'static str,
    s: &str,
    max: usize,
    allowed: fn(char) -> bool,
) -> Result<(), ParseError> {
    if s.is_empty() {
        return Err(ParseError::Empty { what });
    }
    if s.len() > max {
        return Err(ParseError::TooLong {
            what,
            len: s.len(),
            max,
        });
    }
    match s.chars().find(|c| !allowed(*c)) {
        Some(found) => Err(ParseError::BadChar { what, found }),
        None => Ok(()),
    }
}

/// Visible ASCII without spaces: what WeChat's opaque ids are made of.
fn visible_ascii(c: char) -> bool {
    c.is_ascii_graphic()
}

/// Defines a string newtype with its parse rule, `as_str`, `Display`,
/// `FromStr`, `TryFrom` and serde through the parse.
macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident, $what:literal, max = $max:expr, allowed = $allowed:expr) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The longest value accepted, in bytes.
            pub const MAX_LEN: usize = $max;

            /// Parses a raw value; see the type's docs for the rule.
            pub fn parse(s: impl Into<String>) -> Result<Self, ParseError> {
                let s = s.into();
                check_token($what, &s, Self::MAX_LEN, $allowed)?;
                Ok(Self(s))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ParseError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

string_id!(
    /// The developer's idempotency key of a send (`clientmsgid`).
    ///
    /// The seed limits it to 32 bytes (WeChat answers 45067 above that, and
    /// a 36-byte UUID has been seen rejected). It is restricted to visible
    /// ASCII so that byte and character counts agree and the key can be
    /// logged and typed without surprises.
    ClientMsgId,
    "clientmsgid",
    max = 32,
    allowed = visible_ascii
);

string_id!(
    /// A `media_id` from the draft box, the material library or
    /// `media/uploadvideo`. Opaque to us: visible ASCII, at most 256 bytes
    /// (real ids are 40–64 characters).
    MediaId,
    "media_id",
    max = 256,
    allowed = visible_ascii
);

string_id!(
    /// A card (卡券) id for `wxcard` sends. Opaque, same rule as [`MediaId`].
    CardId,
    "card_id",
    max = 256,
    allowed = visible_ascii
);

string_id!(
    /// A follower's OpenID: letters, digits, `-` and `_`, at most 64 bytes
    /// (real ones are 28). OpenIDs differ per official account.
    OpenId,
    "openid",
    max = 64,
    allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_'
);

/// Accepts a non-negative integer written as a JSON number or as a string
/// of digits: WeChat is not consistent (the seed's `tag_id` is `2` in five
/// examples and `"2"` in the sixth).
fn deserialize_u64_lenient<'de, D: Deserializer<'de>>(
    deserializer: D,
    what: &'static str,
) -> Result<u64, D::Error> {
    struct Lenient(&'static str);

    impl serde::de::Visitor<'_> for Lenient {
        type Value = u64;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(
                f,
                "{} as a non-negative integer or a string of digits",
                self.0
            )
        }

        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }

        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| {
                E::custom(ParseError::NotANumber {
                    what: self.0,
                    value: v.to_string(),
                })
            })
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<u64, E> {
            parse_u64(self.0, v).map_err(E::custom)
        }
    }

    deserializer.deserialize_any(Lenient(what))
}

/// Digits only: no sign, no spaces, no empty string.
fn parse_u64(what: &'static str, s: &str) -> Result<u64, ParseError> {
    if s.is_empty() {
        return Err(ParseError::Empty { what });
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseError::NotANumber {
            what,
            value: s.to_owned(),
        });
    }
    s.parse().map_err(|_| ParseError::NotANumber {
        what,
        value: s.to_owned(),
    })
}

/// Defines a numeric id newtype: `u64` inside, a number on the wire, and a
/// string of digits accepted wherever it is read.
macro_rules! numeric_id {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u64);

        impl $name {
            pub const fn new(v: u64) -> Self {
                Self(v)
            }

            pub const fn get(self) -> u64 {
                self.0
            }

            /// Parses a string of digits.
            pub fn parse(s: &str) -> Result<Self, ParseError> {
                parse_u64($what, s).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ParseError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl From<u64> for $name {
            fn from(v: u64) -> Self {
                Self(v)
            }
        }

        impl From<$name> for u64 {
            fn from(v: $name) -> u64 {
                v.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_u64(self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                deserialize_u64_lenient(d, $what).map(Self)
            }
        }
    };
}

numeric_id!(
    /// A follower tag (`tag_id`). Tags 0, 1 and 2 are WeChat's reserved ones.
    TagId,
    "tag_id"
);

numeric_id!(
    /// The id of a mass-send job (`msg_id`, `MsgID` in the callback).
    ///
    /// 64-bit on purpose: real ids exceed 2^31, and the callback of one
    /// SDK that read them as 32-bit integers failed on them.
    MsgId,
    "msg_id"
);

numeric_id!(
    /// The data id of an `mpnews` send (`msg_data_id`), the first half of
    /// the `msgid` used by the article analytics API.
    MsgDataId,
    "msg_data_id"
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn msg_type_round_trips_the_six_wire_strings() {
        for &t in MsgType::VARIANTS {
            let v = serde_json::to_value(t).unwrap();
            assert_eq!(v, json!(t.as_str()));
            assert_eq!(serde_json::from_value::<MsgType>(v).unwrap(), t);
            assert_eq!(MsgType::parse(t.as_str()), Ok(t));
        }
    }

    #[test]
    fn msg_type_refuses_video_and_music() {
        for s in ["video", "music", "news", "MPNEWS", "", "image "] {
            assert!(MsgType::parse(s).is_err(), "{s}");
            assert!(serde_json::from_value::<MsgType>(json!(s)).is_err(), "{s}");
        }
    }

    #[test]
    fn only_image_has_a_different_body_key() {
        assert_eq!(MsgType::Image.sendall_body_key(), "images");
        assert_eq!(MsgType::MpVideo.sendall_body_key(), "mpvideo");
        assert_eq!(MsgType::Text.label(Lang::Zh), "文本");
    }

    #[test]
    fn client_msg_id_accepts_one_to_thirty_two_bytes() {
        assert!(ClientMsgId::parse("a").is_ok());
        let max = "x".repeat(32);
        assert_eq!(ClientMsgId::parse(max.clone()).unwrap().as_str(), max);
        assert_eq!(
            ClientMsgId::parse("job-17:chunk-3").unwrap().to_string(),
            "job-17:chunk-3"
        );
    }

    #[test]
    fn client_msg_id_refuses_empty_and_thirty_three_bytes() {
        assert_eq!(
            ClientMsgId::parse(""),
            Err(ParseError::Empty {
                what: "clientmsgid"
            })
        );
        assert!(matches!(
            ClientMsgId::parse("x".repeat(33)),
            Err(ParseError::TooLong {
                len: 33,
                max: 32,
                ..
            })
        ));
        // A UUID with hyphens is 36 bytes: the case seen rejected by WeChat.
        assert!(ClientMsgId::parse("123e4567-e89b-12d3-a456-426614174000").is_err());
    }

    #[test]
    fn client_msg_id_refuses_spaces_and_non_ascii() {
        assert!(ClientMsgId::parse("a b").is_err());
        assert!(ClientMsgId::parse("群发").is_err());
        assert!(ClientMsgId::parse("a\n").is_err());
    }

    #[test]
    fn client_msg_id_deserialises_through_the_parse() {
        let ok: ClientMsgId = serde_json::from_value(json!("abc")).unwrap();
        assert_eq!(serde_json::to_value(&ok).unwrap(), json!("abc"));
        assert!(serde_json::from_value::<ClientMsgId>(json!("x".repeat(33))).is_err());
        assert!(serde_json::from_value::<ClientMsgId>(json!("")).is_err());
    }

    #[test]
    fn media_and_card_ids_are_opaque_visible_ascii() {
        let id = "IhdaAQXuvJtGzwwc0abfXnzeezfO0NgPK6AQYShD8RQYMTtfzbLdBIQkQziv2XJc";
        assert_eq!(MediaId::parse(id).unwrap().as_str(), id);
        assert!(MediaId::parse("").is_err());
        assert!(MediaId::parse("has space").is_err());
        assert!(MediaId::parse("x".repeat(257)).is_err());
        assert!(CardId::parse("123dsdajkasd231jhksad").is_ok());
        assert!(serde_json::from_value::<MediaId>(json!("")).is_err());
    }

    #[test]
    fn open_id_allows_letters_digits_dash_underscore() {
        assert!(OpenId::parse("oV5CrjpxgaGXNHIQigzNlgLTnwic").is_ok());
        assert!(OpenId::parse("oia2TjjewbmiOUlr6X-1crbLOvLw").is_ok());
        assert!(OpenId::parse("o_x").is_ok());
        assert!(OpenId::parse("a/b").is_err());
        assert!(OpenId::parse("").is_err());
        assert!(OpenId::parse("o".repeat(65)).is_err());
    }

    #[test]
    fn msg_id_is_64_bit_and_reads_numbers_or_digit_strings() {
        let big = 6_054_768_590_064_713_728_u64;
        assert_eq!(
            serde_json::from_value::<MsgId>(json!(big)).unwrap().get(),
            big
        );
        assert_eq!(
            serde_json::from_value::<MsgId>(json!("3147483648")).unwrap(),
            MsgId::new(3_147_483_648)
        );
        assert_eq!(
            serde_json::to_value(MsgId::new(34182)).unwrap(),
            json!(34182)
        );
        assert_eq!(
            MsgId::parse("1000001625").unwrap().to_string(),
            "1000001625"
        );
    }

    #[test]
    fn numeric_ids_refuse_negatives_signs_spaces_and_overflow() {
        assert!(serde_json::from_value::<MsgId>(json!(-1)).is_err());
        assert!(serde_json::from_value::<MsgId>(json!(1.5)).is_err());
        assert!(serde_json::from_value::<MsgId>(json!("")).is_err());
        assert!(serde_json::from_value::<MsgId>(json!(null)).is_err());
        for s in ["+1", "-1", " 1", "1 ", "0x10", "18446744073709551616"] {
            assert!(MsgId::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn tag_id_and_msg_data_id_read_both_forms() {
        assert_eq!(
            serde_json::from_value::<TagId>(json!(2)).unwrap(),
            TagId::new(2)
        );
        assert_eq!(
            serde_json::from_value::<TagId>(json!("2")).unwrap(),
            TagId::new(2)
        );
        assert_eq!(
            serde_json::from_value::<MsgDataId>(json!(206_227_730)).unwrap(),
            MsgDataId::new(206_227_730)
        );
        assert_eq!("100".parse::<TagId>().unwrap().get(), 100);
    }

    #[test]
    fn parse_errors_read_as_sentences() {
        let e = ClientMsgId::parse("x".repeat(40)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "clientmsgid is 40 bytes long; at most 32 bytes are allowed"
        );
    }
}
