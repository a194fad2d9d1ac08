//! mod_alias in the differential suite (group `DIFF_ALIAS`): `Alias` with
//! and without a trailing slash, `AliasMatch`, every `Redirect` form
//! (keywords, numbers, a path target made a URL, `RedirectMatch` with a
//! substitution, a status without a URL), redirects taking precedence
//! over aliases, the redirects of sections (`<Location>`'s one-argument
//! form, `<Directory>`), a main-server alias inherited by a virtual host, with
//! mod_dir and the directory sections on the aliased tree. The host
//! `alias.test` logs status, URI, query, file and `Location` to
//! `logs/alias.log`; the other logs see the requests too. The aliased
//! tree is outside the document root: the configuration gets a per-side
//! `Define DIFF_AL <ServerRoot>`, as `DIFF_SL` (symlinks.rs).

use std::path::Path;

use crate::cases::{rq, Case};

/// The aliased tree, `aliased/` beside `htdocs/`.
pub fn files(root: &Path) {
    let al = root.join("aliased");
    for (name, data) in [
        ("f.txt", "aliased file\n"),
        ("a b.txt", "aliased with a space\n"),
        ("sub/g.txt", "aliased sub file\n"),
        ("dir/index.html", "aliased index\n"),
        ("denied/x.txt", "aliased but denied\n"),
        ("red/x.txt", "redirected by its directory\n"),
    ] {
        let p = al.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        crate::set_mtime(&p);
    }
}

/// The group's configuration.
pub fn config(root: &Path, modules: &str) -> String {
    format!(
        "\n# mod_alias (apache_diff/alias.rs). The next line differs between\n\
         # the two servers, as DIFF_PORT does.\n\
         Define DIFF_AL {root}\n\
         <IfDefine DIFF_ALIAS>\n\
         LoadModule alias_module {modules}/mod_alias.so\n\
         Alias /mainal/ ${{DIFF_AL}}/aliased/\n\
         <Directory ${{DIFF_AL}}/aliased>\n\
         Require all granted\n\
         </Directory>\n\
         <Directory ${{DIFF_AL}}/aliased/denied>\n\
         Require all denied\n\
         </Directory>\n\
         <VirtualHost 127.0.0.1:${{DIFF_PORT}}>\n\
         ServerName alias.test\n\
         ErrorLog logs/elog_alias.log\n\
         LogLevel info\n\
         CustomLog logs/alias.log \"%>s %U %q %f %{{Location}}o %b\"\n\
         Alias /al/ ${{DIFF_AL}}/aliased/\n\
         Alias /noslash ${{DIFF_AL}}/aliased\n\
         AliasMatch ^/am/(.*)\\.txt$ ${{DIFF_AL}}/aliased/$1.txt\n\
         Redirect /r1 http://example.com/new\n\
         Redirect permanent /r2/ http://example.com/p/\n\
         Redirect 410 /gone\n\
         Redirect gone /gone2\n\
         Redirect seeother /so /local/path\n\
         RedirectTemp /rt http://example.com/t\n\
         RedirectPermanent /rp http://example.com/p\n\
         Redirect 307 /r307 http://example.com/t\n\
         Redirect 308 /r308 \"http://example.com/a b<c\"\n\
         Redirect 300 /r300 http://example.com/t\n\
         Redirect 305 /r305 http://example.com/t\n\
         Redirect /rq http://example.com/q?own=1\n\
         RedirectMatch ^/rm/(.*)$ http://example.com/m/$1\n\
         RedirectMatch 404 ^/rm404\n\
         RedirectMatch 301 ^/rmw/(.*)/(.*)$ http://example.com/$2/$1?x=&y\n\
         Redirect /al/redir http://example.com/beatsalias\n\
         <Location /loc>\nRedirect http://example.com/t\n</Location>\n\
         <Location /loc2>\nRedirect /loc2 http://example.com/t2\n</Location>\n\
         <Location /lp>\nRedirect permanent http://example.com/p\n</Location>\n\
         <Location /lg>\nRedirect gone\n</Location>\n\
         <Location /lrm>\nRedirectMatch ^/lrm/(.*) http://example.com/rm/$1\n</Location>\n\
         <Location /lo>\nRedirect /other http://example.com/o\n</Location>\n\
         <Location /lq>\nRedirect http://example.com/q?x=1\n</Location>\n\
         <Location /lt>\nRedirectTemp /lt/a http://example.com/lt\n</Location>\n\
         <Directory ${{DIFF_AL}}/aliased/red>\nRedirect /al/red http://example.com/red\n</Directory>\n\
         </VirtualHost>\n\
         </IfDefine>\n",
        root = root.display()
    )
}

/// The paths requested on `alias.test`.
const PATHS: &[&str] = &[
    "/al/f.txt",
    "/al/sub/g.txt",
    "/al/a%20b.txt",
    "/al/",
    "/al",
    "/al/dir/",
    "/al/dir",
    "/al/sub/",
    "/al/denied/x.txt",
    "/al/missing.txt",
    "/al/f.txt/extra",
    "/al//f.txt",
    "//al/f.txt",
    "/al/%2e%2e/htdocs/index.html",
    "/AL/f.txt",
    "/noslash/f.txt",
    "/noslash",
    "/noslashx",
    "/am/f.txt",
    "/am/sub/g.txt",
    "/am/none.txt",
    "/mainal/f.txt",
    "/r1",
    "/r1/x",
    "/r1/a%20b?q=1&x",
    "/r1/%C3%A9%3C;~",
    "/r1x",
    "/r2/z",
    "/r2",
    "/gone",
    "/gone/x",
    "/gone2",
    "/so/abc?k=v",
    "/rt/1",
    "/rp",
    "/r307",
    "/r308/x",
    "/r300",
    "/r305",
    "/rq?mine=2",
    "/rm/abc?z",
    "/rm/a%20b",
    "/rm404",
    "/rmw/one/two",
    "/al/redir",
    "/index.html",
    "/loc",
    "/loc/x",
    "/loc/y?q=1",
    "/locx",
    "/loc2/x",
    "/lp/z",
    "/lg/z",
    "/lrm/a%20b",
    "/lo/x",
    "/lq/z?k=v",
    "/lt/a/b",
    "/lt/b",
    "/al/red/x.txt",
];

/// The cases: every path on `alias.test`, and the inherited alias on the
/// main server.
pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    for path in PATHS {
        let line = format!("GET {path} HTTP/1.1");
        v.push(Case {
            name: format!("alias {path}"),
            addr: 1,
            steps: vec![rq(line.as_bytes(), &[b"Host: alias.test"], b"")],
            records: 1,
            hold: false,
        });
    }
    for (name, bytes) in [
        (
            "alias HEAD redirect",
            b"HEAD /r1/x HTTP/1.1\r\nHost: alias.test\r\n\r\n".to_vec(),
        ),
        (
            "alias http/1.0 redirect",
            b"GET /so/x HTTP/1.0\r\n\r\n".to_vec(),
        ),
        (
            "alias main server",
            b"GET /mainal/sub/g.txt HTTP/1.1\r\nHost: main.test\r\n\r\n".to_vec(),
        ),
    ] {
        v.push(Case {
            name: name.into(),
            addr: 1,
            steps: vec![bytes],
            records: 1,
            hold: false,
        });
    }
    v
}
