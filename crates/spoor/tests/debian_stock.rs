//! Debian's own apache2 configuration (`/etc/apache2`, as `apt-get install
//! apache2` leaves it) read and served by spoor. The copy differs from the
//! installed one only as an operator's would: its ports moved to a free
//! loopback port, the variables of `envvars` pointing into the test's
//! directory, and the modules spoor does not implement yet disabled as
//! `a2dismod` does (their `mods-enabled` links removed). `spoor -t` must
//! accept the rest unchanged, and the server must serve Debian's start
//! page, `/icons/` (mod_alias) and `/server-status` (mod_status behind
//! `Require local`), and log them in the combined format. One file added
//! to `conf-enabled` (an `Alias` to a directory of the test's with
//! `Options MultiViews`) shows Debian's negotiation.conf at work.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{free_port, TempDir};

/// The modules Debian enables that spoor does not implement yet. Each
/// entry goes when its module comes.
const NOT_YET: &[&str] = &[];

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let ft = e.file_type().unwrap();
        if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if ft.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

fn get(port: u16, path: &str) -> Vec<u8> {
    get_with(port, path, "")
}

/// A GET with extra header lines (each ending in CRLF).
fn get_with(port: u16, path: &str, extra: &str) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: stock-test\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

#[test]
fn debian_apache2_conf_runs() {
    let etc = Path::new("/etc/apache2");
    if !etc.join("apache2.conf").exists() {
        eprintln!("Debian's apache2 is not installed: skipped (scripts/test-all installs it)");
        return;
    }
    let t = TempDir::create("stock", &["run", "lock", "log"], &[]);
    let conf = t.0.join("apache2");
    copy_tree(etc, &conf);
    for m in NOT_YET {
        for ext in ["load", "conf"] {
            let _ = std::fs::remove_file(conf.join(format!("mods-enabled/{m}.{ext}")));
        }
    }
    let port = free_port();
    let ports = std::fs::read_to_string(conf.join("ports.conf")).unwrap();
    std::fs::write(
        conf.join("ports.conf"),
        ports.replace("Listen 80\n", &format!("Listen 127.0.0.1:{port}\n")),
    )
    .unwrap();
    // MultiViews on a directory of the test's, under Debian's
    // negotiation.conf (`LanguagePriority en ca cs da de …`,
    // `ForceLanguagePriority Prefer Fallback`).
    let neg = t.0.join("neg");
    std::fs::create_dir_all(&neg).unwrap();
    for (name, text) in [("page.html.de", "deutsch\n"), ("page.html.en", "english\n")] {
        std::fs::write(neg.join(name), text).unwrap();
    }
    std::fs::write(
        conf.join("conf-enabled/test-multiviews.conf"),
        format!(
            "Alias /neg/ {0}/\n<Directory {0}>\nOptions MultiViews\nRequire all granted\n</Directory>\n",
            neg.display()
        ),
    )
    .unwrap();
    let site = conf.join("sites-enabled/000-default.conf");
    let text = std::fs::read_to_string(&site).unwrap();
    std::fs::remove_file(&site).unwrap();
    std::fs::write(&site, text.replace("*:80>", &format!("*:{port}>"))).unwrap();

    // An operator's addition: a folder without an index, shown under
    // `/listing/` with the stock stanza of `/var/www/` (Options Indexes).
    let www = t.0.join("www");
    std::fs::create_dir_all(www.join("listing/sub")).unwrap();
    std::fs::write(www.join("listing/notes.txt"), "notes\n").unwrap();
    std::fs::write(
        conf.join("conf-enabled/zz-listing.conf"),
        format!(
            "Alias /listing/ {w}/listing/\n<Directory {w}/>\n\
             \tOptions Indexes FollowSymLinks\n\tAllowOverride None\n\
             \tRequire all granted\n</Directory>\n",
            w = www.display()
        ),
    )
    .unwrap();
    common::mode_0755(&www);
    common::mode_0755(&www.join("listing"));
    common::mode_0755(&www.join("listing/sub"));

    let spoor = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_spoor"));
        c.args(args)
            .arg("-d")
            .arg(&conf)
            .arg("-f")
            .arg(conf.join("apache2.conf"))
            .env("APACHE_RUN_USER", "www-data")
            .env("APACHE_RUN_GROUP", "www-data")
            .env("APACHE_PID_FILE", t.0.join("run/apache2.pid"))
            .env("APACHE_RUN_DIR", t.0.join("run"))
            .env("APACHE_LOCK_DIR", t.0.join("lock"))
            .env("APACHE_LOG_DIR", t.0.join("log"));
        c
    };
    let out = spoor(&["-t"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "spoor -t refused Debian's configuration:\n{err}"
    );
    assert!(err.contains("Syntax OK"), "{err}");

    // Served as www-data when started as root, as apache2's children are.
    let _s = Proc(
        spoor(&[])
            .stderr(std::fs::File::create(t.0.join("spoor.stderr")).unwrap())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "spoor did not start:\n{}",
            std::fs::read_to_string(t.0.join("spoor.stderr")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let page = get(port, "/");
    let text = String::from_utf8_lossy(&page);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(
        text.contains("Apache2 Debian Default Page"),
        "{}",
        &text[..text.len().min(400)]
    );
    if Path::new("/usr/share/apache2/icons/a.png").exists() {
        let icon = get(port, "/icons/a.png");
        let head = String::from_utf8_lossy(&icon[..icon.len().min(400)]).into_owned();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(head.contains("\r\nContent-Type: image/png\r\n"), "{head}");
    }
    // status.conf: `Require local` lets the loopback client see it.
    let status = String::from_utf8_lossy(&get(port, "/server-status?auto")).into_owned();
    assert!(status.starts_with("HTTP/1.1 200 OK\r\n"), "{status}");
    assert!(status.contains("\nBusyWorkers: 1\n"), "{status}");
    // autoindex.conf: the listing of a folder without an index, with
    // Debian's icons and security.conf's signature; `/icons/` itself
    // (Options without Indexes in alias.conf) is refused.
    let listing = String::from_utf8_lossy(&get(port, "/listing/")).into_owned();
    assert!(listing.starts_with("HTTP/1.1 200 OK\r\n"), "{listing}");
    assert!(
        listing.contains("\r\nContent-Type: text/html;charset=UTF-8\r\n"),
        "{listing}"
    );
    for needle in [
        "<title>Index of /listing</title>",
        "<td valign=\"top\"><img src=\"/icons/back.gif\" alt=\"[PARENTDIR]\"></td><td><a href=\"/\">Parent Directory</a>",
        "<img src=\"/icons/text.gif\" alt=\"[TXT]\"></td><td><a href=\"notes.txt\">notes.txt</a>",
        "<img src=\"/icons/folder.gif\" alt=\"[DIR]\"></td><td><a href=\"sub/\">sub/</a>",
        " Server at localhost Port ",
    ] {
        assert!(listing.contains(needle), "{needle} not in {listing}");
    }
    let icons = String::from_utf8_lossy(&get(port, "/icons/")).into_owned();
    assert!(icons.starts_with("HTTP/1.1 403"), "{icons}");
    // deflate.conf: the default page (text/html) comes back gzipped
    // to a client that asks, with Vary.
    let gz = get_with(port, "/", "Accept-Encoding: gzip\r\n");
    let end = gz
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(gz.len());
    let head = String::from_utf8_lossy(&gz[..end]).into_owned();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("\r\nVary: Accept-Encoding\r\n"), "{head}");
    assert!(head.contains("\r\nContent-Encoding: gzip\r\n"), "{head}");
    assert!(head.contains("\r\nContent-Length: "), "{head}");
    assert!(gz[end + 4..].starts_with(&[0x1f, 0x8b, 8]), "{head}");
    let hidden = String::from_utf8_lossy(&get(port, "/.htaccess")).into_owned();
    assert!(hidden.starts_with("HTTP/1.1 403"), "{hidden}");
    // negotiation.conf: English first when the client says nothing, the
    // client's language when there is one, and English again (Fallback,
    // not 406) when none fits.
    for (extra, lang) in [
        ("", "en"),
        ("Accept-Language: de\r\n", "de"),
        ("Accept-Language: fr\r\n", "en"),
    ] {
        let r = String::from_utf8_lossy(&get_with(port, "/neg/page", extra)).into_owned();
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{extra}: {r}");
        assert!(
            r.contains(&format!("\r\nContent-Location: page.html.{lang}\r\n"))
                && r.contains(&format!("\r\nContent-Language: {lang}\r\n"))
                && r.contains("\r\nVary: negotiate,accept-language\r\n"),
            "{extra}: {r}"
        );
    }

    // The combined format, from the virtual host's CustomLog.
    let log = t.0.join("log/access.log");
    let deadline = Instant::now() + Duration::from_secs(5);
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.matches("GET /neg/page ").count() >= 3 || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let first = text.lines().next().unwrap_or("");
    assert!(first.starts_with("127.0.0.1 - - ["), "{text}");
    assert!(first.contains("] \"GET / HTTP/1.1\" 200 "), "{text}");
    assert!(first.ends_with(" \"-\" \"stock-test\""), "{text}");
    assert!(text.contains("] \"GET /neg/page HTTP/1.1\" 200 "), "{text}");
}
