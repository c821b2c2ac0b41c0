//! Looking for a secret in the database's files, in every form it could
//! be written in.

use std::path::PathBuf;

use base64::{
    Engine as _,
    engine::general_purpose::{STANDARD, URL_SAFE},
};

use super::database_file;

/// The database on disk: the file and its write-ahead log, as they are.
pub fn database_files(data: &tempfile::TempDir) -> Vec<(String, Vec<u8>)> {
    let file = database_file(data);
    ["", "-wal"]
        .into_iter()
        .map(|suffix| PathBuf::from(format!("{}{suffix}", file.display())))
        .filter(|path| path.exists())
        .map(|path| (path.display().to_string(), std::fs::read(&path).unwrap()))
        .collect()
}

/// The forms a secret could be written in, lower-cased where case does not
/// matter: as text, in hex, and in base64 at each of its three alignments
/// (without the characters that also depend on neighbouring bytes).
pub fn encodings(secret: &[u8]) -> Vec<(&'static str, Vec<u8>, bool)> {
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    let mut forms = vec![
        ("as text", secret.to_ascii_lowercase(), false),
        ("in hex", hex.into_bytes(), false),
    ];
    for (name, engine) in [("in base64", STANDARD), ("in URL-safe base64", URL_SAFE)] {
        for shift in 0..3 {
            let mut shifted = vec![0u8; shift];
            shifted.extend_from_slice(secret);
            let text = engine.encode(&shifted);
            forms.push((name, text.as_bytes()[4..text.len() - 4].to_vec(), true));
        }
    }
    forms
}

/// Fails if `secret` is in any of `files` in any of its [`encodings`].
pub fn assert_nowhere(files: &[(String, Vec<u8>)], secret: &[u8], what: &str) {
    assert!(secret.len() >= 16, "{what} is too short to search for");
    for (file, bytes) in files {
        let lowered = bytes.to_ascii_lowercase();
        for (form, needle, exact) in encodings(secret) {
            let haystack = if exact { bytes } else { &lowered };
            assert!(
                memchr::memmem::find(haystack, &needle).is_none(),
                "{what} is in {file} {form}"
            );
        }
    }
}
