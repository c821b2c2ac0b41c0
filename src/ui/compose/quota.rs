//! What is left of the account's mass-send quota, beside the audience:
//! "今天还可群发 1 次（北京时间 0 点恢复）", with the note that sends made in
//! the WeChat web console count too. It comes with the page, for the
//! audience the form has; once hydrated it follows the audience radios (a
//! 服务号's count is of its sends to all followers), asking
//! `account_quota` again.

use leptos::prelude::*;

use crate::i18n::Lang;
use crate::sends::quota::{AccountQuota, Quota, console_note};

#[component]
pub fn QuotaLine(
    lang: Lang,
    /// The form's audience is all followers.
    to_all: bool,
    /// The quota of that audience, loaded with the page.
    quota: Option<Quota>,
) -> impl IntoView {
    let shown = RwSignal::new(quota);
    let ask = ServerAction::<AccountQuota>::new();
    let account = crate::ui::account_slug();
    follow_audience(to_all, move |to_all| {
        ask.dispatch(AccountQuota {
            account: account.get_untracked(),
            to_all,
        });
    });
    Effect::new(move |_| {
        // The line is a help: when it cannot be had, the last one stays.
        if let Some(Ok(quota)) = ask.value().get() {
            shown.set(Some(quota));
        }
    });
    view! {
        <div class="quota" aria-live="polite">
            {move || {
                shown
                    .get()
                    .map(|quota| {
                        let class = if quota.counted() && quota.left == 0 {
                            "quota-left quota-none"
                        } else {
                            "quota-left"
                        };
                        view! {
                            <p class=class id="quota-left">{quota.line(lang)}</p>
                            {quota.counted().then(|| view! { <p class="hint">{console_note(lang)}</p> })}
                        }
                    })
            }}
        </div>
    }
}

/// Calls `changed` with whether all followers are chosen whenever the
/// audience radios say otherwise than `to_all`.
fn follow_audience(to_all: bool, changed: impl Fn(bool) + Clone + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        use leptos::web_sys::HtmlInputElement;
        const NAME: &str = "form[audience]";
        let current = StoredValue::new(to_all);
        let choose = move |all: bool| {
            if current.get_value() != all {
                current.set_value(all);
                changed(all);
            }
        };
        // The browser may have restored another choice than the page's.
        let restored = choose.clone();
        Effect::new(move |_| {
            let checked = document()
                .query_selector("input[name='form[audience]']:checked")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<HtmlInputElement>().ok());
            if let Some(input) = checked {
                restored(input.value() == "all");
            }
        });
        let handle = window_event_listener(leptos::ev::change, move |ev| {
            let input = ev
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok());
            if let Some(input) = input.filter(|i| i.name() == NAME) {
                choose(input.value() == "all");
            }
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (to_all, changed);
}
