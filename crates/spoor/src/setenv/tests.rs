//! Expected values come from Apache httpd 2.4.71 (Debian) run on
//! 127.0.0.1 with mod_env and mod_setenvif loaded, the directives under
//! test in a scratch httpd.conf, raw requests sent over a socket, and a
//! `LogFormat` made of `%{VAR}e` items (`-` = unset) or `apache2 -t` for
//! configuration errors. Each test names the experiment it mirrors.

use super::*;

fn words(line: &str) -> (String, Vec<String>) {
    let mut w = line.split_whitespace().map(str::to_string);
    let name = w.next().unwrap();
    (name, w.collect())
}

/// Builds one scope from directive lines (words split on white space).
fn scope(lines: &[&str]) -> ScopeEnv {
    let mut s = ScopeEnv::new();
    for line in lines {
        let (name, args) = words(line);
        s.add_directive(&name, &args)
            .unwrap_or_else(|e| panic!("{line}: {e}"));
    }
    s
}

fn err(line: &str) -> String {
    let (name, args) = words(line);
    ScopeEnv::new().add_directive(&name, &args).unwrap_err()
}

fn req<'a>(uri: &'a str, headers: &'a [(&'a [u8], &'a [u8])]) -> RequestView<'a> {
    RequestView {
        remote_host: b"127.0.0.1",
        remote_addr: b"127.0.0.1",
        server_addr: b"127.0.0.1",
        method: b"GET",
        protocol: b"HTTP/1.0",
        uri: uri.as_bytes(),
        headers,
    }
}

/// Post-read-request rules, then fixups, for one scope.
fn env_for(lines: &[&str], r: &RequestView<'_>) -> EnvTable {
    let s = scope(lines);
    let mut env = EnvTable::new();
    s.rules.apply(r, &mut env).unwrap();
    s.settings.apply(&mut env);
    env
}

fn get<'e>(env: &'e EnvTable, name: &str) -> Option<&'e str> {
    env.get(name.as_bytes())
        .map(|v| std::str::from_utf8(v).unwrap())
}

#[test]
fn missing_header_is_empty_string() {
    // httpd: `SetEnvIf X-Foo ^$ A=empty` and `SetEnvIf X-Foo ^(.*)$ B=[$1]`
    // without X-Foo logged `empty|[]`.
    let env = env_for(
        &["SetEnvIf X-Foo ^$ A=empty", "SetEnvIf X-Foo ^(.*)$ B=[$1]"],
        &req("/", &[]),
    );
    assert_eq!(get(&env, "A"), Some("empty"));
    assert_eq!(get(&env, "B"), Some("[]"));
}

#[test]
fn literal_patterns_copy_values_verbatim() {
    // httpd: `SetEnvIf Request_URI index A=$1x` on /index.html gave
    // `$1x`; `index\.html` is still a plain string; `INDEX` with
    // SetEnvIfNoCase matched (substring, any case) and kept `$1`;
    // with SetEnvIf it did not match.
    let env = env_for(
        &[
            "SetEnvIf Request_URI index A=$1x B=\\q C=&",
            "SetEnvIf Request_URI index\\.html D=$1",
            "SetEnvIfNoCase Request_URI INDEX E=$1",
            "SetEnvIf Request_URI INDEX V=1",
        ],
        &req("/index.html", &[]),
    );
    assert_eq!(get(&env, "A"), Some("$1x"));
    assert_eq!(get(&env, "B"), Some("\\q"));
    assert_eq!(get(&env, "C"), Some("&"));
    assert_eq!(get(&env, "D"), Some("$1"));
    assert_eq!(get(&env, "E"), Some("$1"));
    assert_eq!(get(&env, "V"), None);
}

#[test]
fn regex_substitution() {
    // httpd: `SetEnvIf Request_URI "^/(i)ndex" A=a&b B=$0 C=\$1 D=\
    // E=x\y V=$2z` on /index.html gave `a&b|/index|$1|\|xy|z`.
    let env = env_for(
        &["SetEnvIf Request_URI ^/(i)ndex A=a&b B=$0 C=\\$1 D=\\ E=x\\y V=$2z"],
        &req("/index.html", &[]),
    );
    assert_eq!(get(&env, "A"), Some("a&b"));
    assert_eq!(get(&env, "B"), Some("/index"));
    assert_eq!(get(&env, "C"), Some("$1"));
    assert_eq!(get(&env, "D"), Some("\\"));
    assert_eq!(get(&env, "E"), Some("xy"));
    assert_eq!(get(&env, "V"), Some("z"));
    // httpd: eleven groups on /index.html.en with A=$9$10 B=$ C=$a gave
    // `mi0|$|$a` ($10 is $1 then 0); an unmatched optional group is empty
    // (`^/(x)?(i)` with [$1][$2][$3] gave `[][i][]`).
    let env = env_for(
        &[
            "SetEnvIf Request_URI ^/(.)(.)(.)(.)(.)(.)(.)(.)(.)(.)(.) A=$9$10 B=$ C=$a",
            "SetEnvIf Request_URI ^/(x)?(i) D=[$1][$2][$3]",
        ],
        &req("/index.html.en", &[]),
    );
    assert_eq!(get(&env, "A"), Some("mi0"));
    assert_eq!(get(&env, "B"), Some("$"));
    assert_eq!(get(&env, "C"), Some("$a"));
    assert_eq!(get(&env, "D"), Some("[][i][]"));
}

#[test]
fn variable_forms() {
    // httpd: `A= B=! !C=v D=1` then `D=!` (same attribute and regex,
    // separate rule) gave A=1, B unset, a variable literally named `!C`,
    // D unset. `A=!x` unsets A; `!B=y` sets `!B` and leaves B.
    let env = env_for(
        &[
            "SetEnvIf Request_URI . A= B=! !C=v D=1",
            "SetEnvIf Request_URI . D=!",
        ],
        &req("/", &[]),
    );
    assert_eq!(get(&env, "A"), Some("1"));
    assert_eq!(get(&env, "B"), None);
    assert_eq!(get(&env, "!C"), Some("v"));
    assert_eq!(get(&env, "C"), None);
    assert_eq!(get(&env, "D"), None);
    let env = env_for(
        &[
            "SetEnvIf Request_URI . A=1 B=1",
            "SetEnvIf Request_URI . A=!x !B=y",
        ],
        &req("/", &[]),
    );
    assert_eq!(get(&env, "A"), None);
    assert_eq!(get(&env, "B"), Some("1"));
    assert_eq!(get(&env, "!B"), Some("y"));
    // httpd: `A=1 B=2 A=$1 !B` on /x with ^/(x): A=x, B unset.
    let env = env_for(
        &["SetEnvIf Request_URI ^/(x) A=1 B=2 A=$1 !B"],
        &req("/x", &[]),
    );
    assert_eq!(get(&env, "A"), Some("x"));
    assert_eq!(get(&env, "B"), None);
}

#[test]
fn an_empty_word_ends_the_list() {
    // httpd: SetEnvIf Request_URI x "A=1" "" B  → A=1, B never set.
    let mut s = SetEnvIfRules::new();
    let args: Vec<String> = ["Request_URI", "x", "A=1", "", "B"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    s.add_directive("SetEnvIf", &args).unwrap();
    let mut env = EnvTable::new();
    s.apply(&req("/x", &[]), &mut env).unwrap();
    assert_eq!(get(&env, "A"), Some("1"));
    assert_eq!(get(&env, "B"), None);
    // `"=v"` sets the variable with the empty name.
    let mut s = SetEnvIfRules::new();
    s.add_directive("SetEnvIf", &["Request_URI".into(), ".".into(), "=v".into()])
        .unwrap();
    let mut env = EnvTable::new();
    s.apply(&req("/", &[]), &mut env).unwrap();
    assert_eq!(get(&env, ""), Some("v"));
}

#[test]
fn rules_run_in_order_without_merging() {
    // httpd: URI ^/i X=1; X ^1$ Y=seen; URI ^/i !X → X unset, Y=seen.
    let env = env_for(
        &[
            "SetEnvIf Request_URI ^/i X=1",
            "SetEnvIf X ^1$ Y=seen",
            "SetEnvIf request_uri ^/i !X",
        ],
        &req("/index.html", &[]),
    );
    assert_eq!(get(&env, "X"), None);
    assert_eq!(get(&env, "Y"), Some("seen"));
}

#[test]
fn environment_variables_as_attributes() {
    // httpd: URI . X=fromenv; X (.*) A=$1 → A=fromenv without an X
    // header, A=fromhdr with `X: fromhdr` (the header wins).
    let lines = ["SetEnvIf Request_URI . X=fromenv", "SetEnvIf X (.*) A=$1"];
    assert_eq!(get(&env_for(&lines, &req("/", &[])), "A"), Some("fromenv"));
    let h: &[(&[u8], &[u8])] = &[(b"X", b"fromhdr")];
    assert_eq!(get(&env_for(&lines, &req("/", h)), "A"), Some("fromhdr"));
    // httpd: abc=1, then `SetEnvIf ABC 1 A=yes` matched; ABC=2 replaced
    // abc (lookups ignore case).
    let env = env_for(
        &[
            "SetEnvIf Request_URI . abc=1",
            "SetEnvIf ABC 1 A=yes",
            "SetEnvIf Request_URI . ABC=2",
        ],
        &req("/", &[]),
    );
    assert_eq!(get(&env, "A"), Some("yes"));
    assert_eq!(get(&env, "abc"), Some("2"));
    assert_eq!(env.len(), 2);
}

#[test]
fn setenv_is_invisible_to_setenvif() {
    // httpd: `SetEnv X se` and `SetEnvIf X (.+) A=$1` (server context
    // and in <Location />) → A and B unset, X=se.
    let env = env_for(&["SetEnv X se", "SetEnvIf X (.+) A=$1"], &req("/", &[]));
    assert_eq!(get(&env, "A"), None);
    assert_eq!(get(&env, "X"), Some("se"));
}

#[test]
fn repeated_headers_are_joined() {
    // httpd: `SetEnvIf x-a (.*) A=$1` with X-A: 1, X-B: 2, x-a: 3 → "1, 3".
    let h: &[(&[u8], &[u8])] = &[(b"X-A", b"1"), (b"X-B", b"2"), (b"x-a", b"3")];
    let env = env_for(&["SetEnvIf x-a (.*) A=$1"], &req("/", h));
    assert_eq!(get(&env, "A"), Some("1, 3"));
}

#[test]
fn header_name_regex() {
    // httpd: with X-A: 1, X-B: 2, X-A: 3, `^X-.` gave 2 (the last header
    // name that matches, in order of first appearance); with X-B, X-A
    // it gave the X-A value.
    let h: &[(&[u8], &[u8])] = &[(b"X-A", b"1"), (b"X-B", b"2"), (b"X-A", b"3")];
    let env = env_for(&["SetEnvIf ^X-. (.*) A=$1"], &req("/", h));
    assert_eq!(get(&env, "A"), Some("2"));
    let h: &[(&[u8], &[u8])] = &[(b"X-B", b"1"), (b"X-A", b"2"), (b"X-B", b"3")];
    let env = env_for(&["SetEnvIf ^X-. (.*) A=$1"], &req("/", h));
    assert_eq!(get(&env, "A"), Some("2"));
    // httpd: names are matched case-sensitively, even by SetEnvIfNoCase:
    // `x-(b|a)`, `X-b.*`, `x.b` found nothing (value ""), `X-(B|A)` and
    // `X.B` found X-B.
    let h: &[(&[u8], &[u8])] = &[(b"X-A", b"1"), (b"X-B", b"2")];
    for (pat, want) in [
        ("x-(b|a)", ""),
        ("X-(b|a)", ""),
        ("X-b.*", ""),
        ("x.b", ""),
        ("X-(B|A)", "2"),
        ("X.B", "2"),
    ] {
        for d in ["SetEnvIf", "SetEnvIfNoCase"] {
            let line = format!("{d} {pat} (.*) B=$1");
            let env = env_for(&[&line], &req("/", h));
            assert_eq!(get(&env, "B"), Some(want), "{line}");
        }
    }
    // httpd: header-name regexes never read environment variables
    // (`X-Q=env` then `X-(Q) (.*) A=[$1]` gave `[]`).
    let env = env_for(
        &[
            "SetEnvIf Request_URI . X-Q=env",
            "SetEnvIf X-(Q) (.*) A=[$1]",
        ],
        &req("/", &[]),
    );
    assert_eq!(get(&env, "A"), Some("[]"));
}

#[test]
fn attribute_spelling_is_shared_within_a_scope() {
    // httpd: `SetEnvIf X-(B|A) ^1 A=$0` then `SetEnvIf x-(b|a) (.*)
    // B=$1` gave B=2: the second rule reused the first spelling. In the
    // other order both found nothing. In separate <Location> sections or
    // server vs <VirtualHost> the spelling is not shared.
    let h: &[(&[u8], &[u8])] = &[(b"X-A", b"1"), (b"X-B", b"2")];
    let env = env_for(
        &[
            "SetEnvIf X-(B|A) ^1 A=$0",
            "SetEnvIfNoCase x-(b|a) (.*) B=$1",
        ],
        &req("/", h),
    );
    assert_eq!(get(&env, "A"), None);
    assert_eq!(get(&env, "B"), Some("2"));
    let env = env_for(
        &["SetEnvIf x-(b|a) (.*) A=$1", "SetEnvIf X-(B|A) (.*) B=$1"],
        &req("/", h),
    );
    assert_eq!(get(&env, "A"), Some(""));
    assert_eq!(get(&env, "B"), Some(""));
    let a = scope(&["SetEnvIf X-(B|A) ^1 A=$0"]);
    let b = scope(&["SetEnvIf x-(b|a) (.*) B=$1"]);
    let m = ScopeEnv::merge(&a, &b);
    let mut env = EnvTable::new();
    m.rules.apply(&req("/", h), &mut env).unwrap();
    assert_eq!(get(&env, "B"), Some(""));
}

#[test]
fn special_attributes() {
    // httpd (HostnameLookups Off): Remote_Host, Remote_Addr and
    // Server_Addr were 127.0.0.1, Request_Method GET/HEAD,
    // Request_Protocol HTTP/1.0 or HTTP/1.1; names in any case; a header
    // called Request_Method is not consulted.
    let h: &[(&[u8], &[u8])] = &[(b"Request_Method", b"hdr")];
    let mut r = req("/", h);
    r.remote_host = b"client.example";
    r.remote_addr = b"10.0.0.1";
    r.server_addr = b"10.0.0.2";
    r.method = b"HEAD";
    r.protocol = b"HTTP/1.1";
    let env = env_for(
        &[
            "SetEnvIf Remote_Host (.*) A=$1",
            "SetEnvIf remote_addr (.*) B=$1",
            "SetEnvIf SERVER_ADDR (.*) C=$1",
            "SetEnvIf Request_Method (.*) D=$1",
            "SetEnvIf Request_Protocol (.*) E=$1",
            "SetEnvIf Request_URI (.*) V=$1",
        ],
        &r,
    );
    assert_eq!(get(&env, "A"), Some("client.example"));
    assert_eq!(get(&env, "B"), Some("10.0.0.1"));
    assert_eq!(get(&env, "C"), Some("10.0.0.2"));
    assert_eq!(get(&env, "D"), Some("HEAD"));
    assert_eq!(get(&env, "E"), Some("HTTP/1.1"));
    assert_eq!(get(&env, "V"), Some("/"));
}

#[test]
fn browser_match() {
    // httpd: `BrowserMatch ^$ A=noua` matched a request without
    // User-Agent; with `User-Agent: Mozilla`, `BrowserMatchNoCase MOZ(.)
    // B=$1` gave `i` and `BrowserMatch Moz C` gave 1.
    let lines = [
        "BrowserMatch ^$ A=noua",
        "BrowserMatchNoCase MOZ(.) B=$1",
        "BrowserMatch Moz C",
    ];
    let env = env_for(&lines, &req("/", &[]));
    assert_eq!(get(&env, "A"), Some("noua"));
    assert_eq!(get(&env, "B"), None);
    let h: &[(&[u8], &[u8])] = &[(b"user-agent", b"Mozilla")];
    let env = env_for(&lines, &req("/", h));
    assert_eq!(get(&env, "A"), None);
    assert_eq!(get(&env, "B"), Some("i"));
    assert_eq!(get(&env, "C"), Some("1"));
}

#[test]
fn setenv_and_unsetenv_in_one_scope() {
    // httpd: SetEnv A → "" ; SetEnv B "x y"; SetEnvIf . C=c D=d;
    // UnsetEnv C (does not touch SetEnvIf's C); SetEnv E e + UnsetEnv E
    // → unset; UnsetEnv V + SetEnv V v → v.
    let mut s = scope(&[
        "SetEnv A",
        "SetEnvIf Request_URI . C=c D=d",
        "UnsetEnv C",
        "SetEnv E e",
        "UnsetEnv E",
        "UnsetEnv V",
        "SetEnv V v",
    ]);
    s.add_directive("SetEnv", &["B".into(), "x y".into()])
        .unwrap();
    let mut env = EnvTable::new();
    s.rules.apply(&req("/", &[]), &mut env).unwrap();
    s.settings.apply(&mut env);
    assert_eq!(get(&env, "A"), Some(""));
    assert_eq!(get(&env, "B"), Some("x y"));
    assert_eq!(get(&env, "C"), Some("c"));
    assert_eq!(get(&env, "E"), None);
    assert_eq!(get(&env, "V"), Some("v"));
    // httpd: SetEnv A 1; SetEnv a 2 → 2.
    assert_eq!(
        get(&env_for(&["SetEnv A 1", "SetEnv a 2"], &req("/", &[])), "A"),
        Some("2")
    );
    // httpd: UnsetEnv A "" B removes only A.
    let mut e = EnvSettings::new();
    e.add_directive("SetEnv", &["B".into(), "2".into()])
        .unwrap();
    e.add_directive("UnsetEnv", &["A".into(), "".into(), "B".into()])
        .unwrap();
    assert_eq!(e.vars().get(b"B"), Some(&b"2"[..]));
}

#[test]
fn setenvif_value_wins_over_setenv() {
    // httpd: SetEnvIf . A=fromif and SetEnv A fromset → %{A}e fromif
    // (mod_env appends); also with the SetEnvIf in <Location />.
    let env = env_for(
        &[
            "SetEnvIf Request_URI . A=fromif",
            "SetEnv A fromset",
            "SetEnv B fromset",
        ],
        &req("/", &[]),
    );
    assert_eq!(get(&env, "A"), Some("fromif"));
    assert_eq!(get(&env, "B"), Some("fromset"));
    assert_eq!(env.len(), 3);
}

#[test]
fn env_settings_merge() {
    // httpd: server SetEnv A main, B main.
    let server = scope(&["SetEnv A main", "SetEnv B main"]).settings;
    let vars = |s: &EnvSettings, n: &str| {
        s.vars()
            .get(n.as_bytes())
            .map(|v| String::from_utf8(v.to_vec()).unwrap())
    };
    // <VirtualHost> UnsetEnv A → A unset.
    let vh = scope(&["UnsetEnv A"]).settings;
    let m = EnvSettings::merge(&server, &vh);
    assert_eq!(vars(&m, "A"), None);
    assert_eq!(vars(&m, "B").as_deref(), Some("main"));
    // <Location /> UnsetEnv A alone matching → A unset; with <Location
    // /d> (SetEnv C c) matching too, httpd merged the two sections first
    // and A stayed "main"; likewise for two <Directory>s and for
    // <Location /> SetEnv C + <Location /d> UnsetEnv A.
    let root = scope(&["UnsetEnv A"]).settings;
    let d = scope(&["SetEnv C c"]).settings;
    let sections = EnvSettings::merge(&root, &d);
    let m = EnvSettings::merge(&server, &sections);
    assert_eq!(vars(&m, "A").as_deref(), Some("main"));
    assert_eq!(vars(&m, "C").as_deref(), Some("c"));
    let sections = EnvSettings::merge(&d, &root);
    let m = EnvSettings::merge(&server, &sections);
    assert_eq!(vars(&m, "A").as_deref(), Some("main"));
    // httpd: <Location /d> UnsetEnv A, SetEnv B loc; <Location /d/f>
    // SetEnv A again: /d/ → -|loc, /d/f → again|loc.
    let d = scope(&["UnsetEnv A", "SetEnv B loc"]).settings;
    let f = scope(&["SetEnv A again"]).settings;
    let m = EnvSettings::merge(&server, &d);
    assert_eq!(vars(&m, "A"), None);
    assert_eq!(vars(&m, "B").as_deref(), Some("loc"));
    let m = EnvSettings::merge(&server, &EnvSettings::merge(&d, &f));
    assert_eq!(vars(&m, "A").as_deref(), Some("again"));
    assert_eq!(vars(&m, "B").as_deref(), Some("loc"));
    // httpd: server UnsetEnv A, SetEnv A 1; <Location /> UnsetEnv A,
    // SetEnv A 2, SetEnv B 3, UnsetEnv B → A=2, B unset.
    let s = scope(&["UnsetEnv A", "SetEnv A 1"]).settings;
    let l = scope(&["UnsetEnv A", "SetEnv A 2", "SetEnv B 3", "UnsetEnv B"]).settings;
    let m = EnvSettings::merge(&s, &l);
    assert_eq!(vars(&m, "A").as_deref(), Some("2"));
    assert_eq!(vars(&m, "B"), None);
}

#[test]
fn setenvif_merge_order() {
    // httpd: main `SetEnvIf . X=main`, vhost `SetEnvIf X (.*) A=$1` and
    // `X=vh` → A=main, X=vh (main server rules run first).
    let main = scope(&["SetEnvIf Request_URI . X=main"]);
    let vh = scope(&["SetEnvIf X (.*) A=$1", "SetEnvIf Request_URI . X=vh"]);
    let m = ScopeEnv::merge(&main, &vh);
    let mut env = EnvTable::new();
    m.rules.apply(&req("/", &[]), &mut env).unwrap();
    assert_eq!(get(&env, "A"), Some("main"));
    assert_eq!(get(&env, "X"), Some("vh"));
}

#[test]
fn substitution_length_limit() {
    // httpd: 8000-byte header, value `$1` ×8 plus padding: 65535 bytes
    // set; 65536 → status 500, AH01505, later variables of the rule and
    // later rules not applied (earlier ones stay).
    let big = vec![b'a'; 8000];
    let h: &[(&[u8], &[u8])] = &[(b"X", &big)];
    for (pad, ok) in [(1535, true), (1536, false)] {
        let line = format!(
            "SetEnvIf X (.*) A={}{} D=after",
            "$1".repeat(8),
            "b".repeat(pad)
        );
        let s = scope(&[
            "SetEnvIf Request_URI . C=before",
            &line,
            "SetEnvIf Request_URI . B=ok",
        ]);
        let mut env = EnvTable::new();
        let r = s.rules.apply(&req("/", h), &mut env);
        assert_eq!(r.is_ok(), ok);
        assert_eq!(get(&env, "C"), Some("before"));
        if ok {
            assert_eq!(env.get(b"A").unwrap().len(), 65535);
            assert_eq!(get(&env, "B"), Some("ok"));
        } else {
            assert_eq!(
                r.unwrap_err().to_string(),
                "AH01505: Regular expression replacement failed for 'A', value too long?"
            );
            assert_eq!(get(&env, "A"), None);
            assert_eq!(get(&env, "D"), None);
            assert_eq!(get(&env, "B"), None);
        }
    }
}

#[test]
fn directive_errors() {
    // httpd 2.4.71 `apache2 -t` messages.
    let m = |d: &str, args: &[&str]| {
        let a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        ScopeEnv::new().add_directive(d, &a).unwrap_err()
    };
    assert_eq!(m("SetEnvIf", &[]), "Missing header-field name for SetEnvIf");
    assert_eq!(
        m("SetEnvIf", &["", "^/", "A"]),
        "Missing header-field name for SetEnvIf"
    );
    assert_eq!(
        err("SetEnvIf Request_URI"),
        "Missing regular expression for SetEnvIf"
    );
    assert_eq!(
        m("SetEnvIf", &["Request_URI", "", "A"]),
        "Missing regular expression for SetEnvIf"
    );
    assert_eq!(
        err("SetEnvIf Request_URI ^/"),
        "Missing envariable expression for SetEnvIf"
    );
    assert_eq!(
        m("SetEnvIf", &["Request_URI", "x", ""]),
        "Missing envariable expression for SetEnvIf"
    );
    assert_eq!(
        err("SetEnvIf Request_URI ( A"),
        "SetEnvIf regex could not be compiled."
    );
    assert_eq!(
        err("SetEnvIfNoCase X"),
        "Missing regular expression for SetEnvIfNoCase"
    );
    assert_eq!(
        err("BrowserMatch"),
        "Missing regular expression for BrowserMatch"
    );
    assert_eq!(
        err("BrowserMatch x"),
        "Missing envariable expression for BrowserMatch"
    );
    assert_eq!(
        err("BrowserMatchNoCase"),
        "Missing regular expression for BrowserMatchNoCase"
    );
    assert_eq!(
        err("BrowserMatchNoCase x"),
        "Missing envariable expression for BrowserMatchNoCase"
    );
    assert_eq!(err("SetEnvIfExpr"), "Missing expression for SetEnvIfExpr");
    assert!(err("SetEnvIfExpr true A").contains("not supported by spoor yet"));
    // httpd accepts these (PCRE); spoor says why it cannot.
    for p in [
        "(?<=a)b", "(?!a)", "(a)\\1", "a++", "a{2}+", "(?>a)", "a\\Kb", "(?R)",
    ] {
        let a: Vec<String> = ["Request_URI", p, "A"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let e = ScopeEnv::new()
            .add_directive("SetEnvIf", &a)
            .map_or_else(|e| e, |_| format!("accepted {p}"));
        assert!(e.contains("does not support look-around"), "{p}: {e}");
    }
    // Look-alikes that are ordinary regex syntax.
    for p in ["[*+]+", "a\\++", "(?:a)+", "(?i)a", "[]+]", "\\0"] {
        let a: Vec<String> = ["Request_URI", p, "A"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(ScopeEnv::new().add_directive("SetEnvIf", &a).is_ok(), "{p}");
    }
    assert!(err("SetEnvIf OID(\"1.2\") x A").contains("OID"));
    let setenv = "SetEnv takes 1-2 arguments, an environment variable name and optional \
                  value to pass to CGI.";
    assert_eq!(err("SetEnv"), setenv);
    assert_eq!(err("SetEnv A B C"), setenv);
    assert_eq!(m("SetEnv", &[""]), setenv);
    assert_eq!(
        err("UnsetEnv"),
        "UnsetEnv requires at least one argument, a list of variables to remove from \
         the CGI environment."
    );
    assert!(err("PassEnv HOME").contains("PassEnv"));
}

#[test]
fn setenv_equals_warning() {
    // httpd logs AH10032 and still sets the variable under the name as
    // written (`SetEnv A=B` → %{A=B}e is "", %{A}e unset).
    let cases = [
        ("A=B", "'SetEnv A B' expected instead?"),
        ("A=B=C", "'SetEnv A B=C' expected instead?"),
        ("A=", "'SetEnv A ' expected instead?"),
        ("A==", "'SetEnv A =' expected instead?"),
        ("==", "'SetEnv (null) ' expected instead?"),
        ("=F", "'SetEnv F ' expected instead?"),
    ];
    for (name, tail) in cases {
        let mut e = EnvSettings::new();
        let w = e
            .add_directive("SetEnv", &[name.to_string()])
            .unwrap()
            .unwrap();
        assert_eq!(
            w,
            format!("AH10032: Spurious usage of '=' in an environment variable name. {tail}")
        );
        assert_eq!(e.vars().get(name.as_bytes()), Some(&b""[..]));
    }
    let mut e = EnvSettings::new();
    let w = e
        .add_directive("SetEnv", &["C=D".into(), "E".into()])
        .unwrap()
        .unwrap();
    assert!(w.ends_with("'SetEnv C D' expected instead?"));
    assert_eq!(e.vars().get(b"C=D"), Some(&b"E"[..]));
    assert_eq!(e.add_directive("SetEnv", &["OK".into()]).unwrap(), None);
}

#[test]
fn log_conditions() {
    // httpd -t: env= / env=! / Env= → "missing environment variable
    // name"; expr= / EXPR= → "missing condition"; env, foo, "",
    // " env=x" → "error in condition clause"; ENV=!x accepted.
    for c in ["env=", "env=!", "Env=", "ENV=!"] {
        assert_eq!(
            LogCondition::parse(c).unwrap_err(),
            "missing environment variable name"
        );
    }
    for c in ["expr=", "EXPR="] {
        assert_eq!(LogCondition::parse(c).unwrap_err(), "missing condition");
    }
    assert!(LogCondition::parse("expr=true")
        .unwrap_err()
        .contains("does not support expr="));
    for c in ["env", "foo", "", " env=x", "é"] {
        assert_eq!(
            LogCondition::parse(c).unwrap_err(),
            "error in condition clause"
        );
    }
    assert_eq!(
        LogCondition::parse("ENV=!x").unwrap(),
        LogCondition::IfUnset(b"x".to_vec())
    );
    // httpd run: Xv=1 on /x, EMPTY= (value 1) on /y; env=xV logged /x;
    // ENV=!XV logged /y and /z; env=empty logged /y; env=!!X (variable
    // "!X") logged all; env=S with `SetEnv S ""` logged all.
    let s = scope(&[
        "SetEnvIf Request_URI ^/x$ Xv=1",
        "SetEnvIf Request_URI ^/y$ EMPTY=",
    ]);
    let mut s = s;
    s.add_directive("SetEnv", &["S".into(), "".into()]).unwrap();
    let conds = ["env=xV", "ENV=!XV", "env=empty", "env=!!X", "env=S"]
        .map(|c| LogCondition::parse(c).unwrap());
    let mut logged = [Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    for uri in ["/x", "/y", "/z"] {
        let mut env = EnvTable::new();
        s.rules.apply(&req(uri, &[]), &mut env).unwrap();
        s.settings.apply(&mut env);
        for (i, c) in conds.iter().enumerate() {
            if c.allows(&env) {
                logged[i].push(uri);
            }
        }
    }
    assert_eq!(logged[0], ["/x"]);
    assert_eq!(logged[1], ["/y", "/z"]);
    assert_eq!(logged[2], ["/y"]);
    assert_eq!(logged[3], ["/x", "/y", "/z"]);
    assert_eq!(logged[4], ["/x", "/y", "/z"]);
}

#[test]
fn table_semantics() {
    let mut t = EnvTable::new();
    t.add(b"a", b"1");
    t.add(b"B", b"2");
    t.add(b"A", b"3");
    assert_eq!(t.get(b"A"), Some(&b"1"[..]));
    t.set(b"A", b"4");
    assert_eq!(
        t.iter().collect::<Vec<_>>(),
        [(&b"a"[..], &b"4"[..]), (b"B", b"2")]
    );
    t.add(b"a", b"5");
    t.unset(b"A");
    assert_eq!(t.len(), 1);
    assert!(!t.contains(b"a"));
    t.clear();
    assert!(t.is_empty());
}

#[test]
fn bytes_not_text() {
    // PCRE in httpd runs without UTF mode: `.` is one byte, invalid
    // UTF-8 is matched, case folding is ASCII only.
    let h: &[(&[u8], &[u8])] = &[(b"X", b"\xff\xfeab\n")];
    let env = env_for(
        &[
            "SetEnvIf X ^(..)(.*)$ A=$1 B=$2",
            "SetEnvIfNoCase X ^..AB C=1",
            "SetEnvIf X é D=1",
            "SetEnvIfNoCase Request_URI É E=1",
        ],
        &req("/é", h),
    );
    assert_eq!(env.get(b"A"), Some(&b"\xff\xfe"[..]));
    assert_eq!(env.get(b"B"), Some(&b"ab\n"[..]));
    assert_eq!(get(&env, "C"), Some("1"));
    assert_eq!(get(&env, "D"), None);
    assert_eq!(get(&env, "E"), None);
    // httpd on GET /\xc3\xa9: `SetEnvIfNoCase Request_URI ^/(É)` no
    // match; `^/(é)$ C=$1` gave \xc3\xa9; `^/.$` no match; `^/..$`
    // matched.
    let env = env_for(
        &[
            "SetEnvIfNoCase Request_URI ^/(É) B=1",
            "SetEnvIf Request_URI ^/(é)$ C=$1",
            "SetEnvIf Request_URI ^/.$ D=1",
            "SetEnvIf Request_URI ^/..$ E=1",
        ],
        &req("/é", &[]),
    );
    assert_eq!(get(&env, "B"), None);
    assert_eq!(get(&env, "C"), Some("é"));
    assert_eq!(get(&env, "D"), None);
    assert_eq!(get(&env, "E"), Some("1"));
}

#[test]
fn compiled_once_and_fast() {
    // Rules compile at configuration time; applying them allocates
    // little and does not recompile. A generous bound for debug builds.
    let s = scope(&[
        "BrowserMatch ^Mozilla/4 nokeepalive",
        "BrowserMatch \\bMSIE\\s7 !no-gzip",
        "SetEnvIfNoCase Request_URI \\.(?:gif|jpe?g|png)$ no-gzip dont-vary",
        "SetEnvIf Request_URI ^/(api)/(v[0-9]+) area=$1 ver=$2",
        "SetEnvIf Remote_Addr ^127\\. local",
        "SetEnvIf ^X-Forw (.*) fwd=$1",
        "SetEnvIf Referer example\\.com internal",
    ]);
    let h: &[(&[u8], &[u8])] = &[
        (b"Host", b"localhost"),
        (
            b"User-Agent",
            b"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0",
        ),
        (b"Accept", b"*/*"),
        (b"X-Forwarded-For", b"10.1.2.3"),
    ];
    let r = req("/api/v2/items.png", h);
    let start = std::time::Instant::now();
    let mut env = EnvTable::new();
    for _ in 0..20_000 {
        env.clear();
        s.rules.apply(&r, &mut env).unwrap();
    }
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(get(&env, "area"), Some("api"));
    assert_eq!(get(&env, "ver"), Some("v2"));
    assert_eq!(get(&env, "local"), Some("1"));
    assert_eq!(get(&env, "fwd"), Some("10.1.2.3"));
    assert_eq!(get(&env, "no-gzip"), Some("1"));
    assert_eq!(get(&env, "internal"), None);
}
