//! End to end: the real desktop app (Tauri shell + Dioxus UI in WebKitGTK), two instances,
//! driven over WebDriver (tauri-driver + WebKitWebDriver) under Xvfb, against a real server
//! started here. A cashier sells two seats for cash in app A and app B sees them turn sold; then
//! app B becomes a kiosk (card only, scratch card, PIN to leave), then an admin (analytics,
//! bookings). Screenshots of every mode are written for the README.
//!
//! Needs a display, tauri-driver and WebKitWebDriver, and the UI built into desktop/ui/dist:
//! `scripts/e2e.sh` provides all of them (and .ci/run runs it), hence `#[ignore]` here.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use eventory_desktop::device::DeviceConfig;
use eventory_server::admin::seed::seed_demo;
use eventory_server::{AppState, Config};
use eventory_shared::{Money, Role, Show, ShowId, ShowStatus};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::sync::oneshot;

const WAIT: Duration = Duration::from_secs(20);

fn free_address() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// A tauri-driver on its own ports (one per app instance), killed on drop.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    async fn start() -> Driver {
        let port = free_address().port();
        let native = free_address().port();
        let mut child = Command::new("tauri-driver")
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
    async fn open(&self, server: &str, config_dir: &Path) -> Client {
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
struct Server {
    state: AppState,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Server {
    async fn start(data: &Path, address: SocketAddr) -> Server {
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

    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
        drop(self.state);
    }
}

fn shots_dir() -> PathBuf {
    let dir = std::env::var("EVENTORY_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-screenshots")
        });
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(app: &Client, name: &str) {
    let png = app.screenshot().await.expect("screenshot");
    std::fs::write(shots_dir().join(format!("{name}.png")), png).unwrap();
}

/// Fails the test with a screenshot of the app as it was.
async fn fail(app: &Client, why: String) -> ! {
    shot(app, "failure").await;
    panic!("{why} (screenshot: failure.png)");
}

async fn find(app: &Client, css: &str) -> fantoccini::elements::Element {
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

async fn click(app: &Client, css: &str) {
    find(app, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn type_into(app: &Client, css: &str, text: &str) {
    let field = find(app, css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Sets a field's value the way typing would (date and time inputs take no keystrokes in
/// every engine), firing the `input` event the screens listen to.
async fn set_value(app: &Client, css: &str, value: &str) {
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
async fn wait_text(app: &Client, css: &str, want: &str) -> String {
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
async fn wait_seat(app: &Client, seat: &str, state: &str) {
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

async fn sign_in(app: &Client, email: &str, password: &str, mode: &str) {
    type_into(app, "#email", email).await;
    type_into(app, "#password", password).await;
    click(app, "#sign-in").await;
    if mode != "Kiosk" {
        wait_text(app, "#mode-title", mode).await;
    }
}

/// Every show the server lists (tomorrow and later included).
async fn state_after(url: &str) -> Vec<Show> {
    let tomorrow = (chrono::Local::now() + chrono::Duration::days(1)).date_naive();
    reqwest::get(format!("{url}/api/shows?date={tomorrow}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Picks the show on the box office list (its day first).
async fn open_show(app: &Client, show: &Show) {
    let days = (show.starts_at.with_timezone(&chrono::Local).date_naive()
        - chrono::Local::now().date_naive())
    .num_days();
    let day_buttons = app.find_all(Locator::Css(".days button")).await.unwrap();
    day_buttons[days as usize].click().await.unwrap();
    click(app, &format!("[data-show=\"{}\"]", show.id)).await;
    find(app, "#seatmap [data-seat=\"A1\"]").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "drives the real app: needs Xvfb, tauri-driver, WebKitWebDriver and the built UI (scripts/e2e.sh)"]
async fn cashier_sells_for_cash_and_a_second_app_sees_it_then_kiosk_and_admin() {
    // A real server, embedded backends, card payments with a visible delay.
    let data = tempfile::tempdir().unwrap();
    let address = free_address();
    let server = Server::start(data.path(), address).await;
    let state = server.state.clone();
    let seeded = seed_demo(state.store.as_ref()).await.unwrap();
    let password = |role: Role| {
        seeded
            .accounts
            .iter()
            .find(|(r, _, _)| *r == role)
            .map(|(_, email, password)| (email.clone(), password.clone()))
            .unwrap()
    };
    // A show of our own, 30 minutes from now, on the demo hall.
    let venue = seeded.venue.unwrap();
    let hall = state.store.venue(venue).await.unwrap().unwrap();
    let starts_at = Utc::now() + chrono::Duration::minutes(30);
    let show = Show {
        id: ShowId::from_uuid(uuid::Uuid::new_v4()),
        venue_id: venue,
        title: "E2E Premiere".into(),
        description: String::new(),
        starts_at,
        prices: hall
            .layout
            .categories
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    Money::new(1250, eventory_shared::Currency::EUR),
                )
            })
            .collect(),
        sale_opens_at: Utc::now() - chrono::Duration::hours(1),
        sale_closes_at: starts_at,
        status: ShowStatus::OnSale,
    };
    state.store.insert_show(&show).await.unwrap();
    drop(state);
    let url = format!("http://{address}");

    // Two app instances, each with its own device config (B's has a kiosk PIN).
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let mut config_b = DeviceConfig::default();
    config_b.set_pin("246813").unwrap();
    config_b.save(dir_b.path()).unwrap();
    let (driver_a, driver_b) = (Driver::start().await, Driver::start().await);
    let app_a = driver_a.open(&url, dir_a.path()).await;
    let app_b = driver_b.open(&url, dir_b.path()).await;
    let (cashier, cashier_password) = password(Role::Cashier);

    // Sign-in screen, a wrong password first: a clear error, still on the sign-in screen.
    find(&app_a, "#sign-in-form").await;
    shot(&app_a, "sign-in").await;
    type_into(&app_a, "#email", &cashier).await;
    type_into(&app_a, "#password", "not the password").await;
    click(&app_a, "#sign-in").await;
    wait_text(&app_a, ".error-box", "Wrong email or password").await;

    sign_in(&app_a, &cashier, &cashier_password, "Box office").await;
    sign_in(&app_b, &cashier, &cashier_password, "Box office").await;
    open_show(&app_a, &show).await;
    open_show(&app_b, &show).await;

    // A: select two seats by click, hold, pay cash.
    click(&app_a, "[data-seat=\"E5\"]").await;
    click(&app_a, "[data-seat=\"E6\"]").await;
    wait_text(&app_a, "#selected-seats", "E5, E6").await;
    click(&app_a, "#hold").await;
    find(&app_a, "#countdown").await;
    wait_seat(&app_b, "E5", "held").await; // B sees the hold live
    type_into(&app_a, "#tendered", "30").await;
    let change = wait_text(&app_a, "#change-due", "Change due").await;
    assert!(change.contains("5.00"), "{change}"); // 2 x 12.50 from 30.00
    shot(&app_a, "box-office-hold").await;
    click(&app_a, "#take-payment").await;
    let code = find(&app_a, "#booking-code").await.text().await.unwrap();
    assert_eq!(code.len(), 8, "a booking code: {code}");
    // B, the second instance, sees both seats sold without doing anything.
    wait_seat(&app_b, "E5", "sold").await;
    wait_seat(&app_b, "E6", "sold").await;
    shot(&app_b, "box-office-second-instance").await;
    // Tickets: a PDF in A's tickets folder.
    click(&app_a, "#print").await;
    wait_text(&app_a, "#ticket-note", ".pdf").await;
    assert!(dir_a
        .path()
        .join("tickets")
        .join(format!("{code}.pdf"))
        .exists());
    shot(&app_a, "box-office-sold").await;

    // The server goes away: both apps say so and grey the map out; it comes back: re-synced.
    server.stop().await;
    find(&app_b, "#offline-banner").await;
    find(&app_b, ".seatmap-wrap.stale").await;
    shot(&app_b, "box-office-offline").await;
    let server = Server::start(data.path(), address).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while app_b
        .find(Locator::Css(".seatmap-wrap.stale"))
        .await
        .is_ok()
        || app_b.find(Locator::Css("#offline-banner")).await.is_ok()
    {
        if tokio::time::Instant::now() >= deadline {
            fail(&app_b, "the map never re-synced".into()).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_seat(&app_b, "E5", "sold").await;
    find(&app_a, "#seatmap:not(.stale)").await;

    // A seat A holds turns held on B's map and leaves B's selection: B cannot even try it.
    click(&app_a, "#new-sale").await;
    click(&app_a, "[data-seat=\"F1\"]").await;
    click(&app_b, "[data-seat=\"F1\"]").await;
    click(&app_a, "#hold").await;
    find(&app_a, "#countdown").await;
    wait_seat(&app_b, "F1", "held").await;
    click(&app_a, "#release").await;
    wait_seat(&app_b, "F1", "available").await;

    // Find the booking by code, see it confirmed; the end-of-shift report counts the sale.
    click(&app_a, "#tab-find").await;
    type_into(&app_a, "#find-code", &code.to_lowercase()).await;
    click(&app_a, "#find").await;
    wait_text(&app_a, "#found-status", "Confirmed").await;
    shot(&app_a, "box-office-find").await;
    // Refund it: the seats are for sale again on B's map.
    type_into(&app_a, "#refund-reason", "customer changed plans").await;
    click(&app_a, "#refund").await;
    wait_text(&app_a, "#find-note", "Refunded").await;
    wait_text(&app_a, "#found-status", "Refunded").await;
    wait_seat(&app_b, "E5", "available").await;
    wait_seat(&app_b, "E6", "available").await;
    click(&app_a, "#tab-shift").await;
    wait_text(&app_a, "#shift-report", "Cash").await;
    wait_text(&app_a, "#shift-report", "25.00 EUR (1)").await; // refunded: 1 booking
    shot(&app_a, "box-office-shift-report").await;

    // B becomes a kiosk: card only, three seats earn a scratch card.
    click(&app_b, "#sign-out").await;
    let (kiosk, kiosk_password) = password(Role::Kiosk);
    sign_in(&app_b, &kiosk, &kiosk_password, "Kiosk").await;
    find(&app_b, "#attract").await;
    shot(&app_b, "kiosk-attract").await;
    click(&app_b, "#attract").await;
    click(&app_b, &format!("[data-show=\"{}\"]", show.id)).await;
    find(&app_b, "#seatmap [data-seat=\"A1\"]").await;
    let three = app_b
        .find(Locator::XPath(
            "//button[contains(@class,'choice') and normalize-space()='3']",
        ))
        .await
        .unwrap();
    three.click().await.unwrap();
    wait_text(&app_b, "#kiosk-hold", "3 seat").await;
    shot(&app_b, "kiosk-seats").await;
    click(&app_b, "#kiosk-hold").await;
    click(&app_b, "#kiosk-pay").await;
    find(&app_b, "#kiosk-done").await;
    click(&app_b, "#scratch").await;
    wait_text(&app_b, "#prize", "You won").await;
    shot(&app_b, "kiosk-scratch-card").await;
    // Leaving kiosk mode takes the staff PIN: a wrong one is refused.
    click(&app_b, "#staff-exit").await;
    type_into(&app_b, "#kiosk-pin", "111111").await;
    click(&app_b, "#kiosk-unlock").await;
    wait_text(&app_b, ".modal .error-box", "Wrong PIN").await;
    type_into(&app_b, "#kiosk-pin", "246813").await;
    click(&app_b, "#kiosk-unlock").await;
    find(&app_b, "#sign-in-form").await;

    // B as admin: analytics and the bookings of both sales.
    let (admin, admin_password) = password(Role::Admin);
    sign_in(&app_b, &admin, &admin_password, "Admin").await;
    wait_text(&app_b, "#analytics", "Revenue per day").await;
    shot(&app_b, "admin-analytics").await;
    click(&app_b, "#tab-bookings").await;
    wait_text(&app_b, "#bookings-table", &code).await;
    shot(&app_b, "admin-bookings").await;
    // A new show through the form: checked before sending, then on sale.
    click(&app_b, "#tab-shows").await;
    click(&app_b, "#create-show").await;
    wait_text(&app_b, "#new-show-message", "title").await;
    set_value(&app_b, "#new-show-title", "Night of the Admin").await;
    let tomorrow = (chrono::Local::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    set_value(&app_b, "#new-show-date", &tomorrow).await;
    set_value(&app_b, "#new-show-time", "21:30").await;
    for (i, price) in ["9.50", "14"].iter().enumerate() {
        set_value(&app_b, &format!("#price-{i}"), price).await;
    }
    click(&app_b, "#create-show").await;
    wait_text(&app_b, "#new-show-message", "Created").await;
    shot(&app_b, "admin-shows").await;
    let created = state_after(&url).await;
    assert!(
        created.iter().any(|s| s.title == "Night of the Admin"),
        "the new show is listed"
    );

    app_a.close().await.unwrap();
    app_b.close().await.unwrap();
    drop((driver_a, driver_b));
    server.stop().await;
}
