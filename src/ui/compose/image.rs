//! Images (图片): their media ids in order, typed or added from the
//! materials, with a title, a recommendation and who may comment.

use leptos::prelude::*;

use super::picker::Picker;
use super::{FieldErrorText, has_error};
use crate::i18n::Lang;
use crate::sends::{Field, FieldError, MediaChoice};

#[component]
pub fn ImageFields(
    lang: Lang,
    /// One media id per line.
    media_ids: String,
    title: String,
    recommend: String,
    open_comment: bool,
    only_fans_can_comment: bool,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    // The picker adds to it.
    let media = RwSignal::new(media_ids.clone());
    view! {
        <div class="fields fields-image">
            <label for="image-media">
                {lang.pick("图片 media_id（每行一个，按顺序）", "Image media_ids (one per line, in order)")}
            </label>
            <textarea
                id="image-media"
                name="form[image_media_ids]"
                rows="4"
                prop:value=move || media.get()
                on:input=move |ev| media.set(event_target_value(&ev))
                aria-invalid=move || has_error(errors, Field::ImageMedia)
                aria-describedby=Field::ImageMedia.error_id()
            >
                {media_ids}
            </textarea>
            <FieldErrorText lang field=Field::ImageMedia errors />
            <Picker
                lang
                source="image"
                label=lang.pick("从图片素材添加", "Add from image materials")
                adds=true
                on_pick=Callback::new(move |m: MediaChoice| {
                    media
                        .update(|text| {
                            if !text.is_empty() && !text.ends_with('\n') {
                                text.push('\n');
                            }
                            text.push_str(&m.media_id);
                        })
                })
            />
            <label for="image-title">{lang.pick("标题", "Title")}</label>
            <input
                id="image-title"
                name="form[image_title]"
                type="text"
                value=title
                aria-describedby=Field::ImageTitle.error_id()
            />
            <FieldErrorText lang field=Field::ImageTitle errors />
            <label for="image-recommend">{lang.pick("推荐语", "Recommendation")}</label>
            <textarea
                id="image-recommend"
                name="form[image_recommend]"
                rows="2"
                aria-describedby=Field::ImageRecommend.error_id()
            >
                {recommend}
            </textarea>
            <FieldErrorText lang field=Field::ImageRecommend errors />
            <span>
                <input
                    type="checkbox"
                    id="image-open-comment"
                    name="form[image_need_open_comment]"
                    value="1"
                    checked=open_comment
                />
                <label for="image-open-comment">{lang.pick("开启评论", "Open comments")}</label>
            </span>
            <span>
                <input
                    type="checkbox"
                    id="image-fans-comment"
                    name="form[image_only_fans_can_comment]"
                    value="1"
                    checked=only_fans_can_comment
                />
                <label for="image-fans-comment">
                    {lang.pick("只有粉丝能评论", "Only followers can comment")}
                </label>
            </span>
            <FieldErrorText lang field=Field::ImageFlags errors />
        </div>
    }
}
