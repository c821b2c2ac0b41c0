//! What a restart must not lose: a callback that WeChat delivered before the
//! console knew its send's msg_id is applied after the console restarts.
//! WeChat here is the simulator on its own, which outlives the console.

use crate::common;

use std::{sync::Arc, time::Duration};

use common::{TestApp, form, send, signed_in};
use qunfa::sends::SendState;
use qunfa::shell::config::SettingsArgs;
use qunfa::wechat::crypto;

const TOKEN: &str = "recoverytoken";

struct Wechat {
    url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), qunfa::simulator::SimulatorError>>,
}

impl Wechat {
    async fn start() -> Wechat {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let config = qunfa::simulator::SimulatorConfig::builtin(TOKEN.to_owned().into());
        let task = tokio::spawn(qunfa::simulator::run_standalone(config, listener, async {
            let _ = stopped.await;
        }));
        Wechat { url, stop, task }
    }

    fn account(&self) -> impl Fn(&mut SettingsArgs) + Clone + use<> {
        let url = self.url.clone();
        move |args: &mut SettingsArgs| {
            args.wechat_appid = Some(qunfa::simulator::BUILTIN_APPID.into());
            args.wechat_secret = Some(qunfa::simulator::BUILTIN_SECRET.into());
            args.wechat_token = Some(TOKEN.into());
            args.wechat_api_base = Some(url.clone());
        }
    }

    async fn state(&self) -> serde_json::Value {
        reqwest::get(format!("{}/control/state", self.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn advance(&self, secs: u64) {
        reqwest::Client::new()
            .post(format!("{}/control/clock", self.url))
            .json(&serde_json::json!({ "advance_secs": secs }))
            .send()
            .await
            .unwrap();
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}

/// WeChat's MASSSENDJOBFINISH for `msg_id`, delivered as WeChat signs it
/// in plaintext mode.
async fn deliver_end(app: &TestApp, msg_id: u64, sent: u64, errors: u64) {
    let xml = format!(
        "<xml><ToUserName><![CDATA[gh_4d00ed8d6399]]></ToUserName>\
         <FromUserName><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></FromUserName>\
         <CreateTime>1481013459</CreateTime><MsgType><![CDATA[event]]></MsgType>\
         <Event><![CDATA[MASSSENDJOBFINISH]]></Event><MsgID>{msg_id}</MsgID>\
         <Status><![CDATA[send success]]></Status><TotalCount>{total}</TotalCount>\
         <FilterCount>{total}</FilterCount><SentCount>{sent}</SentCount>\
         <ErrorCount>{errors}</ErrorCount></xml>",
        total = sent + errors
    );
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let nonce = format!("n{msg_id}");
    let signature = crypto::signature(TOKEN, &timestamp, &nonce);
    let answer = reqwest::Client::new()
        .post(app.url(&format!(
            "/wechat/callback?signature={signature}&timestamp={timestamp}&nonce={nonce}"
        )))
        .header("Content-Type", "text/xml")
        .body(xml)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "success");
}

#[tokio::test]
async fn a_callback_stored_before_its_send_had_a_msg_id_is_applied_after_a_restart() {
    let wechat = Wechat::start().await;
    let data = Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, wechat.account()).await;
    let client = signed_in(&app).await;
    let id = "qf-recovery-early-end";
    // WeChat takes the send but its answer is lost: unknown, no msg_id.
    let sent = send(
        &app,
        &client,
        &form(id, "text", &[("text_content", "[sim:lose] 重启后应用回调")]),
    )
    .await;
    assert_eq!(sent.state, SendState::Unknown);
    assert_eq!(sent.msg_id, None);
    let state = wechat.state().await;
    let at_wechat = state["sends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["clientmsgid"] == id)
        .expect("WeChat has the send")
        .clone();
    let msg_id = at_wechat["msg_id"].as_u64().unwrap();
    // Its end arrives while the console still does not know the msg_id.
    deliver_end(&app, msg_id, 1234, 7).await;
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM callbacks WHERE msg_id = ?")
        .bind(msg_id as i64)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored, 1);
    let database = app.state.settings.database.clone();
    let data = app.stop().await;

    // While it is stopped, the send's next try comes due, and a minute
    // passes at WeChat (which then answers 45065 with the msg_id).
    let db = qunfa::shell::db::connect(&database, false).await.unwrap();
    let (state, known): (String, Option<i64>) =
        sqlx::query_as("SELECT state, msg_id FROM sends WHERE clientmsgid = ?")
            .bind(id)
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!((state.as_str(), known), ("unknown", None));
    sqlx::query(
        "UPDATE sends SET next_attempt_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE clientmsgid = ?",
    )
    .bind(id)
    .execute(&db)
    .await
    .unwrap();
    db.close().await;
    wechat.advance(61).await;

    let app = TestApp::spawn_with(data, wechat.account()).await;
    let mut row = (String::new(), None, None, None);
    for _ in 0..200 {
        row = sqlx::query_as(
            "SELECT state, msg_id, sent_count, error_count FROM sends WHERE clientmsgid = ?",
        )
        .bind(id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
        if row.0 == "finished" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (state, known, sent_count, error_count): (String, Option<i64>, Option<i64>, Option<i64>) =
        row;
    assert_eq!(state, "finished");
    assert_eq!(known, Some(msg_id as i64));
    assert_eq!((sent_count, error_count), (Some(1234), Some(7)));
    let sends_at_wechat = wechat.state().await["sends"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["clientmsgid"] == id)
        .count();
    assert_eq!(sends_at_wechat, 1, "asked again, never sent twice");
    app.stop().await;
    wechat.stop().await;
}
