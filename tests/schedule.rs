//! The send worker's own schedule, on the built-in simulator's clock (which
//! the worker shares): a send that had no answer is asked again after its
//! backoff, a 45066 after a minute, one awaiting the account admin every
//! two minutes, and one with no answer for 23 hours is given up, never sent
//! again after WeChat forgets its clientmsgid. Each "not yet" waits for a
//! whole worker round, never for a fixed time.

use crate::common;

use std::time::Duration;

use common::{TestApp, form, send, signed_in, worker_round};
use qunfa::sends::SendState;
use qunfa::wechat::Endpoint;

fn sendall_calls(app: &TestApp) -> u64 {
    app.state
        .simulator
        .as_ref()
        .unwrap()
        .counters()
        .calls_to(Endpoint::SendAll)
}

/// Moves WeChat's clock, and with it the worker's, then lets the worker
/// finish a round on the new time.
async fn advance(app: &TestApp, secs: u64) {
    app.state
        .simulator
        .as_ref()
        .unwrap()
        .clock()
        .advance(Duration::from_secs(secs));
    worker_round(app).await;
}

/// A send of `text` to a tag, and the `sendall` calls WeChat had after it.
async fn sent(app: &TestApp, id: &str, text: &str, state: SendState) -> u64 {
    let client = signed_in(app).await;
    let result = send(app, &client, &form(id, "text", &[("text_content", text)])).await;
    assert_eq!(result.state, state, "{result:?}");
    worker_round(app).await;
    sendall_calls(app)
}

#[tokio::test]
async fn a_send_with_no_answer_is_asked_again_after_its_backoff() {
    let app = TestApp::spawn().await;
    // WeChat answers 503 every time: no answer, so the send may have gone.
    // The first wait is 10 s and up to a fifth more; then 20 s and more.
    let calls = sent(
        &app,
        "qf-schedule-503",
        "[sim:http(503)] 等待",
        SendState::Unknown,
    )
    .await;
    advance(&app, 5).await;
    assert_eq!(sendall_calls(&app), calls, "not within the backoff");
    advance(&app, 10).await;
    let again = sendall_calls(&app);
    assert!(again > calls, "asked again after it");
    advance(&app, 10).await;
    assert_eq!(sendall_calls(&app), again, "the second wait is longer");
    advance(&app, 20).await;
    assert!(sendall_calls(&app) > again, "and asked again after it");
    app.stop().await;
}

#[tokio::test]
async fn a_45066_is_asked_again_after_a_minute() {
    let app = TestApp::spawn().await;
    let calls = sent(
        &app,
        "qf-schedule-45066",
        "[sim:errcode(45066)] 一分钟",
        SendState::Unknown,
    )
    .await;
    // Real time passes too while the test runs: a margin either side.
    advance(&app, 45).await;
    assert_eq!(sendall_calls(&app), calls, "not within the minute");
    advance(&app, 20).await;
    assert_eq!(sendall_calls(&app), calls + 1, "asked again after it");
    app.stop().await;
}

#[tokio::test]
async fn a_send_awaiting_the_admin_is_asked_again_every_two_minutes() {
    let app = TestApp::spawn().await;
    let calls = sent(
        &app,
        "qf-schedule-admin",
        "[sim:errcode(89505)] 等管理员",
        SendState::AwaitingConfirmation,
    )
    .await;
    advance(&app, 100).await;
    assert_eq!(sendall_calls(&app), calls, "not within two minutes");
    advance(&app, 25).await;
    assert_eq!(sendall_calls(&app), calls + 1, "asked after two minutes");
    advance(&app, 100).await;
    assert_eq!(sendall_calls(&app), calls + 1);
    advance(&app, 25).await;
    assert_eq!(sendall_calls(&app), calls + 2, "and two minutes after that");
    app.stop().await;
}

#[tokio::test]
async fn a_send_with_no_answer_for_23_hours_is_given_up_not_sent_again() {
    let app = TestApp::spawn().await;
    let id = "qf-schedule-given-up";
    let calls = sent(&app, id, "[sim:lose] 放弃", SendState::Unknown).await;
    advance(&app, 23 * 3600 + 60).await;
    assert_eq!(
        sendall_calls(&app),
        calls,
        "WeChat may have forgotten the clientmsgid"
    );
    let (state, next): (String, Option<String>) =
        sqlx::query_as("SELECT state, next_attempt_at FROM sends WHERE clientmsgid = ?")
            .bind(id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!((state.as_str(), next), ("unknown", None));
    let notes: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM send_events JOIN sends ON sends.id = send_events.send_id
         WHERE clientmsgid = ? AND detail IS NOT NULL",
    )
    .bind(id)
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n == &qunfa::sends::timeline::Note::TooOldToRetry.code()),
        "the history says why: {notes:?}"
    );
    advance(&app, 3600).await;
    assert_eq!(sendall_calls(&app), calls, "and never after");
    app.stop().await;
}
