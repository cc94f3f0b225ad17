//! The `eventory-server` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc: the request path allocates many small short-lived buffers, which glibc's
/// allocator handles markedly slower under two busy threads (see the README benchmarks).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use eventory_server::config::{Config, CONFIG_FILE_VAR};
use eventory_server::{app, telemetry};

/// Eventory: reserved-seat ticketing that never sells a seat twice.
#[derive(Debug, Parser)]
#[command(name = "eventory-server", version, about)]
struct Cli {
    /// Optional TOML configuration file; environment variables override its values.
    #[arg(long, global = true, env = CONFIG_FILE_VAR)]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API and live feed.
    Serve,
    /// Print the effective configuration and exit (checks it without starting anything).
    CheckConfig,
    /// Benchmarks (rerunnable; numbers in the README).
    #[command(subcommand)]
    Loadtest(Loadtest),
}

#[derive(Debug, Subcommand)]
enum Loadtest {
    /// Hold attempts straight against the seat ledger (no HTTP).
    Ledger(eventory_server::loadtest::LedgerLoad),
    /// Hold attempts through the full HTTP stack with auth, against a server started in this
    /// process with the configured backends.
    Http(eventory_server::loadtest_http::HttpLoad),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("eventory-server: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("eventory-server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve => app::serve(config).await,
            Command::Loadtest(Loadtest::Http(options)) => {
                eventory_server::loadtest_http::run(options, config).await
            }
            Command::Loadtest(Loadtest::Ledger(options)) => {
                eventory_server::loadtest::run_ledger(options, config.redis_url.clone()).await
            }
            Command::CheckConfig => {
                println!("{config:#?}\n{}", config.describe_backends());
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("eventory-server: {e:#}");
            ExitCode::FAILURE
        }
    }
}
