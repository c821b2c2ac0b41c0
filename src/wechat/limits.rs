//! WeChat's limits on uploaded files, as data: which formats each kind of
//! permanent material takes, how large it may be, how long a voice may
//! last, and what `media/uploadimg` takes for an article's body.
//!
//! Sources: [OD] …/material/permanent/api_addmaterial and
//! …/api_uploadimage (REFERENCE §1d, CONTENT §2). The console checks a file
//! against these before it uploads (`media`), the simulator refuses with
//! them as WeChat does, and the page names them; so this module compiles
//! for the browser too and uses std only.
//!
//! A format is judged by the file's first bytes ([`Format::sniff`]), never
//! by its name alone: WeChat itself refuses a file whose name and content
//! disagree (40005), and so do we, in words.

use serde::{Deserialize, Serialize};

/// One KiB, as WeChat's "KB" means it.
pub const KB: u64 = 1024;
/// One MiB, as WeChat's "M" means it.
pub const MB: u64 = 1024 * 1024;

/// A kind of permanent material: `add_material`'s `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UploadKind {
    Image,
    Voice,
    Video,
    /// A cover (`thumb_media_id`): a small JPEG.
    Thumb,
}

impl UploadKind {
    pub const ALL: [UploadKind; 4] = [
        UploadKind::Image,
        UploadKind::Voice,
        UploadKind::Video,
        UploadKind::Thumb,
    ];

    /// The `type` WeChat reads in the query.
    pub fn as_str(self) -> &'static str {
        match self {
            UploadKind::Image => "image",
            UploadKind::Voice => "voice",
            UploadKind::Video => "video",
            UploadKind::Thumb => "thumb",
        }
    }

    pub fn parse(text: &str) -> Option<UploadKind> {
        UploadKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// What WeChat allows for this kind.
    pub fn limits(self) -> &'static Limits {
        match self {
            UploadKind::Image => &IMAGE,
            UploadKind::Voice => &VOICE,
            UploadKind::Video => &VIDEO,
            UploadKind::Thumb => &THUMB,
        }
    }
}

/// A file format WeChat names in its limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Bmp,
    Png,
    Jpeg,
    Gif,
    Mp3,
    Wma,
    Wav,
    Amr,
    Mp4,
}

impl Format {
    pub const ALL: [Format; 9] = [
        Format::Bmp,
        Format::Png,
        Format::Jpeg,
        Format::Gif,
        Format::Mp3,
        Format::Wma,
        Format::Wav,
        Format::Amr,
        Format::Mp4,
    ];

    /// The name shown to people: "JPEG", "MP3", ….
    pub fn label(self) -> &'static str {
        match self {
            Format::Bmp => "BMP",
            Format::Png => "PNG",
            Format::Jpeg => "JPEG",
            Format::Gif => "GIF",
            Format::Mp3 => "MP3",
            Format::Wma => "WMA",
            Format::Wav => "WAV",
            Format::Amr => "AMR",
            Format::Mp4 => "MP4",
        }
    }

    /// The file name extensions (lower case, no dot) of the format; the
    /// first is the one a file is given when it is sent.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Bmp => &["bmp"],
            Format::Png => &["png"],
            Format::Jpeg => &["jpg", "jpeg"],
            Format::Gif => &["gif"],
            Format::Mp3 => &["mp3"],
            Format::Wma => &["wma"],
            Format::Wav => &["wav"],
            Format::Amr => &["amr"],
            Format::Mp4 => &["mp4"],
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Format::Bmp => "image/bmp",
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Gif => "image/gif",
            Format::Mp3 => "audio/mpeg",
            Format::Wma => "audio/x-ms-wma",
            Format::Wav => "audio/wav",
            Format::Amr => "audio/amr",
            Format::Mp4 => "video/mp4",
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, Format::Bmp | Format::Png | Format::Jpeg | Format::Gif)
    }

    /// The format a file name's extension claims (case ignored).
    pub fn from_name(name: &str) -> Option<Format> {
        let (_, extension) = name.rsplit_once('.')?;
        let extension = extension.to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.extensions().contains(&extension.as_str()))
    }

    /// The format of a file by its first bytes (the first 16 are enough),
    /// or `None` for anything WeChat takes in no kind.
    pub fn sniff(head: &[u8]) -> Option<Format> {
        let starts = |magic: &[u8]| head.starts_with(magic);
        if starts(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if starts(b"\xff\xd8\xff") {
            Some(Format::Jpeg)
        } else if starts(b"GIF87a") || starts(b"GIF89a") {
            Some(Format::Gif)
        } else if starts(b"BM") && head.len() >= 14 {
            Some(Format::Bmp)
        } else if starts(b"#!AMR\n") || starts(b"#!AMR-WB\n") {
            Some(Format::Amr)
        } else if starts(b"RIFF") && head.get(8..12) == Some(b"WAVE") {
            Some(Format::Wav)
        } else if starts(ASF_HEADER_GUID) {
            // WMA lives in an ASF container, whose header object this is.
            Some(Format::Wma)
        } else if head.get(4..8) == Some(b"ftyp") {
            Some(Format::Mp4)
        } else if starts(b"ID3") || is_mpeg_audio_frame(head) {
            Some(Format::Mp3)
        } else {
            None
        }
    }
}

/// The GUID that opens every ASF file (WMA, WMV).
const ASF_HEADER_GUID: &[u8] = &[
    0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C,
];

/// An MPEG audio layer III frame header without an ID3 tag before it:
/// eleven sync bits, a valid version and layer III.
fn is_mpeg_audio_frame(head: &[u8]) -> bool {
    match head {
        [0xFF, second, ..] => {
            let sync = second & 0xE0 == 0xE0;
            let version = (second >> 3) & 0b11;
            let layer = (second >> 1) & 0b11;
            sync && version != 0b01 && layer == 0b01
        }
        _ => false,
    }
}

/// What WeChat takes for one kind of upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub formats: &'static [Format],
    /// The largest file, in bytes (inclusive).
    pub max_bytes: u64,
    /// The longest voice, in seconds.
    pub max_seconds: Option<u32>,
}

impl Limits {
    pub fn takes(&self, format: Format) -> bool {
        self.formats.contains(&format)
    }

    /// "JPEG, PNG" — the formats in words.
    pub fn formats_label(&self) -> String {
        self.formats
            .iter()
            .map(|f| f.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `add_material?type=image`: bmp/png/jpeg/jpg/gif, at most 10 MB.
pub const IMAGE: Limits = Limits {
    formats: &[Format::Bmp, Format::Png, Format::Jpeg, Format::Gif],
    max_bytes: 10 * MB,
    max_seconds: None,
};

/// `add_material?type=voice`: mp3/wma/wav/amr, at most 2 MB and 60 s.
pub const VOICE: Limits = Limits {
    formats: &[Format::Mp3, Format::Wma, Format::Wav, Format::Amr],
    max_bytes: 2 * MB,
    max_seconds: Some(60),
};

/// `add_material?type=video`: mp4, at most 10 MB.
pub const VIDEO: Limits = Limits {
    formats: &[Format::Mp4],
    max_bytes: 10 * MB,
    max_seconds: None,
};

/// `add_material?type=thumb`: jpg, at most 64 KB.
pub const THUMB: Limits = Limits {
    formats: &[Format::Jpeg],
    max_bytes: 64 * KB,
    max_seconds: None,
};

/// `media/uploadimg` (an image inside an article): jpg/png, under 1 MB.
pub const BODY_IMAGE: Limits = Limits {
    formats: &[Format::Jpeg, Format::Png],
    max_bytes: MB - 1,
    max_seconds: None,
};

/// A video's `description` form field: at most this many characters of
/// title and of introduction (the MP console's limits; the API documents
/// none, so the console checks these and the simulator does not).
pub const VIDEO_TITLE_MAX_CHARS: usize = 64;
pub const VIDEO_INTRODUCTION_MAX_CHARS: usize = 120;

/// A size in words: "64 KB", "2 MB", "1.5 MB", "812 bytes", rounded up,
/// so a file just past a limit never reads as the limit.
pub fn size_label(bytes: u64) -> String {
    if bytes >= MB {
        let tenths = (bytes * 10).div_ceil(MB);
        if tenths.is_multiple_of(10) {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    } else if bytes >= KB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_is_known_by_its_first_bytes() {
        let cases: [(&[u8], Format); 10] = [
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Format::Png),
            (b"\xff\xd8\xff\xe0\0\x10JFIF\0", Format::Jpeg),
            (b"GIF89a\x01\0\x01\0", Format::Gif),
            (b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0", Format::Bmp),
            (b"#!AMR\n\x3c", Format::Amr),
            (b"RIFF\x24\0\0\0WAVEfmt ", Format::Wav),
            (ASF_HEADER_GUID, Format::Wma),
            (b"\0\0\0\x20ftypisom\0\0\x02\0", Format::Mp4),
            (b"ID3\x04\0\0\0\0\0\0", Format::Mp3),
            (b"\xff\xfb\x90\x64\0\0", Format::Mp3),
        ];
        for (head, format) in cases {
            assert_eq!(Format::sniff(head), Some(format), "{format:?}");
        }
    }

    #[test]
    fn text_and_other_files_are_no_format() {
        for head in [
            &b"hello world, this is text"[..],
            b"%PDF-1.7\n",
            b"PK\x03\x04zip",
            b"",
            b"BM",
            // MPEG layer I, not III.
            b"\xff\xfe\x90\x64",
        ] {
            assert_eq!(Format::sniff(head), None, "{head:?}");
        }
    }

    #[test]
    fn a_name_claims_a_format_by_its_extension_whatever_its_case() {
        assert_eq!(Format::from_name("cover.JPG"), Some(Format::Jpeg));
        assert_eq!(Format::from_name("a.b.jpeg"), Some(Format::Jpeg));
        assert_eq!(Format::from_name("talk.mp3"), Some(Format::Mp3));
        assert_eq!(Format::from_name("noextension"), None);
        assert_eq!(Format::from_name("movie.mov"), None);
    }

    #[test]
    fn the_limits_are_wechats() {
        assert_eq!(UploadKind::Image.limits().max_bytes, 10 * 1024 * 1024);
        assert_eq!(UploadKind::Voice.limits().max_bytes, 2 * 1024 * 1024);
        assert_eq!(UploadKind::Voice.limits().max_seconds, Some(60));
        assert_eq!(UploadKind::Video.limits().formats, &[Format::Mp4]);
        assert_eq!(UploadKind::Thumb.limits().max_bytes, 64 * 1024);
        assert_eq!(UploadKind::Thumb.limits().formats, &[Format::Jpeg]);
        assert_eq!(BODY_IMAGE.max_bytes, MB - 1);
        assert!(!BODY_IMAGE.takes(Format::Gif));
        for kind in UploadKind::ALL {
            assert_eq!(UploadKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_label(64 * KB), "64 KB");
        assert_eq!(size_label(2 * MB), "2 MB");
        assert_eq!(size_label(MB + MB / 2), "1.5 MB");
        assert_eq!(size_label(812), "812 bytes");
        assert_eq!(size_label(65 * KB + 1), "66 KB");
        assert_eq!(size_label(10 * MB + 1), "10.1 MB");
    }
}
