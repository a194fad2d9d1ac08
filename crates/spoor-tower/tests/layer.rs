//! The layer called as a tower service (no network): several logs and
//! their conditions, what the app sets through `LogContext`, JSON and
//! WASD formats, nicknames, unique ids, requests whose response never
//! came, and log rotation through the handle.

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::routing::get;
use common::{wait_lines, TempDir};
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use spoor_tower::sink::{Sink, SinkOptions};
use spoor_tower::{AccessLog, ConnInfo, Escaping, Log, LogContext, RemoteUser, UniqueId};
use tower::{Layer, Service, ServiceExt};

fn sink(dir: &TempDir, name: &str) -> Sink {
    Sink::file(dir.join(name), &SinkOptions::default()).unwrap()
}

fn app() -> axum::Router {
    axum::Router::new()
        .route("/", get(|| async { "index\n" }))
        .route(
            "/private",
            get(|req: axum::extract::Request| async move {
                let log = req.extensions().get::<LogContext>().unwrap();
                log.set_user("alice");
                log.set_env("dontlog", "1");
                log.set_note("who", "the \"admin\"");
                "secret\n"
            }),
        )
        .route(
            "/fail",
            get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "down\n") }),
        )
        .route(
            "/who",
            get(|| async {
                let mut r = Response::new(Body::from("x"));
                r.extensions_mut().insert(RemoteUser("bob".into()));
                r
            }),
        )
}

fn request(path: &str) -> Request<Body> {
    let mut r = Request::builder()
        .uri(path)
        .header("Host", "www.example.test")
        .header("User-Agent", "ua \"q\" \u{e9}")
        .body(Body::empty())
        .unwrap();
    let peer: SocketAddr = "192.0.2.7:40000".parse().unwrap();
    r.extensions_mut().insert(ConnInfo {
        peer,
        local: Some("198.51.100.1:8443".parse().unwrap()),
    });
    r
}

async fn run<S>(svc: &mut S, path: &str) -> Vec<u8>
where
    S: Service<Request<Body>, Response = Response<spoor_tower::LogBody<Body>>>,
    S::Error: std::fmt::Debug,
{
    let resp = svc
        .ready()
        .await
        .unwrap()
        .call(request(path))
        .await
        .unwrap();
    resp.into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

#[tokio::test]
async fn several_logs_with_conditions() {
    let dir = TempDir::new("conds");
    let layer = AccessLog::apache("%h %A %{local}p %p %{remote}p %u \"%r\" %>s %b %{who}n")
        .unwrap()
        .to(sink(&dir, "all.log"))
        .log(
            Log::apache("%>s %U")
                .unwrap()
                .to(sink(&dir, "errors.log"))
                .when(|r| r.last.status >= 500),
        )
        .log(
            Log::apache("common")
                .unwrap()
                .to(sink(&dir, "kept.log"))
                .env_not("dontlog"),
        )
        .log(
            Log::apache("%U %{dontlog}e")
                .unwrap()
                .to(sink(&dir, "dont.log"))
                .env("dontlog"),
        );
    let mut svc = layer.layer(app());
    for p in ["/", "/private", "/fail", "/who"] {
        run(&mut svc, p).await;
    }
    let all = wait_lines(&dir.join("all.log"), 4);
    assert_eq!(
        all,
        [
            "192.0.2.7 198.51.100.1 8443 8443 40000 - \"GET / HTTP/1.1\" 200 6 -",
            "192.0.2.7 198.51.100.1 8443 8443 40000 alice \"GET /private HTTP/1.1\" 200 7 the \\\"admin\\\"",
            "192.0.2.7 198.51.100.1 8443 8443 40000 - \"GET /fail HTTP/1.1\" 503 5 -",
            "192.0.2.7 198.51.100.1 8443 8443 40000 bob \"GET /who HTTP/1.1\" 200 1 -",
        ]
    );
    assert_eq!(wait_lines(&dir.join("errors.log"), 1), ["503 /fail"]);
    let kept = wait_lines(&dir.join("kept.log"), 3);
    assert_eq!(kept.len(), 3);
    assert!(kept.iter().all(|l| !l.contains("/private")), "{kept:?}");
    assert_eq!(wait_lines(&dir.join("dont.log"), 1), ["/private 1"]);
}

#[tokio::test]
async fn json_and_wasd_formats() {
    let dir = TempDir::new("json");
    let layer = AccessLog::apache(
        r#"{"host":"%h","ua":"%{User-Agent}i","status":%>s,"bytes":%B,"user":%u,"referer":%{Referer}i}"#,
    )
    .unwrap()
    .escape(Escaping::Json)
    .unwrap()
    .to(sink(&dir, "json.log"))
    .log(Log::wasd("COMBINED").unwrap().to(sink(&dir, "wasd.log")));
    let mut svc = layer.layer(app());
    run(&mut svc, "/").await;
    run(&mut svc, "/private").await;
    let json = wait_lines(&dir.join("json.log"), 2);
    let v: serde_json::Value = serde_json::from_str(&json[1]).unwrap();
    assert_eq!(v["ua"], "ua \"q\" \u{e9}");
    assert_eq!(v["status"], 200);
    assert_eq!(v["bytes"], 7);
    assert_eq!(v["user"], "alice");
    assert_eq!(v["referer"], serde_json::Value::Null);
    let v0: serde_json::Value = serde_json::from_str(&json[0]).unwrap();
    assert_eq!(v0["user"], serde_json::Value::Null);
    let wasd = wait_lines(&dir.join("wasd.log"), 2);
    assert!(wasd[0].starts_with("192.0.2.7 - - ["), "{wasd:?}");
    assert!(
        wasd[0].contains("] \"GET / HTTP/1.1\" 200 ")
            && wasd[0].ends_with(" \"-\" \"ua \\\"q\\\" \\xc3\\xa9\""),
        "{wasd:?}"
    );
    assert!(Log::wasd("COMMON").unwrap().escape(Escaping::Json).is_err());
    assert!(Log::apache("%{").is_err());
}

#[test]
fn nicknames_are_httpds() {
    assert_eq!(Log::apache("common").unwrap().format_text(), spoor_log::CLF);
    assert_eq!(
        Log::apache("combined").unwrap().format_text(),
        spoor_log::COMBINED
    );
    assert!(Log::apache("vhost_combined")
        .unwrap()
        .format_text()
        .starts_with("%v:%p "));
    // A string without % that is no nickname is a literal format, as in
    // CustomLog; nicknames are case-sensitive.
    assert_eq!(Log::apache("Combined").unwrap().format_text(), "Combined");
}

#[tokio::test]
async fn unique_id_on_either_side_of_the_log() {
    let dir = TempDir::new("uid");
    let fmt = "%{UNIQUE_ID}e %L";
    // UniqueId outside the access log, then inside it.
    let outer = UniqueId::new().layer(
        AccessLog::apache(fmt)
            .unwrap()
            .to(sink(&dir, "outer.log"))
            .layer(app()),
    );
    let inner = AccessLog::apache(fmt)
        .unwrap()
        .to(sink(&dir, "inner.log"))
        .layer(UniqueId::new().layer(app()));
    let r1 = outer.oneshot(request("/")).await.unwrap();
    let h1 = r1.headers()["x-request-id"].to_str().unwrap().to_string();
    r1.into_body().collect().await.unwrap();
    let r2 = inner.oneshot(request("/")).await.unwrap();
    let h2 = r2.headers()["x-request-id"].to_str().unwrap().to_string();
    r2.into_body().collect().await.unwrap();
    assert_eq!(h1.len(), 27);
    assert_ne!(h1, h2);
    assert_eq!(
        wait_lines(&dir.join("outer.log"), 1),
        [format!("{h1} {h1}")]
    );
    // Inside, the id reaches %{UNIQUE_ID}e through the LogContext; %L is
    // the id the log saw on arrival (none).
    assert_eq!(wait_lines(&dir.join("inner.log"), 1), [format!("{h2} -")]);
}

#[tokio::test]
async fn request_without_response_is_still_logged() {
    let dir = TempDir::new("dropped");
    let layer = AccessLog::apache("%>s %b %X \"%r\"")
        .unwrap()
        .to(sink(&dir, "a.log"));
    // A handler that never answers; its future is dropped, as a server
    // drops it when the client goes away.
    let never = tower::service_fn(|_req: Request<Body>| async {
        std::future::pending::<Result<Response<Body>, Infallible>>().await
    });
    let mut svc = layer.layer(never);
    let fut = svc.ready().await.unwrap().call(request("/gone"));
    let _ = tokio::time::timeout(Duration::from_millis(20), fut).await;
    // And one that fails.
    let failing = tower::service_fn(|_req: Request<Body>| async {
        Err::<Response<Body>, _>(std::io::Error::other("no"))
    });
    let mut svc = layer.layer(failing);
    assert!(svc
        .ready()
        .await
        .unwrap()
        .call(request("/err"))
        .await
        .is_err());
    assert_eq!(
        wait_lines(&dir.join("a.log"), 2),
        [
            "- - X \"GET /gone HTTP/1.1\"",
            "500 - X \"GET /err HTTP/1.1\""
        ]
    );
}

#[tokio::test]
async fn handle_reopens_after_rotation() {
    let dir = TempDir::new("rotate");
    let layer = AccessLog::apache("%U").unwrap().to(sink(&dir, "a.log"));
    let handle = layer.handle();
    let mut svc = layer.layer(app());
    run(&mut svc, "/").await;
    std::fs::rename(dir.join("a.log"), dir.join("a.log.1")).unwrap();
    handle.reopen().unwrap();
    run(&mut svc, "/who").await;
    assert_eq!(wait_lines(&dir.join("a.log.1"), 1), ["/"]);
    assert_eq!(wait_lines(&dir.join("a.log"), 1), ["/who"]);
    handle.close().unwrap();
}

#[tokio::test]
async fn empty_bodies_are_not_aborts() {
    let dir = TempDir::new("empty");
    let layer = AccessLog::apache("%>s %b %B %X")
        .unwrap()
        .to(sink(&dir, "a.log"));
    // Answers with an empty body; the body is dropped unread, as hyper
    // drops a body that is over before it starts.
    let svc = layer.layer(tower::service_fn(|_req: Request<Body>| async {
        Ok::<_, Infallible>(
            Response::builder()
                .status(302)
                .header("Location", "/elsewhere")
                .body(Body::empty())
                .unwrap(),
        )
    }));
    let resp = svc.oneshot(request("/")).await.unwrap();
    drop(resp);
    assert_eq!(wait_lines(&dir.join("a.log"), 1), ["302 - 0 +"]);
}

#[tokio::test]
async fn piped_buffered_and_periodic_sinks() {
    use spoor_tower::sink::{Period, PeriodicName, PeriodicSpec};
    let dir = TempDir::new("sinks");
    let piped_out = dir.join("piped.out");
    let piped = Sink::open(
        &format!("|$cat >> {}", piped_out.display()),
        &SinkOptions::default(),
    )
    .unwrap();
    let buffered = Sink::file(
        dir.join("buffered.log"),
        &SinkOptions {
            buffered: true,
            flush_interval: Duration::from_secs(3600),
            ..SinkOptions::default()
        },
    )
    .unwrap();
    let mut spec = PeriodicSpec::new(
        Period::Daily,
        PeriodicName::Pattern(dir.join("daily_%Y%m%d.log")),
    );
    spec.time_zone = spoor_tower::TimeZone::UTC;
    let periodic = Sink::periodic(spec, &SinkOptions::default()).unwrap();
    let periodic_path = periodic.current_path().unwrap();
    let layer = AccessLog::apache("%U %>s")
        .unwrap()
        .to(piped)
        .log(Log::apache("%U").unwrap().to(buffered))
        .log(Log::apache("%U %b").unwrap().to(periodic));
    let handle = layer.handle();
    let mut svc = layer.layer(app());
    run(&mut svc, "/").await;
    run(&mut svc, "/who").await;
    // Buffered lines wait for a flush (the timer is an hour away).
    assert_eq!(std::fs::read(dir.join("buffered.log")).unwrap(), b"");
    handle.flush().unwrap();
    assert_eq!(wait_lines(&dir.join("buffered.log"), 2), ["/", "/who"]);
    assert_eq!(wait_lines(&periodic_path, 2), ["/ 6", "/who 1"]);
    assert!(periodic_path
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("daily_20"));
    // Closing drains the piped logger.
    handle.close().unwrap();
    assert_eq!(wait_lines(&piped_out, 2), ["/ 200", "/who 200"]);
}
