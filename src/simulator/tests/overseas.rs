//! An overseas account: articles only.

use super::*;

#[tokio::test]
async fn an_overseas_account_mass_sends_articles_only() {
    let app = spawn(test_config().with_overseas(true)).await;
    let token = app.token().await;
    for (kind, body) in SEED_REQUESTS {
        let mut body: Value = serde_json::from_str(body).unwrap();
        body["clientmsgid"] = json!(format!("overseas-{kind}"));
        let answer = app.post(Endpoint::SendAll.path(), &token, &body).await;
        if kind == "mpnews" {
            assert_eq!(errcode(&answer), 0, "{kind}: {answer}");
        } else {
            assert_eq!(errcode(&answer), 48001, "{kind}: {answer}");
            assert!(answer.get("msg_id").is_none(), "{answer}");
        }
    }
    let unknown = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &json!({"filter": {"is_to_all": true}, "msgtype": "music", "music": {}}),
        )
        .await;
    assert_eq!(errcode(&unknown), 48001, "{unknown}");
    assert_eq!(app.sim.sends().len(), 1, "only the article was sent");
    // Preview is not a mass send: the seed restricts only sendall.
    let preview = app
        .post(
            Endpoint::Preview.path(),
            &token,
            &json!({"towxname": "editor_wx", "msgtype": "text", "text": {"content": "预览"}}),
        )
        .await;
    assert_eq!(errcode(&preview), 0, "{preview}");

    // The console's client puts the refusal in words, in both languages.
    let base = Url::parse(&app.base).unwrap();
    let config = crate::wechat::client::ClientConfig::new(base.clone());
    let http = config.http_client().unwrap();
    let tokens = crate::wechat::token::TokenManager::new(
        crate::wechat::token::TokenSource::stable(APPID, SECRET),
        base,
        http.clone(),
        Arc::new(crate::wechat::token::MemoryTokenCache::new()),
    );
    let client = crate::wechat::client::WechatClient::new(config, tokens, http);
    let request: crate::wechat::api::SendAllRequest =
        serde_json::from_str(SEED_REQUESTS[1].1).unwrap();
    let error = client.send_all(&request).await.unwrap_err();
    assert_eq!(
        error.code(),
        Some(crate::wechat::errcode::ErrCode::from_code(48001))
    );
    let english = error.words(crate::i18n::Lang::En);
    assert!(
        english.contains("48001") && english.contains("overseas"),
        "{english}"
    );
    let chinese = error.words(crate::i18n::Lang::Zh);
    assert!(
        chinese.contains("48001") && chinese.contains("海外"),
        "{chinese}"
    );
}
