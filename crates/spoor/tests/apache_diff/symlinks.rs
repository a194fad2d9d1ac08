//! Symbolic links in the differential suite (group `DIFF_SYMLINKS`):
//! `Options FollowSymLinks` and `SymLinksIfOwnerMatch`, set or taken away
//! at `<Directory />`, at the document root, at a subdirectory, at the
//! virtual host's level and in a regex section, with `+`/`-` merges; links
//! to files and directories, outside the document root, out of the tree
//! (`/etc`), dangling, into a `Require all denied` directory, owned by
//! another user than their target (the suite runs as root: such links
//! are `lchown`ed to nobody), as a `DirectoryIndex` candidate and as a
//! local `ErrorDocument`.
//!
//! Each virtual host below serves `htdocs/sl` and writes its error lines
//! to `logs/elog_sl.log`, which the harness compares too: from the
//! `[module:level]` tag and the `AHnnnnn:` code on (the time, pid and
//! client port left out), so httpd's AH00037/AH00032 lines are checked
//! byte for byte. The sections need absolute paths: the configuration
//! gets a second per-side line, `Define DIFF_SL <ServerRoot>`.

use std::os::unix::fs::{lchown, symlink};
use std::path::Path;

use crate::cases::{rq, Case};

/// nobody's uid and gid on Debian.
const NOBODY: u32 = 65534;

/// The files of the tree (below `htdocs/sl`, plus `outside/`), written
/// before the harness makes everything readable.
pub fn files(root: &Path) {
    let sl = root.join("htdocs/sl");
    for (name, data) in [
        ("file.html", "sl file\n"),
        ("index.html", "sl index\n"),
        ("dir/index.html", "sl dir index\n"),
        ("dir/page.txt", "sl dir page\n"),
        ("denied/secret.txt", "sl secret\n"),
        ("sub/inner.txt", "sl sub inner\n"),
        ("ed/err.html", "sl error page\n"),
        ("idx/real.html", "sl real index\n"),
        ("own/mine.txt", "owned by nobody\n"),
    ] {
        let p = sl.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        crate::set_mtime(&p);
    }
    std::fs::create_dir_all(sl.join("idxd")).unwrap();
    std::fs::create_dir_all(root.join("outside")).unwrap();
    let out = root.join("outside/out.txt");
    std::fs::write(&out, "outside the document root\n").unwrap();
    crate::set_mtime(&out);
}

/// The links, made after the permissions are set (the harness's walk
/// follows links, and must not reach `/etc`).
pub fn links(root: &Path) {
    let sl = root.join("htdocs/sl");
    for (link, target) in [
        ("flink.html", "file.html"),
        ("dlink", "dir"),
        ("outlink", "../../outside"),
        ("etc_link", "/etc"),
        ("dangling", "nothere"),
        ("deniedlink", "denied"),
        ("sub/up.html", "../file.html"),
        ("sub/dlink", "../dir"),
        ("idx/index.html", "real.html"),
        ("idxd/index.html", "nothere"),
        ("ed/errlink.html", "err.html"),
        ("owned.html", "file.html"),
        ("own/theirs.txt", "mine.txt"),
        ("own/rootlink.txt", "mine.txt"),
    ] {
        symlink(target, sl.join(link)).unwrap();
    }
    // A link owned by nobody to root's file, a link owned by nobody to
    // nobody's file, a link owned by root to nobody's file.
    lchown(sl.join("owned.html"), Some(NOBODY), Some(NOBODY)).unwrap();
    lchown(sl.join("own/theirs.txt"), Some(NOBODY), Some(NOBODY)).unwrap();
    lchown(sl.join("own/mine.txt"), Some(NOBODY), Some(NOBODY)).unwrap();
}

/// (host name part, directives inside its `<VirtualHost>`).
const HOSTS: &[(&str, &str)] = &[
    // The default: FollowSymLinks everywhere (dangling links still fail).
    ("free", ""),
    // The shape: taken away at `/` and at the document root.
    (
        "root",
        "<Directory />\nOptions -FollowSymLinks\n</Directory>\n\
         <Directory ${DIFF_SL}/htdocs/sl>\nOptions -FollowSymLinks\n</Directory>\n",
    ),
    // Only at `/`: every level below inherits it.
    ("slash", "<Directory />\nOptions -FollowSymLinks\n</Directory>\n"),
    // Only at the document root: the levels above still follow links.
    (
        "docroot",
        "<Directory ${DIFF_SL}/htdocs/sl>\nOptions -FollowSymLinks\n</Directory>\n",
    ),
    // The virtual host says None; + and - merges below it; a regex
    // section (not seen by the walk, but by the index's shortcut).
    (
        "merge",
        "Options None\n\
         <Directory ${DIFF_SL}/htdocs/sl>\nOptions +FollowSymLinks\n</Directory>\n\
         <Directory ${DIFF_SL}/htdocs/sl/sub>\nOptions -FollowSymLinks +SymLinksIfOwnerMatch\n</Directory>\n\
         <Directory ${DIFF_SL}/htdocs/sl/own>\nOptions SymLinksIfOwnerMatch\n</Directory>\n\
         <DirectoryMatch \"/sl/idx$\">\nOptions -FollowSymLinks\n</DirectoryMatch>\n",
    ),
    // Owner match everywhere (explicit set at the host's level).
    ("owner", "Options SymLinksIfOwnerMatch\n"),
    // Both: the owner check applies (the index shortcut skips it).
    ("both", "Options FollowSymLinks SymLinksIfOwnerMatch\n"),
    // Local ErrorDocuments that are links, in a directory without links.
    (
        "errdoc",
        "<Directory ${DIFF_SL}/htdocs/sl/ed>\nOptions -FollowSymLinks\n</Directory>\n\
         <Directory ${DIFF_SL}/htdocs/sl/idx>\nOptions -FollowSymLinks\n</Directory>\n\
         ErrorDocument 404 /ed/errlink.html\n\
         <Location /sub>\nErrorDocument 404 /flink.html\n</Location>\n\
         <Location /own>\nErrorDocument 404 /idx/index.html\n</Location>\n",
    ),
];

/// The request paths sent to every host.
const PATHS: &[&str] = &[
    "/file.html",
    "/flink.html",
    "/dlink/",
    "/dlink",
    "/dlink/page.txt",
    "/outlink/out.txt",
    "/etc_link/passwd",
    "/dangling",
    "/dangling/x",
    "/deniedlink/secret.txt",
    "/denied/secret.txt",
    "/idx/",
    "/idxd/",
    "/owned.html",
    "/own/theirs.txt",
    "/own/rootlink.txt",
    "/sub/up.html",
    "/sub/dlink/page.txt",
    "/sub/missing.html",
    "/missing.html",
    "/flink.html/pi",
    "/ed/errlink.html",
    "/ed/missing.html",
    "/own/missing.txt",
];

/// The configuration: the per-side `Define` and the virtual hosts.
pub fn config(root: &Path) -> String {
    let mut c = format!(
        "\n# Symbolic links (apache_diff/symlinks.rs). The next line differs\n\
         # between the two servers, as DIFF_PORT does.\n\
         Define DIFF_SL {}\n\
         <IfDefine DIFF_SYMLINKS>\n",
        root.display()
    );
    for (name, body) in HOSTS {
        c.push_str(&format!(
            "<VirtualHost 127.0.0.1:${{DIFF_PORT}}>\n\
             ServerName sl-{name}.test\n\
             DocumentRoot htdocs/sl\n\
             ErrorLog logs/elog_sl.log\n\
             <Directory ${{DIFF_SL}}/htdocs/sl/denied>\nRequire all denied\n</Directory>\n\
             {body}\
             </VirtualHost>\n"
        ));
    }
    c.push_str("</IfDefine>\n");
    c
}

/// The cases: every path on every host.
pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    for (name, _) in HOSTS {
        for path in PATHS {
            let line = format!("GET {path} HTTP/1.1");
            let host = format!("Host: sl-{name}.test");
            v.push(Case {
                name: format!("symlinks {name} {path}"),
                addr: 1,
                steps: vec![rq(line.as_bytes(), &[host.as_bytes()], b"")],
                records: 1,
                hold: false,
            });
        }
    }
    v
}

/// An error-log line as compared: the `[module:level]` tag and the text
/// from the `AHnnnnn:` code on.
pub fn mask_error_line(line: &[u8]) -> Vec<u8> {
    let find = |hay: &[u8], pat: &[u8], from: usize| {
        hay[from.min(hay.len())..]
            .windows(pat.len())
            .position(|w| w == pat)
            .map(|i| i + from)
    };
    let tag = find(line, b"] [", 0).map(|i| i + 2);
    let tag_end = tag.and_then(|t| find(line, b"]", t)).map(|i| i + 1);
    let code = find(line, b"] AH", 0).map(|i| i + 2);
    match (tag, tag_end, code) {
        (Some(t), Some(e), Some(c)) => {
            let mut out = line[t..e].to_vec();
            out.push(b' ');
            out.extend_from_slice(&line[c..]);
            out
        }
        _ => line.to_vec(),
    }
}
