//! The `spoor` binary: parses the command line, binds the listener, runs
//! the server on a multi-threaded tokio runtime and stops cleanly on
//! SIGTERM or SIGINT.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use spoor::accesslog::LogSink;
use spoor::cli::Cli;
use spoor::server::{self, Config};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.version {
        println!("Server version: spoor/{}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    if let Some(opt) = cli.unsupported() {
        eprintln!(
            "spoor: {opt} is not supported yet: this build has no configuration-file loader; \
             run without it to serve --root on --listen"
        );
        return ExitCode::from(2);
    }
    let root = match std::fs::canonicalize(&cli.root) {
        Ok(r) if r.is_dir() => r,
        Ok(r) => {
            eprintln!("spoor: document root {} is not a directory", r.display());
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("spoor: document root {}: {e}", cli.root.display());
            return ExitCode::FAILURE;
        }
    };
    let mut config = Config::new(root);
    if let Some(path) = &cli.access_log {
        match LogSink::open_append(path) {
            Ok(s) => config.sink = s,
            Err(e) => {
                eprintln!("spoor: could not open access log {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("spoor: could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(cli.listen)
            .await
            .map_err(|e| {
                std::io::Error::new(e.kind(), format!("could not bind to {}: {e}", cli.listen))
            })?;
        eprintln!("spoor: listening on {}", listener.local_addr()?);
        let (tx, rx) = tokio::sync::watch::channel(false);
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            let _ = tx.send(true);
            // Keep the sender alive so connections see the flag, not a
            // closed channel.
            std::future::pending::<()>().await;
        });
        server::serve(listener, Arc::new(config), rx).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("spoor: {e}");
            ExitCode::FAILURE
        }
    }
}
