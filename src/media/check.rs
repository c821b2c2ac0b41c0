//! A file checked against WeChat's limits before it is uploaded, as WeChat
//! would judge it: the format by its first bytes and by its name's
//! extension (a name that lies is refused, as WeChat refuses it with
//! 40005), the size for its kind, a voice's length, an image's size in
//! pixels (it must be readable). Each refusal names the limit in words.

use std::path::Path;

use super::Refusal;
use crate::wechat::limits::{self, Format, Limits, UploadKind};
use crate::wechat::voice::voice_seconds;

/// What the checks learnt of a file that passed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Checked {
    pub format: Format,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub duration_ms: Option<u64>,
}

/// The format of a file by content and by name, for `limits`.
fn format_of(name: &str, len: u64, head: &[u8]) -> Result<Format, Refusal> {
    if len == 0 {
        return Err(Refusal::Empty);
    }
    let actual = Format::sniff(head).ok_or(Refusal::UnknownFormat)?;
    let named = Format::from_name(name).ok_or(Refusal::NoExtension)?;
    if named != actual {
        return Err(Refusal::NameLies { named, actual });
    }
    Ok(actual)
}

/// Checks a material of `kind` at `path` (named `name`, `len` bytes, its
/// first bytes `head`). A JPEG thumb over 64 KB is [`Refusal::ThumbTooLarge`]:
/// the caller offers a scaled-down copy.
pub fn material(
    kind: UploadKind,
    name: &str,
    len: u64,
    head: &[u8],
    path: &Path,
) -> Result<Checked, Refusal> {
    let format = format_of(name, len, head)?;
    let limits = kind.limits();
    if !limits.takes(format) {
        return Err(Refusal::WrongFormat {
            kind,
            actual: format,
        });
    }
    if len > limits.max_bytes {
        return Err(match kind {
            UploadKind::Thumb => Refusal::ThumbTooLarge { size: len },
            _ => Refusal::TooLarge { kind, size: len },
        });
    }
    let mut checked = Checked {
        format,
        width: None,
        height: None,
        duration_ms: None,
    };
    if let Some(max) = limits.max_seconds {
        let bytes = std::fs::read(path).map_err(|_| Refusal::VoiceUnreadable)?;
        let seconds = voice_seconds(format, &bytes).ok_or(Refusal::VoiceUnreadable)?;
        // WeChat counts whole seconds: 60.4 s is still 60.
        if seconds.round() > f64::from(max) {
            return Err(Refusal::VoiceTooLong {
                seconds: seconds.round() as u64,
            });
        }
        checked.duration_ms = Some((seconds * 1000.0).round() as u64);
    }
    if format.is_image() {
        let (width, height) = dimensions(path).ok_or(Refusal::ImageUnreadable)?;
        checked.width = Some(width);
        checked.height = Some(height);
    }
    Ok(checked)
}

/// Checks an image for an article's body (`media/uploadimg`): JPEG or PNG
/// under 1 MB, readable.
pub fn body_image(name: &str, len: u64, head: &[u8], path: &Path) -> Result<Checked, Refusal> {
    let limits: &Limits = &limits::BODY_IMAGE;
    let format = format_of(name, len, head)?;
    if !limits.takes(format) {
        return Err(Refusal::BodyImageFormat { actual: format });
    }
    if len > limits.max_bytes {
        return Err(Refusal::BodyImageTooLarge { size: len });
    }
    let (width, height) = dimensions(path).ok_or(Refusal::ImageUnreadable)?;
    Ok(Checked {
        format,
        width: Some(width),
        height: Some(height),
        duration_ms: None,
    })
}

/// An image's size in pixels, from its header only.
pub fn dimensions(path: &Path) -> Option<(u32, u32)> {
    image::ImageReader::open(path)
        .ok()?
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

/// The name WeChat is told: the last part of what the browser sent,
/// without control characters, at most 100 characters, keeping its
/// extension.
pub fn clean_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    if clean.chars().count() <= 100 {
        return clean.to_owned();
    }
    let (stem, extension) = clean.rsplit_once('.').unwrap_or((clean, ""));
    let stem: String = stem.chars().take(90).collect();
    format!("{stem}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wechat::voice::samples;

    fn on_disk(bytes: &[u8]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), bytes).unwrap();
        file
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        image::RgbImage::new(width, height)
            .write_to(&mut out, image::ImageFormat::Png)
            .unwrap();
        out.into_inner()
    }

    fn check(kind: UploadKind, name: &str, bytes: &[u8]) -> Result<Checked, Refusal> {
        let file = on_disk(bytes);
        material(
            kind,
            name,
            bytes.len() as u64,
            &bytes[..bytes.len().min(32)],
            file.path(),
        )
    }

    #[test]
    fn an_image_passes_with_its_size_in_pixels() {
        let checked = check(UploadKind::Image, "a.png", &png(30, 20)).unwrap();
        assert_eq!(checked.format, Format::Png);
        assert_eq!((checked.width, checked.height), (Some(30), Some(20)));
    }

    #[test]
    fn a_name_that_lies_about_the_content_is_refused_naming_both() {
        assert_eq!(
            check(UploadKind::Image, "a.jpg", &png(3, 3)),
            Err(Refusal::NameLies {
                named: Format::Jpeg,
                actual: Format::Png
            })
        );
        assert_eq!(
            check(UploadKind::Image, "a", &png(3, 3)),
            Err(Refusal::NoExtension)
        );
        assert_eq!(
            check(UploadKind::Image, "a.png", b"plain text pretending"),
            Err(Refusal::UnknownFormat)
        );
        assert_eq!(check(UploadKind::Image, "a.png", b""), Err(Refusal::Empty));
    }

    #[test]
    fn each_kind_takes_its_formats() {
        assert_eq!(
            check(UploadKind::Thumb, "a.png", &png(3, 3)),
            Err(Refusal::WrongFormat {
                kind: UploadKind::Thumb,
                actual: Format::Png
            })
        );
        assert_eq!(
            check(UploadKind::Video, "v.wav", &samples::wav(1)),
            Err(Refusal::WrongFormat {
                kind: UploadKind::Video,
                actual: Format::Wav
            })
        );
    }

    #[test]
    fn a_voice_over_sixty_seconds_is_refused_and_one_within_has_its_length() {
        assert_eq!(
            check(UploadKind::Voice, "v.amr", &samples::amr(61)),
            Err(Refusal::VoiceTooLong { seconds: 61 })
        );
        let ok = check(UploadKind::Voice, "v.wav", &samples::wav(12)).unwrap();
        assert_eq!(ok.duration_ms, Some(12_000));
    }

    #[test]
    fn sizes_past_the_kinds_limit_are_refused_and_a_large_thumb_is_an_offer() {
        let mut big = samples::wav(1);
        big.resize((2 * limits::MB + 1) as usize, 0);
        assert_eq!(
            check(UploadKind::Voice, "v.wav", &big),
            Err(Refusal::TooLarge {
                kind: UploadKind::Voice,
                size: 2 * limits::MB + 1
            })
        );
        let mut jpeg = b"\xff\xd8\xff\xe0\0\x10JFIF\0".to_vec();
        jpeg.resize(70 * 1024, 0);
        assert_eq!(
            check(UploadKind::Thumb, "c.jpg", &jpeg),
            Err(Refusal::ThumbTooLarge { size: 70 * 1024 })
        );
    }

    #[test]
    fn a_name_keeps_its_last_part_and_extension() {
        assert_eq!(clean_name("C:\\Users\\me\\封面.JPG"), "封面.JPG");
        assert_eq!(clean_name("../../etc/x.png"), "x.png");
        let long = format!("{}.mp4", "a".repeat(300));
        assert!(clean_name(&long).ends_with(".mp4"));
        assert!(clean_name(&long).chars().count() <= 100);
    }
}
