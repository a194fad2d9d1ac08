//! Access control through the binary: `Require` with mod_authz_host's
//! providers and containers, mod_access_compat's `Order`/`Allow`/`Deny`
//! with `Satisfy`, clients on several loopback addresses (IPv4 and
//! IPv6), the 403 answers, the error-log lines and the access log; and
//! the directives' errors compared with `apache2 -t`.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
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

/// A TCP connection to `to` from the local address `from`.
fn connect_from(from: IpAddr, to: SocketAddr) -> std::io::Result<TcpStream> {
    use std::os::fd::FromRawFd;
    let (family, local, remote): (i32, Vec<u8>, Vec<u8>) = match (from, to) {
        (IpAddr::V4(f), SocketAddr::V4(t)) => {
            let sin = |ip: std::net::Ipv4Addr, port: u16| libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: port.to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(ip.octets()),
                },
                sin_zero: [0; 8],
            };
            let bytes = |s: libc::sockaddr_in| {
                // SAFETY: a plain C struct viewed as its bytes.
                unsafe {
                    std::slice::from_raw_parts(
                        &s as *const _ as *const u8,
                        std::mem::size_of::<libc::sockaddr_in>(),
                    )
                }
                .to_vec()
            };
            (
                libc::AF_INET,
                bytes(sin(f, 0)),
                bytes(sin(*t.ip(), t.port())),
            )
        }
        (IpAddr::V6(f), SocketAddr::V6(t)) => {
            let sin6 = |ip: std::net::Ipv6Addr, port: u16| libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: port.to_be(),
                sin6_flowinfo: 0,
                sin6_addr: libc::in6_addr {
                    s6_addr: ip.octets(),
                },
                sin6_scope_id: 0,
            };
            let bytes = |s: libc::sockaddr_in6| {
                // SAFETY: a plain C struct viewed as its bytes.
                unsafe {
                    std::slice::from_raw_parts(
                        &s as *const _ as *const u8,
                        std::mem::size_of::<libc::sockaddr_in6>(),
                    )
                }
                .to_vec()
            };
            (
                libc::AF_INET6,
                bytes(sin6(f, 0)),
                bytes(sin6(*t.ip(), t.port())),
            )
        }
        _ => return Err(std::io::Error::other("mixed families")),
    };
    // SAFETY: a new socket, owned by the TcpStream made from it; the
    // addresses are complete sockaddr structures of their family.
    unsafe {
        let fd = libc::socket(family, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let stream = TcpStream::from_raw_fd(fd);
        let len = local.len() as libc::socklen_t;
        if libc::bind(fd, local.as_ptr() as *const libc::sockaddr, len) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if libc::connect(fd, remote.as_ptr() as *const libc::sockaddr, len) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(stream)
    }
}

/// The status of `GET path` sent from `from` to `to`.
fn status(from: &str, to: SocketAddr, path: &str) -> u16 {
    let mut s = connect_from(from.parse().unwrap(), to).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: main.test\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0)
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

const SECTIONS: &str = "\
<Location /cidr>\nRequire ip 127.0.0.0/30 ::1\n</Location>\n\
<Location /partial>\nRequire ip 127.0.1\n</Location>\n\
<Location /all>\n<RequireAll>\nRequire ip 127.0.0.0/8\nRequire not ip 127.0.0.2\n</RequireAll>\n</Location>\n\
<Location /none>\n<RequireAll>\nRequire all granted\n<RequireNone>\nRequire ip 127.0.0.9 ::1\n</RequireNone>\n</RequireAll>\n</Location>\n\
<Location /local>\nRequire local\n</Location>\n\
<Location /m>\nRequire ip 127.0.0.0/30\n</Location>\n\
<Location /m/and>\nAuthMerging And\nRequire ip 127.0.0.2\n</Location>\n\
<Location /m/or>\nAuthMerging Or\nRequire ip 127.0.0.9\n</Location>\n\
<Location /compat>\nOrder Deny,Allow\nDeny from all\nAllow from 127.0.0.2 env=LET_IN\n</Location>\n\
<Location /any>\nSatisfy Any\nOrder Allow,Deny\nAllow from 127.0.0.1\nRequire ip 127.0.0.9\n</Location>\n";

#[test]
fn require_and_allow_from_several_clients() {
    let t = TempDir::create("access", &["htdocs", "logs"], &[]);
    for d in [
        "cidr", "partial", "all", "none", "local", "m/and", "m/or", "compat", "any",
    ] {
        t.write(&format!("htdocs/{d}/f.txt"), "f\n");
    }
    t.give_to_server("logs");
    let port = free_port();
    let v6 = std::net::TcpListener::bind("[::1]:0").is_ok();
    let listen6 = if v6 {
        format!("Listen [::1]:{port}\n")
    } else {
        String::new()
    };
    let conf = format!(
        "LoadModule authz_core_module x.so\nLoadModule authz_host_module x.so\n\
         LoadModule access_compat_module x.so\nLoadModule setenvif_module x.so\n\
         Listen 127.0.0.1:{port}\n{listen6}ServerName main.test\nDocumentRoot htdocs\n\
         ErrorLog logs/error.log\nCustomLog logs/access.log \"%a %>s %U\"\n\
         SetEnvIf X-Let-In yes LET_IN\n{SECTIONS}"
    );
    t.write("spoor.conf", &conf);
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
    // (path, [127.0.0.1, 127.0.0.2, 127.0.0.9, 127.0.1.5]).
    let table: &[(&str, [u16; 4])] = &[
        ("/cidr/f.txt", [200, 200, 403, 403]),
        ("/partial/f.txt", [403, 403, 403, 200]),
        ("/all/f.txt", [200, 403, 200, 200]),
        ("/none/f.txt", [200, 200, 403, 200]),
        ("/local/f.txt", [200, 200, 200, 200]),
        ("/m/and/f.txt", [403, 200, 403, 403]),
        ("/m/or/f.txt", [200, 200, 200, 403]),
        ("/compat/f.txt", [403, 200, 403, 403]),
        ("/any/f.txt", [200, 403, 200, 403]),
    ];
    let clients = ["127.0.0.1", "127.0.0.2", "127.0.0.9", "127.0.1.5"];
    let mut records = 0;
    for (path, want) in table {
        for (from, want) in clients.iter().zip(want) {
            assert_eq!(status(from, to, path), *want, "{path} from {from}");
            records += 1;
        }
    }
    // mod_access_compat's env= rule, with the variable set by SetEnvIf.
    let mut s = connect_from("127.0.0.9".parse().unwrap(), to).unwrap();
    s.write_all(
        b"GET /compat/f.txt HTTP/1.1\r\nHost: x\r\nX-Let-In: yes\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200 "), "{out}");
    records += 1;
    if v6 {
        let to6: SocketAddr = format!("[::1]:{port}").parse().unwrap();
        assert_eq!(status("::1", to6, "/cidr/f.txt"), 200);
        assert_eq!(status("::1", to6, "/none/f.txt"), 403);
        assert_eq!(status("::1", to6, "/local/f.txt"), 200);
        assert_eq!(status("::1", to6, "/partial/f.txt"), 403);
        records += 4;
    }
    let access = lines(&t.0.join("logs/access.log"), records);
    assert!(access.contains(&"127.0.0.2 403 /all/f.txt".to_string()));
    assert!(access.contains(&"127.0.0.9 200 /compat/f.txt".to_string()));
    // One line per refusal, two for a refusal under Satisfy Any, one for
    // a client Allow refuses and Require lets in.
    let refused = 19 + if v6 { 2 } else { 0 };
    let errors = lines(&t.0.join("logs/error.log"), refused).join("\n");
    let root = t.0.display();
    // A refusal by Require, by Allow/Deny, and both under Satisfy Any.
    assert!(errors.contains(&format!("[authz_core:error] [pid {}:tid ", server.0.id())));
    assert!(errors.contains("[client 127.0.0.2:"));
    assert!(errors.contains(&format!(
        "AH01630: client denied by server configuration: {root}/htdocs/all/f.txt"
    )));
    assert!(errors.contains(&format!(
        "[access_compat:error] [pid {}:tid ",
        server.0.id()
    )));
    assert!(errors.contains(&format!(
        "AH01797: client denied by server configuration: {root}/htdocs/compat/f.txt"
    )));
    let any = format!("client denied by server configuration: {root}/htdocs/any/f.txt");
    let n = errors.lines().filter(|l| l.ends_with(&any)).count();
    // Two refused clients, each refused by both modules; 127.0.0.9 is
    // refused by Allow (logged) and let in by Require.
    assert_eq!(n, 5, "{errors}");
    drop(server);
}

/// The directives' errors, byte for byte as `apache2 -t` prints them.
#[test]
fn access_directives_as_apache2_t() {
    const APACHE: &str = "/usr/sbin/apache2";
    const MODULES: &str = "/usr/lib/apache2/modules";
    if !Path::new(APACHE).exists() {
        panic!("this test needs apache2 at {APACHE} (scripts/test-all installs it)");
    }
    let t = TempDir::create("access-t", &["htdocs", "run"], &[]);
    let snippets = [
        "Require not ip 1.2.3.4",
        "<RequireAll>\nRequire not ip 1.2.3.4\n</RequireAll>",
        "<RequireAll>\n</RequireAll>",
        "<RequireNone>\nRequire ip 1.2.3.4\n</RequireNone>",
        "<RequireAll>\n<RequireNone>\nRequire ip 1.2.3.4\n</RequireNone>\n</RequireAll>",
        "<RequireAll>\nRequire ip 1.2.3.4\nRequire not ip 1.2.3.4\n</RequireAll>",
        "<RequireNone>\nRequire not ip 1.2.3.4\n</RequireNone>",
        "<RequireAll>\n<RequireAll>\nRequire not ip 1.2.3.4\n</RequireAll>\nRequire ip 10.1\n</RequireAll>",
        "<RequireAll>\nRequire ip 10.1\n<RequireAll>\n<RequireNone>\nRequire ip 1.2.3.4\n</RequireNone>\n</RequireAll>\n</RequireAll>",
        "<RequireAny>\n<RequireAll>\nRequire not ip 1.2.3.4\n</RequireAll>\n</RequireAny>",
        "<RequireAll>\n<RequireNone>\nRequire ip 1.2.3.4\n</RequireNone>\n<RequireNone>\nRequire ip 1.2.3.5\n</RequireNone>\n</RequireAll>",
        "<RequireAll foo>\nRequire ip 1.2.3.4\n</RequireAll>",
        "<RequireAll>\n<Files x>\n</Files>\nRequire all granted\n</RequireAll>",
        "Require",
        "Require not",
        "Require ip",
        "Require ip 1.2.3.x",
        "Require ip 1.2.3.4/33",
        "Require ip 10.0.0.0/0",
        "Require ip 10.1/8",
        "Require ip 1..2 3",
        "Require ip ::ffff:1.2.3.4",
        "Require ip ::1/255.0.0.0",
        "Require ip \"1.2.3.4 5.6.7.8\"",
        "Require ip 010.1.1.1/8 10. fe80::/10 1.2.3.4/255.0.255.0",
        "Require IP 1.2.3.4",
        "Require all granted x",
        "Require not all granted",
        "Require local\nRequire host a b\nRequire forward-dns x",
        "AuthMerging",
        "AuthMerging On",
        "AuthMerging and",
        "Order",
        "Order foo",
        "Order deny, allow",
        "Allow",
        "Allow to x",
        "Allow from 1.2.3.4/33",
        "Deny from foo/8",
        "Deny from 1..2",
        "Satisfy",
        "Satisfy foo",
        "Satisfy ANY\nOrder Allow,Deny\nAllow from env=x env=!y all 10.1 10.0.0.0/8 example.com\nDeny from 2001:db8::/32",
        "<Limit>\n</Limit>",
        "<LimitExcept>\n</LimitExcept>",
        "<Limit TRACE>\nRequire all denied\n</Limit>",
        "<LimitExcept TRACE>\nRequire all denied\n</LimitExcept>",
        "<Limit GET>\n<Limit POST>\nRequire all denied\n</Limit>\n</Limit>",
        "<LimitExcept GET>\n<LimitExcept POST>\nRequire all denied\n</LimitExcept>\n</LimitExcept>",
        "<LimitExcept GET>\n<Limit GET>\nRequire all denied\n</Limit>\n</LimitExcept>",
        "<Limit GET>\n<Limit GET POST>\nRequire all denied\n</Limit>\n</Limit>",
        "<Limit GET>\n<Limit HEAD>\nRequire all denied\n</Limit>\n</Limit>",
        "<Limit GET>\n<RequireAll>\n<Limit POST>\nRequire all denied\n</Limit>\n</RequireAll>\n</Limit>",
        "<Limit GET>\n<Files x>\n</Files>\n</Limit>",
        "<Limit get HEAD FOO>\nRequire all denied\nOrder allow,deny\nSatisfy any\nAllow from 10.1\n</Limit>\n<LimitExcept GET POST>\nRequire not ip 1.2.3.4\n</LimitExcept>",
        "<Limit POST>\n<RequireAll>\nRequire not ip 1.2.3.4\n</RequireAll>\n</Limit>",
    ];
    let outside = [
        "<RequireAll>\nRequire all granted\n</RequireAll>",
        "AuthMerging And",
        "Require all granted",
        "Order allow,deny",
        "Allow from all",
        "Satisfy any",
        "<VirtualHost *:80>\n<RequireAny>\nRequire all granted\n</RequireAny>\n</VirtualHost>",
        "<VirtualHost *:80>\nRequire all granted\n</VirtualHost>",
        "<VirtualHost *:80>\nDeny from all\n</VirtualHost>",
        "<Limit GET>\nRequire all denied\n</Limit>",
        "<VirtualHost *:80>\n<LimitExcept GET>\nRequire all denied\n</LimitExcept>\n</VirtualHost>",
    ];
    let texts = snippets
        .iter()
        .map(|s| format!("<Location /x>\n{s}\n</Location>"))
        .chain(outside.iter().map(|s| s.to_string()));
    let head = format!(
        "<IfDefine APACHE>\n\
             LoadModule mpm_event_module {MODULES}/mod_mpm_event.so\n\
             DefaultRuntimeDir run\nPidFile run/apache2.pid\nErrorLog run/error.log\n\
             </IfDefine>\n\
             LoadModule authz_core_module {MODULES}/mod_authz_core.so\n\
             LoadModule authz_host_module {MODULES}/mod_authz_host.so\n\
             LoadModule access_compat_module {MODULES}/mod_access_compat.so\n\
             Listen 127.0.0.1:1\nServerName main.test\nDocumentRoot htdocs\n"
    );
    let differ = common::t_differences(&t.0, &head, texts);
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// Without mod_authz_host, its providers are unknown (as httpd); forms
/// spoor does not carry out are refused, never ignored.
#[test]
fn providers_need_their_module_and_expressions_are_refused() {
    let t = TempDir::create("access-m", &["htdocs"], &[]);
    let check_with = |pre: &str, body: &str| {
        let text = format!(
            "LoadModule authz_core_module x.so\n{pre}Listen 127.0.0.1:1\nServerName main.test\n\
             DocumentRoot htdocs\n<Location /x>\n{body}\n</Location>\n"
        );
        t.write("m.conf", &text);
        let out = Command::new(env!("CARGO_BIN_EXE_spoor"))
            .arg("-t")
            .arg("-f")
            .arg(t.0.join("m.conf"))
            .arg("-d")
            .arg(&t.0)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let check = |body: &str| check_with("", body);
    assert!(check("Require ip 1.2.3.4").contains("Unknown Authz provider: ip"));
    assert!(check("Require local").contains("Unknown Authz provider: local"));
    assert!(check("Order allow,deny").contains("Invalid command 'Order'"));
    let host = "LoadModule authz_host_module x.so\n";
    let e = check_with(host, "Require host %{HTTP_HOST}");
    assert!(
        e.contains("Require host with an expression (%{HTTP_HOST}) is not supported by spoor yet"),
        "{e}"
    );
    let e = check("AuthzSendForbiddenOnFailure On");
    assert!(
        e.contains("AuthzSendForbiddenOnFailure is not supported by spoor yet"),
        "{e}"
    );
}
