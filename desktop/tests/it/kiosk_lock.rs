//! A kiosk's lock-down on the native side (`AppCore`, what the Tauri commands call) against a
//! real server: settings and close refused without the staff PIN, the PIN's backoff kept
//! across a restart, an admin's sign-in instead of the PIN, and the kiosk's session kept in
//! its credential file across a "reboot" (a new process with the same files).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use eventory_desktop::app_core::AppCore;
use eventory_desktop::credentials::Credentials;
use eventory_desktop::device::DeviceConfig;
use eventory_desktop::staff_pin::write_pin_file;
use eventory_shared::Role;
use eventory_testkit::TestServer;
use tempfile::TempDir;

use crate::native_side::{account, free_address, start};

const PIN: &str = "246813";

/// A device set up as a kiosk of `url`: PIN file and session file beside its configuration.
fn kiosk_device(dir: &Path, url: &str) {
    let config = DeviceConfig {
        server_url: url.to_owned(),
        kiosk: true,
        pin_file: Some(dir.join("kiosk-pin")),
        credential_file: Some(dir.join("session.toml")),
        ..DeviceConfig::default()
    };
    config.save(dir).unwrap();
    write_pin_file(&dir.join("kiosk-pin"), PIN).unwrap();
}

/// A server (embedded backends in its own folder) and a kiosk device of it: the folders,
/// the server, its address.
async fn kiosk() -> (TempDir, TempDir, TestServer, String) {
    let (data, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let address = free_address();
    let server = start(data.path(), address).await;
    let url = format!("http://{address}");
    kiosk_device(dir.path(), &url);
    (data, dir, server, url)
}

/// The app's native side as a fresh process would build it (the keyring is not used: the
/// device names a credential file).
fn boot(dir: &Path) -> AppCore {
    AppCore::new(
        dir.to_path_buf(),
        Credentials::new("eventory-test.kiosk-lock"),
        Arc::new(|_| {}),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_refuses_close_and_settings_without_the_staff_pin() {
    let (_data, dir, _server, url) = kiosk().await;
    let core = boot(dir.path());
    assert!(core.device_settings().kiosk_pin_set);
    assert!(!core.may_close(), "a kiosk does not close without the PIN");
    let refused = core.save_device_settings(&url, false).await.unwrap_err();
    assert!(refused.message.contains("staff PIN"), "{refused:?}");
    assert!(
        DeviceConfig::load(dir.path()).unwrap().kiosk,
        "still a kiosk on disk"
    );

    // A wrong PIN; the app is killed during the wait that follows (the future dropped): the
    // next process refuses even the right PIN until the wait is over, unchecked.
    let killed = tokio::time::timeout(Duration::from_millis(200), core.unlock_kiosk("111111"));
    assert!(killed.await.is_err(), "the wrong PIN's answer waits");
    drop(core);
    let core = boot(dir.path());
    let early = core.unlock_kiosk(PIN).await.unwrap_err();
    assert!(early.message.contains("Too many wrong PINs"), "{early:?}");
    assert!(!core.may_close());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let wrong = core.unlock_kiosk("135790").await.unwrap_err();
    assert_eq!(wrong.message, "Wrong PIN.");
    tokio::time::sleep(Duration::from_millis(2100)).await; // the second failure: 2 s

    core.unlock_kiosk(PIN).await.unwrap();
    assert!(core.may_close(), "the PIN unlocks the kiosk");
    let saved = core.save_device_settings(&url, false).await.unwrap();
    assert!(!saved.kiosk, "staff turned kiosk mode off");
    assert!(!DeviceConfig::load(dir.path()).unwrap().kiosk);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sign_in_unlocks_a_kiosk_and_a_cashier_does_not() {
    let (_data, dir, server, url) = kiosk().await;
    let (cashier, cashier_password) = account(&server.state, Role::Cashier, "counter").await;
    let (admin, admin_password) = account(&server.state, Role::Admin, "boss").await;
    let core = boot(dir.path());
    let wrong = core
        .unlock_with_admin(&admin, "not the password")
        .await
        .unwrap_err();
    assert!(!core.may_close(), "{wrong:?}");
    let not_admin = core
        .unlock_with_admin(&cashier, &cashier_password)
        .await
        .unwrap_err();
    assert!(not_admin.message.contains("Only an admin"), "{not_admin:?}");
    assert!(!core.may_close());
    core.unlock_with_admin(&admin, &admin_password)
        .await
        .unwrap();
    assert!(core.may_close());
    core.save_device_settings(&url, true).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_session_survives_reboots_in_its_credential_file() {
    let (_data, dir, server, _url) = kiosk().await;
    let (kiosk, kiosk_password) = account(&server.state, Role::Kiosk, "lobby").await;
    let core = boot(dir.path());
    assert_eq!(
        core.restore_session().await.unwrap(),
        None,
        "never signed in"
    );
    core.sign_in(&kiosk, &kiosk_password).await.unwrap();
    assert!(!core.may_close(), "a kiosk session is locked");
    drop(core);
    // Three reboots: each resumes with the refresh token the previous one rotated and saved.
    for reboot in 0..3 {
        let core = boot(dir.path());
        let user = core.restore_session().await.unwrap();
        assert_eq!(
            user.map(|u| u.role),
            Some(Role::Kiosk),
            "reboot {reboot}: the kiosk is signed in again"
        );
        assert!(!core.may_close());
        assert!(core.shows(None).await.is_ok());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("session.toml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "readable by the kiosk's account only");
    }
}
