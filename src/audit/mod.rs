//! The audit log: who did what when — sends, previews, deletions, logins,
//! user changes. `store` writes it (inside the transaction of what it
//! records, where there is one); admins read it at `/audit` (`api`).

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

pub mod api;
#[cfg(feature = "ssr")]
pub mod store;

/// What a line of the audit log records. The name (`user_add`) is what
/// `audit_log.action` holds, so it never changes for an action that exists.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    Send,
    Preview,
    /// `mass/delete` of a send's articles, whether WeChat did it or not.
    Delete,
    Login,
    LoginFailed,
    Setup,
    UserAdd,
    UserDisable,
    UserEnable,
    UserRole,
    UserPassword,
    /// A user changed their own password.
    OwnPassword,
    /// An account granted to an editor, or taken back.
    UserAccount,
    /// An Official Account added (in the console, the command line, or a
    /// simulated one).
    AccountAdd,
    /// An account's settings changed (never its secrets' values).
    AccountEdit,
    AccountDisable,
    AccountEnable,
    /// A send that needed approval approved by a reviewer.
    Approve,
    /// A send that needed approval declined by a reviewer, with why.
    Decline,
    /// A held send given a new time.
    Reschedule,
    /// A held send cancelled before it went.
    Cancel,
    /// A held send's message, audience or time changed in Compose.
    EditScheduled,
    /// A send confirmed to go at a later time (scheduled).
    Schedule,
    /// A send confirmed on an account whose sends need approval: it waits
    /// for a reviewer.
    SubmitForApproval,
}

impl Action {
    /// The name kept in the database.
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn from_name(name: &str) -> Option<Action> {
        name.parse().ok()
    }

    pub fn words(self, lang: Lang) -> &'static str {
        match self {
            Action::Send => lang.pick("群发", "Send"),
            Action::Preview => lang.pick("预览", "Preview"),
            Action::Delete => lang.pick("删除群发文章", "Articles deleted"),
            Action::Login => lang.pick("登录", "Login"),
            Action::LoginFailed => lang.pick("登录失败", "Failed login"),
            Action::Setup => lang.pick("首次设置（创建管理员）", "First-run setup (admin created)"),
            Action::UserAdd => lang.pick("添加用户", "User added"),
            Action::UserDisable => lang.pick("停用用户", "User disabled"),
            Action::UserEnable => lang.pick("启用用户", "User enabled"),
            Action::UserRole => lang.pick("修改角色", "Role changed"),
            Action::UserPassword => lang.pick("重置密码", "Password reset"),
            Action::OwnPassword => lang.pick("修改自己的密码", "Own password changed"),
            Action::UserAccount => lang.pick("公众号授权", "Account granted or taken back"),
            Action::AccountAdd => lang.pick("添加公众号", "Account added"),
            Action::AccountEdit => lang.pick("修改公众号", "Account changed"),
            Action::AccountDisable => lang.pick("停用公众号", "Account disabled"),
            Action::AccountEnable => lang.pick("启用公众号", "Account enabled"),
            Action::Approve => lang.pick("批准群发", "Send approved"),
            Action::Decline => lang.pick("拒绝群发", "Send declined"),
            Action::Reschedule => lang.pick("修改定时", "Send rescheduled"),
            Action::Cancel => lang.pick("取消定时群发", "Scheduled send cancelled"),
            Action::EditScheduled => lang.pick("修改待发群发", "Held send edited"),
            Action::Schedule => lang.pick("定时群发", "Send scheduled"),
            Action::SubmitForApproval => lang.pick("提交群发审核", "Send submitted for approval"),
        }
    }
}

/// Words in both languages, kept where they cannot be made again later
/// (WeChat's refusal, worded when it happened).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BothWords {
    pub zh: String,
    pub en: String,
}

impl BothWords {
    pub fn of(words: impl Fn(Lang) -> String) -> Self {
        BothWords {
            zh: words(Lang::Zh),
            en: words(Lang::En),
        }
    }

    pub fn pick(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// What a line is about, stored as JSON (`audit_log.facts`) so that the
/// page says it in the reader's language. Values stay values: ids, names
/// and titles as they were.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Facts {
    Nothing,
    /// A login or a failed one, and the address it came from.
    Login {
        address: Option<String>,
    },
    Send {
        send_id: i64,
        msg_type: String,
        /// The tag's name; `None` for all followers.
        tag: Option<String>,
        clientmsgid: String,
    },
    Preview {
        msg_type: String,
        /// The recipient: an openid, or a WeChat ID when `by_wechat_id`.
        to: String,
        by_wechat_id: bool,
        failed: Option<BothWords>,
    },
    Delete {
        send_id: i64,
        msg_id: u64,
        /// 1-based; `None` for every article.
        article: Option<u32>,
        title: Option<String>,
        refused: Option<BothWords>,
    },
    /// A change to one user (disabled, enabled, password reset).
    User {
        user_id: i64,
        username: String,
    },
    UserAdd {
        username: String,
        role: String,
    },
    UserRole {
        user_id: i64,
        username: String,
        role: String,
    },
    /// An account granted to a user (`granted`), or taken back.
    UserAccount {
        user_id: i64,
        username: String,
        account: String,
        granted: bool,
    },
    /// An Official Account added, changed, disabled or enabled: what it
    /// is, never a secret.
    Account {
        /// Its slug.
        account: String,
        name: String,
        appid: String,
    },
    /// A reviewer's decision on a send that needed approval: the state it
    /// left the send in and the reviewer's comment.
    Review {
        send_id: i64,
        /// The send's author.
        author: String,
        /// `scheduled`, `pending` (to go now) or `declined`.
        state: String,
        /// Approved with "send now" after its time had passed.
        send_now: bool,
        comment: Option<String>,
    },
    /// A held send rescheduled (its new time, UTC), edited or cancelled.
    Schedule {
        send_id: i64,
        scheduled_at: Option<String>,
    },
}

impl Facts {
    /// The line in English, as `audit_log.detail` keeps it for whoever
    /// reads the database.
    pub fn english(&self) -> String {
        match self {
            Facts::Nothing | Facts::Login { .. } => String::new(),
            Facts::Send {
                send_id,
                msg_type,
                tag,
                clientmsgid,
            } => {
                let to = tag
                    .as_deref()
                    .map_or_else(|| "all followers".to_owned(), |t| format!("tag {t}"));
                format!("send #{send_id}: {msg_type} to {to}; clientmsgid {clientmsgid}")
            }
            Facts::Preview {
                msg_type,
                to,
                by_wechat_id,
                failed,
            } => {
                let kind = if *by_wechat_id { "WeChat ID" } else { "openid" };
                let result = failed
                    .as_ref()
                    .map_or_else(|| "sent".to_owned(), |w| format!("failed: {}", w.en));
                format!("{msg_type} to {kind} {to}: {result}")
            }
            Facts::Delete {
                send_id,
                msg_id,
                article,
                title,
                refused,
            } => {
                let what = match (article, title) {
                    (Some(n), Some(title)) => format!("article {n} ({title})"),
                    (Some(n), None) => format!("article {n}"),
                    (None, _) => "all articles".to_owned(),
                };
                let outcome = refused
                    .as_ref()
                    .map_or_else(|| "deleted".to_owned(), |w| format!("refused: {}", w.en));
                format!("send #{send_id} (msg_id {msg_id}): {what} {outcome}")
            }
            Facts::User { user_id, username } => format!("user #{user_id} {username}"),
            Facts::UserAdd { username, role } => format!("{username} ({role})"),
            Facts::UserRole {
                user_id,
                username,
                role,
            } => format!("user #{user_id} {username} → {role}"),
            Facts::UserAccount {
                user_id,
                username,
                account,
                granted,
            } => {
                let what = if *granted { "granted" } else { "taken back" };
                format!("user #{user_id} {username}: account {account} {what}")
            }
            Facts::Account {
                account,
                name,
                appid,
            } => format!("account {account} ({name}, {appid})"),
            Facts::Review {
                send_id,
                author,
                state,
                send_now,
                comment,
            } => {
                let now = if *send_now {
                    " (its time had passed: sent now)"
                } else {
                    ""
                };
                let comment = comment
                    .as_deref()
                    .map_or_else(String::new, |c| format!("; comment: {c}"));
                format!("send #{send_id} by {author} → {state}{now}{comment}")
            }
            Facts::Schedule {
                send_id,
                scheduled_at,
            } => match scheduled_at {
                Some(at) => format!("send #{send_id}: at {at} (UTC)"),
                None => format!("send #{send_id}"),
            },
        }
    }

    /// Where the line's request came from, for `audit_log.address`.
    pub fn address(&self) -> Option<&str> {
        match self {
            Facts::Login { address } => address.as_deref(),
            _ => None,
        }
    }
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub username: String,
    /// What was done; a stored name this version does not know stays as
    /// it was stored.
    pub action: Result<Action, String>,
    /// The English words stored with the line: all that lines written
    /// before `facts` have.
    pub detail: String,
    pub facts: Option<Facts>,
    pub address: Option<String>,
    /// The slug and name of the account the line is about; `None` for a
    /// line about no account (a login, a user).
    pub account: Option<(String, String)>,
}

/// The audit log's filters, as in the address (`/audit?action=login&…`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    /// A username (as recorded, without case).
    pub who: String,
    /// An action's stored name.
    pub action: String,
    /// `YYYY-MM-DD`, UTC: lines of that day and after.
    pub since: String,
    /// Keyset paging: lines with a smaller id than this.
    pub before: String,
}

/// A page of the audit log and what its filter form offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// The `before` of the next (older) page, if there is one.
    pub older: Option<i64>,
    /// Every user's name, for the "who" filter.
    pub users: Vec<String>,
}

/// Lines per page of `/audit`.
pub const AUDIT_PAGE: i64 = 50;

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::*;

    #[test]
    fn every_action_reads_back_from_its_stored_name() {
        for action in Action::iter() {
            assert_eq!(Action::from_name(action.name()), Some(action));
            assert_ne!(action.words(Lang::Zh), action.words(Lang::En));
        }
        // The names rows written before the enum carry.
        assert_eq!(Action::UserAdd.name(), "user_add");
        assert_eq!(Action::LoginFailed.name(), "login_failed");
        assert_eq!(Action::from_name("nonsense"), None);
    }

    #[test]
    fn facts_read_back_and_keep_their_english_words() {
        let facts = Facts::Delete {
            send_id: 7,
            msg_id: 1000,
            article: Some(2),
            title: Some("编辑手记".into()),
            refused: None,
        };
        let stored = serde_json::to_string(&facts).unwrap();
        assert_eq!(serde_json::from_str::<Facts>(&stored).unwrap(), facts);
        assert_eq!(
            facts.english(),
            "send #7 (msg_id 1000): article 2 (编辑手记) deleted"
        );
        let login = Facts::Login {
            address: Some("203.0.113.9".into()),
        };
        assert_eq!(login.address(), Some("203.0.113.9"));
        assert_eq!(Facts::Nothing.address(), None);
    }
}
