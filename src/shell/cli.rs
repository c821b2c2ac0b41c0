//! The command line: `qunfa` (serve), `qunfa user add|passwd|list`,
//! `qunfa account add|list|disable`, `qunfa backup|restore`,
//! `qunfa simulator`.

use std::{
    io::{BufRead, IsTerminal},
    path::PathBuf,
};

use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};

use super::{
    config::{DatabasePath, SettingsArgs},
    db,
    secrets::{self, CopyKey, SealingKey},
    server,
};
use crate::auth::{Role, Username, password, store};

#[derive(Parser, Debug)]
#[command(
    name = "qunfa",
    version,
    about = "群发 qunfa: a self-hosted console for WeChat Official Account mass sends",
    long_about = "群发 qunfa: a self-hosted console for WeChat Official Account mass sends.\n\n\
        Every setting below can be given as a flag, as the environment variable shown, \
        or in qunfa.toml (the key is the flag's name with _ for -); flags and the \
        environment win over the file. With no WeChat account configured, qunfa \
        talks to its built-in WeChat simulator."
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the console (the default)
    Serve,
    /// Manage the people who can log in
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Manage the Official Accounts the console serves (a running console
    /// picks a change up at its next start)
    Account {
        #[command(subcommand)]
        action: AccountCommand,
    },
    /// Copy the database consistently, even while the console runs and sends
    Backup {
        /// The copy to write; it must not exist yet
        #[arg(long)]
        to: PathBuf,
    },
    /// Replace the database with a backup; the console must be stopped
    Restore {
        /// The backup to put in place
        #[arg(long)]
        from: PathBuf,
    },
    /// Run the WeChat simulator alone, serving WeChat's paths (/cgi-bin/...) at the root of --listen
    Simulator(Box<SimulatorArgs>),
}

#[derive(clap::Args, Debug)]
pub struct SimulatorArgs {
    /// Address to serve on
    #[arg(long, default_value = "127.0.0.1:3900")]
    listen: std::net::SocketAddr,
    /// The pretend account's AppID
    #[arg(long, default_value = crate::simulator::BUILTIN_APPID)]
    appid: String,
    /// The pretend account's AppSecret
    #[arg(long, default_value = crate::simulator::BUILTIN_SECRET)]
    secret: String,
    /// Serve this account, APPID:SECRET, or APPID:SECRET:KIND with KIND
    /// service (服务号) or subscription (订阅号, the default); repeat it for
    /// several. Given, these are the accounts served, instead of
    /// --appid/--secret; the first has the demo tags and drafts, the others
    /// a smaller set of their own. --callback-url, --token, --aes-key and
    /// --overseas apply to every account
    #[arg(
        long = "account",
        value_name = "APPID:SECRET[:KIND]",
        conflicts_with_all = ["appid", "secret"]
    )]
    accounts: Vec<crate::simulator::AccountSpec>,
    /// Where to push MASSSENDJOBFINISH, e.g. http://127.0.0.1:3000/wechat/callback
    #[arg(long)]
    callback_url: Option<url::Url>,
    /// Callback Token that signs the pushes [default: made at random and
    /// printed at start]
    #[arg(long)]
    token: Option<String>,
    /// EncodingAESKey: push encrypted (safe mode) callbacks
    #[arg(long)]
    aes_key: Option<String>,
    /// Act as an overseas account (海外主体), which may mass-send articles
    /// (mpnews) only: any other sendall is refused with 48001
    #[arg(long)]
    overseas: bool,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user; the password is read from a prompt, or from standard input
    Add {
        name: String,
        /// Make the user an admin (default: editor)
        #[arg(long)]
        admin: bool,
    },
    /// Set a new password; the user's open sessions end
    Passwd { name: String },
    /// List every user
    List,
}

/// The environment variables `qunfa account add` reads the secrets from:
/// a flag's value would stay in the shell's history and in `ps`.
pub const ACCOUNT_SECRET_VARIABLES: [(&str, crate::accounts::AccountField); 5] = {
    use crate::accounts::AccountField;
    [
        ("QUNFA_ACCOUNT_SECRET", AccountField::Secret),
        ("QUNFA_ACCOUNT_TOKEN_URL", AccountField::TokenUrl),
        ("QUNFA_ACCOUNT_FIXED_TOKEN", AccountField::FixedToken),
        ("QUNFA_ACCOUNT_CALLBACK_TOKEN", AccountField::CallbackToken),
        ("QUNFA_ACCOUNT_AES_KEY", AccountField::AesKey),
    ]
};

#[derive(Subcommand, Debug)]
pub enum AccountCommand {
    /// Add an account. Its secrets are read from the environment, never
    /// from a flag: QUNFA_ACCOUNT_SECRET (the AppSecret, for the stable and
    /// classic token sources), QUNFA_ACCOUNT_TOKEN_URL (url),
    /// QUNFA_ACCOUNT_FIXED_TOKEN (fixed), QUNFA_ACCOUNT_CALLBACK_TOKEN (the
    /// callback Token; unset: made at random, shown on the account's
    /// Settings page) and QUNFA_ACCOUNT_AES_KEY (the EncodingAESKey, for
    /// compatible and safe mode)
    Add {
        /// The account's short name in its URLs (/a/SLUG/..., /wechat/callback/SLUG):
        /// 1–32 of a-z, 0-9 and -; it never changes
        #[arg(long)]
        slug: String,
        /// Its name as the console shows it
        #[arg(long)]
        name: String,
        /// Its AppID (18 letters and digits starting with wx)
        #[arg(long)]
        appid: String,
        /// subscription (订阅号) or service (服务号)
        #[arg(long, default_value = "subscription")]
        kind: String,
        /// An overseas account (海外主体), which may mass-send articles only
        #[arg(long)]
        overseas: bool,
        /// Where its access token comes from: stable, classic, url or fixed
        #[arg(long, default_value = "stable")]
        token_source: String,
        /// How WeChat sends its callbacks: plaintext, compatible or safe
        #[arg(long, default_value = "safe")]
        message_mode: String,
        /// Pass each verified callback on to this URL (the account's own backend)
        #[arg(long)]
        forward_url: Option<String>,
        /// How long a forwarded callback may take, 100ms to 5s [default: 4s]
        #[arg(long)]
        forward_timeout: Option<String>,
    },
    /// List every account, without its secrets
    List,
    /// Disable an account: its pages, callback URL and sends stop; its
    /// history stays
    Disable { slug: String },
}

/// Runs the command line and returns the process exit code.
pub async fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Some(Command::Simulator(args)) => simulator(*args).await,
        None | Some(Command::Serve) => match cli.settings.load() {
            Ok(settings) => serve(settings).await,
            Err(error) => {
                eprintln!("qunfa: cannot start: {error}");
                return 2;
            }
        },
        // These need the database alone, so the account's settings
        // (perhaps unreadable to whoever runs them) are not checked.
        Some(
            command @ (Command::User { .. }
            | Command::Account { .. }
            | Command::Backup { .. }
            | Command::Restore { .. }),
        ) => {
            let database = match cli.settings.load_database() {
                Ok(database) => database,
                Err(error) => {
                    eprintln!("qunfa: cannot start: {error}");
                    return 2;
                }
            };
            // A backup's or restore's secrets open with the console's key.
            let secret_key = match &command {
                Command::User { .. } => None,
                _ => match cli.settings.load_secret_key() {
                    Ok(key) => key,
                    Err(error) => {
                        eprintln!("qunfa: cannot start: {error}");
                        return 2;
                    }
                },
            };
            match command {
                Command::User { action } => user(&database, action).await,
                Command::Account { action } => {
                    account(&database, action, secret_key.as_ref()).await
                }
                Command::Backup { to } => backup(&database, to, secret_key.as_ref()).await,
                Command::Restore { from } => restore(&database, from, secret_key.as_ref()).await,
                _ => unreachable!("matched above"),
            }
        }
    };
    match result {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("qunfa: {error:#}");
            // Like a setting that cannot be used, a key that does not open
            // the database's secrets is the operator's to fix: exit 2, which
            // the systemd unit does not restart.
            if error.downcast_ref::<secrets::KeyError>().is_some() {
                2
            } else {
                1
            }
        }
    }
}

async fn serve(settings: super::config::Settings) -> anyhow::Result<()> {
    let address = settings.site_addr;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {address} (LEPTOS_SITE_ADDR): {e}"))?;
    if settings.uses_simulator() {
        tracing::info!("no WeChat account configured: using the built-in simulator");
    }
    server::start(settings, listener, server::shutdown_signal()).await
}

async fn backup(
    database: &DatabasePath,
    to: PathBuf,
    secret_key: Option<&SealingKey>,
) -> anyhow::Result<()> {
    let report = super::backup::backup(database, &to, secret_key).await?;
    println!(
        "backed up {} to {} in {:.1} s: {} bytes, {} sends, {} callbacks; integrity_check ok",
        database.url,
        report.file.display(),
        report.took.as_secs_f64(),
        report.contents.bytes,
        report.contents.sends,
        report.contents.callbacks,
    );
    const NEEDS_KEY: &str =
        "A restore needs the secret key as well, which the backup does not hold";
    match report.key {
        Ok(CopyKey::Opens(source)) => println!(
            "{NEEDS_KEY}: {source} (it opens this backup's secrets). Keep a copy of it apart from the backups."
        ),
        Ok(CopyKey::NothingSealed) => {
            let key = match secret_key {
                Some(_) => secrets::KEY_VARIABLE.to_owned(),
                None => match &database.file {
                    Some(file) => {
                        format!("the key file {}", secrets::key_file_beside(file).display())
                    }
                    None => secrets::KEY_VARIABLE.to_owned(),
                },
            };
            println!(
                "{NEEDS_KEY} once the console has sealed secrets (this one holds none yet): {key}."
            );
        }
        Err(problem) => eprintln!("{NEEDS_KEY}, and the key here is not the one: {problem}"),
    }
    Ok(())
}

async fn restore(
    database: &DatabasePath,
    from: PathBuf,
    secret_key: Option<&SealingKey>,
) -> anyhow::Result<()> {
    let report = super::backup::restore(database, &from, secret_key).await?;
    let key = match report.key {
        CopyKey::Opens(source) => format!("{source} opens its secrets"),
        CopyKey::NothingSealed => "it holds no sealed secret".to_owned(),
    };
    println!(
        "restored {} into {}: {} sends, {} callbacks; {key}",
        from.display(),
        database.url,
        report.contents.sends,
        report.contents.callbacks,
    );
    if let Some(kept) = report.replaced {
        println!("the database it replaced is kept as {}", kept.display());
    }
    Ok(())
}

async fn simulator(args: SimulatorArgs) -> anyhow::Result<()> {
    use crate::simulator::{AccountConfig, AccountSpec, SimulatorConfig, run_standalone};
    let named = !args.accounts.is_empty();
    let mut given = std::collections::HashSet::new();
    if let Some(twice) = args
        .accounts
        .iter()
        .find(|spec| !given.insert(spec.appid.as_str()))
    {
        anyhow::bail!(
            "--account gives the AppID {} twice: each account needs its own",
            twice.appid
        );
    }
    let mut accounts = args.accounts.into_iter();
    let first = accounts.next().unwrap_or(AccountSpec {
        appid: args.appid,
        secret: SecretString::from(args.secret),
        kind: Default::default(),
    });
    // No Token in the source: one nobody chose is one nobody can forge.
    // Each account gets its own, as each real account has its own.
    let token_for = |appid: &str| match &args.token {
        Some(token) => SecretString::from(token.clone()),
        None => {
            let token = crate::simulator::random_callback_token();
            if named {
                eprintln!(
                    "the WeChat simulator signs the pushes of {appid} with the callback \
                     Token {} (made for this run; --token sets one for all)",
                    token.expose_secret()
                );
            } else {
                eprintln!(
                    "the WeChat simulator signs its pushes with the callback Token {} \
                     (made for this run; --token sets one): give the console the same \
                     (QUNFA_WECHAT_TOKEN)",
                    token.expose_secret()
                );
            }
            token
        }
    };
    let token = token_for(&first.appid);
    let mut config = SimulatorConfig::new(first.appid, first.secret, token)
        .with_kind(first.kind)
        .with_overseas(args.overseas);
    if let Some(url) = &args.callback_url {
        config = config.with_callback_url(url.clone());
    }
    if let Some(key) = &args.aes_key {
        config = config.with_aes_key(SecretString::from(key.clone()));
    }
    for spec in accounts {
        let token = token_for(&spec.appid);
        let mut account = AccountConfig::new(spec.appid, spec.secret, token)
            .with_kind(spec.kind)
            .with_overseas(args.overseas);
        if let Some(url) = &args.callback_url {
            account = account.with_callback_url(url.clone());
        }
        if let Some(key) = &args.aes_key {
            account = account.with_aes_key(SecretString::from(key.clone()));
        }
        config = config.with_account(account);
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
    eprintln!(
        "the WeChat simulator is listening on http://{}",
        args.listen
    );
    run_standalone(config, listener, server::shutdown_signal())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

async fn user(database: &DatabasePath, action: UserCommand) -> anyhow::Result<()> {
    let pool = db::open(database).await?;
    let mut conn = pool.acquire().await?;
    match action {
        UserCommand::Add { name, admin } => {
            let name = Username::parse(&name)?;
            let password = read_new_password()?;
            let hash = password::hash(&password)?;
            let role = if admin { Role::Admin } else { Role::Editor };
            store::create(&mut conn, name.as_str(), &hash, role).await?;
            println!("added {} ({})", name.as_str(), role.as_str());
        }
        UserCommand::Passwd { name } => {
            let user = store::find_by_username(&mut conn, name.trim())
                .await?
                .ok_or_else(|| anyhow::anyhow!("there is no user named {name}"))?;
            let password = read_new_password()?;
            let hash = password::hash(&password)?;
            store::set_password(&mut conn, user.id, &hash).await?;
            println!(
                "password changed for {}; their sessions have ended",
                user.username
            );
        }
        UserCommand::List => {
            let users = store::list(&mut conn).await?;
            if users.is_empty() {
                println!("no users yet: add one with `qunfa user add NAME --admin`");
            }
            for user in users {
                let state = if user.disabled { "disabled" } else { "active" };
                println!(
                    "{:<32} {:<7} {:<9} {}",
                    user.username,
                    user.role.as_str(),
                    state,
                    user.created_at
                );
            }
        }
    }
    Ok(())
}

/// What a running console does with a change made here.
const NEXT_START: &str = "a running console picks the change up at its next start";

async fn account(
    database: &DatabasePath,
    action: AccountCommand,
    secret_key: Option<&SealingKey>,
) -> anyhow::Result<()> {
    use crate::{
        accounts::{AccountForm, store as accounts},
        audit::{Action, Facts},
    };
    let pool = db::open(database).await?;
    let audit = |row: &accounts::Row, action: Action| {
        let facts = Facts::Account {
            account: row.slug.clone(),
            name: row.name.clone(),
            appid: row.appid.clone(),
        };
        let pool = pool.clone();
        let id = row.id;
        async move {
            crate::audit::store::record_or_log(
                &pool,
                Some(id),
                None,
                "qunfa account",
                action,
                &facts,
            )
            .await;
        }
    };
    match action {
        AccountCommand::Add {
            slug,
            name,
            appid,
            kind,
            overseas,
            token_source,
            message_mode,
            forward_url,
            forward_timeout,
        } => {
            let secret = |variable: &str| std::env::var(variable).unwrap_or_default();
            let form = AccountForm {
                name,
                slug,
                appid,
                kind,
                overseas: overseas.then(String::new),
                token_source,
                secret: secret("QUNFA_ACCOUNT_SECRET"),
                token_url: secret("QUNFA_ACCOUNT_TOKEN_URL"),
                fixed_token: secret("QUNFA_ACCOUNT_FIXED_TOKEN"),
                callback_token: secret("QUNFA_ACCOUNT_CALLBACK_TOKEN"),
                aes_key: secret("QUNFA_ACCOUNT_AES_KEY"),
                message_mode,
                forward_url: forward_url.unwrap_or_default(),
                forward_timeout: forward_timeout.unwrap_or_default(),
                no_forward: None,
                needs_approval: None,
                time_zone: String::new(),
            };
            let account = crate::accounts::form::check(&form, None)
                .map_err(|problems| anyhow::anyhow!(account_problems(&problems)))?;
            let taken = crate::accounts::form::taken(&pool, &account).await?;
            if !taken.is_empty() {
                anyhow::bail!(account_problems(&taken));
            }
            let key = unlocked_key(&pool, database, secret_key).await?;
            let id = match accounts::insert(&pool, &key, &account).await {
                Ok(id) => id,
                Err(accounts::StoreError::SlugTaken(_)) => anyhow::bail!(account_problems(&[
                    crate::accounts::FieldProblem::SlugTaken
                ])),
                Err(accounts::StoreError::AppIdTaken(_)) => anyhow::bail!(account_problems(&[
                    crate::accounts::FieldProblem::AppidTaken
                ])),
                Err(error) => return Err(error.into()),
            };
            let row = accounts::get(&pool, id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the account just added is not there"))?;
            audit(&row, Action::AccountAdd).await;
            println!(
                "added account {} ({}, {}); {NEXT_START}. Its callback URL is QUNFA_PUBLIC_URL + /wechat/callback/{}; its Token is on its Settings page.",
                row.slug, row.name, row.appid, row.slug
            );
        }
        AccountCommand::List => {
            let rows = accounts::list(&pool).await?;
            println!(
                "{:<20} {:<18} {:<12} {:<8} {:<10} {:<11} {:<11} {:<8} NAME",
                "SLUG", "APPID", "KIND", "OVERSEAS", "TOKEN", "MODE", "ORIGIN", "STATE"
            );
            for row in rows {
                println!(
                    "{:<20} {:<18} {:<12} {:<8} {:<10} {:<11} {:<11} {:<8} {}",
                    row.slug,
                    row.appid,
                    row.kind.as_str(),
                    if row.overseas { "yes" } else { "no" },
                    row.token_source.as_str(),
                    row.message_mode.as_str(),
                    row.origin.as_str(),
                    if row.is_disabled() {
                        "disabled"
                    } else {
                        "enabled"
                    },
                    row.name
                );
            }
        }
        AccountCommand::Disable { slug } => {
            let row = accounts::by_slug(&pool, slug.trim())
                .await?
                .ok_or_else(|| anyhow::anyhow!("there is no account {slug}"))?;
            if row.id == 1 {
                anyhow::bail!(
                    crate::error::Problem::ConfiguredAccount.words(crate::i18n::Lang::En)
                );
            }
            accounts::set_disabled(&pool, row.id, true).await?;
            audit(&row, Action::AccountDisable).await;
            println!("disabled account {}; {NEXT_START}", row.slug);
        }
    }
    pool.close().await;
    Ok(())
}

/// Each problem with the flag or variable it is about.
fn account_problems(problems: &[crate::accounts::FieldProblem]) -> String {
    use crate::accounts::AccountField;
    problems
        .iter()
        .map(|problem| {
            let field = problem.field();
            let source = ACCOUNT_SECRET_VARIABLES
                .iter()
                .find(|(_, secret)| *secret == field)
                .map_or_else(
                    || match field {
                        AccountField::Appid => "--appid".to_owned(),
                        other => format!("--{}", other.name().replace('_', "-")),
                    },
                    |(variable, _)| (*variable).to_owned(),
                );
            format!("{source}: {}", problem.words(crate::i18n::Lang::En))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The key that seals the database's secrets, proven on them as a start
/// does (`secrets::unlock`).
async fn unlocked_key(
    pool: &sqlx::SqlitePool,
    database: &DatabasePath,
    given: Option<&SealingKey>,
) -> anyhow::Result<SealingKey> {
    let key_file = database.file.as_deref().map(secrets::key_file_beside);
    let unlocked = secrets::unlock(pool, &database.url, given, key_file.as_deref()).await?;
    Ok(unlocked.key)
}

/// From a terminal: asked twice, not echoed. Otherwise: the first line of
/// standard input, so scripts can pipe it in.
fn read_new_password() -> anyhow::Result<SecretString> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        if first != again {
            anyhow::bail!("the two passwords differ; nothing was changed");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    let password = SecretString::from(password);
    password::check_rules(&password)
        .map_err(|problem| anyhow::anyhow!(problem.words(crate::i18n::Lang::En)))?;
    Ok(password)
}
