//! The import graph between the source files of each crate has no cycle.
//!
//! A file depends on another when it names it: a `crate::`, `super::` or
//! `self::` path (in a `use` tree or in code), or, in a `mod.rs`, a path
//! starting with one of its submodules. A path is charged to the longest
//! file it reaches (`crate::config::model::Cmd` to `config/model.rs`);
//! paths into a file's own folder's ancestors (`super::X` from
//! `config/model.rs` to `config/mod.rs`) count as the folder's own. Comments
//! and `#[cfg(test)] mod tests { … }` blocks are left out, as are test-only
//! files.
//!
//! One file's imports are left out on purpose: the module registry,
//! `modules/mod.rs`, whose `MODULES` table names each module's definition
//! and whose parse-function type takes the model's `Cmd`. It is httpd's
//! generated `modules.c` beside `config.c`: the configuration model looks
//! directives up in it, and every module's directive parsers take the
//! model's `Cmd`, so the pair is a cycle by design. The file holds nothing
//! else.
//! Everything else must be layered (configuration reading, model, running
//! site, protocol, modules), and this test fails with the cycle it finds.
//!
//! The scan is lexical (no `syn`): it reads paths, not names brought in by
//! a glob, which the crates do not use outside tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

struct Crate {
    /// Module path (without `mod`/`lib`/`main`) → whether it is a folder's
    /// `mod.rs`/`lib.rs`, and its text with comments and tests removed.
    files: BTreeMap<Module, (bool, String)>,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `text` without `//` comments (line and doc) and without the
/// `#[cfg(test)] mod tests { … }` block that ends most files.
fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let code = match line.find("//") {
            // A `//` inside a string literal ("http://") is rare in these
            // crates' paths; cutting there only loses code, never adds
            // an edge.
            Some(i) => &line[..i],
            None => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    if let Some(i) = out.find("#[cfg(test)]\nmod tests {") {
        out.truncate(i);
    }
    out
}

fn read_crate(src: &Path) -> Crate {
    let mut paths = Vec::new();
    walk(src, &mut paths);
    let mut files = BTreeMap::new();
    for p in paths {
        let rel = p.strip_prefix(src).unwrap().with_extension("");
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let last = parts.last().unwrap().clone();
        // Test-only files (`mod tests;`, `model_tests.rs`, `tests_fail.rs`).
        if last == "tests" || last.ends_with("_tests") || last.starts_with("tests_") {
            continue;
        }
        let folder = matches!(last.as_str(), "mod" | "lib" | "main");
        if folder {
            parts.pop();
        }
        if parts.iter().any(|p| p == "tests") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        files.insert(parts, (folder, strip(&text)));
    }
    Crate { files }
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

/// Every path of a `use` tree: `a::{b, c::{d as e}}` → `a::b`, `a::c::d`.
fn expand(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    match tree.find('{') {
        None => {
            let head = tree.split(" as ").next().unwrap();
            let mut p = prefix.to_vec();
            p.extend(
                head.split("::")
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
            );
            out.push(p);
        }
        Some(i) => {
            let mut p = prefix.to_vec();
            p.extend(
                tree[..i]
                    .split("::")
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
            );
            let end = tree.rfind('}').filter(|&e| e > i).unwrap_or(tree.len());
            let inner = &tree[i + 1..end];
            let (mut depth, mut start) = (0, 0);
            for (j, ch) in inner.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&inner[start..j], &p, out);
                        start = j + 1;
                    }
                    _ => {}
                }
            }
            if !inner[start..].trim().is_empty() {
                expand(&inner[start..], &p, out);
            }
        }
    }
}

/// Paths written in `text`: whole `use` trees, and `a::b::c` runs in code.
fn paths_in(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().last();
        let after = &rest[i + 4..];
        if before.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_')) {
            if let Some(end) = after.find(';') {
                let tree = &after[..end];
                let plain = !tree.contains('"') && !tree.contains('(');
                if plain
                    && tree
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '{')
                {
                    expand(tree, &[], &mut out);
                }
            }
        }
        rest = after;
    }
    // `a::b::c` in code: runs of identifiers joined by `::`.
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let starts = (b[i].is_ascii_alphabetic() || b[i] == b'_')
            && (i == 0
                || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b':'));
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        let mut segs = Vec::new();
        loop {
            let s = j;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            segs.push(text[s..j].to_string());
            if text[j..].starts_with("::")
                && b.get(j + 2)
                    .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
            {
                j += 2;
            } else {
                break;
            }
        }
        if segs.len() > 1 {
            out.push(segs);
        }
        i = j.max(i + 1);
    }
    out
}

/// The file `path` (absolute within the crate) lands in: its longest
/// prefix that is a file.
fn resolve<'a>(files: &'a BTreeMap<Module, (bool, String)>, path: &[String]) -> Option<&'a Module> {
    (1..=path.len())
        .rev()
        .find_map(|n| files.get_key_value(&path[..n]).map(|(k, _)| k))
}

fn edges(c: &Crate) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut g: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (m, (_, text)) in &c.files {
        let set = g.entry(m.clone()).or_default();
        for p in paths_in(text) {
            if !p.iter().all(|s| is_ident(s)) {
                continue;
            }
            let full: Module = match p[0].as_str() {
                "crate" => p[1..].to_vec(),
                "self" | "super" => {
                    let mut base = m.clone();
                    let mut s = &p[..];
                    if s[0] == "self" {
                        s = &s[1..];
                    }
                    while s.first().is_some_and(|x| x == "super") {
                        base.pop();
                        s = &s[1..];
                    }
                    base.extend(s.iter().cloned());
                    base
                }
                first => {
                    // A submodule of this file's module.
                    let mut child = m.clone();
                    child.push(first.to_string());
                    if c.files.contains_key(&child) {
                        let mut full = m.clone();
                        full.extend(p.iter().cloned());
                        full
                    } else {
                        continue;
                    }
                }
            };
            let Some(t) = resolve(&c.files, &full) else {
                continue;
            };
            // Itself, or an ancestor folder (its own folder's parts).
            if t == m || (t.len() < m.len() && m[..t.len()] == t[..]) {
                continue;
            }
            set.insert(t.clone());
        }
    }
    g
}

/// Strongly connected components with more than one file (Tarjan).
fn cycles(g: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct T<'a> {
        g: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on: BTreeSet<&'a Module>,
        next: usize,
        out: Vec<Vec<Module>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a Module) {
        t.index.insert(v, t.next);
        t.low.insert(v, t.next);
        t.next += 1;
        t.stack.push(v);
        t.on.insert(v);
        let g = t.g;
        for w in g.get(v).into_iter().flatten() {
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            loop {
                let w = t.stack.pop().unwrap();
                t.on.remove(w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in g.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

fn show(g: &BTreeMap<Module, BTreeSet<Module>>, comps: &[Vec<Module>]) -> String {
    let name = |m: &Module| {
        if m.is_empty() {
            "lib".to_string()
        } else {
            m.join("/")
        }
    };
    let mut s = String::new();
    for comp in comps {
        s.push_str(&format!("a cycle of {} files:\n", comp.len()));
        for v in comp {
            let inside: Vec<String> = g[v].iter().filter(|w| comp.contains(w)).map(name).collect();
            s.push_str(&format!("  {} -> {}\n", name(v), inside.join(", ")));
        }
    }
    s
}

fn crate_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("src")
}

#[test]
fn spoor_has_no_import_cycle() {
    let c = read_crate(&crate_src("spoor"));
    assert!(c.files.len() > 100, "read {} files", c.files.len());
    let mut g = edges(&c);
    // The registry (see the file's comment): `modules/mod.rs` lists every
    // module and names the model's `Cmd` in its parse-function type.
    let registry: Module = vec!["modules".into()];
    let listed = g.get_mut(&registry).expect("modules/mod.rs");
    assert!(listed.len() >= 20, "the registry lists the modules");
    listed.clear();
    let comps = cycles(&g);
    assert!(comps.is_empty(), "{}", show(&g, &comps));
}

#[test]
fn spoor_log_and_tower_have_no_import_cycle() {
    for name in ["spoor-log", "spoor-tower"] {
        let c = read_crate(&crate_src(name));
        let g = edges(&c);
        let comps = cycles(&g);
        assert!(comps.is_empty(), "{name}: {}", show(&g, &comps));
    }
}

/// The scanner finds a cycle when there is one (so the tests above can
/// fail), and sees through `use` groups, `super::` and `mod.rs` children.
#[test]
fn scanner_sees_cycles() {
    let mk = |files: &[(&str, bool, &str)]| Crate {
        files: files
            .iter()
            .map(|(p, folder, text)| {
                let m: Module = if p.is_empty() {
                    vec![]
                } else {
                    p.split('/').map(String::from).collect()
                };
                (m, (*folder, strip(text)))
            })
            .collect(),
    };
    let c = mk(&[
        ("", true, "mod a; mod b; mod c;"),
        ("a", false, "use crate::{b::{X as Y}, z};"),
        ("b", true, "pub fn f() { inner::g() }"),
        ("b/inner", false, "use super::super::c::Z; // crate::a::Q"),
        ("c", false, "fn h() -> crate::a::T { todo() }"),
    ]);
    let g = edges(&c);
    let comps = cycles(&g);
    assert_eq!(comps.len(), 1, "{}", show(&g, &comps));
    assert_eq!(comps[0].len(), 4, "{}", show(&g, &comps));
    // Without c → a, no cycle (and the comment's path is no edge).
    let c = mk(&[
        ("", true, "mod a; mod b; mod c;"),
        ("a", false, "use crate::{b::{X as Y}, z};"),
        ("b", true, "pub fn f() { inner::g() }"),
        ("b/inner", false, "use super::super::c::Z; // crate::a::Q"),
        ("c", false, "fn h() -> u8 { 0 }"),
    ]);
    assert!(cycles(&edges(&c)).is_empty());
}
