//! mod_autoindex against apache2: the same configuration text (Debian's
//! stock `autoindex.conf` directives, and sections with the other
//! `IndexOptions` and directives) and the same tree of files (names with
//! UTF-8, blanks, `&<>"`, `:` and `;`, names past the widths, version-like
//! names, sizes from 0 to sparse GiB files, directories, links, a denied
//! entry, header and readme files in HTML and plain text; every mtime set
//! by the test, the time zone pinned) served by both; every listing URL
//! (every sort query, `F=`, `V=`, `P=`, HEAD, HTTP/1.0) fetched from both
//! and compared byte for byte: the head (the `Date` line left out, the
//! `Server` banner and `Content-Length` normalised, the length checked
//! against the body) and the body (de-chunked, the banner in the
//! signature normalised). The error-log lines (AH01276, AH00032, AH01630)
//! and the access-log lines are compared too. `-t` verdicts for the
//! directives' errors are compared with `apache2 -t`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

mod common;
use common::{free_port, TempDir, APACHE2};

const MODULES: &str = "/usr/lib/apache2/modules";

/// The directives of Debian's `mods-available/autoindex.conf` (comments
/// left out).
const STOCK: &str = r#"
IndexOptions FancyIndexing VersionSort HTMLTable NameWidth=* DescriptionWidth=* Charset=UTF-8
AddIconByEncoding (CMP,/icons/compressed.gif) x-compress x-gzip x-bzip2
AddIconByType (TXT,/icons/text.gif) text/*
AddIconByType (IMG,/icons/image2.gif) image/*
AddIconByType (SND,/icons/sound2.gif) audio/*
AddIconByType (VID,/icons/movie.gif) video/*
AddIcon /icons/binary.gif .bin .exe
AddIcon /icons/binhex.gif .hqx
AddIcon /icons/tar.gif .tar
AddIcon /icons/world2.gif .wrl .wrl.gz .vrml .vrm .iv
AddIcon /icons/compressed.gif .Z .z .tgz .gz .zip
AddIcon /icons/a.gif .ps .ai .eps
AddIcon /icons/layout.gif .html .shtml .htm .pdf
AddIcon /icons/text.gif .txt
AddIcon /icons/c.gif .c
AddIcon /icons/p.gif .pl .py
AddIcon /icons/f.gif .for
AddIcon /icons/dvi.gif .dvi
AddIcon /icons/uuencoded.gif .uu
AddIcon /icons/script.gif .conf .sh .shar .csh .ksh .tcl
AddIcon /icons/tex.gif .tex
AddIcon /icons/bomb.gif /core
AddIcon (SND,/icons/sound2.gif) .ogg
AddIcon (VID,/icons/movie.gif) .ogm
AddIcon /icons/back.gif ..
AddIcon /icons/hand.right.gif README
AddIcon /icons/folder.gif ^^DIRECTORY^^
AddIcon /icons/blank.gif ^^BLANKICON^^
AddIcon /icons/odf6odt-20x22.png .odt
AddIcon /icons/odf6ods-20x22.png .ods
DefaultIcon /icons/unknown.gif
ReadmeName README.html
HeaderName HEADER.html
IndexIgnore .??* *~ *# RCS CVS *,v *,t
"#;

/// The sections with the other options and directives, below
/// `htdocs/` (`{R}` is the document root).
const SECTIONS: &str = r#"
<Directory {R}/noidx>
Options -Indexes
</Directory>
<Directory {R}/plain>
IndexOptions VersionSort
</Directory>
<Directory {R}/pre>
IndexOptions -HTMLTable
</Directory>
<Directory {R}/fixed>
IndexOptions FancyIndexing NameWidth=12 DescriptionWidth=15 SuppressSize IconsAreLinks FoldersFirst IgnoreCase IconWidth IconHeight=30 ScanHTMLTitles
AddDescription "A <b>bold</b> &amp; long description text" *.html
AddDescription "tar ball" .tar
AddDescription "the d1 folder" d1
</Directory>
<Directory {R}/fixed/tbl>
IndexOptions +HTMLTable -IconsAreLinks
</Directory>
<Directory {R}/css>
IndexStyleSheet "/s.css"
IndexHeadInsert "<meta name=\"x\" content=\"y\">"
IndexOptions +AddAltClass +XHTML +TrackModified +ShowForbidden
AddAlt "Text file" *.txt
AddAltByType "PNG image" image/png
AddAltByEncoding "gz data" x-gzip
ServerSignature On
ReadmeName NOPE.html
</Directory>
<Directory {R}/order>
IndexOrderDefault Descending Size
IndexIgnoreReset On
IndexIgnore *.log
IndexOptions +SuppressColumnSorting +SuppressDescription +SuppressLastModified +SuppressRules
ServerSignature On
</Directory>
<Directory {R}/txt>
HeaderName HEADER.txt
ReadmeName README.txt
</Directory>
<Directory {R}/hdr/bare>
IndexOptions +SuppressHTMLPreamble
</Directory>
<Directory {R}/client>
IndexOptions +IgnoreClient +UseOldDateFormat -HTMLTable
</Directory>
<Directory {R}/none>
IndexOptions None
</Directory>
<Directory {R}/disabled>
DirectoryIndex disabled
Options -Indexes
</Directory>
<Directory {R}/nofancy>
IndexOptions -FancyIndexing
</Directory>
<Location /loc/>
AddIcon /icons/loc.gif .txt
IndexOptions +SuppressSize
</Location>
<DirectoryMatch "/rx">
IndexOptions +FoldersFirst -VersionSort
AddDescription "from a regex section" *.txt
</DirectoryMatch>
<Directory {R}/links>
Options +FollowSymLinks
</Directory>
<Directory {R}/misc>
IndexOptions Type=application/xhtml+xml Charset= DescriptionWidth=20 +SuppressIcon +IconsAreLinks
AddDescription "a description that is definitely longer than twenty" *.txt
AddDescription "<i>short</i> &amp; sweet" *.bin
</Directory>
<Directory {R}/misc/wipe>
IndexOptions +SuppressSize Type=text/plain
</Directory>
<Directory {R}/edge0>
IndexOptions None
ReadmeName README.txt
</Directory>
<Directory {R}/edge1>
IndexOptions None
ReadmeName README.txt
</Directory>
<Location /missing-list>
ErrorDocument 404 /d1/
</Location>
<Location /missing-noidx>
ErrorDocument 404 /noidx/
</Location>
<Files "secret.txt">
Require all denied
</Files>
"#;

/// A time in 2021 plus `n` hours, as the mtime of the `n`-th file.
fn at(n: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_609_459_200 + n * 3600 + n * 61)
}

fn set_mtime(p: &Path, t: SystemTime) {
    let f = std::fs::File::open(p).unwrap();
    f.set_modified(t).unwrap();
}

/// The tree, with every mtime set.
fn tree(t: &TempDir) {
    let r = t.0.join("htdocs");
    let files: &[(&str, u64)] = &[
        ("a.txt", 3),
        ("a1", 1),
        ("a10", 10),
        ("a2", 2),
        ("A2", 2),
        ("b &<>\".html", 20),
        ("héllo wörld.txt", 7),
        ("ünïcode-název-dlouhý-soubor.tar.gz", 1500),
        ("this_is_a_very_long_file_name_over_every_width.tar", 2048),
        ("c:d.txt", 972),
        ("semi;colon#hash%pct?.ogg", 973),
        ("x1.01.zip", 1023),
        ("x1.1.zip", 1024),
        ("empty", 0),
        ("size1k.bin", 1234),
        ("ten.pdf", 10239),
        ("meg.png", 1 << 20),
        ("nine.odt", 10_380_000),
        ("gig.iso", 1 << 30),
        ("big.exe", 3_000_000_000),
        ("huge.ods", 100 << 30),
        ("score", 5),
        ("README", 6),
        ("secret.txt", 7),
        ("notes.txt~", 8),
        (".hidden", 9),
        ("x.log", 11),
        ("noidx/a.txt", 1),
        ("plain/p1.txt", 1),
        ("plain/p10.txt", 2),
        ("plain/p9.txt", 3),
        ("pre/short", 1),
        ("pre/a much longer name than the default width.txt", 2),
        ("fixed/Page.html", 10),
        ("fixed/arch.tar", 2000),
        ("fixed/abcdefghijklmnop.txt", 3),
        ("fixed/zeta.txt", 4),
        ("fixed/tbl/x.html", 5),
        ("css/a.txt", 1),
        ("css/i.png", 2),
        ("css/d.gz", 3),
        ("css/secret.txt", 4),
        ("css/other", 5),
        ("order/s.txt", 1),
        ("order/m.txt", 2000),
        ("order/l.txt", 3_000_000),
        ("order/x.log", 4),
        ("order/.keep", 0),
        ("txt/f.txt", 1),
        ("hdr/f.txt", 1),
        ("hdr/bare/g.txt", 1),
        ("client/f.txt", 1),
        ("none/f.txt", 1),
        ("disabled/f.txt", 1),
        ("nofancy/f.txt", 1),
        ("loc/f.txt", 1),
        ("rx/f.txt", 1),
        ("rx/z/y.txt", 1),
        ("withindex/index.html", 1),
        ("core", 1),
        ("edge0/README.txt", 0),
        ("edge1/README.txt", 0),
        ("misc/a.txt", 1),
        ("misc/b.bin", 1),
        ("misc/wipe/c.txt", 1),
        ("links/real.txt", 1),
    ];
    for (i, (name, size)) in files.iter().enumerate() {
        let p = r.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let f = std::fs::File::create(&p).unwrap();
        // Sparse beyond the first bytes.
        if *size > 0 {
            f.set_len(*size).unwrap();
        }
        drop(f);
        set_mtime(&p, at(i as u64));
    }
    let texts: &[(&str, &str)] = &[
        (
            "fixed/Page.html",
            "<html><head><TITLE>\nA page &amp; its title</title>",
        ),
        ("fixed/tbl/x.html", "<title>Table page</title>"),
        ("txt/HEADER.txt", "Plain <header> & text\n"),
        ("txt/README.txt", "Plain readme <b>not bold</b> & done\n"),
        ("hdr/HEADER.html", "<p>my <b>header</b></p>\n"),
        ("hdr/README.html", "<p>my readme</p>\n"),
        ("hdr/bare/HEADER.html", "<html><body><p>bare header</p>\n"),
        ("hdr/bare/README.html", "<p>bare readme</p></body></html>\n"),
    ];
    for (i, (name, text)) in texts.iter().enumerate() {
        let p = r.join(name);
        std::fs::write(&p, text).unwrap();
        set_mtime(&p, at(100 + i as u64));
    }
    for d in [
        "arch.gz",
        "rx/a",
        "sub dir",
        "d1",
        "fixed/d1",
        "fixed/D2",
        "css/sub",
        "order/sub",
        "RCS",
    ] {
        std::fs::create_dir_all(r.join(d)).unwrap();
    }
    std::os::unix::fs::symlink("a.txt", r.join("link-to-a")).unwrap();
    std::os::unix::fs::symlink("nowhere", r.join("dangling")).unwrap();
    std::os::unix::fs::symlink("d1", r.join("link-dir")).unwrap();
    std::os::unix::fs::symlink("real.txt", r.join("links/to-file.txt")).unwrap();
    std::os::unix::fs::symlink("../d1", r.join("links/to-dir")).unwrap();
    std::os::unix::fs::symlink("../../logs", r.join("links/outside")).unwrap();
    std::os::unix::fs::symlink("gone", r.join("links/dangling")).unwrap();
    // FIFOs: an entry (left out) and a header (not read, never opened).
    std::fs::create_dir_all(r.join("fifo")).unwrap();
    for name in ["pipe", "HEADER.html"] {
        let p = std::ffi::CString::new(
            r.join("fifo")
                .join(name)
                .into_os_string()
                .into_encoded_bytes(),
        )
        .unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(p.as_ptr(), 0o644) }, 0);
    }
    std::os::unix::fs::symlink("../secret.txt", r.join("links/to-secret.txt")).unwrap();
    // Directories last (creating files changed them).
    let mut dirs = vec![r.clone()];
    let mut i = 200;
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                dirs.push(e.path());
            }
        }
        set_mtime(&d, at(i));
        i += 1;
    }
}

fn config(root: &Path, port: u16, who: &str) -> String {
    let r = root.display();
    let docs = format!("{r}/htdocs");
    format!(
        "LoadModule mpm_event_module {MODULES}/mod_mpm_event.so\n\
         LoadModule authz_core_module {MODULES}/mod_authz_core.so\n\
         LoadModule mime_module {MODULES}/mod_mime.so\n\
         LoadModule dir_module {MODULES}/mod_dir.so\n\
         LoadModule autoindex_module {MODULES}/mod_autoindex.so\n\
         ServerName localhost\n\
         Listen 127.0.0.1:{port}\n\
         ServerRoot {r}\n\
         PidFile logs/{who}.pid\n\
         ErrorLog logs/{who}-error.log\n\
         LogLevel warn\n\
         LogFormat \"%>s %m %U%q %{{Content-Type}}o\" t\n\
         CustomLog logs/{who}-access.log t\n\
         TypesConfig mime.types\n\
         AddEncoding x-gzip .gz\n\
         DocumentRoot {docs}\n\
         <Directory {docs}>\n\
         Require all granted\n\
         Options Indexes\n\
         </Directory>\n\
         {STOCK}\n{}\n",
        SECTIONS.replace("{R}", &docs)
    )
}

/// A server, stopped on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        // SAFETY: a signal to our own child's pid.
        unsafe {
            libc::kill(self.0.id() as i32, libc::SIGTERM);
        }
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(root: &Path, port: u16, apache: bool) -> Proc {
    let who = if apache { "apache" } else { "spoor" };
    let conf = root.join(format!("{who}.conf"));
    std::fs::write(&conf, config(root, port, who)).unwrap();
    let mut c = if apache {
        let mut c = Command::new(APACHE2);
        c.args(["-D", "FOREGROUND"]);
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_spoor"))
    };
    let child = c
        .arg("-f")
        .arg(&conf)
        .env("TZ", "Asia/Kolkata")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(root.join(format!("{who}.stderr"))).unwrap())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "{who} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Proc(child)
}

fn fetch(port: u16, request: &str) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

/// A chunked body's data.
fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let n = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
}

/// The response with the `Date` line left out, the server's banner (its
/// `Server` value) replaced by `BANNER` in the head and the body, the
/// body de-chunked and `Content-Length` checked against it and
/// replaced by `LEN`.
fn normalise(resp: &[u8], head_only: bool) -> String {
    let split = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a whole head");
    let head = String::from_utf8_lossy(&resp[..split]).into_owned();
    let mut body = resp[split + 4..].to_vec();
    let banner = head
        .lines()
        .find_map(|l| l.strip_prefix("Server: "))
        .unwrap_or("")
        .to_string();
    if head.contains("Transfer-Encoding: chunked") {
        body = dechunk(&body);
    }
    let mut lines = Vec::new();
    for l in head.lines() {
        if l.starts_with("Date: ") {
            continue;
        }
        if let Some(n) = l.strip_prefix("Content-Length: ") {
            if !head_only {
                assert_eq!(n.parse::<usize>().unwrap(), body.len(), "{head}");
            }
            lines.push("Content-Length: LEN".to_string());
            continue;
        }
        lines.push(l.replace(&banner, "BANNER"));
    }
    let body = String::from_utf8_lossy(&body).replace(&banner, "BANNER");
    format!("{}\n\n{body}", lines.join("\n"))
}

/// The error-log lines' module, level and message.
fn messages(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| {
            l.contains("AH01276")
                || l.contains("AH00032")
                || l.contains("AH01630")
                || l.contains("AH01275")
        })
        .map(|l| {
            let module = l.split("] [").nth(1).unwrap_or("");
            let msg = l.rsplit("] ").next().unwrap_or("");
            format!("[{module}] {msg}")
        })
        .collect()
}

/// httpd passes a page on once its write buffer holds more than 8,000
/// bytes, and then sends it without a length: the readme of `edge0/` is
/// made as long as brings apache2's page to exactly 8,000 bytes, that of
/// `edge1/` to 8,001 (measured with empty readmes on apache2 itself).
fn edge(docs: &Path, port: u16) {
    let rq = "GET /edge0/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let page = normalise(&fetch(port, rq), false);
    let base = page.split_once("\n\n").unwrap().1.len();
    for (dir, total) in [("edge0", 8000), ("edge1", 8001)] {
        let p = docs.join(dir).join("README.txt");
        std::fs::write(&p, "x".repeat(total - base)).unwrap();
        set_mtime(&p, at(300));
    }
}

/// Every URL the comparison asks for.
fn requests() -> Vec<String> {
    let mut urls = vec![];
    for c in ["N", "M", "S", "D"] {
        for o in ["A", "D"] {
            urls.push(format!("/?C={c};O={o}"));
            urls.push(format!("/plain/?C={c}&O={o}"));
            urls.push(format!("/fixed/?C={c};O={o}"));
            urls.push(format!("/pre/?O={o}&C={c}"));
        }
    }
    for q in [
        "",
        "F=0",
        "F=1",
        "F=2",
        "V=0",
        "V=1",
        "F=1;V=0",
        "P=a*",
        "P=*.txt",
        "P=",
        "P=%2F",
        "P=%zz",
        "P=*%20*",
        "P=.*",
        "C=M;O=D;F=1;V=0;P=*",
        "X=1;C=M",
        "C=Q",
        "C=M;junk",
        "C",
        "C=N&O=D&F=0",
        "P=[ab]*;C=S",
    ] {
        urls.push(format!("/?{q}"));
    }
    for d in [
        "/plain/",
        "/pre/",
        "/pre/?F=2",
        "/fixed/",
        "/fixed/?C=D;O=D",
        "/fixed/tbl/",
        "/css/",
        "/css/?F=1",
        "/order/",
        "/order/?C=N",
        "/txt/",
        "/hdr/",
        "/hdr/?F=0",
        "/hdr/bare/",
        "/client/?C=M;O=D",
        "/none/",
        "/none/?F=2",
        "/sub%20dir/",
        "/d1/",
        "/fixed/d1/",
        "/noidx/",
        "/link-dir/",
        "/RCS/",
        "/disabled/",
        "/nofancy/",
        "/loc/",
        "/rx/",
        "/rx/z/",
        "/withindex/",
        "/withindex/?C=M",
        "/missing-list",
        "/missing-noidx",
        "/links/",
        "/links/?C=S;O=D",
        "/links/to-dir/",
        "/misc/",
        "/misc/?F=1",
        "/misc/wipe/",
        "/fifo/",
        "/edge0/",
        "/edge1/",
    ] {
        urls.push(d.to_string());
    }
    let mut reqs: Vec<String> = urls
        .iter()
        .map(|u| format!("GET {u} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
        .collect();
    for u in ["/", "/hdr/", "/noidx/", "/css/", "/missing-list"] {
        reqs.push(format!(
            "HEAD {u} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        ));
        reqs.push(format!("GET {u} HTTP/1.0\r\n\r\n"));
        reqs.push(format!("POST {u} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
    }
    reqs
}

#[test]
fn listings_as_apache2() {
    if !Path::new(APACHE2).exists() {
        common::skip("listings_as_apache2", "apache2 is not installed");
        return;
    }
    let t = TempDir::create("autoindex", &["htdocs", "logs"], &[]);
    t.write(
        "mime.types",
        "text/html html htm\ntext/plain txt\nimage/png png\naudio/ogg ogg\n\
         application/x-tar tar\napplication/zip zip\napplication/pdf pdf\n\
         application/vnd.oasis.opendocument.text odt\n",
    );
    tree(&t);
    let reqs = requests();
    let mut got = [Vec::new(), Vec::new()];
    for (i, apache) in [true, false].into_iter().enumerate() {
        let port = free_port();
        let _p = start(&t.0, port, apache);
        if apache {
            edge(&t.0.join("htdocs"), port);
        }
        for rq in &reqs {
            got[i].push(normalise(&fetch(port, rq), rq.starts_with("HEAD")));
        }
    }
    let mut differ = Vec::new();
    for (rq, (a, s)) in reqs.iter().zip(got[0].iter().zip(&got[1])) {
        if a != s {
            differ.push(format!(
                "{}\n--- apache2:\n{a}\n--- spoor:\n{s}",
                rq.lines().next().unwrap()
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} responses differ:\n{}",
        differ.len(),
        reqs.len(),
        differ.join("\n")
    );
    let log = |n: &str| std::fs::read_to_string(t.0.join("logs").join(n)).unwrap_or_default();
    let (ae, se) = (
        messages(&log("apache-error.log")),
        messages(&log("spoor-error.log")),
    );
    assert!(ae.iter().any(|l| l.contains("AH01276")), "{ae:?}");
    assert!(ae.iter().any(|l| l.contains("AH01630")), "{ae:?}");
    assert_eq!(ae, se, "error-log lines differ");
    // (apache2's first line is the measurement of `edge`.)
    let apache_access = log("apache-access.log");
    assert_eq!(
        apache_access.split_once('\n').map_or("", |(_, rest)| rest),
        log("spoor-access.log"),
        "access logs differ"
    );
    // Both sides of httpd's 8,000-byte buffer.
    let at_edge = |d: &str| {
        let i = reqs
            .iter()
            .position(|r| r.starts_with(&format!("GET /{d}/ HTTP")))
            .unwrap();
        got[0][i].clone()
    };
    assert!(
        at_edge("edge0").contains("Content-Length: LEN"),
        "{}",
        at_edge("edge0")
    );
    assert!(
        at_edge("edge1").contains("Transfer-Encoding: chunked"),
        "{}",
        at_edge("edge1")
    );
    // Links followed under FollowSymLinks (a dangling one left out; the
    // denied file it points to as well).
    let links = &got[1][reqs
        .iter()
        .position(|r| r.starts_with("GET /links/ HTTP"))
        .unwrap()];
    assert!(links.contains("href=\"to-file.txt\""), "{links}");
    assert!(links.contains("href=\"to-dir/\""), "{links}");
    assert!(!links.contains("dangling"), "{links}");
    // The listing of the top: Debian's icons, escaped names, sizes.
    let top = &got[1][reqs
        .iter()
        .position(|r| r.starts_with("GET /? HTTP"))
        .unwrap()];
    for needle in [
        "<img src=\"/icons/folder.gif\" alt=\"[DIR]\">",
        "href=\"b%20&amp;%3c%3e%22.html\">b &amp;&lt;&gt;&quot;.html</a>",
        "href=\"./c:d.txt\"",
        "<td align=\"right\">100G</td>",
    ] {
        assert!(top.contains(needle), "{needle} not in\n{top}");
    }
}

/// `-t` on each directive's error forms, against `apache2 -t`.
#[test]
fn directive_errors_as_apache2() {
    if !Path::new(APACHE2).exists() {
        common::skip("directive_errors_as_apache2", "apache2 is not installed");
        return;
    }
    let t = TempDir::create("autoindex-t", &["run"], &[]);
    let head = format!(
        "LoadModule mpm_event_module {MODULES}/mod_mpm_event.so\n\
         ServerName localhost\nPidFile run/pid\nErrorLog run/error.log\n\
         LoadModule autoindex_module {MODULES}/mod_autoindex.so\n"
    );
    let lines = [
        "AddIcon x",
        "AddIcon",
        "AddIcon (x /a.gif .a",
        "AddIcon (ALT,/a.gif) .a **DIRECTORY**",
        "AddIconByType (X,/x.gif) text/*",
        "AddAlt \"x\"",
        "AddAltByEncoding x X-GZIP",
        "IndexOptions",
        "IndexOptions Bogus",
        "IndexOptions None +Foo",
        "IndexOptions +None",
        "IndexOptions None FancyIndexing",
        "IndexOptions FancyIndexing None",
        "IndexOptions NameWidth",
        "IndexOptions -NameWidth",
        "IndexOptions NameWidth=3",
        "IndexOptions NameWidth=*",
        "IndexOptions -NameWidth=9",
        "IndexOptions DescriptionWidth=3",
        "IndexOptions DescriptionWidth",
        "IndexOptions -IconWidth=3",
        "IndexOptions IconHeight=x",
        "IndexOptions Type=text/plain Charset=",
        "IndexOptions +UseOldDateFormat XHTML",
        "HeaderName",
        "HeaderName a b",
        "ReadmeName README.txt",
        "IndexOrderDefault Ascending",
        "IndexOrderDefault Up Name",
        "IndexOrderDefault Ascending Foo",
        "IndexOrderDefault descending date",
        "IndexIgnoreReset maybe",
        "IndexIgnoreReset on",
        "IndexIgnore",
        "FancyIndexing on",
        "AddDescription foo",
        "AddDescription \"x\" a b/c",
        "DefaultIcon",
        "IndexStyleSheet a b",
        "IndexHeadInsert \"<x>\"",
        "IndexForbiddenReturn404 On",
        "<Directory /x>\nIndexOptions +FancyIndexing\n</Directory>",
        "<Location /x>\nAddIcon /i.gif .x\n</Location>",
    ];
    let differ = common::t_differences(&t.0, &head, lines.iter().map(|l| l.to_string()));
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// Names with a path are refused (spoor looks only in the directory).
#[test]
fn header_with_a_path_is_refused() {
    let t = TempDir::create("autoindex-path", &["run"], &[]);
    t.write(
        "a.conf",
        "LoadModule autoindex_module mod_autoindex.so\nPidFile run/pid\nHeaderName /inc/HEADER.html\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_spoor"))
        .args(["-t", "-f", "a.conf", "-d"])
        .arg(&t.0)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("line 3") && err.contains("is not supported by spoor yet"),
        "{err}"
    );
}
