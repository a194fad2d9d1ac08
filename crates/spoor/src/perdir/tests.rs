use super::*;
use crate::modules::mime::types::MimeTable;
use std::path::PathBuf;

/// Carries out one directive on `p` through its module's parse function,
/// as the configuration model does (every module loaded).
fn apply(
    p: &mut PerDir,
    d: &Directive,
    scope: DirScope,
    warnings: &mut Vec<String>,
) -> Result<(), ConfigError> {
    let mut s = crate::config::model::Settings::new(PathBuf::new());
    s.loaded = crate::modules::MODULES.iter().map(|m| m.ident).collect();
    let mut srv = crate::config::model::Server {
        dir: std::mem::take(p),
        ..Default::default()
    };
    let scope = match scope {
        DirScope::Section => crate::config::model::Scope::Dir,
        DirScope::Server => crate::config::model::Scope::Main,
    };
    let r = s.apply(d, scope, &mut srv);
    *p = srv.dir;
    warnings.append(&mut s.warnings);
    r
}

fn dir(name: &str, args: &[&str]) -> Directive {
    Directive::new(
        name,
        args.iter().map(|s| s.to_string()).collect(),
        PathBuf::from("t.conf"),
        3,
    )
}

fn options(lines: &[&[&str]]) -> Result<Options, String> {
    let mut o = Options::default();
    for l in lines {
        let w: Vec<String> = l.iter().map(|s| s.to_string()).collect();
        o.apply(&w)?;
    }
    Ok(o)
}

#[test]
fn options_errors_are_httpds() {
    // Each message as `apache2 -t` 2.4.71 printed it.
    let e = |w: &[&str]| options(&[w]).unwrap_err();
    assert_eq!(
        e(&["Indexes", "+FollowSymLinks"]),
        "Either all Options must start with + or -, or no Option may."
    );
    assert_eq!(
        e(&["+Indexes", "FollowSymLinks"]),
        "Either all Options must start with + or -, or no Option may."
    );
    assert_eq!(
        e(&["Indexes", "None"]),
        "'Options None' must be the first Option given."
    );
    assert_eq!(
        e(&["Indexes", "All"]),
        "'Options All' must be the first option given."
    );
    assert_eq!(e(&["Bogus"]), "Illegal option Bogus");
    assert_eq!(
        e(&["+None"]),
        "You may not use 'Options +None' or 'Options -None'."
    );
    assert_eq!(
        e(&["-All"]),
        "You may not use 'Options +All' or 'Options -All'."
    );
    assert!(options(&[&["None", "+Indexes"]]).is_ok());
    assert!(options(&[&["All", "-Indexes"]]).is_ok());
    assert!(options(&[&[]]).is_ok());
}

#[test]
fn options_merge() {
    let server = Options::server_default();
    // Explicit list replaces.
    let m = Options::merge(&server, &options(&[&["Indexes"]]).unwrap());
    assert!(m.has(opt::INDEXES) && !m.has(opt::SYM_LINKS));
    // +/- modify the parent.
    let m = Options::merge(&server, &options(&[&["+Indexes"]]).unwrap());
    assert!(m.has(opt::INDEXES) && m.has(opt::SYM_LINKS));
    let m2 = Options::merge(&m, &options(&[&["-Indexes"]]).unwrap());
    assert!(!m2.has(opt::INDEXES) && m2.has(opt::SYM_LINKS));
    // A section without Options inherits.
    let m3 = Options::merge(&m, &Options::default());
    assert_eq!(m3.opts & !opt::UNSET, m.opts & !opt::UNSET);
    // All then -Indexes in one line.
    let a = Options::merge(&server, &options(&[&["All", "-Indexes"]]).unwrap());
    assert!(!a.has(opt::INDEXES) && a.has(opt::EXECCGI));
    // None.
    let n = Options::merge(&server, &options(&[&["None"]]).unwrap());
    assert_eq!(n.opts, 0);
}

#[test]
fn require_parsing() {
    let mut w = Vec::new();
    let run = |args: &[&str], scope| {
        let mut p = PerDir::default();
        let mut w = Vec::new();
        apply(&mut p, &dir("Require", args), scope, &mut w)
            .map(|_| p.authz.grants_for_test())
            .map_err(|e| e.message().to_string())
    };
    assert_eq!(run(&["all", "granted"], DirScope::Section), Ok(Some(true)));
    assert_eq!(run(&["all", "DENIED"], DirScope::Section), Ok(Some(false)));
    assert_eq!(
        run(&["all", "granted"], DirScope::Server).unwrap_err(),
        "Require not allowed here"
    );
    assert_eq!(
        run(&["all", "maybe"], DirScope::Section).unwrap_err(),
        "Argument for 'Require all' must be 'granted' or 'denied'"
    );
    assert_eq!(
        run(&["all", "granted", "x"], DirScope::Section).unwrap_err(),
        "Argument for 'Require all' must be 'granted' or 'denied'"
    );
    assert_eq!(run(&["ip", "1.2.3.4"], DirScope::Section), Ok(Some(false)));
    assert_eq!(run(&["ip", "192.0.2"], DirScope::Section), Ok(Some(true)));
    assert_eq!(
        run(&["bogus", "1.2.3.4"], DirScope::Section).unwrap_err(),
        "Unknown Authz provider: bogus"
    );
    assert_eq!(
        run(&[], DirScope::Section).unwrap_err(),
        "Unknown Authz provider: "
    );
    assert_eq!(
        run(&["not", "all", "denied"], DirScope::Section).unwrap_err(),
        "negative Require directive has no effect in <RequireAny> directive"
    );
    // Two lines: any granting grants.
    let mut p = PerDir::default();
    let s = DirScope::Section;
    apply(&mut p, &dir("Require", &["all", "denied"]), s, &mut w).unwrap();
    apply(&mut p, &dir("Require", &["all", "granted"]), s, &mut w).unwrap();
    assert_eq!(p.authz.grants_for_test(), Some(true));
}

#[test]
fn other_directive_errors() {
    let run = |name: &str, args: &[&str]| {
        let mut p = PerDir::default();
        let mut w = Vec::new();
        apply(&mut p, &dir(name, args), DirScope::Server, &mut w)
            .map(|_| (p, w))
            .map_err(|e| e.message().to_string())
    };
    assert_eq!(
        run("ErrorDocument", &["999", "x"]).unwrap_err(),
        "Unsupported HTTP response code 999"
    );
    assert_eq!(
        run("ErrorDocument", &["abc", "x"]).unwrap_err(),
        "Unsupported HTTP response code abc"
    );
    assert_eq!(
        run("ErrorDocument", &["404"]).unwrap_err(),
        "ErrorDocument takes two arguments, Change responses for HTTP errors"
    );
    let (p, w) = run("ErrorDocument", &["401", "http://x/"]).unwrap();
    assert!(p.core.error_documents.is_empty());
    assert!(w[0].contains("AH00113"), "{w:?}");
    let (p, _) = run("ErrorDocument", &["404", "/err.html"]).unwrap();
    assert_eq!(
        p.core.error_document(404),
        Some(&ErrorDoc::Local("/err.html".into()))
    );
    let (p, _) = run("ErrorDocument", &["500", "oops"]).unwrap();
    assert_eq!(
        p.core.error_document(500),
        Some(&ErrorDoc::Text("oops".into()))
    );
    let (p, _) = run("ErrorDocument", &["403", "https://e.test/x"]).unwrap();
    assert_eq!(
        p.core.error_document(403),
        Some(&ErrorDoc::Remote("https://e.test/x".into()))
    );
    assert_eq!(
        run("LimitRequestBody", &["x"]).unwrap_err(),
        "LimitRequestBody requires a non-negative integer."
    );
    assert_eq!(
        run("LimitRequestBody", &["-1"]).unwrap_err(),
        "LimitRequestBody requires a non-negative integer."
    );
    assert_eq!(
        run("LimitRequestBody", &["99999999999999999999"]).unwrap_err(),
        "LimitRequestBody argument is not parsable."
    );
    let (p, _) = run("MaxRanges", &["NONE"]).unwrap();
    assert!(p.core.range_limits().no_ranges());
    let (p, _) = run("MaxRangeReversals", &["unlimited"]).unwrap();
    assert_eq!(p.core.range_limits().reversals, None);
    assert_eq!(
        run("MaxRangeOverlaps", &["0"]).unwrap_err(),
        "MaxRangeOverlaps requires 'none', 'default', 'unlimited' or a positive integer"
    );
    assert_eq!(
        run("MaxRanges", &["1", "2"]).unwrap_err(),
        "MaxRanges takes one argument, Maximum number of Ranges in a request before returning the entire resource, or 0 for unlimited"
    );
    // A scope's own value, `default` included, replaces its parent's.
    let (server, _) = run("MaxRanges", &["3"]).unwrap();
    let (section, _) = run("MaxRanges", &["default"]).unwrap();
    let merged = PerDir::merge(&server, &section);
    assert_eq!(merged.core.range_limits().ranges, Some(200));
    let merged = PerDir::merge(&server, &PerDir::default());
    assert_eq!(merged.core.range_limits().ranges, Some(3));
    assert_eq!(
        run("AddType", &["text/x"]).unwrap_err(),
        "AddType requires at least two arguments, a mime type followed by one or more file extensions"
    );
    assert_eq!(
        run("ServerSignature", &["x"]).unwrap_err(),
        "ServerSignature: use one of: off | on | email"
    );
    let (p, _) = run("DirectoryIndex", &["disabled"]).unwrap();
    assert_eq!(p.dir.names().count(), 0);
    let (p, _) = run("DirectoryIndex", &["a.html", "b.html"]).unwrap();
    assert_eq!(p.dir.names().collect::<Vec<_>>(), ["a.html", "b.html"]);
    assert_eq!(
        PerDir::default().dir.names().collect::<Vec<_>>(),
        ["index.html"]
    );
}

fn section(kind: &str, args: &[&str], set: &str) -> Section {
    let d = Directive {
        section: true,
        ..dir(kind, args)
    };
    let mut s = Section::open(&d, &kind.to_ascii_lowercase(), |p| p.to_string()).unwrap();
    s.dir
        .env
        .add_directive("SetEnv", &[set.to_string(), "1".to_string()])
        .unwrap();
    s
}

fn hits(secs: &Sections, file: &str, uri: &str) -> String {
    let p = secs.lookup(file.as_bytes(), uri.as_bytes());
    let mut v: Vec<String> = p
        .env
        .settings
        .vars()
        .iter()
        .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
        .collect();
    v.sort();
    v.join(",")
}

/// A `<Directory>`-kind section whose only content is one `Options`
/// line.
fn with_options(kind: &str, arg: &str, words: &[&str]) -> Section {
    let mut s = section(kind, &[arg], "X");
    s.dir.core.options = options(&[words]).unwrap();
    s
}

#[test]
fn link_options_per_walk_level() {
    use opt::{SYM_LINKS as L, SYM_OWNER as O};
    let mut base = PerDir::default();
    base.core.options = Options::server_default();
    let bits = |secs: &Sections, d: &str, rx: bool| secs.walk_options(d.as_bytes(), rx) & (L | O);
    // Nothing said: links free everywhere, no walk needed.
    let free = Sections::new(base.clone(), &[], &[]);
    assert!(free.follows_links_everywhere());
    assert_eq!(bits(&free, "/srv/htdocs/", false), L);
    // Taken away at the root, given back below with +, owner match
    // added deeper with a +/- pair; each level sees what is merged
    // down to it.
    let secs = Sections::new(
        base.clone(),
        &[],
        &[
            with_options(
                "Directory",
                "/srv/htdocs/sub",
                &["-FollowSymLinks", "+SymLinksIfOwnerMatch"],
            ),
            with_options("Directory", "/", &["-FollowSymLinks"]),
            with_options("Directory", "/srv/htdocs", &["+FollowSymLinks"]),
            with_options("DirectoryMatch", "/idx$", &["-FollowSymLinks"]),
        ],
    );
    assert!(!secs.follows_links_everywhere());
    assert_eq!(bits(&secs, "/", false), 0);
    assert_eq!(bits(&secs, "/srv/", false), 0);
    assert_eq!(bits(&secs, "/srv/htdocs/", false), L);
    assert_eq!(bits(&secs, "/srv/htdocs/other/", false), L);
    assert_eq!(bits(&secs, "/srv/htdocs/sub/", false), O);
    assert_eq!(bits(&secs, "/srv/htdocs/sub/deeper/", false), O);
    // Regex sections: not seen by the walk, seen by the shortcut.
    assert_eq!(bits(&secs, "/srv/htdocs/idx/", false), L);
    assert_eq!(bits(&secs, "/srv/htdocs/idx", true), 0);
    // Sections that keep links free keep the server free.
    let keeps = Sections::new(
        base.clone(),
        &[],
        &[
            with_options("Directory", "/", &["FollowSymLinks"]),
            with_options("Directory", "/srv", &["+Indexes"]),
            with_options("DirectoryMatch", "x", &["All"]),
        ],
    );
    assert!(keeps.follows_links_everywhere());
    // Any one that could take them away does not, regex or not.
    for (kind, words) in [
        ("Directory", &["None"][..]),
        ("Directory", &["+SymLinksIfOwnerMatch"][..]),
        ("Directory", &["FollowSymLinks", "SymLinksIfOwnerMatch"][..]),
        ("DirectoryMatch", &["-FollowSymLinks"][..]),
    ] {
        let one = Sections::new(base.clone(), &[], &[with_options(kind, "/srv", words)]);
        assert!(!one.follows_links_everywhere(), "{kind} {words:?}");
    }
    // The server's own Options count too.
    let mut none = base.clone();
    none.core.options = Options::merge(&Options::server_default(), &options(&[&["None"]]).unwrap());
    assert!(!Sections::new(none, &[], &[]).follows_links_everywhere());
}

#[test]
fn section_matching_as_httpd() {
    // Mirrors experiments with apache2 2.4.71 (SetEnv per section,
    // logged with %{..}e).
    let secs = Sections::new(
        PerDir::default(),
        &[],
        &[
            section("DirectoryMatch", &["sub$"], "A"),
            section("DirectoryMatch", &["txt$"], "B"),
            section("Directory", &["/r/htdocs/d*"], "C"),
            section("Files", &["*.txt"], "D"),
            section("Files", &[""], "E"),
            section("Location", &["/sub"], "F"),
            section("LocationMatch", &["^/d2/.*x"], "G"),
            section("Directory", &["/r/htdocs/sub/page.txt"], "H"),
            section("Directory", &["/r/htdocs/sub"], "I"),
            section("Location", &["/sub/"], "J"),
        ],
    );
    assert_eq!(hits(&secs, "/r/htdocs/sub/", "/sub/"), "E,F,I,J");
    assert_eq!(
        hits(&secs, "/r/htdocs/sub/page.txt", "/sub/page.txt"),
        "B,D,F,H,I,J"
    );
    assert_eq!(hits(&secs, "/r/htdocs/sub", "/sub"), "A,F,I");
    assert_eq!(
        hits(&secs, "/r/htdocs/d2/deep/x.txt", "/d2/deep/x.txt"),
        "B,C,D,G"
    );
    assert_eq!(hits(&secs, "/r/htdocs/d2/", "/d2/"), "C,E");
    assert_eq!(hits(&secs, "/r/htdocs/subx", "/subx"), "");
    assert_eq!(hits(&secs, "/r/htdocs/d2", "/d2"), "C");
}

#[test]
fn files_nested_in_a_directory() {
    // <Directory /r/htdocs/sub/> holding <Files "*.txt">: only files
    // inside the directory; walked after the server's own <Files>, so
    // its value wins.
    let mut sub = section("Directory", &["/r/htdocs/sub"], "A");
    let mut inner = section("Files", &["*.txt"], "N");
    inner
        .dir
        .env
        .add_directive("SetEnv", &["V".into(), "nested".into()])
        .unwrap();
    sub.nested.push(inner);
    let mut top = section("Files", &["page.*"], "T");
    top.dir
        .env
        .add_directive("SetEnv", &["V".into(), "top".into()])
        .unwrap();
    let secs = Sections::new(PerDir::default(), &[], &[sub, top]);
    assert_eq!(
        hits(&secs, "/r/htdocs/sub/page.txt", "/sub/page.txt"),
        "A,N,T,V"
    );
    let p = secs.lookup(b"/r/htdocs/sub/page.txt", b"/sub/page.txt");
    assert_eq!(p.env.settings.vars().get(b"V"), Some(&b"nested"[..]));
    assert_eq!(hits(&secs, "/r/htdocs/sub/x.html", "/sub/x.html"), "A");
    assert_eq!(
        hits(&secs, "/r/htdocs/other/page.txt", "/other/page.txt"),
        "T,V"
    );
}

#[test]
fn unset_env_merges_within_a_walk_first() {
    // httpd merges the matching Locations among themselves before
    // merging onto the server's defaults: an UnsetEnv in the second
    // of two Locations does not remove the server's SetEnv.
    let mut base = PerDir::default();
    base.env
        .add_directive("SetEnv", &["X".into(), "1".into()])
        .unwrap();
    let a = section("Location", &["/"], "Y");
    let mut b = section("Location", &["/a"], "Z");
    b.dir.env.add_directive("UnsetEnv", &["X".into()]).unwrap();
    let secs = Sections::new(base.clone(), &[], &[a, b.clone()]);
    assert_eq!(hits(&secs, "/r/a", "/a"), "X,Y,Z");
    let secs = Sections::new(base, &[], &[b]);
    assert_eq!(hits(&secs, "/r/a", "/a"), "Z");
}

#[test]
fn add_type_lookup_as_mod_mime() {
    // apache2 2.4.71: `AddType Text/X-Foo .foo BAR` → a.foo, a.txt.foo
    // and b.bar are text/x-foo, a.foo.txt is text/plain.
    let global = MimeTable::parse("text/plain txt\ntext/html html\n");
    let mut p = PerDir::default();
    let mut w = Vec::new();
    apply(
        &mut p,
        &dir("AddType", &["Text/X-Foo", ".foo", "BAR"]),
        DirScope::Server,
        &mut w,
    )
    .unwrap();
    let t = |n: &str| p.mime.lookup(&global, n.as_bytes()).map(|t| t.to_vec());
    assert_eq!(t("a.foo"), Some(b"text/x-foo".to_vec()));
    assert_eq!(t("a.txt.foo"), Some(b"text/x-foo".to_vec()));
    assert_eq!(t("a.foo.txt"), Some(b"text/plain".to_vec()));
    assert_eq!(t("b.bar"), Some(b"text/x-foo".to_vec()));
    assert_eq!(t("x.html"), Some(b"text/html".to_vec()));
    assert_eq!(t("none"), None);
}

#[test]
fn fnmatch_forms() {
    assert!(fnmatch(b"*.txt", b"a.txt", false));
    assert!(!fnmatch(b"*.txt", b"a.txt.x", false));
    assert!(fnmatch(b"/a/*/c", b"/a/b/c", true));
    assert!(!fnmatch(b"/a/*", b"/a/b/c", true));
    assert!(fnmatch(b"[a-c]?", b"bz", false));
    assert!(!fnmatch(b"[!a-c]?", b"bz", false));
    assert!(fnmatch(b"*", b"", false));
}
