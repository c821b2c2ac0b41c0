//! What each account starts with: its tags, followers, drafts and
//! materials. The first account has the demo set ([`FixtureSet::Demo`]);
//! every other account has the second account's smaller set
//! ([`FixtureSet::Second`]), so the two look like different accounts.
//!
//! The seed's six examples use the ids `123dsdajkasd231jhksad` (a draft, a
//! voice and a card), `aaa`/`bbb`/`ccc` (images) and `IhdaAQ…2XJc` (an
//! mpvideo) and tag 2, so all of them exist here and the examples are
//! accepted as they stand. The drafts whose titles name a scenario trigger
//! it when sent, so an editor can reach every outcome from the pickers.

/// Followers of the first account: the audience of a send to all.
pub const FOLLOWERS: u64 = 12_580;

/// Followers of an account with the second account's fixtures.
pub const SECOND_FOLLOWERS: u64 = 4_316;

/// Which set of fixtures an account starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixtureSet {
    /// The demo account's: six tags, 12 580 followers, 22 drafts (one per
    /// scenario among them), 14 images, 13 voices, 12 videos, the seed's
    /// ids. The first account's.
    Demo,
    /// A 服务号's smaller set: five tags, 4 316 followers, three drafts,
    /// a few materials, all with ids of their own. Every account but the
    /// first starts with it.
    Second,
}

impl FixtureSet {
    pub fn followers(self) -> u64 {
        self.data().followers
    }

    pub(crate) fn data(self) -> &'static Fixtures {
        match self {
            FixtureSet::Demo => &DEMO,
            FixtureSet::Second => &SECOND,
        }
    }
}

/// One set of fixtures.
pub(crate) struct Fixtures {
    pub followers: u64,
    /// The prefix of every follower's OpenID (four characters, then 24
    /// digits: 28 like real ones) of the first account with this set;
    /// OpenIDs are per account in WeChat, so later accounts with the same
    /// set get prefixes of their own.
    pub openid_prefix: &'static str,
    /// The `__biz` of the account's article URLs.
    pub biz: &'static str,
    pub tags: &'static [TagFixture],
    pub drafts: &'static [NewsFixture],
    pub news: &'static [NewsFixture],
    pub images: &'static [MediaFixture],
    pub voices: &'static [MediaFixture],
    pub videos: &'static [MediaFixture],
    pub mpvideos: &'static [(&'static str, &'static str, &'static str)],
    pub cards: &'static [&'static str],
    /// The image every article uses as its cover.
    pub cover: &'static str,
}

const DEMO: Fixtures = Fixtures {
    followers: FOLLOWERS,
    openid_prefix: OPENID_PREFIX,
    biz: "MzSimulator==",
    tags: TAGS,
    drafts: DRAFTS,
    news: NEWS,
    images: IMAGES,
    voices: VOICES,
    videos: VIDEOS,
    mpvideos: MPVIDEOS,
    cards: CARDS,
    cover: COVER_MEDIA_ID,
};

/// The prefix of every simulated follower's OpenID of the first account
/// (`oSIM` + 24 digits).
pub const OPENID_PREFIX: &str = "oSIM";

pub(crate) struct TagFixture {
    pub id: u64,
    pub name: &'static str,
    pub count: u64,
}

pub(crate) const TAGS: &[TagFixture] = &[
    TagFixture {
        id: 2,
        name: "星标组",
        count: 36,
    },
    TagFixture {
        id: 100,
        name: "VIP会员",
        count: 1_286,
    },
    TagFixture {
        id: 101,
        name: "北京读者",
        count: 3_402,
    },
    TagFixture {
        id: 102,
        name: "内测用户",
        count: 12,
    },
    TagFixture {
        id: 103,
        name: "English readers",
        count: 215,
    },
    TagFixture {
        id: 104,
        name: "沉睡用户",
        count: 0,
    },
];

pub(crate) struct ArticleFixture {
    pub title: &'static str,
    pub author: &'static str,
    pub digest: &'static str,
}

pub(crate) struct NewsFixture {
    pub media_id: &'static str,
    /// How long ago it was last saved, in hours.
    pub hours_ago: u64,
    pub articles: &'static [ArticleFixture],
    /// What sending it triggers, in the scenario language.
    pub scenario: Option<&'static str>,
}

const fn article(
    title: &'static str,
    author: &'static str,
    digest: &'static str,
) -> ArticleFixture {
    ArticleFixture {
        title,
        author,
        digest,
    }
}

pub(crate) const DRAFTS: &[NewsFixture] = &[
    NewsFixture {
        media_id: "123dsdajkasd231jhksad",
        hours_ago: 1,
        articles: &[
            article(
                "春季新品发布会：三款新品抢先看",
                "品牌部",
                "4 月 12 日，我们在上海发布了三款新品，一文看懂它们有什么不同。",
            ),
            article(
                "会员日：全场九折",
                "运营部",
                "本周六会员日，凭会员卡全场九折，线上线下同享。",
            ),
        ],
        scenario: None,
    },
    NewsFixture {
        media_id: "sim_draft_weekly_digest_0002",
        hours_ago: 5,
        articles: &[
            article(
                "本周精选｜读者来信",
                "编辑部",
                "这一周，我们收到了 132 封来信，挑出其中五封与你分享。",
            ),
            article(
                "编辑手记：我们为什么做这期专题",
                "小周",
                "从选题到成稿的三周里，我们改了七次标题。",
            ),
            article("下周预告", "编辑部", "下周我们将走进一家开了三十年的书店。"),
        ],
        scenario: None,
    },
    NewsFixture {
        media_id: "sim_draft_single_article_0003",
        hours_ago: 26,
        articles: &[article(
            "门店搬迁通知",
            "客服中心",
            "5 月 1 日起，人民路门店搬至中山路 88 号。",
        )],
        scenario: None,
    },
    NewsFixture {
        media_id: "sim_draft_english_article_0004",
        hours_ago: 50,
        articles: &[article(
            "Product update: what's new in April",
            "Product team",
            "Three improvements you asked for, and one you did not expect.",
        )],
        scenario: None,
    },
    NewsFixture {
        media_id: "sim_draft_checkstate_1",
        hours_ago: 72,
        articles: &[article(
            "转载测试：CheckState=1（未被判为转载，可以群发）",
            "模拟器",
            "群发后原创校验结果为 CheckState=1，群发成功。",
        )],
        scenario: Some("check(1)"),
    },
    NewsFixture {
        media_id: "sim_draft_checkstate_2",
        hours_ago: 73,
        articles: &[
            article(
                "转载测试：CheckState=2（被判为转载，可以群发）",
                "模拟器",
                "第一篇被判为转载且原作者允许转载：选择“被判为转载时继续群发”则群发成功，否则失败 err(30003)。",
            ),
            article("第二篇：未被判为转载", "模拟器", "这一篇的原创校验通过。"),
        ],
        scenario: Some("check(2)"),
    },
    NewsFixture {
        media_id: "sim_draft_checkstate_3",
        hours_ago: 74,
        articles: &[article(
            "转载测试：CheckState=3（被判为转载，不能群发）",
            "模拟器",
            "原作者禁止转载，群发失败 err(30002)。",
        )],
        scenario: Some("check(3)"),
    },
    NewsFixture {
        media_id: "sim_draft_review_ad_10001",
        hours_ago: 96,
        articles: &[article(
            "审核测试：涉嫌广告 err(10001)",
            "模拟器",
            "群发被接受，随后审核不通过，结果为 err(10001)。",
        )],
        scenario: Some("err(10001)"),
    },
    NewsFixture {
        media_id: "sim_draft_autosaved_48021",
        hours_ago: 97,
        articles: &[article(
            "自动保存的草稿：群发返回 48021",
            "模拟器",
            "该草稿最后一次是系统自动保存的，不允许群发。",
        )],
        scenario: Some("errcode(48021)"),
    },
    NewsFixture {
        media_id: "sim_draft_declare_original_41040",
        hours_ago: 98,
        articles: &[article(
            "原创声明不合规：群发返回 41040",
            "模拟器",
            "不符合声明文字原创的要求。",
        )],
        scenario: Some("errcode(41040)"),
    },
    NewsFixture {
        media_id: "sim_draft_admin_confirm_89505",
        hours_ago: 120,
        articles: &[article(
            "管理员确认测试：返回 89505，管理员拒绝",
            "模拟器",
            "群发进入管理员确认流程，随后管理员拒绝，结果为 err(40001)。",
        )],
        scenario: Some("admin(89505,reject)"),
    },
    NewsFixture {
        media_id: "sim_draft_no_callback",
        hours_ago: 121,
        articles: &[article(
            "无回调测试：群发成功但不推送结果",
            "模拟器",
            "群发成功，但不推送 MASSSENDJOBFINISH，只能用“查询群发状态”刷新。",
        )],
        scenario: Some("nocallback"),
    },
    // Older drafts, so the picker has more than one page.
    NewsFixture {
        media_id: "sim_draft_archive_0013",
        hours_ago: 200,
        articles: &[article(
            "往期回顾：去年的春季新品",
            "编辑部",
            "一年前的今天，我们发布了什么。",
        )],
        scenario: None,
    },
    NewsFixture {
        media_id: "sim_draft_archive_0014",
        hours_ago: 210,
        articles: &[article(
            "读者问答：包装可以回收吗",
            "客服中心",
            "关于包装回收的五个问题。",
        )],
        scenario: None,
    },
    NewsFixture {
        media_id: "sim_draft_archive_0015",
        hours_ago: 220,
        articles: &[article(
            "门店活动：周末手作课",
            "运营部",
            "周六下午，来店里做一只陶杯。",
        )],
        scenario: None,
    },
    NewsFixture {
        media_id: "sim_draft_archive_0016",
        hours_ago: 230,
        articles: &[article(
            "Behind the scenes: our warehouse",
            "Product team",
            "Where your parcel waits before it leaves.",
        )],
        scenario: None,
    },
    NewsFixture {
        media_id: "sim_draft_archive_0017",
        hours_ago: 240,
        articles: &[article(
            "招聘：我们在找一位文字编辑",
            "人事部",
            "如果你喜欢文字，欢迎来信。",
        )],
        scenario: None,
    },
    NewsFixture {
        media_id: "sim_draft_archive_0018",
        hours_ago: 250,
        articles: &[article(
            "年终盘点：十篇最受欢迎的文章",
            "编辑部",
            "这一年，你最常读的是哪一篇？",
        )],
        scenario: None,
    },
    NewsFixture {
        media_id: "sim_draft_archive_0019",
        hours_ago: 260,
        articles: &[article(
            "节日特刊：给家人的一封信",
            "编辑部",
            "写给家人的话，我们替你寄出。",
        )],
        scenario: None,
    },
    NewsFixture {
        media_id: "sim_draft_archive_0020",
        hours_ago: 270,
        articles: &[article(
            "Customer stories: three readers",
            "Editorial",
            "Three readers tell us how they use our products.",
        )],
        scenario: None,
    },
    NewsFixture {
        media_id: "sim_draft_archive_0021",
        hours_ago: 280,
        articles: &[article("草稿：尚未命名的专题", "小周", "这篇草稿还在写。")],
        scenario: None,
    },
    // Two articles that no other browser test sends: a send uses a draft
    // up, and deleting one article of a send needs a send of several.
    NewsFixture {
        media_id: "sim_draft_two_articles_0022",
        hours_ago: 290,
        articles: &[
            article(
                "秋季书单：十本好书",
                "编辑部",
                "这个秋天，编辑部读了这些书。",
            ),
            article(
                "书店地图：城里的独立书店",
                "小周",
                "从人民路到中山路，一条线走完。",
            ),
        ],
        scenario: None,
    },
];

/// Permanent news materials (`material/batchget_material type=news`); they
/// can be sent as `mpnews` too and, unlike drafts, survive a send.
pub(crate) const NEWS: &[NewsFixture] = &[
    NewsFixture {
        media_id: "sim_news_about_us",
        hours_ago: 24 * 30,
        articles: &[article("关于我们", "品牌部", "我们是谁，我们在做什么。")],
        scenario: None,
    },
    NewsFixture {
        media_id: "sim_news_membership_guide",
        hours_ago: 24 * 45,
        articles: &[
            article("会员指南（一）：如何注册", "客服中心", "三步完成注册。"),
            article(
                "会员指南（二）：积分规则",
                "客服中心",
                "积分怎么来，怎么用。",
            ),
        ],
        scenario: None,
    },
];

pub(crate) struct MediaFixture {
    pub media_id: &'static str,
    pub name: &'static str,
    pub hours_ago: u64,
}

const fn media(media_id: &'static str, name: &'static str, hours_ago: u64) -> MediaFixture {
    MediaFixture {
        media_id,
        name,
        hours_ago,
    }
}

pub(crate) const IMAGES: &[MediaFixture] = &[
    media("aaa", "seed-aaa.jpg", 2),
    media("bbb", "seed-bbb.jpg", 2),
    media("ccc", "seed-ccc.jpg", 2),
    media("sim_image_cover_spring", "春季封面.jpg", 30),
    media("sim_image_store_photo", "门店实拍.png", 60),
    media("sim_image_qr_code", "qrcode.png", 200),
    // Older materials, so each picker has more than one page.
    media("sim_image_archive_01", "archive-01.jpg", 301),
    media("sim_image_archive_02", "archive-02.jpg", 302),
    media("sim_image_archive_03", "archive-03.jpg", 303),
    media("sim_image_archive_04", "archive-04.jpg", 304),
    media("sim_image_archive_05", "archive-05.jpg", 305),
    media("sim_image_archive_06", "archive-06.jpg", 306),
    media("sim_image_archive_07", "archive-07.jpg", 307),
    media("sim_image_archive_08", "archive-08.jpg", 308),
];

pub(crate) const VOICES: &[MediaFixture] = &[
    media("123dsdajkasd231jhksad", "seed-voice.mp3", 3),
    media("sim_voice_welcome", "欢迎语.mp3", 48),
    media("sim_voice_weekly_news", "weekly-news.amr", 100),
    // Older materials, so each picker has more than one page.
    media("sim_voice_archive_01", "voice-archive-01.mp3", 301),
    media("sim_voice_archive_02", "voice-archive-02.mp3", 302),
    media("sim_voice_archive_03", "voice-archive-03.mp3", 303),
    media("sim_voice_archive_04", "voice-archive-04.mp3", 304),
    media("sim_voice_archive_05", "voice-archive-05.mp3", 305),
    media("sim_voice_archive_06", "voice-archive-06.mp3", 306),
    media("sim_voice_archive_07", "voice-archive-07.mp3", 307),
    media("sim_voice_archive_08", "voice-archive-08.mp3", 308),
    media("sim_voice_archive_09", "voice-archive-09.mp3", 309),
    media("sim_voice_archive_10", "voice-archive-10.mp3", 310),
];

/// Video materials: to send one, convert it with `media/uploadvideo`.
pub(crate) const VIDEOS: &[MediaFixture] = &[
    media(
        "rF4UdIMfYK3efUfyoddYRMU50zMiRmmt_l0kszupYh_SzrcW5Gaheq05p_lHuOTQ",
        "发布会.mp4",
        10,
    ),
    media("sim_video_store_tour", "store-tour.mp4", 80),
    // Older materials, so each picker has more than one page.
    media("sim_video_archive_01", "video-archive-01.mp4", 301),
    media("sim_video_archive_02", "video-archive-02.mp4", 302),
    media("sim_video_archive_03", "video-archive-03.mp4", 303),
    media("sim_video_archive_04", "video-archive-04.mp4", 304),
    media("sim_video_archive_05", "video-archive-05.mp4", 305),
    media("sim_video_archive_06", "video-archive-06.mp4", 306),
    media("sim_video_archive_07", "video-archive-07.mp4", 307),
    media("sim_video_archive_08", "video-archive-08.mp4", 308),
    media("sim_video_archive_09", "video-archive-09.mp4", 309),
    media("sim_video_archive_10", "video-archive-10.mp4", 310),
];

/// Videos already converted by uploadvideo: (media_id, title, description).
pub(crate) const MPVIDEOS: &[(&str, &str, &str)] = &[(
    "IhdaAQXuvJtGzwwc0abfXnzeezfO0NgPK6AQYShD8RQYMTtfzbLdBIQkQziv2XJc",
    "发布会回顾",
    "三分钟看完新品发布会",
)];

/// Card (卡券) ids a `wxcard` send may use.
pub(crate) const CARDS: &[&str] = &["123dsdajkasd231jhksad", "pSimCard_member_10off"];

/// The image every article uses as its cover.
pub(crate) const COVER_MEDIA_ID: &str = "sim_image_cover_spring";

// ---------------------------------------------------------------------------
// The second account's set: a 服务号 for the same brand's members, with
// tags, ids and counts of its own.

const SECOND: Fixtures = Fixtures {
    followers: SECOND_FOLLOWERS,
    openid_prefix: "oSVC",
    biz: "MzSimService==",
    tags: SECOND_TAGS,
    drafts: SECOND_DRAFTS,
    news: SECOND_NEWS,
    images: SECOND_IMAGES,
    voices: SECOND_VOICES,
    videos: SECOND_VIDEOS,
    mpvideos: &[],
    cards: &["pSvcCard_gold_member_birthday"],
    cover: "svc_image_member_card",
};

const SECOND_TAGS: &[TagFixture] = &[
    // 星标组 is WeChat's own tag: every account has it.
    TagFixture {
        id: 2,
        name: "星标组",
        count: 8,
    },
    TagFixture {
        id: 120,
        name: "金卡会员",
        count: 842,
    },
    TagFixture {
        id: 121,
        name: "银卡会员",
        count: 2_315,
    },
    TagFixture {
        id: 122,
        name: "上海门店顾客",
        count: 1_120,
    },
    TagFixture {
        id: 123,
        name: "待回访客户",
        count: 57,
    },
];

const SECOND_DRAFTS: &[NewsFixture] = &[
    NewsFixture {
        media_id: "svc_draft_member_day_0001",
        hours_ago: 2,
        articles: &[
            article(
                "会员日：金卡会员双倍积分",
                "会员中心",
                "本月 18 日会员日，金卡会员消费积分翻倍。",
            ),
            article(
                "积分兑换指南",
                "会员中心",
                "积分可以兑换优惠券、停车券和咖啡。",
            ),
        ],
        scenario: None,
    },
    NewsFixture {
        media_id: "svc_draft_service_hours_0002",
        hours_ago: 30,
        articles: &[article(
            "客服时间调整通知",
            "客服中心",
            "即日起，在线客服服务时间延长至晚上十点。",
        )],
        scenario: None,
    },
    NewsFixture {
        media_id: "svc_draft_new_store_0003",
        hours_ago: 80,
        articles: &[article(
            "上海新店开业：到店有礼",
            "门店运营",
            "淮海中路新店本周六开业，前一百位到店顾客有礼。",
        )],
        scenario: None,
    },
];

const SECOND_NEWS: &[NewsFixture] = &[NewsFixture {
    media_id: "svc_news_service_guide",
    hours_ago: 24 * 20,
    articles: &[article(
        "服务指南：预约、退换与发票",
        "客服中心",
        "常见服务，一页看完。",
    )],
    scenario: None,
}];

const SECOND_IMAGES: &[MediaFixture] = &[
    media("svc_image_member_card", "会员卡.png", 4),
    media("svc_image_new_store", "淮海中路新店.jpg", 40),
    media("svc_image_service_qr", "客服二维码.png", 300),
];

const SECOND_VOICES: &[MediaFixture] = &[media("svc_voice_hotline", "客服热线提示音.mp3", 100)];

const SECOND_VIDEOS: &[MediaFixture] = &[media("svc_video_member_guide", "会员卡使用指南.mp4", 60)];
