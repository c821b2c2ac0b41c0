//! The `MASSSENDJOBFINISH` push: signed, sealed with a key, tried again.

use super::*;

#[tokio::test]
async fn the_push_arrives_signed_in_plaintext() {
    let (url, receiver) = spawn_receiver(0).await;
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    let sent = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &news_send("123dsdajkasd231jhksad", "push-1", 0),
        )
        .await;
    app.wait_for_pushes(1).await;
    let hits = receiver.hits();
    assert_eq!(hits.len(), 1);
    let (query, body) = &hits[0];
    let (timestamp, nonce) = (
        query_value(query, "timestamp").unwrap(),
        query_value(query, "nonce").unwrap(),
    );
    crypto::verify_signature(
        TOKEN,
        &timestamp,
        &nonce,
        &query_value(query, "signature").unwrap(),
    )
    .unwrap();
    assert_eq!(query_value(query, "encrypt_type"), None);
    assert_eq!(
        query_value(query, "openid").as_deref(),
        Some(MPHELPER_OPENID)
    );

    let finish = finish_of(body);
    let result = &finish.result;
    assert_eq!(result.msg_id.get(), msg_id(&sent));
    assert_eq!(result.status, Status::SendSuccess);
    assert_eq!(result.total_count, Some(1_286));
    let (filter, sent_count, errors) = (
        result.filter_count.unwrap(),
        result.sent_count.unwrap(),
        result.error_count.unwrap(),
    );
    assert!(filter <= 1_286 && sent_count + errors == filter && sent_count > 0);
    let check = result.copyright_check.as_ref().unwrap();
    assert_eq!((check.count, check.items.len()), (Some(2), 2));
    assert_eq!(check.check_state, Some(CheckState::NotReprint));
    let urls = result.article_urls.as_ref().unwrap();
    assert_eq!(urls.items.len(), 2);
    assert_eq!(
        finish.event.to_user_name.as_deref(),
        Some(BUILTIN_ACCOUNT_ID)
    );
    assert!(app.sim.deliveries()[0].acknowledged);
}

#[tokio::test]
async fn the_push_is_encrypted_when_an_aes_key_is_set() {
    let (url, receiver) = spawn_receiver(0).await;
    let config = test_config()
        .with_callback_url(url)
        .with_aes_key(SecretString::from(AES_KEY));
    let app = spawn(config).await;
    let token = app.token().await;
    let sent = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &text_send("加密", Some("aes-1")),
        )
        .await;
    app.wait_for_pushes(1).await;
    let (query, body) = receiver.hits().remove(0);
    let param = |k| query_value(&query, k).unwrap();
    assert_eq!(param("encrypt_type"), "aes");
    let receiver_crypto = CallbackCrypto::new(TOKEN, AES_KEY, APPID).unwrap();
    receiver_crypto
        .verify_signature(&param("timestamp"), &param("nonce"), &param("signature"))
        .unwrap();
    let envelope = EncryptedEnvelope::parse(&body).unwrap();
    assert_eq!(envelope.to_user_name.as_deref(), Some(BUILTIN_ACCOUNT_ID));
    assert!(!body.contains("MASSSENDJOBFINISH"));
    let xml = receiver_crypto
        .decrypt_message(
            &param("timestamp"),
            &param("nonce"),
            &envelope.encrypt,
            &param("msg_signature"),
        )
        .unwrap();
    let finish = finish_of(&xml);
    assert_eq!(finish.result.msg_id.get(), msg_id(&sent));
    assert_eq!(finish.result.total_count, Some(36));
    assert!(
        finish.result.copyright_check.is_none(),
        "text has no articles"
    );
    // A wrong key or AppID would not open it.
    let other = CallbackCrypto::new(TOKEN, AES_KEY, "wxffffffffffffffff").unwrap();
    assert!(
        other
            .decrypt_message(
                &param("timestamp"),
                &param("nonce"),
                &envelope.encrypt,
                &param("msg_signature")
            )
            .is_err()
    );
}

#[tokio::test]
async fn a_bad_aes_key_is_refused_at_start() {
    let config = test_config().with_aes_key(SecretString::from("too-short"));
    assert!(matches!(
        Simulator::new(config),
        Err(SimulatorError::BadAesKey)
    ));
}

#[tokio::test]
async fn a_push_not_answered_success_is_tried_three_times_in_all() {
    let (url, receiver) = spawn_receiver(usize::MAX).await;
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    app.post(
        Endpoint::SendAll.path(),
        &token,
        &text_send("重试", Some("retry-1")),
    )
    .await;
    assert!(
        app.sim
            .wait_until(WAIT, |s| s.counters().callbacks_given_up == 1)
            .await
    );
    let deliveries = app.sim.deliveries();
    assert_eq!(deliveries.len(), 3);
    assert_eq!(receiver.hits().len(), 3);
    assert_eq!(
        deliveries.iter().map(|d| d.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(
        deliveries
            .iter()
            .all(|d| d.status == Some(500) && !d.acknowledged)
    );
    // Every try is the same push.
    assert!(receiver.hits().windows(2).all(|w| w[0] == w[1]));
    let counters = app.sim.counters();
    assert_eq!(
        (counters.callback_attempts, counters.callbacks_acknowledged),
        (3, 0)
    );
}

#[tokio::test]
async fn a_push_answered_success_on_the_second_try_stops_there() {
    let (url, receiver) = spawn_receiver(1).await;
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    app.post(
        Endpoint::SendAll.path(),
        &token,
        &text_send("第二次成功", Some("retry-2")),
    )
    .await;
    let deliveries = app.wait_for_pushes(2).await;
    assert!(!deliveries[0].acknowledged && deliveries[1].acknowledged);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.hits().len(), 2);
    assert_eq!(app.sim.counters().callbacks_given_up, 0);
}

#[tokio::test]
async fn an_unreachable_callback_is_recorded_not_fatal() {
    // Bind and drop a listener: nothing listens on that port any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/wechat/callback")).unwrap();
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    app.post(
        Endpoint::SendAll.path(),
        &token,
        &text_send("无人接收", Some("down-1")),
    )
    .await;
    let deliveries = app.wait_for_pushes(3).await;
    assert!(
        deliveries
            .iter()
            .all(|d| d.status.is_none() && d.error.is_some())
    );
}
