//! Fuzzes the callback XML reader: `parse_callback` (a decrypted or
//! plaintext push) and `EncryptedEnvelope::parse` (a safe-mode body), both
//! of which see bytes straight from the internet.
//!
//! Besides "never panics", it checks, for every input:
//! - both parsers agree, since they share one tree reader: the envelope
//!   fails with `Missing("Encrypt")` exactly when the push parses, and
//!   otherwise with the push's own error;
//! - every text field read is trimmed and non-empty;
//! - `dedup_key()` is non-empty and has the documented shape;
//! - a push survives the JSON the callback store writes (`parsed` column);
//! - a `MassSendJobFinish` written back with `to_xml` reads back equal, and
//!   a second round trip changes nothing at all;
//! - an envelope written back with `to_xml` reads back equal.
//!
//! "Equal" allows for the divergences already reported (README.md, "Known
//! findings"); build with `--features strict-roundtrip` to allow none.

#![no_main]

use libfuzzer_sys::fuzz_target;
use qunfa_fuzz::wechat::callback::{
    Callback, EncryptedEnvelope, Event, MASS_SEND_JOB_FINISH, MAX_XML_BYTES, MassSendJobFinish,
    XmlError, parse_callback,
};

fuzz_target!(|data: &[u8]| {
    // The endpoint refuses a body that is not UTF-8 before either parser.
    let Ok(xml) = std::str::from_utf8(data) else {
        return;
    };
    let callback = parse_callback(xml);
    let envelope = EncryptedEnvelope::parse(xml);
    check_agreement(xml, &callback, &envelope);
    if let Ok(callback) = &callback {
        check_callback(callback);
    }
    if let Ok(envelope) = &envelope {
        check_envelope(envelope);
    }
});

/// The two parsers read one tree, so they fail or succeed together.
fn check_agreement(
    xml: &str,
    callback: &Result<Callback, XmlError>,
    envelope: &Result<EncryptedEnvelope, XmlError>,
) {
    if xml.len() > MAX_XML_BYTES {
        assert_eq!(callback, &Err(XmlError::TooLarge(xml.len())));
    }
    match (callback, envelope) {
        (Ok(_), Ok(_)) | (Ok(_), Err(XmlError::Missing("Encrypt"))) => {}
        (Err(c), Err(e)) => {
            assert!(
                !matches!(c, XmlError::Missing(_)),
                "parse_callback never reports a missing element: {c:?}"
            );
            assert_eq!(c, e, "the same tree error from both parsers");
        }
        (c, e) => panic!("the parsers disagree: {c:?} vs {e:?}"),
    }
}

/// A field read with `text_of` is `None` or trimmed, non-empty text.
fn assert_text(what: &str, value: &Option<String>) {
    if let Some(v) = value {
        assert!(!v.is_empty(), "{what} is Some(\"\")");
        assert_eq!(v.trim(), v, "{what} is not trimmed");
    }
}

fn check_event(event: &Event) {
    assert_text("ToUserName", &event.to_user_name);
    assert_text("FromUserName", &event.from_user_name);
    assert_text("MsgType", &event.msg_type);
    assert_text("Event", &event.event);
    assert_text("EventKey", &event.event_key);

    let key = event.dedup_key();
    assert!(!key.is_empty());
    assert_eq!(key, event.dedup_key(), "dedup_key is deterministic");
    match (event.is_event(), event.msg_id) {
        (false, Some(id)) => assert_eq!(key, format!("msg:{id}")),
        _ => {
            let from = event.from_user_name.as_deref().unwrap_or("");
            assert!(
                key.starts_with(&format!("event:{from}:")),
                "unexpected dedup key shape: {key:?}"
            );
        }
    }
}

fn check_callback(callback: &Callback) {
    check_event(callback.event());
    assert_eq!(callback.dedup_key(), callback.event().dedup_key());

    // The store keeps `serde_json::to_string(callback)`; it must read back.
    let json = serde_json::to_string(callback).expect("a callback serialises to JSON");
    let back: Callback = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("stored JSON does not read back: {e}: {json}"));
    assert_eq!(&back, callback, "JSON round trip changed the callback");

    match callback {
        Callback::MassSendJobFinish(finish) => check_finish(finish),
        Callback::Other(event) => {
            // Only a finish without a usable MsgID is kept as Other.
            let is_finish = event
                .event
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(MASS_SEND_JOB_FINISH));
            assert!(
                !is_finish || event.msg_id.is_none(),
                "a MASSSENDJOBFINISH with a MsgID came back as Other"
            );
        }
    }
}

fn check_finish(finish: &MassSendJobFinish) {
    let event = &finish.event;
    let result = &finish.result;
    assert_eq!(event.msg_id, Some(result.msg_id));
    assert!(
        event
            .event
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(MASS_SEND_JOB_FINISH))
    );
    if let Some(c) = &result.copyright_check {
        for item in &c.items {
            assert_text("OriginalArticleUrl", &item.original_article_url);
        }
    }
    if let Some(u) = &result.article_urls {
        for item in &u.items {
            assert_text("ArticleUrl", &item.url);
        }
    }

    let written = finish.to_xml();
    let reread = match parse_callback(&written) {
        Ok(Callback::MassSendJobFinish(f)) => f,
        // Finding D: to_xml can grow a hostile push past the reader's own
        // limits (`]]>` is written as 15 bytes; MsgType, Status and
        // ResultList are added). Needs inputs far over the default
        // -max_len, so it is only met with a larger one.
        #[cfg(not(feature = "strict-roundtrip"))]
        Err(XmlError::TooLarge(_) | XmlError::TooComplex) => return,
        other => panic!("to_xml wrote something that is not a finish: {other:?}\n{written}"),
    };
    assert_eq!(
        allow_known(reread.clone()),
        allow_known(finish.clone()),
        "to_xml then parse_callback changed the finish\n{written}"
    );
    // Whatever one round trip loses, a second one loses nothing more.
    let again = reread.to_xml();
    assert_eq!(
        parse_callback(&again),
        Ok(Callback::MassSendJobFinish(reread)),
        "a second round trip changed the finish\n{again}"
    );
}

fn check_envelope(envelope: &EncryptedEnvelope) {
    assert_text("ToUserName", &envelope.to_user_name);
    assert!(!envelope.encrypt.is_empty());
    assert_eq!(envelope.encrypt.trim(), envelope.encrypt);

    let written = envelope.to_xml();
    let reread = EncryptedEnvelope::parse(&written)
        .unwrap_or_else(|e| panic!("an envelope's to_xml does not parse: {e}\n{written}"));
    assert_eq!(
        allow_known_envelope(reread),
        allow_known_envelope(envelope.clone()),
        "EncryptedEnvelope to_xml then parse changed it\n{written}"
    );
}

/// Maps a finish to what survives `to_xml` + `parse_callback` today, so
/// that comparing both sides through it ignores the divergences already
/// reported (fuzz/README.md, "Known findings") and a run is not stopped by
/// them again. Applied to both sides, it holds before and after they are
/// fixed. With the `strict-roundtrip` feature it changes nothing.
fn allow_known(finish: MassSendJobFinish) -> MassSendJobFinish {
    #[allow(unused_mut)]
    let mut finish = finish;
    #[cfg(not(feature = "strict-roundtrip"))]
    {
        use qunfa_fuzz::wechat::status::Status;

        let e = &mut finish.event;
        // Finding B: to_xml writes `event` for a missing MsgType.
        if e.msg_type.is_none() {
            e.msg_type = Some("event".to_owned());
        }
        // Finding C: to_xml does not write EventKey.
        e.event_key = None;
        // Finding A: a carriage return (only reachable through `&#13;`)
        // does not survive CDATA: XML reads it back as a line feed.
        for field in [
            &mut e.to_user_name,
            &mut e.from_user_name,
            &mut e.msg_type,
            &mut e.event,
        ] {
            *field = field.as_deref().map(eol);
        }
        let r = &mut finish.result;
        if let Status::Unknown(raw) = &r.status {
            r.status = Status::parse(&eol(raw));
        }
        if let Some(c) = &mut r.copyright_check {
            for item in &mut c.items {
                item.original_article_url = item.original_article_url.as_deref().map(eol);
            }
        }
        if let Some(u) = &mut r.article_urls {
            for item in &mut u.items {
                item.url = item.url.as_deref().map(eol);
            }
        }
    }
    finish
}

/// `allow_known` for the envelope: only finding A applies.
fn allow_known_envelope(envelope: EncryptedEnvelope) -> EncryptedEnvelope {
    #[allow(unused_mut)]
    let mut envelope = envelope;
    #[cfg(not(feature = "strict-roundtrip"))]
    {
        envelope.to_user_name = envelope.to_user_name.as_deref().map(eol);
        envelope.encrypt = eol(&envelope.encrypt);
    }
    envelope
}

/// XML's end-of-line handling, as a parser applies it to CDATA and text:
/// `\r\n` and a lone `\r` become `\n`.
#[cfg_attr(feature = "strict-roundtrip", allow(dead_code))]
fn eol(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}
