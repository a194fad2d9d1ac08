//! An axum app with Apache's combined log, a unique id and a forensic
//! record per request, and the tracking cookie; SIGHUP reopens the logs
//! (rename them away first, as logrotate does), Ctrl-C stops.
//!
//! ```text
//! cargo run --release -p spoor-tower --example axum --features axum -- 127.0.0.1:3000 logs
//! curl -i http://127.0.0.1:3000/hello
//! ```
//!
//! The second argument is the log directory (it must exist): it gets
//! `access_log` and `forensic_log`.

use std::path::PathBuf;

use axum::extract::Request;
use axum::routing::get;
use axum::Router;
use spoor_tower::sink::{Sink, SinkOptions};
use spoor_tower::{AccessLog, ConnInfo, Forensic, ForensicLog, LogContext, UniqueId, UserTrack};
use tokio::signal::unix::{signal, SignalKind};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:3000".into());
    let logs = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));

    let access = AccessLog::apache(
        "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" %D %{UNIQUE_ID}e %{cookie}n %{greeting}n",
    )?
    .to(Sink::file(logs.join("access_log"), &SinkOptions::default())?);
    let handle = access.handle();
    let forensic = ForensicLog::file(&logs.join("forensic_log"))?;

    let app = Router::new()
        .route(
            "/hello",
            get(|req: Request| async move {
                if let Some(log) = req.extensions().get::<LogContext>() {
                    log.set_note("greeting", "hello");
                }
                "hello\n"
            }),
        )
        .layer(UserTrack::new().expires_text("1 year")?)
        .layer(Forensic::new(forensic))
        .layer(access)
        .layer(UniqueId::new());

    let mut hup = signal(SignalKind::hangup())?;
    let reopen = handle.clone();
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            if let Err(e) = reopen.reopen() {
                eprintln!("cannot reopen the access log: {e}");
            }
        }
    });

    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<ConnInfo>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    handle.close()?;
    Ok(())
}
