//! To whom: all followers, or one tag from a searchable list with follower
//! counts.

use leptos::prelude::*;

use super::{FieldErrorText, has_error};
use crate::i18n::Lang;
use crate::sends::api::{Listing, list_tags};
use crate::sends::{Field, FieldError, TagChoice, group_digits};

#[component]
pub fn AudienceChooser(
    lang: Lang,
    /// The form's `audience`: `all` or `tag`.
    audience: String,
    tag_id: String,
    tags: Listing<Vec<TagChoice>>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let tags = RwSignal::new(tags);
    let search = RwSignal::new(String::new());
    let selected = RwSignal::new(tag_id);
    let refresh = Action::new(|_: &()| list_tags());
    Effect::new(move |_| {
        if let Some(Ok(fresh)) = refresh.value().get() {
            tags.set(fresh);
        }
    });
    view! {
        <fieldset class="audience">
            <legend>{lang.pick("发送对象", "Audience")}</legend>
            <span>
                <input
                    type="radio"
                    id="audience-all"
                    name="form[audience]"
                    value="all"
                    checked=audience == "all"
                />
                <label for="audience-all">{lang.pick("全部粉丝", "All followers")}</label>
            </span>
            <span>
                <input
                    type="radio"
                    id="audience-tag"
                    name="form[audience]"
                    value="tag"
                    checked=audience != "all"
                />
                <label for="audience-tag">{lang.pick("按标签", "One tag")}</label>
            </span>
            <FieldErrorText lang field=Field::Audience errors />
            <div class="tag-picker">
                <label for="tag-search">{lang.pick("搜索标签", "Search tags")}</label>
                <input
                    id="tag-search"
                    type="search"
                    autocomplete="off"
                    on:input=move |ev| search.set(event_target_value(&ev))
                />
                <label for="tag-select">{lang.pick("标签", "Tag")}</label>
                {move || match tags.get() {
                    Ok(list) => {
                        view! {
                            <select
                                id="tag-select"
                                name="form[tag_id]"
                                size="6"
                                on:change=move |ev| selected.set(event_target_value(&ev))
                                aria-invalid=move || has_error(errors, Field::Tag)
                                aria-describedby=Field::Tag.error_id()
                            >
                                {list
                                    .into_iter()
                                    .map(|tag| {
                                        let id = tag.id.to_string();
                                        let name = tag.name.clone();
                                        let label = tag_label(lang, &tag);
                                        let value = id.clone();
                                        view! {
                                            <option
                                                value=value
                                                selected=move || selected.get() == id
                                                hidden=move || {
                                                    let wanted = search.get();
                                                    !wanted.trim().is_empty()
                                                        && !name.to_lowercase().contains(&wanted.trim().to_lowercase())
                                                }
                                            >
                                                {label}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </select>
                        }
                            .into_any()
                    }
                    Err(words) => {
                        view! {
                            <p class="error" role="alert">
                                {lang.pick("无法读取标签：", "The tags cannot be listed: ")} {words}
                            </p>
                            <input type="hidden" name="form[tag_id]" value=selected.get_untracked() />
                        }
                            .into_any()
                    }
                }}
                <FieldErrorText lang field=Field::Tag errors />
                <button type="button" on:click=move |_| { refresh.dispatch(()); } disabled=move || refresh.pending().get()>
                    {lang.pick("刷新标签", "Refresh tags")}
                </button>
                {move || match refresh.value().get() {
                    Some(Err(error)) => Some(view! { <p class="error" role="alert">{error.words(lang)}</p> }),
                    _ => None,
                }}
            </div>
        </fieldset>
    }
}

/// "VIP会员 (1,286 followers)".
fn tag_label(lang: Lang, tag: &TagChoice) -> String {
    let count = group_digits(tag.count);
    match lang {
        Lang::Zh => format!("{}（{count} 人）", tag.name),
        Lang::En => format!("{} ({count} followers)", tag.name),
    }
}
