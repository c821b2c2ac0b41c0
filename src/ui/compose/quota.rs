//! What is left of the account's mass-send quota, beside the audience:
//! "今天还可群发 1 次（北京时间 0 点恢复）", with the note that sends made in
//! the WeChat web console count too. Once hydrated it follows the audience
//! radios (a 服务号's count is of its sends to all followers); before, it
//! is the one of the audience the form has.

use leptos::prelude::*;

use crate::i18n::Lang;
use crate::sends::quota::{account_quota, console_note};

#[component]
pub fn QuotaLine(
    lang: Lang,
    /// The form's audience is all followers.
    to_all: bool,
) -> impl IntoView {
    let account = crate::ui::account_slug();
    let to_all = RwSignal::new(to_all);
    follow_audience(to_all);
    let quota = Resource::new(
        move || (account.get(), to_all.get()),
        |(account, to_all)| account_quota(account, to_all),
    );
    view! {
        <div class="quota" aria-live="polite">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    // The line is a help: without it the form still sends.
                    quota.await.ok().map(|quota| {
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
                })}
            </Transition>
        </div>
    }
}

/// Keeps `to_all` on the audience radio that is checked.
fn follow_audience(to_all: RwSignal<bool>) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        use leptos::web_sys::HtmlInputElement;
        const NAME: &str = "form[audience]";
        let choose = move |all: bool| {
            if to_all.get_untracked() != all {
                to_all.set(all);
            }
        };
        // The browser may have restored another choice than the page's.
        Effect::new(move |_| {
            let checked = document()
                .query_selector("input[name='form[audience]']:checked")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<HtmlInputElement>().ok());
            if let Some(input) = checked {
                choose(input.value() == "all");
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
    let _ = to_all;
}
