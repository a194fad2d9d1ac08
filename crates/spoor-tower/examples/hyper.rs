//! The AccessLog layer on a plain hyper 1 server (no axum): the accept
//! loop puts each connection's addresses in a `ConnInfo` extension and
//! boxes the request body so that `%I` counts it.
//!
//! ```text
//! cargo run --release -p spoor-tower --example hyper -- 127.0.0.1:3000
//! curl -d 'some data' http://127.0.0.1:3000/
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use spoor_tower::{AccessLog, ConnInfo};
use tower::{ServiceBuilder, ServiceExt};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn echo_length<B: hyper::body::Body>(
    req: Request<B>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let n = match req.into_body().collect().await {
        Ok(b) => b.to_bytes().len(),
        Err(_) => 0,
    };
    Ok(Response::new(Full::new(Bytes::from(format!(
        "{n} bytes\n"
    )))))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    let svc = ServiceBuilder::new()
        .layer(AccessLog::apache("combinedio")?)
        .service_fn(echo_length::<BoxBody<Bytes, BoxError>>);
    loop {
        let (stream, peer) = listener.accept().await?;
        let local = stream.local_addr().ok();
        let svc = svc.clone();
        tokio::spawn(async move {
            let per_request = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(ConnInfo { peer, local });
                let req = req.map(|b| b.map_err(BoxError::from).boxed());
                // Boxed: the future's type is then checked for Send here,
                // where its types are concrete (rustc's check through
                // tokio::spawn trips over the boxed error's lifetime).
                let fut: Pin<Box<dyn Future<Output = _> + Send>> =
                    Box::pin(svc.clone().oneshot(req));
                fut
            });
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), per_request)
                .await
            {
                eprintln!("connection from {peer}: {e}");
            }
        });
    }
}
