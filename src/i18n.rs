//! The two languages of the console and the choice between them.

use serde::{Deserialize, Serialize};

/// A language the console speaks. Chinese first: editors read it first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The text of this language from a pair written side by side where it
    /// is used: the one way the console says something in two languages.
    /// Both are arguments, so a text missing in one language fails the build.
    pub const fn pick(self, chinese: &'static str, english: &'static str) -> &'static str {
        match self {
            Lang::Zh => chinese,
            Lang::En => english,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The value kept in the language cookie.
    pub fn from_code(code: &str) -> Option<Lang> {
        let code = code.trim().to_ascii_lowercase();
        if code == "zh" || code.starts_with("zh-") {
            Some(Lang::Zh)
        } else if code == "en" || code.starts_with("en-") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The first language of `Accept-Language` (by weight) that we speak;
    /// Chinese when none is.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default();
            let weight = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::from_code(tag)
                && best.is_none_or(|(w, _)| weight > w)
            {
                best = Some((weight, lang));
            }
        }
        best.map(|(_, lang)| lang).unwrap_or_default()
    }
}

/// Name of the cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "qunfa_lang";

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(dir: &std::path::Path, into: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, into);
            } else if path.extension().is_some_and(|e| e == "rs") {
                into.push(path);
            }
        }
    }

    /// One way to say a text in both languages: `lang.pick(…)` (or a
    /// `match` on `lang` around `format!`), never a language held as a
    /// `bool` nor a `(…, Lang::Zh) => "…"` arm beside its English one.
    #[test]
    fn texts_are_picked_by_a_lang() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        sources(&root.join("src"), &mut files);
        let forbidden = [
            "zh:bool",
            "tr(zh",
            "Lang::Zh)=>\"",
            "Lang::Zh)=>{\"",
            "Lang::Zh=>\"",
            "Lang::Zh=>{\"",
        ];
        let mut found = Vec::new();
        for file in files {
            let name = file
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            // Where `pick` is defined, beside `Lang::code`, which names the
            // languages and says nothing in them.
            if name == "src/i18n.rs" {
                continue;
            }
            let code: String = std::fs::read_to_string(&file)
                .unwrap()
                .split_whitespace()
                .collect();
            for pattern in forbidden {
                if code.contains(pattern) {
                    found.push(format!("{name}: {pattern}"));
                }
            }
        }
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn accept_language_picks_the_heaviest_language_we_speak() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(
            Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Lang::Zh
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR,en;q=0.5,zh;q=0.7"),
            Lang::Zh
        );
        assert_eq!(Lang::from_accept_language("fr-FR"), Lang::Zh);
        assert_eq!(Lang::from_accept_language(""), Lang::Zh);
        assert_eq!(Lang::from_accept_language("de;q=1, en-GB;q=0.3"), Lang::En);
    }
}
