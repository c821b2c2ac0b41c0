//! Outcomes a person or a test chooses on purpose.
//!
//! One small language serves both doors: the items below, written inside a
//! marker `[sim:ITEM]` in text an editor types (several markers may be
//! combined), or as a space-separated list in the JSON control endpoint.
//! A scenario has three independent aspects — how the HTTP call is answered,
//! how the job ends, whether the end is pushed — so `slow(3) err(10001)`
//! means "answer after three seconds, then fail review as advertising".

use std::fmt;
use std::time::Duration;

/// How the HTTP call itself is answered.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// Answer this errcode instead of doing the call.
    ErrCode(i64),
    /// Do the call, then answer after this long.
    Slow(Duration),
    /// Answer this HTTP status (5xx) with an HTML page instead.
    Http(u16),
    /// Do the call, then lose the answer: the connection ends before a
    /// readable body has arrived.
    Lose,
}

/// How an accepted send ends (the `Status` of its push).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// `send fail`.
    Fail,
    /// `err(n)`: a review or originality failure of the seed's list.
    Err(i64),
    /// The originality check's `CheckState` (0–3) for an `mpnews` send.
    Check(u8),
}

/// What the admin does with a send held for confirmation (API 群发保护).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminDecision {
    Approve,
    /// The push says `err(40001)`.
    Reject,
    /// The push says `err(40002)`.
    Timeout,
}

impl AdminDecision {
    fn as_str(self) -> &'static str {
        match self {
            AdminDecision::Approve => "approve",
            AdminDecision::Reject => "reject",
            AdminDecision::Timeout => "timeout",
        }
    }
}

/// A send held for the admin: the first answer's errcode and the decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admin {
    /// 89503, 89504 or 89505.
    pub code: i64,
    pub decision: AdminDecision,
}

/// A chosen outcome; unset aspects behave normally.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scenario {
    pub answer: Option<Answer>,
    pub outcome: Option<Outcome>,
    pub admin: Option<Admin>,
    /// `Some(false)`: the job ends but nothing is pushed.
    pub callback: Option<bool>,
}

/// Why a scenario text was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    #[error("the scenario is empty")]
    Empty,
    #[error("{0:?} is not a scenario item (see the simulator's documentation)")]
    Unknown(String),
    #[error("{item:?}: {problem}")]
    BadArgument { item: String, problem: &'static str },
}

/// The longest `slow(…)` accepted: longer would only hold a connection.
const MAX_SLOW: Duration = Duration::from_secs(600);

impl Scenario {
    /// Parses a space-separated list of items, e.g. `"slow(2) check(3)"`.
    pub fn parse(spec: &str) -> Result<Scenario, ScenarioError> {
        let mut scenario = Scenario::default();
        let mut any = false;
        for item in split_items(spec) {
            scenario.apply_item(item)?;
            any = true;
        }
        if any {
            Ok(scenario)
        } else {
            Err(ScenarioError::Empty)
        }
    }

    /// The scenario of every well-formed `[sim:…]` marker in `text`, later
    /// markers winning; `None` when there is none. Malformed markers are
    /// ignored: they are an editor's text, not a command.
    pub fn from_markers(text: &str) -> Option<Scenario> {
        const OPEN: &str = "[sim:";
        // ASCII lowercasing keeps byte offsets, so indices carry over.
        let lower = text.to_ascii_lowercase();
        let mut found: Option<Scenario> = None;
        let mut rest = lower.as_str();
        while let Some(start) = rest.find(OPEN) {
            let after = &rest[start + OPEN.len()..];
            let Some(end) = after.find(']') else {
                break;
            };
            match Scenario::parse(&after[..end]) {
                Ok(s) => found = Some(found.map_or(s.clone(), |f| f.overridden_by(s))),
                Err(error) => tracing::debug!(%error, "ignoring a malformed [sim:…] marker"),
            }
            rest = &after[end + 1..];
        }
        found
    }

    /// `self` with every aspect that `other` sets replaced by `other`'s.
    pub fn overridden_by(self, other: Scenario) -> Scenario {
        Scenario {
            answer: other.answer.or(self.answer),
            outcome: other.outcome.or(self.outcome),
            admin: other.admin.or(self.admin),
            callback: other.callback.or(self.callback),
        }
    }

    fn apply_item(&mut self, raw: &str) -> Result<(), ScenarioError> {
        let item = raw.trim().to_ascii_lowercase();
        let (name, args) = match item.find('(') {
            Some(open) if item.ends_with(')') => {
                (&item[..open], Some(&item[open + 1..item.len() - 1]))
            }
            Some(_) => return Err(ScenarioError::Unknown(raw.to_owned())),
            None => (item.as_str(), None),
        };
        let bad = |problem| ScenarioError::BadArgument {
            item: raw.to_owned(),
            problem,
        };
        let number = |args: Option<&str>| -> Result<i64, ScenarioError> {
            args.and_then(|a| a.trim().parse::<i64>().ok())
                .ok_or_else(|| bad("needs a whole number in the parentheses"))
        };
        match (name.trim(), args) {
            ("ok" | "success", None) => self.outcome = Some(Outcome::Success),
            ("fail", None) => self.outcome = Some(Outcome::Fail),
            ("err", args) => self.outcome = Some(Outcome::Err(number(args)?)),
            ("check", args) => {
                let n = number(args)?;
                let state = u8::try_from(n)
                    .ok()
                    .filter(|n| *n <= 3)
                    .ok_or_else(|| bad("CheckState is 0, 1, 2 or 3"))?;
                self.outcome = Some(Outcome::Check(state));
            }
            ("admin", args) => self.admin = Some(parse_admin(args).map_err(bad)?),
            ("nocallback", None) => self.callback = Some(false),
            ("callback", None) => self.callback = Some(true),
            ("errcode", args) => {
                let code = number(args)?;
                if code == 0 {
                    return Err(bad("errcode 0 is success; use ok"));
                }
                self.answer = Some(Answer::ErrCode(code));
            }
            ("slow", args) => {
                let secs = args
                    .and_then(|a| a.trim().parse::<f64>().ok())
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .ok_or_else(|| bad("needs a number of seconds"))?;
                let delay = Duration::try_from_secs_f64(secs)
                    .ok()
                    .filter(|d| *d <= MAX_SLOW)
                    .ok_or_else(|| bad("at most 600 seconds"))?;
                self.answer = Some(Answer::Slow(delay));
            }
            ("http", args) => {
                let status = u16::try_from(number(args)?)
                    .ok()
                    .filter(|s| (500..=599).contains(s))
                    .ok_or_else(|| bad("an HTTP status from 500 to 599"))?;
                self.answer = Some(Answer::Http(status));
            }
            ("lose", None) => self.answer = Some(Answer::Lose),
            _ => return Err(ScenarioError::Unknown(raw.to_owned())),
        }
        Ok(())
    }
}

fn parse_admin(args: Option<&str>) -> Result<Admin, &'static str> {
    let mut admin = Admin {
        code: 89505,
        decision: AdminDecision::Reject,
    };
    let Some(args) = args else {
        return Ok(admin);
    };
    for part in args.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part {
            "approve" => admin.decision = AdminDecision::Approve,
            "reject" => admin.decision = AdminDecision::Reject,
            "timeout" => admin.decision = AdminDecision::Timeout,
            code => match code.parse::<i64>() {
                Ok(n @ 89503..=89505) => admin.code = n,
                _ => {
                    return Err(
                        "admin(CODE,DECISION): CODE 89503/89504/89505, DECISION approve/reject/timeout",
                    );
                }
            },
        }
    }
    Ok(admin)
}

/// Splits on whitespace and `;` outside parentheses, so `admin(89505, reject)`
/// stays one item.
fn split_items(spec: &str) -> impl Iterator<Item = &str> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0usize;
    for (i, ch) in spec.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 && (c.is_whitespace() || c == ';') => {
                items.push(&spec[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    items.push(&spec[start..]);
    items.into_iter().filter(|s| !s.trim().is_empty())
}

/// The canonical spec, which parses back to the same scenario.
impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        match &self.answer {
            Some(Answer::ErrCode(n)) => parts.push(format!("errcode({n})")),
            Some(Answer::Slow(d)) => parts.push(format!("slow({})", d.as_secs_f64())),
            Some(Answer::Http(s)) => parts.push(format!("http({s})")),
            Some(Answer::Lose) => parts.push("lose".to_owned()),
            None => {}
        }
        if let Some(admin) = self.admin {
            parts.push(format!("admin({},{})", admin.code, admin.decision.as_str()));
        }
        match self.outcome {
            Some(Outcome::Success) => parts.push("ok".to_owned()),
            Some(Outcome::Fail) => parts.push("fail".to_owned()),
            Some(Outcome::Err(n)) => parts.push(format!("err({n})")),
            Some(Outcome::Check(n)) => parts.push(format!("check({n})")),
            None => {}
        }
        match self.callback {
            Some(false) => parts.push("nocallback".to_owned()),
            Some(true) => parts.push("callback".to_owned()),
            None => {}
        }
        if parts.is_empty() {
            parts.push("ok".to_owned());
        }
        f.write_str(&parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_parses_and_prints_back() {
        for spec in [
            "ok",
            "fail",
            "err(10001)",
            "err(93115)",
            "check(0)",
            "check(3)",
            "admin(89503,approve)",
            "admin(89505,timeout)",
            "nocallback",
            "errcode(45028)",
            "errcode(-1)",
            "slow(2.5)",
            "http(502)",
            "lose",
            "slow(1) admin(89504,reject) err(20002) nocallback",
        ] {
            let s = Scenario::parse(spec).unwrap();
            assert_eq!(Scenario::parse(&s.to_string()).unwrap(), s, "{spec}");
        }
    }

    #[test]
    fn admin_defaults_to_89505_refused() {
        let s = Scenario::parse("admin").unwrap();
        assert_eq!(
            s.admin,
            Some(Admin {
                code: 89505,
                decision: AdminDecision::Reject
            })
        );
        let s = Scenario::parse("ADMIN(89503, Timeout)").unwrap();
        assert_eq!(
            s.admin.map(|a| (a.code, a.decision)),
            Some((89503, AdminDecision::Timeout))
        );
    }

    #[test]
    fn bad_items_are_refused_with_a_reason() {
        for spec in [
            "",
            "  ",
            "boom",
            "err",
            "err(x)",
            "check(4)",
            "errcode(0)",
            "slow(-1)",
            "slow(601)",
            "slow(nan)",
            "http(404)",
            "admin(12345)",
            "lose(1)",
            "err(1",
        ] {
            assert!(Scenario::parse(spec).is_err(), "{spec:?}");
        }
    }

    #[test]
    fn markers_are_found_in_any_text_and_combine() {
        assert_eq!(Scenario::from_markers("春季上新，欢迎光临"), None);
        let s = Scenario::from_markers("广告测试 [sim:err(10001)] 文本 [SIM:slow(1)]").unwrap();
        assert_eq!(s.outcome, Some(Outcome::Err(10001)));
        assert_eq!(s.answer, Some(Answer::Slow(Duration::from_secs(1))));
        let later_wins = Scenario::from_markers("[sim:err(10001)][sim:err(20001)]").unwrap();
        assert_eq!(later_wins.outcome, Some(Outcome::Err(20001)));
        assert_eq!(
            Scenario::from_markers("[sim:nonsense] [sim:check(2)] [sim:"),
            Some(Scenario {
                outcome: Some(Outcome::Check(2)),
                ..Scenario::default()
            })
        );
    }
}
