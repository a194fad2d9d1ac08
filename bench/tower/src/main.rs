//! `spoor-tower-bench MODE ADDR LOGFILE`: serves `GET /` ("hello\n") on
//! ADDR until SIGTERM, logging each request to LOGFILE according to MODE:
//!
//! * `none`: no request logging;
//! * `accesslog`: spoor-tower's `AccessLog` with Apache's combined format;
//! * `trace`: tower-http's `TraceLayer` (span and response event at INFO,
//!   no request event: one line per request, as an access log) with
//!   tracing-subscriber's fmt layer writing to the file.
//!
//! Both loggers write each line with one unbuffered write to the file, so
//! neither holds lines back from the measurement.

use std::fs::OpenOptions;
use std::sync::Mutex;

use axum::routing::get;
use axum::Router;
use spoor_tower::sink::{Sink, SinkOptions};
use spoor_tower::{AccessLog, ConnInfo};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, mode, addr, log] = &args[..] else {
        return Err("usage: spoor-tower-bench none|accesslog|trace ADDR LOGFILE".into());
    };
    let app = Router::new().route("/", get(|| async { "hello\n" }));
    let app = match mode.as_str() {
        "none" => app,
        "accesslog" => app.layer(
            AccessLog::apache("combined")?.to(Sink::file(log, &SinkOptions::default())?),
        ),
        "trace" => {
            let file = OpenOptions::new().create(true).append(true).open(log)?;
            tracing_subscriber::fmt()
                .with_ansi(false)
                .with_max_level(Level::INFO)
                .with_writer(Mutex::new(file))
                .init();
            app.layer(
                TraceLayer::new_for_http()
                    .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                    .on_request(())
                    .on_response(DefaultOnResponse::new().level(Level::INFO)),
            )
        }
        m => return Err(format!("unknown mode {m}").into()),
    };
    let listener = tokio::net::TcpListener::bind(addr.as_str()).await?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<ConnInfo>(),
    )
    .with_graceful_shutdown(async move {
        term.recv().await;
    })
    .await?;
    Ok(())
}
