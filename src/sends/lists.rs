//! Lists of followers for `message/mass/send`: OpenIDs pasted or uploaded
//! (one a line, or a CSV with an `openid` column or a single column),
//! checked for their form, without duplicates, and lists saved under a name
//! per account (`openid_lists`). The reading of a list is shared with the
//! browser; the server functions and the store are about one account.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::group_digits;
use crate::error::AppError;
use crate::i18n::Lang;

/// The most OpenIDs one list sends to (ten calls of 10,000): far beyond a
/// hand-made list, and what `shell::arguments` lets through.
pub const MAX_OPENIDS: usize = 100_000;
/// The most a pasted or uploaded list's text may take (form-encoded about
/// 31 bytes an OpenID: 100,000 of them, with room for a CSV's other
/// columns); `shell::arguments` lets as much through for the functions
/// that carry one.
pub const MAX_TEXT_BYTES: usize = 8 * 1024 * 1024;
/// WeChat's own minimum per `mass/send` call.
pub const MIN_OPENIDS: usize = 2;
/// The most OpenIDs one call takes.
pub const PER_CALL: usize = 10_000;
/// Real OpenIDs are 28 characters; anything much shorter is a typo or a
/// cell of another column.
pub const MIN_OPENID_CHARS: usize = 16;
pub const MAX_OPENID_CHARS: usize = 64;
/// The bad lines a check names; the rest are counted.
pub const BAD_LINES_SHOWN: usize = 5;
/// A saved list's name.
pub const NAME_MAX_CHARS: usize = 60;

/// A line that is not an OpenID: its number (1-based, as an editor counts)
/// and its text, cut short.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadLine {
    pub line: usize,
    pub text: String,
}

/// What reading a list found, for the editor.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenIdCount {
    /// Distinct OpenIDs.
    pub count: usize,
    /// Repeats removed.
    pub duplicates: usize,
    /// The first few lines that are not OpenIDs.
    pub bad_lines: Vec<BadLine>,
    /// All of them.
    pub bad_count: usize,
    /// The first line was a header (`openid`, or a CSV's column names).
    pub header_skipped: bool,
}

/// A list read: its OpenIDs in their first order, and what was found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedList {
    pub openids: Vec<String>,
    pub found: OpenIdCount,
}

/// Whether `text` has an OpenID's form: letters, digits, `-` and `_`,
/// 16 to 64 characters.
pub fn is_openid(text: &str) -> bool {
    (MIN_OPENID_CHARS..=MAX_OPENID_CHARS).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A CSV line's cells: split on `,`, `;` or a tab, each trimmed and
/// without surrounding quotes (OpenIDs hold none of these characters).
fn cells(line: &str) -> Vec<&str> {
    line.split([',', ';', '\t'])
        .map(|c| c.trim().trim_matches('"').trim())
        .collect()
}

/// Reads a pasted or uploaded list. The column is the one a header names
/// `openid` (any case), else the first; the first line is a header when it
/// names a column `openid` or, with several columns, is not an OpenID.
pub fn parse_openids(text: &str) -> ParsedList {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .peekable();
    let mut column = 0;
    let mut found = OpenIdCount::default();
    if let Some((_, first)) = lines.peek() {
        let first_cells = cells(first);
        let named = first_cells
            .iter()
            .position(|c| c.eq_ignore_ascii_case("openid"));
        if let Some(at) = named {
            column = at;
            found.header_skipped = true;
        } else if first_cells.len() > 1 && !first_cells.iter().any(|c| is_openid(c)) {
            found.header_skipped = true;
        } else if first_cells.len() > 1 {
            column = first_cells.iter().position(|c| is_openid(c)).unwrap_or(0);
        }
        if found.header_skipped {
            lines.next();
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut openids = Vec::new();
    for (number, line) in lines {
        let row = cells(line);
        let cell = row.get(column).copied().unwrap_or_default();
        if !is_openid(cell) {
            found.bad_count += 1;
            if found.bad_lines.len() < BAD_LINES_SHOWN {
                let mut shown: String = line.chars().take(40).collect();
                if line.chars().count() > 40 {
                    shown.push('…');
                }
                found.bad_lines.push(BadLine {
                    line: number,
                    text: shown,
                });
            }
        } else if seen.insert(cell) {
            openids.push(cell.to_owned());
        } else {
            found.duplicates += 1;
        }
    }
    found.count = openids.len();
    ParsedList { openids, found }
}

/// How many calls a list of `n` takes, and each call's size: at most
/// [`PER_CALL`], as even as can be (25,001 → 8,334 + 8,334 + 8,333), so no
/// call falls under WeChat's minimum of 2 once the list has 2.
pub fn call_sizes(n: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let calls = n.div_ceil(PER_CALL);
    (0..calls)
        .map(|i| n / calls + usize::from(i < n % calls))
        .collect()
}

impl OpenIdCount {
    /// "25,001 OpenIDs; 3 duplicates removed; lines 4 and 9 are not
    /// OpenIDs: …".
    pub fn words(&self, lang: Lang) -> String {
        let n = group_digits(self.count as u64);
        let mut text = match lang {
            Lang::Zh => format!("共 {n} 个 OpenID"),
            Lang::En => format!("{n} OpenIDs"),
        };
        if self.duplicates > 0 {
            let d = group_digits(self.duplicates as u64);
            text += &match lang {
                Lang::Zh => format!("；去掉了 {d} 个重复的"),
                Lang::En => format!("; {d} duplicates removed"),
            };
        }
        if self.header_skipped {
            text += lang.pick(
                "；第一行是表头，已跳过",
                "; the first line is a header, skipped",
            );
        }
        text += lang.pick("。", ".");
        if self.bad_count > 0 {
            text.push(' ');
            text += &self.bad_words(lang);
        }
        text
    }

    /// The lines that are not OpenIDs, the first few by number and text.
    pub fn bad_words(&self, lang: Lang) -> String {
        let shown: Vec<String> = self
            .bad_lines
            .iter()
            .map(|b| match lang {
                Lang::Zh => format!("第 {} 行“{}”", b.line, b.text),
                Lang::En => format!("line {} “{}”", b.line, b.text),
            })
            .collect();
        let more = self.bad_count.saturating_sub(self.bad_lines.len());
        let rest = match (lang, more) {
            (_, 0) => String::new(),
            (Lang::Zh, n) => format!("，另有 {n} 行"),
            (Lang::En, n) => format!(", and {n} more"),
        };
        match lang {
            Lang::Zh => format!(
                "{} 行不是 OpenID（OpenID 由 16–64 个英文字母、数字、- 或 _ 组成，通常 28 位）：{}{rest}。请改正或删去这些行。",
                self.bad_count,
                shown.join("、")
            ),
            Lang::En => format!(
                "{} lines are not OpenIDs (an OpenID is 16–64 letters, digits, - or _, usually 28): {}{rest}. Correct or remove them.",
                self.bad_count,
                shown.join(", ")
            ),
        }
    }
}

/// What the confirmation says of a list send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListConfirmation {
    pub size: u64,
    /// The saved list's name.
    pub name: Option<String>,
    /// `mass/send` calls it takes.
    pub calls: usize,
    pub duplicates: usize,
}

impl ListConfirmation {
    /// "Send to the 25,001 followers of the list VIP (3 calls of at most
    /// 10,000)?"
    pub fn question(&self, lang: Lang) -> String {
        let n = group_digits(self.size);
        let calls = self.calls;
        let (named, split) = match lang {
            Lang::Zh => (
                self.name.as_ref().map(|name| format!("（名单：{name}）")),
                (calls > 1).then(|| format!("分 {calls} 次调用，每次最多 10,000 个")),
            ),
            Lang::En => (
                self.name
                    .as_ref()
                    .map(|name| format!(" of the list {name}")),
                (calls > 1).then(|| format!(" in {calls} calls of at most 10,000")),
            ),
        };
        let named = named.unwrap_or_default();
        match lang {
            Lang::Zh => match split {
                Some(split) => format!("确认发送给指定的 {n} 位粉丝{named}？{split}。"),
                None => format!("确认发送给指定的 {n} 位粉丝{named}？"),
            },
            Lang::En => format!(
                "Send to the {n} listed followers{named}{}?",
                split.unwrap_or_default()
            ),
        }
    }
}

/// A saved list, as Compose offers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedList {
    pub id: i64,
    pub name: String,
    pub size: i64,
    pub updated_at: String,
}

/// What saving a list did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaveOutcome {
    Saved(SavedList),
    /// Nothing saved, and why, in words.
    Refused(String),
}

/// Reads `openids` as a list and says what it holds.
#[server(endpoint = "check_openids")]
pub async fn check_openids(account: String, openids: String) -> Result<OpenIdCount, AppError> {
    let _call = crate::edge::on_account(&account).await?;
    Ok(parse_openids(&openids).found)
}

/// The account's saved lists, by name.
#[server(endpoint = "list_openid_lists")]
pub async fn list_openid_lists(account: String) -> Result<Vec<SavedList>, AppError> {
    let call = crate::edge::on_account(&account).await?;
    Ok(store::lists(&call.app.db, call.app.account.id).await?)
}

/// Saves `openids` under `name` on the account (a list of that name is
/// replaced). Refused in words when the name is empty or the list has a
/// line that is not an OpenID or fewer than two.
#[server(endpoint = "save_openid_list")]
pub async fn save_openid_list(
    account: String,
    name: String,
    openids: String,
) -> Result<SaveOutcome, AppError> {
    let call = crate::edge::on_account(&account).await?;
    let parsed = parse_openids(&openids);
    if let Err(words) = savable(&name, &parsed, call.lang) {
        return Ok(SaveOutcome::Refused(words));
    }
    let saved = store::save(
        &call.app.db,
        call.app.account.id,
        call.user.id,
        name.trim(),
        &parsed.openids,
    )
    .await?;
    Ok(SaveOutcome::Saved(saved))
}

/// Deletes the account's list `id`; `false` when it has none of that id.
#[server(endpoint = "delete_openid_list")]
pub async fn delete_openid_list(account: String, id: i64) -> Result<bool, AppError> {
    let call = crate::edge::on_account(&account).await?;
    let deleted = store::delete(&call.app.db, call.app.account.id, id).await?;
    crate::edge::redirect_plain_form(&format!("/a/{account}/compose"));
    Ok(deleted)
}

/// Whether a list may be saved under `name`; else why not, in words.
pub fn savable(name: &str, parsed: &ParsedList, lang: Lang) -> Result<(), String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
        return Err(match lang {
            Lang::Zh => format!("请给名单起一个名字（最多 {NAME_MAX_CHARS} 个字符）。"),
            Lang::En => format!("Give the list a name (at most {NAME_MAX_CHARS} characters)."),
        });
    }
    if parsed.found.bad_count > 0 {
        return Err(parsed.found.bad_words(lang));
    }
    if parsed.openids.len() < MIN_OPENIDS {
        return Err(too_few_words(lang).to_owned());
    }
    if parsed.openids.len() > MAX_OPENIDS {
        return Err(too_many_words(lang));
    }
    Ok(())
}

/// A list of one (or none): WeChat's `mass/send` needs two.
pub fn too_few_words(lang: Lang) -> &'static str {
    lang.pick(
        "按名单群发至少需要 2 个 OpenID（微信的要求）。只发给一个人，请用“预览”。",
        "A send to a list needs at least 2 OpenIDs (WeChat requires it). To reach one person, use Preview.",
    )
}

pub fn too_many_words(lang: Lang) -> String {
    let max = group_digits(MAX_OPENIDS as u64);
    match lang {
        Lang::Zh => format!("一个名单最多 {max} 个 OpenID。请分成几次发送。"),
        Lang::En => format!("A list holds at most {max} OpenIDs. Split it into several sends."),
    }
}

#[cfg(feature = "ssr")]
pub mod store {
    //! `openid_lists`: one account's saved lists.

    use sqlx::{Row, SqlitePool};

    use super::SavedList;

    /// The account's lists, by name.
    pub async fn lists(db: &SqlitePool, account: i64) -> Result<Vec<SavedList>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, name, size, updated_at FROM openid_lists
             WHERE account_id = ? ORDER BY name",
        )
        .bind(account)
        .fetch_all(db)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SavedList {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    size: r.try_get("size")?,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect()
    }

    /// Writes (or replaces) the list `name` of the account.
    pub async fn save(
        db: &SqlitePool,
        account: i64,
        user_id: i64,
        name: &str,
        openids: &[String],
    ) -> Result<SavedList, sqlx::Error> {
        let text = openids.join("\n");
        let size = openids.len() as i64;
        let row = sqlx::query(
            "INSERT INTO openid_lists (account_id, name, openids, size, user_id)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (account_id, name) DO UPDATE SET
                 openids = excluded.openids, size = excluded.size, user_id = excluded.user_id,
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             RETURNING id, updated_at",
        )
        .bind(account)
        .bind(name)
        .bind(&text)
        .bind(size)
        .bind(user_id)
        .fetch_one(db)
        .await?;
        Ok(SavedList {
            id: row.try_get("id")?,
            name: name.to_owned(),
            size,
            updated_at: row.try_get("updated_at")?,
        })
    }

    /// The account's list `id`: its name and OpenIDs. Another account's
    /// list is `None`, as one that is not there.
    pub async fn load(
        db: &SqlitePool,
        account: i64,
        id: i64,
    ) -> Result<Option<(String, String)>, sqlx::Error> {
        let row =
            sqlx::query("SELECT name, openids FROM openid_lists WHERE id = ? AND account_id = ?")
                .bind(id)
                .bind(account)
                .fetch_optional(db)
                .await?;
        row.map(|r| Ok((r.try_get("name")?, r.try_get("openids")?)))
            .transpose()
    }

    pub async fn delete(db: &SqlitePool, account: i64, id: i64) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM openid_lists WHERE id = ? AND account_id = ?")
            .bind(id)
            .bind(account)
            .execute(db)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: usize) -> String {
        format!("oSIM{n:024}")
    }

    #[test]
    fn one_a_line_without_duplicates_bad_lines_named() {
        let text = format!(
            "{}\n\n{}\r\n{}\nnot an openid\n o/bad \n{}\n",
            id(1),
            id(2),
            id(1),
            id(3)
        );
        let parsed = parse_openids(&text);
        assert_eq!(parsed.openids, [id(1), id(2), id(3)]);
        assert_eq!(parsed.found.count, 3);
        assert_eq!(parsed.found.duplicates, 1);
        assert_eq!(parsed.found.bad_count, 2);
        assert_eq!(parsed.found.bad_lines[0].line, 5);
        assert_eq!(parsed.found.bad_lines[1].text, "o/bad");
        let zh = parsed.found.words(Lang::Zh);
        assert!(
            zh.contains("共 3 个 OpenID")
                && zh.contains("去掉了 1 个重复的")
                && zh.contains("第 5 行“not an openid”"),
            "{zh}"
        );
        let en = parsed.found.words(Lang::En);
        assert!(
            en.contains("3 OpenIDs; 1 duplicates removed") && en.contains("line 6 “o/bad”"),
            "{en}"
        );
    }

    #[test]
    fn a_csv_with_an_openid_column_or_a_single_column_skips_its_header() {
        let csv = format!(
            "name,\"OpenID\",city\n张三,{},上海\n李四,\"{}\",北京\n",
            id(1),
            id(2)
        );
        let parsed = parse_openids(&csv);
        assert_eq!(parsed.openids, [id(1), id(2)]);
        assert!(parsed.found.header_skipped);
        assert_eq!(parsed.found.bad_count, 0);
        let single = format!("\u{feff}openid\n{}\n{}\n", id(1), id(2));
        let parsed = parse_openids(&single);
        assert_eq!(parsed.openids, [id(1), id(2)]);
        assert!(parsed.found.header_skipped);
        // No header: the first line is read.
        let bare = format!("{}\n{}", id(1), id(2));
        assert!(!parse_openids(&bare).found.header_skipped);
        assert_eq!(parse_openids(&bare).found.count, 2);
    }

    #[test]
    fn only_the_first_few_bad_lines_are_named() {
        let text: String = (0..9).map(|i| format!("bad {i}\n")).collect();
        let found = parse_openids(&text).found;
        assert_eq!(found.bad_count, 9);
        assert_eq!(found.bad_lines.len(), BAD_LINES_SHOWN);
        assert!(found.bad_words(Lang::En).contains("and 4 more"));
    }

    #[test]
    fn calls_hold_at_most_ten_thousand_as_evenly_as_can_be() {
        assert_eq!(call_sizes(25_001), [8_334, 8_334, 8_333]);
        assert_eq!(call_sizes(10_000), [10_000]);
        assert_eq!(call_sizes(10_001), [5_001, 5_000]);
        assert_eq!(call_sizes(2), [2]);
        assert!(call_sizes(0).is_empty());
        for n in [2, 9_999, 20_000, 20_001, 99_999, MAX_OPENIDS] {
            let sizes = call_sizes(n);
            assert_eq!(sizes.iter().sum::<usize>(), n);
            assert!(
                sizes.iter().all(|s| (2..=PER_CALL).contains(s)),
                "{n}: {sizes:?}"
            );
        }
    }

    #[test]
    fn a_single_follower_or_a_bad_line_is_not_saved() {
        let one = parse_openids(&id(1));
        assert!(
            savable("VIP", &one, Lang::En)
                .unwrap_err()
                .contains("Preview")
        );
        let bad = parse_openids(&format!("{}\n{}\nx", id(1), id(2)));
        assert!(
            savable("VIP", &bad, Lang::Zh)
                .unwrap_err()
                .contains("第 3 行")
        );
        let good = parse_openids(&format!("{}\n{}", id(1), id(2)));
        assert!(savable(" ", &good, Lang::En).is_err());
        assert!(savable("VIP", &good, Lang::En).is_ok());
    }
}
