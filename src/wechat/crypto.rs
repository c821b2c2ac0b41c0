//! Callback security: signatures and WeChat's AES message encryption.
//!
//! - `signature` = SHA-1 hex of the sorted `[token, timestamp, nonce]`,
//!   concatenated; it authenticates every callback request (and the GET
//!   URL check).
//! - `msg_signature` = the same over `[token, timestamp, nonce, Encrypt]`;
//!   it authenticates the ciphertext in safe and compatible modes.
//! - The EncodingAESKey (43 characters) is base64 without its final `=`; it
//!   decodes to a 32-byte AES-256 key, and the IV is the key's first 16 bytes.
//! - The plaintext is `random(16) ‖ u32_be(len) ‖ message ‖ AppID`, padded
//!   PKCS#7-style to a multiple of **32** bytes (not AES's 16), then
//!   AES-256-CBC encrypted and base64 encoded.
//!
//! CBC gives no integrity, so callers must verify `msg_signature` before
//! decrypting; [`CallbackCrypto::decrypt_message`] does both in that order,
//! which also keeps padding errors out of reach of anyone without the token.

use std::fmt;

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

use super::callback::{push_cdata, push_escaped};

type Encryptor = cbc::Encryptor<Aes256>;
type Decryptor = cbc::Decryptor<Aes256>;

/// WeChat pads to this block size, twice AES's.
const PAD_BLOCK: usize = 32;
/// Random prefix plus the length field.
const HEADER: usize = 16 + 4;

/// Why a callback could not be authenticated or decrypted. The variants say
/// what failed without echoing secrets or plaintext.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the signature does not match")]
    BadSignature,
    #[error("the EncodingAESKey must be 43 base64 characters that decode to 32 bytes")]
    BadKey,
    #[error("the ciphertext is not valid base64")]
    Base64,
    #[error("the ciphertext or its length field has an impossible length")]
    BadLength,
    #[error("the decrypted padding is invalid")]
    BadPadding,
    #[error("the message was encrypted for another AppID")]
    AppIdMismatch,
    #[error("the decrypted message is not UTF-8")]
    NotUtf8,
    #[error("the timestamp is missing, malformed or too far from now")]
    StaleTimestamp,
    #[error("the message is too long to encrypt")]
    TooLong,
}

/// Base64 as WeChat's own samples decode the key: the 43rd character may
/// carry 2 spare bits (the official sample key ends in `G`), which strict
/// decoding would refuse.
const KEY_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// The AES key derived from an EncodingAESKey. `Debug` hides it.
#[derive(Clone)]
pub struct EncodingAesKey([u8; 32]);

impl EncodingAesKey {
    pub const LEN: usize = 43;

    /// Parses the 43-character key from the WeChat console.
    pub fn parse(encoding_aes_key: &str) -> Result<Self, CryptoError> {
        if encoding_aes_key.len() != Self::LEN {
            return Err(CryptoError::BadKey);
        }
        let mut padded = String::with_capacity(Self::LEN + 1);
        padded.push_str(encoding_aes_key);
        padded.push('=');
        let bytes = KEY_BASE64.decode(padded).map_err(|_| CryptoError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadKey)?;
        Ok(EncodingAesKey(key))
    }

    fn iv(&self) -> &[u8] {
        &self.0[..16]
    }
}

impl fmt::Debug for EncodingAesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EncodingAesKey([hidden])")
    }
}

/// SHA-1 hex of the parts sorted byte-wise and concatenated: the one
/// signature scheme behind both `signature` and `msg_signature`.
pub fn sorted_sha1(parts: &[&str]) -> String {
    let mut sorted = parts.to_vec();
    sorted.sort_unstable();
    let mut hasher = Sha1::new();
    for part in sorted {
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in &digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The `signature` query parameter of every callback request.
pub fn signature(token: &str, timestamp: &str, nonce: &str) -> String {
    sorted_sha1(&[token, timestamp, nonce])
}

/// The `msg_signature` over an `Encrypt` value.
pub fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    sorted_sha1(&[token, timestamp, nonce, encrypt])
}

/// Compares a received hex signature with the expected one in constant
/// time, ignoring hex case.
fn check_hex(received: &str, expected: &str) -> Result<(), CryptoError> {
    let received = received.trim().to_ascii_lowercase();
    if bool::from(received.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(CryptoError::BadSignature)
    }
}

/// Verifies `signature` (GET URL check and every POST).
pub fn verify_signature(
    token: &str,
    timestamp: &str,
    nonce: &str,
    received: &str,
) -> Result<(), CryptoError> {
    check_hex(received, &signature(token, timestamp, nonce))
}

/// Verifies `msg_signature` over the ciphertext.
pub fn verify_msg_signature(
    token: &str,
    timestamp: &str,
    nonce: &str,
    encrypt: &str,
    received: &str,
) -> Result<(), CryptoError> {
    check_hex(received, &msg_signature(token, timestamp, nonce, encrypt))
}

/// Refuses a timestamp more than `max_skew_secs` away from `now_unix`, so a
/// captured callback cannot be replayed much later.
pub fn check_timestamp(
    timestamp: &str,
    now_unix: u64,
    max_skew_secs: u64,
) -> Result<(), CryptoError> {
    let ts: u64 = timestamp
        .trim()
        .parse()
        .map_err(|_| CryptoError::StaleTimestamp)?;
    if ts.abs_diff(now_unix) <= max_skew_secs {
        Ok(())
    } else {
        Err(CryptoError::StaleTimestamp)
    }
}

/// Decrypts an `Encrypt` value and checks that it was meant for `app_id`.
/// Verify `msg_signature` first.
pub fn decrypt(key: &EncodingAesKey, app_id: &str, encrypt: &str) -> Result<String, CryptoError> {
    let ciphertext = STANDARD
        .decode(encrypt.trim())
        .map_err(|_| CryptoError::Base64)?;
    if ciphertext.is_empty() || ciphertext.len() % 16 != 0 {
        return Err(CryptoError::BadLength);
    }
    let decryptor =
        Decryptor::new_from_slices(&key.0, key.iv()).map_err(|_| CryptoError::BadKey)?;
    let plain = decryptor
        .decrypt_padded_vec::<NoPadding>(&ciphertext)
        .map_err(|_| CryptoError::BadLength)?;
    let body = unpad(&plain)?;
    let (message, found_app_id) = split_body(body)?;
    if found_app_id != app_id.as_bytes() {
        return Err(CryptoError::AppIdMismatch);
    }
    String::from_utf8(message.to_vec()).map_err(|_| CryptoError::NotUtf8)
}

/// Strips WeChat's 32-byte-block PKCS#7 padding: the last byte `n` must be
/// 1..=32 and the last `n` bytes must all equal `n`.
fn unpad(plain: &[u8]) -> Result<&[u8], CryptoError> {
    let n = usize::from(*plain.last().ok_or(CryptoError::BadPadding)?);
    if n == 0 || n > PAD_BLOCK || n > plain.len() {
        return Err(CryptoError::BadPadding);
    }
    let (body, pad) = plain.split_at(plain.len() - n);
    if pad.iter().all(|&b| usize::from(b) == n) {
        Ok(body)
    } else {
        Err(CryptoError::BadPadding)
    }
}

/// Splits `random(16) ‖ len ‖ message ‖ appid` into message and AppID.
fn split_body(body: &[u8]) -> Result<(&[u8], &[u8]), CryptoError> {
    let len_bytes: [u8; 4] = body
        .get(16..HEADER)
        .and_then(|b| b.try_into().ok())
        .ok_or(CryptoError::BadLength)?;
    let len = usize::try_from(u32::from_be_bytes(len_bytes)).map_err(|_| CryptoError::BadLength)?;
    let end = HEADER.checked_add(len).ok_or(CryptoError::BadLength)?;
    let message = body.get(HEADER..end).ok_or(CryptoError::BadLength)?;
    let app_id = body.get(end..).ok_or(CryptoError::BadLength)?;
    Ok((message, app_id))
}

/// Encrypts `message` for `app_id` with a fresh random prefix.
pub fn encrypt(key: &EncodingAesKey, app_id: &str, message: &str) -> Result<String, CryptoError> {
    let mut random = [0u8; 16];
    rand::fill(&mut random);
    encrypt_with_random(key, app_id, message, &random)
}

/// Encrypts with a given random prefix: deterministic, for known-answer
/// tests. Use [`encrypt`] otherwise.
pub fn encrypt_with_random(
    key: &EncodingAesKey,
    app_id: &str,
    message: &str,
    random: &[u8; 16],
) -> Result<String, CryptoError> {
    let len = u32::try_from(message.len()).map_err(|_| CryptoError::TooLong)?;
    let mut plain = Vec::with_capacity(HEADER + message.len() + app_id.len() + PAD_BLOCK);
    plain.extend_from_slice(random);
    plain.extend_from_slice(&len.to_be_bytes());
    plain.extend_from_slice(message.as_bytes());
    plain.extend_from_slice(app_id.as_bytes());
    let n = PAD_BLOCK - plain.len() % PAD_BLOCK;
    // n is 1..=32, so it fits a byte.
    let pad = u8::try_from(n).map_err(|_| CryptoError::BadPadding)?;
    plain.resize(plain.len() + n, pad);
    let encryptor =
        Encryptor::new_from_slices(&key.0, key.iv()).map_err(|_| CryptoError::BadKey)?;
    let ciphertext = encryptor.encrypt_padded_vec::<NoPadding>(&plain);
    Ok(STANDARD.encode(ciphertext))
}

/// An encrypted message and the `msg_signature` that vouches for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub encrypt: String,
    pub msg_signature: String,
}

/// Everything needed to check, open and seal callbacks of one account.
/// `Debug` hides the token and key.
#[derive(Clone)]
pub struct CallbackCrypto {
    token: String,
    key: EncodingAesKey,
    app_id: String,
}

impl fmt::Debug for CallbackCrypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackCrypto")
            .field("token", &"[hidden]")
            .field("key", &self.key)
            .field("app_id", &self.app_id)
            .finish()
    }
}

impl CallbackCrypto {
    pub fn new(
        token: impl Into<String>,
        encoding_aes_key: &str,
        app_id: impl Into<String>,
    ) -> Result<Self, CryptoError> {
        Ok(CallbackCrypto {
            token: token.into(),
            key: EncodingAesKey::parse(encoding_aes_key)?,
            app_id: app_id.into(),
        })
    }

    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// Checks the plain `signature` of a request.
    pub fn verify_signature(
        &self,
        timestamp: &str,
        nonce: &str,
        received: &str,
    ) -> Result<(), CryptoError> {
        verify_signature(&self.token, timestamp, nonce, received)
    }

    /// Checks `msg_signature`, then decrypts and checks the AppID.
    pub fn decrypt_message(
        &self,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
        received_msg_signature: &str,
    ) -> Result<String, CryptoError> {
        verify_msg_signature(
            &self.token,
            timestamp,
            nonce,
            encrypt,
            received_msg_signature,
        )?;
        decrypt(&self.key, &self.app_id, encrypt)
    }

    /// Encrypts and signs a message (what the simulator pushes).
    pub fn seal(&self, message: &str, timestamp: &str, nonce: &str) -> Result<Sealed, CryptoError> {
        let encrypt = encrypt(&self.key, &self.app_id, message)?;
        let msg_signature = msg_signature(&self.token, timestamp, nonce, &encrypt);
        Ok(Sealed {
            encrypt,
            msg_signature,
        })
    }

    /// The plain `signature` for a request's query (what the simulator sends).
    pub fn signature(&self, timestamp: &str, nonce: &str) -> String {
        signature(&self.token, timestamp, nonce)
    }

    /// An encrypted passive reply:
    /// `<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`.
    pub fn encrypted_reply(
        &self,
        message: &str,
        timestamp: &str,
        nonce: &str,
    ) -> Result<String, CryptoError> {
        let sealed = self.seal(message, timestamp, nonce)?;
        Ok(reply_envelope(&sealed, timestamp, nonce))
    }
}

/// Writes the encrypted reply envelope for an already sealed message.
pub fn reply_envelope(sealed: &Sealed, timestamp: &str, nonce: &str) -> String {
    let mut xml = String::with_capacity(sealed.encrypt.len() + 200);
    xml.push_str("<xml><Encrypt>");
    push_cdata(&mut xml, &sealed.encrypt);
    xml.push_str("</Encrypt><MsgSignature>");
    push_cdata(&mut xml, &sealed.msg_signature);
    xml.push_str("</MsgSignature><TimeStamp>");
    push_escaped(&mut xml, timestamp);
    xml.push_str("</TimeStamp><Nonce>");
    push_cdata(&mut xml, nonce);
    xml.push_str("</Nonce></xml>");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors A: Tencent's official Java sample (WXBizMsgCryptTest), as kept
    // in WxJava's test suite: chanjarster/weixin-java-tools,
    // weixin-java-common/src/test/java/me/chanjar/weixin/common/util/crypto/WxCryptUtilTest.java
    // (testAesEncrypt, testAesEncrypt2).
    const A_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    const A_APPID: &str = "wxb11529c136998cb6";
    const A_RANDOM: &[u8; 16] = b"aaaabbbbccccdddd";
    const A_MSG1: &str = "我是中文abcd123";
    const A_CIPHER1: &str =
        "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";
    const A_MSG2: &str = "<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>";
    const A_CIPHER2: &str = "jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb";

    // Vectors B: wechatpy, tests/test_crypto.py (test_encrypt_message,
    // test_decrypt_message, test_check_signature_should_ok/fail). The
    // WeCom variant of the same scheme; the corp id plays the AppID's part.
    const B_TOKEN: &str = "123456";
    const B_KEY: &str = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR";
    const B_APPID: &str = "wx49f0ab532d5d035a";

    // Vector C: the official WXBizMsgCrypt Python sample (Sample.py by
    // jonyqin, Tencent), as kept in charlesXu86/Chatbot_CN,
    // Chatbot_Web/impl/weixin/Sample.py.
    const C_TOKEN: &str = "spamtest";
    const C_APPID: &str = "wx2c2769f8efd9abc2";
    const C_TIMESTAMP: &str = "1409735669";
    const C_NONCE: &str = "1320562132";
    const C_MSG_SIGNATURE: &str = "5d197aaffba7e9b25a30732f161a50dee96bd5fa";
    const C_ENCRYPT: &str = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";

    const B_DECRYPT_ENCRYPT: &str = "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=";

    fn key(s: &str) -> EncodingAesKey {
        EncodingAesKey::parse(s).unwrap()
    }

    #[test]
    fn url_signature_matches_wechatpy() {
        // Source: wechatpy, tests/test_utils.py, test_check_signature_should_ok/_fail.
        assert_eq!(
            signature("test", "1410685589", "test"),
            "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"
        );
        assert!(
            verify_signature(
                "test",
                "1410685589",
                "test",
                "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"
            )
            .is_ok()
        );
        assert!(
            verify_signature(
                "test",
                "1410685589",
                "test",
                "F21891DE399B4E33A1A93C9A7B8A8FFFB5A443FF"
            )
            .is_ok()
        );
        assert_eq!(
            verify_signature(
                "test",
                "1410685589",
                "test",
                "f21891de399b4e33a1a93c9a7b8a8fffb5a443fe"
            ),
            Err(CryptoError::BadSignature)
        );
    }

    #[test]
    fn signature_parts_are_sorted_before_hashing() {
        // Source: wechatpy, tests/test_utils.py, test_wechat_card_signer
        // ('789', '456', '123' sign as sha1("123456789")).
        assert_eq!(
            sorted_sha1(&["789", "456", "123"]),
            "f7c3bc1d808e04732adf679965ccc34ca7ae3441"
        );
    }

    #[test]
    fn msg_signature_matches_wechatpy() {
        // Source: wechatpy, tests/test_crypto.py, test_decrypt_message and
        // test_check_signature_should_ok (signature over an echostr).
        assert_eq!(
            msg_signature(B_TOKEN, "1411525903", "461056294", B_DECRYPT_ENCRYPT),
            "74d92dfeb87ba7c714f89d98870ae5eb62dff26d"
        );
        let echostr = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==";
        assert!(
            verify_msg_signature(
                B_TOKEN,
                "1411443780",
                "437374425",
                echostr,
                "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96"
            )
            .is_ok()
        );
        // test_check_signature_should_fail: one digit of the nonce changed.
        assert_eq!(
            verify_msg_signature(
                B_TOKEN,
                "1411443780",
                "437374424",
                echostr,
                "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96"
            ),
            Err(CryptoError::BadSignature)
        );
        // The echostr itself decrypts for the corp id.
        assert!(decrypt(&key(B_KEY), B_APPID, echostr).is_ok());
    }

    #[test]
    fn encryption_matches_the_official_java_sample() {
        // Source: vectors A (WxJava WxCryptUtilTest testAesEncrypt, testAesEncrypt2).
        let k = key(A_KEY);
        assert_eq!(
            encrypt_with_random(&k, A_APPID, A_MSG1, A_RANDOM).unwrap(),
            A_CIPHER1
        );
        assert_eq!(
            encrypt_with_random(&k, A_APPID, A_MSG2, A_RANDOM).unwrap(),
            A_CIPHER2
        );
        assert_eq!(decrypt(&k, A_APPID, A_CIPHER1).unwrap(), A_MSG1);
        assert_eq!(decrypt(&k, A_APPID, A_CIPHER2).unwrap(), A_MSG2);
    }

    #[test]
    fn encryption_and_reply_signature_match_wechatpy() {
        // Source: wechatpy, tests/test_crypto.py, test_encrypt_message
        // (random prefix fixed to "1234567890123456").
        let reply = "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>";
        let expected = "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3";
        let encrypt =
            encrypt_with_random(&key(B_KEY), B_APPID, reply, b"1234567890123456").unwrap();
        assert_eq!(encrypt, expected);
        assert_eq!(
            msg_signature(B_TOKEN, "1411525903", "461056294", &encrypt),
            "407518b7649e86ef23978113f92d27afa9296533"
        );
    }

    #[test]
    fn decryption_matches_wechatpy() {
        // Source: wechatpy, tests/test_crypto.py, test_decrypt_message.
        let crypto = CallbackCrypto::new(B_TOKEN, B_KEY, B_APPID).unwrap();
        let xml = crypto
            .decrypt_message(
                "1411525903",
                "461056294",
                B_DECRYPT_ENCRYPT,
                "74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
            )
            .unwrap();
        assert!(xml.contains("<Content><![CDATA[test]]></Content>"), "{xml}");
        assert!(
            xml.contains("<FromUserName><![CDATA[messense]]></FromUserName>"),
            "{xml}"
        );
    }

    #[test]
    fn decryption_matches_the_official_python_sample() {
        // Source: vector C (official Sample.py); it has a key whose last
        // character carries spare bits, which the key parser must accept.
        let crypto = CallbackCrypto::new(C_TOKEN, A_KEY, C_APPID).unwrap();
        let xml = crypto
            .decrypt_message(C_TIMESTAMP, C_NONCE, C_ENCRYPT, C_MSG_SIGNATURE)
            .unwrap();
        assert!(xml.starts_with("<xml>"), "{xml}");
        assert!(
            xml.contains("<ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"),
            "{xml}"
        );
        assert!(
            xml.contains("<Content><![CDATA[abcdteT]]></Content>"),
            "{xml}"
        );
    }

    #[test]
    fn a_tampered_msg_signature_is_refused_before_decrypting() {
        let crypto = CallbackCrypto::new(C_TOKEN, A_KEY, C_APPID).unwrap();
        let tampered = "5d197aaffba7e9b25a30732f161a50dee96bd5fb";
        assert_eq!(
            crypto.decrypt_message(C_TIMESTAMP, C_NONCE, C_ENCRYPT, tampered),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(
            crypto.decrypt_message("1409735670", C_NONCE, C_ENCRYPT, C_MSG_SIGNATURE),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(
            crypto.decrypt_message(C_TIMESTAMP, C_NONCE, C_ENCRYPT, ""),
            Err(CryptoError::BadSignature)
        );
    }

    #[test]
    fn a_message_for_another_app_id_is_refused() {
        assert_eq!(
            decrypt(&key(A_KEY), "wxb11529c136998cb7", A_CIPHER1),
            Err(CryptoError::AppIdMismatch)
        );
        assert_eq!(
            decrypt(&key(A_KEY), "", A_CIPHER1),
            Err(CryptoError::AppIdMismatch)
        );
    }

    #[test]
    fn a_wrong_key_fails_cleanly() {
        let wrong = key("bbcdefghijklmnopqrstuvwxyz0123456789ABCDEFG");
        let result = decrypt(&wrong, A_APPID, A_CIPHER2);
        assert!(
            matches!(
                result,
                Err(CryptoError::BadPadding
                    | CryptoError::BadLength
                    | CryptoError::AppIdMismatch
                    | CryptoError::NotUtf8)
            ),
            "{result:?}"
        );
    }

    #[test]
    fn truncated_and_malformed_ciphertexts_are_refused() {
        let k = key(A_KEY);
        // One block short: no longer a multiple of 16 bytes once decoded.
        let bytes = STANDARD.decode(A_CIPHER1).unwrap();
        assert_eq!(
            decrypt(&k, A_APPID, &STANDARD.encode(&bytes[..bytes.len() - 5])),
            Err(CryptoError::BadLength)
        );
        assert_eq!(decrypt(&k, A_APPID, ""), Err(CryptoError::BadLength));
        assert_eq!(
            decrypt(&k, A_APPID, "not base64 !!"),
            Err(CryptoError::Base64)
        );
        // Cutting the last 16-byte block leaves valid-length data whose
        // padding or length field no longer adds up.
        let cut = STANDARD.encode(&bytes[..bytes.len() - 16]);
        assert!(matches!(
            decrypt(&k, A_APPID, &cut),
            Err(CryptoError::BadPadding | CryptoError::BadLength)
        ));
    }

    #[test]
    fn bad_padding_is_detected() {
        let k = key(A_KEY);
        let encrypt_raw = |plain: &[u8]| {
            let enc = Encryptor::new_from_slices(&k.0, k.iv()).unwrap();
            STANDARD.encode(enc.encrypt_padded_vec::<NoPadding>(plain))
        };
        // Pad byte 0, pad byte 33 (> 32) and unequal pad bytes.
        let mut zero = vec![7u8; 32];
        zero[31] = 0;
        assert_eq!(
            decrypt(&k, A_APPID, &encrypt_raw(&zero)),
            Err(CryptoError::BadPadding)
        );
        let mut big = vec![33u8; 64];
        big[0] = 1;
        assert_eq!(
            decrypt(&k, A_APPID, &encrypt_raw(&big)),
            Err(CryptoError::BadPadding)
        );
        let mut uneven = vec![0u8; 32];
        uneven[28..].copy_from_slice(&[4, 4, 3, 4]);
        assert_eq!(
            decrypt(&k, A_APPID, &encrypt_raw(&uneven)),
            Err(CryptoError::BadPadding)
        );
        // Valid padding but a length field pointing past the end.
        let mut long = vec![0u8; 32];
        long[16..20].copy_from_slice(&1000u32.to_be_bytes());
        long[20..].fill(12);
        assert_eq!(
            decrypt(&k, A_APPID, &encrypt_raw(&long)),
            Err(CryptoError::BadLength)
        );
        // Fully padded block of 32s: header missing.
        assert_eq!(
            decrypt(&k, A_APPID, &encrypt_raw(&[32u8; 32])),
            Err(CryptoError::BadLength)
        );
    }

    #[test]
    fn arbitrary_ciphertexts_are_refused_without_panic() {
        // A fixed xorshift stream: reproducible, no test-only dependency.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        };
        let k = key(A_KEY);
        for len in 0..=160 {
            for _ in 0..8 {
                let bytes: Vec<u8> = (0..len).map(|_| next()).collect();
                let encoded = STANDARD.encode(&bytes);
                assert!(decrypt(&k, A_APPID, &encoded).is_err(), "len {len}");
            }
        }
    }

    #[test]
    fn padding_fills_to_32_byte_blocks() {
        let k = key(A_KEY);
        // 16 + 4 + 0 + 18 = 38 bytes → padded to 64: a 32-byte block scheme.
        let c = encrypt_with_random(&k, A_APPID, "", A_RANDOM).unwrap();
        assert_eq!(STANDARD.decode(&c).unwrap().len(), 64);
        // 16 + 4 + 10 + 18 = 48 → 64 (16 pad bytes, beyond AES's block).
        let c = encrypt_with_random(&k, A_APPID, "0123456789", A_RANDOM).unwrap();
        assert_eq!(STANDARD.decode(&c).unwrap().len(), 64);
        // 16 + 4 + 26 + 18 = 64 → a full extra block of 32 × 32.
        let c = encrypt_with_random(&k, A_APPID, "abcdefghijklmnopqrstuvwxyz", A_RANDOM).unwrap();
        assert_eq!(STANDARD.decode(&c).unwrap().len(), 96);
        assert_eq!(
            decrypt(&k, A_APPID, &c).unwrap(),
            "abcdefghijklmnopqrstuvwxyz"
        );
    }

    #[test]
    fn keys_must_be_43_base64_characters() {
        assert!(EncodingAesKey::parse(A_KEY).is_ok());
        assert_eq!(
            EncodingAesKey::parse(&A_KEY[..42]).unwrap_err(),
            CryptoError::BadKey
        );
        assert_eq!(
            EncodingAesKey::parse(&format!("{A_KEY}=")).unwrap_err(),
            CryptoError::BadKey
        );
        assert_eq!(
            EncodingAesKey::parse("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF!").unwrap_err(),
            CryptoError::BadKey
        );
        assert_eq!(
            EncodingAesKey::parse("我abcdefghijklmnopqrstuvwxyz0123456789ABCD").unwrap_err(),
            CryptoError::BadKey
        );
        assert!(!format!("{:?}", key(A_KEY)).contains("abc"));
    }

    #[test]
    fn sealed_messages_open_again_and_replies_carry_all_four_fields() {
        let crypto = CallbackCrypto::new("tok", A_KEY, "wxappid").unwrap();
        let sealed = crypto
            .seal("<xml><a>1</a></xml>", "1700000000", "n0nce")
            .unwrap();
        assert_eq!(
            crypto
                .decrypt_message(
                    "1700000000",
                    "n0nce",
                    &sealed.encrypt,
                    &sealed.msg_signature
                )
                .unwrap(),
            "<xml><a>1</a></xml>"
        );
        // The random prefix differs each time.
        let again = crypto
            .seal("<xml><a>1</a></xml>", "1700000000", "n0nce")
            .unwrap();
        assert_ne!(sealed.encrypt, again.encrypt);
        let reply = crypto
            .encrypted_reply("success", "1700000000", "n0nce")
            .unwrap();
        for tag in [
            "<Encrypt><![CDATA[",
            "<MsgSignature><![CDATA[",
            "<TimeStamp>",
            "<Nonce><![CDATA[n0nce]]>",
        ] {
            assert!(reply.contains(tag), "{reply}");
        }
        assert!(
            crypto
                .verify_signature("1", "2", &crypto.signature("1", "2"))
                .is_ok()
        );
        assert!(!format!("{crypto:?}").contains("tok\""));
    }

    #[test]
    fn timestamps_outside_the_window_are_stale() {
        assert!(check_timestamp("1700000000", 1_700_000_100, 300).is_ok());
        assert!(check_timestamp("1700000400", 1_700_000_100, 300).is_ok());
        assert_eq!(
            check_timestamp("1699990000", 1_700_000_100, 300),
            Err(CryptoError::StaleTimestamp)
        );
        assert_eq!(
            check_timestamp("soon", 1_700_000_100, 300),
            Err(CryptoError::StaleTimestamp)
        );
        assert_eq!(
            check_timestamp("-5", 1_700_000_100, 300),
            Err(CryptoError::StaleTimestamp)
        );
    }
}
