//! The third audience's fields: a list of followers by OpenID, pasted (one
//! a line, or a CSV with an `openid` column or a single column) or read
//! from a .txt/.csv file, or a list saved earlier under a name. "Check
//! list" asks the server what the list holds (how many, duplicates removed,
//! lines that are not OpenIDs). Without JavaScript the pasted list and the
//! saved lists work; a file is read into the field only with JavaScript
//! (the page says so), and the count comes with the confirmation.

use leptos::prelude::*;

use super::{FieldErrorText, has_error};
use crate::i18n::Lang;
use crate::sends::lists::{SavedList, check_openids};
use crate::sends::{Field, FieldError, group_digits};

#[component]
pub fn OpenIdsField(
    lang: Lang,
    openids: String,
    openid_list: String,
    save_as: String,
    lists: Vec<SavedList>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let text = RwSignal::new(openids.clone());
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let account = crate::ui::account_slug();
    let check =
        Action::new(move |text: &String| check_openids(account.get_untracked(), text.clone()));
    let described = format!("openids-hint {}", Field::OpenIds.error_id());
    view! {
        <div class="openid-picker">
            <label for="openids">
                {lang.pick("粉丝 OpenID", "Followers' OpenIDs")}
            </label>
            <p class="note" id="openids-hint">
                {lang.pick(
                    "每行一个；或粘贴 CSV：取表头为 openid 的列，只有一列时取这一列；表头行会跳过。重复的会去掉。至少 2 个。",
                    "One a line; or paste a CSV: its column headed openid, or its only column; the header line is skipped. Duplicates are removed. At least 2.",
                )}
            </p>
            <textarea
                id="openids"
                name="form[openids]"
                rows="6"
                spellcheck="false"
                autocomplete="off"
                aria-invalid=move || has_error(errors, Field::OpenIds)
                aria-describedby=described
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            >
                {openids}
            </textarea>
            <FieldErrorText lang field=Field::OpenIds errors />
            <span class="openid-file">
                <label for="openids-file">
                    {lang.pick("或从文件读入（.txt 或 .csv）", "Or read a file (.txt or .csv)")}
                </label>
                <input
                    id="openids-file"
                    type="file"
                    accept=".txt,.csv,text/plain,text/csv"
                    disabled=move || !hydrated.get()
                    on:change=move |ev| read_file(&ev, text)
                />
            </span>
            <p class="note" hidden=move || hydrated.get()>
                {lang.pick(
                    "读入文件需要 JavaScript；没有 JavaScript 时请把名单粘贴到上面的框里。",
                    "Reading a file needs JavaScript; without it, paste the list into the box above.",
                )}
            </p>
            <button
                type="button"
                hidden=move || !hydrated.get()
                disabled=move || check.pending().get()
                on:click=move |_| {
                    check.dispatch(text.get_untracked());
                }
            >
                {lang.pick("检查名单", "Check list")}
            </button>
            <p class="note" role="status" aria-live="polite">
                {move || match check.value().get() {
                    Some(Ok(found)) => found.words(lang),
                    Some(Err(error)) => error.words(lang).to_owned(),
                    None => String::new(),
                }}
            </p>
            <label for="openid-list-save">
                {lang.pick("把这份名单保存为（可不填）", "Save this list as (optional)")}
            </label>
            <input id="openid-list-save" type="text" name="form[openid_list_save]" value=save_as maxlength="60" />
            <label for="openid-list">{lang.pick("或用已保存的名单", "Or use a saved list")}</label>
            <select
                id="openid-list"
                name="form[openid_list]"
                aria-invalid=move || has_error(errors, Field::OpenIdList)
                aria-describedby=Field::OpenIdList.error_id()
            >
                <option value="" selected=openid_list.is_empty()>
                    {lang.pick("（不用，发给上面粘贴的名单）", "(none: the list pasted above)")}
                </option>
                {lists
                    .into_iter()
                    .map(|list| {
                        let id = list.id.to_string();
                        let selected = id == openid_list;
                        let label = saved_label(lang, &list);
                        view! { <option value=id selected=selected>{label}</option> }
                    })
                    .collect_view()}
            </select>
            <FieldErrorText lang field=Field::OpenIdList errors />
        </div>
    }
}

/// "VIP (1,200 OpenIDs)".
fn saved_label(lang: Lang, list: &SavedList) -> String {
    let n = group_digits(list.size.max(0) as u64);
    match lang {
        Lang::Zh => format!("{}（{n} 个 OpenID）", list.name),
        Lang::En => format!("{} ({n} OpenIDs)", list.name),
    }
}

/// Reads the chosen file's text into the field (the browser reads it; the
/// server checks it with the form).
#[cfg(feature = "hydrate")]
fn read_file(ev: &leptos::ev::Event, text: RwSignal<String>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<leptos::web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return;
    };
    let done =
        Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |value: wasm_bindgen::JsValue| {
            if let Some(read) = value.as_string() {
                text.set(read);
            }
        });
    let _ = file.text().then(&done);
    // One small closure per file chosen, kept for the promise to call.
    done.forget();
}

#[cfg(not(feature = "hydrate"))]
fn read_file(_: &leptos::ev::Event, _: RwSignal<String>) {}
