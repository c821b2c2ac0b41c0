//! The `qunfa` command line, run as an operator runs it.

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

fn qunfa(data: &tempfile::TempDir, args: &[&str], stdin: &str) -> Output {
    qunfa_with(data, args, stdin, &[])
}

/// [`qunfa`] with more environment variables.
fn qunfa_with(
    data: &tempfile::TempDir,
    args: &[&str],
    stdin: &str,
    more: &[(&str, &str)],
) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qunfa"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("QUNFA_CONFIG", data.path().join("absent.toml"))
        .env(
            "QUNFA_DATABASE_URL",
            format!("sqlite://{}", data.path().join("q.db").display()),
        )
        .envs(more.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the qunfa binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_lists_every_setting() {
    let data = tempfile::tempdir().unwrap();
    let help = qunfa(&data, &["--help"], "");
    assert!(help.status.success());
    let help = text(&help.stdout);
    for variable in [
        "LEPTOS_SITE_ADDR",
        "QUNFA_DATABASE_URL",
        "QUNFA_WECHAT_APPID",
        "QUNFA_WECHAT_SECRET",
        "QUNFA_WECHAT_API_BASE",
        "QUNFA_WECHAT_TOKEN_API",
        "QUNFA_WECHAT_ACCESS_TOKEN_URL",
        "QUNFA_WECHAT_ACCESS_TOKEN",
        "QUNFA_WECHAT_TOKEN",
        "QUNFA_WECHAT_AES_KEY",
        "QUNFA_ADMIN_USER",
        "QUNFA_ADMIN_PASSWORD",
        "QUNFA_PUBLIC_URL",
        "QUNFA_SESSION_IDLE",
        "QUNFA_SECRET_KEY",
    ] {
        assert!(help.contains(variable), "--help lacks {variable}:\n{help}");
    }
}

#[test]
fn users_are_added_listed_and_given_new_passwords() {
    let data = tempfile::tempdir().unwrap();
    let added = qunfa(&data, &["user", "add", "王编辑"], "a-long-password\n");
    assert!(added.status.success(), "{}", text(&added.stderr));
    let added = qunfa(
        &data,
        &["user", "add", "boss", "--admin"],
        "another-password\n",
    );
    assert!(added.status.success(), "{}", text(&added.stderr));

    let list = text(&qunfa(&data, &["user", "list"], "").stdout);
    assert!(list.contains("王编辑"), "{list}");
    assert!(
        list.lines()
            .any(|l| l.starts_with("boss") && l.contains("admin")),
        "{list}"
    );

    let short = qunfa(&data, &["user", "passwd", "boss"], "short\n");
    assert!(!short.status.success());
    assert!(text(&short.stderr).contains("at least 8 characters"));
    let changed = qunfa(&data, &["user", "passwd", "boss"], "a-new-password\n");
    assert!(changed.status.success(), "{}", text(&changed.stderr));

    let twice = qunfa(&data, &["user", "add", "BOSS"], "whatever-password\n");
    assert!(!twice.status.success(), "usernames are unique without case");
    let missing = qunfa(&data, &["user", "passwd", "nobody"], "a-new-password\n");
    assert!(text(&missing.stderr).contains("no user named nobody"));
}

#[test]
fn a_bad_setting_stops_the_start_and_names_the_variable() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_qunfa"))
        .env("QUNFA_CONFIG", data.path().join("absent.toml"))
        .env("LEPTOS_SITE_ADDR", "not-an-address")
        .output()
        .unwrap();
    assert_eq!(child.status.code(), Some(2));
    let message = text(&child.stderr);
    assert!(message.contains("LEPTOS_SITE_ADDR"), "{message}");
    assert!(message.contains("127.0.0.1:3000"), "{message}");

    std::fs::write(data.path().join("qunfa.toml"), "session_idle = \"soon\"\n").unwrap();
    child = Command::new(env!("CARGO_BIN_EXE_qunfa"))
        .env("QUNFA_CONFIG", data.path().join("qunfa.toml"))
        .output()
        .unwrap();
    assert_eq!(child.status.code(), Some(2));
    assert!(text(&child.stderr).contains("QUNFA_SESSION_IDLE"));
}

#[test]
fn a_file_that_is_not_a_database_stops_the_start_in_words() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        data.path().join("q.db"),
        "a shopping list, not a database\n".repeat(200),
    )
    .unwrap();
    let output = qunfa(&data, &["user", "list"], "");
    assert!(!output.status.success());
    let message = text(&output.stderr);
    assert!(message.contains("is not a SQLite database"), "{message}");
    assert!(!message.contains("panicked"), "{message}");
}

#[test]
fn the_simulator_runs_alone_and_serves_wechat_paths() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut simulator = Command::new(env!("CARGO_BIN_EXE_qunfa"))
        .args(["simulator", "--listen", &format!("127.0.0.1:{port}")])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let url = format!(
        "http://127.0.0.1:{port}/cgi-bin/token?grant_type=client_credential&appid={}&secret={}",
        qunfa::simulator::BUILTIN_APPID,
        qunfa::simulator::BUILTIN_SECRET
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let answer = runtime.block_on(async {
        for _ in 0..100 {
            if let Ok(response) = reqwest::get(&url).await {
                return response.text().await.unwrap();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the simulator did not answer");
    });
    let _ = simulator.kill();
    let output = simulator.wait_with_output().unwrap();
    // No --token: it made one and said which, once.
    let said = text(&output.stderr);
    let token = said
        .split("callback Token ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no Token in {said}"));
    assert_eq!(token.len(), 32, "{said}");
    assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()), "{said}");
    assert_eq!(said.matches(token).count(), 1, "{said}");
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert!(
        answer["access_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{answer}"
    );
    assert_eq!(answer["expires_in"], 7200);
}

#[test]
fn commands_on_the_database_need_no_account_settings() {
    let data = tempfile::tempdir().unwrap();
    // An AppID whose secret this user cannot read: serving would refuse it,
    // but listing users only needs the database.
    let output = qunfa_with(
        &data,
        &["user", "list"],
        "",
        &[("QUNFA_WECHAT_APPID", "wx0123456789abcdef")],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("no users yet"));
}

#[test]
fn the_simulator_serves_every_account_given_with_account() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut simulator = Command::new(env!("CARGO_BIN_EXE_qunfa"))
        .args([
            "simulator",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--account",
            "wx0000000000000a01:secret-of-a",
            "--account",
            "wx0000000000000b02:secret-of-b:service",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let token = |appid: &str, secret: &str| {
        format!("{base}/cgi-bin/token?grant_type=client_credential&appid={appid}&secret={secret}")
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (a, b, crossed, builtin, accounts) = runtime.block_on(async {
        let get = |url: String| async move {
            for _ in 0..100 {
                if let Ok(response) = reqwest::get(&url).await {
                    return response.json::<serde_json::Value>().await.unwrap();
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("the simulator did not answer");
        };
        (
            get(token("wx0000000000000a01", "secret-of-a")).await,
            get(token("wx0000000000000b02", "secret-of-b")).await,
            get(token("wx0000000000000a01", "secret-of-b")).await,
            get(token(
                qunfa::simulator::BUILTIN_APPID,
                qunfa::simulator::BUILTIN_SECRET,
            ))
            .await,
            get(format!("{base}/control/accounts")).await,
        )
    });
    let _ = simulator.kill();
    let output = simulator.wait_with_output().unwrap();
    assert!(a["access_token"].is_string(), "{a}");
    assert!(b["access_token"].is_string(), "{b}");
    assert_eq!(crossed["errcode"], 40125, "{crossed}");
    // The accounts given are the ones served: not the built-in one too.
    assert_eq!(builtin["errcode"], 40013, "{builtin}");
    let listed: Vec<(&str, &str)> = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["appid"].as_str().unwrap(), a["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            ("wx0000000000000a01", "subscription"),
            ("wx0000000000000b02", "service")
        ]
    );
    // Each account signs with a Token of its own, said once.
    let said = text(&output.stderr);
    let tokens: Vec<&str> = said
        .split("callback Token ")
        .skip(1)
        .filter_map(|rest| rest.split_whitespace().next())
        .collect();
    assert_eq!(tokens.len(), 2, "{said}");
    assert_ne!(tokens[0], tokens[1]);
    assert!(said.contains("wx0000000000000a01"), "{said}");
    assert!(said.contains("wx0000000000000b02"), "{said}");
}

#[test]
fn a_malformed_simulator_account_is_refused_in_words() {
    let data = tempfile::tempdir().unwrap();
    for bad in ["wxonlyappid", "wx1:secret:premium", ":secret"] {
        let output = qunfa(&data, &["simulator", "--account", bad], "");
        assert_eq!(output.status.code(), Some(2), "{bad}");
        let said = text(&output.stderr);
        assert!(said.contains("APPID:SECRET"), "{bad}: {said}");
    }
    // One AppID twice is refused before the simulator says it listens.
    let output = qunfa(
        &data,
        &[
            "simulator",
            "--listen",
            "127.0.0.1:0",
            "--account",
            "wxtwice0000000001:one",
            "--account",
            "wxtwice0000000001:two",
        ],
        "",
    );
    assert!(!output.status.success());
    let said = text(&output.stderr);
    assert!(
        said.contains("--account gives the AppID wxtwice0000000001 twice"),
        "{said}"
    );
    assert!(!said.contains("is listening"), "{said}");
}

#[test]
fn accounts_are_added_from_flags_and_the_environment_listed_without_secrets_and_disabled() {
    let data = tempfile::tempdir().unwrap();
    const SECRET: &str = "CliAppSecret0123456789abcdefABCD";
    const TOKEN: &str = "CliCallbackToken2024";
    let add = [
        "account",
        "add",
        "--slug",
        "brand-b",
        "--name",
        "品牌 B",
        "--appid",
        "wxabcdef0123456789",
        "--kind",
        "service",
        "--message-mode",
        "plaintext",
    ];
    let missing = qunfa(&data, &add, "");
    assert!(!missing.status.success(), "no AppSecret");
    let refusal = text(&missing.stderr);
    assert!(refusal.contains("QUNFA_ACCOUNT_SECRET"), "{refusal}");

    let added = qunfa_with(
        &data,
        &add,
        "",
        &[
            ("QUNFA_ACCOUNT_SECRET", SECRET),
            ("QUNFA_ACCOUNT_CALLBACK_TOKEN", TOKEN),
        ],
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    let said = text(&added.stdout);
    assert!(
        said.contains("brand-b") && said.contains("next start"),
        "{said}"
    );
    assert!(!said.contains(SECRET) && !said.contains(TOKEN));

    let again = qunfa_with(&data, &add, "", &[("QUNFA_ACCOUNT_SECRET", SECRET)]);
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("--slug"),
        "{}",
        text(&again.stderr)
    );

    let bad = qunfa_with(
        &data,
        &[
            "account", "add", "--slug", "x", "--name", "x", "--appid", "wx1",
        ],
        "",
        &[("QUNFA_ACCOUNT_SECRET", SECRET)],
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("--appid: An AppID"),
        "{}",
        text(&bad.stderr)
    );

    let list = qunfa(&data, &["account", "list"], "");
    assert!(list.status.success(), "{}", text(&list.stderr));
    let list = text(&list.stdout);
    assert!(
        list.lines().any(|l| l.starts_with("brand-b")
            && l.contains("wxabcdef0123456789")
            && l.contains("enabled")),
        "{list}"
    );
    assert!(!list.contains(SECRET) && !list.contains(TOKEN));
    let db = std::fs::read(data.path().join("q.db")).unwrap();
    assert!(
        memchr::memmem::find(&db, SECRET.as_bytes()).is_none(),
        "the AppSecret is sealed"
    );

    let main = qunfa(&data, &["account", "disable", "main"], "");
    assert!(!main.status.success());
    assert!(text(&main.stderr).contains("configuration"));
    let disabled = qunfa(&data, &["account", "disable", "brand-b"], "");
    assert!(disabled.status.success(), "{}", text(&disabled.stderr));
    assert!(text(&disabled.stdout).contains("next start"));
    let list = text(&qunfa(&data, &["account", "list"], "").stdout);
    assert!(
        list.lines()
            .any(|l| l.starts_with("brand-b") && l.contains("disabled")),
        "{list}"
    );
}
