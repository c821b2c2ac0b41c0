//! The one clock the server's rules of time read (see [`Clock`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// "Now": wall-clock time plus an offset that only grows.
///
/// The built-in simulator and the send worker share one, so every rule with
/// a time in it reads it: WeChat's (the minute of 45066, the day of 45065,
/// token expiry) and the worker's (when to ask again, when to give up). A
/// test advances it instead of waiting; clones share the offset. With a
/// real account it is never advanced. Delays that must really pass (the
/// callback delay, a slow answer) use tokio's timers, and the simulator's
/// pushes carry wall-clock timestamps so the receiver's staleness check
/// still holds.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicU64>,
}

impl Clock {
    /// The real clock, not advanced yet.
    pub fn system() -> Self {
        Clock::default()
    }

    /// Moves this clock (and its clones) forward.
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        // fetch_update cannot fail with a closure that always returns Some.
        let _ = self
            .offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |old| {
                Some(old.saturating_add(ms))
            });
    }

    /// Time since the Unix epoch, as this clock sees it.
    pub fn now(&self) -> Duration {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        real.saturating_add(Duration::from_millis(self.offset_ms.load(Ordering::SeqCst)))
    }

    pub fn unix_secs(&self) -> u64 {
        self.now().as_secs()
    }

    /// Now as SQLite's `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')` writes it,
    /// so stored times compare with it as text.
    pub fn timestamp(&self) -> String {
        let millis = i128::try_from(self.now().as_millis()).unwrap_or(i128::MAX);
        let at = time::OffsetDateTime::from_unix_timestamp_nanos(millis * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            at.millisecond()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timestamp_is_sqlites_and_moves_with_the_clock() {
        let clock = Clock::system();
        let before = clock.timestamp();
        assert_eq!(before.len(), "2026-11-30T09:16:34.123Z".len(), "{before}");
        assert!(
            before.ends_with('Z') && before.as_bytes()[10] == b'T',
            "{before}"
        );
        clock.advance(Duration::from_secs(24 * 3600));
        let after = clock.timestamp();
        assert!(after > before, "{before} then {after}");
        let copy = clock.clone();
        copy.advance(Duration::from_secs(1));
        assert_eq!(
            clock.unix_secs(),
            copy.unix_secs(),
            "clones share the offset"
        );
    }
}
