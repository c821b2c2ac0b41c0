//! The error a server function gives the UI.
//!
//! Which error belongs where: the domain modules (database, WeChat, passwords)
//! have their own `thiserror` enums with every cause; at the edge of a server
//! function they become an [`AppError`], which carries only what the person in
//! front of the screen can understand and act on. An unexpected failure is
//! logged with its whole cause chain on the server and reaches the browser as
//! [`AppError::Unexpected`], never as a stack trace or a raw message.
//! How an `AppError` crosses HTTP (its status, the page a form without
//! JavaScript goes back to) is the edge's business: `crate::edge`.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    NotSignedIn,
    #[error("not allowed")]
    Forbidden,
    /// Something the person asked for that cannot be done as asked.
    #[error("{0:?}")]
    Rejected(Problem),
    /// A failure on our side; the details are in the server log.
    #[error("unexpected error")]
    Unexpected,
    /// A server function's arguments did not parse: which one, and why.
    /// Pages never send such a request; an altered or outdated one does.
    #[error("an argument could not be read: {0}")]
    BadArgument(String),
}

/// A request the person can fix, with words for it in each language.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, strum::VariantArray,
)]
#[error("{}", self.words(Lang::En))]
pub enum Problem {
    UsernameInvalid,
    UsernameTaken,
    PasswordTooShort,
    PasswordTooLong,
    UserNotFound,
    LastAdmin,
    NotYourself,
    InvalidRole,
    /// A choice outside the offered ones (an altered form).
    InvalidChoice,
    /// This compose attempt was sent already.
    AlreadySent,
    /// No checked compose attempt under this id (expired or altered).
    AttemptNotFound,
    /// Sending to all followers needs the second confirmation.
    ConfirmAllFollowers,
    /// The same message went to the same audience within a day: sending
    /// it again needs its own confirmation.
    ConfirmRepeat,
    SendNotFound,
    /// WeChat could not be asked something the check needs (the tags).
    WechatUnavailable,
    /// Deleting a send is for its author and admins.
    NotYourSend,
    /// The compose form is far beyond every limit; it is not kept.
    FormTooLarge,
    /// Changing one's own password: the current one did not match.
    CurrentPasswordWrong,
    /// Too many wrong passwords from here for now (the login throttle).
    TooManyAttempts,
    /// No account by that name that the caller may use: one that is not
    /// there and one that is another's are the same answer (404).
    AccountNotFound,
    /// Row 1 is the configuration's: it is not disabled here.
    ConfiguredAccount,
    /// Simulated accounts exist only while the built-in simulator runs.
    NotSimulator,
    /// No draft under this id in this account (deleted, or another's).
    DraftNotFound,
    /// A draft has 1 to 8 articles.
    ArticleCount,
    /// Deleting a draft needs its confirmation.
    ConfirmDeleteDraft,
    /// The draft could not be read to keep its copy: nothing was sent.
    DraftUnreadable,
    /// Approving a send whose time has passed: only with "send now".
    ApprovalTimePassed,
    /// Approving or declining is for admins and reviewers.
    ReviewersOnly,
    /// Nobody approves or declines their own send, admins included.
    OwnSendReview,
    /// The send is no longer awaiting approval (someone decided, or it
    /// was cancelled); its page says who and when.
    AlreadyDecided,
    /// A decline says why, for the author.
    DeclineNeedsComment,
    /// A review comment is at most `REVIEW_COMMENT_MAX_CHARS` characters.
    CommentTooLong,
    /// No campaign under this id that has an account of the caller's.
    CampaignNotFound,
    /// Cancelling a scheduled send needs its confirmation.
    ConfirmCancel,
    /// The send is no longer held (it went, or was cancelled, meanwhile).
    SendNotHeld,
    /// A held send is changed by its author, an admin or a reviewer.
    NotYourSchedule,
    /// The scheduled time passed while the confirmation was open.
    ScheduleTimePassed,
    /// A held send will send this draft: cancel it first.
    DraftHeldBySend,
    /// A held send to a list or to several accounts is not edited, nor
    /// does a held send change to or from a list: cancel and send again.
    HeldSendNotEditable,
}

impl Problem {
    pub fn words(self, lang: Lang) -> &'static str {
        use Problem::*;
        match self {
            UsernameInvalid => lang.pick(
                "用户名须为 2–32 个字符，可用中文、字母、数字和 . _ - @，不能有空格。",
                "A username is 2–32 characters: letters (Chinese too), digits and . _ - @, no spaces.",
            ),
            UsernameTaken => lang.pick(
                "该用户名已被使用，请换一个。",
                "That username is taken; choose another.",
            ),
            PasswordTooShort => lang.pick(
                "密码至少需要 8 个字符。",
                "A password needs at least 8 characters.",
            ),
            PasswordTooLong => lang.pick(
                "密码不能超过 256 个字符。",
                "A password can have at most 256 characters.",
            ),
            UserNotFound => lang.pick(
                "找不到该用户，可能已被他人修改，请刷新页面。",
                "That user no longer exists; someone may have changed it. Reload the page.",
            ),
            LastAdmin => lang.pick(
                "这是最后一位可用的管理员，不能停用或降为编辑；请先设置另一位管理员。",
                "This is the last active admin: it cannot be disabled or made an editor. Make someone else an admin first.",
            ),
            NotYourself => lang.pick(
                "不能停用自己的账号。",
                "You cannot disable your own account.",
            ),
            InvalidRole => lang.pick(
                "角色只能是管理员、审核员或编辑。",
                "The role must be admin, reviewer or editor.",
            ),
            InvalidChoice => lang.pick(
                "这个选项不在可选范围内，请刷新页面后重试。",
                "That choice is not one of those offered. Reload the page and try again.",
            ),
            AlreadySent => lang.pick(
                "这条消息已经发送过了，不会再发一次。要再发一条，请重新打开“群发”页面。",
                "This message was sent already and will not be sent again. To send another, open Compose again.",
            ),
            AttemptNotFound => lang.pick(
                "找不到这次编辑的内容（页面可能已过期）。请在群发页面重新点击“发送”。",
                "This compose attempt cannot be found (the page may be out of date). Press Send on the Compose page again.",
            ),
            ConfirmAllFollowers => lang.pick(
                "发给全部粉丝需要再确认一次：请勾选“我确认发给全部粉丝”。",
                "Sending to all followers needs a second confirmation: tick \"Yes, send to all followers\".",
            ),
            ConfirmRepeat => lang.pick(
                "同样的消息在 24 小时内已发给同一批粉丝。要再发一次，请勾选“我确认再发一次”；若没有看到这一项，请重新点击“发送”。",
                "The same message went to the same audience within the last 24 hours. To send it again, tick \"Yes, send it again\"; if it is not there, press Send again.",
            ),
            SendNotFound => lang.pick(
                "找不到这条群发记录。",
                "There is no such send.",
            ),
            WechatUnavailable => lang.pick(
                "暂时无法从微信读取标签，消息没有发送。请稍后重试；设置页会显示微信接口的状态。",
                "WeChat could not be asked for the tags, so nothing was sent. Try again later.",
            ),
            NotYourSend => lang.pick(
                "只有这条群发的发送人或管理员可以删除它。",
                "Only the editor who sent this, or an admin, can delete it.",
            ),
            FormTooLarge => lang.pick(
                "内容远超微信的长度限制，没有保存。请缩短后再发送（文本最多 2000 字）。",
                "The message is far longer than WeChat allows and was not kept. Shorten it and press Send again (a text has at most 2000 characters).",
            ),
            CurrentPasswordWrong => lang.pick(
                "当前密码不正确，密码没有修改。",
                "The current password is wrong; nothing was changed.",
            ),
            TooManyAttempts => lang.pick(
                "密码错误次数过多，已暂时锁定。请 5 分钟后再试。",
                "Too many wrong passwords: this is locked for now. Try again in 5 minutes.",
            ),
            AccountNotFound => lang.pick(
                "找不到这个公众号，或您没有使用它的权限。",
                "There is no such account here, or it is not yours to use.",
            ),
            ConfiguredAccount => lang.pick(
                "这是配置（QUNFA_WECHAT_*）定义的公众号，不能在这里停用；从配置中移除它即可。除名称外的设置也请在配置中修改。",
                "This is the account the configuration (QUNFA_WECHAT_*) defines: it cannot be disabled here, only removed from the configuration; change anything but its name there.",
            ),
            NotSimulator => lang.pick(
                "只有在使用内置模拟器（未配置 QUNFA_WECHAT_APPID）时才能添加模拟公众号。",
                "A simulated account can be added only while the console runs the built-in simulator (no QUNFA_WECHAT_APPID).",
            ),
            DraftNotFound => lang.pick(
                "找不到这篇草稿：它可能已被删除。",
                "There is no such draft here: it may have been deleted.",
            ),
            ArticleCount => lang.pick(
                "一篇草稿须有 1 到 8 篇文章（微信的上限是 8 篇），草稿没有保存。",
                "A draft has 1 to 8 articles (WeChat allows at most 8); the draft was not saved.",
            ),
            ConfirmDeleteDraft => lang.pick(
                "删除草稿需要确认：请勾选“确认删除”。",
                "Deleting a draft needs a confirmation: tick \"Yes, delete it\".",
            ),
            DraftUnreadable => lang.pick(
                "暂时无法从微信读取这篇草稿，消息没有发送。qunfa 会在发送前保存每篇文章的副本（发送后微信会删除草稿），读不到草稿就不发送。请稍后重试。",
                "WeChat could not be asked for the draft, so nothing was sent: qunfa keeps its own copy of every article before sending (WeChat deletes a draft once it is sent). Try again later.",
            ),
            ApprovalTimePassed => lang.pick(
                "这条群发定的时间已经过了，没有批准。要现在就发送吗？请勾选“现在发送”后再批准，或拒绝它。",
                "The time this send was set for has passed, so it was not approved. Send it now? Tick \"Send it now\" and approve again, or decline it.",
            ),
            ReviewersOnly => lang.pick(
                "只有管理员和审核员可以批准或拒绝群发。",
                "Only admins and reviewers can approve or decline a send.",
            ),
            OwnSendReview => lang.pick(
                "不能审核自己提交的群发（管理员也不能）：请由另一位管理员或审核员批准或拒绝。",
                "You cannot approve or decline your own send (admins neither): another admin or reviewer must.",
            ),
            AlreadyDecided => lang.pick(
                "这条群发已不在等待审核：已有人批准或拒绝了它，或它已被取消。群发详情页写明了是谁、在什么时间。",
                "This send is no longer awaiting approval: someone approved or declined it, or it was cancelled. Its page says who and when.",
            ),
            DeclineNeedsComment => lang.pick(
                "拒绝时请写明原因，让提交的人知道要改什么。",
                "Say why when you decline, so the author knows what to change.",
            ),
            CommentTooLong => lang.pick(
                "审核意见最多 500 个字符。",
                "A review comment has at most 500 characters.",
            ),
            CampaignNotFound => lang.pick(
                "找不到这次多账号群发：它不存在，或其中没有你能使用的公众号。",
                "There is no such campaign here: it does not exist, or none of its accounts is yours to use.",
            ),
            ConfirmCancel => lang.pick(
                "取消定时群发需要确认：请勾选“确认取消”。",
                "Cancelling a scheduled send needs a confirmation: tick \"Yes, cancel it\".",
            ),
            SendNotHeld => lang.pick(
                "这条群发已经不再等待（它可能刚刚发出或已被取消），没有做任何更改。请刷新页面查看它现在的状态。",
                "This send is no longer waiting (it may just have gone out, or been cancelled), so nothing was changed. Reload the page to see where it stands.",
            ),
            NotYourSchedule => lang.pick(
                "只有这条群发的作者、管理员或审核人可以修改或取消它。",
                "Only the editor who wrote this send, an admin or a reviewer can change or cancel it.",
            ),
            ScheduleTimePassed => lang.pick(
                "选定的发送时间已经过去，消息没有发送。请选择新的时间后重新点击“发送”。",
                "The chosen time has passed, so nothing was sent or scheduled. Choose a new time and press Send again.",
            ),
            DraftHeldBySend => lang.pick(
                "有一条定时或待审核的群发将发送这篇草稿，所以不能删除它。请先在群发记录中打开那条群发并取消它。",
                "A scheduled or awaiting send will send this draft, so it cannot be deleted. Open that send in History and cancel it first.",
            ),
            HeldSendNotEditable => lang.pick(
                "已确认的发给粉丝列表或多个公众号的群发不能修改，待发的群发也不能在“粉丝列表”和其他发送对象之间切换。请取消它，再重新发送。",
                "A confirmed send to a list of followers or to several accounts cannot be edited, and a held send cannot switch to or from a list of followers. Cancel it and send again.",
            ),
        }
    }

    /// A stable name for the problem, used in URLs when a form was sent
    /// without JavaScript and the answer is a redirect.
    pub fn code(self) -> &'static str {
        use Problem::*;
        match self {
            UsernameInvalid => "username_invalid",
            UsernameTaken => "username_taken",
            PasswordTooShort => "password_too_short",
            PasswordTooLong => "password_too_long",
            UserNotFound => "user_not_found",
            LastAdmin => "last_admin",
            NotYourself => "not_yourself",
            InvalidRole => "invalid_role",
            InvalidChoice => "invalid_choice",
            AlreadySent => "already_sent",
            AttemptNotFound => "attempt_not_found",
            ConfirmAllFollowers => "confirm_all_followers",
            ConfirmRepeat => "confirm_repeat",
            SendNotFound => "send_not_found",
            WechatUnavailable => "wechat_unavailable",
            NotYourSend => "not_your_send",
            FormTooLarge => "form_too_large",
            CurrentPasswordWrong => "current_password_wrong",
            TooManyAttempts => "too_many_attempts",
            AccountNotFound => "account_not_found",
            ConfiguredAccount => "configured_account",
            NotSimulator => "not_simulator",
            DraftNotFound => "draft_not_found",
            ArticleCount => "article_count",
            ConfirmDeleteDraft => "confirm_delete_draft",
            DraftUnreadable => "draft_unreadable",
            ApprovalTimePassed => "approval_time_passed",
            ReviewersOnly => "reviewers_only",
            OwnSendReview => "own_send_review",
            AlreadyDecided => "already_decided",
            DeclineNeedsComment => "decline_needs_comment",
            CommentTooLong => "comment_too_long",
            CampaignNotFound => "campaign_not_found",
            ConfirmCancel => "confirm_cancel",
            SendNotHeld => "send_not_held",
            NotYourSchedule => "not_your_schedule",
            ScheduleTimePassed => "schedule_time_passed",
            DraftHeldBySend => "draft_held_by_send",
            HeldSendNotEditable => "held_send_not_editable",
        }
    }

    /// Every problem, in the order above.
    pub const ALL: &[Problem] = <Problem as strum::VariantArray>::VARIANTS;

    pub fn from_code(code: &str) -> Option<Problem> {
        Problem::ALL.iter().copied().find(|p| p.code() == code)
    }
}

impl AppError {
    pub fn words(&self, lang: Lang) -> &'static str {
        match self {
            AppError::NotSignedIn => lang.pick(
                "登录已失效，请重新登录。",
                "Your session has ended. Please log in again.",
            ),
            AppError::Forbidden => lang.pick(
                "只有管理员可以这样做。",
                "Only an admin can do this.",
            ),
            AppError::Rejected(problem) => problem.words(lang),
            AppError::Unexpected => lang.pick(
                "服务器出了意外的问题，操作没有完成。请稍后重试；如果一直出现，请联系管理员查看服务器日志。",
                "Something unexpected went wrong on the server and nothing was changed. Try again; if it keeps happening, ask your admin to look at the server log.",
            ),
            AppError::BadArgument(_) => lang.pick(
                "请求中有一项无法读取，没有做任何更改。请刷新页面后重试。",
                "A field of the request could not be read, so nothing was changed. Reload the page and try again.",
            ),
        }
    }
}

impl AppError {
    /// A stable name, carried in the address when a form sent without
    /// JavaScript is answered with a redirect.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotSignedIn => "not_signed_in",
            AppError::Forbidden => "forbidden",
            AppError::Unexpected => "unexpected",
            AppError::BadArgument(_) => "bad_argument",
            AppError::Rejected(problem) => problem.code(),
        }
    }

    pub fn from_code(code: &str) -> Option<AppError> {
        Some(match code {
            "not_signed_in" => AppError::NotSignedIn,
            "forbidden" => AppError::Forbidden,
            "unexpected" => AppError::Unexpected,
            "bad_argument" => AppError::BadArgument(String::new()),
            other => AppError::Rejected(Problem::from_code(other)?),
        })
    }
}

impl From<Problem> for AppError {
    fn from(problem: Problem) -> Self {
        AppError::Rejected(problem)
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Logs the whole cause chain and gives the browser only "unexpected".
    pub fn unexpected(error: impl Into<anyhow::Error>) -> AppError {
        let error = error.into();
        tracing::error!(
            error = format!("{error:#}"),
            "unexpected error in a request"
        );
        AppError::Unexpected
    }
}

// The errors of crates every layer uses become `Unexpected`, logged, so a
// server function can write `?` after a query. A domain's own error enum
// says what it means for the user where it is defined (`auth::store`,
// `sends::store`, `auth::password`), which keeps this module free of them.

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        AppError::unexpected(error)
    }
}

#[cfg(feature = "ssr")]
impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        AppError::unexpected(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_has_a_code_that_reads_back() {
        for &problem in Problem::ALL {
            assert_eq!(Problem::from_code(problem.code()), Some(problem));
            assert!(!problem.words(Lang::Zh).is_empty());
            assert!(!problem.words(Lang::En).is_empty());
        }
        assert_eq!(Problem::from_code("nonsense"), None);
    }
}
