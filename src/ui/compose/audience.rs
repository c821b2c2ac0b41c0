//! To whom: all followers, a list of followers (`openids`), or one tag from a searchable list with follower
//! counts. A tag with no followers is offered but cannot be chosen. The
//! search filters as one types; without JavaScript its button sends the
//! form as a GET (`?tag_search=…`) and the page lists the matches.

use leptos::prelude::*;

use super::{FieldErrorText, has_error};
use crate::i18n::Lang;
use crate::sends::api::{Listing, list_tags};
use crate::sends::{Field, FieldError, TagChoice, group_digits};

#[component]
pub fn AudienceChooser(
    lang: Lang,
    /// The form's `audience`: `all`, `tag` or `list`.
    audience: String,
    tag_id: String,
    /// The search a form without JavaScript asked for (`?tag_search=`).
    search: String,
    tags: Listing<Vec<TagChoice>>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let tags = RwSignal::new(tags);
    let initial_search = search.clone();
    let search = RwSignal::new(search);
    // Once hydrated the list filters as one types, and the search button
    // has nothing left to do: it goes, and stops sending the form.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let selected = RwSignal::new(tag_id);
    let account = crate::ui::account_slug();
    let refresh = Action::new(move |_: &()| list_tags(account.get_untracked()));
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
                    checked=audience != "all" && audience != "list"
                />
                <label for="audience-tag">{lang.pick("按标签", "One tag")}</label>
            </span>
            <span>
                <input
                    type="radio"
                    id="audience-list"
                    name="form[audience]"
                    value="list"
                    checked=audience == "list"
                />
                <label for="audience-list">{lang.pick("指定粉丝列表", "A list of followers")}</label>
            </span>
            <FieldErrorText lang field=Field::Audience errors />
            <div class="tag-picker">
                <label for="tag-search">{lang.pick("搜索标签", "Search tags")}</label>
                <span class="tag-search">
                    <input
                        id="tag-search"
                        type="search"
                        name="tag_search"
                        autocomplete="off"
                        value=initial_search
                        on:input=move |ev| search.set(event_target_value(&ev))
                    />
                    <button
                        type=move || if hydrated.get() { "button" } else { "submit" }
                        formmethod="get"
                        formaction=crate::ui::account_href(&account.get_untracked(), "compose")
                        formnovalidate=true
                        hidden=move || hydrated.get()
                    >
                        {lang.pick("搜索", "Search")}
                    </button>
                </span>
                {move || no_match(lang, &search.get(), &tags.get())
                    .map(|words| view! { <p class="note" role="status">{words}</p> })}
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
                                                disabled=tag.count == 0
                                                hidden=move || !matches(&name, &search.get())
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
                    Some(Err(error)) => Some(view! { <p class="error" role="alert">{error.words(lang)}</p> }.into_any()),
                    Some(Ok(Ok(list))) => Some(view! { <p class="note" role="status">{refreshed(lang, list.len())}</p> }.into_any()),
                    // The list's own error paragraph says why.
                    Some(Ok(Err(_))) | None => None,
                }}
            </div>
        </fieldset>
    }
}

/// "VIP会员 (1,286 followers)"; "沉睡用户 (0 followers: nobody to send to)".
fn tag_label(lang: Lang, tag: &TagChoice) -> String {
    let count = group_digits(tag.count);
    match (lang, tag.count) {
        (Lang::Zh, 0) => format!("{}（0 人，无人可发）", tag.name),
        (Lang::En, 0) => format!("{} (0 followers: nobody to send to)", tag.name),
        (Lang::Zh, _) => format!("{}（{count} 人）", tag.name),
        (Lang::En, _) => format!("{} ({count} followers)", tag.name),
    }
}

/// Whether a tag named `name` is shown for the search `wanted` (any case).
fn matches(name: &str, wanted: &str) -> bool {
    let wanted = wanted.trim();
    wanted.is_empty() || name.to_lowercase().contains(&wanted.to_lowercase())
}

/// "No tag matches “xyz”." when a search leaves the list empty.
fn no_match(lang: Lang, wanted: &str, tags: &Listing<Vec<TagChoice>>) -> Option<String> {
    let list = tags.as_ref().ok()?;
    let wanted = wanted.trim();
    if wanted.is_empty() || list.iter().any(|t| matches(&t.name, wanted)) {
        return None;
    }
    Some(match lang {
        Lang::Zh => format!("没有与“{wanted}”匹配的标签。"),
        Lang::En => format!("No tag matches “{wanted}”."),
    })
}

/// "Tags refreshed: 6 tags."
fn refreshed(lang: Lang, count: usize) -> String {
    match (lang, count) {
        (Lang::Zh, n) => format!("标签已刷新：共 {n} 个。"),
        (Lang::En, 1) => "Tags refreshed: 1 tag.".to_owned(),
        (Lang::En, n) => format!("Tags refreshed: {n} tags."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(name: &str, count: u64) -> TagChoice {
        TagChoice {
            id: 1,
            name: name.to_owned(),
            count,
        }
    }

    #[test]
    fn an_empty_tag_says_so_in_its_label() {
        assert_eq!(
            tag_label(Lang::En, &tag("沉睡用户", 0)),
            "沉睡用户 (0 followers: nobody to send to)"
        );
        assert_eq!(tag_label(Lang::Zh, &tag("VIP", 1_286)), "VIP（1,286 人）");
    }

    #[test]
    fn a_search_without_a_match_says_so() {
        let tags = Ok(vec![tag("VIP会员", 3), tag("English readers", 2)]);
        assert_eq!(no_match(Lang::En, "english", &tags), None);
        assert_eq!(no_match(Lang::En, "  ", &tags), None);
        assert_eq!(
            no_match(Lang::En, " xyz ", &tags).as_deref(),
            Some("No tag matches “xyz”.")
        );
        assert_eq!(
            no_match(Lang::Zh, "xyz", &tags).as_deref(),
            Some("没有与“xyz”匹配的标签。")
        );
        assert_eq!(no_match(Lang::En, "xyz", &Err("down".into())), None);
    }
}
