//! An article (图文): a draft's media id, typed or picked, and what to do
//! when WeChat judges the article a reprint.

use leptos::prelude::*;

use super::picker::Picker;
use super::{FieldErrorText, has_error};
use crate::i18n::Lang;
use crate::sends::{Field, FieldError, MediaChoice};

#[component]
pub fn MpNewsFields(
    lang: Lang,
    media_id: String,
    /// The form's `send_ignore_reprint`: `1` goes on with an allowed reprint.
    ignore_reprint: String,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    // The picker fills it in.
    let media = RwSignal::new(media_id.clone());
    let go_on = ignore_reprint == "1";
    view! {
        <div class="fields fields-mpnews">
            <label for="mpnews-media">{lang.pick("图文 media_id", "Article media_id")}</label>
            <input
                id="mpnews-media"
                name="form[mpnews_media_id]"
                type="text"
                autocomplete="off"
                value=media_id
                prop:value=move || media.get()
                on:input=move |ev| media.set(event_target_value(&ev))
                aria-invalid=move || has_error(errors, Field::MpNewsMedia)
                aria-describedby=Field::MpNewsMedia.error_id()
            />
            <FieldErrorText lang field=Field::MpNewsMedia errors />
            <Picker
                lang
                source="drafts"
                label=lang.pick("从草稿箱选择", "Choose from drafts")
                on_pick=Callback::new(move |m: MediaChoice| media.set(m.media_id))
            />
            <fieldset>
                <legend>{lang.pick("文章被判定为转载时", "When an article is judged a reprint")}</legend>
                <span>
                    <input
                        type="radio"
                        id="reprint-stop"
                        name="form[send_ignore_reprint]"
                        value="0"
                        checked=!go_on
                    />
                    <label for="reprint-stop">
                        {lang.pick("停止群发（微信的默认做法）", "Stop the send (WeChat's default)")}
                    </label>
                </span>
                <span>
                    <input
                        type="radio"
                        id="reprint-continue"
                        name="form[send_ignore_reprint]"
                        value="1"
                        checked=go_on
                    />
                    <label for="reprint-continue">
                        {lang.pick(
                            "原作者允许转载时继续群发",
                            "Send anyway when the original author allows reprints",
                        )}
                    </label>
                </span>
                <p class="note">
                    {lang.pick(
                        "群发图文前，微信会把文章与原创库比较。未命中原创库：照常群发。命中且原作者允许转载：选“继续”时会继续群发，文章自动替换为原文样式、注明转载并显示来源；选“停止”时整次群发停止。命中且原作者禁止转载：不能群发。",
                        "Before an article goes out, WeChat compares it with its library of original articles. No match: it is sent. A match whose author allows reprints: with \"send anyway\" it goes out in the original's layout, marked as a reprint with its source; with \"stop\" the whole send stops. A match whose author forbids reprints: it cannot be sent.",
                    )}
                </p>
                <FieldErrorText lang field=Field::SendIgnoreReprint errors />
            </fieldset>
        </div>
    }
}
