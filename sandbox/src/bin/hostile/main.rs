//! hostile: a deliberately misbehaving stand-in for Cloudflare's API, for testing how a
//! client of the Tenant API defends itself. It redirects credentials to another origin,
//! leaks a secret in answers that cannot be decoded, nests JSON millions deep, sends bodies
//! of gigabytes, drips, stalls, never ends, answers 429 with every form of `Retry-After`
//! a client can misread, and loses the answer to a create (to see what a resend carries).
//!
//! It binds two loopback listeners: "main", where the scenarios live, and "elsewhere", a
//! second origin that redirects point at. Every request to either is logged, and
//! `GET /_log` on main returns the log, so a test can assert what did (or did not) arrive.
//!
//! The HTTP loop is hyper's own, with a body type of our own: the scenarios need to stream
//! (drip, endless, gigabytes) with bounded memory, which a buffered body cannot do.

mod body;
mod log;
mod scenarios;

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::log::Log;
use crate::scenarios::{Ctx, Server};

const USAGE: &str = "\
hostile: a misbehaving stand-in for Cloudflare's API, to attack a client with

USAGE: hostile [FLAGS]

  --port N               port of the main listener, 0 picks a free one (default 0)
  --lifetime-secs N      exit by itself after N seconds (default 300)
  -h, --help             this text

Binds two listeners on 127.0.0.1 only: \"main\" (the scenarios) and \"elsewhere\" (the
origin redirects point at). The first line on stdout is

  hostile on http://127.0.0.1:<main_port> elsewhere http://127.0.0.1:<elsewhere_port>

Scenarios on main, each as a base URL `/<scenario>/<args...>/<tag>` to which a client
appends its API path: redirect/<code>, secret/<variant>, deep/<n>, deep-result/<n>,
huge/<mib>, huge-chunked/<mib>, drip, endless, stall, retry-after/<form>, ok,
ok-slow/<ms>, lost-answer/<close|502> (the first request with each Idempotency-Key loses
its answer; a resend with that key is answered). `GET /_log?prefix=<path prefix>` returns
the requests both servers received.
";

struct Config {
    port: u16,
    lifetime: Duration,
}

enum Command {
    Run(Config),
    Help,
}

fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, String> {
    let mut cfg = Config {
        port: 0,
        lifetime: Duration::from_secs(300),
    };
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(Command::Help);
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let value = match inline {
            Some(v) => v,
            None => it.next().ok_or_else(|| format!("{flag} needs a value"))?,
        };
        match flag.as_str() {
            "--port" => cfg.port = number(&flag, &value)?,
            "--lifetime-secs" => cfg.lifetime = Duration::from_secs(number(&flag, &value)?),
            other => return Err(format!("unknown flag {other}\n\n{USAGE}")),
        }
    }
    Ok(Command::Run(cfg))
}

fn number<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{flag}: `{v}` is not a valid number"))
}

fn main() {
    let config = match parse(std::env::args().skip(1)) {
        Ok(Command::Run(c)) => c,
        Ok(Command::Help) => {
            print!("{USAGE}");
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
    match runtime.block_on(run(config)) {
        // The lifetime is over: leave without waiting for stalled or endless connections.
        Ok(()) => std::process::exit(0),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

async fn run(config: Config) -> std::io::Result<()> {
    // Loopback only, whatever the flags: this server exists to be hostile.
    let main = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
    let elsewhere = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let (main_addr, elsewhere_addr) = (main.local_addr()?, elsewhere.local_addr()?);
    let started = Instant::now();
    let ctx = Arc::new(Ctx {
        started,
        deadline: started + config.lifetime,
        elsewhere_port: elsewhere_addr.port(),
        log: Log::default(),
    });
    announce(main_addr, elsewhere_addr);
    tokio::spawn(serve(main, Server::Main, ctx.clone()));
    tokio::spawn(serve(elsewhere, Server::Elsewhere, ctx));
    tokio::time::sleep(config.lifetime).await;
    Ok(())
}

/// One line on stdout, flushed at once: whoever started us reads it to learn both ports.
fn announce(main: SocketAddr, elsewhere: SocketAddr) {
    let mut out = std::io::stdout();
    let _ = writeln!(out, "hostile on http://{main} elsewhere http://{elsewhere}");
    let _ = out.flush();
}

async fn serve(listener: TcpListener, server: Server, ctx: Arc<Ctx>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                // Out of descriptors, most likely: wait instead of spinning.
                eprintln!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: hyper::Request<Incoming>| {
                scenarios::handle(ctx.clone(), server, req)
            });
            // An error here is a client that went away, which is what most scenarios expect,
            // or `lost-answer/close` hanging up on purpose.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Config, String> {
        match parse(args.iter().map(|s| s.to_string()))? {
            Command::Run(c) => Ok(c),
            Command::Help => Err("help".into()),
        }
    }

    #[test]
    fn flags() {
        let c = run(&[]).unwrap();
        assert_eq!((c.port, c.lifetime.as_secs()), (0, 300));
        let c = run(&["--port", "9", "--lifetime-secs=2"]).unwrap();
        assert_eq!((c.port, c.lifetime.as_secs()), (9, 2));
        assert!(run(&["--host", "0.0.0.0"]).is_err());
        assert!(run(&["--port"]).is_err());
        assert!(run(&["--lifetime-secs", "soon"]).is_err());
    }
}
