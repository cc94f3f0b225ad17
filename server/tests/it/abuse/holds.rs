//! Hoarding: one free account tried to hold a whole show (24 holds of 10 seats) and keep it with
//! `extend`.

use std::time::Duration;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_free_account_cannot_hold_a_whole_show() {
    let (server, _dir) = server(&[]).await;
    let show = show(&server, 24, 10).await;
    let (mallory, _) = customer(&server).await;
    // 24 holds of 10 seats, a row each, all at once.
    let attempts: Vec<_> = (0..24u8)
        .map(|row| {
            let mallory = mallory.clone();
            let seats: Vec<String> = (1..=10)
                .map(|n| format!("{}{n}", char::from(b'A' + row)))
                .collect();
            tokio::spawn(async move {
                code_of(
                    mallory
                        .post(
                            &format!("/api/shows/{show}/holds"),
                            &json!({"seats": seats}),
                        )
                        .await,
                )
                .await
            })
        })
        .collect();
    let mut held = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            (StatusCode::CREATED, _) => held += 1,
            (StatusCode::CONFLICT, code) => assert_eq!(code, "hold_limit_reached"),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(held, 1, "one account holds at most 10 seats of a show");
    // The other 230 seats are for sale to everyone else.
    let (alice, _) = customer(&server).await;
    alice.hold(show, &["X1", "X2"]).await;
    // Staff sell for many buyers: a cashier may hold more.
    let cashier = TestApi::as_role(&server, eventory_shared::Role::Cashier);
    let block: Vec<String> = (1..=10)
        .flat_map(|n| [format!("W{n}"), format!("V{n}")])
        .collect();
    let block: Vec<&str> = block.iter().map(String::as_str).collect();
    for pair in block.chunks(10) {
        cashier.hold(show, pair).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extensions_stop_at_the_hold_s_longest_life() {
    let (server, _dir) = server(&[
        ("EVENTORY_HOLD_TTL_SECS", "5"),
        ("EVENTORY_HOLD_MAX_LIFETIME_SECS", "6"),
    ])
    .await;
    let show = show(&server, 1, 4).await;
    let (mallory, _) = customer(&server).await;
    let hold = mallory.hold(show, &["A1"]).await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let path = format!("/api/holds/{}/extend", hold.hold_id);
    let extended: eventory_shared::api::HoldResponse =
        mallory.post_ok(&path, &json!({}), StatusCode::OK).await;
    assert_eq!(
        extended.expires_at,
        hold.expires_at + chrono::Duration::seconds(1),
        "extended only to the hold's sixth second"
    );
    assert_eq!(
        code_of(mallory.post(&path, &json!({})).await).await,
        (StatusCode::CONFLICT, "hold_lifetime_reached".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_requests_are_rate_limited_per_account() {
    let (server, _dir) = server(&[("EVENTORY_HOLDS_PER_MINUTE_PER_ACCOUNT", "5")]).await;
    let show = show(&server, 1, 10).await;
    let (mallory, _) = customer(&server).await;
    for n in 1..=5 {
        let hold = mallory.hold(show, &[&format!("A{n}")]).await;
        let released = mallory
            .delete(&format!("/api/holds/{}", hold.hold_id))
            .await;
        assert_eq!(released.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(
        code_of(
            mallory
                .post(
                    &format!("/api/shows/{show}/holds"),
                    &json!({"seats": ["A6"]})
                )
                .await
        )
        .await,
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited".to_owned())
    );
    // Another account is not affected.
    let (alice, _) = customer(&server).await;
    alice.hold(show, &["A7"]).await;
}
