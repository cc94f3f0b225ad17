//! The Eventory desktop app: `eventory-desktop` opens the window (box office, kiosk or admin
//! by the signed-in account and the device); `eventory-desktop set-kiosk-pin <PIN>` sets the
//! staff PIN that leaves kiosk mode.

use std::sync::Arc;

use clap::{Parser, Subcommand};
use eventory_desktop::app_core::AppCore;
use eventory_desktop::commands;
use eventory_desktop::credentials::Credentials;
use eventory_desktop::device::{self, DeviceConfig};
use eventory_ui::protocol::LIVE_EVENT;
use tauri::{Emitter, Manager};

#[derive(Parser)]
#[command(
    name = "eventory-desktop",
    version,
    about = "Eventory box office, kiosk and admin"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Open the app (the default).
    Run {
        /// Talk to this server (saved in the device configuration).
        #[arg(long)]
        server_url: Option<String>,
        /// Keep the device configuration (and tickets) here instead of the platform config
        /// dir: a separate profile, e.g. a second instance on one machine.
        #[arg(long)]
        config_dir: Option<std::path::PathBuf>,
    },
    /// Set the staff PIN (6-12 digits) that leaves kiosk mode on this device.
    SetKioskPin { pin: String },
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,eventory_desktop=debug".into()),
        )
        .init();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Run {
        server_url: None,
        config_dir: None,
    });
    let (custom_dir, server_url) = match &command {
        Command::Run {
            config_dir,
            server_url,
        } => (config_dir.clone(), server_url.clone()),
        Command::SetKioskPin { .. } => (None, None),
    };
    let config_dir = match custom_dir.clone().map_or_else(device::config_dir, Ok) {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    if let Some(url) = server_url {
        let saved = DeviceConfig::load(&config_dir).and_then(|mut config| {
            config.server_url = device::normalise_server_url(&url, config.insecure_http)?;
            config.save(&config_dir)
        });
        if let Err(e) = saved {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    }
    // A separate profile keeps its own session in the keyring.
    let credentials = match &custom_dir {
        None => Credentials::default(),
        Some(dir) => Credentials::new(&format!(
            "{}:{}",
            eventory_desktop::credentials::SERVICE,
            dir.display()
        )),
    };
    match command {
        Command::SetKioskPin { pin } => {
            let result = DeviceConfig::load(&config_dir).and_then(|mut config| {
                config.set_pin(&pin)?;
                config.save(&config_dir)
            });
            match result {
                Ok(()) => {
                    println!("kiosk PIN set in {}", config_dir.display());
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    std::process::ExitCode::from(2)
                }
            }
        }
        Command::Run { .. } => {
            run(config_dir, credentials);
            std::process::ExitCode::SUCCESS
        }
    }
}

fn run(config_dir: std::path::PathBuf, credentials: Credentials) {
    tauri::Builder::default()
        .setup(move |app| {
            let handle = app.handle().clone();
            let sink = Arc::new(move |update| {
                if let Err(e) = handle.emit(LIVE_EVENT, update) {
                    tracing::warn!("cannot forward a live update: {e}");
                }
            });
            let core = AppCore::new(config_dir.clone(), credentials.clone(), sink)?;
            tracing::info!(
                server = %core.device_settings().server_url,
                config = %config_dir.display(),
                "Eventory desktop starting"
            );
            app.manage(core);
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .expect("the Eventory window could not be opened");
}
