//! The e2e test's harness: tauri-driver per app instance, the real server in this process,
//! and WebDriver helpers that wait for what the screens show (and screenshot on failure).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use eventory_desktop::device::DeviceConfig;
use eventory_desktop::staff_pin::write_pin_file;
use eventory_server::{AppState, Config};
use eventory_shared::Show;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::sync::oneshot;

pub(super) const WAIT: Duration = Duration::from_secs(20);

pub(super) fn free_address() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// A tauri-driver on its own ports (one per app instance), killed on drop.
pub(super) struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    pub(super) async fn start() -> Driver {
        Self::start_on(None).await
    }

    /// A tauri-driver whose apps open on X display `display` (default: `$DISPLAY`).
    pub(super) async fn start_on(display: Option<&str>) -> Driver {
        let port = free_address().port();
        let native = free_address().port();
        let mut command = Command::new("tauri-driver");
        if let Some(display) = display {
            command.env("DISPLAY", display);
        }
        let mut child = command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tauri-driver on PATH (cargo install tauri-driver)");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Driver { child, port };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("tauri-driver did not start on {port}");
    }

    /// Opens the app with its own config dir, pointed at `server`.
    pub(super) async fn open(&self, server: &str, config_dir: &Path) -> Client {
        let app = std::env::var("EVENTORY_DESKTOP_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_eventory-desktop").to_owned());
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert(
            "tauri:options".into(),
            json!({
                "application": app,
                "args": ["run", "--server-url", server, "--config-dir", config_dir.display().to_string()],
            }),
        );
        ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a WebDriver session with the app")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real server, in this process, embedded backends in `data` (kept across restarts).
pub(super) struct Server {
    pub(super) state: AppState,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Server {
    pub(super) async fn start(data: &Path, address: SocketAddr) -> Server {
        let config = Config::from_sources(None, |key| match key {
            "EVENTORY_DATA_DIR" => Some(data.display().to_string()),
            "EVENTORY_BIND" => Some(address.to_string()),
            "EVENTORY_JWT_SECRET" => Some("e2e-secret-e2e-secret-e2e-secret-e2e".into()),
            "EVENTORY_CARD_LATENCY_MS" => Some("300".into()),
            "EVENTORY_CARD_DECLINE_RATE" => Some("0".into()),
            _ => None,
        })
        .unwrap();
        let state = AppState::connect(config).await.unwrap();
        let listener = tokio::net::TcpListener::bind(address).await.unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(eventory_server::app::serve_on(
            listener,
            state.clone(),
            async {
                let _ = stopped.await;
            },
        ));
        Server { state, stop, task }
    }

    pub(super) async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
        drop(self.state);
    }
}

pub(super) fn shots_dir() -> PathBuf {
    let dir = std::env::var("EVENTORY_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-screenshots")
        });
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(super) async fn shot(app: &Client, name: &str) {
    let png = app.screenshot().await.expect("screenshot");
    std::fs::write(shots_dir().join(format!("{name}.png")), png).unwrap();
}

/// Fails the test with a screenshot of the app as it was.
pub(super) async fn fail(app: &Client, why: String) -> ! {
    shot(app, "failure").await;
    panic!("{why} (screenshot: failure.png)");
}

pub(super) async fn find(app: &Client, css: &str) -> fantoccini::elements::Element {
    match app
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(el) => el,
        Err(e) => fail(app, format!("{css} did not appear: {e}")).await,
    }
}

pub(super) async fn click(app: &Client, css: &str) {
    find(app, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

pub(super) async fn type_into(app: &Client, css: &str, text: &str) {
    let field = find(app, css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Sets a field's value the way typing would (date and time inputs take no keystrokes in
/// every engine), firing the `input` event the screens listen to.
pub(super) async fn set_value(app: &Client, css: &str, value: &str) {
    find(app, css).await;
    app.execute(
        "const el = document.querySelector(arguments[0]); el.value = arguments[1]; \
         el.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![json!(css), json!(value)],
    )
    .await
    .unwrap_or_else(|e| panic!("set {css}: {e}"));
}

/// Waits until the text of `css` contains `want`.
pub(super) async fn wait_text(app: &Client, css: &str, want: &str) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Ok(el) = app.find(Locator::Css(css)).await {
            if let Ok(text) = el.text().await {
                if text.contains(want) {
                    return text;
                }
            }
        }
        if tokio::time::Instant::now() >= deadline {
            fail(app, format!("{css} never said {want:?}")).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until seat `seat` shows `state` on the app's map.
pub(super) async fn wait_seat(app: &Client, seat: &str, state: &str) {
    let css = format!("[data-seat=\"{seat}\"]");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Ok(el) = app.find(Locator::Css(&css)).await {
            if el.attr("data-state").await.ok().flatten().as_deref() == Some(state) {
                return;
            }
        }
        if tokio::time::Instant::now() >= deadline {
            fail(app, format!("seat {seat} never became {state}")).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(super) async fn sign_in(app: &Client, email: &str, password: &str, mode: &str) {
    type_into(app, "#email", email).await;
    type_into(app, "#password", password).await;
    click(app, "#sign-in").await;
    if mode != "Kiosk" {
        wait_text(app, "#mode-title", mode).await;
    }
}

/// Every show the server lists (tomorrow and later included).
pub(super) async fn state_after(url: &str) -> Vec<Show> {
    let tomorrow = (chrono::Local::now() + chrono::Duration::days(1)).date_naive();
    reqwest::get(format!("{url}/api/shows?date={tomorrow}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Picks the show on the box office list (its day first).
pub(super) async fn open_show(app: &Client, show: &Show) {
    let days = (show.starts_at.with_timezone(&chrono::Local).date_naive()
        - chrono::Local::now().date_naive())
    .num_days();
    let day_buttons = app.find_all(Locator::Css(".days button")).await.unwrap();
    day_buttons[days as usize].click().await.unwrap();
    click(app, &format!("[data-show=\"{}\"]", show.id)).await;
    find(app, "#seatmap [data-seat=\"A1\"]").await;
}

/// A virtual X display of its own (`Xvfb`), `width` x `height`, killed on drop.
pub(super) struct Display {
    child: Child,
    pub(super) name: String,
}

impl Display {
    pub(super) async fn start(number: u16, width: u32, height: u32) -> Display {
        let name = format!(":{number}");
        let child = Command::new("Xvfb")
            .args([
                name.as_str(),
                "-screen",
                "0",
                &format!("{width}x{height}x24"),
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (apt-get install xvfb)");
        // Ready once its socket exists.
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
        for _ in 0..100 {
            if socket.exists() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Display { child, name }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Types `pin` into the staff PIN screen and unlocks.
pub(super) async fn give_pin(app: &Client, pin: &str) {
    type_into(app, "#kiosk-pin", pin).await;
    click(app, "#kiosk-unlock").await;
}

/// A device configuration in `dir` with the staff PIN 246813 in its own file (kept outside
/// the system's /etc/eventory by `pin_file`); a kiosk device keeps its session in a
/// credential file.
pub(super) fn staff_pin_at(dir: &Path, kiosk: bool) {
    let config = DeviceConfig {
        kiosk,
        pin_file: Some(dir.join("kiosk-pin")),
        credential_file: kiosk.then(|| dir.join("session.toml")),
        ..DeviceConfig::default()
    };
    config.save(dir).unwrap();
    write_pin_file(&dir.join("kiosk-pin"), "246813").unwrap();
}
