//! The kiosk autostart loop (installers/kiosk/eventory-kiosk-loop.sh) restarts the app however
//! it exits, a clean exit (closed by staff) included, and stops with the session (SIGTERM).

use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn the_autostart_loop_restarts_the_app_on_any_exit_until_the_session_ends() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    // A stand-in for the app that counts its starts, checks it runs as a kiosk, and exits 0.
    let fake = dir.path().join("fake-app");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\n[ \"$EVENTORY_KIOSK\" = 1 ] && echo \"$*\" >> {}\nexit 0\n",
            runs.display()
        ),
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&fake).status().unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../installers/kiosk/eventory-kiosk-loop.sh"
    );
    let mut kiosk = Command::new("sh")
        .arg(script)
        .env("EVENTORY_DESKTOP_BIN", &fake)
        .env("XDG_CONFIG_HOME", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Started at 0 s, again after 2 s, again after 4 more.
    std::thread::sleep(Duration::from_millis(2600));
    let started = std::fs::read_to_string(&runs).unwrap_or_default();
    assert_eq!(
        started.lines().collect::<Vec<_>>(),
        ["run", "run"],
        "a clean exit is restarted too"
    );
    assert!(kiosk.try_wait().unwrap().is_none(), "the loop keeps going");
    // The end of the session: SIGTERM ends the loop.
    Command::new("kill")
        .arg("-TERM")
        .arg(kiosk.id().to_string())
        .status()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while kiosk.try_wait().unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the loop ends with the session"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
