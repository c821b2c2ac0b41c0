//! Fuzzes the callback crypto: `CallbackCrypto::decrypt_message` (what the
//! endpoint calls with the query's timestamp, nonce and msg_signature and
//! the envelope's Encrypt), the raw `decrypt`, signatures, timestamps, key
//! parsing and `seal`.
//!
//! Input layout (see README.md): the first byte picks a mode, the rest is
//! split on NUL bytes into that mode's fields; the last field takes the
//! remainder, NULs included. Fields are read as UTF-8, lossily, because the
//! endpoint only ever hands the crypto `&str`s.
//!
//! - mode 0, `timestamp \0 nonce \0 encrypt \0 msg_signature`: the request
//!   as it arrives. `decrypt_message` must equal "verify the signature, then
//!   `decrypt`", the signature check must accept exactly the expected hex
//!   (any case, surrounding whitespace), and `check_timestamp` must match a
//!   model. With the correct signature, the result is `decrypt`'s.
//! - mode 1, `plaintext`: the fuzzer chooses the *decrypted* bytes. They
//!   are encrypted here with the fixed key (cut to whole AES blocks) so that
//!   the padding and length-field checks behind AES are reachable, and
//!   `decrypt` must agree with an independent model of the format.
//! - mode 2, `timestamp \0 nonce \0 message`: `seal` then `decrypt_message`
//!   gives the message back, through the envelope and reply XML too; a
//!   wrong AppID or token is refused.
//! - mode 3, `encoding_aes_key \0 message`: a key parses exactly when it is
//!   43 base64 characters, and a parsed key seals and opens.

#![no_main]

use std::sync::Once;

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockModeEncrypt, KeyIvInit};
use libfuzzer_sys::fuzz_target;
use qunfa_fuzz::wechat::callback::{EncryptedEnvelope, parse_callback};
use qunfa_fuzz::wechat::crypto::{
    CallbackCrypto, CryptoError, EncodingAesKey, check_timestamp, decrypt, encrypt_with_random,
    msg_signature, signature, verify_msg_signature, verify_signature,
};

const TOKEN: &str = "qunfa-fuzz-token";
/// base64 of `KEY_BYTES` without its final `=`.
const ENCODING_AES_KEY: &str = "cXVuZmEgZnV6eiBrZXk6IDMyIGJ5dGVzIGV4YWN0bHk";
const KEY_BYTES: &[u8; 32] = b"qunfa fuzz key: 32 bytes exactly";
const APP_ID: &str = "wx0123456789abcdef";
const NOW: u64 = 1_700_000_000;
const MAX_SKEW: u64 = 300;

fuzz_target!(|data: &[u8]| {
    static SANITY: Once = Once::new();
    SANITY.call_once(sanity_check);

    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => {
            let f = fields::<4>(rest);
            request(&f[0], &f[1], &f[2], &f[3]);
        }
        1 => plaintext(rest),
        2 => {
            let f = fields::<3>(rest);
            seal_round_trip(&f[0], &f[1], &f[2]);
        }
        _ => {
            let f = fields::<2>(rest);
            key_parsing(&f[0], &f[1]);
        }
    }
});

/// Splits into `N` fields on NUL; missing fields are empty.
fn fields<const N: usize>(data: &[u8]) -> [String; N] {
    let mut parts = data.splitn(N, |&b| b == 0);
    std::array::from_fn(|_| String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned())
}

fn crypto() -> CallbackCrypto {
    CallbackCrypto::new(TOKEN, ENCODING_AES_KEY, APP_ID).expect("the fixed key parses")
}

fn key() -> EncodingAesKey {
    EncodingAesKey::parse(ENCODING_AES_KEY).expect("the fixed key parses")
}

/// AES-256-CBC with the fixed key and WeChat's IV (the key's first 16
/// bytes), no padding: `plain` must be whole blocks.
fn encrypt_raw(plain: &[u8]) -> String {
    let encryptor = cbc::Encryptor::<Aes256>::new_from_slices(KEY_BYTES, &KEY_BYTES[..16])
        .expect("32-byte key, 16-byte IV");
    STANDARD.encode(encryptor.encrypt_padded_vec::<NoPadding>(plain))
}

/// Checks once that `KEY_BYTES` is the key `ENCODING_AES_KEY` names, so the
/// plaintext mode really reaches past AES.
fn sanity_check() {
    let sealed = encrypt_with_random(&key(), APP_ID, "sanity", &[7; 16]).unwrap();
    let mut plain = Vec::new();
    plain.extend_from_slice(&[7; 16]);
    plain.extend_from_slice(&6u32.to_be_bytes());
    plain.extend_from_slice(b"sanity");
    plain.extend_from_slice(APP_ID.as_bytes());
    let n = 32 - plain.len() % 32;
    plain.resize(plain.len() + n, n as u8);
    assert_eq!(encrypt_raw(&plain), sealed, "KEY_BYTES do not match the key");
}

/// The endpoint's safe-mode checks on one request.
fn request(timestamp: &str, nonce: &str, encrypt: &str, received: &str) {
    let crypto = crypto();
    let expected = msg_signature(TOKEN, timestamp, nonce, encrypt);
    assert_eq!(expected.len(), 40);
    assert!(
        expected
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );

    // The signature check accepts exactly the expected hex, in any case,
    // with surrounding whitespace.
    let verified = verify_msg_signature(TOKEN, timestamp, nonce, encrypt, received);
    let matches = received.trim().to_ascii_lowercase() == expected;
    assert_eq!(verified.is_ok(), matches, "msg_signature check vs model");
    if let Err(e) = &verified {
        assert_eq!(e, &CryptoError::BadSignature);
    }

    // decrypt_message = verify, then decrypt; nothing is decrypted first.
    let raw = decrypt(&key(), APP_ID, encrypt);
    let opened = crypto.decrypt_message(timestamp, nonce, encrypt, received);
    assert_eq!(opened, verified.clone().and(raw.clone()));
    let with_expected = crypto.decrypt_message(timestamp, nonce, encrypt, &expected);
    assert_eq!(with_expected, raw);
    let shouted = format!(" {}\n", expected.to_ascii_uppercase());
    assert_eq!(
        crypto.decrypt_message(timestamp, nonce, encrypt, &shouted),
        raw
    );
    check_decrypt_result(&raw);

    // The plain `signature` of every request.
    let plain_sig = signature(TOKEN, timestamp, nonce);
    assert!(crypto.verify_signature(timestamp, nonce, &plain_sig).is_ok());
    assert_eq!(
        crypto.verify_signature(timestamp, nonce, received),
        verify_signature(TOKEN, timestamp, nonce, received)
    );
    assert_eq!(
        verify_signature(TOKEN, timestamp, nonce, received).is_ok(),
        received.trim().to_ascii_lowercase() == plain_sig
    );

    // Replay window.
    let fresh = timestamp
        .trim()
        .parse::<u64>()
        .is_ok_and(|ts| ts.abs_diff(NOW) <= MAX_SKEW);
    let checked = check_timestamp(timestamp, NOW, MAX_SKEW);
    assert_eq!(checked.is_ok(), fresh, "check_timestamp vs model");
    if let Err(e) = checked {
        assert_eq!(e, CryptoError::StaleTimestamp);
    }
}

/// What a successful decryption hands on, as the endpoint does.
fn check_decrypt_result(result: &Result<String, CryptoError>) {
    if let Ok(message) = result {
        let _ = parse_callback(message);
    }
}

/// The fuzzer chooses the decrypted bytes.
fn plaintext(data: &[u8]) {
    let whole = data.len() - data.len() % 16;
    let plain = &data[..whole];
    let encrypt = encrypt_raw(plain);
    let got = decrypt(&key(), APP_ID, &encrypt);
    let want = model_decrypt(plain, APP_ID.as_bytes());
    assert_eq!(got, want, "decrypt vs model for plaintext {plain:?}");

    let (ts, nonce) = ("1700000000", "fuzz");
    let sig = msg_signature(TOKEN, ts, nonce, &encrypt);
    assert_eq!(crypto().decrypt_message(ts, nonce, &encrypt, &sig), got);
    check_decrypt_result(&got);
}

/// WeChat's format, written out independently of `crypto.rs`:
/// `random(16) ‖ u32_be(len) ‖ message ‖ appid ‖ padding`, where the
/// padding is `n` bytes of value `n`, 1 ≤ n ≤ 32.
fn model_decrypt(plain: &[u8], app_id: &[u8]) -> Result<String, CryptoError> {
    if plain.is_empty() {
        return Err(CryptoError::BadLength);
    }
    let n = plain[plain.len() - 1] as usize;
    if !(1..=32).contains(&n) || n > plain.len() {
        return Err(CryptoError::BadPadding);
    }
    if plain[plain.len() - n..].iter().any(|&b| b as usize != n) {
        return Err(CryptoError::BadPadding);
    }
    let body = &plain[..plain.len() - n];
    if body.len() < 20 {
        return Err(CryptoError::BadLength);
    }
    let len = u32::from_be_bytes([body[16], body[17], body[18], body[19]]) as u64;
    if 20 + len > body.len() as u64 {
        return Err(CryptoError::BadLength);
    }
    let end = 20 + len as usize;
    if &body[end..] != app_id {
        return Err(CryptoError::AppIdMismatch);
    }
    String::from_utf8(body[20..end].to_vec()).map_err(|_| CryptoError::NotUtf8)
}

/// What the simulator does, and the endpoint undoes.
fn seal_round_trip(timestamp: &str, nonce: &str, message: &str) {
    let crypto = crypto();
    let sealed = crypto
        .seal(message, timestamp, nonce)
        .expect("a short message seals");
    assert_eq!(
        sealed.msg_signature,
        msg_signature(TOKEN, timestamp, nonce, &sealed.encrypt)
    );
    assert_eq!(
        crypto.decrypt_message(timestamp, nonce, &sealed.encrypt, &sealed.msg_signature),
        Ok(message.to_owned())
    );

    // Through the safe-mode body the simulator POSTs.
    let envelope = EncryptedEnvelope {
        to_user_name: Some("gh_0123456789ab".to_owned()),
        encrypt: sealed.encrypt.clone(),
    };
    let reread = EncryptedEnvelope::parse(&envelope.to_xml()).expect("an envelope parses");
    assert_eq!(reread, envelope);

    // The encrypted passive reply carries a readable Encrypt, whatever the
    // timestamp and nonce.
    let reply = crypto
        .encrypted_reply(message, timestamp, nonce)
        .expect("a short message seals");
    let reply_envelope = EncryptedEnvelope::parse(&reply)
        .unwrap_or_else(|e| panic!("the encrypted reply does not parse: {e}\n{reply}"));
    assert_eq!(
        decrypt(&key(), APP_ID, &reply_envelope.encrypt),
        Ok(message.to_owned())
    );

    // Another account's AppID or token does not open it.
    let other_app = CallbackCrypto::new(TOKEN, ENCODING_AES_KEY, "wxfedcba9876543210").unwrap();
    assert_eq!(
        other_app.decrypt_message(timestamp, nonce, &sealed.encrypt, &sealed.msg_signature),
        Err(CryptoError::AppIdMismatch)
    );
    let other_token = CallbackCrypto::new("another-token", ENCODING_AES_KEY, APP_ID).unwrap();
    assert_eq!(
        other_token.decrypt_message(timestamp, nonce, &sealed.encrypt, &sealed.msg_signature),
        Err(CryptoError::BadSignature)
    );
}

/// An EncodingAESKey as typed into the settings.
fn key_parsing(encoding_aes_key: &str, message: &str) {
    let parsed = EncodingAesKey::parse(encoding_aes_key);
    let well_formed = encoding_aes_key.len() == EncodingAesKey::LEN
        && encoding_aes_key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    assert_eq!(parsed.is_ok(), well_formed, "key parsing vs model");
    let crypto = CallbackCrypto::new(TOKEN, encoding_aes_key, APP_ID);
    assert_eq!(crypto.is_ok(), well_formed);
    match crypto {
        Ok(crypto) => {
            assert!(!format!("{crypto:?}").contains(TOKEN), "Debug shows the token");
            let sealed = crypto.seal(message, "1", "2").expect("a short message seals");
            assert_eq!(
                crypto.decrypt_message("1", "2", &sealed.encrypt, &sealed.msg_signature),
                Ok(message.to_owned())
            );
        }
        Err(e) => assert_eq!(e, CryptoError::BadKey),
    }
}
