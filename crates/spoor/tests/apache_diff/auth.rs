//! HTTP Basic authentication in the differential suite (group
//! `DIFF_AUTH`): mod_auth_basic, mod_authn_core, mod_authn_file and
//! mod_authz_user.
//!
//! One virtual host, `au.test` on 127.0.0.1, with its own error log
//! `logs/elog_au.log` at `LogLevel warn authz_core:debug
//! authz_user:debug`, so the AH01614/AH01615/AH01617/AH01618/AH01619/
//! AH01620/AH01627/AH01629/AH01631/AH01663/AH01796/AH00027 lines and
//! mod_authz_core's AH01626 results (with "denied (no authenticated user
//! yet)") are compared, and an access log with `%u` and the
//! `WWW-Authenticate` header sent. The password file `conf/htpasswd`
//! (written by the harness, named relative to the ServerRoot) holds one
//! user per hash form htpasswd and openssl make, all with the password
//! `secret`.

use std::path::Path;

use crate::cases::{rq, Case};

/// The password file: htpasswd -B (bcrypt `$2y$`), the same hash as
/// `$2a$` and `$2b$`, -m (`$apr1$`), -s (`{SHA}`), -d (DES), -2 (`$5$`),
/// -5 (`$6$`), `openssl passwd -1` (`$1$`), a plain-text line, a line
/// without a hash, comments and blank lines, an extra field.
const HTPASSWD: &str = "# users of au.test\n\
\n\
bob:$2y$05$5YHjN3HZgMAU4IXFb2FsjOTnWK9NPj0CEXlBE1dCYPO7c3ZJtAVv.\n\
b2a:$2a$05$5YHjN3HZgMAU4IXFb2FsjOTnWK9NPj0CEXlBE1dCYPO7c3ZJtAVv.\n\
b2b:$2b$05$5YHjN3HZgMAU4IXFb2FsjOTnWK9NPj0CEXlBE1dCYPO7c3ZJtAVv.\n\
alice:$apr1$fGYrUjv/$AK69d.VVegf8P3bPfrRrH0\n\
sha:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n\
des:mIyzuLLXdjrnM\n\
s256:$5$9myMlhQnBPVLdDPe$94qB2pl.xLGz8laJsheuj5N1u.ok1pHRscnhXztXG5.\n\
s512:$6$Ea04iPRQGfvAMU9h$xwYogtkWNho.7qp2/.ruuRobXJRHceMUmPIvxnKLwiI1X5vbNT2VDm1rwFSnUFRBeh4AMdx62tjtSPINAQ7S01\n\
md5:$1$X2gF/8cS$1jtbURp9DpA3wZC/.MlWE/\n\
plain:secret\n\
nohash\n\
  spaced:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=:extra field  \n\
#hidden:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n";

/// (section path below `/au`, directives inside its `<Location>`).
const SECTIONS: &[(&str, &str)] = &[
    (
        "v",
        "AuthType Basic\nAuthName \"the realm\"\nAuthUserFile conf/htpasswd\nRequire valid-user",
    ),
    (
        "u",
        "AuthType Basic\nAuthName u\nAuthBasicProvider file\nAuthUserFile conf/htpasswd\n\
         Require user bob \"alice\"",
    ),
    (
        "not",
        "AuthType Basic\nAuthName x\nAuthUserFile conf/htpasswd\n\
         <RequireAll>\nRequire valid-user\nRequire not user bob\n</RequireAll>",
    ),
    (
        "any",
        "AuthType Basic\nAuthName any\nAuthUserFile conf/htpasswd\n\
         Require ip 127.0.0.2\nRequire user sha",
    ),
    (
        "allip",
        "AuthType Basic\nAuthName allip\nAuthUserFile conf/htpasswd\n\
         <RequireAll>\nRequire ip 127.0.0.1\nRequire valid-user\n</RequireAll>",
    ),
    // Inherits the realm and file, changes the requirement.
    ("v/sub", "Require user alice"),
    ("v/off", "AuthType None"),
    (
        "noname",
        "AuthType Basic\nAuthUserFile conf/htpasswd\nRequire valid-user",
    ),
    ("nofile", "AuthType Basic\nAuthName x\nRequire valid-user"),
    (
        "missing",
        "AuthType Basic\nAuthName x\nAuthUserFile conf/nope\nRequire valid-user",
    ),
    (
        "notype",
        "AuthName x\nAuthUserFile conf/htpasswd\nRequire valid-user",
    ),
    (
        "typeonly",
        "AuthType Basic\nAuthName x\nAuthUserFile conf/htpasswd\nAuthMerging Off",
    ),
    (
        "nonauth",
        "AuthType Basic\nAuthName x\nAuthUserFile conf/htpasswd\n\
         AuthBasicAuthoritative Off\nRequire valid-user",
    ),
    (
        "ed",
        "AuthType Basic\nAuthName ed\nAuthUserFile conf/htpasswd\nRequire valid-user\n\
         ErrorDocument 401 /au/open/f.txt",
    ),
    ("open", "Require all granted"),
];

/// Each section's file.
pub fn docs() -> Vec<(String, Vec<u8>)> {
    SECTIONS
        .iter()
        .map(|(p, _)| (format!("au/{p}/f.txt"), format!("au {p}\n").into_bytes()))
        .collect()
}

/// Writes the password file.
pub fn files(root: &Path) {
    std::fs::write(root.join("conf/htpasswd"), HTPASSWD).unwrap();
}

/// The group's configuration.
pub fn config(modules: &str) -> String {
    let mut c = format!(
        "\n# Basic authentication (tests/apache_diff/auth.rs).\n\
         <IfDefine DIFF_AUTH>\n\
         LoadModule auth_basic_module {modules}/mod_auth_basic.so\n\
         LoadModule authn_core_module {modules}/mod_authn_core.so\n\
         LoadModule authn_file_module {modules}/mod_authn_file.so\n\
         LoadModule authz_user_module {modules}/mod_authz_user.so\n\
         <IfModule !authz_host_module>\n\
         LoadModule authz_host_module {modules}/mod_authz_host.so\n\
         </IfModule>\n\
         <VirtualHost 127.0.0.1:${{DIFF_PORT}}>\n\
         ServerName au.test\n\
         DocumentRoot htdocs\n\
         ErrorLog logs/elog_au.log\n\
         LogLevel warn authz_core:debug authz_user:debug\n\
         CustomLog logs/au.log \"%a %u %>s %U %{{WWW-Authenticate}}o\"\n"
    );
    for (p, body) in SECTIONS {
        c.push_str(&format!("<Location /au/{p}>\n{body}\n</Location>\n"));
    }
    c.push_str("</VirtualHost>\n</IfDefine>\n");
    c
}

/// Base 64 of `s` (the standard alphabet, padded).
fn b64(s: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for ch in s.chunks(3) {
        let b = [ch[0], *ch.get(1).unwrap_or(&0), *ch.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= ch.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The `Authorization` values every protected path is asked with (none
/// first), and some only `/au/v/` is.
fn credentials() -> (Vec<Option<String>>, Vec<String>) {
    let basic = |s: &str| Some(format!("Basic {}", b64(s.as_bytes())));
    let each = vec![
        None,
        basic("bob:secret"),
        basic("alice:secret"),
        basic("sha:secret"),
        basic("bob:wrong"),
        basic("nobody:secret"),
    ];
    let mut v_only = Vec::new();
    for u in [
        "b2a", "b2b", "des", "s256", "s512", "md5", "plain", "nohash", "spaced", "#hidden",
    ] {
        v_only.push(format!("Basic {}", b64(format!("{u}:secret").as_bytes())));
    }
    v_only.extend([
        "Digest username=\"bob\"".to_string(),
        "Basic".into(),
        "Basic !!!!".into(),
        format!("Basic {}", b64(b"bob")),
        format!("basic   {}", b64(b"bob:secret")),
        format!("BASIC \t{}", b64(b"bob:secret")),
        format!("Basic\t{}", b64(b"bob:secret")),
        format!("Basic {}", b64(b"bob:secret:x")),
        format!("Basic {}", b64(b"bob:secret").trim_end_matches('=')),
        format!("Basic {}junk", b64(b"bob:secret")),
        format!("Basic {}", b64(b"bob\0:secret")),
        format!("Basic {}", b64(b":secret")),
        format!("Basic {}", b64("bøb:secret".as_bytes())),
        format!("Basic {}", b64(b"des:secretXYZ")),
    ]);
    (each, v_only)
}

fn case(name: String, path: &str, auth: Option<&str>) -> Case {
    let line = format!("GET {path} HTTP/1.1");
    let a = auth.map(|a| format!("Authorization: {a}"));
    let mut h: Vec<&[u8]> = vec![b"Host: au.test"];
    if let Some(a) = &a {
        h.push(a.as_bytes());
    }
    Case {
        name,
        addr: 1,
        steps: vec![rq(line.as_bytes(), &h, b"")],
        records: 1,
        hold: false,
    }
}

/// The cases: each section's file with each credential; the password
/// forms and field shapes on `/au/v/`; `/au/any/` and `/au/allip/` from
/// 127.0.0.2 too; two requests on one connection.
pub fn cases() -> Vec<Case> {
    let (each, v_only) = credentials();
    let mut v = Vec::new();
    for (p, _) in SECTIONS {
        for (i, a) in each.iter().enumerate() {
            let path = format!("/au/{p}/f.txt");
            v.push(case(format!("auth {p} cred{i}"), &path, a.as_deref()));
        }
    }
    for (i, a) in v_only.iter().enumerate() {
        v.push(case(format!("auth v form{i}"), "/au/v/f.txt", Some(a)));
    }
    for p in ["any", "allip"] {
        for (i, a) in each.iter().enumerate() {
            let path = format!("/au/{p}/f.txt");
            v.push(case(
                format!("auth {p} cred{i} from 127.0.0.2"),
                &path,
                a.as_deref(),
            ));
        }
    }
    // A directory: mod_dir's index is not there; 401 first.
    v.push(case("auth v dir".into(), "/au/v/", None));
    let good = format!("Authorization: Basic {}", b64(b"bob:secret"));
    let first = rq(
        b"GET /au/v/f.txt HTTP/1.1",
        &[b"Host: au.test", good.as_bytes()],
        b"",
    );
    let second = rq(b"GET /au/v/f.txt HTTP/1.1", &[b"Host: au.test"], b"");
    v.push(Case {
        name: "auth v keep-alive pair".into(),
        addr: 1,
        steps: vec![first, second],
        records: 2,
        hold: false,
    });
    v
}

/// The client address a case of this group connects from.
pub fn client_from(case: &str) -> Option<&str> {
    let (head, from) = case.rsplit_once(" from ")?;
    head.starts_with("auth ").then_some(from)
}
