//! The kiosk's seat map fits the screen without scrolling, on a landscape 1920x1080 kiosk and a
//! portrait 1080x1920 one (each on an X display of that size), the demo hall's 12 x 20 seats.

use eventory_server::admin::seed::seed_demo;
use eventory_shared::Role;

use super::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "drives the real app: needs Xvfb, tauri-driver, WebKitWebDriver and the built UI (scripts/e2e.sh)"]
async fn the_kiosk_map_fits_landscape_and_portrait_screens() {
    let data = tempfile::tempdir().unwrap();
    let address = free_address();
    let server = Server::start(data.path(), address).await;
    let seeded = seed_demo(server.state.store.as_ref()).await.unwrap();
    let (kiosk, kiosk_password) = seeded
        .accounts
        .iter()
        .find(|(role, _, _)| *role == Role::Kiosk)
        .map(|(_, email, password)| (email.clone(), password.clone()))
        .unwrap();
    let url = format!("http://{address}");
    for (number, width, height) in [(95u16, 1920u32, 1080u32), (94, 1080, 1920)] {
        let display = Display::start(number, width, height).await;
        let driver = Driver::start_on(Some(&display.name)).await;
        let dir = tempfile::tempdir().unwrap();
        staff_pin_at(dir.path(), true);
        let app = driver.open(&url, dir.path()).await;
        // Out of order until staff sign the kiosk in.
        click(&app, "#staff-exit").await;
        give_pin(&app, "246813").await;
        sign_in(&app, &kiosk, &kiosk_password, "Kiosk").await;
        click(&app, "#attract").await;
        click(&app, "[data-show]").await;
        find(&app, "#seatmap [data-seat=\"L20\"]").await;
        click(&app, "button.choice.big").await; // one seat, best available
        let size = app
            .execute(
                "const d = document.documentElement; \
                 const legend = document.querySelector('#seatmap .legend').getBoundingClientRect(); \
                 return [window.innerWidth, window.innerHeight, d.scrollWidth, d.scrollHeight, legend.bottom];",
                vec![],
            )
            .await
            .unwrap();
        let n = |i: usize| size[i].as_f64().unwrap();
        assert_eq!(
            (n(0), n(1)),
            (f64::from(width), f64::from(height)),
            "full screen: {size}"
        );
        assert!(
            n(2) <= n(0) && n(3) <= n(1) && n(4) <= n(1),
            "{width}x{height}: the map fits without scrolling: {size}"
        );
        shot(&app, &format!("kiosk-seats-{width}x{height}")).await;
        app.close().await.unwrap();
        drop(driver);
        drop(display);
    }
    server.stop().await;
}
