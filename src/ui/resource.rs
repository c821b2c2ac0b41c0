//! The pages' resources: loaded on the server with the page and handed to
//! the browser in its HTML as JSON, as Leptos does, but decoded from bytes
//! (`serde_json::from_slice`), the way a server function's answer is
//! (server_fn's `Json`). A type that is both, a resource's value and a
//! server function's answer (nearly every page's), then has one JSON
//! decoder in the WebAssembly instead of two: Leptos's own resource codec
//! decodes with `from_str`, which compiles a second copy of each struct's
//! decoder (92 of them, 240 KB of the 4.1 MB before wasm-opt).

use leptos::prelude::Resource;
use leptos::server::codee::{Decoder, Encoder};
use serde::{Serialize, de::DeserializeOwned};

/// JSON written as Leptos writes it, read from bytes.
pub struct JsonBytes;

impl<T: Serialize> Encoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(json: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(json.as_bytes())
    }
}

/// A page's resource (see the module).
pub type PageResource<T> = Resource<T, JsonBytes>;

/// A resource the page's HTML carries when it is ready. (The one the server
/// must have before it sends any of the page is made with
/// `PageResource::new_with_options(…, true)`.)
#[track_caller]
pub fn page_resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> PageResource<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Page {
        title: String,
        ids: Vec<i64>,
    }

    #[test]
    fn a_value_comes_back_as_it_was_written() {
        let page = Page {
            title: "群发 \"one\"\n".into(),
            ids: vec![1, -2],
        };
        let json = <JsonBytes as Encoder<Page>>::encode(&page).unwrap();
        assert_eq!(json, serde_json::to_string(&page).unwrap());
        let back: Page = <JsonBytes as Decoder<Page>>::decode(&json).unwrap();
        assert_eq!(back, page);
    }

    #[test]
    fn bad_json_is_an_error_not_a_panic() {
        assert!(<JsonBytes as Decoder<Page>>::decode("{\"title\":").is_err());
    }
}
