//! The desktop's integration tests, one binary: `native_side` (the client and live feed
//! against the shared in-process server, `eventory_testkit::TestServer`), `kiosk_lock` (a
//! kiosk's PIN, settings, close and saved session through `AppCore`), `kiosk_loop` (the
//! autostart loop restarts the app on any exit), `tls` (the same over
//! HTTPS/WSS with a test CA) and `e2e` (the real app under Xvfb through WebDriver; `#[ignore]`d, run by `scripts/e2e.sh`).

mod e2e;
mod kiosk_lock;
mod kiosk_loop;
mod native_side;
mod tls;
