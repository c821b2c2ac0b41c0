//! Verify + decrypt + parse of one safe-mode MASSSENDJOBFINISH: everything
//! `/wechat/callback` does to an event before storing it. Target: < 20 µs.

use std::time::{SystemTime, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use qunfa::{
    callbacks::{
        CallbackKeys, CallbackState,
        endpoint::{CallbackQuery, accept},
    },
    wechat::crypto::CallbackCrypto,
};

const EVENT: &str = include_str!("../src/wechat/fixtures/masssendjobfinish.xml");
const TOKEN: &str = "benchtoken";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID: &str = "wx1234567890abcdef";

fn verify_decrypt_parse(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // The writer is never used by `accept`; it only needs a runtime to exist.
    let state = runtime.block_on(async {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        CallbackState {
            account_id: 1,
            keys: std::sync::Arc::new(
                CallbackKeys::new(TOKEN.to_owned().into(), Some(&KEY.to_owned().into()), APPID)
                    .unwrap(),
            ),
            writer: qunfa::callbacks::store::CallbackWriter::start(pool),
            health: Default::default(),
            replays: std::sync::Arc::new(qunfa::callbacks::replay::ReplayGuard::new(300)),
            forward: None,
        }
    });
    let crypto = CallbackCrypto::new(TOKEN, KEY, APPID).unwrap();
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let sealed = crypto.seal(EVENT, &timestamp, "nonce").unwrap();
    let query: CallbackQuery = serde_json::from_value(serde_json::json!({
        "signature": crypto.signature(&timestamp, "nonce"),
        "timestamp": timestamp,
        "nonce": "nonce",
        "encrypt_type": "aes",
        "msg_signature": sealed.msg_signature,
    }))
    .unwrap();
    let body = format!(
        "<xml><ToUserName><![CDATA[gh_4d00ed8d6399]]></ToUserName><Encrypt><![CDATA[{}]]></Encrypt></xml>",
        sealed.encrypt
    );
    assert!(accept(&state, &query, body.as_bytes()).is_ok());
    c.bench_function("callback verify+decrypt+parse (safe mode)", |b| {
        b.iter(|| accept(&state, &query, std::hint::black_box(body.as_bytes())).unwrap())
    });

    // The same work in its parts, to see where the time goes.
    use qunfa::wechat::{callback, crypto};
    c.bench_function("part: signature", |b| {
        b.iter(|| {
            crypto::verify_signature(
                TOKEN,
                &timestamp,
                "nonce",
                &crypto.signature(&timestamp, "nonce"),
            )
        })
    });
    c.bench_function("part: envelope parse", |b| {
        b.iter(|| callback::EncryptedEnvelope::parse(std::hint::black_box(&body)).unwrap())
    });
    c.bench_function("part: msg_signature + decrypt", |b| {
        b.iter(|| {
            crypto
                .decrypt_message(&timestamp, "nonce", &sealed.encrypt, &sealed.msg_signature)
                .unwrap()
        })
    });
    c.bench_function("part: parse MASSSENDJOBFINISH", |b| {
        b.iter(|| callback::parse_callback(std::hint::black_box(EVENT)).unwrap())
    });
}

criterion_group!(benches, verify_decrypt_parse);
criterion_main!(benches);
