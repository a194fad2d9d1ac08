//! HTTP Basic authentication through the binary (mod_auth_basic,
//! mod_authn_core, mod_authn_file, mod_authz_user): the 401 answer with
//! its challenge and page, a good login, `%u` for good and failed
//! logins, the error-log lines, a password file changed while serving
//! (read again on the next request); and the directives' errors compared
//! with `apache2 -t`, forms spoor does not carry out refused.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{free_port, TempDir};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const APACHE: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";

/// htpasswd -B and -m lines for bob and alice, password `secret`.
const HTPASSWD: &str = "bob:$2y$05$5YHjN3HZgMAU4IXFb2FsjOTnWK9NPj0CEXlBE1dCYPO7c3ZJtAVv.\n\
alice:$apr1$fGYrUjv/$AK69d.VVegf8P3bPfrRrH0\n";

/// What `GET path` with `auth` (an `Authorization` value) gets.
fn get(to: SocketAddr, path: &str, auth: Option<&str>) -> String {
    let mut s = TcpStream::connect(to).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let a = auth.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: main.test\r\n{a}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// Waits (bounded) until `file` has `n` lines.
fn lines(file: &Path, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let v: Vec<String> = text.lines().map(str::to_owned).collect();
        if v.len() >= n {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "{} lines of {file:?}:\n{text}",
            v.len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The part of an error-log line after its time, pid and client.
fn message(line: &str) -> &str {
    line.find("] AH").map_or(line, |i| &line[i + 2..])
}

/// Starts spoor on `conf` (written into `t`), listening on `port`.
fn start(t: &TempDir, conf: &str, port: u16) -> (Server, SocketAddr) {
    t.write("spoor.conf", conf);
    let child = Command::new(env!("CARGO_BIN_EXE_spoor"))
        .args(["-f", "spoor.conf", "-d"])
        .arg(&t.0)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let to: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(to).is_err() {
        assert!(Instant::now() < deadline, "spoor did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (server, to)
}

/// Without mod_authn_core no `AuthType` can be set: a `Require
/// valid-user` finds no module to authenticate and httpd's core answers
/// 500 with AH00025 (checked with apache2 2.4.67), with httpd's page.
#[test]
fn no_authentication_module_is_a_500() {
    let t = TempDir::create("auth-none", &["htdocs/p", "logs", "conf"], &[]);
    t.write("htdocs/p/f.txt", "x\n");
    t.give_to_server("logs");
    let port = free_port();
    let conf = format!(
        "LoadModule authz_core_module x.so\nLoadModule auth_basic_module x.so\n\
         LoadModule authz_user_module x.so\n\
         Listen 127.0.0.1:{port}\nServerName main.test\nServerAdmin me@main.test\n\
         DocumentRoot htdocs\nErrorLog logs/error.log\n\
         <Location /p>\nRequire valid-user\n</Location>\n"
    );
    let (_server, to) = start(&t, &conf, port);
    let r = get(to, "/p/f.txt", Some("Basic Ym9iOnNlY3JldA=="));
    assert!(
        r.starts_with("HTTP/1.1 500 Internal Server Error\r\n"),
        "{r}"
    );
    assert!(r.contains("\r\nConnection: close\r\n"), "{r}");
    assert!(
        r.contains("<p>Please contact the server administrator at \n me@main.test to inform them"),
        "{r}"
    );
    let errors = lines(&t.0.join("logs/error.log"), 1);
    assert!(errors[0].contains("[core:crit]"), "{}", errors[0]);
    assert_eq!(
        message(&errors[0]),
        "AH00025: configuration error:  couldn't check user: /p/f.txt"
    );
}

const PAGE_401: &str = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\">\n\
<html><head>\n<title>401 Unauthorized</title>\n</head><body>\n<h1>Unauthorized</h1>\n\
<p>This server could not verify that you\nare authorized to access the document\n\
requested.  Either you supplied the wrong\ncredentials (e.g., bad password), or your\n\
browser doesn't understand how to supply\nthe credentials required.</p>\n</body></html>\n";

#[test]
fn basic_login_through_the_binary() {
    let t = TempDir::create("auth", &["htdocs/p", "logs", "conf"], &[]);
    t.write("htdocs/p/f.txt", "secret stuff\n");
    t.write("conf/htpasswd", HTPASSWD);
    t.give_to_server("logs");
    let port = free_port();
    let conf = format!(
        "LoadModule authz_core_module x.so\nLoadModule auth_basic_module x.so\n\
         LoadModule authn_core_module x.so\nLoadModule authn_file_module x.so\n\
         LoadModule authz_user_module x.so\n\
         Listen 127.0.0.1:{port}\nServerName main.test\nDocumentRoot htdocs\n\
         ErrorLog logs/error.log\nLogLevel warn\n\
         CustomLog logs/access.log \"%u %>s %U\"\n\
         <Location /p>\nAuthType Basic\nAuthName \"Members only\"\n\
         AuthUserFile conf/htpasswd\nRequire user bob carol\n</Location>\n"
    );
    let (_server, to) = start(&t, &conf, port);
    // No credentials: the challenge and httpd's page.
    let r = get(to, "/p/f.txt", None);
    assert!(r.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{r}");
    assert!(
        r.contains("\r\nWWW-Authenticate: Basic realm=\"Members only\"\r\n"),
        "{r}"
    );
    assert!(r.ends_with(&format!("\r\n\r\n{PAGE_401}")), "{r}");
    // bob:secret (bcrypt), then a wrong password, an unknown user, alice
    // (known, right password, not named by Require user).
    let r = get(to, "/p/f.txt", Some("Basic Ym9iOnNlY3JldA=="));
    assert!(
        r.starts_with("HTTP/1.1 200 OK\r\n") && r.ends_with("secret stuff\n"),
        "{r}"
    );
    assert!(!r.contains("WWW-Authenticate"), "{r}");
    for (auth, want) in [
        ("Basic Ym9iOndyb25n", 401),
        ("Basic bm9ib2R5OnNlY3JldA==", 401),
        ("Basic YWxpY2U6c2VjcmV0", 401),
        ("Bearer abc", 401),
    ] {
        let r = get(to, "/p/f.txt", Some(auth));
        assert!(r.starts_with(&format!("HTTP/1.1 {want} ")), "{auth}: {r}");
        assert!(r.contains("WWW-Authenticate: Basic realm="), "{auth}: {r}");
    }
    // carol is added while spoor serves: the file is read again.
    t.write(
        "conf/htpasswd",
        &format!("{HTPASSWD}carol:{{SHA}}5en6G6MezRroT3XKqkdPOmY/BfQ=\n"),
    );
    let r = get(to, "/p/f.txt", Some("Basic Y2Fyb2w6c2VjcmV0"));
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
    let access = lines(&t.0.join("logs/access.log"), 7);
    assert_eq!(
        access,
        [
            "- 401 /p/f.txt",
            "bob 200 /p/f.txt",
            "bob 401 /p/f.txt",
            "nobody 401 /p/f.txt",
            "alice 401 /p/f.txt",
            "- 401 /p/f.txt",
            "carol 200 /p/f.txt",
        ]
    );
    let errors = lines(&t.0.join("logs/error.log"), 4);
    let msgs: Vec<&str> = errors.iter().map(|l| message(l)).collect();
    assert_eq!(
        msgs,
        [
            "AH01617: user bob: authentication failure for \"/p/f.txt\": Password Mismatch",
            "AH01618: user nobody not found: /p/f.txt",
            "AH01631: user alice: authorization failure for \"/p/f.txt\": ",
            "AH01614: client used wrong authentication scheme: /p/f.txt",
        ]
    );
    assert!(errors[0].contains("[auth_basic:error]"), "{}", errors[0]);
    assert!(errors[2].contains("[authz_core:error]"), "{}", errors[2]);
}

/// The directives' errors, byte for byte as `apache2 -t` prints them.
#[test]
fn auth_directives_as_apache2_t() {
    if !Path::new(APACHE).exists() {
        panic!("this test needs apache2 at {APACHE} (scripts/test-all installs it)");
    }
    let t = TempDir::create("auth-t", &["htdocs", "run"], &[]);
    let inside = [
        "AuthType Basic\nAuthName \"a realm\"\nAuthUserFile pw\nRequire valid-user",
        "AuthType basic\nAuthType None\nAuthBasicProvider file\nAuthBasicAuthoritative off",
        "AuthType",
        "AuthType a b",
        "AuthName",
        "AuthName a b",
        "AuthUserFile",
        "AuthUserFile a b",
        "AuthBasicProvider",
        "AuthBasicProvider foo",
        "AuthBasicProvider file anon",
        "AuthBasicAuthoritative",
        "AuthBasicAuthoritative x",
        "AuthBasicAuthoritative on off",
        "Require user",
        "Require user a \"b c\" d",
        "Require valid-user x",
        "Require not valid-user",
        "<RequireAll>\nRequire valid-user\nRequire not user bob\n</RequireAll>",
        "<RequireAll>\nRequire not user bob\n</RequireAll>",
    ];
    let outside = [
        "AuthType Basic",
        "AuthName x",
        "AuthUserFile x",
        "AuthBasicProvider file",
        "AuthBasicAuthoritative On",
        "<VirtualHost *:80>\nAuthName x\n</VirtualHost>",
        "<VirtualHost *:80>\nRequire valid-user\n</VirtualHost>",
    ];
    let texts = inside
        .iter()
        .map(|s| format!("<Location /x>\n{s}\n</Location>"))
        .chain(outside.iter().map(|s| s.to_string()));
    let head = format!(
        "<IfDefine APACHE>\n\
             LoadModule mpm_event_module {MODULES}/mod_mpm_event.so\n\
             DefaultRuntimeDir run\nPidFile run/apache2.pid\nErrorLog run/error.log\n\
             </IfDefine>\n\
             LoadModule authz_core_module {MODULES}/mod_authz_core.so\n\
             LoadModule auth_basic_module {MODULES}/mod_auth_basic.so\n\
             LoadModule authn_core_module {MODULES}/mod_authn_core.so\n\
             LoadModule authn_file_module {MODULES}/mod_authn_file.so\n\
             LoadModule authz_user_module {MODULES}/mod_authz_user.so\n\
             Listen 127.0.0.1:1\nServerName main.test\nDocumentRoot htdocs\n"
    );
    let differ = common::t_differences(&t.0, &head, texts);
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// Forms spoor does not carry out are refused with file and line, never
/// ignored; the providers need their module, as in httpd.
#[test]
fn unsupported_forms_are_refused() {
    let t = TempDir::create("auth-no", &["htdocs"], &[]);
    let load = "LoadModule authz_core_module x.so\nLoadModule auth_basic_module x.so\n\
                LoadModule authn_core_module x.so\nLoadModule authn_file_module x.so\n\
                LoadModule authz_user_module x.so\n";
    let cases = [
        (
            "AuthType Digest",
            "AuthType Digest is not supported by spoor yet",
        ),
        (
            "AuthType Form",
            "AuthType Form is not supported by spoor yet",
        ),
        (
            "AuthBasicFake bob",
            "AuthBasicFake is not supported by spoor yet",
        ),
        (
            "AuthBasicUseDigestAlgorithm MD5",
            "AuthBasicUseDigestAlgorithm is not supported by spoor yet",
        ),
        (
            "AuthName %{HTTP_HOST}",
            "AuthName with an expression (%{HTTP_HOST}) is not supported by spoor yet",
        ),
        (
            "Require user %{REMOTE_ADDR}",
            "Require user with an expression (%{REMOTE_ADDR}) is not supported by spoor yet",
        ),
        ("AuthBasicProvider dbm", "Unknown Authn provider: dbm"),
    ];
    for (line, want) in cases {
        let text = format!(
            "{load}Listen 127.0.0.1:1\nServerName main.test\nDocumentRoot htdocs\n\
             <Location /x>\n{line}\n</Location>\n"
        );
        t.write("a.conf", &text);
        let out = Command::new(env!("CARGO_BIN_EXE_spoor"))
            .args(["-t", "-f", "a.conf", "-d"])
            .arg(&t.0)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{line}");
        assert!(err.contains("line 10 of"), "{line}: {err}");
        assert!(err.contains(want), "{line}: {err}");
    }
    // Without mod_authz_user its providers are unknown; without
    // mod_authn_file, so is `file`.
    for (missing, line, want) in [
        (
            "authz_user_module",
            "Require valid-user",
            "Unknown Authz provider: valid-user",
        ),
        (
            "authn_file_module",
            "AuthBasicProvider file",
            "Unknown Authn provider: file",
        ),
    ] {
        let l: String = load
            .lines()
            .filter(|l| !l.contains(missing))
            .map(|l| format!("{l}\n"))
            .collect();
        let text = format!(
            "{l}Listen 127.0.0.1:1\nServerName main.test\nDocumentRoot htdocs\n\
             <Location /x>\n{line}\n</Location>\n"
        );
        t.write("a.conf", &text);
        let out = Command::new(env!("CARGO_BIN_EXE_spoor"))
            .args(["-t", "-f", "a.conf", "-d"])
            .arg(&t.0)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{line}: {err}");
    }
}
