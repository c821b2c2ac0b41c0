//! The two languages of the console and the choice between them.

use serde::{Deserialize, Serialize};

/// A language the console speaks. Chinese first: editors read it first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The text of this language from a pair written side by side where it
    /// is used: the one way the console says something in two languages.
    /// Both are arguments, so a text missing in one language fails the build.
    pub const fn pick(self, chinese: &'static str, english: &'static str) -> &'static str {
        match self {
            Lang::Zh => chinese,
            Lang::En => english,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The value kept in the language cookie.
    pub fn from_code(code: &str) -> Option<Lang> {
        let code = code.trim().to_ascii_lowercase();
        if code == "zh" || code.starts_with("zh-") {
            Some(Lang::Zh)
        } else if code == "en" || code.starts_with("en-") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The first language of `Accept-Language` (by weight) that we speak;
    /// Chinese when none is.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default();
            let weight = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::from_code(tag)
                && best.is_none_or(|(w, _)| weight > w)
            {
                best = Some((weight, lang));
            }
        }
        best.map(|(_, lang)| lang).unwrap_or_default()
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

/// Name of the cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "qunfa_lang";

/// Every fixed text of the UI, once per language. A struct rather than a map
/// so that a text missing in one language fails the build.
pub struct Texts {
    pub app_name: &'static str,
    pub nav_label: &'static str,
    pub nav_compose: &'static str,
    pub nav_history: &'static str,
    pub nav_users: &'static str,
    pub nav_settings: &'static str,
    pub nav_audit: &'static str,
    pub signed_in_as: &'static str,
    pub log_out: &'static str,
    pub language: &'static str,
    pub simulator_banner: &'static str,
    pub login_title: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub log_in: &'static str,
    pub login_failed: &'static str,
    pub login_throttled: &'static str,
    pub login_busy: &'static str,
    pub login_no_account: &'static str,
    pub setup_title: &'static str,
    pub setup_intro: &'static str,
    pub username_rule: &'static str,
    pub password_rule: &'static str,
    pub setup_create: &'static str,
    pub setup_wrong_token: &'static str,
    pub setup_unavailable: &'static str,
    pub login_expired: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub sign_in_needed: &'static str,
    pub users_title: &'static str,
    pub role: &'static str,
    pub role_admin: &'static str,
    pub role_editor: &'static str,
    pub status: &'static str,
    pub active: &'static str,
    pub disabled: &'static str,
    pub created: &'static str,
    pub actions: &'static str,
    pub add_user: &'static str,
    pub add: &'static str,
    pub disable: &'static str,
    pub enable: &'static str,
    pub new_password: &'static str,
    pub reset_password: &'static str,
    pub make_admin: &'static str,
    pub make_editor: &'static str,
    pub saved: &'static str,
    pub loading: &'static str,
    pub you: &'static str,
    pub back_home: &'static str,
}

pub static ZH: Texts = Texts {
    app_name: "群发",
    nav_label: "主导航",
    nav_compose: "撰写",
    nav_history: "历史",
    nav_users: "用户",
    nav_settings: "设置",
    nav_audit: "审计日志",
    signed_in_as: "当前用户",
    log_out: "退出登录",
    language: "语言",
    simulator_banner: "未配置公众号：当前连接的是内置的微信模拟器，消息不会真正发出。",
    login_title: "登录群发控制台",
    username: "用户名",
    password: "密码",
    log_in: "登录",
    login_failed: "用户名或密码不正确。",
    login_throttled: "登录失败次数过多，已暂时锁定。请稍后再试。",
    login_busy: "同时登录的人太多，暂时无法核对密码。请稍后再试。",
    login_no_account: "还没有账号：设置链接在控制台的输出中。",
    setup_title: "创建第一位管理员",
    setup_intro: "这是控制台第一次启动。在这里创建的账号是管理员，之后可以在「用户」页面添加其他人。这个链接只能用一次。",
    username_rule: "用户名为 2–32 个字符，可用中文、字母、数字和 . _ - @，不能有空格。",
    password_rule: "密码至少 8 个字符，最多 256 个字符。",
    setup_create: "创建管理员",
    setup_wrong_token: "这个设置链接无效。请使用控制台输出中打印的链接（每次启动都会换一个新的）。",
    setup_unavailable: "无法设置：已经有账号了。请直接登录。",
    login_expired: "登录已失效，请重新登录。",
    forbidden_title: "没有权限",
    forbidden_body: "只有管理员可以打开这个页面。如需访问，请联系管理员。",
    not_found_title: "页面不存在",
    not_found_body: "找不到这个地址。请检查链接，或从导航进入。",
    sign_in_needed: "请先登录。",
    users_title: "用户管理",
    role: "角色",
    role_admin: "管理员",
    role_editor: "编辑",
    status: "状态",
    active: "正常",
    disabled: "已停用",
    created: "创建时间",
    actions: "操作",
    add_user: "添加用户",
    add: "添加",
    disable: "停用",
    enable: "启用",
    new_password: "新密码",
    reset_password: "重置密码",
    make_admin: "设为管理员",
    make_editor: "设为编辑",
    saved: "已保存。",
    loading: "加载中…",
    you: "（你）",
    back_home: "返回撰写",
};

pub static EN: Texts = Texts {
    app_name: "qunfa",
    nav_label: "Main",
    nav_compose: "Compose",
    nav_history: "History",
    nav_users: "Users",
    nav_settings: "Settings",
    nav_audit: "Audit log",
    signed_in_as: "Signed in as",
    log_out: "Log out",
    language: "Language",
    simulator_banner: "No Official Account is configured: this console talks to the built-in WeChat simulator, and nothing is really sent.",
    login_title: "Log in to qunfa",
    username: "Username",
    password: "Password",
    log_in: "Log in",
    login_failed: "The username or the password is wrong.",
    login_throttled: "Too many failed attempts: logging in is locked for a while. Try again in a few minutes.",
    login_busy: "Too many logins are being checked right now. Try again shortly.",
    login_no_account: "No account yet: the setup link is in the console's output.",
    setup_title: "Create the first admin",
    setup_intro: "This is the console's first start. The account you create here is an admin; you can add other people on the Users page afterwards. This link works once.",
    username_rule: "A username is 2–32 characters: letters (Chinese too), digits and . _ - @, no spaces.",
    password_rule: "A password has at least 8 characters and at most 256.",
    setup_create: "Create admin",
    setup_wrong_token: "This setup link is not valid. Use the link printed in the console's output (each start prints a new one).",
    setup_unavailable: "Setup is not available: an account exists already. Log in instead.",
    login_expired: "Your session has ended. Please log in again.",
    forbidden_title: "Not allowed",
    forbidden_body: "Only an admin can open this page. Ask an admin if you need it.",
    not_found_title: "Page not found",
    not_found_body: "Nothing lives at this address. Check the link, or use the navigation.",
    sign_in_needed: "Please log in first.",
    users_title: "Users",
    role: "Role",
    role_admin: "Admin",
    role_editor: "Editor",
    status: "Status",
    active: "Active",
    disabled: "Disabled",
    created: "Created",
    actions: "Actions",
    add_user: "Add a user",
    add: "Add",
    disable: "Disable",
    enable: "Enable",
    new_password: "New password",
    reset_password: "Reset password",
    make_admin: "Make admin",
    make_editor: "Make editor",
    saved: "Saved.",
    loading: "Loading…",
    you: " (you)",
    back_home: "Back to Compose",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_heaviest_language_we_speak() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(
            Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Lang::Zh
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR,en;q=0.5,zh;q=0.7"),
            Lang::Zh
        );
        assert_eq!(Lang::from_accept_language("fr-FR"), Lang::Zh);
        assert_eq!(Lang::from_accept_language(""), Lang::Zh);
        assert_eq!(Lang::from_accept_language("de;q=1, en-GB;q=0.3"), Lang::En);
    }
}
