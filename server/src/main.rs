//! The `eventory-server` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

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
    /// Serve the HTTP API and live feed (and, unless EVENTORY_RUN_WORKERS=false, the workers).
    Serve,
    /// Run only the background workers: outbox relay, payment and booking workers, sweeper.
    Worker,
    /// Print the effective configuration and exit (checks it without starting anything).
    CheckConfig,
    /// Create the store's indexes/tables (idempotent; `serve` also does it at start).
    Migrate,
    /// Put a demo venue, a week of shows and one account per role in the store; prints the
    /// accounts' passwords once. Running it again adds nothing.
    SeedDemo,
    /// Create the first admin account of a deployment (idempotent: an existing admin with this
    /// email is left as it is). The password comes from stdin with --password-stdin;
    /// otherwise a strong one is generated and printed once.
    CreateAdmin {
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Rebuild the seat ledger (layouts and sold seats of upcoming shows) from the store.
    RebuildLedger,
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
    Http(eventory_server::loadtest::http::HttpLoad),
    /// Live fan-out latency to many websocket subscribers (server here, subscribers in a child
    /// process).
    Live(eventory_server::loadtest::live::LiveLoad),
    /// Chaos test of the booking lifecycle: load on a server child process that is killed and
    /// restarted, then checks that bookings, seats, tickets, payments and live maps agree.
    Chaos(eventory_server::loadtest::chaos::ChaosLoad),
    /// Card payments in flight across a SIGTERM or SIGKILL of a server child process: each
    /// booking confirmed, charged once, nothing refunded.
    Restart(eventory_server::loadtest::chaos::RestartLoad),
    /// The subscriber side of `loadtest live` (started by it).
    #[command(hide = true)]
    LiveSubscribers(eventory_server::loadtest::live::LiveSubscribers),
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
    telemetry::init(config.log.log_format);

    // The live load test's subscriber process runs on one thread: it shares the machine with
    // the server it measures.
    let single_threaded = matches!(cli.command, Command::Loadtest(Loadtest::LiveSubscribers(_)));
    let runtime = if single_threaded {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Runtime::new()
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("eventory-server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve => app::serve(config).await,
            Command::Worker => app::run_workers(config).await,
            Command::Loadtest(Loadtest::Http(options)) => {
                eventory_server::loadtest::http::run(options, config).await
            }
            Command::Loadtest(Loadtest::Live(options)) => {
                eventory_server::loadtest::live::run(options, config).await
            }
            Command::Loadtest(Loadtest::Chaos(options)) => {
                eventory_server::loadtest::chaos::run(options).await
            }
            Command::Loadtest(Loadtest::Restart(options)) => {
                eventory_server::loadtest::chaos::run_restart(options).await
            }
            Command::Loadtest(Loadtest::LiveSubscribers(options)) => {
                eventory_server::loadtest::live::subscribers(options).await
            }
            Command::Loadtest(Loadtest::Ledger(options)) => {
                let redis_url = config.ledger.redis_url.as_ref();
                let redis_url = redis_url.map(|u| u.expose_secret().to_owned());
                eventory_server::loadtest::run_ledger(options, redis_url).await
            }
            Command::Migrate => {
                let store = eventory_server::store::connect(&config.store).await?;
                println!("{} store migrated", store.backend());
                Ok(())
            }
            Command::SeedDemo => seed_demo(&config).await,
            Command::CreateAdmin {
                email,
                password_stdin,
            } => create_admin(&config, &email, password_stdin).await,
            Command::RebuildLedger => {
                let store = eventory_server::store::connect(&config.store).await?;
                let ledger = eventory_server::seats::connect(&config.ledger).await?;
                let report = eventory_server::seats::rebuild::rebuild_ledger(
                    store.as_ref(),
                    ledger.as_ref(),
                )
                .await?;
                println!(
                    "rebuilt {} upcoming shows, {} sold seats restored",
                    report.shows, report.sold_seats_restored
                );
                Ok(())
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

async fn create_admin(config: &Config, email: &str, password_stdin: bool) -> anyhow::Result<()> {
    use eventory_server::admin::first_admin::{self, CreateAdmin};
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        use rand::distr::{Alphanumeric, SampleString};
        (Alphanumeric.sample_string(&mut rand::rng(), 24), true)
    };
    let store = eventory_server::store::connect(&config.store).await?;
    store.migrate().await?;
    match first_admin::create_admin(store.as_ref(), email, &password).await? {
        CreateAdmin::Created(id) => {
            println!(
                "created admin {email} ({id}) in the {} store",
                store.backend()
            );
            if generated {
                println!("password (shown once): {password}");
            }
        }
        CreateAdmin::AlreadyThere(id) => {
            println!("admin {email} ({id}) exists already; nothing changed");
        }
    }
    Ok(())
}

async fn seed_demo(config: &Config) -> anyhow::Result<()> {
    let store = eventory_server::store::connect(&config.store).await?;
    let report = eventory_server::admin::seed::seed_demo(store.as_ref()).await?;
    match report.venue {
        None => println!(
            "the demo data is already there ({} store); nothing added",
            store.backend()
        ),
        Some(venue) => {
            println!(
                "seeded the {} store: venue {venue}, {} shows",
                store.backend(),
                report.shows
            );
            println!("accounts (shown once; passwords are not stored in clear):");
            for (role, email, password) in &report.accounts {
                println!("  {role:<9} {email:<26} {password}");
            }
        }
    }
    Ok(())
}
