//! The chaos itself: on a schedule spread over the load, kill the server (SIGKILL and SIGTERM
//! in turn) and start it again; in cluster mode also delete this run's Redis keys while the
//! server runs, and restart the broker once if a command for it was given.

use std::time::{Duration, Instant};

use anyhow::Context;

use super::process::{Server, Signal, Stopped};
use super::world::{delete_redis_keys, ClusterData};

/// One act of chaos.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Stop(Signal),
    FlushRedis,
    RestartBroker(String),
}

/// What to do when (since the load started).
pub fn plan(
    duration: Duration,
    kills: u32,
    cluster: bool,
    broker_restart_cmd: Option<&str>,
) -> Vec<(Duration, Event)> {
    let slot = duration / (kills + 1);
    let mut events: Vec<(Duration, Event)> = (0..kills)
        .map(|i| {
            let signal = if i % 2 == 0 {
                Signal::Kill
            } else {
                Signal::Term
            };
            (slot * (i + 1), Event::Stop(signal))
        })
        .collect();
    let latest = duration.mul_f64(0.9);
    if cluster {
        events.push((slot.mul_f64(1.5).min(latest), Event::FlushRedis));
        if let Some(cmd) = broker_restart_cmd {
            let at = slot.mul_f64(f64::from(kills) + 0.5).min(latest);
            events.push((at, Event::RestartBroker(cmd.to_owned())));
        }
    }
    events.sort_by_key(|(at, _)| *at);
    events
}

/// What the chaos did.
#[derive(Debug, Default)]
pub struct ChaosReport {
    pub stops: Vec<Stopped>,
    /// How long each restart took until `/ready`.
    pub restarts: Vec<Duration>,
    /// Keys deleted by each flush.
    pub flushes: Vec<usize>,
    /// Exit status of each broker restart command.
    pub broker_restarts: Vec<String>,
    /// Exits nobody asked for (a crash), with when they were noticed.
    pub crashes: Vec<String>,
}

impl ChaosReport {
    /// Starts the server again if it died on its own, noting the crash.
    pub async fn revive(&mut self, server: &mut Server, started: Instant) -> anyhow::Result<()> {
        if let Some(status) = server.exited() {
            let when = started.elapsed().as_secs_f64();
            println!(
                "  chaos {when:5.1} s: the server had exited on its own ({status}); restarting"
            );
            self.crashes
                .push(format!("{status}, noticed at {when:.1} s"));
            server.restart().await?;
        }
        Ok(())
    }
}

/// Runs `events` against `server`, each at its time after `started` (or as soon as the one
/// before is done). A server that does not come back is an error.
pub async fn run(
    server: &mut Server,
    events: Vec<(Duration, Event)>,
    started: Instant,
    cluster: Option<&ClusterData>,
) -> anyhow::Result<ChaosReport> {
    let mut report = ChaosReport::default();
    for (at, event) in events {
        tokio::time::sleep_until((started + at).into()).await;
        report.revive(server, started).await?;
        let when = started.elapsed().as_secs_f64();
        match event {
            Event::Stop(signal) => {
                let stopped = server.stop(signal).await?;
                println!(
                    "  chaos {when:5.1} s: {signal}: exited in {:.2} s ({}){}",
                    stopped.took.as_secs_f64(),
                    stopped.exit,
                    if stopped.drain_timed_out {
                        ", did not drain in time: killed"
                    } else {
                        ""
                    }
                );
                report.stops.push(stopped);
                let took = server
                    .restart()
                    .await
                    .context("the server did not come back")?;
                println!(
                    "  chaos {:5.1} s: restarted, ready in {:.2} s",
                    started.elapsed().as_secs_f64(),
                    took.as_secs_f64()
                );
                report.restarts.push(took);
            }
            Event::FlushRedis => {
                let data = cluster.context("flushing Redis needs cluster mode")?;
                let deleted = delete_redis_keys(data).await?;
                println!(
                    "  chaos {when:5.1} s: deleted {deleted} Redis keys under {}",
                    data.redis_namespace
                );
                report.flushes.push(deleted);
            }
            Event::RestartBroker(cmd) => {
                let output = tokio::process::Command::new("sh")
                    .arg("-c")
                    .arg(&cmd)
                    .stdin(std::process::Stdio::null())
                    .output()
                    .await
                    .with_context(|| format!("cannot run {cmd:?}"))?;
                let said = String::from_utf8_lossy(&output.stdout).trim().to_owned()
                    + String::from_utf8_lossy(&output.stderr).trim();
                println!(
                    "  chaos {when:5.1} s: broker restart `{cmd}`: {} {said}",
                    output.status
                );
                report.broker_restarts.push(output.status.to_string());
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_kills_and_alternates_signals() {
        let events = plan(Duration::from_secs(15), 2, true, Some("true"));
        let kinds: Vec<&Event> = events.iter().map(|(_, e)| e).collect();
        assert_eq!(
            kinds,
            [
                &Event::Stop(Signal::Kill),
                &Event::FlushRedis,
                &Event::Stop(Signal::Term),
                &Event::RestartBroker("true".into())
            ]
        );
        assert_eq!(events[0].0, Duration::from_secs(5));
        assert!(events.iter().all(|(at, _)| *at < Duration::from_secs(15)));
        assert_eq!(plan(Duration::from_secs(10), 0, false, None), []);
    }
}
