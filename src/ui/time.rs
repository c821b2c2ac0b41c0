//! Times as pages show them: in the editor's time zone, with the zone
//! named, and UTC on hover (`<time datetime="…Z" title="… UTC">`).
//!
//! The server does not know the browser's zone, so it writes China time
//! (UTC+8 all year: no daylight saving, so no zone database is needed).
//! A hydrated page then says each time in the browser's own zone. The
//! switch happens in an effect, after the element is hydrated, so the
//! browser first renders exactly the server's HTML. Computed by hand (no
//! time crate in the wasm bundle).

use leptos::prelude::*;

use crate::i18n::Lang;

/// China Standard Time, UTC+8.
const CHINA_OFFSET_SECS: i64 = 8 * 3600;

/// A stored SQLite time (`2026-11-27T19:41:09.123Z`, or with a space for
/// the `T`) in the editor's zone; text that is not such a time is shown as
/// it is.
#[component]
pub fn StoredTime(
    at: String,
    /// Show the seconds (when a callback arrived, say).
    #[prop(optional)]
    seconds: bool,
) -> impl IntoView {
    match parse_stored(&at) {
        Some(secs) => local_time(secs, seconds).into_any(),
        None => view! { <span>{at}</span> }.into_any(),
    }
}

/// Unix seconds in the editor's zone.
#[component]
pub fn UnixTime(
    secs: i64,
    /// Show the seconds.
    #[prop(optional)]
    seconds: bool,
) -> impl IntoView {
    local_time(secs, seconds)
}

fn local_time(secs: i64, seconds: bool) -> impl IntoView {
    let lang = super::lang();
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let text = move || {
        if hydrated.get() {
            browser_time(lang, secs, seconds)
        } else {
            china_time(lang, secs, seconds)
        }
    };
    view! {
        <time datetime=iso_utc(secs) title=format!("{} UTC", civil_text(secs, true))>
            {text}
        </time>
    }
}

/// The zone's name in the page's words.
fn china_zone(lang: Lang) -> &'static str {
    lang.pick("北京时间", "China time")
}

/// `2026-11-30 16:27 北京时间`.
pub fn china_time(lang: Lang, secs: i64, seconds: bool) -> String {
    format!(
        "{} {}",
        civil_text(secs + CHINA_OFFSET_SECS, seconds),
        china_zone(lang)
    )
}

/// The time in the browser's zone, named by its IANA name (China's as
/// China time).
#[cfg(feature = "hydrate")]
fn browser_time(lang: Lang, secs: i64, seconds: bool) -> String {
    use leptos::wasm_bindgen::JsValue;
    use leptos::web_sys::js_sys::{Array, Date, Intl, Object, Reflect};
    let date = Date::new(&JsValue::from_f64(secs as f64 * 1000.0));
    // Minutes to add to local time to get UTC, at this instant (so daylight
    // saving is the one in force then).
    let offset_secs = -(date.get_timezone_offset() as i64) * 60;
    let options = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
    let zone = Reflect::get(&options, &JsValue::from_str("timeZone"))
        .ok()
        .and_then(|z| z.as_string());
    let name = zone_label(lang, zone.as_deref(), offset_secs);
    format!("{} {name}", civil_text(secs + offset_secs, seconds))
}

#[cfg(not(feature = "hydrate"))]
fn browser_time(lang: Lang, secs: i64, seconds: bool) -> String {
    china_time(lang, secs, seconds)
}

/// What the browser's zone is called on the page: China time for China's
/// zones, else its IANA name, else the offset.
pub fn zone_label(lang: Lang, zone: Option<&str>, offset_secs: i64) -> String {
    const CHINA: [&str; 5] = [
        "Asia/Shanghai",
        "Asia/Chongqing",
        "Asia/Chungking",
        "Asia/Harbin",
        "PRC",
    ];
    match zone {
        Some(zone) if CHINA.contains(&zone) && offset_secs == CHINA_OFFSET_SECS => {
            china_zone(lang).to_owned()
        }
        Some(zone) if !zone.is_empty() => zone.to_owned(),
        _ => {
            let sign = if offset_secs < 0 { '-' } else { '+' };
            let minutes = offset_secs.abs() / 60;
            format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
        }
    }
}

/// A stored SQLite time as Unix seconds (fractions of a second dropped).
pub fn parse_stored(at: &str) -> Option<i64> {
    let bytes = at.as_bytes();
    if bytes.len() < 19 || !matches!(bytes[10], b'T' | b' ') {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = at.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(i, c)| bytes[i] != c) {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// `2026-11-30T08:27:57Z`, for `<time datetime>`.
fn iso_utc(secs: i64) -> String {
    let (date, hour, minute, second) = civil(secs);
    format!("{date}T{hour:02}:{minute:02}:{second:02}Z")
}

/// `YYYY-MM-DD HH:MM`, or with `:SS`.
fn civil_text(secs: i64, seconds: bool) -> String {
    let (date, hour, minute, second) = civil(secs);
    if seconds {
        format!("{date} {hour:02}:{minute:02}:{second:02}")
    } else {
        format!("{date} {hour:02}:{minute:02}")
    }
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

/// Howard Hinnant's days-from-civil: days since 1970-01-01.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_are_dates() {
        assert_eq!(civil_text(0, false), "1970-01-01 00:00");
        assert_eq!(civil_text(1_481_013_459, true), "2016-12-06 08:37:39");
        assert_eq!(civil_text(951_782_400, false), "2000-02-29 00:00");
        assert_eq!(iso_utc(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn stored_times_are_read_back_to_the_second() {
        for secs in [0, 951_782_400, 1_481_013_459, 1_796_027_277, -1] {
            let (date, h, m, s) = civil(secs);
            let stored = format!("{date}T{h:02}:{m:02}:{s:02}.123Z");
            assert_eq!(parse_stored(&stored), Some(secs), "{stored}");
            assert_eq!(parse_stored(&stored.replace('T', " ")), Some(secs));
        }
        assert_eq!(parse_stored("2026-11-30T08:27:57Z"), Some(1_796_027_277));
        for other in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-11-30",
            "2026/11/30 08:27:57",
        ] {
            assert_eq!(parse_stored(other), None, "{other}");
        }
    }

    #[test]
    fn china_time_is_eight_hours_ahead_all_year() {
        let winter = parse_stored("2026-11-30T08:27:57Z").unwrap();
        assert_eq!(
            china_time(Lang::Zh, winter, false),
            "2026-11-30 16:27 北京时间"
        );
        assert_eq!(
            china_time(Lang::En, winter, true),
            "2026-11-30 16:27:57 China time"
        );
        let summer = parse_stored("2026-07-01T20:00:00Z").unwrap();
        assert_eq!(
            china_time(Lang::En, summer, false),
            "2026-07-02 04:00 China time"
        );
    }

    #[test]
    fn the_browser_zone_is_named() {
        assert_eq!(
            zone_label(Lang::Zh, Some("Asia/Shanghai"), 8 * 3600),
            "北京时间"
        );
        assert_eq!(
            zone_label(Lang::En, Some("Europe/Berlin"), 3600),
            "Europe/Berlin"
        );
        assert_eq!(zone_label(Lang::En, None, -(5 * 3600 + 1800)), "UTC-05:30");
        assert_eq!(zone_label(Lang::En, Some(""), 0), "UTC+00:00");
    }
}
