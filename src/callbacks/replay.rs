//! Replays inside the timestamp window. In plaintext mode the signature
//! covers the Token, `timestamp` and `nonce` but not the body, so a captured
//! query string could carry any body until its timestamp goes stale. Each
//! accepted `(timestamp, nonce)` is remembered with a hash of its body: the
//! same body again is WeChat's retry, another body is a forgery.
//!
//! The memory holds only pairs whose timestamp the endpoint would still
//! accept: a pair older than the window is dropped, as any request carrying
//! it is refused as stale anyway. A ceiling guards against a flood of
//! correctly signed requests (only the Token's holders can make them).

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;

/// Most pairs remembered at once (about 30 MB). WeChat pushes far fewer
/// within ten minutes; past it new pairs are refused until old ones expire.
const MAX_REMEMBERED: usize = 1_000_000;

/// What the memory says about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// A pair not seen before (now remembered).
    First,
    /// The same pair with the same body: WeChat's retry.
    Retry,
    /// The same pair with another body.
    OtherBody,
    /// Too many pairs within the window to remember another.
    Full,
}

/// The pairs seen within the window, shared by all requests.
pub struct ReplayGuard {
    /// Keyed per process, so nobody outside can aim at a collision.
    hasher: RandomState,
    /// How long a timestamp stays acceptable, in seconds.
    window_secs: u64,
    max_remembered: usize,
    seen: Mutex<Pairs>,
}

#[derive(Default)]
struct Pairs {
    /// timestamp → (hash of the nonce → hash of the body). Ordered by
    /// timestamp, so the expired ones are the first ones.
    by_timestamp: BTreeMap<u64, HashMap<u64, u64>>,
    len: usize,
}

impl ReplayGuard {
    pub fn new(window_secs: u64) -> Self {
        Self::with_limit(window_secs, MAX_REMEMBERED)
    }

    fn with_limit(window_secs: u64, max_remembered: usize) -> Self {
        ReplayGuard {
            hasher: RandomState::new(),
            window_secs,
            max_remembered,
            seen: Mutex::default(),
        }
    }

    /// Looks up `(timestamp, nonce)` and remembers it with `body` if it is
    /// new. `now` is the Unix time the endpoint checked the timestamp with.
    pub fn check(&self, timestamp: u64, nonce: &str, body: &[u8], now: u64) -> Seen {
        // Hashed outside the lock: the lock covers only the map.
        let nonce_hash = self.hasher.hash_one(nonce);
        let body_hash = self.hasher.hash_one(body);
        let mut pairs = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let oldest = now.saturating_sub(self.window_secs);
        while let Some(entry) = pairs.by_timestamp.first_entry() {
            if *entry.key() >= oldest {
                break;
            }
            let dropped = entry.remove().len();
            pairs.len -= dropped;
        }
        if let Some(known) = pairs
            .by_timestamp
            .get(&timestamp)
            .and_then(|nonces| nonces.get(&nonce_hash))
        {
            return if *known == body_hash {
                Seen::Retry
            } else {
                Seen::OtherBody
            };
        }
        if pairs.len >= self.max_remembered {
            return Seen::Full;
        }
        pairs
            .by_timestamp
            .entry(timestamp)
            .or_default()
            .insert(nonce_hash, body_hash);
        pairs.len += 1;
        Seen::First
    }

    /// Pairs remembered now.
    pub fn len(&self) -> usize {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).len
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_body_is_a_retry_and_another_body_is_refused() {
        let guard = ReplayGuard::new(300);
        assert_eq!(guard.check(1000, "n", b"<xml>a</xml>", 1000), Seen::First);
        assert_eq!(guard.check(1000, "n", b"<xml>a</xml>", 1010), Seen::Retry);
        assert_eq!(
            guard.check(1000, "n", b"<xml>b</xml>", 1010),
            Seen::OtherBody
        );
        // Another nonce or another timestamp is another pair.
        assert_eq!(guard.check(1000, "m", b"<xml>b</xml>", 1010), Seen::First);
        assert_eq!(guard.check(1001, "n", b"<xml>b</xml>", 1010), Seen::First);
        assert_eq!(guard.len(), 3);
    }

    #[test]
    fn pairs_older_than_the_window_are_dropped() {
        let guard = ReplayGuard::new(300);
        for n in 0..100 {
            guard.check(1000, &format!("n{n}"), b"x", 1000);
        }
        guard.check(1200, "later", b"x", 1200);
        assert_eq!(guard.len(), 101);
        // At 1301 a timestamp of 1000 is stale: its pairs go.
        assert_eq!(guard.check(1301, "now", b"x", 1301), Seen::First);
        assert_eq!(guard.len(), 2);
        // A timestamp still inside the window is still remembered.
        assert_eq!(guard.check(1200, "later", b"y", 1301), Seen::OtherBody);
        // A future timestamp (within the skew) is kept until it is stale.
        assert_eq!(guard.check(1500, "future", b"x", 1301), Seen::First);
        assert_eq!(guard.check(1500, "future", b"x", 1700), Seen::Retry);
        assert_eq!(guard.len(), 1);
    }

    #[test]
    fn past_the_ceiling_new_pairs_wait_for_old_ones_to_expire() {
        let guard = ReplayGuard::with_limit(300, 2);
        assert_eq!(guard.check(1000, "a", b"x", 1000), Seen::First);
        assert_eq!(guard.check(1001, "b", b"x", 1001), Seen::First);
        assert_eq!(guard.check(1001, "c", b"x", 1001), Seen::Full);
        // Known pairs are still told apart.
        assert_eq!(guard.check(1000, "a", b"x", 1001), Seen::Retry);
        assert_eq!(guard.check(1000, "a", b"y", 1001), Seen::OtherBody);
        assert_eq!(guard.check(1001, "c", b"x", 1301), Seen::First);
    }
}
