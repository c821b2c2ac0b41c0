//! No two files of `src/` import each other, directly or through others.
//! The scan reads what `../shared/tools/import_circles.py` reads: `use`
//! trees from `crate`, `super` and `self`, and `crate::…` paths anywhere,
//! each an arrow to the deepest module file that exists for it; comments
//! and the `#[cfg(test)]` part of a file are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Module = Vec<String>;

fn module_of(file: &str) -> Module {
    let mut parts: Module = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn read_files(dir: &Path, root: &Path, files: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            read_files(&path, root, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            files.insert(name, std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e` (as segments).
fn expand(tree: &str, prefix: &[String], out: &mut Vec<Module>) {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let mut path = prefix.to_vec();
        path.extend(
            tree.split("::")
                .map(|s| s.split(" as ").next().unwrap_or("").trim())
                .filter(|s| !s.is_empty() && *s != "self" && !s.starts_with('*'))
                .map(str::to_owned),
        );
        out.push(path);
        return;
    };
    let mut base = prefix.to_vec();
    base.extend(
        tree[..open]
            .split("::")
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().to_owned()),
    );
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices().chain([(inner.len(), ',')]) {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                if !inner[start..i].trim().is_empty() {
                    expand(&inner[start..i], &base, out);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
}

fn imports(file: &str, text: &str) -> Vec<Module> {
    let text: String = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let text = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    let here = module_of(file);
    let mut paths = Vec::new();
    // `use` statements from crate, super or self.
    for (at, _) in text.match_indices("use ") {
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let before = &text[line_start..at];
        let before = before.trim_start();
        if !(before.is_empty() || before.starts_with("pub")) {
            continue;
        }
        let nested = text[line_start..].starts_with([' ', '\t']);
        let Some(end) = text[at..].find(';') else {
            continue;
        };
        let path = text[at + 4..at + end].trim();
        let (prefix, rest) = if let Some(rest) = path.strip_prefix("crate::") {
            (Vec::new(), rest)
        } else if let Some(rest) = path.strip_prefix("self::") {
            (here.clone(), rest)
        } else if let Some(mut rest) = path.strip_prefix("super::") {
            // Inside an inline `mod … { }`, `super` is this file's module.
            let mut prefix = here.clone();
            if !nested {
                prefix.pop();
            }
            while let Some(more) = rest.strip_prefix("super::") {
                prefix.pop();
                rest = more;
            }
            (prefix, rest)
        } else {
            continue;
        };
        expand(rest, &prefix, &mut paths);
    }
    // `crate::a::b` anywhere.
    for (at, _) in text.match_indices("crate::") {
        if text[..at].ends_with(is_ident) {
            continue;
        }
        let rest = &text[at + "crate::".len()..];
        let mut path = Vec::new();
        let mut rest = rest;
        loop {
            let len = rest.find(|c| !is_ident(c)).unwrap_or(rest.len());
            if len == 0 || !rest.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') {
                break;
            }
            path.push(rest[..len].to_owned());
            match rest[len..].strip_prefix("::") {
                Some(more) => rest = more,
                None => break,
            }
        }
        paths.push(path);
    }
    paths
}

/// The groups of files that reach each other through their imports.
fn circles(src: &Path) -> BTreeSet<Vec<String>> {
    let mut files = BTreeMap::new();
    read_files(src, src, &mut files);
    let modules: BTreeMap<Module, String> =
        files.keys().map(|f| (module_of(f), f.clone())).collect();
    let target = |path: &Module| {
        (1..=path.len())
            .rev()
            .find_map(|k| modules.get(&path[..k]).cloned())
    };
    let edges: BTreeMap<&String, BTreeSet<String>> = files
        .iter()
        .map(|(file, text)| {
            let to = imports(file, text)
                .iter()
                .filter_map(target)
                .filter(|t| t != file)
                .collect();
            (file, to)
        })
        .collect();
    let reach = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(file) = stack.pop() {
            for next in &edges[&file] {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> =
        files.keys().map(|f| (f, reach(f))).collect();
    files
        .keys()
        .filter(|f| reached[f].contains(*f))
        .map(|f| {
            files
                .keys()
                .filter(|g| reached[f].contains(*g) && reached[g].contains(f))
                .cloned()
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn no_two_files_of_src_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = circles(&src);
    assert!(found.is_empty(), "files that import each other: {found:?}");
}

#[test]
fn the_scan_sees_a_circle() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n");
    write(
        "a/mod.rs",
        "use crate::b::{Thing, other::{X}};\npub mod inner;\n",
    );
    write("a/inner.rs", "// use crate::c;\n");
    write("b.rs", "fn f() { super::nothing(); crate::c::go(); }\n");
    write(
        "c.rs",
        "use super::a::Thing;\n#[cfg(test)]\nuse crate::b;\n",
    );
    let found = circles(dir.path());
    assert_eq!(
        found,
        BTreeSet::from([vec![
            "a/mod.rs".to_owned(),
            "b.rs".to_owned(),
            "c.rs".to_owned()
        ]])
    );
}
