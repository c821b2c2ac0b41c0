//! The built-in WeChat simulator: a fake `api.weixin.qq.com` that is
//! faithful to the seed and to `wechat/REFERENCE.md`, so a new user sees the
//! whole product without an account and every test runs offline.
//!
//! [`router`] serves WeChat's real paths at its root (the console nests it
//! under `/sim`); [`run_standalone`] serves it alone. The simulator reads and
//! writes every body through the protocol types of [`crate::wechat`], and
//! after an accepted send it pushes `MASSSENDJOBFINISH` to the callback URL
//! of the account that sent after `callback_delay` — signed with that
//! account's Token, and encrypted with its EncodingAESKey when it has one —
//! retrying as WeChat does.
//!
//! # Several accounts
//! One simulator serves any number of Official Accounts: the first
//! ([`SimulatorConfig`]'s own fields), those of
//! [`SimulatorConfig::with_account`], and those added while it runs
//! ([`Simulator::add_account`]). Each [`AccountConfig`] has its own AppID
//! and secret, kind ([`AccountKind`]: 订阅号 or 服务号; its mass-send
//! quota follows it), overseas flag, callback URL, Token and optional
//! EncodingAESKey, original id (`gh_…`, made from the AppID), and its own
//! state: tokens, tags, followers, drafts, materials, sends, previews,
//! pushes, queued scenarios and counters. A token call finds the account
//! by its AppID (40013 when none has it, 40125 for another account's
//! secret); every other call acts on the account whose token it carries,
//! so one account's token cannot read or change another's data. msg_ids
//! come from one sequence, so two accounts never share one (as on
//! WeChat); a `clientmsgid` is one account's: the same on two accounts
//! is two sends. The clock and the push timings are the simulator's, one
//! for all. A call whose token no account knows counts on the first.
//!
//! [`Simulator`]'s own methods (`counters`, `sends`, `deliveries`,
//! `queue_scenario`, `reset`, …) address the first account, so code that
//! knows one account names none; [`Simulator::account`] (by AppID),
//! [`Simulator::accounts`] and [`Simulator::first_account`] give a
//! [`SimulatedAccount`] with the same methods for any account.
//!
//! # The first account
//! - **AppID / secret**: as configured ([`SimulatorConfig::builtin`]:
//!   `wxqunfasimulator01` / `qunfa-simulator-secret-not-a-real-one`), a
//!   订阅号, original id `gh_51a7e1a7e001`.
//! - **Tags** (`tags/get`): 2 星标组 (36), 100 VIP会员 (1 286), 101 北京读者
//!   (3 402), 102 内测用户 (12), 103 English readers (215), 104 沉睡用户 (0).
//!   All followers: 12 580 (`user/get`; OpenIDs are `oSIM` + 24 digits).
//! - **Drafts** (`draft/batchget`, newest first): the seed's
//!   `123dsdajkasd231jhksad` (two articles), a three-article digest, two
//!   single articles, and one draft per scenario (below). A draft sent
//!   successfully is deleted, as the seed says.
//! - **Materials** (`material/batchget_material`, `get_materialcount`):
//!   images `aaa`, `bbb`, `ccc` and three more; voices (the seed's
//!   `123dsdajkasd231jhksad` and two more); two videos to convert with
//!   `media/uploadvideo`; two news materials; the seed's mpvideo
//!   `IhdaAQ…2XJc` is already converted. Cards: `123dsdajkasd231jhksad`,
//!   `pSimCard_member_10off`.
//!
//! # Every other account
//! The same smaller set ([`FixtureSet::Second`]), a 服务号 for the brand's
//! members, with ids of its own; the second built-in account
//! ([`AccountConfig::second_builtin`]: `wxqunfasimulator02` /
//! `qunfa-simulator-service-secret-not-a-real-one`, a 服务号) has it, and so
//! does any [`AccountConfig::new`] (`with_fixtures` chooses).
//! - **Tags**: 2 星标组 (8), 120 金卡会员 (842), 121 银卡会员 (2 315), 122
//!   上海门店顾客 (1 120), 123 待回访客户 (57). All followers: 4 316
//!   (OpenIDs are `oSVC` + 24 digits, so the first account's are not its;
//!   a third account and later ones have `oS` and two letters of their
//!   own, `oSAA`, `oSAB`, …, since OpenIDs are per account on WeChat).
//! - **Drafts**, newest first: `svc_draft_member_day_0001` (two articles,
//!   "会员日：金卡会员双倍积分", "积分兑换指南"),
//!   `svc_draft_service_hours_0002` ("客服时间调整通知"),
//!   `svc_draft_new_store_0003` ("上海新店开业：到店有礼"); no scenario
//!   drafts (markers and queued scenarios work as on the first).
//! - **Materials**: images `svc_image_member_card` (every article's cover),
//!   `svc_image_new_store`, `svc_image_service_qr`; voice
//!   `svc_voice_hotline`; video `svc_video_member_guide` (to convert); news
//!   `svc_news_service_guide`; no converted video. Card:
//!   `pSvcCard_gold_member_birthday`.
//!
//! # The rules it enforces
//! - Token calls (`/cgi-bin/token` GET, `/cgi-bin/stable_token` POST):
//!   40002 bad `grant_type`, 41002/41004 missing AppID/secret, 40013 wrong
//!   AppID, 40125 wrong secret, then 40164 when the account has an IP
//!   whitelist ([`IpWhitelist`]) without the caller's address, its errmsg
//!   naming the address as WeChat's does (`invalid ip 203.0.113.7 ipv6
//!   ::ffff:203.0.113.7, not in whitelist rid: …`). Tokens last 7200 s. A new classic token
//!   leaves the old one 5 minutes; a stable token is handed out again until
//!   5 minutes before it expires; `force_refresh` revokes it at once.
//! - Every other call: 41001 no `access_token`, 40001 unknown or replaced,
//!   42001 expired.
//! - `sendall`: 47001 not a JSON object; 45067 `clientmsgid` over 32 bytes;
//!   the same `clientmsgid` within a minute of its send 45066, later (for
//!   24 h) 45065 with the first `msg_id`, and 89504 while that send waits
//!   for the admin; without a `clientmsgid`, the digest of audience and
//!   content stands in for it (the seed). Then 40008 unknown `msgtype`
//!   (`video`, `music`, …), 40152 a tag that does not exist, 40007 a media
//!   or card the account does not have (an unconverted video too), 44004
//!   empty text. Accepted: `msg_id` (above 2^32) and, for `mpnews`,
//!   `msg_data_id`. An overseas account ([`SimulatorConfig::overseas`])
//!   may mass-send articles only (the seed): any other `msgtype` is
//!   48001 api unauthorized, checked right after the body parses.
//!   The quota of the account's kind (`quota`), in China time on the
//!   simulator's clock, checked after the body and its content: a 订阅号
//!   has one accepted send a day (to all or to a tag), a 服务号 four
//!   `is_to_all` sends a month (its tag sends are not limited); beyond,
//!   45028 "has no masssend quota". A call refused, or answered 45065 for
//!   a clientmsgid seen before, does not count; a send its admin refused
//!   does not either. On by default; `POST /control/quota` or
//!   [`SimulatorConfig::enforce_quota`] switch it off.
//! - `preview`: `towxname` (any, wins) or `touser` (a follower, else
//!   40003); its image body is `image.media_id`; same content checks.
//!   Accepted: `preview success`, without a `msg_id` (as WeChat answers).
//! - `mass/get`: `SENDING` until the job ends, then `SEND_SUCCESS` /
//!   `SEND_FAIL`, `DELETE` once all its articles are deleted; 40059
//!   unknown.
//! - `mass/delete`: successful `mpnews`/`mpvideo` sends only; by `msg_id`
//!   with `article_idx` (1-based; 0 or none: all) or by article `url`.
//!   40059 unknown, unfinished, failed or already deleted; 40060 an index
//!   past the end or an article deleted before.
//! - Pickers: `count` 1–20 else 40035; material `type` else 40004.
//! - A GET where WeChat wants POST: 43002. Errors carry a ` rid:` suffix
//!   in `errmsg`, as WeChat's do.
//!
//! # The push
//! `callback_delay` (default 1 s) after an accepted send its job ends and
//! `MASSSENDJOBFINISH` is POSTed to `callback_url` with `signature`,
//! `timestamp`, `nonce`, `openid` (+ `encrypt_type=aes&msg_signature` and
//! the `<xml><ToUserName/><Encrypt/></xml>` body when an AES key is set).
//! A try not answered 200 `success` (or an empty body) is tried again:
//! three tries in all, one second apart. Counts come from the audience:
//! `TotalCount` = audience, about 2 % filtered, a few errors; review
//! failures report zeros as the seed's example. `mpnews` pushes carry a
//! `CopyrightCheckResult` item per article, each with the eight fields of
//! the seed's example, and an `ArticleUrlResult`.
//!
//! # Scenarios: every outcome on purpose
//! Write items in a marker `[sim:ITEM]` inside content an editor types —
//! a text's `content`, an image send's `title` or `recommend`, an
//! article's title or body, an uploaded video's title or description — or
//! queue them for the next call with the control endpoint:
//! `POST /control/scenario {"scenario": "ITEMS", "endpoint": "sendall",
//! "times": 1}` (endpoint names: `token`, `stable_token`, `tags/get`,
//! `user/get`, `sendall`, `preview`, `mass/get`, `mass/delete`,
//! `draft/batchget`, `batchget_material`, `get_materialcount`,
//! `uploadvideo`). A queued scenario beats markers, which beat a scenario
//! draft. Several items combine: `slow(3) err(10001)`.
//!
//! | item | effect | also reachable by |
//! | --- | --- | --- |
//! | `ok` | accepted, push `send success` (default) | any draft |
//! | `err(N)` | accepted, push `err(N)`: 10001, 20001, 20002, 20004, 20006, 20008, 20013, 21000, 22000, 93115, 30001, 30002, 30003, 40001, 40002, … | draft "审核测试：涉嫌广告 err(10001)" |
//! | `fail` | accepted, push `send fail` (all counted as errors) | |
//! | `check(1)` | `mpnews`: CheckState 1, `send success` | draft "转载测试：CheckState=1…" |
//! | `check(2)` | `mpnews`: article 1 judged a reprint that may be reprinted: `send success` with `send_ignore_reprint: 1`, else `err(30003)` | draft "转载测试：CheckState=2…" |
//! | `check(3)` | `mpnews`: reprint refused: `err(30002)` | draft "转载测试：CheckState=3…" |
//! | `check(0)` | `mpnews`: CheckState 0 (seen in real pushes), `send success` | |
//! | `admin(CODE,DECISION)` | API 群发保护: answers CODE (89503, 89504 or 89505; default 89505) without a msg_id; the send is recorded; a retry with its clientmsgid answers 89504 while it waits; after `callback_delay` the admin decides: `reject` (default) pushes `err(40001)`, `timeout` pushes `err(40002)`, `approve` goes on to the outcome; later retries get 45065 with the msg_id | draft "管理员确认测试…" |
//! | `nocallback` | the job ends (`mass/get` tells) but nothing is pushed | draft "无回调测试…" |
//! | `errcode(N)` | answers errcode N, nothing is sent: each code of the seed (41040, 45062, 45065, 45066, 45067, 48021, 89504, 89505), 45028 quota exhausted, -1 busy, any other; `errcode(45065)` records the send as made two minutes earlier and answers its msg_id (its push follows) | drafts "自动保存的草稿…48021", "原创声明不合规…41040" |
//! | `slow(S)` | does the call, answers after S seconds (≤ 600) | |
//! | `http(N)` | answers HTTP N (500–599) with an HTML page; nothing is sent | |
//! | `lose` | does the call (the send is recorded, its push follows) but the answer is cut off mid-body; resend with the same clientmsgid: 45066 within a minute, then 45065 with the msg_id | |
//!
//! On other endpoints only `errcode`, `http`, `slow` and `lose` apply.
//!
//! # Control endpoints (not WeChat's)
//! They answer requests from loopback only (403 otherwise: a console
//! behind a proxy on the same host still reaches them), and at most
//! [`MAX_QUEUED_SCENARIOS`] scenarios wait in one account's queue (429
//! past it). `?appid=APPID` chooses the account (default: the first; 404
//! for an AppID no account has). `POST /control/scenario` (above); `GET
//! /control/state` (the account's counters, queued scenarios, sends,
//! previews, pushes and their answers); `POST /control/reset` restores
//! the account's fixtures; `POST /control/clock {"advance_secs": 61}`
//! moves the simulator's one clock (the minute of 45066, the day of 45065,
//! token expiry) for every account; `GET /control/accounts` lists the
//! accounts (AppID, kind, overseas, original id, followers, callback URL,
//! whether encrypted, sends; never a secret, Token or key); `POST
//! /control/ip_whitelist {"whitelist": ["198.51.100.1"], "egress_ip":
//! "203.0.113.7"}` gives the account an IP whitelist (`egress_ip`,
//! optional, is the address WeChat sees its token calls come from, as
//! behind NAT; else the connection's), `{"whitelist": null}` lifts it, and
//! so does a reset. `POST /control/quota {"enforce": false}` switches the
//! account's mass-send quota off (`true`: on again);
//! `{"enforce": false, "every_account": true}` switches it for every
//! account, and for those added later. In Rust,
//! [`Simulator`] and [`SimulatedAccount`] have the same
//! (`queue_scenario`, `counters`, `sends`, `deliveries`,
//! `set_ip_whitelist`, `set_quota_enforced`, `clock().advance`, `reset`, `wait_until`,
//! `accounts`).

mod config;
mod datacube;
mod drafts;
mod fixtures;
mod handlers;
mod mass_send;
mod push;
mod quota;
mod rules;
mod scenario;
mod state;
#[cfg(test)]
mod tests;
mod whitelist;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use axum::Router;
use axum::routing::{MethodRouter, get, post};
use secrecy::ExposeSecret;
use strum::VariantArray as _;
use tokio::sync::{Notify, watch};

pub use config::{
    AccountConfig, AccountKind, AccountSpec, BUILTIN_ACCOUNT_ID, BUILTIN_APPID, BUILTIN_SECRET,
    CALLBACK_TOKEN_LEN, Clock, SECOND_BUILTIN_APPID, SECOND_BUILTIN_SECRET, SimulatorConfig,
    random_callback_token,
};
pub use fixtures::{FOLLOWERS, FixtureSet, SECOND_FOLLOWERS};
pub use scenario::{Admin, AdminDecision, Answer, Outcome, Scenario, ScenarioError};
pub use state::{
    Counters, DatacubeControl, Delivery, ListAudience, MAX_QUEUED_SCENARIOS, MPHELPER_OPENID,
    PreviewRecord, QueueFull, SendRecord,
};
pub use whitelist::IpWhitelist;

use crate::wechat::Endpoint;
use crate::wechat::crypto::CallbackCrypto;
use crate::wechat::types::MsgId;
use state::{IdSequence, State};

/// Why the simulator cannot start, or cannot add an account.
#[derive(Debug, thiserror::Error)]
pub enum SimulatorError {
    #[error("the EncodingAESKey must be the 43 characters from the WeChat console")]
    BadAesKey,
    #[error("the simulator already serves an account with the AppID {0}")]
    AppIdTaken(String),
    #[error("cannot build the HTTP client for callbacks: {0}")]
    HttpClient(#[source] reqwest::Error),
    #[error("the simulator's server failed: {0}")]
    Serve(#[source] std::io::Error),
}

/// The simulator: cheap to clone, all clones share its accounts.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

struct Inner {
    config: SimulatorConfig,
    http: reqwest::Client,
    /// Every account, the first one first; accounts are added, never
    /// removed, so a position never changes.
    accounts: RwLock<Vec<Arc<Account>>>,
    /// Where every account's msg_ids come from.
    ids: Arc<IdSequence>,
    /// Woken whenever a send, a job's end or a push is recorded.
    changed: Notify,
    shutdown: watch::Sender<bool>,
    /// Whether an account added from now on has its quota enforced.
    enforce_quota: AtomicBool,
}

/// One account: its settings and its memory, under its own lock.
pub(crate) struct Account {
    config: AccountConfig,
    /// Set when an AES key is configured: pushes are sealed.
    crypto: Option<CallbackCrypto>,
    /// How its followers' OpenIDs start; no other account's do the same.
    openid_prefix: String,
    state: Mutex<State>,
    /// Its mass-send quota is enforced (45028); kept across a reset.
    enforce_quota: AtomicBool,
}

impl Account {
    /// The account `config` joining `existing` ones.
    fn new(
        config: AccountConfig,
        existing: &[Arc<Account>],
        now: Duration,
        ids: Arc<IdSequence>,
        enforce_quota: bool,
    ) -> Result<Account, SimulatorError> {
        if existing.iter().any(|a| a.config.appid == config.appid) {
            return Err(SimulatorError::AppIdTaken(config.appid));
        }
        let crypto = match &config.aes_key {
            Some(key) => Some(
                CallbackCrypto::new(
                    config.callback_token.expose_secret(),
                    key.expose_secret(),
                    config.appid.clone(),
                )
                .map_err(|_| SimulatorError::BadAesKey)?,
            ),
            None => None,
        };
        let openid_prefix = openid_prefix(existing, config.fixtures);
        let state = State::new(
            now,
            config.fixtures,
            config.followers,
            openid_prefix.clone(),
            ids,
        );
        Ok(Account {
            config,
            crypto,
            openid_prefix,
            state: Mutex::new(state),
            enforce_quota: AtomicBool::new(enforce_quota),
        })
    }

    /// The account's state as its fixtures have it, as of `now`.
    fn fresh_state(&self, now: Duration, ids: Arc<IdSequence>) -> State {
        State::new(
            now,
            self.config.fixtures,
            self.config.followers,
            self.openid_prefix.clone(),
            ids,
        )
    }

    pub(crate) fn config(&self) -> &AccountConfig {
        &self.config
    }

    /// Its kind, when its mass-send quota is enforced.
    pub(crate) fn quota_kind(&self) -> Option<AccountKind> {
        self.enforce_quota
            .load(Ordering::SeqCst)
            .then_some(self.config.kind)
    }

    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        // A panic elsewhere must not take the simulator down with it.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut state)
    }
}

/// The OpenID prefix of an account joining `existing` ones: its fixture
/// set's own (`oSIM`, `oSVC`) for the first account with that set, else
/// `oS` and two letters no account has, so no two accounts share a
/// follower (as on WeChat, where OpenIDs are per account).
fn openid_prefix(existing: &[Arc<Account>], fixtures: FixtureSet) -> String {
    let taken = |prefix: &str| existing.iter().any(|a| a.openid_prefix == prefix);
    let own = fixtures.data().openid_prefix;
    if !taken(own) {
        return own.to_owned();
    }
    let letters = b'A'..=b'Z';
    letters
        .clone()
        .flat_map(|first| letters.clone().map(move |second| [first, second]))
        .map(|[first, second]| format!("oS{}{}", char::from(first), char::from(second)))
        .find(|prefix| !taken(prefix))
        // Past 676 accounts with one set, followers' OpenIDs repeat.
        .unwrap_or_else(|| own.to_owned())
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let appids: Vec<String> = self
            .accounts()
            .iter()
            .map(|a| a.appid().to_owned())
            .collect();
        f.debug_struct("Simulator")
            .field("appids", &appids)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// A simulator serving the first account of `config` and each of its
    /// `more_accounts`; two accounts with one AppID are refused.
    pub fn new(config: SimulatorConfig) -> Result<Simulator, SimulatorError> {
        // The callback URL is the console itself: no proxy, no redirects.
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.callback_timeout)
            .build()
            .map_err(SimulatorError::HttpClient)?;
        let ids = Arc::new(IdSequence::new());
        let now = config.clock.now();
        let mut accounts: Vec<Arc<Account>> = Vec::new();
        for account in std::iter::once(config.first_account()).chain(config.more_accounts.clone()) {
            let account = Account::new(account, &accounts, now, ids.clone(), config.enforce_quota)?;
            accounts.push(Arc::new(account));
        }
        let (shutdown, _) = watch::channel(false);
        let enforce_quota = AtomicBool::new(config.enforce_quota);
        Ok(Simulator {
            inner: Arc::new(Inner {
                config,
                http,
                accounts: RwLock::new(accounts),
                ids,
                changed: Notify::new(),
                shutdown,
                enforce_quota,
            }),
        })
    }

    /// The configuration it started with (accounts added since are in
    /// [`Simulator::accounts`]).
    pub fn config(&self) -> &SimulatorConfig {
        &self.inner.config
    }

    /// The clock behind every time rule, one for all accounts; advance it
    /// instead of waiting.
    pub fn clock(&self) -> &Clock {
        &self.inner.config.clock
    }

    /// Every account, the first one first, then in the order added.
    pub fn accounts(&self) -> Vec<SimulatedAccount> {
        self.all_accounts()
            .into_iter()
            .map(|account| SimulatedAccount {
                sim: self.clone(),
                account,
            })
            .collect()
    }

    /// The account with this AppID.
    pub fn account(&self, appid: &str) -> Option<SimulatedAccount> {
        self.account_with_appid(appid)
            .map(|account| SimulatedAccount {
                sim: self.clone(),
                account,
            })
    }

    /// The first account: the one every method of `Simulator` itself
    /// addresses (`counters`, `sends`, `deliveries`, …).
    pub fn first_account(&self) -> SimulatedAccount {
        SimulatedAccount {
            sim: self.clone(),
            account: self.first(),
        }
    }

    /// Serves `config` from now on, with its own fixtures and state.
    /// Refused when an account already has its AppID, or its
    /// EncodingAESKey is malformed.
    pub fn add_account(&self, config: AccountConfig) -> Result<SimulatedAccount, SimulatorError> {
        let mut accounts = self
            .inner
            .accounts
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let account = Arc::new(Account::new(
            config,
            &accounts,
            self.clock().now(),
            self.inner.ids.clone(),
            self.inner.enforce_quota.load(Ordering::SeqCst),
        )?);
        accounts.push(account.clone());
        tracing::info!(appid = %account.config.appid, "the WeChat simulator serves one more account");
        Ok(SimulatedAccount {
            sim: self.clone(),
            account,
        })
    }

    /// Queues `scenario` for the first account's next call to `endpoint`
    /// (first in, first out; a queued scenario is used up by one call).
    pub fn queue_scenario(&self, endpoint: Endpoint, scenario: Scenario) -> Result<(), QueueFull> {
        self.first_account().queue_scenario(endpoint, scenario)
    }

    /// [`SimulatedAccount::queue_scenarios`] of the first account.
    pub fn queue_scenarios(
        &self,
        endpoint: Endpoint,
        scenario: Scenario,
        times: usize,
    ) -> Result<(), QueueFull> {
        self.first_account()
            .queue_scenarios(endpoint, scenario, times)
    }

    /// The scenarios still queued for the first account's `endpoint`.
    pub fn queued(&self, endpoint: Endpoint) -> Vec<Scenario> {
        self.first_account().queued(endpoint)
    }

    /// The first account's counters.
    pub fn counters(&self) -> Counters {
        self.first_account().counters()
    }

    /// [`SimulatedAccount::set_ip_whitelist`] of the first account.
    pub fn set_ip_whitelist(&self, whitelist: Option<IpWhitelist>) {
        self.first_account().set_ip_whitelist(whitelist);
    }

    /// Enforces every account's mass-send quota, and that of accounts
    /// added later, or switches it off for all of them.
    pub fn set_quota_enforced(&self, enforce: bool) {
        self.inner.enforce_quota.store(enforce, Ordering::SeqCst);
        for account in self.all_accounts() {
            account.enforce_quota.store(enforce, Ordering::SeqCst);
        }
    }

    /// [`SimulatedAccount::set_datacube_delay`] of the first account.
    pub fn set_datacube_delay(&self, hours: u32) {
        self.first_account().set_datacube_delay(hours);
    }

    /// [`SimulatedAccount::set_datacube_denied`] of the first account.
    pub fn set_datacube_denied(&self, errcode: Option<i64>) {
        self.first_account().set_datacube_denied(errcode);
    }

    /// The first account's IP whitelist.
    pub fn ip_whitelist(&self) -> Option<IpWhitelist> {
        self.first_account().ip_whitelist()
    }

    /// Every try of every push of the first account, oldest first (the
    /// last thousand).
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.first_account().deliveries()
    }

    /// Every send the first account recorded, by msg_id.
    pub fn sends(&self) -> Vec<SendRecord> {
        self.first_account().sends()
    }

    /// A send of the first account.
    pub fn send(&self, msg_id: MsgId) -> Option<SendRecord> {
        self.first_account().send(msg_id)
    }

    pub fn previews(&self) -> Vec<PreviewRecord> {
        self.first_account().previews()
    }

    /// Restores the first account to its fixtures: tokens, sends, drafts,
    /// queues and counters start again. Jobs still pending find nothing to
    /// push. Other accounts are left as they are.
    pub fn reset(&self) {
        self.first_account().reset();
    }

    /// Stops pending pushes and releases slow answers; used when the
    /// server shuts down, so shutting down never waits on the simulator.
    pub fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
    }

    /// Waits until `done` holds (checked whenever something is recorded,
    /// on any account), or `timeout` passes; returns whether it held.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&Simulator) -> bool,
    ) -> bool {
        let now = tokio::time::Instant::now();
        // A timeout too large to add is as good as forever (a year).
        let deadline = now
            .checked_add(timeout)
            .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600));
        loop {
            let notified = self.inner.changed.notified();
            let mut notified = std::pin::pin!(notified);
            // Registered before the check, so no wake-up falls in between.
            notified.as_mut().enable();
            if done(self) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return done(self);
            }
        }
    }

    fn all_accounts(&self) -> Vec<Arc<Account>> {
        self.inner
            .accounts
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn first(&self) -> Arc<Account> {
        let accounts = self
            .inner
            .accounts
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        // `new` starts with the first account and none is ever removed.
        accounts[0].clone()
    }

    pub(crate) fn account_with_appid(&self, appid: &str) -> Option<Arc<Account>> {
        self.inner
            .accounts
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|a| a.config.appid == appid)
            .cloned()
    }

    /// The account that handed out `token`: a call acts on it and on
    /// nothing else. A token no account knows (or none) falls to the
    /// first account, which answers it 41001 or 40001 and counts the call.
    pub(crate) fn account_of_token(&self, token: Option<&str>) -> Arc<Account> {
        token
            .filter(|t| !t.is_empty())
            .and_then(|token| {
                self.all_accounts()
                    .into_iter()
                    .find(|a| a.with_state(|s| s.knows_token(token)))
            })
            .unwrap_or_else(|| self.first())
    }

    pub(crate) fn record_delivery(&self, account: &Account, delivery: Delivery) {
        account.with_state(|s| s.record_delivery(delivery));
        self.inner.changed.notify_waiters();
    }

    pub(crate) fn notify_changed(&self) {
        self.inner.changed.notify_waiters();
    }

    /// Resolves once [`Simulator::shutdown`] has been called.
    pub(crate) fn shutdown_signal(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut receiver = self.inner.shutdown.subscribe();
        async move {
            // An error means the sender is gone, which is a shutdown too.
            let _ = receiver.wait_for(|stopped| *stopped).await;
        }
    }

    /// Ends a job of `account` after `callback_delay` and pushes its
    /// result to that account's callback URL.
    pub(crate) fn spawn_job(&self, account: Arc<Account>, msg_id: MsgId) {
        let sim = self.clone();
        self.inner.changed.notify_waiters();
        tokio::spawn(async move {
            if !sim.sleep_unless_shutdown(sim.config().callback_delay).await {
                return;
            }
            let original_id = account.config.account_id.clone();
            let create_time = config::wall_clock_secs();
            let finished = account.with_state(|s| s.finish_job(msg_id, &original_id, create_time));
            sim.inner.changed.notify_waiters();
            if let Some((finish, true)) = finished {
                sim.push(&account, finish).await;
            }
        });
    }
}

/// One account of a [`Simulator`]: what a test reads back or sets up for
/// it. Cheap to clone.
#[derive(Clone)]
pub struct SimulatedAccount {
    sim: Simulator,
    account: Arc<Account>,
}

impl std::fmt::Debug for SimulatedAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatedAccount")
            .field("appid", &self.appid())
            .finish_non_exhaustive()
    }
}

impl SimulatedAccount {
    pub fn appid(&self) -> &str {
        &self.account.config.appid
    }

    pub fn config(&self) -> &AccountConfig {
        &self.account.config
    }

    /// Queues `scenario` for this account's next call to `endpoint` (first
    /// in, first out; a queued scenario is used up by one call).
    pub fn queue_scenario(&self, endpoint: Endpoint, scenario: Scenario) -> Result<(), QueueFull> {
        self.queue_scenarios(endpoint, scenario, 1)
    }

    /// Queues `scenario` for this account's next `times` calls to
    /// `endpoint`: all of them, or none when they would take its queue past
    /// [`MAX_QUEUED_SCENARIOS`].
    pub fn queue_scenarios(
        &self,
        endpoint: Endpoint,
        scenario: Scenario,
        times: usize,
    ) -> Result<(), QueueFull> {
        self.account
            .with_state(|s| s.queue_scenarios(endpoint, scenario, times))
    }

    /// The scenarios still queued for `endpoint`.
    pub fn queued(&self, endpoint: Endpoint) -> Vec<Scenario> {
        self.account.with_state(|s| {
            s.queues
                .get(&endpoint)
                .map(|q| q.iter().cloned().collect())
                .unwrap_or_default()
        })
    }

    pub fn counters(&self) -> Counters {
        self.account.with_state(|s| s.counters.clone())
    }

    /// Sets this account's IP whitelist: with one, its token calls from
    /// any other address answer 40164 naming the address; `None` lifts it.
    /// A reset lifts it too.
    pub fn set_ip_whitelist(&self, whitelist: Option<IpWhitelist>) {
        self.account.with_state(|s| s.ip_whitelist = whitelist);
    }

    pub fn ip_whitelist(&self) -> Option<IpWhitelist> {
        self.account.with_state(|s| s.ip_whitelist.clone())
    }

    /// Enforces this account's mass-send quota (45028 beyond it) or not;
    /// a reset keeps the choice.
    pub fn set_quota_enforced(&self, enforce: bool) {
        self.account.enforce_quota.store(enforce, Ordering::SeqCst);
    }

    pub fn quota_enforced(&self) -> bool {
        self.account.enforce_quota.load(Ordering::SeqCst)
    }

    /// Keeps each day of this account's statistics `is_delay: 1`, with
    /// partial figures, until `hours` past 08:00 China time the next day
    /// (0: a day is final from 08:00). A reset sets it back to 0.
    pub fn set_datacube_delay(&self, hours: u32) {
        self.account.with_state(|s| s.datacube.delay_hours = hours);
    }

    /// Makes every statistics call of this account answer `errcode`
    /// (48001 an unverified account, 61007 a third-party token without
    /// permission set 7) until `None`. A reset clears it.
    pub fn set_datacube_denied(&self, errcode: Option<i64>) {
        self.account.with_state(|s| s.datacube.denied = errcode);
    }

    pub fn datacube_control(&self) -> DatacubeControl {
        self.account.with_state(|s| s.datacube)
    }

    /// Every try of every push, oldest first (the last thousand).
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.account
            .with_state(|s| s.deliveries.iter().cloned().collect())
    }

    /// Every recorded send, by msg_id.
    pub fn sends(&self) -> Vec<SendRecord> {
        self.account.with_state(|s| s.send_records())
    }

    pub fn send(&self, msg_id: MsgId) -> Option<SendRecord> {
        self.account.with_state(|s| s.send_record(msg_id))
    }

    pub fn previews(&self) -> Vec<PreviewRecord> {
        self.account
            .with_state(|s| s.previews.iter().cloned().collect())
    }

    /// Restores this account to its fixtures: tokens, sends, drafts,
    /// queues and counters start again. Jobs still pending find nothing to
    /// push.
    pub fn reset(&self) {
        let fresh = self
            .account
            .fresh_state(self.sim.clock().now(), self.sim.inner.ids.clone());
        self.account.with_state(|s| *s = fresh);
        self.sim.notify_changed();
    }
}

/// The simulated API at WeChat's own paths, plus `/control/…` for tests.
/// The control endpoints answer loopback peers only, so serve the router
/// with `into_make_service_with_connect_info::<SocketAddr>()`; without a
/// peer address they refuse every request.
pub fn router(sim: Simulator) -> Router {
    // Anyone who reaches the console could otherwise choose its outcomes,
    // move its clock or wipe its sends.
    let control = Router::new()
        .route("/control/scenario", post(handlers::control_scenario))
        .route("/control/state", get(handlers::control_state))
        .route("/control/reset", post(handlers::control_reset))
        .route("/control/clock", post(handlers::control_clock))
        .route("/control/accounts", get(handlers::control_accounts))
        .route(
            "/control/ip_whitelist",
            post(handlers::control_ip_whitelist),
        )
        .route("/control/quota", post(handlers::control_quota))
        .route("/control/datacube", post(datacube::control_datacube))
        .route_layer(axum::middleware::from_fn(handlers::loopback_only));
    Endpoint::VARIANTS
        .iter()
        .fold(Router::new(), |api, &endpoint| {
            api.route(endpoint.path(), api_route(endpoint))
        })
        .route("/mmbiz/{id}", get(handlers::serve_file))
        .merge(control)
        .with_state(sim)
}

/// An endpoint's handler for the methods WeChat answers at its path; a GET
/// where WeChat wants a POST is its 43002.
fn api_route(endpoint: Endpoint) -> MethodRouter<Simulator> {
    let post_only =
        move |axum::extract::State(sim): axum::extract::State<Simulator>,
              axum::extract::RawQuery(raw): axum::extract::RawQuery| async move {
            sim.require_post(endpoint, raw)
        };
    match endpoint {
        Endpoint::Token => get(handlers::token).post(handlers::token),
        Endpoint::StableToken => post(handlers::stable_token).get(post_only),
        Endpoint::TagsGet => get(handlers::tags_get).post(handlers::tags_get),
        Endpoint::UserGet => get(handlers::user_get),
        Endpoint::SendAll => post(handlers::sendall).get(post_only),
        Endpoint::Preview => post(handlers::preview).get(post_only),
        Endpoint::MassGet => post(handlers::mass_get).get(post_only),
        Endpoint::MassDelete => post(handlers::mass_delete).get(post_only),
        Endpoint::DraftBatchGet => post(handlers::draft_batchget).get(post_only),
        Endpoint::DraftAdd => post(handlers::draft_add).get(post_only),
        Endpoint::DraftGet => post(handlers::draft_get).get(post_only),
        Endpoint::DraftUpdate => post(handlers::draft_update).get(post_only),
        Endpoint::DraftDelete => post(handlers::draft_delete).get(post_only),
        Endpoint::DraftCount => get(handlers::draft_count).post(handlers::draft_count),
        Endpoint::MaterialBatchGet => post(handlers::batchget_material).get(post_only),
        Endpoint::MaterialCount => get(handlers::material_count).post(handlers::material_count),
        Endpoint::MaterialAdd => {
            post(handlers::add_material)
                .get(post_only)
                .layer(axum::extract::DefaultBodyLimit::max(
                    handlers::MAX_UPLOAD_BODY,
                ))
        }
        Endpoint::MaterialGet => post(handlers::get_material).get(post_only),
        Endpoint::MaterialDelete => post(handlers::del_material).get(post_only),
        Endpoint::UploadImg => {
            post(handlers::upload_img)
                .get(post_only)
                .layer(axum::extract::DefaultBodyLimit::max(
                    handlers::MAX_UPLOAD_BODY,
                ))
        }
        Endpoint::UploadVideo => post(handlers::upload_video).get(post_only),
        Endpoint::MassSend => post(mass_send::mass_send).get(post_only),
        Endpoint::ArticleRead => post(datacube::article_read).get(post_only),
        Endpoint::ArticleShare => post(datacube::article_share).get(post_only),
    }
}

/// Serves the simulator alone (`qunfa simulator --listen ADDR …`) until
/// `shutdown` resolves; pending pushes and slow answers are then dropped,
/// so it never hangs.
pub async fn run_standalone(
    config: SimulatorConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SimulatorError> {
    let sim = Simulator::new(config)?;
    if let Ok(address) = listener.local_addr() {
        for account in sim.accounts() {
            let config = account.config();
            tracing::info!(
                %address,
                appid = %config.appid,
                kind = ?config.kind,
                callback = config.callback_url.as_ref().map(|u| u.as_str()).unwrap_or("none"),
                encrypted = config.aes_key.is_some(),
                "the WeChat simulator is listening"
            );
        }
    }
    let stopper = sim.clone();
    let app = router(sim.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            stopper.shutdown();
        })
        .await;
    sim.shutdown();
    result.map_err(SimulatorError::Serve)
}
