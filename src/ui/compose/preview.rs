//! Preview on a phone first: the form as it is, to one WeChat ID or
//! OpenID (`message/mass/preview`).

use leptos::form::FromFormData;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::i18n::Lang;
use crate::sends::Field;
use crate::sends::api::{PreviewOutcome, PreviewSend};

#[component]
pub fn PreviewFields(
    lang: Lang,
    preview: ServerAction<PreviewSend>,
    /// The compose form, whose fields the preview sends.
    form_ref: NodeRef<leptos::html::Form>,
) -> impl IntoView {
    let on_preview = move |ev: leptos::ev::MouseEvent| {
        // With JavaScript the page stays; without it the button posts the
        // form to the preview function itself (`formaction`).
        ev.prevent_default();
        let Some(form) = form_ref.get() else { return };
        let Ok(data) = leptos::web_sys::FormData::new_with_form(&form) else {
            return;
        };
        if let Ok(args) = PreviewSend::from_form_data(&data) {
            preview.dispatch(args);
        }
    };
    let sent = lang.pick(
        "预览已发送，请在手机上查看。",
        "The preview was sent: check the phone.",
    );
    // From this page's action, or from the address after a form sent
    // without JavaScript.
    let query = use_query_map();
    let words = move || {
        match preview.value().get() {
        Some(Ok(PreviewOutcome::Sent)) => Some((false, sent.to_owned())),
        Some(Ok(PreviewOutcome::Failed(words))) => Some((true, words)),
        Some(Ok(PreviewOutcome::Invalid(list))) => Some((
            true,
            list.iter()
                .map(|e| e.words(lang))
                .collect::<Vec<_>>()
                .join(" "),
        )),
        Some(Err(error)) => Some((true, error.words(lang).to_owned())),
        None => query.with(|q| match q.get("preview").as_deref() {
            Some("sent") => Some((false, sent.to_owned())),
            Some("failed") => Some((
                true,
                lang.pick(
                    "预览没有发送成功：微信拒绝了或没有应答。请检查接收者后重试。",
                    "The preview was not sent: WeChat refused it or did not answer. Check the recipient and try again.",
                )
                .to_owned(),
            )),
            Some("invalid") => Some((
                true,
                lang.pick(
                    "预览没有发送：请先改正标出的问题，并填写接收者。",
                    "The preview was not sent: fix the marked fields and give a recipient.",
                )
                .to_owned(),
            )),
            _ => None,
        }),
    }
    };
    view! {
        <fieldset class="preview">
            <legend>{lang.pick("先在手机上预览", "Preview on a phone first")}</legend>
            <span>
                <input type="radio" id="preview-wxname" name="preview_kind" value="wxname" checked=true />
                <label for="preview-wxname">{lang.pick("微信号", "WeChat ID")}</label>
            </span>
            <span>
                <input type="radio" id="preview-openid" name="preview_kind" value="openid" />
                <label for="preview-openid">"OpenID"</label>
            </span>
            <label for="preview-to">{lang.pick("预览接收者", "Preview recipient")}</label>
            <input
                id="preview-to"
                name="preview_to"
                type="text"
                autocomplete="off"
                aria-describedby=Field::PreviewTo.error_id()
            />
            <button
                type="submit"
                formaction=PreviewSend::url()
                on:click=on_preview
                disabled=move || preview.pending().get()
            >
                {lang.pick("预览", "Preview")}
            </button>
            {move || {
                words()
                    .map(|(is_error, words)| {
                        if is_error {
                            view! { <p class="error" role="alert" id=Field::PreviewTo.error_id()>{words}</p> }.into_any()
                        } else {
                            view! { <p class="ok" role="status">{words}</p> }.into_any()
                        }
                    })
            }}
        </fieldset>
    }
}
