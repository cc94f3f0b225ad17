//! The Eventory desktop app: `eventory-desktop` opens the window (box office, kiosk or admin
//! by the signed-in account and the device); `sudo eventory-desktop set-kiosk-pin <PIN>` sets
//! the staff PIN that unlocks a kiosk (its hash in a root-owned file). A kiosk starts full
//! screen and does not close without the PIN: the PIN screen appears instead.

use std::sync::Arc;

use clap::{Parser, Subcommand};
use eventory_desktop::app_core::AppCore;
use eventory_desktop::commands;
use eventory_desktop::credentials::Credentials;
use eventory_desktop::device::{self, DeviceConfig};
use eventory_desktop::staff_pin;
use eventory_ui::protocol::{CLOSE_REFUSED_EVENT, LIVE_EVENT};
use tauri::{Emitter, Manager, WindowEvent};

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
    /// Set the staff PIN (6-12 digits) that unlocks a kiosk: its hash goes to the PIN file
    /// (default /etc/eventory/kiosk-pin; run as root so the kiosk account cannot change it).
    SetKioskPin {
        pin: String,
        /// Use this device configuration (for its `pin_file`) instead of the platform's.
        #[arg(long)]
        config_dir: Option<std::path::PathBuf>,
    },
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
        Command::SetKioskPin { config_dir, .. } => (config_dir.clone(), None),
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
        Command::SetKioskPin { pin, .. } => {
            let result = DeviceConfig::load(&config_dir)
                .map_err(|e| e.to_string())
                .and_then(|config| {
                    let file = config.pin_file(&config_dir);
                    staff_pin::write_pin_file(&file, &pin)
                        .map(|()| file)
                        .map_err(|e| e.to_string())
                });
            match result {
                Ok(file) => {
                    println!("kiosk PIN set in {}", file.display());
                    if let Some(why) = staff_pin::protection_problem(&file) {
                        eprintln!("warning: {why}: the app will not trust it");
                    }
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
            let settings = core.device_settings();
            tracing::info!(
                server = %settings.server_url,
                config = %config_dir.display(),
                kiosk = settings.kiosk,
                "Eventory desktop starting"
            );
            if let Some(why) = &settings.pin_problem {
                tracing::error!("staff PIN not used: {why}");
            }
            // A kiosk is full screen from the first frame, whatever screen comes first.
            if settings.kiosk {
                if let Some(window) = app.get_webview_window("main") {
                    if let Err(e) = commands::fullscreen(&window, true) {
                        tracing::warn!("cannot go full screen: {e}");
                    }
                }
            }
            app.manage(core);
            Ok(())
        })
        // Alt+F4, the window manager's close button, a close request from outside: a locked
        // kiosk stays open and shows the staff PIN screen.
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                let core = window.state::<AppCore>();
                if !core.may_close() {
                    api.prevent_close();
                    tracing::info!("close request refused on a locked kiosk: PIN screen");
                    if let Err(e) = window.emit(CLOSE_REFUSED_EVENT, ()) {
                        tracing::warn!("cannot show the PIN screen: {e}");
                    }
                }
            }
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .expect("the Eventory window could not be opened");
}
