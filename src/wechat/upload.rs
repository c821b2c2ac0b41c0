//! A file on disk sent as the multipart field `media` of `add_material`
//! and `media/uploadimg`, streamed from the disk in chunks: a 10 MB video
//! never sits whole in memory. Each attempt opens the file again, so a
//! retry sends it from its first byte.

use std::path::PathBuf;

use reqwest::multipart::{Form, Part};
use tokio_util::io::ReaderStream;

/// A file to upload: where it is, the name WeChat is told (it must have an
/// extension: a bare name gets 40005), its MIME type and its length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub path: PathBuf,
    pub file_name: String,
    pub content_type: String,
    pub len: u64,
}

impl Upload {
    /// The multipart field `media`, streaming the file from disk with its
    /// known length (so the request has a `Content-Length`, as WeChat's
    /// uploads do). Opened afresh for each attempt.
    pub(super) async fn media_part(&self) -> std::io::Result<Part> {
        let file = tokio::fs::File::open(&self.path).await?;
        let body = reqwest::Body::wrap_stream(ReaderStream::with_capacity(file, 64 * 1024));
        Part::stream_with_length(body, self.len)
            .file_name(self.file_name.clone())
            .mime_str(&self.content_type)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
    }

    /// The form of one attempt: the file as `media`, then the text fields.
    pub(super) async fn form(&self, texts: &[(&'static str, String)]) -> std::io::Result<Form> {
        let mut form = Form::new().part("media", self.media_part().await?);
        for (name, value) in texts {
            form = form.text(*name, value.clone());
        }
        Ok(form)
    }
}
