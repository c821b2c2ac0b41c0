//! Pictures made from pictures: the library grid's small thumbnails, and a
//! cover scaled down to WeChat's 64 KB thumbnail limit (only when the
//! editor accepted the offer: a file is never changed silently).

use std::io::Cursor;
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageReader};

use crate::wechat::limits;

/// The longest side of a grid thumbnail, in pixels.
const GRID_SIDE: u32 = 240;

/// What decoding one picture may take: a 10 MB file can describe a
/// picture of gigabytes, and thumbnails are made for every upload.
fn limits() -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

/// The longest side decoded, in pixels (WeChat documents no limit; this
/// is far beyond any cover or article picture).
pub const MAX_SIDE: u32 = 8192;
/// The memory one decoding may take.
const MAX_DECODE_BYTES: u64 = 128 * 1024 * 1024;

fn decode<R: std::io::BufRead + std::io::Seek>(reader: ImageReader<R>) -> Option<DynamicImage> {
    let mut reader = reader.with_guessed_format().ok()?;
    reader.limits(limits());
    reader.decode().ok()
}

fn open(path: &Path) -> Option<DynamicImage> {
    decode(ImageReader::open(path).ok()?)
}

fn jpeg(image: &DynamicImage, quality: u8) -> Option<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    // JPEG has no alpha: flattened to RGB first.
    let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
    rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, quality))
        .ok()?;
    Some(out.into_inner())
}

/// A small JPEG of the image at `path` for the library's grid.
pub fn grid_thumbnail(path: &Path) -> Option<Vec<u8>> {
    grid_thumbnail_of(open(path)?)
}

/// [`grid_thumbnail`] of bytes in memory (a material fetched from WeChat).
pub fn grid_thumbnail_from_bytes(bytes: &[u8]) -> Option<Vec<u8>> {
    grid_thumbnail_of(decode(ImageReader::new(Cursor::new(bytes)))?)
}

fn grid_thumbnail_of(image: DynamicImage) -> Option<Vec<u8>> {
    jpeg(&image.thumbnail(GRID_SIDE, GRID_SIDE), 80)
}

/// The picture at `path` as a JPEG within 64 KB: the largest of a few
/// sizes (longest side 1280 px down to 160 px) that fits, with its width
/// and height. `None` if it cannot be read or nothing fits.
pub fn scaled_thumb(path: &Path) -> Option<(Vec<u8>, u32, u32)> {
    let image = open(path)?;
    for side in [1280, 960, 720, 540, 400, 300, 200, 160] {
        let scaled = if image.width().max(image.height()) > side {
            image.thumbnail(side, side)
        } else {
            image.clone()
        };
        for quality in [85, 70] {
            let bytes = jpeg(&scaled, quality)?;
            if bytes.len() as u64 <= limits::THUMB.max_bytes {
                return Some((bytes, scaled.width(), scaled.height()));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A noisy picture, which JPEG cannot squeeze much.
    fn noisy(width: u32, height: u32) -> tempfile::NamedTempFile {
        let mut state = 0x1234_5678_u32;
        let image = image::RgbImage::from_fn(width, height, |_, _| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let [r, g, b, _] = state.to_le_bytes();
            image::Rgb([r, g, b])
        });
        let file = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
        image.save(file.path()).unwrap();
        file
    }

    #[test]
    fn a_large_cover_scales_to_a_jpeg_within_64_kb() {
        let file = noisy(1600, 900);
        let (bytes, width, height) = scaled_thumb(file.path()).unwrap();
        assert!(bytes.len() as u64 <= 64 * 1024, "{}", bytes.len());
        assert!(bytes.starts_with(b"\xff\xd8\xff"));
        assert!(width < 1600 && height < 900);
        // The shape is kept.
        assert_eq!(width * 9 / 16, height);
    }

    #[test]
    fn a_grid_thumbnail_is_a_small_jpeg() {
        let file = noisy(800, 400);
        let bytes = grid_thumbnail(file.path()).unwrap();
        let read = image::load_from_memory(&bytes).unwrap();
        assert_eq!((read.width(), read.height()), (240, 120));
    }
}
