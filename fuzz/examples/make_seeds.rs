//! Writes the seed corpora under `fuzz/seeds/`. Deterministic: the random
//! prefix of every encryption is fixed, so running it again rewrites the
//! same files.
//!
//!     cd fuzz && cargo run --example make_seeds
//!
//! The key, token and AppID must stay those of
//! `fuzz_targets/callback_decrypt.rs`.

use std::fs;
use std::path::Path;

use qunfa_fuzz::wechat::callback::EncryptedEnvelope;
use qunfa_fuzz::wechat::crypto::{EncodingAesKey, encrypt_with_random, msg_signature};

const TOKEN: &str = "qunfa-fuzz-token";
const ENCODING_AES_KEY: &str = "cXVuZmEgZnV6eiBrZXk6IDMyIGJ5dGVzIGV4YWN0bHk";
const APP_ID: &str = "wx0123456789abcdef";
const TIMESTAMP: &str = "1700000000";
const NONCE: &str = "1320562132";

const FIXTURE: &str = include_str!("../../src/wechat/fixtures/masssendjobfinish.xml");

const MINIMAL_FINISH: &str = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName>\
<FromUserName><![CDATA[oA]]></FromUserName><CreateTime>1700000000</CreateTime>\
<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[MASSSENDJOBFINISH]]></Event>\
<MsgID>1000001625</MsgID><Status><![CDATA[send success]]></Status>\
<TotalCount>100</TotalCount><FilterCount>80</FilterCount><SentCount>75</SentCount>\
<ErrorCount>5</ErrorCount></xml>";

const PLAIN_TEXT_FINISH: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml>\n \
<MsgType>event</MsgType>\n <Event> MASSSENDJOBFINISH </Event>\n <MsgID>\n 3147483648 \n</MsgID>\
<Status>send fail</Status><TotalCount> 12 </TotalCount><SentCount>oops</SentCount>\
<CopyrightCheckResult><Count>1</Count><ResultList><item><ArticleIdx> 1 </ArticleIdx>\
<AuditState>11</AuditState><OriginalArticleUrl>https://mp.weixin.qq.com/s?a=1&amp;b=2&#x26;c=&#51;\
</OriginalArticleUrl></item></ResultList><CheckState>0</CheckState></CopyrightCheckResult>\
<ArticleUrlResult><Count>0</Count><ResultList/></ArticleUrlResult><!-- a comment --></xml>";

const SUBSCRIBE: &str = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName>\
<FromUserName><![CDATA[oA]]></FromUserName><CreateTime>123456789</CreateTime>\
<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>\
<EventKey><![CDATA[qrscene_1]]></EventKey></xml>";

const TEXT_MESSAGE: &str = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName>\
<FromUserName><![CDATA[oB]]></FromUserName><CreateTime>1409735668</CreateTime>\
<MsgType>  <![CDATA[text]]></MsgType><Content><![CDATA[a ]]]]><![CDATA[> b]]></Content>\
<MsgId>6054768590064713728</MsgId></xml>";

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let xml_dir = root.join("callback_xml");
    let dec_dir = root.join("callback_decrypt");
    fs::create_dir_all(&xml_dir).unwrap();
    fs::create_dir_all(&dec_dir).unwrap();
    let key = EncodingAesKey::parse(ENCODING_AES_KEY).unwrap();

    // callback_xml: pushes as they arrive in plaintext mode, and safe-mode
    // envelopes.
    let messages = [
        ("masssendjobfinish_fixture", FIXTURE),
        ("finish_minimal", MINIMAL_FINISH),
        ("finish_plain_text_and_refs", PLAIN_TEXT_FINISH),
        ("event_subscribe", SUBSCRIBE),
        ("message_text", TEXT_MESSAGE),
    ];
    for (name, xml) in messages {
        fs::write(xml_dir.join(format!("{name}.xml")), xml).unwrap();
    }
    for (i, (name, xml)) in messages.iter().enumerate() {
        let encrypt = encrypt_with_random(&key, APP_ID, xml, &[i as u8; 16]).unwrap();
        let envelope = EncryptedEnvelope {
            to_user_name: Some("gh_4d00ed8d6399".to_owned()),
            encrypt,
        };
        fs::write(
            xml_dir.join(format!("envelope_{name}.xml")),
            envelope.to_xml(),
        )
        .unwrap();
    }

    // callback_decrypt: mode byte, then NUL-separated fields.
    let seed = |name: &str, mode: u8, fields: &[&[u8]]| {
        let mut bytes = vec![mode];
        bytes.extend_from_slice(&fields.join(&0u8));
        fs::write(dec_dir.join(name), bytes).unwrap();
    };
    for (i, (name, xml)) in messages.iter().enumerate() {
        // Mode 0: a well-signed request, and the same with a bad signature.
        let encrypt = encrypt_with_random(&key, APP_ID, xml, &[i as u8; 16]).unwrap();
        let sig = msg_signature(TOKEN, TIMESTAMP, NONCE, &encrypt);
        let parts: [&[u8]; 4] = [
            TIMESTAMP.as_bytes(),
            NONCE.as_bytes(),
            encrypt.as_bytes(),
            sig.as_bytes(),
        ];
        seed(&format!("0_request_{name}"), 0, &parts);
        if i == 0 {
            let bad = format!("{}0", &sig[..39]);
            seed(
                "0_request_bad_signature",
                0,
                &[TIMESTAMP.as_bytes(), NONCE.as_bytes(), encrypt.as_bytes(), bad.as_bytes()],
            );
        }
        // Mode 1: the decrypted bytes themselves.
        seed(&format!("1_plaintext_{name}"), 1, &[&plaintext(xml, i as u8)]);
        // Mode 2: a message to seal.
        seed(
            &format!("2_seal_{name}"),
            2,
            &[TIMESTAMP.as_bytes(), NONCE.as_bytes(), xml.as_bytes()],
        );
    }
    // Mode 1 edge cases: an empty message (a whole block of padding after
    // the AppID) and a message for another AppID.
    seed("1_plaintext_empty_message", 1, &[&plaintext("", 9)]);
    let mut other = plaintext("", 9);
    other[20] = b'x';
    seed("1_plaintext_other_app_id", 1, &[&other]);
    // Mode 3: keys.
    seed("3_key_valid", 3, &[ENCODING_AES_KEY.as_bytes(), b"success"]);
    seed(
        "3_key_spare_bits",
        3,
        &[b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", b"<xml/>"],
    );
    seed(
        "3_key_too_short",
        3,
        &[b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEF", b"x"],
    );
}

/// `random(16) ‖ u32_be(len) ‖ message ‖ appid ‖ padding to 32`.
fn plaintext(message: &str, random: u8) -> Vec<u8> {
    let mut plain = vec![random; 16];
    plain.extend_from_slice(&(message.len() as u32).to_be_bytes());
    plain.extend_from_slice(message.as_bytes());
    plain.extend_from_slice(APP_ID.as_bytes());
    let n = 32 - plain.len() % 32;
    plain.resize(plain.len() + n, n as u8);
    plain
}
