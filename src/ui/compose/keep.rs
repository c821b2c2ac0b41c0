//! The compose form kept across a language switch. The switch is a plain
//! form post that reloads the page (`auth::login::set_language`), which
//! would lose what was typed; so just before it leaves, the form's fields
//! go into the tab's `sessionStorage`, and the page that comes back puts
//! them back once it has hydrated (its own clientmsgid stays: nothing was
//! sent yet). Without JavaScript nothing is kept this way; a form kept by
//! "Send", "Preview" or a picker is in the address (`?attempt=…`), which
//! the switch returns to.

use leptos::prelude::*;

/// Keeps the fields of `form` across a language switch of this page.
pub fn keep_across_language_switch(form: NodeRef<leptos::html::Form>) {
    #[cfg(feature = "hydrate")]
    browser::keep(form);
    #[cfg(not(feature = "hydrate"))]
    let _ = form;
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use leptos::wasm_bindgen::{JsCast, JsValue};
    use leptos::web_sys::js_sys::{Array, Function, Reflect};
    use leptos::web_sys::{
        HtmlFormElement, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement,
    };

    const KEY: &str = "qunfa-compose-form";
    /// Fields that belong to this page, not to what was typed.
    const NOT_KEPT: [&str; 2] = ["form[clientmsgid]", "pick"];

    /// One field as typed: its name, value and, for a radio or checkbox,
    /// whether it is ticked.
    type Saved = (String, String, bool);

    pub fn keep(form: NodeRef<leptos::html::Form>) {
        let restored = StoredValue::new(false);
        Effect::new(move |_| {
            if let Some(form) = form.get()
                && !restored.get_value()
            {
                restored.set_value(true);
                restore(&form);
            }
        });
        let handle = window_event_listener(leptos::ev::submit, move |ev| {
            let switch = ev
                .target()
                .and_then(|t| t.dyn_into::<HtmlFormElement>().ok());
            if switch.is_some_and(|s| s.action().ends_with("/lang"))
                && let Some(form) = form.get_untracked()
            {
                save(&form);
            }
        });
        on_cleanup(move || handle.remove());
    }

    fn storage_call(method: &str, args: &[&str]) -> Option<JsValue> {
        let storage = Reflect::get(&window(), &JsValue::from_str("sessionStorage")).ok()?;
        if storage.is_null() || storage.is_undefined() {
            return None;
        }
        let function: Function = Reflect::get(&storage, &JsValue::from_str(method))
            .ok()?
            .dyn_into()
            .ok()?;
        let args: Array = args.iter().map(|a| JsValue::from_str(a)).collect();
        function.apply(&storage, &args).ok()
    }

    /// Every named input, text area and select of `form`, as typed.
    fn fields(form: &HtmlFormElement) -> Vec<Saved> {
        let mut saved = Vec::new();
        for tag in ["input", "textarea", "select"] {
            let list = form.get_elements_by_tag_name(tag);
            for i in 0..list.length() {
                let Some(element) = list.item(i) else {
                    continue;
                };
                if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
                    let kind = input.type_();
                    let ticked = matches!(kind.as_str(), "radio" | "checkbox") && input.checked();
                    saved.push((input.name(), input.value(), ticked));
                } else if let Some(area) = element.dyn_ref::<HtmlTextAreaElement>() {
                    saved.push((area.name(), area.value(), false));
                } else if let Some(select) = element.dyn_ref::<HtmlSelectElement>() {
                    saved.push((select.name(), select.value(), false));
                }
            }
        }
        saved.retain(|(name, _, _)| !name.is_empty() && !NOT_KEPT.contains(&name.as_str()));
        saved
    }

    fn save(form: &HtmlFormElement) {
        if let Ok(json) = serde_json::to_string(&fields(form)) {
            storage_call("setItem", &[KEY, &json]);
        }
    }

    /// Tells the page's own handlers (`on:input`, `on:change`) of a value
    /// set here, so its signals follow.
    fn announce(element: &leptos::web_sys::Element) {
        let Ok(event) = document().create_event("Event") else {
            return;
        };
        for kind in ["input", "change"] {
            event.init_event_with_bubbles(kind, true);
            let _ = element.dispatch_event(&event);
        }
    }

    fn restore(form: &HtmlFormElement) {
        let Some(json) = storage_call("getItem", &[KEY]).and_then(|v| v.as_string()) else {
            return;
        };
        storage_call("removeItem", &[KEY]);
        let Ok(saved) = serde_json::from_str::<Vec<Saved>>(&json) else {
            return;
        };
        let value_of = |name: &str| {
            saved
                .iter()
                .find(|(n, _, _)| n == name)
                .map(|(_, v, _)| v.clone())
        };
        let ticked =
            |name: &str, value: &str| saved.iter().any(|(n, v, t)| n == name && v == value && *t);
        for tag in ["input", "textarea", "select"] {
            let list = form.get_elements_by_tag_name(tag);
            for i in 0..list.length() {
                let Some(element) = list.item(i) else {
                    continue;
                };
                if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
                    let name = input.name();
                    if name.is_empty() || NOT_KEPT.contains(&name.as_str()) {
                        continue;
                    }
                    match input.type_().as_str() {
                        "radio" | "checkbox" => {
                            let on = ticked(&name, &input.value());
                            if input.checked() != on {
                                input.set_checked(on);
                                announce(&element);
                            }
                        }
                        _ => {
                            if let Some(value) = value_of(&name).filter(|v| *v != input.value()) {
                                input.set_value(&value);
                                announce(&element);
                            }
                        }
                    }
                } else if let Some(area) = element.dyn_ref::<HtmlTextAreaElement>() {
                    if let Some(value) = value_of(&area.name()).filter(|v| *v != area.value()) {
                        area.set_value(&value);
                        announce(&element);
                    }
                } else if let Some(select) = element.dyn_ref::<HtmlSelectElement>()
                    && let Some(value) = value_of(&select.name()).filter(|v| *v != select.value())
                {
                    select.set_value(&value);
                    announce(&element);
                }
            }
        }
    }
}
