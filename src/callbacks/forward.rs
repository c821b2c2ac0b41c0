//! Passing every verified callback on to the account's existing backend
//! (`QUNFA_CALLBACK_FORWARD_URL`), so that a bot or CRM keeps the account's
//! one callback URL's traffic while qunfa sits in front of it.
//!
//! The backend gets what WeChat sent: the same query string (it checks the
//! same signature), the same body bytes and the same `Content-Type`. Its
//! 2xx answer (a passive reply, `success` or nothing) goes back to WeChat as
//! it is. WeChat gives a server 5 seconds and then retries, so a backend
//! that is slower than the timeout, down, or answers anything but 2xx gets
//! WeChat `success` from qunfa instead (a follower never sees "该公众号暂时
//! 无法提供服务"); qunfa never retries a forward, as WeChat's own retry comes
//! through qunfa again.
//!
//! Forwards in flight are bounded, and each holds its connection at most
//! until the timeout, so a backend that hangs costs a bounded number of
//! connections and buffers. What happened in the last hour is kept in
//! memory for the settings page.

use std::{
    collections::VecDeque,
    sync::Mutex,
    time::{Duration, Instant, SystemTime},
};

use axum::{
    body::Bytes,
    http::{HeaderValue, StatusCode, header::CONTENT_TYPE},
};
use hdrhistogram::Histogram;
use tokio::sync::Semaphore;
use url::Url;

use crate::i18n::Lang;

/// Set on every forwarded request. A callback that carries it came from a
/// qunfa's forward; it is not forwarded again, so a forward URL that leads
/// back to qunfa cannot make a loop.
pub const FORWARDED_HEADER: &str = "x-qunfa-forwarded";

/// Most forwards waiting for the backend at once. Past it a callback waits
/// for a turn within its own timeout. WeChat pushes far fewer at a time.
pub const MAX_IN_FLIGHT: usize = 64;

/// A passive reply is a few KiB; a larger answer is not one.
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// The backend's answer, to be handed to WeChat unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: Option<HeaderValue>,
    pub body: Bytes,
}

/// Why the backend's answer was not used; WeChat got `success` instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No answer within the timeout.
    TimedOut(Duration),
    /// The backend answered with a status other than 2xx.
    Status(u16),
    /// The backend refused the connection: nothing listens at the URL.
    Refused,
    /// The backend could not be reached (name, route, TLS).
    CannotConnect,
    /// The connection broke before a whole answer came.
    Broken,
    /// The answer was larger than [`MAX_ANSWER_BYTES`].
    TooLarge,
    /// The callback came from a qunfa's forward: the forward URL leads back
    /// to a qunfa that forwards too.
    Loop,
}

impl Failure {
    pub fn label(&self) -> &'static str {
        match self {
            Failure::TimedOut(_) => "timed_out",
            _ => "failed",
        }
    }

    pub fn words(&self, lang: Lang) -> String {
        match self {
            Failure::TimedOut(after) => {
                let after = format_duration(*after);
                match lang {
                    Lang::Zh => format!("后端在 {after} 内没有应答，已代为向微信回复 success"),
                    Lang::En => format!(
                        "the backend did not answer within {after}; WeChat was answered success"
                    ),
                }
            }
            Failure::Status(status) => {
                let reason = StatusCode::from_u16(*status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .map(|r| format!(" {r}"))
                    .unwrap_or_default();
                match lang {
                    Lang::Zh => {
                        format!("后端回复了 HTTP {status}{reason}，已代为向微信回复 success")
                    }
                    Lang::En => format!(
                        "the backend answered HTTP {status}{reason}; WeChat was answered success"
                    ),
                }
            }
            Failure::Refused => lang
                .pick(
                    "后端拒绝连接（该地址没有服务在监听），已代为向微信回复 success",
                    "the backend refused the connection (nothing listens at that address); WeChat was answered success",
                )
                .to_owned(),
            Failure::CannotConnect => lang
                .pick(
                    "无法连接后端（域名、网络或 TLS 有误），已代为向微信回复 success",
                    "the backend cannot be reached (its name, the network or TLS); WeChat was answered success",
                )
                .to_owned(),
            Failure::Broken => lang
                .pick(
                    "与后端的连接在完整应答之前中断，已代为向微信回复 success",
                    "the connection to the backend broke before a whole answer came; WeChat was answered success",
                )
                .to_owned(),
            Failure::TooLarge => lang
                .pick(
                    "后端的应答超过 256 KiB，不是被动回复，已代为向微信回复 success",
                    "the backend's answer is larger than 256 KiB, which no passive reply is; WeChat was answered success",
                )
                .to_owned(),
            Failure::Loop => lang
                .pick(
                    "转发地址又回到了一个转发中的 qunfa，未再次转发",
                    "the forward URL leads back to a qunfa that forwards too; not forwarded again",
                )
                .to_owned(),
        }
    }
}

/// `4 s`, `1.5 s`, `800 ms`.
fn format_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1000 {
        format!("{millis} ms")
    } else if millis.is_multiple_of(1000) {
        format!("{} s", millis / 1000)
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

/// The forwarder of one backend, shared by every callback request.
pub struct Forwarder {
    url: Url,
    timeout: Duration,
    client: reqwest::Client,
    turns: Semaphore,
    record: Mutex<Record>,
}

impl Forwarder {
    pub fn new(url: Url, timeout: Duration) -> anyhow::Result<Self> {
        // No timeout of the client's own: `forward` bounds the whole
        // exchange, the wait for a turn included.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // The backend is the team's own service beside qunfa: no proxy
            // from the environment stands between them.
            .no_proxy()
            .pool_max_idle_per_host(MAX_IN_FLIGHT)
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("qunfa/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Forwarder {
            url,
            timeout,
            client,
            turns: Semaphore::new(MAX_IN_FLIGHT),
            record: Mutex::new(Record::default()),
        })
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Passes one callback on and waits at most the timeout for the answer.
    pub async fn forward(
        &self,
        query: Option<&str>,
        content_type: Option<&HeaderValue>,
        body: Bytes,
    ) -> Result<Answer, Failure> {
        let started = Instant::now();
        let outcome = tokio::time::timeout(self.timeout, self.exchange(query, content_type, body))
            .await
            .unwrap_or(Err(Failure::TimedOut(self.timeout)));
        self.note(started, &outcome);
        outcome
    }

    /// A callback that came from a qunfa's forward and is not passed on.
    pub fn note_loop(&self) {
        self.note(Instant::now(), &Err(Failure::Loop));
    }

    fn note(&self, started: Instant, outcome: &Result<Answer, Failure>) {
        let took = started.elapsed();
        let answered = match outcome {
            Ok(_) | Err(Failure::Status(_)) => Some(took),
            Err(_) => None,
        };
        let label = match outcome {
            Ok(_) => "ok",
            Err(failure) => failure.label(),
        };
        crate::metrics::callback_forwarded(label, answered);
        if let Err(failure) = outcome {
            tracing::warn!(
                reason = failure.words(Lang::En),
                "a callback forward failed"
            );
        }
        let mut record = self.record.lock().unwrap_or_else(|e| e.into_inner());
        record.add(Instant::now(), outcome.as_ref().err(), answered);
    }

    async fn exchange(
        &self,
        query: Option<&str>,
        content_type: Option<&HeaderValue>,
        body: Bytes,
    ) -> Result<Answer, Failure> {
        // Never closed, so `acquire` only waits.
        let _turn = self.turns.acquire().await.map_err(|_| Failure::Broken)?;
        let mut request = self
            .client
            .post(with_query(&self.url, query))
            .header(FORWARDED_HEADER, "1")
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        let mut response = request.send().await.map_err(|e| transport_failure(&e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(Failure::Status(status.as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|length| length > MAX_ANSWER_BYTES as u64)
        {
            return Err(Failure::TooLarge);
        }
        let content_type = response.headers().get(CONTENT_TYPE).cloned();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| transport_failure(&e))? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(Failure::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            content_type,
            body: Bytes::from(body),
        })
    }

    /// The last hour as the settings page shows it.
    pub fn last_hour(&self) -> LastHour {
        let record = self.record.lock().unwrap_or_else(|e| e.into_inner());
        record.last_hour(Instant::now())
    }
}

/// WeChat's query string after the forward URL's own, if it has one.
fn with_query(url: &Url, query: Option<&str>) -> Url {
    let mut url = url.clone();
    let query = match (url.query(), query.filter(|q| !q.is_empty())) {
        (_, None) => return url,
        (Some(own), Some(wechat)) if !own.is_empty() => format!("{own}&{wechat}"),
        (_, Some(wechat)) => wechat.to_owned(),
    };
    url.set_query(Some(&query));
    url
}

fn transport_failure(error: &reqwest::Error) -> Failure {
    if error.is_connect() {
        let refused =
            std::iter::successors(Some(error as &(dyn std::error::Error + 'static)), |e| {
                e.source()
            })
            .filter_map(|e| e.downcast_ref::<std::io::Error>())
            .any(|e| e.kind() == std::io::ErrorKind::ConnectionRefused);
        return if refused {
            Failure::Refused
        } else {
            Failure::CannotConnect
        };
    }
    Failure::Broken
}

/// Forwards of the last hour, by minute.
#[derive(Default)]
struct Record {
    minutes: VecDeque<Minute>,
    last_failure: Option<(SystemTime, Failure)>,
    /// Where minute numbers count from.
    start: Option<Instant>,
}

struct Minute {
    number: u64,
    ok: u64,
    timed_out: u64,
    failed: u64,
    /// How long the backend took to answer, in microseconds, whatever it
    /// answered.
    answer_micros: Histogram<u32>,
}

/// What the settings page shows of the last hour.
#[derive(Debug, Clone, PartialEq)]
pub struct LastHour {
    pub ok: u64,
    pub timed_out: u64,
    pub failed: u64,
    /// Median and 99th percentile answer times; `None` with no answer.
    pub median: Option<Duration>,
    pub p99: Option<Duration>,
    pub last_failure: Option<(SystemTime, Failure)>,
}

const MINUTES_KEPT: u64 = 60;
/// One microsecond to a minute, within 1%: far finer than a page shows.
const SLOWEST_MICROS: u64 = 60_000_000;

fn new_histogram() -> Histogram<u32> {
    Histogram::new_with_bounds(1, SLOWEST_MICROS, 2).expect("valid histogram bounds")
}

impl Record {
    fn minute_number(&mut self, now: Instant) -> u64 {
        let start = *self.start.get_or_insert(now);
        now.saturating_duration_since(start).as_secs() / 60
    }

    fn add(&mut self, now: Instant, failure: Option<&Failure>, answered: Option<Duration>) {
        let number = self.minute_number(now);
        self.forget_before(number);
        if self.minutes.back().is_none_or(|m| m.number != number) {
            self.minutes.push_back(Minute {
                number,
                ok: 0,
                timed_out: 0,
                failed: 0,
                answer_micros: new_histogram(),
            });
        }
        let minute = self.minutes.back_mut().expect("pushed above");
        match failure {
            None => minute.ok += 1,
            Some(Failure::TimedOut(_)) => minute.timed_out += 1,
            Some(_) => minute.failed += 1,
        }
        if let Some(took) = answered {
            let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
            minute
                .answer_micros
                .saturating_record(micros.clamp(1, SLOWEST_MICROS));
        }
        if let Some(failure) = failure {
            self.last_failure = Some((SystemTime::now(), failure.clone()));
        }
    }

    /// Minutes older than the hour ending in minute `now` go.
    fn forget_before(&mut self, now: u64) {
        while self
            .minutes
            .front()
            .is_some_and(|m| m.number + MINUTES_KEPT <= now)
        {
            self.minutes.pop_front();
        }
    }

    fn last_hour(&self, now: Instant) -> LastHour {
        let number = self.start.map_or(0, |start| {
            now.saturating_duration_since(start).as_secs() / 60
        });
        let recent = self
            .minutes
            .iter()
            .filter(|m| m.number + MINUTES_KEPT > number);
        let mut hour = LastHour {
            ok: 0,
            timed_out: 0,
            failed: 0,
            median: None,
            p99: None,
            last_failure: self.last_failure.clone(),
        };
        let mut answers = new_histogram();
        for minute in recent {
            hour.ok += minute.ok;
            hour.timed_out += minute.timed_out;
            hour.failed += minute.failed;
            // Same bounds, so adding cannot fail.
            let _ = answers.add(&minute.answer_micros);
        }
        if !answers.is_empty() {
            let at = |q| Duration::from_micros(answers.value_at_quantile(q));
            hour.median = Some(at(0.5));
            hour.p99 = Some(at(0.99));
        }
        hour
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wechats_query_follows_the_forward_urls_own() {
        let plain = Url::parse("http://bot.internal/wechat").unwrap();
        let own = Url::parse("http://bot.internal/wechat?from=qunfa").unwrap();
        let wechat = "signature=abc&timestamp=1&nonce=2&openid=o%2Bx";
        assert_eq!(
            with_query(&plain, Some(wechat)).as_str(),
            "http://bot.internal/wechat?signature=abc&timestamp=1&nonce=2&openid=o%2Bx"
        );
        assert_eq!(
            with_query(&own, Some(wechat)).as_str(),
            "http://bot.internal/wechat?from=qunfa&signature=abc&timestamp=1&nonce=2&openid=o%2Bx"
        );
        assert_eq!(with_query(&own, None).as_str(), own.as_str());
        assert_eq!(with_query(&plain, Some("")).as_str(), plain.as_str());
    }

    #[test]
    fn the_last_hour_counts_outcomes_and_answer_times_and_forgets_older_minutes() {
        let start = Instant::now();
        let mut record = Record::default();
        for millis in 1..=100 {
            record.add(start, None, Some(Duration::from_millis(millis)));
        }
        record.add(
            start,
            Some(&Failure::Status(500)),
            Some(Duration::from_millis(2)),
        );
        let minute = Duration::from_secs(60);
        record.add(
            start + 30 * minute,
            Some(&Failure::TimedOut(Duration::from_secs(4))),
            None,
        );
        let hour = record.last_hour(start + 30 * minute);
        assert_eq!((hour.ok, hour.timed_out, hour.failed), (100, 1, 1));
        let median = hour.median.unwrap().as_secs_f64() * 1000.0;
        let p99 = hour.p99.unwrap().as_secs_f64() * 1000.0;
        assert!((49.0..=51.0).contains(&median), "{median}");
        assert!((98.0..=100.0).contains(&p99), "{p99}");
        assert_eq!(
            hour.last_failure.map(|(_, f)| f),
            Some(Failure::TimedOut(Duration::from_secs(4)))
        );

        // An hour after the first minute, only the timed-out one is left.
        let hour = record.last_hour(start + 60 * minute);
        assert_eq!((hour.ok, hour.timed_out, hour.failed), (0, 1, 0));
        assert_eq!((hour.median, hour.p99), (None, None));
        record.add(start + 61 * minute, None, Some(Duration::from_millis(3)));
        assert_eq!(record.minutes.len(), 2, "the first minute was dropped");
        let hour = record.last_hour(start + 91 * minute);
        assert_eq!((hour.ok, hour.timed_out, hour.failed), (1, 0, 0));
    }

    #[test]
    fn every_failure_is_worded_in_both_languages() {
        let failures = [
            Failure::TimedOut(Duration::from_millis(1500)),
            Failure::Status(502),
            Failure::Refused,
            Failure::CannotConnect,
            Failure::Broken,
            Failure::TooLarge,
            Failure::Loop,
        ];
        for failure in failures {
            let (zh, en) = (failure.words(Lang::Zh), failure.words(Lang::En));
            assert!(!zh.is_ascii(), "{failure:?}: {zh}");
            assert!(en.is_ascii(), "{failure:?}: {en}");
        }
        assert_eq!(
            Failure::TimedOut(Duration::from_millis(1500)).words(Lang::En),
            "the backend did not answer within 1.5 s; WeChat was answered success"
        );
        assert!(
            Failure::Status(502)
                .words(Lang::Zh)
                .contains("HTTP 502 Bad Gateway")
        );
    }
}
