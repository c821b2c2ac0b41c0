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
    pub detail: String,
}

/// Lines per page of `/audit`.
pub const AUDIT_PAGE: i64 = 100;

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
}
