//! The simulator's memory: tokens, sends, media, queued scenarios and what
//! tests read back. Everything here is synchronous and runs under one
//! mutex, so a check and the record that follows it are atomic.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use strum::VariantArray as _;

use super::fixtures::{FixtureSet, Fixtures, MediaFixture, NewsFixture};
use super::scenario::{AdminDecision, Outcome, Scenario};
use super::whitelist::IpWhitelist;
use crate::wechat::Endpoint;
use crate::wechat::api::{
    AccessTokenResponse, MassStatus, NewsArticle, PreviewRequest, SendAllRequest, Tag,
    VideoDescription,
};
use crate::wechat::callback::{Event, MASS_SEND_JOB_FINISH, MassSendJobFinish};
use crate::wechat::errcode::ApiError;
use crate::wechat::status::{
    ArticleCheck, ArticleUrl, ArticleUrlResult, AuditState, CanReprint, CheckState,
    CopyrightCheckResult, FailureReason, MassSendResult, NeedReplaceContent, NeedShowReprintSource,
    OriginalArticleType, Status, UserDeclareState,
};
use crate::wechat::types::{MediaId, MsgDataId, MsgId, MsgType, TagId};

/// How long a clientmsgid blocks a resend (the seed: 24 hours).
const CLIENTMSGID_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// Within this of the first send, a resend is "too fast" (45066).
const RETRY_TOO_FAST: Duration = Duration::from_secs(60);
/// How long a replaced classic token keeps working.
const TOKEN_OVERLAP: Duration = Duration::from_secs(300);
/// A stable token is renewed when less than this is left.
const STABLE_RENEW_BEFORE: Duration = Duration::from_secs(300);

/// Bounds on what is kept, so a long-running demo cannot grow without end.
const MAX_JOBS: usize = 10_000;
const MAX_DELIVERIES: usize = 1_000;
const MAX_PREVIEWS: usize = 200;
/// Drafts an account's box holds, and the bytes of their HTML. A real
/// account meets draft/add's daily quota (1000 a day, 45009) long before;
/// here the same 45009 keeps a long demo's memory bounded.
pub(crate) const MAX_DRAFTS: usize = 1_000;
pub(crate) const MAX_DRAFT_BYTES: usize = 64 * 1024 * 1024;

/// Scenarios waiting at most for one account, over every endpoint: the
/// control endpoint takes them from anyone on this machine, and each one
/// is kept until a call uses it up.
pub const MAX_QUEUED_SCENARIOS: usize = 1_000;

/// Why scenarios were not queued: the queue would pass its bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the scenario queue is full ({queued} of {max} waiting; {asked} more asked for): make the calls that use them up, or POST /control/reset",
    max = MAX_QUEUED_SCENARIOS
)]
pub struct QueueFull {
    pub queued: usize,
    pub asked: usize,
}

/// The fake OpenID of 群发助手, the `FromUserName` of every push.
pub const MPHELPER_OPENID: &str = "oSIMmphelper0000000000000000";

/// The short name of an endpoint in the counters and in
/// `POST /control/scenario` (`sendall`, `mass/get`, …).
pub fn control_name(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Token => "token",
        Endpoint::StableToken => "stable_token",
        Endpoint::TagsGet => "tags/get",
        Endpoint::UserGet => "user/get",
        Endpoint::SendAll => "sendall",
        Endpoint::Preview => "preview",
        Endpoint::MassGet => "mass/get",
        Endpoint::MassDelete => "mass/delete",
        Endpoint::DraftBatchGet => "draft/batchget",
        Endpoint::DraftAdd => "draft/add",
        Endpoint::DraftGet => "draft/get",
        Endpoint::DraftUpdate => "draft/update",
        Endpoint::DraftDelete => "draft/delete",
        Endpoint::DraftCount => "draft/count",
        Endpoint::MaterialBatchGet => "batchget_material",
        Endpoint::MaterialCount => "get_materialcount",
        Endpoint::MaterialAdd => "add_material",
        Endpoint::MaterialGet => "get_material",
        Endpoint::MaterialDelete => "del_material",
        Endpoint::UploadImg => "uploadimg",
        Endpoint::UploadVideo => "uploadvideo",
        Endpoint::MassSend => "mass/send",
        Endpoint::ArticleRead => "getarticleread",
        Endpoint::ArticleShare => "getarticleshare",
    }
}

/// The endpoint of a [`control_name`].
pub fn endpoint_named(name: &str) -> Option<Endpoint> {
    Endpoint::VARIANTS
        .iter()
        .copied()
        .find(|e| control_name(*e) == name.trim())
}

/// What a test can count.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Calls per endpoint name, whatever their answer.
    pub calls: BTreeMap<&'static str, u64>,
    /// Access tokens handed out (a stable token handed out again is not new).
    pub tokens_issued: u64,
    /// Every try of every push.
    pub callback_attempts: u64,
    /// Tries answered `200` with `success` (or an empty body).
    pub callbacks_acknowledged: u64,
    /// Pushes that were never acknowledged after every try.
    pub callbacks_given_up: u64,
}

impl Counters {
    pub fn calls_to(&self, endpoint: Endpoint) -> u64 {
        self.calls.get(control_name(endpoint)).copied().unwrap_or(0)
    }

    /// Calls to both token endpoints.
    pub fn token_calls(&self) -> u64 {
        self.calls_to(Endpoint::Token) + self.calls_to(Endpoint::StableToken)
    }
}

/// One try of one push, as the receiver saw it.
#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    pub msg_id: MsgId,
    /// 1 for the first try.
    pub attempt: u32,
    /// The URL posted to, with its query (signature, timestamp, nonce, …).
    pub url: String,
    pub encrypted: bool,
    /// The event in plain XML, before any encryption.
    pub event_xml: String,
    /// The body as posted.
    pub body: String,
    /// The receiver's HTTP status; `None` when no answer came.
    pub status: Option<u16>,
    /// The start of the receiver's answer.
    pub answer: Option<String>,
    /// Why no answer came (timeout, refused connection, …).
    pub error: Option<String>,
    pub acknowledged: bool,
}

/// A send as the simulator recorded it.
#[derive(Clone, Debug, Serialize)]
pub struct SendRecord {
    pub msg_id: MsgId,
    pub msg_data_id: Option<MsgDataId>,
    /// The developer's clientmsgid, or `auto:<sha1>` of audience and
    /// content when none was given (as the seed describes).
    pub clientmsgid: String,
    /// The body, read through the protocol types.
    pub request: SendAllRequest,
    /// Followers the send reaches.
    pub audience: u64,
    /// Unix seconds, by the simulator's clock.
    pub submitted_at: u64,
    /// What `mass/get` answers now.
    pub status: MassStatus,
    /// The scenario in force, in the scenario language.
    pub scenario: String,
    /// What the push carried (or would have), once the job has ended.
    pub result: Option<MassSendResult>,
    pub article_urls: Vec<String>,
    pub deleted_articles: Vec<u32>,
    /// A `mass/send` to a list: its size and how many of it do not follow
    /// the account. `request` then holds its message (its filter unused).
    pub list: Option<ListAudience>,
}

/// The followers a `mass/send` names: how many OpenIDs, and how many of
/// them the account does not have (each one an `ErrorCount` of its push).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ListAudience {
    pub size: u64,
    pub strangers: u64,
}

/// How the account's statistics (`datacube`) answer, beyond the figures
/// themselves: set by `POST /control/datacube`, cleared by a reset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DatacubeControl {
    /// Hours past 08:00 the next day that a day stays `is_delay: 1`, with
    /// partial figures; 0: a day is final from 08:00.
    pub delay_hours: u32,
    /// The errcode every datacube call answers (48001 an unverified
    /// account, 61007 a third-party token without permission set 7).
    pub denied: Option<i64>,
}

/// A preview as the simulator recorded it.
#[derive(Clone, Debug, Serialize)]
pub struct PreviewRecord {
    pub request: PreviewRequest,
}

#[derive(Clone, Debug)]
pub(crate) struct IssuedToken {
    expires_at: Duration,
    /// Replaced by a newer token: once expired it reads "not latest".
    superseded: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct News {
    pub media_id: MediaId,
    pub articles: Vec<NewsArticle>,
    pub update_time: i64,
    pub scenario: Option<Scenario>,
}

#[derive(Clone, Debug)]
pub(crate) struct Material {
    pub media_id: MediaId,
    pub name: String,
    pub update_time: i64,
    pub url: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct MpVideo {
    pub media_id: MediaId,
    pub scenario: Option<Scenario>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Phase {
    Sending,
    AwaitingAdmin,
    Finished(Status),
}

#[derive(Clone, Debug)]
pub(crate) struct Job {
    pub msg_id: MsgId,
    pub msg_data_id: Option<MsgDataId>,
    pub clientmsgid: String,
    pub request: SendAllRequest,
    pub audience: u64,
    pub submitted_at: Duration,
    pub phase: Phase,
    pub scenario: Scenario,
    pub article_urls: Vec<String>,
    /// The draft that a successful send uses up.
    pub draft: Option<MediaId>,
    /// The articles `mass/delete` deleted (1-based), and when (the
    /// simulator's clock): the statistics stop counting them from then.
    pub deleted: BTreeMap<u32, Duration>,
    pub result: Option<MassSendResult>,
    pub list: Option<ListAudience>,
}

impl Job {
    /// Articles that `mass/delete` can address: the news articles, or the
    /// one video.
    pub fn deletable_articles(&self) -> u32 {
        match self.request.message.msg_type() {
            MsgType::MpNews => u32::try_from(self.article_urls.len()).unwrap_or(u32::MAX),
            MsgType::MpVideo => 1,
            _ => 0,
        }
    }

    pub fn mass_status(&self) -> MassStatus {
        let all = self.deletable_articles();
        if all > 0 && u32::try_from(self.deleted.len()).unwrap_or(u32::MAX) >= all {
            return MassStatus::Delete;
        }
        match &self.phase {
            Phase::Sending | Phase::AwaitingAdmin => MassStatus::Sending,
            Phase::Finished(status) if status.is_success() => MassStatus::SendSuccess,
            Phase::Finished(_) => MassStatus::SendFail,
        }
    }

    fn record(&self) -> SendRecord {
        SendRecord {
            msg_id: self.msg_id,
            msg_data_id: self.msg_data_id,
            clientmsgid: self.clientmsgid.clone(),
            request: self.request.clone(),
            audience: self.audience,
            submitted_at: self.submitted_at.as_secs(),
            status: self.mass_status(),
            scenario: self.scenario.to_string(),
            result: self.result.clone(),
            article_urls: self.article_urls.clone(),
            deleted_articles: self.deleted.keys().copied().collect(),
            list: self.list,
        }
    }
}

/// What a new send brings to [`State::record_send`].
pub(crate) struct NewSend {
    pub clientmsgid: String,
    pub request: SendAllRequest,
    pub audience: u64,
    pub articles: usize,
    pub draft: Option<MediaId>,
    pub scenario: Scenario,
    pub submitted_at: Duration,
    pub awaiting_admin: bool,
    pub list: Option<ListAudience>,
}

/// The msg_id and msg_data_id counters every account draws from: WeChat's
/// ids are unique across accounts, so a console that keeps several
/// accounts' sends never sees two with one msg_id.
#[derive(Debug)]
pub(crate) struct IdSequence {
    msg_id: AtomicU64,
    msg_data_id: AtomicU64,
}

impl IdSequence {
    pub fn new() -> IdSequence {
        IdSequence {
            // Real ids exceed 2^31, and these exceed 2^32 too, so a console
            // that stores them in 32 bits fails at once.
            msg_id: AtomicU64::new((1 << 32) + rand::random_range(0..(1 << 30))),
            msg_data_id: AtomicU64::new(2_247_483_648 + rand::random_range(0..1_000_000)),
        }
    }

    /// The next msg_id, a few above the last (they are not consecutive).
    fn next_msg_id(&self) -> MsgId {
        let step = rand::random_range(1..64);
        MsgId::new(self.msg_id.fetch_add(step, Ordering::Relaxed) + step)
    }

    fn next_msg_data_id(&self) -> MsgDataId {
        MsgDataId::new(self.msg_data_id.fetch_add(1, Ordering::Relaxed) + 1)
    }
}

/// One account's memory.
pub(crate) struct State {
    fixtures: &'static Fixtures,
    /// The first four characters of each follower's OpenID.
    openid_prefix: String,
    tokens: HashMap<String, IssuedToken>,
    classic_token: Option<String>,
    stable_token: Option<String>,
    pub jobs: BTreeMap<u64, Job>,
    by_clientmsgid: HashMap<String, u64>,
    pub tags: Vec<Tag>,
    pub followers: u64,
    pub drafts: Vec<News>,
    pub news: Vec<News>,
    pub images: Vec<Material>,
    pub voices: Vec<Material>,
    pub videos: Vec<Material>,
    pub mpvideos: Vec<MpVideo>,
    pub cards: Vec<String>,
    pub queues: HashMap<Endpoint, VecDeque<Scenario>>,
    pub counters: Counters,
    /// With one set, token calls from other addresses answer 40164.
    pub ip_whitelist: Option<IpWhitelist>,
    pub datacube: DatacubeControl,
    pub deliveries: VecDeque<Delivery>,
    pub previews: VecDeque<PreviewRecord>,
    /// The files uploaded by add_material and uploadimg, bounded.
    pub files: FileStore,
    ids: Arc<IdSequence>,
}

impl State {
    /// An account with `fixtures` as of `now`, its followers' OpenIDs
    /// starting with `openid_prefix` (four characters), drawing its ids
    /// from `ids`.
    pub fn new(
        now: Duration,
        fixture_set: FixtureSet,
        followers: u64,
        openid_prefix: String,
        ids: Arc<IdSequence>,
    ) -> State {
        let fixtures = fixture_set.data();
        let now_secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        let ago = |hours: u64| now_secs.saturating_sub(i64::try_from(hours * 3600).unwrap_or(0));
        // The fixtures are valid ids (a test checks); an invalid one would be
        // left out rather than panic.
        let news = |f: &NewsFixture, kind: &str| -> Option<News> {
            Some(News {
                media_id: MediaId::parse(f.media_id).ok()?,
                articles: f
                    .articles
                    .iter()
                    .enumerate()
                    .map(|(i, a)| NewsArticle {
                        title: a.title.to_owned(),
                        author: Some(a.author.to_owned()),
                        digest: Some(a.digest.to_owned()),
                        content: Some(format!("<p>{}</p>", a.digest)),
                        content_source_url: Some(String::new()),
                        thumb_media_id: Some(fixtures.cover.to_owned()),
                        thumb_url: Some(image_url(fixtures.cover)),
                        url: Some(format!(
                            "http://mp.weixin.qq.com/s?__biz={}&tempkey={kind}-{}-{}#rd",
                            fixtures.biz,
                            f.media_id,
                            i + 1
                        )),
                        show_cover_pic: Some(false),
                        need_open_comment: Some(false),
                        only_fans_can_comment: Some(false),
                        article_type: Some("news".to_owned()),
                        pic_crop_235_1: None,
                        pic_crop_1_1: None,
                    })
                    .collect(),
                update_time: ago(f.hours_ago),
                scenario: f.scenario.and_then(|s| Scenario::parse(s).ok()),
            })
        };
        let material = |m: &MediaFixture, url: bool| -> Option<Material> {
            Some(Material {
                media_id: MediaId::parse(m.media_id).ok()?,
                name: m.name.to_owned(),
                update_time: ago(m.hours_ago),
                url: url.then(|| image_url(m.media_id)),
            })
        };
        let mut drafts: Vec<News> = fixtures
            .drafts
            .iter()
            .filter_map(|f| news(f, "draft"))
            .collect();
        drafts.sort_by_key(|d| std::cmp::Reverse(d.update_time));
        State {
            fixtures,
            openid_prefix,
            tokens: HashMap::new(),
            classic_token: None,
            stable_token: None,
            jobs: BTreeMap::new(),
            by_clientmsgid: HashMap::new(),
            tags: fixtures
                .tags
                .iter()
                .map(|t| Tag {
                    id: TagId::new(t.id),
                    name: t.name.to_owned(),
                    count: t.count,
                })
                .collect(),
            followers,
            drafts,
            news: fixtures
                .news
                .iter()
                .filter_map(|f| news(f, "news"))
                .collect(),
            images: fixtures
                .images
                .iter()
                .filter_map(|m| material(m, true))
                .collect(),
            voices: fixtures
                .voices
                .iter()
                .filter_map(|m| material(m, false))
                .collect(),
            videos: fixtures
                .videos
                .iter()
                .filter_map(|m| material(m, false))
                .collect(),
            mpvideos: fixtures
                .mpvideos
                .iter()
                .filter_map(|(id, title, description)| {
                    Some(MpVideo {
                        media_id: MediaId::parse(*id).ok()?,
                        scenario: Scenario::from_markers(&format!("{title} {description}")),
                    })
                })
                .collect(),
            cards: fixtures.cards.iter().map(|c| (*c).to_owned()).collect(),
            queues: HashMap::new(),
            counters: Counters::default(),
            ip_whitelist: None,
            datacube: DatacubeControl::default(),
            deliveries: VecDeque::new(),
            previews: VecDeque::new(),
            files: FileStore::default(),
            ids,
        }
    }

    /// How many converted videos the account started with: uploads past
    /// the bound push out the oldest upload, never these.
    pub fn fixed_mpvideos(&self) -> usize {
        self.fixtures.mpvideos.len()
    }

    pub fn count(&mut self, endpoint: Endpoint) {
        *self
            .counters
            .calls
            .entry(control_name(endpoint))
            .or_insert(0) += 1;
    }

    /// Queues `times` copies of `scenario` for `endpoint`, or none when
    /// that would take the queue past [`MAX_QUEUED_SCENARIOS`].
    pub fn queue_scenarios(
        &mut self,
        endpoint: Endpoint,
        scenario: Scenario,
        times: usize,
    ) -> Result<(), QueueFull> {
        let queued: usize = self.queues.values().map(VecDeque::len).sum();
        if queued.saturating_add(times) > MAX_QUEUED_SCENARIOS {
            return Err(QueueFull {
                queued,
                asked: times,
            });
        }
        let queue = self.queues.entry(endpoint).or_default();
        queue.extend(std::iter::repeat_n(scenario, times));
        Ok(())
    }

    pub fn pop_scenario(&mut self, endpoint: Endpoint) -> Option<Scenario> {
        self.queues.get_mut(&endpoint)?.pop_front()
    }

    // --- drafts and the images they may use ----------------------------------

    /// Whether `media_id` is a permanent image material of the account, as
    /// a draft's cover must be. Every image material counts: the
    /// fixtures' and those `material/add_material` adds to `images`.
    pub fn is_permanent_image(&self, media_id: &str) -> bool {
        !media_id.is_empty() && self.images.iter().any(|i| i.media_id.as_str() == media_id)
    }

    /// Whether `url` is an image URL this simulator handed the account (an
    /// image material's `url`, or a body image's from `media/uploadimg`),
    /// the only images a draft's body may show.
    pub fn is_issued_image_url(&self, url: &str) -> bool {
        self.images.iter().any(|i| i.url.as_deref() == Some(url))
            || url
                .rsplit_once("/mmbiz/")
                .is_some_and(|(_, id)| matches!(self.files.get(id), Some(Stored::BodyImage(_))))
    }

    /// Where the draft `media_id` is in the box (newest first).
    pub fn draft_position(&self, media_id: &str) -> Option<usize> {
        self.drafts
            .iter()
            .position(|d| d.media_id.as_str() == media_id)
    }

    /// A media_id for a new draft, never one the account has.
    pub fn new_draft_id(&self) -> MediaId {
        loop {
            let id = format!(
                "SIMd{:032x}{:028x}",
                rand::random::<u128>(),
                rand::random::<u128>() >> 16
            );
            if self.draft_position(&id).is_none()
                && let Ok(id) = MediaId::parse(id)
            {
                return id;
            }
        }
    }

    /// The temporary preview link of a draft's article (`index` 0-based),
    /// as `draft/get` answers it.
    pub fn draft_preview_url(&self, media_id: &MediaId, index: usize) -> String {
        format!(
            "http://mp.weixin.qq.com/s?__biz={}&tempkey=draft-{media_id}-{}-{:016x}#rd",
            self.fixtures.biz,
            index + 1,
            rand::random::<u64>()
        )
    }

    /// Puts `draft` first in the box (the newest), in place of the draft
    /// with its media_id if there is one; refused with 45009 when the box
    /// would pass [`MAX_DRAFTS`] or [`MAX_DRAFT_BYTES`].
    pub fn store_draft(&mut self, draft: News) -> Result<(), ApiError> {
        let old = self.draft_position(draft.media_id.as_str());
        let bytes = |d: &News| -> usize {
            d.articles
                .iter()
                .map(|a| a.content.as_ref().map_or(0, String::len))
                .sum()
        };
        let kept: usize = self
            .drafts
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != old)
            .map(|(_, d)| bytes(d))
            .sum();
        let count = self.drafts.len() - usize::from(old.is_some());
        if count >= MAX_DRAFTS || kept.saturating_add(bytes(&draft)) > MAX_DRAFT_BYTES {
            return Err(wechat_error(45009));
        }
        if let Some(old) = old {
            self.drafts.remove(old);
        }
        self.drafts.insert(0, draft);
        Ok(())
    }

    // --- access tokens -----------------------------------------------------

    /// `/cgi-bin/token`: always a new token; the previous one keeps working
    /// for five more minutes, then reads "not latest".
    pub fn issue_classic_token(
        &mut self,
        now: Duration,
        lifetime: Duration,
    ) -> AccessTokenResponse {
        self.prune_tokens(now);
        if let Some(old) = self.classic_token.take()
            && let Some(token) = self.tokens.get_mut(&old)
        {
            token.expires_at = token.expires_at.min(now.saturating_add(TOKEN_OVERLAP));
            token.superseded = true;
        }
        let access_token = self.new_token(now, lifetime);
        self.classic_token = Some(access_token.clone());
        AccessTokenResponse {
            access_token,
            expires_in: lifetime.as_secs(),
        }
    }

    /// `/cgi-bin/stable_token`: the same token until five minutes before it
    /// expires; `force_refresh` revokes it at once.
    pub fn issue_stable_token(
        &mut self,
        now: Duration,
        lifetime: Duration,
        force_refresh: bool,
    ) -> AccessTokenResponse {
        self.prune_tokens(now);
        if let Some(current) = &self.stable_token
            && let Some(token) = self.tokens.get(current)
        {
            if force_refresh {
                if let Some(old) = self.stable_token.take() {
                    self.tokens.remove(&old);
                }
            } else if token.expires_at > now.saturating_add(STABLE_RENEW_BEFORE) {
                return AccessTokenResponse {
                    access_token: current.clone(),
                    expires_in: token.expires_at.saturating_sub(now).as_secs(),
                };
            } else if let Some(token) = self.tokens.get_mut(current) {
                token.superseded = true;
            }
        }
        let access_token = self.new_token(now, lifetime);
        self.stable_token = Some(access_token.clone());
        AccessTokenResponse {
            access_token,
            expires_in: lifetime.as_secs(),
        }
    }

    fn new_token(&mut self, now: Duration, lifetime: Duration) -> String {
        // Real tokens are about 140 URL-safe characters.
        let mut token = String::from("SIM_");
        for _ in 0..4 {
            let _ = write!(token, "{:032x}", rand::random::<u128>());
        }
        self.tokens.insert(
            token.clone(),
            IssuedToken {
                expires_at: now.saturating_add(lifetime),
                superseded: false,
            },
        );
        self.counters.tokens_issued += 1;
        token
    }

    /// Forgets tokens that expired long ago (their 42001 is no longer
    /// interesting), so repeated token calls cannot grow memory.
    fn prune_tokens(&mut self, now: Duration) {
        let horizon = now.saturating_sub(Duration::from_secs(3600));
        self.tokens.retain(|_, t| t.expires_at > horizon);
    }

    /// Whether this account handed out `token` (and still remembers it).
    pub fn knows_token(&self, token: &str) -> bool {
        self.tokens.contains_key(token)
    }

    /// Checks the `access_token` of a call: 41001 missing, 40001 unknown or
    /// replaced, 42001 expired.
    pub fn check_access_token(&self, token: Option<&str>, now: Duration) -> Result<(), ApiError> {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(wechat_error(41001));
        };
        match self.tokens.get(token) {
            None => Err(wechat_error(40001)),
            Some(t) if t.expires_at <= now && t.superseded => Err(wechat_error(40001)),
            Some(t) if t.expires_at <= now => Err(wechat_error(42001)),
            Some(_) => Ok(()),
        }
    }

    // --- sends ---------------------------------------------------------------

    /// The answer to a clientmsgid seen before: 89504 while its send waits
    /// for the admin, 45066 within a minute of it, 45065 with its msg_id
    /// after that, for 24 hours. `None`: the id is free.
    pub fn duplicate(&self, clientmsgid: &str, now: Duration) -> Option<ApiError> {
        let job = self
            .by_clientmsgid
            .get(clientmsgid)
            .and_then(|id| self.jobs.get(id))?;
        if now >= job.submitted_at.saturating_add(CLIENTMSGID_WINDOW) {
            return None;
        }
        if job.phase == Phase::AwaitingAdmin {
            return Some(wechat_error(89504));
        }
        if now < job.submitted_at.saturating_add(RETRY_TOO_FAST) {
            return Some(wechat_error(45066));
        }
        let mut error = wechat_error(45065);
        error.msg_id = Some(job.msg_id);
        Some(error)
    }

    pub fn record_send(&mut self, send: NewSend) -> &Job {
        let msg_id = self.ids.next_msg_id();
        let msg_data_id = (send.request.message.msg_type() == MsgType::MpNews)
            .then(|| self.ids.next_msg_data_id());
        let biz = self.fixtures.biz;
        let article_urls = match msg_data_id {
            Some(data_id) => (1..=send.articles)
                .map(|idx| {
                    format!(
                        "http://mp.weixin.qq.com/s?__biz={biz}&mid={data_id}&idx={idx}&sn={:032x}#rd",
                        rand::random::<u128>()
                    )
                })
                .collect(),
            None => Vec::new(),
        };
        let job = Job {
            msg_id,
            msg_data_id,
            clientmsgid: send.clientmsgid.clone(),
            request: send.request,
            audience: send.audience,
            submitted_at: send.submitted_at,
            phase: if send.awaiting_admin {
                Phase::AwaitingAdmin
            } else {
                Phase::Sending
            },
            scenario: send.scenario,
            article_urls,
            draft: send.draft,
            deleted: BTreeMap::new(),
            result: None,
            list: send.list,
        };
        while self.jobs.len() >= MAX_JOBS {
            let Some((_, oldest)) = self.jobs.pop_first() else {
                break;
            };
            if self.by_clientmsgid.get(&oldest.clientmsgid) == Some(&oldest.msg_id.get()) {
                self.by_clientmsgid.remove(&oldest.clientmsgid);
            }
        }
        self.by_clientmsgid.insert(send.clientmsgid, msg_id.get());
        self.jobs.entry(msg_id.get()).or_insert(job)
    }

    /// Ends a job: decides its status from the scenario, fills the counts
    /// and the per-article results, uses up its draft on success. Returns
    /// the push and whether to send it; `None` if the job is unknown or
    /// has already ended.
    pub fn finish_job(
        &mut self,
        msg_id: MsgId,
        account_id: &str,
        create_time: u64,
    ) -> Option<(MassSendJobFinish, bool)> {
        let job = self.jobs.get_mut(&msg_id.get())?;
        if matches!(job.phase, Phase::Finished(_)) {
            return None;
        }
        let is_news = job.request.message.msg_type() == MsgType::MpNews;
        let ignore_reprint = job.request.send_ignore_reprint == Some(true);
        let (status, check_state) = match job.scenario.admin.map(|a| a.decision) {
            Some(AdminDecision::Reject) => (Status::Err(FailureReason::AdminRejected), 1),
            Some(AdminDecision::Timeout) => (Status::Err(FailureReason::AdminTimeout), 1),
            Some(AdminDecision::Approve) | None => {
                match job.scenario.outcome.unwrap_or(Outcome::Success) {
                    Outcome::Success => (Status::SendSuccess, 1),
                    Outcome::Fail => (Status::SendFail, 1),
                    Outcome::Err(n) => {
                        let check = match n {
                            30001 => 0,
                            30002 => 3,
                            30003 => 2,
                            _ => 1,
                        };
                        (Status::Err(FailureReason::from_code(n)), check)
                    }
                    // Only articles are checked; other types just succeed.
                    Outcome::Check(_) if !is_news => (Status::SendSuccess, 1),
                    Outcome::Check(2) if !ignore_reprint => {
                        (Status::Err(FailureReason::JudgedReprint), 2)
                    }
                    Outcome::Check(3) => (Status::Err(FailureReason::OriginalityCheckRefused), 3),
                    Outcome::Check(n) => (Status::SendSuccess, n),
                }
            }
        };
        let (total, filter, sent, error) = match job.list {
            Some(list) => list_counts(&status, list),
            None => counts(&status, job.audience),
        };
        let articles = u32::try_from(job.article_urls.len()).unwrap_or(u32::MAX);
        let result = MassSendResult {
            msg_id,
            status: status.clone(),
            total_count: Some(total),
            filter_count: Some(filter),
            sent_count: Some(sent),
            error_count: Some(error),
            copyright_check: is_news.then(|| copyright_check(articles, check_state)),
            article_urls: is_news.then(|| ArticleUrlResult {
                count: Some(u64::from(articles)),
                items: job
                    .article_urls
                    .iter()
                    .zip(1..)
                    .map(|(url, idx)| ArticleUrl {
                        article_idx: Some(idx),
                        url: Some(url.clone()),
                    })
                    .collect(),
            }),
        };
        job.phase = Phase::Finished(status.clone());
        job.result = Some(result.clone());
        let push = job.scenario.callback != Some(false);
        let used_draft = job.draft.clone().filter(|_| status.is_success());
        if let Some(draft) = used_draft {
            // The seed: after a successful send the draft's media_id dies
            // and the draft is deleted.
            self.drafts.retain(|d| d.media_id != draft);
        }
        let event = Event {
            to_user_name: Some(account_id.to_owned()),
            from_user_name: Some(MPHELPER_OPENID.to_owned()),
            create_time: Some(create_time),
            msg_type: Some("event".to_owned()),
            event: Some(MASS_SEND_JOB_FINISH.to_owned()),
            event_key: None,
            msg_id: Some(msg_id),
        };
        Some((MassSendJobFinish { event, result }, push))
    }

    pub fn send_records(&self) -> Vec<SendRecord> {
        self.jobs.values().map(Job::record).collect()
    }

    pub fn send_record(&self, msg_id: MsgId) -> Option<SendRecord> {
        self.jobs.get(&msg_id.get()).map(Job::record)
    }

    pub fn record_delivery(&mut self, delivery: Delivery) {
        self.counters.callback_attempts += 1;
        if delivery.acknowledged {
            self.counters.callbacks_acknowledged += 1;
        }
        if self.deliveries.len() >= MAX_DELIVERIES {
            self.deliveries.pop_front();
        }
        self.deliveries.push_back(delivery);
    }

    pub fn record_preview(&mut self, preview: PreviewRecord) {
        if self.previews.len() >= MAX_PREVIEWS {
            self.previews.pop_front();
        }
        self.previews.push_back(preview);
    }

    /// Whether `openid` is one of the account's simulated followers.
    pub fn is_follower(&self, openid: &str) -> bool {
        self.follower_index(openid)
            .is_some_and(|i| i < self.followers)
    }

    /// The n-th follower's OpenID: the account's prefix (`oSIM` for the
    /// first) and 24 digits, 28 characters like real ones.
    pub fn follower_openid(&self, index: u64) -> String {
        format!("{}{index:024}", self.openid_prefix)
    }

    pub fn follower_index(&self, openid: &str) -> Option<u64> {
        let digits = openid.strip_prefix(self.openid_prefix.as_str())?;
        if digits.len() != 24 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    }
}

/// Plausible counts: about 2 % filtered (refusals, the four-a-month rule)
/// and a few failures. Review failures report zeros, as the seed's example.
fn counts(status: &Status, audience: u64) -> (u64, u64, u64, u64) {
    let filtered = audience / 50;
    let filter = audience - filtered;
    match status {
        Status::SendSuccess => {
            let errors = filter / 250;
            (audience, filter, filter - errors, errors)
        }
        Status::SendFail => (audience, filter, 0, filter),
        _ => (0, 0, 0, 0),
    }
}

/// A list's counts: every OpenID counted and none filtered (the list was
/// chosen), the ones that do not follow the account failed.
fn list_counts(status: &Status, list: ListAudience) -> (u64, u64, u64, u64) {
    let ListAudience { size, strangers } = list;
    match status {
        Status::SendSuccess => (size, size, size - strangers.min(size), strangers.min(size)),
        Status::SendFail => (size, size, 0, size),
        _ => (0, 0, 0, 0),
    }
}

/// One item per article, each with all eight fields of the seed's example.
/// With CheckState 2 or 3 the first article is the one that matched an
/// original; every other article matched none, which the seed gives no
/// values for: an empty `OriginalArticleUrl` and 0 for its type and the
/// three flags.
fn copyright_check(articles: u32, check_state: u8) -> CopyrightCheckResult {
    let items = (1..=articles)
        .map(|idx| {
            if matches!(check_state, 2 | 3) && idx == 1 {
                let allowed = i64::from(check_state == 2);
                return ArticleCheck {
                    article_idx: Some(idx),
                    user_declare_state: Some(UserDeclareState::NotDeclared),
                    audit_state: Some(AuditState::from_code(2)),
                    original_article_url: Some(format!(
                        "http://mp.weixin.qq.com/s?__biz=MzOriginal==&mid=100000{idx}&idx=1#rd"
                    )),
                    original_article_type: Some(OriginalArticleType::Original),
                    can_reprint: Some(CanReprint::from_code(allowed)),
                    need_replace_content: Some(NeedReplaceContent::from_code(allowed)),
                    need_show_reprint_source: Some(NeedShowReprintSource::from_code(allowed)),
                };
            }
            ArticleCheck {
                article_idx: Some(idx),
                user_declare_state: Some(UserDeclareState::NotDeclared),
                audit_state: Some(if check_state == 0 {
                    AuditState::NotChecked
                } else {
                    AuditState::Passed
                }),
                original_article_url: Some(String::new()),
                original_article_type: Some(OriginalArticleType::NoSimilarOriginal),
                can_reprint: Some(CanReprint::No),
                need_replace_content: Some(NeedReplaceContent::No),
                need_show_reprint_source: Some(NeedShowReprintSource::No),
            }
        })
        .collect();
    CopyrightCheckResult {
        count: Some(u64::from(articles)),
        items,
        check_state: Some(CheckState::from_code(i64::from(check_state))),
    }
}

/// The bytes of uploaded files one account keeps in memory. An upload that
/// would pass it pushes out the oldest uploads first, material and all (as
/// if deleted), so a long demo keeps working; the fixtures, which have no
/// stored file, are never pushed out.
pub const MAX_STORED_BYTES: u64 = 64 * 1024 * 1024;

/// A file as it arrived, in the chunks it arrived in (never copied into
/// one buffer).
#[derive(Clone, Debug)]
pub(crate) struct StoredFile {
    pub content_type: String,
    pub chunks: Vec<axum::body::Bytes>,
    pub len: u64,
}

impl StoredFile {
    /// The whole file in one buffer (for a voice's length: at most 2 MB).
    pub fn contiguous(&self) -> Vec<u8> {
        self.chunks.concat()
    }
}

/// What an uploaded file is.
#[derive(Clone, Debug)]
pub(crate) enum Stored {
    Material {
        file: StoredFile,
        /// A video's title and introduction.
        video: Option<VideoDescription>,
    },
    /// An image uploaded for an article's body (`media/uploadimg`).
    BodyImage(StoredFile),
}

impl Stored {
    pub fn file(&self) -> &StoredFile {
        match self {
            Stored::Material { file, .. } | Stored::BodyImage(file) => file,
        }
    }
}

/// The uploaded files of one account, oldest first, within
/// [`MAX_STORED_BYTES`].
#[derive(Default)]
pub(crate) struct FileStore {
    files: HashMap<String, Stored>,
    order: VecDeque<String>,
    bytes: u64,
}

impl FileStore {
    /// Keeps `stored` under `id`; returns the ids pushed out to stay
    /// within the bound, oldest first.
    pub fn insert(&mut self, id: String, stored: Stored) -> Vec<String> {
        let len = stored.file().len;
        let mut evicted = Vec::new();
        while self.bytes + len > MAX_STORED_BYTES {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(gone) = self.files.remove(&oldest) {
                self.bytes -= gone.file().len;
            }
            evicted.push(oldest);
        }
        self.bytes += len;
        self.order.push_back(id.clone());
        self.files.insert(id, stored);
        evicted
    }

    pub fn get(&self, id: &str) -> Option<&Stored> {
        self.files.get(id)
    }

    pub fn remove(&mut self, id: &str) -> Option<Stored> {
        let gone = self.files.remove(id)?;
        self.order.retain(|kept| kept != id);
        self.bytes -= gone.file().len;
        Some(gone)
    }

    /// Bytes held now.
    #[cfg(test)]
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

pub(crate) fn image_url(media_id: &str) -> String {
    format!("http://mmbiz.qpic.cn/sim/{media_id}/0?wx_fmt=jpeg")
}

/// An error as WeChat writes it: its errmsg and a changing ` rid:` suffix,
/// which consoles must not parse.
pub(crate) fn wechat_error(code: i64) -> ApiError {
    wechat_error_saying(code, errmsg(code))
}

/// An error whose errmsg says `text` (then the ` rid:` suffix), for an
/// errmsg that changes with the call, as 40164's names the caller's IP.
pub(crate) fn wechat_error_saying(code: i64, text: &str) -> ApiError {
    ApiError::new(
        code,
        format!(
            "{text} rid: {:08x}-{:08x}-{:08x}",
            rand::random::<u32>(),
            rand::random::<u32>(),
            rand::random::<u32>()
        ),
    )
}

/// WeChat's own errmsg for a code (the seed's column where it has one).
fn errmsg(code: i64) -> &'static str {
    match code {
        -1 => "system error",
        40001 => "invalid credential, access_token is invalid or not latest",
        40002 => "invalid grant_type",
        40003 => "invalid openid",
        40004 => "invalid media type",
        40005 => "invalid file type",
        40006 => "invalid meida size",
        40009 => "invalid image size",
        40010 => "invalid voice size",
        40011 => "invalid video size",
        40012 => "invalid thumb size",
        41005 => "media data missing",
        44001 => "empty media data",
        45001 => "media size out of limit",
        45007 => "playtime out of limit",
        46001 => "media data no exist",
        40007 => "invalid media_id",
        40008 => "invalid message type",
        40013 => "invalid appid",
        40035 => "invalid args",
        40059 => "invalid msg id",
        40060 => "invalid article idx",
        40125 => "invalid appsecret",
        40164 => "invalid ip, not in whitelist",
        40152 => "invalid group id",
        41001 => "access_token missing",
        41002 => "appid missing",
        41004 => "appsecret missing",
        41040 => "no",
        42001 => "access_token expired",
        43002 => "require POST method",
        44003 => "empty news data",
        44004 => "empty content",
        45002 => "content size out of limit",
        45003 => "title size out of limit",
        45004 => "description size out of limit",
        45005 => "url size out of limit",
        45008 => "article size out of limit",
        45009 => "reach max api daily quota limit",
        45011 => "api minute-quota reach limit",
        45028 => "has no masssend quota",
        61007 => "api is unauthorized to component",
        61500 => "date format error",
        61501 => "date range error",
        45062 => "has agreement ad. please use mp.weixin.qq.com",
        45065 => "clientmsgid exist",
        45066 => "same clientmsgid retry too fast",
        45067 => "clientmsgid size out of limit",
        45110 => "author size out of limit",
        47001 => "data format error",
        48001 => "api unauthorized",
        48021 => "no",
        89503 => "此次调用需要管理员确认，请耐心等候",
        89504 => "群发仍在审批流程中",
        89505 => "群发进入管理员确认流程",
        _ => "simulated error",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::simulator::fixtures;
    use crate::wechat::types::OpenId;

    fn state_of(set: FixtureSet) -> State {
        State::new(
            Duration::from_secs(1_700_000_000),
            set,
            set.followers(),
            set.data().openid_prefix.to_owned(),
            Arc::new(IdSequence::new()),
        )
    }

    fn stored(len: u64) -> Stored {
        Stored::BodyImage(StoredFile {
            content_type: "image/png".into(),
            chunks: Vec::new(),
            len,
        })
    }

    #[test]
    fn the_file_store_pushes_out_the_oldest_uploads_to_stay_within_its_bound() {
        let mut store = FileStore::default();
        let third = MAX_STORED_BYTES / 3;
        assert!(store.insert("a".into(), stored(third)).is_empty());
        assert!(store.insert("b".into(), stored(third)).is_empty());
        assert!(store.insert("c".into(), stored(third)).is_empty());
        assert_eq!(store.insert("d".into(), stored(third)), ["a"]);
        assert_eq!(store.bytes(), 3 * third);
        store.remove("c");
        assert_eq!(store.bytes(), 2 * third);
        // Pushing out several at once for one large file.
        assert_eq!(
            store.insert("e".into(), stored(MAX_STORED_BYTES)),
            ["b", "d"]
        );
        assert!(store.get("e").is_some() && store.get("a").is_none());
        assert_eq!(store.bytes(), MAX_STORED_BYTES);
    }

    #[test]
    fn every_fixture_loads_and_every_scenario_draft_parses() {
        for set in [FixtureSet::Demo, FixtureSet::Second] {
            let state = state_of(set);
            let fixtures = set.data();
            assert_eq!(state.drafts.len(), fixtures.drafts.len());
            assert_eq!(state.news.len(), fixtures.news.len());
            assert_eq!(state.images.len(), fixtures.images.len());
            assert_eq!(state.voices.len(), fixtures.voices.len());
            assert_eq!(state.videos.len(), fixtures.videos.len());
            assert_eq!(state.mpvideos.len(), fixtures.mpvideos.len());
            assert_eq!(state.tags.len(), fixtures.tags.len());
            for fixture in fixtures.drafts {
                let draft = state
                    .drafts
                    .iter()
                    .find(|d| d.media_id.as_str() == fixture.media_id)
                    .unwrap();
                assert_eq!(
                    draft.scenario.is_some(),
                    fixture.scenario.is_some(),
                    "{}",
                    fixture.media_id
                );
            }
            assert!(
                state.tags.iter().all(|t| t.count <= state.followers),
                "{set:?}"
            );
            assert!(
                state
                    .images
                    .iter()
                    .any(|i| i.media_id.as_str() == fixtures.cover),
                "{set:?}: the cover is one of its images"
            );
        }
        assert!(IdSequence::new().next_msg_id().get() > 1 << 32);
    }

    #[test]
    fn the_second_set_shares_no_id_tag_name_or_size_with_the_first() {
        let (first, second) = (state_of(FixtureSet::Demo), state_of(FixtureSet::Second));
        assert_eq!(first.followers, fixtures::FOLLOWERS);
        assert_eq!(second.followers, fixtures::SECOND_FOLLOWERS);
        let media = |s: &State| -> Vec<String> {
            let news = s
                .drafts
                .iter()
                .chain(&s.news)
                .map(|n| n.media_id.as_str().to_owned());
            let materials = s
                .images
                .iter()
                .chain(&s.voices)
                .chain(&s.videos)
                .map(|m| m.media_id.as_str().to_owned());
            news.chain(materials)
                .chain(s.cards.iter().cloned())
                .collect()
        };
        let first_media = media(&first);
        for id in media(&second) {
            assert!(!first_media.contains(&id), "{id} is in both sets");
        }
        // WeChat's own 星标组 (2) is in every account; the rest differ.
        for tag in second.tags.iter().filter(|t| t.id.get() != 2) {
            assert!(
                first
                    .tags
                    .iter()
                    .all(|t| t.id != tag.id && t.name != tag.name),
                "{tag:?}"
            );
        }
        assert!(second.drafts.len() < first.drafts.len());
        assert_eq!(
            second.drafts[0].articles[0].title,
            "会员日：金卡会员双倍积分"
        );
    }

    #[test]
    fn follower_openids_look_real_and_read_back() {
        let (first, second) = (state_of(FixtureSet::Demo), state_of(FixtureSet::Second));
        for state in [&first, &second] {
            let openid = state.follower_openid(42);
            assert_eq!(openid.len(), 28);
            assert!(OpenId::parse(openid.as_str()).is_ok());
            assert_eq!(state.follower_index(&openid), Some(42));
            assert_eq!(state.follower_index(MPHELPER_OPENID), None);
        }
        assert!(first.follower_openid(42).starts_with("oSIM"));
        assert!(second.follower_openid(42).starts_with("oSVC"));
        // One account's follower is not the other's.
        assert!(!second.is_follower(&first.follower_openid(42)));
        assert!(!first.is_follower(&second.follower_openid(42)));
        assert_eq!(first.follower_index("oSIM12"), None);
        assert!(OpenId::parse(MPHELPER_OPENID).is_ok());
    }

    #[test]
    fn accounts_drawing_from_one_sequence_never_share_a_msg_id() {
        let ids = Arc::new(IdSequence::new());
        let drawn: BTreeSet<u64> = (0..1_000).map(|_| ids.next_msg_id().get()).collect();
        assert_eq!(drawn.len(), 1_000);
    }

    #[test]
    fn counts_are_plausible_and_add_up() {
        let (total, filter, sent, errors) = counts(&Status::SendSuccess, 12_580);
        assert_eq!(total, 12_580);
        assert!(filter < total && sent + errors == filter && errors > 0);
        assert_eq!(counts(&Status::SendSuccess, 0), (0, 0, 0, 0));
        assert_eq!(
            counts(&Status::Err(FailureReason::Advertising), 99),
            (0, 0, 0, 0)
        );
    }
}
