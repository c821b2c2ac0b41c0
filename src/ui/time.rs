//! Times as pages show them. Computed by hand (no time crate in the wasm
//! bundle), always in UTC, so the server's HTML and the hydrated page agree.

/// A stored SQLite time (`2026-11-27T19:41:09.123Z`) as `2026-11-27 19:41:09`.
pub fn short_time(at: &str) -> String {
    at.replace('T', " ").chars().take(19).collect()
}

/// Unix seconds as `YYYY-MM-DD HH:MM UTC`.
pub fn format_unix(secs: i64) -> String {
    let (date, hour, minute, _) = civil(secs);
    format!("{date} {hour:02}:{minute:02} UTC")
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS UTC`, where the second matters (when
/// a callback arrived).
pub fn format_unix_seconds(secs: i64) -> String {
    let (date, hour, minute, second) = civil(secs);
    format!("{date} {hour:02}:{minute:02}:{second:02} UTC")
}

/// The date as `YYYY-MM-DD`, and the hour, minute and second.
fn civil(secs: i64) -> (String, i64, i64, i64) {
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
    )
}

#[cfg(test)]
mod tests {
    use super::{format_unix, format_unix_seconds};

    #[test]
    fn unix_times_are_dates() {
        assert_eq!(format_unix(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_unix(1_481_013_459), "2016-12-06 08:37 UTC");
        assert_eq!(format_unix(951_782_400), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn seconds_when_they_matter() {
        assert_eq!(format_unix_seconds(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(
            format_unix_seconds(1_481_013_459),
            "2016-12-06 08:37:39 UTC"
        );
        assert_eq!(format_unix_seconds(-1), "1969-12-31 23:59:59 UTC");
    }
}
