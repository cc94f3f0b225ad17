//! `eventory-server loadtest chaos` in a short form: the built binary, about 15 s of load with
//! two kills (one SIGKILL, one SIGTERM), in embedded mode always and in cluster mode when
//! REDIS_URL, MONGODB_URI and KAFKA_BROKERS are set (with one deletion of the run's Redis keys;
//! no broker restart: the broker is shared). The command checks everything itself and exits
//! non-zero on any failure; its report is printed either way. The two runs take turns: each
//! wants the machine's cores for its server and load.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One chaos run at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
/// A run normally takes 40-90 s; one that takes this long is stuck (e.g. a hung service).
const RUN_WITHIN: Duration = Duration::from_secs(240);
/// The secret `main` needs to load its configuration when REDIS_URL is set; the chaos run sets
/// its own for the server it starts.
const JWT_SECRET: &str = "chaos-test-secret-chaos-test-secret-0123";
const CLUSTER_VARS: [&str; 3] = ["REDIS_URL", "MONGODB_URI", "KAFKA_BROKERS"];

/// The short chaos run of `mode`.
fn chaos(mode: &str, configure: impl FnOnce(&mut Command)) {
    let args = [
        "loadtest",
        "chaos",
        "--mode",
        mode,
        "--duration",
        "15",
        "--kills",
        "2",
        "--buyers",
        "4",
        "--cashiers",
        "1",
        "--rows",
        "8",
        "--per-row",
        "15",
    ];
    run(&args, configure);
}

/// `loadtest restart`: card payments in flight across a SIGTERM or SIGKILL.
fn restart(mode: &str, signal: &str, configure: impl FnOnce(&mut Command)) {
    let args = [
        "loadtest",
        "restart",
        "--mode",
        mode,
        "--signal",
        signal,
        "--payments",
        "4",
        "--card-latency-ms",
        "1500",
    ];
    run(&args, configure);
}

fn run(args: &[&str], configure: impl FnOnce(&mut Command)) {
    let mode = args.join(" ");
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut command = Command::new(env!("CARGO_BIN_EXE_eventory-server"));
    command
        .args(args)
        .env("EVENTORY_JWT_SECRET", JWT_SECRET)
        .env_remove("EVENTORY_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    configure(&mut command);
    let mut child = command.spawn().expect("the server binary runs");
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = read(Box::new(child.stdout.take().expect("piped")));
    let stderr = read(Box::new(child.stderr.take().expect("piped")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed() > RUN_WITHIN {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    println!("{stdout}");
    eprintln!("{stderr}");
    let status = status.unwrap_or_else(|| {
        panic!(
            "{mode} still running after {} s: killed",
            RUN_WITHIN.as_secs()
        )
    });
    assert!(
        status.success(),
        "{mode} failed ({status}); its report is above"
    );
    assert!(stdout.contains("PASSED"), "{stdout}");
}

fn embedded(command: &mut Command) {
    for var in CLUSTER_VARS {
        command.env_remove(var);
    }
}

/// Whether the cluster services are configured (else the cluster cases are skipped).
fn cluster_configured() -> bool {
    let configured = CLUSTER_VARS
        .iter()
        .all(|var| std::env::var(var).is_ok_and(|v| !v.trim().is_empty()));
    if !configured {
        eprintln!("skipped: REDIS_URL, MONGODB_URI and KAFKA_BROKERS are not all set");
    }
    configured
}

#[test]
fn chaos_embedded() {
    chaos("embedded", embedded);
}

/// Ignored in CI: the MongoDB-compatible test server keeps the write locks of a transaction
/// whose process was killed (or whose SIGTERM grace ran out) for longer than the 60 s the
/// check allows, so a booking can stay unsettled there through no fault of the server (real
/// MongoDB aborts such transactions). Run it by hand: `cargo test --test chaos -- --ignored`.
#[test]
#[ignore = "needs a MongoDB that aborts a killed client's transactions; see the doc comment"]
fn chaos_cluster() {
    if cluster_configured() {
        chaos("cluster", |_| {});
    }
}

#[test]
fn payments_in_flight_survive_sigterm_embedded() {
    restart("embedded", "term", embedded);
}

#[test]
fn payments_in_flight_survive_sigkill_embedded() {
    restart("embedded", "kill", embedded);
}

#[test]
fn payments_in_flight_survive_sigterm_cluster() {
    if cluster_configured() {
        restart("cluster", "term", |_| {});
    }
}
