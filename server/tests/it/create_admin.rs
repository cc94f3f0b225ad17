//! `eventory-server create-admin`: the first admin of a real deployment, through the binary
//! itself, then signing in with it.

use std::io::Write;
use std::process::{Command, Stdio};

use eventory_shared::Role;
use eventory_testkit::{TestApi, TestServer};

use crate::support::embedded_config;

fn create_admin(data_dir: &std::path::Path, email: &str, password: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_eventory-server"))
        .args(["create-admin", "--email", email, "--password-stdin"])
        .env("EVENTORY_DATA_DIR", data_dir)
        .env_remove("REDIS_URL")
        .env_remove("MONGODB_URI")
        .env_remove("KAFKA_BROKERS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_admin_is_created_once_and_signs_in() {
    let dir = tempfile::tempdir().unwrap();
    let email = "boss@venue.example";
    let (weak_ok, weak) = create_admin(dir.path(), email, "short");
    assert!(!weak_ok, "a weak password is refused: {weak}");
    assert!(weak.contains("12"), "{weak}");

    let (ok, first) = create_admin(dir.path(), email, "correct horse battery staple");
    assert!(ok && first.contains("created admin"), "{first}");
    let (ok, second) = create_admin(dir.path(), email, "a different long phrase");
    assert!(ok && second.contains("exists already"), "{second}");

    let server = TestServer::start(embedded_config(dir.path()))
        .await
        .unwrap();
    let (_admin, pair) = TestApi::anonymous(&server)
        .sign_in(email, "correct horse battery staple")
        .await;
    assert_eq!(pair.user.role, Role::Admin);
    server.shutdown().await.unwrap();
}
