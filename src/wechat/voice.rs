//! How long a voice file plays, read from its own structure, for WeChat's
//! 60-second limit on voice materials: WAV from its header, MP3 by walking
//! its frames (so a variable bit rate counts right), AMR by walking its
//! frames (20 ms each), WMA from its ASF file properties.
//!
//! Our own small readers rather than a decoder crate: the common Rust
//! decoders (symphonia and its kin) read none of AMR and WMA, and a whole
//! decoder to learn one number would cost more to build than these four
//! readers are long. Nothing is decoded; only headers are read. Compiles
//! for the browser too (std only).

use super::limits::Format;

/// The playing time in seconds, or `None` when the file's structure does
/// not say (not a voice format, or damaged).
pub fn voice_seconds(format: Format, bytes: &[u8]) -> Option<f64> {
    match format {
        Format::Wav => wav_seconds(bytes),
        Format::Mp3 => mp3_seconds(bytes),
        Format::Amr => amr_seconds(bytes),
        Format::Wma => wma_seconds(bytes),
        _ => None,
    }
}

fn u32_le(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_le(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// RIFF/WAVE: the `data` chunk's size over the `fmt ` chunk's byte rate.
fn wav_seconds(bytes: &[u8]) -> Option<f64> {
    if bytes.get(0..4)? != b"RIFF" || bytes.get(8..12)? != b"WAVE" {
        return None;
    }
    let mut at = 12;
    let mut byte_rate = None;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32_le(bytes, at + 4)? as usize;
        let data = at + 8;
        if id == b"fmt " {
            byte_rate = Some(u32_le(bytes, data + 8)?);
        } else if id == b"data" {
            let rate = f64::from(byte_rate.filter(|r| *r > 0)?);
            // A streamed WAV may leave the size at 0 or past the end.
            let size = if size == 0 || data + size > bytes.len() {
                bytes.len() - data
            } else {
                size
            };
            return Some(size as f64 / rate);
        }
        // Chunks are padded to an even length.
        at = data.checked_add(size + (size & 1))?;
    }
    None
}

/// MPEG audio layer III: every frame's samples over its sample rate.
fn mp3_seconds(bytes: &[u8]) -> Option<f64> {
    let mut at = 0;
    if bytes.starts_with(b"ID3") {
        let size = bytes
            .get(6..10)?
            .iter()
            .fold(0usize, |n, b| (n << 7) | usize::from(b & 0x7F));
        let footer = if bytes.get(5)? & 0x10 != 0 { 10 } else { 0 };
        at = 10 + size + footer;
    }
    let mut seconds = 0.0;
    let mut frames = 0u32;
    while let Some(header) = bytes.get(at..at + 4) {
        let Some((length, samples, rate)) = mp3_frame(header) else {
            break;
        };
        seconds += f64::from(samples) / f64::from(rate);
        frames += 1;
        at += length;
    }
    (frames > 0).then_some(seconds)
}

/// A layer III frame header: (frame length, samples, sample rate).
fn mp3_frame(header: &[u8]) -> Option<(usize, u32, u32)> {
    const V1_KBPS: [u32; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    const V2_KBPS: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    if header[0] != 0xFF || header[1] & 0xE0 != 0xE0 {
        return None;
    }
    let version = (header[1] >> 3) & 0b11; // 3: MPEG 1, 2: MPEG 2, 0: MPEG 2.5
    let layer = (header[1] >> 1) & 0b11; // 1: layer III
    if version == 0b01 || layer != 0b01 {
        return None;
    }
    let bitrate_index = usize::from(header[2] >> 4);
    let rate_index = usize::from((header[2] >> 2) & 0b11);
    let padding = usize::from((header[2] >> 1) & 1);
    let kbps = match version {
        3 => *V1_KBPS.get(bitrate_index)?,
        _ => *V2_KBPS.get(bitrate_index)?,
    };
    let rate = match (version, rate_index) {
        (3, i) => *[44_100, 48_000, 32_000].get(i)?,
        (2, i) => *[22_050, 24_000, 16_000].get(i)?,
        (_, i) => *[11_025, 12_000, 8_000].get(i)?,
    };
    if kbps == 0 {
        return None;
    }
    let (samples, factor) = if version == 3 { (1152, 144) } else { (576, 72) };
    let length = (factor * kbps * 1000 / rate) as usize + padding;
    Some((length, samples, rate))
}

/// AMR (narrow or wide band): 20 ms per frame, each frame's length known
/// from the mode in its first byte.
fn amr_seconds(bytes: &[u8]) -> Option<f64> {
    const NB: [usize; 16] = [13, 14, 16, 18, 20, 21, 27, 32, 6, 1, 1, 1, 1, 1, 1, 1];
    const WB: [usize; 16] = [18, 24, 33, 37, 41, 47, 51, 59, 61, 6, 1, 1, 1, 1, 1, 1];
    let (mut at, sizes) = if bytes.starts_with(b"#!AMR-WB\n") {
        (9, &WB)
    } else if bytes.starts_with(b"#!AMR\n") {
        (6, &NB)
    } else {
        return None;
    };
    let mut frames = 0u32;
    while let Some(header) = bytes.get(at) {
        at += sizes[usize::from((header >> 3) & 0x0F)];
        frames += 1;
    }
    Some(f64::from(frames) * 0.02)
}

/// ASF (WMA): the File Properties object's play duration (100 ns units)
/// less its preroll (ms).
fn wma_seconds(bytes: &[u8]) -> Option<f64> {
    const FILE_PROPERTIES: [u8; 16] = [
        0xA1, 0xDC, 0xAB, 0x8C, 0x47, 0xA9, 0xCF, 0x11, 0x8E, 0xE4, 0x00, 0xC0, 0x0C, 0x20, 0x53,
        0x65,
    ];
    if Format::sniff(bytes) != Some(Format::Wma) {
        return None;
    }
    let objects = u32_le(bytes, 24)?;
    let mut at = 30;
    for _ in 0..objects {
        let size = usize::try_from(u64_le(bytes, at + 16)?).ok()?;
        if bytes.get(at..at + 16)? == FILE_PROPERTIES {
            let play = u64_le(bytes, at + 64)? as f64 / 10_000_000.0;
            let preroll = u64_le(bytes, at + 80)? as f64 / 1000.0;
            return Some((play - preroll).max(0.0));
        }
        if size < 24 {
            return None;
        }
        at = at.checked_add(size)?;
    }
    None
}

/// Test files of a known length, made rather than shipped.
#[cfg(any(test, feature = "ssr"))]
pub mod samples {
    /// A PCM WAV of `seconds` at 8 kHz, mono, 8 bits (silence).
    pub fn wav(seconds: u32) -> Vec<u8> {
        let rate = 8_000u32;
        let data = rate * seconds;
        let mut out = Vec::with_capacity(44 + data as usize);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes()); // PCM
        out.extend_from_slice(&1u16.to_le_bytes()); // mono
        out.extend_from_slice(&rate.to_le_bytes());
        out.extend_from_slice(&rate.to_le_bytes()); // byte rate
        out.extend_from_slice(&1u16.to_le_bytes()); // block align
        out.extend_from_slice(&8u16.to_le_bytes()); // bits
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data.to_le_bytes());
        out.resize(44 + data as usize, 0x80);
        out
    }

    /// An AMR-NB file of `seconds` (mode 7 frames of silence).
    pub fn amr(seconds: u32) -> Vec<u8> {
        let mut out = b"#!AMR\n".to_vec();
        for _ in 0..seconds * 50 {
            out.push(0x3C);
            out.extend_from_slice(&[0u8; 31]);
        }
        out
    }

    /// An MP3 of `seconds`: MPEG 1 layer III frames at 32 kbps, 32 kHz
    /// (144 bytes and 36 ms each), after an ID3v2 tag.
    pub fn mp3(seconds: u32) -> Vec<u8> {
        let mut out = b"ID3\x04\x00\x00\x00\x00\x00\x0a".to_vec();
        out.extend_from_slice(&[0u8; 10]);
        let frames = (seconds * 1000).div_ceil(36);
        for _ in 0..frames {
            out.extend_from_slice(&[0xFF, 0xFB, 0x18, 0xC4]);
            out.extend_from_slice(&[0u8; 140]);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(got: Option<f64>, want: f64) {
        let got = got.expect("a length");
        assert!((got - want).abs() < 0.1, "{got} is not about {want}");
    }

    #[test]
    fn a_wav_lasts_its_data_over_its_byte_rate() {
        near(voice_seconds(Format::Wav, &samples::wav(3)), 3.0);
        near(voice_seconds(Format::Wav, &samples::wav(61)), 61.0);
    }

    #[test]
    fn an_amr_lasts_twenty_ms_a_frame() {
        near(voice_seconds(Format::Amr, &samples::amr(2)), 2.0);
        near(voice_seconds(Format::Amr, &samples::amr(61)), 61.0);
    }

    #[test]
    fn an_mp3_lasts_the_sum_of_its_frames_after_its_tag() {
        let file = samples::mp3(5);
        assert_eq!(Format::sniff(&file), Some(Format::Mp3));
        near(voice_seconds(Format::Mp3, &file), 5.0);
        near(voice_seconds(Format::Mp3, &samples::mp3(70)), 70.0);
    }

    #[test]
    fn a_wma_lasts_its_play_duration_less_its_preroll() {
        let mut file = vec![
            0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62,
            0xCE, 0x6C,
        ];
        file.extend_from_slice(&130u64.to_le_bytes());
        file.extend_from_slice(&1u32.to_le_bytes());
        file.extend_from_slice(&[1, 2]);
        // The File Properties object: 104 bytes.
        file.extend_from_slice(&[
            0xA1, 0xDC, 0xAB, 0x8C, 0x47, 0xA9, 0xCF, 0x11, 0x8E, 0xE4, 0x00, 0xC0, 0x0C, 0x20,
            0x53, 0x65,
        ]);
        file.extend_from_slice(&104u64.to_le_bytes());
        file.extend_from_slice(&[0u8; 16 + 8 + 8 + 8]); // file id, size, date, packets
        file.extend_from_slice(&(75 * 10_000_000u64 + 3_000 * 10_000).to_le_bytes()); // play
        file.extend_from_slice(&0u64.to_le_bytes()); // send
        file.extend_from_slice(&3_000u64.to_le_bytes()); // preroll, ms
        file.extend_from_slice(&[0u8; 16]);
        near(voice_seconds(Format::Wma, &file), 75.0);
    }

    #[test]
    fn something_else_has_no_length() {
        assert_eq!(voice_seconds(Format::Wav, b"RIFF....AVI LIST"), None);
        assert_eq!(voice_seconds(Format::Mp3, b"not an mp3 at all"), None);
        assert_eq!(voice_seconds(Format::Jpeg, b"\xff\xd8\xff"), None);
    }
}
