//! cloudflare-tenant-sandbox: a local, stateful stand-in for Cloudflare's account
//! provisioning ("Tenant") API, for tests and demos of the client.
//!
//! The HTTP loop is hyper's own (not `axum::serve`) because the "drop" fault must close a
//! connection without answering, which only a service that can fail gives us.

mod app;
mod args;
mod auth;
mod catalog;
mod envelope;
mod faults;
mod inspect;
mod ratelimit;
mod reqlog;
mod rng;
mod routes;
mod state;

use std::io::Write;
use std::sync::Arc;

use axum::body::Body;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::app::App;
use crate::args::Command;

fn main() {
    let config = match args::parse(std::env::args().skip(1)) {
        Ok(Command::Run(c)) => c,
        Ok(Command::Help) => {
            print!("{}", args::USAGE);
            return;
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = runtime.block_on(run(config)) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run(config: args::Config) -> std::io::Result<()> {
    let seed = config.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
    });
    let listener = TcpListener::bind((config.host.as_str(), config.port)).await?;
    let addr = listener.local_addr()?;
    let app = App::new(config, seed);
    announce(&app, addr);

    let api = routes::api(app.clone());
    let inspect = inspect::router(app.clone());
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("accept failed: {e}");
                continue;
            }
        };
        let (app, api, inspect) = (app.clone(), api.clone(), inspect.clone());
        tokio::spawn(async move {
            let service = service_fn(move |req: hyper::Request<Incoming>| {
                app::handle(
                    app.clone(),
                    api.clone(),
                    inspect.clone(),
                    req.map(Body::new),
                )
            });
            // An error here is a closed or dropped connection (including the drop fault).
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// One line on stdout for whoever started us (tests read it to learn the port), then the
/// credentials on stderr.
fn announce(app: &Arc<App>, addr: std::net::SocketAddr) {
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on http://{addr}");
    let _ = out.flush();
    let state = app.state();
    let tenant = &state.tenants[0];
    let units: Vec<&str> = tenant.units.iter().map(|u| u.tag.as_str()).collect();
    eprintln!(
        "API base URL: http://{addr}/client/v4   (seed {})\n\
         tenant admin: Authorization: Bearer {}\n\
         \x20             or X-Auth-Email: {} + X-Auth-Key: {}\n\
         \x20             or X-Auth-User-Service-Key: {}\n\
         plain user:   Authorization: Bearer {}\n\
         tenant {} with units {}\n\
         inspection:   GET http://{addr}/__sandbox/state, /__sandbox/requests",
        app.seed,
        state::ADMIN_TOKEN,
        state::ADMIN_EMAIL,
        state::ADMIN_GLOBAL_KEY,
        state::ADMIN_SERVICE_KEY,
        state::PLAIN_TOKEN,
        tenant.tag,
        units.join(", "),
    );
}
