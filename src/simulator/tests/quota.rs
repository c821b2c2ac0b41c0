//! The mass-send quota of the account's kind, in China time on the
//! simulator's clock: 45028 beyond it, a new day or month renews it.

use super::*;

const SERVICE_APPID: &str = "wx00000000000000c3";
const SERVICE_SECRET: &str = "service-app-secret";

/// The tests' 订阅号 and a 服务号, with the quota enforced, as WeChat does.
fn with_quota() -> SimulatorConfig {
    test_config().with_quota(true).with_account(
        AccountConfig::new(
            SERVICE_APPID,
            SecretString::from(SERVICE_SECRET),
            SecretString::from("servicecallbacktoken"),
        )
        .with_kind(AccountKind::Service),
    )
}

/// Ten minutes: the margin before midnight in China the tests' calls run
/// in, whatever the machine's load (the clock runs with wall time).
const MARGIN: u64 = 600;

/// Moves the clock to the next 15:50 UTC (`MARGIN` before midnight in
/// China) ahead.
fn to_before_china_midnight(sim: &Simulator) {
    let now = sim.clock().unix_secs();
    let next = (now / 86_400) * 86_400 + 16 * 3600 - MARGIN;
    let next = if next <= now { next + 86_400 } else { next };
    sim.clock().advance(Duration::from_secs(next - now));
}

impl App {
    async fn service_token(&self) -> String {
        let answer = self
            .get(
                Endpoint::Token.path(),
                &[
                    ("grant_type", "client_credential"),
                    ("appid", SERVICE_APPID),
                    ("secret", SERVICE_SECRET),
                ],
            )
            .await;
        answer["access_token"].as_str().unwrap().to_owned()
    }
}

fn to_all(content: &str, clientmsgid: &str) -> Value {
    json!({
        "filter": {"is_to_all": true},
        "text": {"content": content},
        "msgtype": "text",
        "clientmsgid": clientmsgid,
    })
}

#[tokio::test]
async fn a_subscription_account_sends_once_a_china_day() {
    let app = spawn(with_quota()).await;
    to_before_china_midnight(&app.sim);
    let token = app.token().await;
    let path = Endpoint::SendAll.path();
    // A refused call does not count.
    let refused = json!({"filter": {"is_to_all": false, "tag_id": 999}, "text": {"content": "x"}, "msgtype": "text"});
    assert_eq!(errcode(&app.post(path, &token, &refused).await), 40152);
    let first = app.post(path, &token, &text_send("one", Some("q-1"))).await;
    assert_eq!(errcode(&first), 0, "{first}");
    // The same clientmsgid again is its 45066/45065, and does not count.
    assert_eq!(
        errcode(&app.post(path, &token, &text_send("one", Some("q-1"))).await),
        45066
    );
    for (body, what) in [
        (text_send("two", Some("q-2")), "a tag"),
        (to_all("two", "q-3"), "all followers"),
    ] {
        let answer = app.post(path, &token, &body).await;
        assert_eq!(errcode(&answer), 45028, "{what}: {answer}");
        assert!(
            answer["errmsg"]
                .as_str()
                .unwrap()
                .starts_with("has no masssend quota"),
            "{answer}"
        );
    }
    assert_eq!(app.sim.sends().len(), 1, "a refused send is not recorded");
    // `MARGIN` later it is the next day in China.
    app.sim.clock().advance(Duration::from_secs(MARGIN));
    let next_day = app.post(path, &token, &text_send("two", Some("q-2"))).await;
    assert_eq!(errcode(&next_day), 0, "{next_day}");
    assert_eq!(
        errcode(
            &app.post(path, &token, &text_send("three", Some("q-4")))
                .await
        ),
        45028
    );
}

#[tokio::test]
async fn a_service_account_sends_to_all_four_times_a_china_month_and_to_tags_at_will() {
    let app = spawn(with_quota()).await;
    // The clock to `MARGIN` before 16:00 UTC on the last day of a month:
    // the China month's last minutes.
    to_before_china_midnight(&app.sim);
    loop {
        let tomorrow = app.sim.clock().unix_secs() + 86_400;
        if time::OffsetDateTime::from_unix_timestamp(tomorrow as i64)
            .unwrap()
            .day()
            == 1
        {
            break;
        }
        app.sim.clock().advance(Duration::from_secs(86_400));
    }
    let token = app.service_token().await;
    let path = Endpoint::SendAll.path();
    for n in 0..4 {
        let answer = app
            .post(path, &token, &to_all("all", &format!("s-{n}")))
            .await;
        assert_eq!(errcode(&answer), 0, "send {n}: {answer}");
    }
    assert_eq!(
        errcode(&app.post(path, &token, &to_all("all", "s-4")).await),
        45028
    );
    for n in 0..6 {
        let tag = json!({"filter": {"is_to_all": false, "tag_id": 120}, "text": {"content": "tag"}, "msgtype": "text", "clientmsgid": format!("t-{n}")});
        assert_eq!(
            errcode(&app.post(path, &token, &tag).await),
            0,
            "tag send {n}"
        );
    }
    // The first account, a 订阅号, has its own count.
    let subscription = app.token().await;
    assert_eq!(
        errcode(
            &app.post(path, &subscription, &text_send("x", Some("o-1")))
                .await
        ),
        0
    );
    app.sim.clock().advance(Duration::from_secs(MARGIN));
    assert_eq!(
        errcode(&app.post(path, &token, &to_all("all", "s-5")).await),
        0,
        "a new month"
    );
}

#[tokio::test]
async fn the_control_endpoint_switches_an_accounts_quota_off_and_on() {
    let app = spawn(with_quota()).await;
    let token = app.token().await;
    let path = Endpoint::SendAll.path();
    assert_eq!(
        errcode(&app.post(path, &token, &text_send("a", Some("c-1"))).await),
        0
    );
    assert_eq!(
        errcode(&app.post(path, &token, &text_send("b", Some("c-2"))).await),
        45028
    );
    let (status, answer) = app.control_post("quota", &json!({"enforce": false})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["appid"], APPID);
    assert_eq!(
        errcode(&app.post(path, &token, &text_send("b", Some("c-2"))).await),
        0
    );
    let (_, accounts) = app.control_get("accounts").await;
    assert_eq!(accounts["accounts"][0]["quota"], false);
    assert_eq!(accounts["accounts"][1]["quota"], true);
    app.control_post("quota", &json!({"enforce": true})).await;
    assert_eq!(
        errcode(&app.post(path, &token, &text_send("c", Some("c-3"))).await),
        45028
    );
    // Every account, and one added later.
    let (status, _) = app
        .control_post("quota", &json!({"enforce": false, "every_account": true}))
        .await;
    assert_eq!(status, 200);
    assert!(app.sim.accounts().iter().all(|a| !a.quota_enforced()));
    let later = app
        .sim
        .add_account(AccountConfig::new(
            "wx00000000000000d4",
            SecretString::from("s"),
            SecretString::from("t"),
        ))
        .unwrap();
    assert!(!later.quota_enforced());
    let (status, _) = app.control_post("quota", &json!({"enforce": "no"})).await;
    assert_eq!(status, 400);
}

/// A send to a list of followers (`mass/send`) is not the account's: a
/// 订阅号 that sent to a list still has its one send of the day.
#[tokio::test]
async fn a_list_send_takes_nothing_of_the_accounts_quota() {
    let app = spawn(with_quota()).await;
    let token = app.token().await;
    let followers: Vec<String> = (1..=2).map(|n| format!("oSIM{n:024}")).collect();
    let list = json!({
        "touser": followers,
        "text": {"content": "名单"},
        "msgtype": "text",
        "clientmsgid": "l-1",
    });
    let answer = app.post(Endpoint::MassSend.path(), &token, &list).await;
    assert_eq!(errcode(&answer), 0, "{answer}");
    let path = Endpoint::SendAll.path();
    let day = app.post(path, &token, &text_send("one", Some("q-1"))).await;
    assert_eq!(errcode(&day), 0, "the day's send is still there: {day}");
    assert_eq!(
        errcode(&app.post(path, &token, &text_send("two", Some("q-2"))).await),
        45028
    );
}
