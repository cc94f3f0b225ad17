//! The customer at the counter and the kiosk: rewards go to the customer attached to a sale,
//! never to the staff account that rings it up; a sale without a customer earns no points and
//! its scratch card is claimed once with the code printed on its tickets; a kiosk sees only
//! the booking it just made.

use crate::support::{booking_reaches, cash_payment, TestApi, TestServer};
use eventory_server::store::test_support;
use eventory_shared::api::*;
use eventory_shared::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::confirmed;

/// A cash sale at the counter by `cashier`, for `customer` if any, with extra checkout fields.
async fn counter_sale(
    server: &TestServer,
    cashier: &TestApi,
    show: ShowId,
    seats: &[&str],
    customer: Option<UserId>,
    extra: Value,
) -> Booking {
    let hold = cashier.hold(show, seats).await;
    let mut body = cash_payment(100_000);
    body["customer_id"] = json!(customer);
    if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
        body.extend(extra);
    }
    let sale = cashier.checkout(&hold, &body).await;
    confirmed(server, sale.booking.id).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn counter_sales_earn_the_attached_customer_and_never_the_cashier() {
    let server = TestServer::start(crate::support::cluster_config())
        .await
        .expect("server starts");
    let show = test_support::show_on_sale(server.state.store.as_ref(), 6, 10).await;
    let cashier = TestApi::as_role(&server, Role::Cashier);
    let anonymous = TestApi::anonymous(&server);
    let email = format!("fan-{}@example.org", uuid::Uuid::new_v4().simple());
    let (customer, signed_up) = anonymous.sign_up(&email).await;

    // 10 sales (14 seats) with nobody attached: the cashier earns nothing.
    let rows = ["A", "B"];
    for i in 1..=10 {
        let seat = format!("{}{}", rows[(i - 1) / 5], i);
        counter_sale(&server, &cashier, show, &[&seat], None, json!({})).await;
    }
    let three = counter_sale(
        &server,
        &cashier,
        show,
        &["C1", "C2", "C3"],
        None,
        json!({}),
    )
    .await;
    let cashier_loyalty = cashier.loyalty().await;
    assert_eq!(cashier_loyalty.points, 0, "staff never earn points");
    assert!(cashier_loyalty.coupons.is_empty(), "nor coupons");
    assert_eq!(cashier_loyalty.member_code, None);
    assert_eq!(three.customer_id, None);

    // Its scratch card carries a claim code for the staff who print it; a customer collects
    // it once.
    let card = cashier.reward(three.id).await;
    let code = card
        .claim_code
        .clone()
        .expect("a claim code on an anonymous sale's card");
    let printed: BookingTickets = cashier
        .get_ok(&format!("/api/bookings/{}/tickets", three.id))
        .await;
    assert_eq!(
        printed.claim_code.as_deref(),
        Some(code.as_str()),
        "printed on the tickets"
    );
    let claim = |api: &TestApi, code: String| {
        let api = api.clone();
        async move {
            api.post("/api/me/rewards/claim", &json!({"code": code}))
                .await
        }
    };
    let typed = code.replace('-', " ").to_lowercase();
    let first = claim(&customer, typed).await;
    assert_eq!(first.status(), StatusCode::OK);
    let again = claim(&customer, code.clone()).await;
    assert_eq!(again.status(), StatusCode::OK, "the same customer's retry");
    let (other, _) = anonymous
        .sign_up(&format!(
            "other-{}@example.org",
            uuid::Uuid::new_v4().simple()
        ))
        .await;
    let stolen = claim(&other, code.clone()).await;
    assert_eq!(
        stolen.status(),
        StatusCode::CONFLICT,
        "a claim code works once"
    );
    let by_staff = claim(&cashier, code.clone()).await;
    assert_eq!(by_staff.status(), StatusCode::FORBIDDEN);
    let unknown = claim(&customer, "ABCD-EFGH-JKLM".into()).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    customer.scratch(three.id).await; // now the customer's card
    assert!(
        cashier.reward(three.id).await.claim_code.is_none(),
        "claimed"
    );

    // The customer is found by their member QR or email, attached to 10 sales: they get the
    // points and the coupon, the cashier still nothing.
    let loyalty = customer.loyalty().await;
    let qr = loyalty.member_qr.clone().expect("a member QR");
    let found: CustomerView = cashier
        .get_ok(&format!("/api/customers/lookup?q={}", urlencode(&qr)))
        .await;
    assert_eq!(found.id, signed_up.user.id);
    assert_eq!(Some(found.member_code.clone()), loyalty.member_code);
    let by_email: CustomerView = cashier
        .get_ok(&format!(
            "/api/customers/lookup?q={}",
            urlencode(&email.to_uppercase())
        ))
        .await;
    assert_eq!(by_email.id, found.id);
    for i in 1..=10 {
        let seat = format!("D{i}");
        let sale = counter_sale(&server, &cashier, show, &[&seat], Some(found.id), json!({})).await;
        assert_eq!(sale.customer_id, Some(found.id));
    }
    let loyalty = customer.loyalty().await;
    assert_eq!(loyalty.points, 10);
    assert_eq!(loyalty.coupons.len(), 1, "a coupon for 10 seats");
    assert_eq!(cashier.loyalty().await.points, 0);

    // Their coupon is redeemed at the counter with them attached, not without; the counter
    // sees it on the customer it finds.
    let coupon = loyalty.coupons[0].code.clone();
    let again: CustomerView = cashier
        .get_ok(&format!("/api/customers/lookup?q={}", urlencode(&qr)))
        .await;
    assert_eq!(
        again.coupons.iter().map(|c| &c.code).collect::<Vec<_>>(),
        [&coupon]
    );
    let hold = cashier.hold(show, &["E1"]).await;
    let mut body = cash_payment(100_000);
    body["coupon"] = json!(coupon);
    let refused = cashier
        .post(&format!("/api/holds/{}/checkout", hold.hold_id), &body)
        .await;
    assert_eq!(
        refused.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not without the customer"
    );
    cashier
        .delete(&format!("/api/holds/{}", hold.hold_id))
        .await;
    let full = counter_sale(&server, &cashier, show, &["E2"], Some(found.id), json!({})).await;
    let discounted = counter_sale(
        &server,
        &cashier,
        show,
        &["E3"],
        Some(found.id),
        json!({"coupon": coupon}),
    )
    .await;
    assert_eq!(
        discounted.amount.amount_minor,
        full.amount.amount_minor * 80 / 100,
        "20 % off"
    );

    // Attaching a staff account or a stranger id is refused.
    let hold = cashier.hold(show, &["F1"]).await;
    let mut body = cash_payment(100_000);
    body["customer_id"] = json!(UserId::from_uuid(uuid::Uuid::new_v4()));
    let stranger = cashier
        .post(&format!("/api/holds/{}/checkout", hold.hold_id), &body)
        .await;
    assert_eq!(stranger.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_kiosk_sees_only_the_booking_it_just_made() {
    let server = TestServer::start(crate::support::cluster_config())
        .await
        .expect("server starts");
    let show = test_support::show_on_sale(server.state.store.as_ref(), 3, 10).await;
    let kiosk = TestApi::as_role(&server, Role::Kiosk);
    let (customer, _) = TestApi::anonymous(&server)
        .sign_up(&format!(
            "kiosk-fan-{}@example.org",
            uuid::Uuid::new_v4().simple()
        ))
        .await;

    let sale = kiosk
        .card_sale(&server.state, show, &["A1", "A2", "A3"])
        .await;
    let booking = booking_reaches(&server.state, sale.id, BookingStatus::Confirmed).await;
    let _: Booking = kiosk.get_ok(&format!("/api/bookings/{}", booking.id)).await;
    let printed: BookingTickets = kiosk
        .get_ok(&format!("/api/bookings/{}/tickets", booking.id))
        .await;
    assert_eq!(printed.tickets.len(), 3, "it prints what it just sold");
    let mine = kiosk.get("/api/bookings/mine").await;
    assert_eq!(
        mine.status(),
        StatusCode::FORBIDDEN,
        "a kiosk cannot list bookings"
    );
    let other_kiosk = kiosk.as_token(server.token(Role::Kiosk));
    let other = other_kiosk
        .get(&format!("/api/bookings/{}/tickets", booking.id))
        .await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);

    // The kiosk finds a member by their QR, never by email.
    let qr = customer.loyalty().await.member_qr.unwrap();
    let found = kiosk
        .get(&format!("/api/customers/lookup?q={}", urlencode(&qr)))
        .await;
    assert_eq!(found.status(), StatusCode::OK);
    let me: UserProfile = customer.get_ok("/api/me").await;
    let by_email = kiosk
        .get(&format!("/api/customers/lookup?q={}", urlencode(&me.email)))
        .await;
    assert_eq!(by_email.status(), StatusCode::NOT_FOUND);
    let by_customer = customer
        .get(&format!("/api/customers/lookup?q={}", urlencode(&qr)))
        .await;
    assert_eq!(by_customer.status(), StatusCode::FORBIDDEN);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
