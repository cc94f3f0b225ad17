//! The native side over HTTPS and WSS: the server terminates TLS with a certificate of a test
//! venue CA; a client trusting that CA signs in, sells from the live map and refreshes its
//! tokens; clients that do not trust it, or reach the server under a name its certificate is
//! not for, are refused with words that say what to fix.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eventory_desktop::client::{ApiClient, ClientError};
use eventory_desktop::live::{LiveEvent, LiveFeed};
use eventory_desktop::tls::TlsTrust;
use eventory_server::store::test_support;
use eventory_shared::{Currency, Money, PaymentMethod, SeatState, ShowId};
use eventory_testkit::TestServer;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use tokio::sync::mpsc;

use super::native_side::{
    cashier, config_with, follow, follow_show, free_address, next_event, token_source,
};

/// A certificate authority of its own, as a PEM file, and what it signs.
struct TestCa {
    key: KeyPair,
    cert: rcgen::Certificate,
    pem: PathBuf,
}

impl TestCa {
    fn new(dir: &Path, name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, format!("{name} test CA"));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).unwrap();
        let pem = dir.join(format!("{name}-ca.pem"));
        std::fs::write(&pem, cert.pem()).unwrap();
        Self { key, cert, pem }
    }

    /// A server certificate for `localhost` only, and its key: (cert file, key file).
    fn server_certificate(&self, dir: &Path) -> (PathBuf, PathBuf) {
        let key = KeyPair::generate().unwrap();
        let params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        let (cert_file, key_file) = (dir.join("server.pem"), dir.join("server-key.pem"));
        std::fs::write(&cert_file, cert.pem()).unwrap();
        std::fs::write(&key_file, key.serialize_pem()).unwrap();
        (cert_file, key_file)
    }
}

async fn https_server(dir: &Path, ca: &TestCa) -> TestServer {
    let (cert, key) = ca.server_certificate(dir);
    let address = free_address();
    let config = config_with(
        dir,
        address,
        &[
            ("EVENTORY_TLS_CERT_FILE", cert.display().to_string()),
            ("EVENTORY_TLS_KEY_FILE", key.display().to_string()),
        ],
    );
    TestServer::start_at(config, address)
        .await
        .expect("the server starts with its certificate")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_and_wss_a_cashier_signs_in_sells_and_refreshes() {
    let dir = tempfile::tempdir().unwrap();
    let venue = TestCa::new(dir.path(), "venue");
    let server = https_server(dir.path(), &venue).await;
    assert!(
        server.base.starts_with("https://localhost:"),
        "{}",
        server.base
    );
    let show: ShowId = test_support::show_on_sale(server.state.store.as_ref(), 2, 5).await;
    let (email, password) = cashier(&server.state).await;

    let trust = TlsTrust::new(Some(&venue.pem), false).unwrap();
    let client = Arc::new(ApiClient::with_trust(&server.base, trust).unwrap());
    client.sign_in(&email, &password).await.unwrap();
    assert!(client.live_url().starts_with("wss://localhost:"));

    let (feed, mut events, mut map) = follow_show(&client, show).await;

    let hold = client
        .hold(show, vec!["A1".parse().unwrap(), "A2".parse().unwrap()])
        .await
        .unwrap();
    let sale = client
        .checkout(
            hold.hold_id,
            PaymentMethod::Cash,
            Some(Money::new(5000, Currency::EUR)),
            None,
            Default::default(),
            None,
        )
        .await
        .unwrap();
    follow(&mut events, &mut map, &feed, |m| {
        m.state(&"A2".parse().unwrap()) == SeatState::Sold
    })
    .await;
    assert_eq!(
        client.booking(sale.booking.id).await.unwrap().id,
        sale.booking.id
    );

    // Tokens refresh over TLS: at expiry, and on demand.
    let before = client.session().await.unwrap().refresh_token;
    client.expire_access_token_for_test().await;
    client.my_bookings().await.unwrap();
    client.refresh().await.unwrap();
    assert_ne!(client.session().await.unwrap().refresh_token, before);
    client.my_bookings().await.unwrap();

    feed.stop().await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_the_device_does_not_trust_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let venue = TestCa::new(dir.path(), "venue");
    let other = TestCa::new(dir.path(), "other");
    let server = https_server(dir.path(), &venue).await;
    let (email, password) = cashier(&server.state).await;

    // Trusting only the system store, or another CA: not trusted, and says how to fix it.
    for trust in [
        TlsTrust::system().unwrap(),
        TlsTrust::new(Some(&other.pem), false).unwrap(),
    ] {
        let client = ApiClient::with_trust(&server.base, trust).unwrap();
        let err = client.sign_in(&email, &password).await.unwrap_err();
        assert!(
            matches!(&err, ClientError::Untrusted(m) if m.contains("not trusted") && m.contains("ca_file")),
            "{err:?}"
        );
    }

    // The right CA, but an address the certificate is not for (it names localhost only).
    let by_ip = server.base.replace("localhost", "127.0.0.1");
    let trust = TlsTrust::new(Some(&venue.pem), false).unwrap();
    let client = ApiClient::with_trust(&by_ip, trust.clone()).unwrap();
    let err = client.sign_in(&email, &password).await.unwrap_err();
    assert!(
        matches!(&err, ClientError::Untrusted(m) if m.contains("not for this address")),
        "{err:?}"
    );

    // The live feed says the same instead of a bare handshake error.
    let good = Arc::new(ApiClient::with_trust(&server.base, trust).unwrap());
    good.sign_in(&email, &password).await.unwrap();
    let (tx, mut events) = mpsc::unbounded_channel();
    let feed = LiveFeed::spawn(
        good.live_url(),
        TlsTrust::new(Some(&other.pem), false).unwrap(),
        token_source(&good),
        tx,
    );
    match next_event(&mut events).await {
        LiveEvent::Disconnected(reason) => {
            assert!(reason.contains("not trusted"), "{reason}")
        }
        other => panic!("connected to an untrusted server: {other:?}"),
    }
    feed.stop().await;
    server.shutdown().await.unwrap();
}

#[test]
fn plain_http_to_another_machine_is_refused_unless_allowed() {
    let strict = TlsTrust::new(None, false).unwrap();
    let err = ApiClient::with_trust("http://10.0.0.5:8080", strict)
        .err()
        .expect("plain HTTP to another machine is refused");
    assert!(
        matches!(&err, ClientError::Insecure(m) if m.contains("not encrypted")),
        "{err:?}"
    );
    assert!(ApiClient::with_trust("http://127.0.0.1:8080", TlsTrust::system().unwrap()).is_ok());
    let allowed = TlsTrust::new(None, true).unwrap();
    assert!(ApiClient::with_trust("http://10.0.0.5:8080", allowed).is_ok());
}
