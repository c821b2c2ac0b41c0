//! Users, passwords, sessions and who may see what.
//!
//! The types here compile for the browser too; everything that touches the
//! database, argon2 or the request lives in the `ssr`-only modules.

use serde::{Deserialize, Serialize};

pub mod api;
#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod login;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod setup;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod throttle;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Admin,
    /// An editor who may also approve other people's sends.
    Reviewer,
    Editor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reviewer => "reviewer",
            Role::Editor => "editor",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "reviewer" => Some(Role::Reviewer),
            "editor" => Some(Role::Editor),
            _ => None,
        }
    }
}

/// The person behind a request, as the UI may know them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// May approve or decline other people's sends (never their own).
    pub fn may_review(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Reviewer)
    }
}

/// A username that follows our rules: 2–32 characters, letters of any
/// script, digits and `. _ - @`; compared without case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a username is 2–32 characters: letters, digits and . _ - @, no spaces")]
pub struct UsernameInvalid;

impl Username {
    pub fn parse(text: &str) -> Result<Username, UsernameInvalid> {
        let name = text.trim();
        let count = name.chars().count();
        let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
        if (2..=32).contains(&count) && name.chars().all(allowed) {
            Ok(Username(name.to_owned()))
        } else {
            Err(UsernameInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The most a password may be: long enough for any passphrase, short enough
/// that hashing it cannot be used to burn the server's time.
pub const PASSWORD_MAX_CHARS: usize = 256;
pub const PASSWORD_MIN_CHARS: usize = 8;

/// A row of the users page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: String,
    /// The slugs of the accounts the user is granted (an admin may use
    /// every account whatever this says).
    pub accounts: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_rules() {
        for good in ["ed", "王小明", "editor.one", "a_b-c@d", &"x".repeat(32)] {
            assert!(Username::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "a",
            "with space",
            "semi;colon",
            "<script>",
            &"x".repeat(33),
        ] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Username::parse("  trimmed  ").unwrap().as_str(), "trimmed");
    }
}
