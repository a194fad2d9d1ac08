//! Access control in the differential suite (group `DIFF_AUTHZ`):
//! `Require` with mod_authz_host's providers (`ip` in every form, `local`,
//! `host`, `forward-dns`), `Require not`, nested `<RequireAll>`,
//! `<RequireAny>`, `<RequireNone>`, `AuthMerging`, and mod_access_compat's
//! `Order`/`Allow`/`Deny`/`Satisfy` alone and with `Require`.
//!
//! One virtual host, `az.test` on 127.0.0.1, with `HostnameLookups Off`
//! (so `%h` shows whether a host-based check looked the client up) and
//! its own error log `logs/elog_az.log` at `LogLevel warn
//! authz_core:debug`: the AH01630/AH01797 refusals and mod_authz_core's
//! AH01626 result of every line and container evaluated are compared
//! too. Each path is asked for from several client addresses (the
//! harness binds the client socket to the address in the case's name):
//! 127.0.0.1 is `localhost` in /etc/hosts, the others have no name.

use crate::cases::{rq, Case};

/// (section path below `/az`, directives inside its `<Location>`).
const SECTIONS: &[(&str, &str)] = &[
    ("ip1", "Require ip 127.0.0.1"),
    ("cidr", "Require ip 127.0.0.0/30"),
    ("partial", "Require ip 127.0.1"),
    ("mask", "Require ip 127.0.0.8/255.255.255.248"),
    (
        "multi",
        "Require ip 10.0.0.1 127.0.0.2 ::1\nRequire ip 192.168.0.0/16",
    ),
    ("v6", "Require ip ::1 fe80::/10"),
    (
        "twolines",
        "Require ip 127.0.0.9\nRequire all denied\nRequire ip 127.0.0.2",
    ),
    (
        "allnot",
        "<RequireAll>\nRequire ip 127.0.0.0/24\nRequire not ip 127.0.0.2\n</RequireAll>",
    ),
    (
        "none",
        "<RequireAll>\nRequire all granted\n<RequireNone>\nRequire ip 127.0.0.1\n\
         Require ip 127.0.0.9\n</RequireNone>\n</RequireAll>",
    ),
    (
        "anynest",
        "<RequireAny>\n<RequireAll>\nRequire ip 127.0.0.2\nRequire local\n</RequireAll>\n\
         Require ip 127.0.1.0/24\n</RequireAny>",
    ),
    (
        "neutral",
        "<RequireAny>\n<RequireAll>\nRequire ip 127.0.0.0/8\nRequire not ip 127.0.0.2\n\
         <RequireAll>\nRequire not ip 127.0.0.9\n</RequireAll>\n</RequireAll>\n\
         Require ip 10.1\n</RequireAny>",
    ),
    (
        "deep",
        "<RequireAll>\n<RequireAny>\nRequire ip 127.0.0.1\nRequire ip 127.0.0.2\n</RequireAny>\n\
         <RequireNone>\n<RequireAll>\nRequire ip 127.0.0.0/30\nRequire not ip 127.0.0.1\n\
         </RequireAll>\n</RequireNone>\n</RequireAll>",
    ),
    ("local", "Require local"),
    (
        "notlocal",
        "<RequireAll>\nRequire all granted\nRequire not local\n</RequireAll>",
    ),
    ("host", "Require host localhost"),
    ("hostdomain", "Require host .localdomain example.test"),
    (
        "hostnot",
        "<RequireAll>\nRequire ip 127.0.0.0/24\nRequire not host localhost\n</RequireAll>",
    ),
    ("fwd", "Require forward-dns localhost"),
    ("m", "Require ip 127.0.0.0/30"),
    ("m/and", "AuthMerging And\nRequire ip 127.0.0.2 127.0.0.9"),
    ("m/or", "AuthMerging Or\nRequire ip 127.0.0.9"),
    ("m/off", "AuthMerging Off"),
    ("m/replace", "Require ip 127.0.0.9"),
    ("m/inherit", "SetEnv AZ_INHERIT 1"),
    ("m/and/deeper", "AuthMerging Or\nRequire ip 127.0.1.5"),
    (
        "deny",
        "Order Deny,Allow\nDeny from all\nAllow from 127.0.0.2",
    ),
    (
        "allowdeny",
        "Order Allow,Deny\nAllow from 127.0.0.0/24 127.0.1\nDeny from 127.0.0.9",
    ),
    ("allowonly", "Order allow,deny"),
    (
        "mutual",
        "Order Mutual-failure\nAllow from 127.0.0\nDeny from 127.0.0.2",
    ),
    (
        "env",
        "SetEnvIf Remote_Addr \"\\.9$\" AZ_NINE\nDeny from env=AZ_NINE",
    ),
    (
        "envnot",
        "SetEnvIf Remote_Addr \"\\.2$\" AZ_TWO\nOrder Allow,Deny\nAllow from env=!AZ_TWO",
    ),
    (
        "compathost",
        "Order Deny,Allow\nDeny from all\nAllow from localhost",
    ),
    (
        "compathostlast",
        "Order Allow,Deny\nAllow from 127.0.0.1 localhost\nDeny from 127.0.0.9",
    ),
    (
        "anyallow",
        "Satisfy Any\nOrder Allow,Deny\nAllow from 127.0.0.1\nRequire ip 127.0.0.2",
    ),
    ("anyplain", "Satisfy Any\nRequire all denied"),
    (
        "all",
        "Satisfy All\nOrder Allow,Deny\nAllow from 127.0.0.1 127.0.0.9\nRequire ip 127.0.0.0/30",
    ),
    (
        "nospec",
        "Deny from 127.0.0.2\nRequire ip 127.0.0.1 127.0.0.2",
    ),
    ("cn", "Deny from all"),
    ("cn/sub", "Satisfy Any\nRequire all denied"),
    ("cn/req", "Require all granted"),
    ("anydeny", "Satisfy any\nDeny from all"),
    // Sections of every kind merged: a regex <DirectoryMatch> (below),
    // the host's <Files "g.txt">, and <Location>s with AuthMerging.
    ("dm", "SetEnv AZ_INHERIT dm"),
    ("dm/and", "AuthMerging And\nRequire ip 127.0.0.2 127.0.0.9"),
    ("dm/or", "AuthMerging Or\nRequire ip 127.0.1.5"),
    // A refusal answered by a local ErrorDocument that is itself under
    // access control.
    (
        "ed",
        "Require ip 127.0.0.2\nErrorDocument 403 /az/ip1/f.txt",
    ),
    (
        "edcompat",
        "Order Allow,Deny\nAllow from 127.0.0.2\nErrorDocument 403 /az/deny/f.txt",
    ),
    // The host's SetEnvIf (before the sections) sets what env= tests.
    (
        "envsrv",
        "Order Allow,Deny\nAllow from env=AZ_HOST_ONE env=AZ_HOST_NINE",
    ),
    (
        "idx",
        "DirectoryIndex a.html b.html\n\
         <RequireAny>\nRequire ip 127.0.0.0/8\n</RequireAny>",
    ),
];

/// Sections with `<Limit>`/`<LimitExcept>`, asked with several methods.
const LIMITS: &[(&str, &str)] = &[
    ("l1", "<Limit POST>\nRequire all denied\n</Limit>"),
    (
        "l2",
        "Require all granted\n<Limit POST>\nRequire all denied\n</Limit>",
    ),
    ("l3", "<LimitExcept GET>\nRequire all denied\n</LimitExcept>"),
    (
        "l4",
        "<RequireAll>\nRequire ip 127.0.0.0/8\n<Limit POST>\nRequire not ip 127.0.0.1\n</Limit>\n</RequireAll>",
    ),
    ("l5", "<Limit GET>\nDeny from all\n</Limit>"),
    (
        "l6",
        "<Limit POST>\nSatisfy Any\nOrder Allow,Deny\nAllow from 127.0.0.1\n</Limit>\nRequire ip 127.0.0.2",
    ),
    ("l7", "<Limit get FOO>\nRequire all denied\n</Limit>"),
    (
        "l8",
        "<Limit HEAD>\nOrder Allow,Deny\nAllow from 127.0.0.1\n</Limit>",
    ),
    (
        "l9",
        "<LimitExcept GET>\n<LimitExcept POST>\nRequire ip 127.0.0.2\n</LimitExcept>\n</LimitExcept>\nRequire ip 127.0.0.1",
    ),
    ("l10", "<Limit POST>\nRequire ip 127.0.0.1\n</Limit>"),
    ("l10/c", "AuthMerging And\nRequire ip 127.0.0.0/30"),
];

/// The methods the `<Limit>` sections are asked with (FOO and `get` are
/// registered by a `<Limit>`, so both servers answer them 405 where
/// access allows).
const METHODS: &[&str] = &["GET", "HEAD", "POST", "FOO", "get", "PUT"];

/// Each section's files (`f.txt`; `idx/` has two index candidates).
pub fn docs() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = SECTIONS
        .iter()
        .chain(LIMITS)
        .map(|(p, _)| (format!("az/{p}/f.txt"), format!("az {p}\n").into_bytes()))
        .collect();
    v.push(("az/idx/a.html".into(), b"<p>a</p>\n".to_vec()));
    for d in ["dm", "dm/and", "dm/or"] {
        v.push((format!("az/{d}/g.txt"), b"g\n".to_vec()));
    }
    v.push(("az/idx/b.html".into(), b"<p>b</p>\n".to_vec()));
    v
}

/// The group's configuration.
pub fn config(modules: &str) -> String {
    let mut c = format!(
        "\n# Access control (tests/apache_diff/authz.rs).\n\
         <IfDefine DIFF_AUTHZ>\n\
         LoadModule authz_host_module {modules}/mod_authz_host.so\n\
         LoadModule access_compat_module {modules}/mod_access_compat.so\n\
         <VirtualHost 127.0.0.1:${{DIFF_PORT}}>\n\
         ServerName az.test\n\
         DocumentRoot htdocs\n\
         HostnameLookups Off\n\
         ErrorLog logs/elog_az.log\n\
         LogLevel warn authz_core:debug\n\
         CustomLog logs/az.log \"%h %a %>s %U %{{AZ_INHERIT}}e\"\n\
         SetEnvIf Remote_Addr \"^127\\.0\\.0\\.1$\" AZ_HOST_ONE\n\
         SetEnvIf Remote_Addr \"\\.9$\" AZ_HOST_NINE\n\
         <Files \"a.html\">\nRequire ip 127.0.0.2\n</Files>\n\
         <Files \"g.txt\">\nRequire ip 127.0.0.9 127.0.1.5\n</Files>\n\
         <DirectoryMatch \"/htdocs/az/dm\">\nRequire ip 127.0.0.1 127.0.0.2\n</DirectoryMatch>\n"
    );
    for (p, body) in SECTIONS.iter().chain(LIMITS) {
        c.push_str(&format!("<Location /az/{p}>\n{body}\n</Location>\n"));
    }
    c.push_str("</VirtualHost>\n</IfDefine>\n");
    c
}

/// The client addresses every path is asked for from.
const CLIENTS: &[&str] = &["127.0.0.1", "127.0.0.2", "127.0.0.9", "127.0.1.5"];

/// Clients whose names matter (the others have none, and each would
/// cost a DNS query that cannot be answered here).
const NAMED: &[&str] = &["127.0.0.1", "127.0.0.2"];

/// The cases: every section's file from every client, the index from
/// each; a connection that asks twice (a name looked up by a host check
/// serves the next request's `%h`).
pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    let host_based = |p: &str| p.contains("host") || p == "fwd";
    for (p, _) in SECTIONS {
        for from in CLIENTS {
            if host_based(p) && !NAMED.contains(from) {
                continue;
            }
            let line = format!("GET /az/{p}/f.txt HTTP/1.1");
            v.push(Case {
                name: format!("authz {p} from {from}"),
                addr: 1,
                steps: vec![rq(line.as_bytes(), &[b"Host: az.test"], b"")],
                records: 1,
                hold: false,
            });
        }
    }
    for p in ["dm", "dm/and", "dm/or"] {
        for from in CLIENTS {
            let line = format!("GET /az/{p}/g.txt HTTP/1.1");
            v.push(Case {
                name: format!("authz {p} g.txt from {from}"),
                addr: 1,
                steps: vec![rq(line.as_bytes(), &[b"Host: az.test"], b"")],
                records: 1,
                hold: false,
            });
        }
    }
    for from in CLIENTS {
        v.push(Case {
            name: format!("authz idx/ from {from}"),
            addr: 1,
            steps: vec![rq(b"GET /az/idx/ HTTP/1.1", &[b"Host: az.test"], b"")],
            records: 1,
            hold: false,
        });
    }
    for (p, _) in LIMITS {
        for m in METHODS {
            for from in NAMED {
                let line = format!("{m} /az/{p}/f.txt HTTP/1.1");
                v.push(Case {
                    name: format!("authz {p} {m} from {from}"),
                    addr: 1,
                    steps: vec![rq(
                        line.as_bytes(),
                        &[b"Host: az.test", b"Content-Length: 0"],
                        b"",
                    )],
                    records: 1,
                    hold: false,
                });
            }
        }
    }
    for from in NAMED {
        let req = rq(b"GET /az/host/f.txt HTTP/1.1", &[b"Host: az.test"], b"");
        let next = rq(b"GET /az/ip1/f.txt HTTP/1.1", &[b"Host: az.test"], b"");
        v.push(Case {
            name: format!("authz host then ip1 from {from}"),
            addr: 1,
            steps: vec![req, next],
            records: 2,
            hold: false,
        });
    }
    v
}

/// The client address a case of this group connects from.
pub fn client_from(case: &str) -> Option<&str> {
    let (head, from) = case.rsplit_once(" from ")?;
    head.starts_with("authz ").then_some(from)
}
