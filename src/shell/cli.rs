//! The command line: `qunfa` (serve), `qunfa user add|passwd|list`.

use std::io::{BufRead, IsTerminal};

use clap::{Parser, Subcommand};
use secrecy::SecretString;

use super::{config::SettingsArgs, db, server};
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

/// Runs the command line and returns the process exit code.
pub async fn run(cli: Cli) -> i32 {
    let settings = match cli.settings.load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("qunfa: cannot start: {error}");
            return 2;
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::User { action } => user(settings, action).await,
    };
    match result {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("qunfa: {error:#}");
            1
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
    eprintln!("qunfa is listening on http://{address}");
    server::start(settings, listener, server::shutdown_signal()).await
}

async fn user(settings: super::config::Settings, action: UserCommand) -> anyhow::Result<()> {
    let pool = db::open(&settings.database).await?;
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
