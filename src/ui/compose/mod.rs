//! `/a/:account/compose`: one form per message type of the seed (radios that CSS turns
//! into tabs, so they work before hydration), the audience with its tag
//! picker, media pickers, preview, and the send with its confirmation.
//!
//! The page holds the form and its state (the answers of "Send",
//! "Confirm" and "Preview"); each message type's fields are a component of
//! their own file (`mpnews`, `text`, `voice`, `image`, `mpvideo`,
//! `wxcard`), beside the parts they share (`picker`, `audience`,
//! `quota` (what is left of the account's mass-send quota), `preview`,
//! `confirm`, `result`).
//!
//! Without JavaScript every button posts the form: "Send" and "Preview"
//! come back as `/a/<account>/compose?attempt=…` (the form again, with its
//! problems or the confirmation), "Confirm" as `…/compose?sent=…` (the
//! result). The tag search sends the whole form as a GET
//! (`…/compose?tag_search=…&form[…]=…`), and the page fills the form from
//! it again. `…/compose?draft=<media_id>` opens the form with that draft
//! chosen (the article editor's "Send…").
//!
//! After a send the result takes the form's place (the form is hidden, so
//! nothing typed can go out twice by accident); "Compose another" opens a
//! fresh page.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use super::{Page, lang, type_label};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::sends::api::{ConfirmSend, PrepareSend, PreviewSend, load_compose};
use crate::sends::{ComposeForm, ComposeSetup, Field, FieldError, PrepareOutcome};
use crate::ui::resource::{PageResource, page_resource};

mod accounts;
mod audience;
mod confirm;
mod image;
mod keep;
mod mpnews;
mod mpvideo;
mod openids;
mod pick;
mod picker;
mod preview;
mod quota;
mod result;
mod text;
mod voice;
mod when;
mod wxcard;

use accounts::AlsoSendTo;
use audience::AudienceChooser;
use confirm::ConfirmDialog;
use image::ImageFields;
use mpnews::MpNewsFields;
use mpvideo::MpVideoFields;
pub use pick::PickPage;
use preview::PreviewFields;
use quota::QuotaLine;
use result::SendResultPanel;
use text::TextFields;
use voice::VoiceFields;
use when::WhenChooser;
use wxcard::WxCardFields;

/// The message types of the seed, in the order of the tabs.
const MESSAGE_TYPES: [&str; 6] = ["mpnews", "text", "voice", "image", "mpvideo", "wxcard"];

#[component]
pub fn ComposePage() -> impl IntoView {
    let query = use_query_map();
    let account = super::account_slug();
    let setup = page_resource(
        move || {
            query.with(|q| {
                (
                    account.get(),
                    q.get("attempt"),
                    q.get("sent").and_then(|s| s.parse::<i64>().ok()),
                )
            })
        },
        |(account, attempt, sent)| load_compose(account, attempt, sent),
    );
    // Made outside `Page`, whose children may run more than once (see `Page`).
    view! {
        <Page title=|lang| lang.pick("撰写", "Compose")>
            <ComposeBody setup />
        </Page>
    }
}

#[component]
fn ComposeBody(setup: PageResource<Result<ComposeSetup, AppError>>) -> impl IntoView {
    view! {
        <Suspense fallback=move || view! { <p>{lang().pick("加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match setup.await {
                    Ok(setup) => view! { <Composer lang=lang() setup /> }.into_any(),
                    Err(error) => super::error_view(lang(), error),
                }
            })}
        </Suspense>
    }
}

/// The form, the answers to its buttons, and the confirmation.
#[component]
fn Composer(lang: Lang, setup: ComposeSetup) -> impl IntoView {
    let query = use_query_map();
    let prepare = ServerAction::<PrepareSend>::new();
    let confirm = ServerAction::<ConfirmSend>::new();
    let preview = ServerAction::<PreviewSend>::new();
    let editing = query.with_untracked(|q| q.get("edit").is_some());

    let tag_search = query.with_untracked(|q| q.get("tag_search").unwrap_or_default());
    let initial = setup
        .attempt
        .as_ref()
        .map(|a| a.form.clone())
        .or_else(|| query.with_untracked(form_from_query))
        .or_else(|| {
            // "Send…" and "Preview on my phone" of the article editor.
            query
                .with_untracked(|q| q.get("draft"))
                .map(|draft| ComposeForm {
                    clientmsgid: setup.clientmsgid.clone(),
                    msgtype: "mpnews".into(),
                    audience: "tag".into(),
                    send_ignore_reprint: "0".into(),
                    mpnews_media_id: draft,
                    ..ComposeForm::default()
                })
        })
        .unwrap_or_else(|| ComposeForm {
            clientmsgid: setup.clientmsgid.clone(),
            msgtype: "mpnews".into(),
            audience: "tag".into(),
            send_ignore_reprint: "0".into(),
            ..ComposeForm::default()
        });
    let from_page = setup
        .attempt
        .as_ref()
        .filter(|_| !editing)
        .map(|a| a.outcome.clone());
    let clientmsgid = RwSignal::new(initial.clientmsgid.clone());

    // The last answer to "Send": from this page's action, else from the
    // address (a form sent without JavaScript).
    let outcome = Memo::new(move |_| match prepare.value().get() {
        Some(Ok(outcome)) => Some(outcome),
        Some(Err(_)) => None,
        None => from_page.clone(),
    });
    let errors = Signal::derive(move || match outcome.get() {
        Some(PrepareOutcome::Invalid(errors)) => errors,
        _ => Vec::new(),
    });
    let dismissed = RwSignal::new(false);
    Effect::new(move |_| {
        // A new "Send" asks anew: the last confirmation and result go.
        if prepare.version().get() > 0 {
            dismissed.set(false);
            confirm.value().set(None);
        }
    });
    let sent_on_load = setup.sent.clone();
    let result = Memo::new(move |_| match confirm.value().get() {
        Some(Ok(result)) => Some(result),
        _ => sent_on_load.clone(),
    });
    // After a send this page composes a new message: a new clientmsgid.
    Effect::new(move |_| {
        if let Some(Ok(result)) = confirm.value().get() {
            clientmsgid.set(result.fresh_clientmsgid);
        }
    });
    let confirmation = move || match (outcome.get(), dismissed.get(), confirm.value().get()) {
        (Some(PrepareOutcome::Ready(c)), false, None | Some(Err(_))) => Some(*c),
        _ => None,
    };
    let page_problem = move || {
        let from_action = match prepare.value().get() {
            Some(Err(error)) => Some(error),
            _ => None,
        };
        from_action
            .or_else(|| query.with(|q| q.get("problem").and_then(|c| AppError::from_code(&c))))
            .filter(|_| confirmation().is_none())
            .map(|error| error.words(lang))
    };
    let form_ref = NodeRef::<leptos::html::Form>::new();
    keep::keep_across_language_switch(form_ref);

    let overseas = setup.overseas;
    let types: &[&str] = if overseas {
        &["mpnews"]
    } else {
        &MESSAGE_TYPES
    };
    let chosen_type = if overseas {
        "mpnews".to_owned()
    } else {
        initial.msgtype.clone()
    };

    let sent = move || result.with(Option::is_some);

    view! {
        {move || result.get().map(|r| view! { <SendResultPanel lang result=r /> })}
        {move || page_problem().map(|words| view! { <p class="error" role="alert">{words}</p> })}
        <div class="compose-form" hidden=sent>
        <ActionForm action=prepare node_ref=form_ref>
            <div class="compose">
                // The form's default button, first in it: Enter in a field
                // asks to confirm the send (as "Send" does), never a preview
                // or a picker.
                <button type="submit" class="default-submit" hidden aria-hidden="true" tabindex="-1"></button>
                <input type="hidden" name="account" value=super::account_slug().get_untracked() />
                // `value` for the page as served, `prop:value` once hydrated.
                <input
                    type="hidden"
                    name="form[clientmsgid]"
                    value=initial.clientmsgid.clone()
                    prop:value=move || clientmsgid.get()
                />
                <FieldErrorText lang field=Field::ClientMsgId errors />
                <fieldset class="types">
                    <legend>{lang.pick("消息类型", "Message type")}</legend>
                    {types
                        .iter()
                        .map(|&value| {
                            let id = format!("type-{value}");
                            view! {
                                <span class="type">
                                    <input
                                        type="radio"
                                        id=id.clone()
                                        name="form[msgtype]"
                                        value=value
                                        checked=chosen_type == value
                                    />
                                    <label for=id>{type_label(lang, value)}</label>
                                </span>
                            }
                        })
                        .collect_view()}
                    <FieldErrorText lang field=Field::MsgType errors />
                </fieldset>
                {overseas
                    .then(|| {
                        view! {
                            <p class="note">
                                {lang.pick(
                                    "这是海外公众号：微信只允许海外公众号群发图文消息，所以这里只有“图文”。",
                                    "This is an overseas account: WeChat lets overseas Official Accounts mass-send articles only, so only Article is offered.",
                                )}
                            </p>
                        }
                    })}

                <MpNewsFields
                    lang
                    media_id=initial.mpnews_media_id.clone()
                    ignore_reprint=initial.send_ignore_reprint.clone()
                    errors
                />
                <TextFields lang content=initial.text_content.clone() errors />
                <VoiceFields lang media_id=initial.voice_media_id.clone() errors />
                <ImageFields
                    lang
                    media_ids=initial.image_media_ids.clone()
                    title=initial.image_title.clone()
                    recommend=initial.image_recommend.clone()
                    open_comment=initial.image_need_open_comment.as_deref() == Some("1")
                    only_fans_can_comment=initial.image_only_fans_can_comment.as_deref() == Some("1")
                    errors
                />
                <MpVideoFields
                    lang
                    media_id=initial.mpvideo_media_id.clone()
                    title=initial.mpvideo_title.clone()
                    errors
                />
                <WxCardFields lang card_id=initial.card_id.clone() errors />

                <AudienceChooser
                    lang
                    audience=initial.audience.clone()
                    tag_id=initial.tag_id.clone()
                    search=tag_search
                    tags=setup.tags.clone()
                    errors
                />
                <openids::OpenIdsField
                    lang
                    openids=initial.openids.clone()
                    openid_list=initial.openid_list.clone()
                    save_as=initial.openid_list_save.clone()
                    lists=setup.openid_lists.clone()
                    errors
                />
                <QuotaLine lang to_all=initial.audience == "all" quota=setup.quota.clone() />

                <AlsoSendTo
                    lang
                    targets=setup.campaign_targets.clone()
                    ticked=initial.campaign_accounts.clone()
                    audience=initial.campaign_audience.clone()
                    errors
                />

                <WhenChooser
                    lang
                    when=initial.send_when.clone()
                    send_at=initial.send_at.clone()
                    zone=setup.time_zone.clone()
                    errors
                />

                <PreviewFields lang preview form_ref />

                <div class="send-row">
                    <button type="submit" class="primary" disabled=move || prepare.pending().get()>
                        {lang.pick("发送", "Send")}
                    </button>
                </div>
            </div>
        </ActionForm>
        </div>
        {move || {
            confirmation()
                .map(|c| {
                    view! { <ConfirmDialog lang confirmation=c confirm dismissed /> }
                })
        }}
    }
}

/// The form a tag search without JavaScript carried in the address (all
/// its fields, as `form[…]`), or `None` when the address has none.
fn form_from_query(query: &ParamsMap) -> Option<ComposeForm> {
    let field = |name: &str| query.get(&format!("form[{name}]"));
    let text = |name: &str| field(name).unwrap_or_default();
    Some(ComposeForm {
        clientmsgid: field("clientmsgid")?,
        msgtype: text("msgtype"),
        audience: text("audience"),
        tag_id: text("tag_id"),
        text_content: text("text_content"),
        mpnews_media_id: text("mpnews_media_id"),
        send_ignore_reprint: text("send_ignore_reprint"),
        voice_media_id: text("voice_media_id"),
        image_media_ids: text("image_media_ids"),
        image_recommend: text("image_recommend"),
        image_title: text("image_title"),
        image_need_open_comment: field("image_need_open_comment"),
        image_only_fans_can_comment: field("image_only_fans_can_comment"),
        mpvideo_media_id: text("mpvideo_media_id"),
        mpvideo_title: text("mpvideo_title"),
        card_id: text("card_id"),
        send_when: text("send_when"),
        send_at: text("send_at"),
        openids: text("openids"),
        openid_list: text("openid_list"),
        openid_list_save: text("openid_list_save"),
        // The other accounts' ticks are not carried through a tag search.
        ..ComposeForm::default()
    })
}

/// `aria-invalid` of a field: whether the last "Send" found a problem in it.
fn has_error(errors: Signal<Vec<FieldError>>, field: Field) -> &'static str {
    if errors.with(|list| list.iter().any(|e| e.field == field)) {
        "true"
    } else {
        "false"
    }
}

/// The problems of one field, in words, right beside it.
#[component]
fn FieldErrorText(lang: Lang, field: Field, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    let words = move || {
        errors.with(|list| {
            list.iter()
                .filter(|e| e.field == field)
                .map(|e| e.words(lang))
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    view! {
        <p class="field-error" id=field.error_id() hidden=move || words().is_empty()>
            {words}
        </p>
    }
}
