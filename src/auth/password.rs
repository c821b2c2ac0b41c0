//! Password rules and argon2id hashing.

use std::sync::{
    Arc,
    atomic::{AtomicU64, AtomicUsize, Ordering},
};

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};

use super::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use crate::error::Problem;

/// An argon2id PHC string. Deliberately neither `Serialize` nor `Display`:
/// it goes to the database and nowhere else.
#[derive(Clone)]
pub struct PasswordHashString(String);

impl std::fmt::Debug for PasswordHashString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHashString(..)")
    }
}

impl PasswordHashString {
    pub fn from_stored(text: String) -> Self {
        PasswordHashString(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password must be long enough to resist guessing and short enough
/// that hashing it stays cheap.
pub fn check_rules(password: &SecretString) -> Result<(), Problem> {
    let chars = password.expose_secret().chars().count();
    if chars < PASSWORD_MIN_CHARS {
        Err(Problem::PasswordTooShort)
    } else if chars > PASSWORD_MAX_CHARS {
        Err(Problem::PasswordTooLong)
    } else {
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes with argon2id and a fresh random salt (OWASP's parameters are the
/// crate's defaults: 19 MiB, 2 passes). It takes tens of milliseconds, so
/// callers run it off the async threads.
pub fn hash(password: &SecretString) -> Result<PasswordHashString, HashError> {
    let hash = Argon2::default()
        .hash_password(password.expose_secret().as_bytes())
        .map_err(|e| HashError(e.to_string()))?;
    Ok(PasswordHashString(hash.to_string()))
}

/// Whether `password` matches `stored`. A stored value that is not a valid
/// hash matches nothing.
pub fn verify(password: &SecretString, stored: &PasswordHashString) -> bool {
    if password.expose_secret().chars().count() > PASSWORD_MAX_CHARS {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(stored.as_str()) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.expose_secret().as_bytes(), &parsed)
        .is_ok()
}

/// A real hash of nothing anyone knows, checked when the username is unknown
/// so that a wrong username costs as long as a wrong password.
pub fn dummy_hash() -> &'static PasswordHashString {
    static DUMMY: std::sync::OnceLock<PasswordHashString> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        hash(&SecretString::from("not a password anyone has".to_owned()))
            .unwrap_or_else(|_| PasswordHashString(String::new()))
    })
}

/// Runs the argon2 checks of logins and counts them: how many ran, and the
/// most that ran at once.
#[derive(Default)]
pub struct PasswordChecks {
    verified: AtomicU64,
    running: AtomicUsize,
    peak: AtomicUsize,
}

impl PasswordChecks {
    /// Whether `password` matches `stored`, checked on a blocking thread.
    /// With no stored hash (an unknown user) a dummy hash is checked, so a
    /// wrong username takes as long as a wrong password, and the answer is
    /// `false`.
    pub async fn verify(
        self: &Arc<Self>,
        password: SecretString,
        stored: Option<PasswordHashString>,
    ) -> bool {
        let checks = self.clone();
        tokio::task::spawn_blocking(move || {
            let running = checks.running.fetch_add(1, Ordering::SeqCst) + 1;
            checks.peak.fetch_max(running, Ordering::SeqCst);
            checks.verified.fetch_add(1, Ordering::SeqCst);
            crate::metrics::password_check("checked");
            let matched = match &stored {
                Some(stored) => verify(&password, stored),
                None => {
                    verify(&password, dummy_hash());
                    false
                }
            };
            checks.running.fetch_sub(1, Ordering::SeqCst);
            matched
        })
        .await
        .unwrap_or(false)
    }

    /// How many passwords were checked against a hash since the start.
    pub fn verified(&self) -> u64 {
        self.verified.load(Ordering::SeqCst)
    }

    /// The most checks that ran at the same time since the start.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let first = hash(&secret("correct horse")).unwrap();
        let second = hash(&secret("correct horse")).unwrap();
        assert!(
            first.as_str().starts_with("$argon2id$"),
            "{}",
            first.as_str()
        );
        assert_ne!(
            first.as_str(),
            second.as_str(),
            "each hash has its own salt"
        );
        assert!(verify(&secret("correct horse"), &first));
        assert!(!verify(&secret("correct horse "), &first));
        assert!(!verify(&secret("wrong"), &first));
    }

    #[test]
    fn a_broken_stored_hash_matches_nothing() {
        let broken = PasswordHashString::from_stored("plaintext".into());
        assert!(!verify(&secret("plaintext"), &broken));
    }

    #[test]
    fn password_length_rules() {
        assert_eq!(
            check_rules(&secret("short")),
            Err(Problem::PasswordTooShort)
        );
        assert_eq!(check_rules(&secret("eight ch")), Ok(()));
        assert_eq!(check_rules(&secret("密码密码密码密码")), Ok(()));
        assert_eq!(
            check_rules(&secret(&"x".repeat(257))),
            Err(Problem::PasswordTooLong)
        );
    }

    #[test]
    fn the_hash_never_prints() {
        let hashed = hash(&secret("correct horse")).unwrap();
        assert_eq!(format!("{hashed:?}"), "PasswordHashString(..)");
    }
}
