//! Password rules and argon2id hashing.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use crate::error::{AppError, Problem};

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

impl From<HashError> for AppError {
    fn from(error: HashError) -> Self {
        AppError::unexpected(error)
    }
}

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

/// How long a login waits for a free check before it is refused with "try
/// again shortly".
pub const CHECK_WAIT: Duration = Duration::from_secs(2);

/// The check could not start within [`CHECK_WAIT`]: too many are running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many password checks are running")]
pub struct Busy;

/// Runs argon2 on blocking threads, at most a few at once: each check takes
/// 19 MiB and a core for tens of milliseconds, so a burst of logins must
/// queue rather than exhaust the memory. Counts what it does: how many
/// passwords were checked, and the most checks that ran at once.
pub struct PasswordChecks {
    permits: Arc<Semaphore>,
    wait: Duration,
    verified: AtomicU64,
    running: AtomicUsize,
    peak: AtomicUsize,
}

impl PasswordChecks {
    pub fn new(limit: usize, wait: Duration) -> Self {
        PasswordChecks {
            permits: Arc::new(Semaphore::new(limit.max(1))),
            wait,
            verified: AtomicU64::new(0),
            running: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    /// As many checks at once as the machine has cores.
    pub fn sized_to_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        PasswordChecks::new(cores, CHECK_WAIT)
    }

    async fn permit(&self, wait: Option<Duration>) -> Result<OwnedSemaphorePermit, Busy> {
        let acquire = self.permits.clone().acquire_owned();
        let permit = match wait {
            Some(wait) => tokio::time::timeout(wait, acquire)
                .await
                .map_err(|_| Busy)?,
            None => acquire.await,
        };
        // The semaphore is never closed.
        permit.map_err(|_| Busy)
    }

    /// Runs `work` on a blocking thread under `permit`, counted.
    async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        permit: OwnedSemaphorePermit,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let checks = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let running = checks.running.fetch_add(1, Ordering::SeqCst) + 1;
            checks.peak.fetch_max(running, Ordering::SeqCst);
            let result = work();
            checks.running.fetch_sub(1, Ordering::SeqCst);
            result
        })
        .await
        .ok()
    }

    /// Whether `password` matches `stored`. With no stored hash (an unknown
    /// user) a dummy hash is checked, so a wrong username takes as long as a
    /// wrong password, and the answer is `false`. `Busy` when no check
    /// could start within the wait.
    pub async fn verify(
        self: &Arc<Self>,
        password: SecretString,
        stored: Option<PasswordHashString>,
    ) -> Result<bool, Busy> {
        let permit = match self.permit(Some(self.wait)).await {
            Ok(permit) => permit,
            Err(busy) => {
                crate::metrics::password_check("busy");
                return Err(busy);
            }
        };
        let checks = self.clone();
        let matched = self
            .run(permit, move || {
                checks.verified.fetch_add(1, Ordering::SeqCst);
                crate::metrics::password_check("checked");
                match &stored {
                    Some(stored) => verify(&password, stored),
                    None => {
                        verify(&password, dummy_hash());
                        false
                    }
                }
            })
            .await;
        Ok(matched.unwrap_or(false))
    }

    /// Hashes a new password. It waits as long as it takes: only admins and
    /// the first-run setup hash passwords, never a stranger's burst.
    pub async fn hash(
        self: &Arc<Self>,
        password: SecretString,
    ) -> Result<PasswordHashString, HashError> {
        let permit = self
            .permit(None)
            .await
            .map_err(|busy| HashError(busy.to_string()))?;
        self.run(permit, move || hash(&password))
            .await
            .unwrap_or_else(|| Err(HashError("the hashing thread ended early".into())))
    }

    /// How many passwords were checked against a hash since the start.
    pub fn verified(&self) -> u64 {
        self.verified.load(Ordering::SeqCst)
    }

    /// The most checks (and hashes) that ran at the same time since the
    /// start.
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

    #[tokio::test]
    async fn a_check_waits_a_bounded_time_for_a_free_place_then_is_refused() {
        let checks = Arc::new(PasswordChecks::new(1, Duration::from_millis(20)));
        let stored = hash(&secret("correct horse")).unwrap();
        let taken = checks.permit(None).await.unwrap();
        assert_eq!(
            checks
                .verify(secret("correct horse"), Some(stored.clone()))
                .await,
            Err(Busy),
            "the only place is taken"
        );
        assert_eq!(checks.verified(), 0, "nothing was checked");
        drop(taken);
        assert_eq!(
            checks.verify(secret("correct horse"), Some(stored)).await,
            Ok(true)
        );
        assert_eq!(checks.verify(secret("x"), None).await, Ok(false));
        assert_eq!(checks.verified(), 2);
        assert_eq!(checks.peak(), 1);
    }

    #[tokio::test]
    async fn no_more_checks_run_at_once_than_the_limit() {
        let checks = Arc::new(PasswordChecks::new(2, Duration::from_secs(60)));
        let stored = hash(&secret("correct horse")).unwrap();
        let mut all = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (checks, stored) = (checks.clone(), stored.clone());
            all.spawn(async move { checks.verify(secret("wrong"), Some(stored)).await });
        }
        assert!(all.join_all().await.iter().all(|r| *r == Ok(false)));
        assert_eq!(checks.verified(), 8);
        assert!(checks.peak() <= 2, "{}", checks.peak());
    }
}
