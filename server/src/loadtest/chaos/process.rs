//! The server under test as a child process (`<this binary> serve`): started with the run's
//! environment, its output appended to one log file, killed with SIGKILL or SIGTERM (through
//! the `kill` command: the crate does not depend on libc), and started again.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use tokio::process::{Child, Command};

use super::client::Http;

/// How long a start may take until `/ready` answers 200.
const READY_WITHIN: Duration = Duration::from_secs(60);
/// How long a SIGTERM'd server may drain before it is killed.
pub const DRAIN_WITHIN: Duration = Duration::from_secs(15);

/// Which signal ends the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Kill,
    Term,
}

impl Signal {
    fn name(self) -> &'static str {
        match self {
            Signal::Kill => "KILL",
            Signal::Term => "TERM",
        }
    }
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SIG{}", self.name())
    }
}

/// How one stop went.
#[derive(Clone, Debug)]
pub struct Stopped {
    pub signal: Signal,
    /// When the signal went.
    pub at: chrono::DateTime<chrono::Utc>,
    /// From the signal to the process's exit.
    pub took: Duration,
    /// SIGTERM only: the server did not drain within [`DRAIN_WITHIN`] and was killed.
    pub drain_timed_out: bool,
    pub exit: String,
}

/// The running server.
pub struct Server {
    child: Child,
    env: BTreeMap<String, Option<String>>,
    log: PathBuf,
    address: SocketAddr,
    pub starts: u32,
}

impl Server {
    /// Starts the server and waits until it is ready.
    pub async fn start(
        env: BTreeMap<String, Option<String>>,
        log: PathBuf,
        address: SocketAddr,
    ) -> anyhow::Result<Self> {
        let child = spawn(&env, &log, 1)?;
        let mut server = Self {
            child,
            env,
            log,
            address,
            starts: 1,
        };
        server.wait_ready().await?;
        Ok(server)
    }

    /// How the server ended if it is not running although nobody stopped it.
    pub fn exited(&mut self) -> Option<String> {
        self.child.try_wait().ok().flatten().map(|s| s.to_string())
    }

    /// Starts it again (after [`Server::stop`]) and waits until it is ready.
    pub async fn restart(&mut self) -> anyhow::Result<Duration> {
        let started = Instant::now();
        self.starts += 1;
        self.child = spawn(&self.env, &self.log, self.starts)?;
        self.wait_ready().await?;
        Ok(started.elapsed())
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + READY_WITHIN;
        let mut http = Http::new(self.address);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "the server exited while starting ({status}); last lines of {}:\n{}",
                    self.log.display(),
                    log_tail(&self.log, 8)
                );
            }
            if let Ok(reply) = http.send("GET", "/ready", None, None, None).await {
                if reply.status == 200 {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                bail!(
                    "the server was not ready within {} s; last lines of {}:\n{}",
                    READY_WITHIN.as_secs(),
                    self.log.display(),
                    log_tail(&self.log, 8)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sends `signal` and waits for the process to exit (SIGTERM: up to [`DRAIN_WITHIN`], then
    /// SIGKILL).
    pub async fn stop(&mut self, signal: Signal) -> anyhow::Result<Stopped> {
        let pid = self.child.id().context("the server already exited")?;
        let (started, at) = (Instant::now(), chrono::Utc::now());
        let status = Command::new("kill")
            .arg(format!("-{}", signal.name()))
            .arg(pid.to_string())
            .status()
            .await
            .context("cannot run kill")?;
        if !status.success() {
            bail!("kill -{} {pid} failed: {status}", signal.name());
        }
        let limit = match signal {
            Signal::Kill => Duration::from_secs(10),
            Signal::Term => DRAIN_WITHIN,
        };
        let (exit, drain_timed_out) = match tokio::time::timeout(limit, self.child.wait()).await {
            Ok(status) => (status?, false),
            Err(_) => {
                self.child.start_kill()?;
                (self.child.wait().await?, true)
            }
        };
        Ok(Stopped {
            signal,
            at,
            took: started.elapsed(),
            drain_timed_out,
            exit: exit.to_string(),
        })
    }
}

fn spawn(
    env: &BTreeMap<String, Option<String>>,
    log: &PathBuf,
    start: u32,
) -> anyhow::Result<Child> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("cannot open {}", log.display()))?;
    writeln!(file, "===== chaos: server start #{start} =====")?;
    let mut command = Command::new(this_binary()?);
    command
        .arg("serve")
        .stdin(Stdio::null())
        .stdout(Stdio::from(file.try_clone()?))
        .stderr(Stdio::from(file))
        .kill_on_drop(true);
    for (key, value) in env {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    command.spawn().context("cannot start the server")
}

/// This very executable: on Linux `/proc/self/exe`, which stays runnable when a rebuild replaces
/// the file at its path during the run (and so the server under test is always the build
/// that drives it).
fn this_binary() -> std::io::Result<PathBuf> {
    let proc = PathBuf::from("/proc/self/exe");
    if proc.exists() {
        Ok(proc)
    } else {
        std::env::current_exe()
    }
}

/// The last `lines` lines of the log, each cut to 240 characters (for error messages).
pub fn log_tail(log: &PathBuf, lines: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..]
        .iter()
        .map(|line| {
            let mut line: String = line.chars().take(240).collect();
            line.insert_str(0, "    ");
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}
