//! Several accounts in one console: an earlier release's database upgraded
//! with everything in it belonging to the first account, each account's own
//! callback URL checked with its own Token, and one account's stuck token
//! call holding up no other account's send.

use crate::common;

use std::sync::Arc;

use common::{TestApp, signed_in};
use qunfa::{
    sends::{SendState, history::HistoryPage},
    simulator::{SECOND_BUILTIN_APPID, Scenario},
    wechat::{Endpoint, crypto},
};
use reqwest::StatusCode;

/// The first migration of several accounts: an earlier release's database
/// has every migration before it.
const ACCOUNTS_MIGRATION: &str = "20261130190001";

const FINISH: &str = include_str!("../src/wechat/fixtures/masssendjobfinish.xml");

/// A database as the release before accounts left it: a user, a finished
/// send and one still waiting for its MASSSENDJOBFINISH (which is stored
/// already), a compose attempt and audit lines.
async fn previous_release_database(data: &tempfile::TempDir) {
    let pool = common::database_before(data, ACCOUNTS_MIGRATION).await;
    let hash = qunfa::auth::password::hash(&common::ADMIN_PASSWORD.to_owned().into()).unwrap();
    for statement in [
        format!(
            "INSERT INTO users (id, username, password_hash, role) VALUES (1, 'admin', '{}', 'admin')",
            hash.as_str()
        ),
        "INSERT INTO sends (id, clientmsgid, user_id, msg_type, tag_id, audience, summary, request, state, msg_id, result_status, sent_count, error_count, total_count, status_source)
         VALUES (1, 'qf-old-finished', 1, 'text', 100, 'VIP会员', 'an old finished send', '{}', 'finished', 1000000001, 'send success', 90, 0, 90, 'callback')".to_owned(),
        "INSERT INTO sends (id, clientmsgid, user_id, msg_type, tag_id, audience, summary, request, state, msg_id)
         VALUES (2, 'qf-old-waiting', 1, 'text', 100, 'VIP会员', 'an old send still waiting', '{}', 'submitted', 1000001625)".to_owned(),
        "INSERT INTO send_events (send_id, state, source) VALUES (1, 'finished', 'callback'), (2, 'submitted', 'send')".to_owned(),
        format!(
            "INSERT INTO callbacks (dedup_key, mode, msg_type, event, msg_id, xml, parsed)
             VALUES ('event:old', 'plaintext', 'event', 'MASSSENDJOBFINISH', 1000001625, '{}', '{}')",
            FINISH.replace('\'', "''"),
            serde_json::to_string(&qunfa::wechat::callback::parse_callback(FINISH).unwrap())
                .unwrap()
                .replace('\'', "''")
        ),
        "INSERT INTO compose_attempts (clientmsgid, user_id, form) VALUES ('qf-old-draft', 1, '{}')".to_owned(),
        "INSERT INTO audit_log (user_id, username, action, detail) VALUES (1, 'admin', 'send', 'send #2'), (1, 'admin', 'login', '')".to_owned(),
    ] {
        sqlx::query(&statement).execute(&pool).await.unwrap();
    }
    pool.close().await;
}

#[tokio::test]
async fn an_earlier_releases_database_becomes_the_first_accounts_with_nothing_lost() {
    let data = Arc::new(tempfile::tempdir().unwrap());
    previous_release_database(&data).await;
    let app = TestApp::spawn_on(data).await;
    let admin = signed_in(&app).await;

    for table in ["sends", "callbacks", "compose_attempts"] {
        let (all, first): (i64, i64) = sqlx::query_as(&format!(
            "SELECT count(*), count(*) FILTER (WHERE account_id = 1) FROM {table}"
        ))
        .fetch_one(&app.state.db)
        .await
        .unwrap();
        assert!(all > 0, "{table} kept its rows");
        assert_eq!(all, first, "every row of {table} is the first account's");
    }
    let audit: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT action, account_id FROM audit_log ORDER BY id LIMIT 2")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert_eq!(
        audit,
        vec![("send".to_owned(), Some(1)), ("login".to_owned(), None)]
    );

    // The stored MASSSENDJOBFINISH still finds its send.
    let mut waited = 0;
    let page: HistoryPage = loop {
        let page: HistoryPage = app
            .call(&admin, "list_sends", &[])
            .await
            .json()
            .await
            .unwrap();
        if page
            .rows
            .iter()
            .all(|row| row.state != SendState::Submitted)
            || waited > 200
        {
            break page;
        }
        common::worker_round(&app).await;
        waited += 1;
    };
    let states: Vec<(i64, SendState)> = page.rows.iter().map(|r| (r.id, r.state)).collect();
    assert_eq!(
        states,
        vec![(2, SendState::Failed), (1, SendState::Finished)],
        "err(30003) of the stored push ended the waiting send"
    );

    // The old addresses lead to the same pages of the first account.
    for (old, new) in [
        ("/", "/a/main/compose"),
        (
            "/compose?attempt=qf-old-draft",
            "/a/main/compose?attempt=qf-old-draft",
        ),
        ("/sends?state=failed", "/a/main/sends?state=failed"),
        ("/sends/2", "/a/main/sends/2"),
        ("/settings", "/a/main/settings"),
    ] {
        let answer = admin.get(app.url(old)).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER, "{old}");
        assert_eq!(common::location(&answer), new, "{old}");
    }
    let detail = admin.get(app.url("/a/main/sends/2")).send().await.unwrap();
    assert_eq!(detail.status(), StatusCode::OK);
    assert!(
        detail
            .text()
            .await
            .unwrap()
            .contains("an old send still waiting")
    );
    app.stop().await;
}

/// A MASSSENDJOBFINISH signed with `token`, posted to `path`.
async fn push(app: &TestApp, path: &str, token: &str, nonce: &str) -> reqwest::Response {
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let signature = crypto::signature(token, &timestamp, nonce);
    reqwest::Client::new()
        .post(app.url(&format!(
            "{path}?signature={signature}&timestamp={timestamp}&nonce={nonce}"
        )))
        .body(FINISH.replace("1481013459", &timestamp))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn each_account_checks_callbacks_at_its_own_url_with_its_own_token() {
    use secrecy::ExposeSecret;
    let app = TestApp::spawn().await;
    let first = app.callback_token();
    let second = app
        .state
        .accounts
        .by_slug("sim-2")
        .expect("the simulated 服务号");
    let second_token = second.callbacks.keys.token.expose_secret().to_owned();
    assert_ne!(first, second_token, "each account has its own Token");

    let refused = push(&app, "/wechat/callback/sim-2", &first, "n-1").await;
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "the first account's Token at the second's URL"
    );
    let refused = push(&app, "/wechat/callback", &second_token, "n-2").await;
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "and the other way round"
    );
    let unknown = push(&app, "/wechat/callback/no-such-account", &first, "n-3").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let accepted = push(&app, "/wechat/callback/sim-2", &second_token, "n-4").await;
    assert_eq!(accepted.text().await.unwrap(), "success");
    let accepted = push(&app, "/wechat/callback/main", &first, "n-5").await;
    assert_eq!(accepted.text().await.unwrap(), "success");
    let stored: Vec<i64> = sqlx::query_scalar("SELECT account_id FROM callbacks ORDER BY id")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored, vec![second.id, 1], "each stored as its account's");
    app.stop().await;
}

#[tokio::test]
async fn a_stuck_token_call_of_one_account_holds_up_no_send_of_another() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let simulator = app.state.simulator.clone().unwrap();
    // The first account's token call answers after 30 s: longer than its
    // client waits.
    simulator
        .queue_scenario(Endpoint::StableToken, Scenario::parse("slow(30)").unwrap())
        .unwrap();
    let first = {
        let app_url = app.url("");
        let admin = admin.clone();
        tokio::spawn(async move {
            admin
                .post(format!("{app_url}/api/list_tags"))
                .header("Accept", "application/json")
                .form(&[("account", "main")])
                .send()
                .await
        })
    };
    // Until the first account's token call has reached WeChat.
    for _ in 0..400 {
        if simulator.counters().calls_to(Endpoint::StableToken) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(simulator.counters().calls_to(Endpoint::StableToken) > 0);

    let mut form = common::form(
        "qf-second-1",
        "text",
        &[("text_content", "to the 服务号"), ("tag_id", "120")],
    );
    form.retain(|(name, _)| name != "account");
    form.push(("account".to_owned(), "sim-2".to_owned()));
    let sent = common::send(&app, &admin, &form).await;
    assert_eq!(sent.state, SendState::Submitted);
    assert!(
        !first.is_finished(),
        "the second account's send went out while the first's token call still hung"
    );
    let second = simulator.account(SECOND_BUILTIN_APPID).unwrap();
    assert_eq!(second.sends().len(), 1);
    assert!(
        simulator.sends().is_empty(),
        "nothing of the first account went out"
    );
    first.abort();
    app.stop().await;
}
