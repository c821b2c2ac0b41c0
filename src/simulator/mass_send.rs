//! `message/mass/send`: a mass send to a list of followers by OpenID.
//!
//! The same steps as `sendall` (`Simulator::decide_mass`): the token, the
//! `clientmsgid` first (45065 with the earlier msg_id, 45066 within the
//! minute, 45067 past 32 bytes), the message checked as sendall's is, a
//! queued scenario for `mass/send`, a `msg_id` and the MASSSENDJOBFINISH
//! push. Its own rules are `touser`'s: 2 to 10,000 OpenIDs (40130 below 2;
//! above 10,000 WeChat documents no code, and the simulator answers 40032,
//! WeChat's "invalid openid list size"), each of an OpenID's form (40003).
//! An OpenID of the right form that does not follow the account is no
//! refusal: its push counts it in `ErrorCount`, and every other OpenID in
//! `SentCount` (a chosen list is not filtered).

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::Simulator;
use super::handlers::Query;
use super::rules::{self, ValidSend};
use super::state::{ListAudience, State as SimState, wechat_error};
use crate::wechat::Endpoint;
use crate::wechat::api::MassSendRequest;
use crate::wechat::errcode::ApiError;
use crate::wechat::types::OpenId;

/// The errcode for more than 10,000 OpenIDs (see the module's note).
pub(crate) const TOO_MANY_OPENIDS: i64 = 40032;

pub(crate) async fn mass_send(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let query = Query::parse(raw);
    let account = sim.account_of(&query);
    let decided = sim.decide_mass(&account, &query, &body, Endpoint::MassSend, validate);
    sim.respond(account, decided).await
}

/// `touser` checked, then the message as sendall's (the body without
/// `touser`, addressed to everyone, through sendall's own rules).
fn validate(state: &SimState, body: &Map<String, Value>) -> Result<ValidSend, ApiError> {
    let touser = match body.get("touser") {
        None | Some(Value::Null) => return Err(wechat_error(40130)),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(wechat_error(47001)),
    };
    if touser.len() < MassSendRequest::MIN_OPENIDS {
        return Err(wechat_error(40130));
    }
    if touser.len() > MassSendRequest::MAX_OPENIDS {
        return Err(wechat_error(TOO_MANY_OPENIDS));
    }
    let mut strangers = 0_u64;
    for openid in touser {
        let openid = openid
            .as_str()
            .filter(|o| OpenId::parse(*o).is_ok())
            .ok_or_else(|| wechat_error(40003))?;
        if !state.is_follower(openid) {
            strangers += 1;
        }
    }
    let mut as_sendall = body.clone();
    as_sendall.remove("touser");
    as_sendall.insert("filter".to_owned(), json!({"is_to_all": true}));
    let mut valid = rules::validate_sendall(state, &as_sendall)?;
    let size = touser.len() as u64;
    valid.audience = size;
    valid.list = Some(ListAudience { size, strangers });
    Ok(valid)
}
