//! Command-line flags, parsed with the standard library only (the flag set is small and a
//! parser crate would be the largest dependency of the binary).

use std::fmt::Write as _;

/// Fault probabilities per request, one per kind. At most one fault is drawn per request.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FaultRates {
    pub html_502: f64,
    pub lost_response: f64,
    pub drop: f64,
    pub retry_after_zero: f64,
    pub latency: f64,
}

impl FaultRates {
    pub fn total(&self) -> f64 {
        self.html_502 + self.lost_response + self.drop + self.retry_after_zero + self.latency
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    pub port: u16,
    /// `None` when no `--seed` was given: a seed is then taken from the clock and printed.
    pub seed: Option<u64>,
    pub rate_limit: u32,
    pub rate_window_secs: u64,
    /// How long going over the limit blocks the bucket; `None`: as long as the window
    /// (Cloudflare: 5 minutes and 5 minutes). `Some(0)`: no block.
    pub rate_block_secs: Option<u64>,
    pub faults: FaultRates,
    pub latency_ms: u64,
}

impl Config {
    /// The block period: `--rate-block`, or the window when not given.
    pub fn rate_block(&self) -> u64 {
        self.rate_block_secs.unwrap_or(self.rate_window_secs)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 8787,
            seed: None,
            rate_limit: 1200,
            rate_window_secs: 300,
            rate_block_secs: None,
            faults: FaultRates::default(),
            latency_ms: 1000,
        }
    }
}

pub const USAGE: &str = "\
cloudflare-tenant-sandbox: a local, stateful stand-in for Cloudflare's Tenant API

USAGE: cloudflare-tenant-sandbox [FLAGS]

  --host ADDR               address to bind (default 127.0.0.1)
  --port N                  port to bind, 0 picks a free one (default 8787)
  --seed N                  seed for ids and faults (default: from the clock, printed)
  --rate-limit N            requests per window per credential (default 1200)
  --rate-window SECONDS     rate-limit window (default 300)
  --rate-block SECONDS      how long going over the limit blocks the credential
                            (default: the window, 300; 0: no block, refused until
                            the window resets)
  --faults R                total fault probability per request, split evenly across
                            the five kinds below (0.0..1.0)
  --fault-html-502 R        edge 502 (HTML) instead of processing the request
  --fault-lost-response R   request processed and committed, response replaced by a 502
  --fault-drop R            request processed and committed, connection closed, no response
  --fault-429-zero R        429 with `Retry-After: 0`, the delay in the body's retry_after
  --fault-latency R         delay the response by --latency-ms
  --latency-ms N            delay of the latency fault (default 1000)
  -h, --help                this text
";

/// What the command line asked for.
#[derive(Debug)]
pub enum Command {
    Run(Config),
    Help,
}

pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, String> {
    let mut cfg = Config::default();
    let mut total: Option<f64> = None;
    let mut each = [None::<f64>; 5];
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(Command::Help);
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => it.next().ok_or_else(|| format!("{flag} needs a value")),
            }
        };
        match flag.as_str() {
            "--host" => cfg.host = value()?,
            "--port" => cfg.port = number(&flag, &value()?)?,
            "--seed" => cfg.seed = Some(number(&flag, &value()?)?),
            "--rate-limit" => cfg.rate_limit = number(&flag, &value()?)?,
            "--rate-window" => cfg.rate_window_secs = number(&flag, &value()?)?,
            "--rate-block" => cfg.rate_block_secs = Some(number(&flag, &value()?)?),
            "--latency-ms" => cfg.latency_ms = number(&flag, &value()?)?,
            "--faults" => total = Some(rate(&flag, &value()?)?),
            "--fault-html-502" => each[0] = Some(rate(&flag, &value()?)?),
            "--fault-lost-response" => each[1] = Some(rate(&flag, &value()?)?),
            "--fault-drop" => each[2] = Some(rate(&flag, &value()?)?),
            "--fault-429-zero" => each[3] = Some(rate(&flag, &value()?)?),
            "--fault-latency" => each[4] = Some(rate(&flag, &value()?)?),
            other => return Err(format!("unknown flag {other}\n\n{USAGE}")),
        }
    }
    if cfg.rate_window_secs == 0 {
        return Err("--rate-window must be at least 1".into());
    }
    // `--faults` spreads evenly; a per-kind flag overrides that kind's share.
    let share = total.unwrap_or(0.0) / 5.0;
    let pick = |i: usize| each[i].unwrap_or(share);
    cfg.faults = FaultRates {
        html_502: pick(0),
        lost_response: pick(1),
        drop: pick(2),
        retry_after_zero: pick(3),
        latency: pick(4),
    };
    if cfg.faults.total() > 1.0 + 1e-9 {
        let mut msg = String::new();
        let _ = write!(
            msg,
            "fault rates add up to {:.3}; at most one fault is drawn per request, so the sum must be <= 1.0",
            cfg.faults.total()
        );
        return Err(msg);
    }
    Ok(Command::Run(cfg))
}

fn number<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{flag}: `{v}` is not a valid number"))
}

fn rate(flag: &str, v: &str) -> Result<f64, String> {
    let r: f64 = number(flag, v)?;
    if !(0.0..=1.0).contains(&r) {
        return Err(format!("{flag}: {r} is outside 0.0..=1.0"));
    }
    Ok(r)
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
    fn defaults() {
        let c = run(&[]).unwrap();
        assert_eq!(c.rate_limit, 1200);
        assert_eq!(c.rate_window_secs, 300);
        assert_eq!(c.rate_block(), 300);
        assert_eq!(c.faults.total(), 0.0);
    }

    #[test]
    fn the_block_follows_the_window_unless_given() {
        assert_eq!(run(&["--rate-window", "2"]).unwrap().rate_block(), 2);
        let c = run(&["--rate-window", "2", "--rate-block=7"]).unwrap();
        assert_eq!(c.rate_block(), 7);
        assert_eq!(run(&["--rate-block", "0"]).unwrap().rate_block(), 0);
        assert!(run(&["--rate-block", "-1"]).is_err());
    }

    #[test]
    fn faults_split_evenly_and_overrides() {
        let c = run(&[
            "--faults",
            "0.5",
            "--fault-drop=0.0",
            "--port",
            "0",
            "--seed",
            "9",
        ])
        .unwrap();
        assert!((c.faults.html_502 - 0.1).abs() < 1e-12);
        assert_eq!(c.faults.drop, 0.0);
        assert_eq!(c.port, 0);
        assert_eq!(c.seed, Some(9));
    }

    #[test]
    fn refuses_bad_input() {
        assert!(run(&["--faults", "1.5"]).is_err());
        assert!(run(&["--fault-drop", "0.8", "--fault-html-502", "0.8"]).is_err());
        assert!(run(&["--port"]).is_err());
        assert!(run(&["--nope"]).is_err());
        assert!(run(&["--rate-window", "0"]).is_err());
    }
}
