//! Payments, processed events, scratch cards, loyalty points and coupons: each once only.

use super::*;

pub(super) async fn payments_events_rewards_and_coupons_are_once_only(store: Db) {
    let booking_id = BookingId::from_uuid(Uuid::new_v4());
    let payment = PaymentRecord {
        booking_id,
        payment_id: Uuid::new_v4(),
        method: PaymentMethod::Card,
        amount: Money::new(2500, Currency::EUR),
        status: PaymentStatus::Approved,
        change_due: None,
        reason: None,
        at: now(),
    };
    let announced = outbox();
    store
        .insert_payment(&payment, Some(&announced))
        .await
        .unwrap();
    assert!(store
        .pending_outbox(1000)
        .await
        .unwrap()
        .iter()
        .any(|e| e.id == announced.id));
    let second = outbox();
    assert!(matches!(
        store.insert_payment(&payment, Some(&second)).await,
        Err(StoreError::Duplicate(_))
    ));
    assert!(
        !store
            .pending_outbox(1000)
            .await
            .unwrap()
            .iter()
            .any(|e| e.id == second.id),
        "a refused payment writes no event"
    );
    assert_eq!(store.payment(booking_id).await.unwrap().unwrap(), payment);

    let event = Uuid::new_v4();
    assert!(store.mark_event_processed("bookings", event).await.unwrap());
    assert!(!store.mark_event_processed("bookings", event).await.unwrap());
    assert!(
        store.mark_event_processed("payments", event).await.unwrap(),
        "per consumer"
    );

    let reward = RewardRecord {
        booking_id,
        user_id: None,
        prize: "free popcorn".into(),
        revealed: false,
        voided: false,
        created_at: now(),
        claim_code: None,
    };
    store.insert_reward(&reward).await.unwrap();
    assert!(matches!(
        store.insert_reward(&reward).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(store.reward(booking_id).await.unwrap().unwrap(), reward);

    let coupon = CouponRecord {
        code: format!("SAVE-{}", Uuid::new_v4().simple()),
        user_id: None,
        percent_off: 20,
        redeemed_by: None,
        created_at: now(),
    };
    store.insert_coupon(&coupon).await.unwrap();
    let racers: Vec<_> = (0..20)
        .map(|_| {
            let (store, code) = (store.clone(), coupon.code.clone());
            tokio::spawn(async move {
                store
                    .redeem_coupon(&code, BookingId::from_uuid(Uuid::new_v4()))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut redeemed = 0;
    for racer in racers {
        redeemed += usize::from(racer.await.unwrap().is_some());
    }
    assert_eq!(redeemed, 1, "a coupon is redeemed once");
    assert_eq!(
        store
            .redeem_coupon(r#"{"$ne": null}"#, booking_id)
            .await
            .unwrap(),
        None
    );
}

pub(super) async fn loyalty_points_add_up_under_concurrency(store: Db) {
    let user = UserId::from_uuid(Uuid::new_v4());
    // 40 distinct entries, each sent twice at once: every entry counts exactly once.
    let adds: Vec<_> = (0..80)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .record_loyalty(user, &format!("earn:{}", i % 40), 3)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut recorded = 0;
    for add in adds {
        recorded += usize::from(add.await.unwrap().is_some());
    }
    assert_eq!(recorded, 40);
    assert_eq!(store.loyalty_points(user).await.unwrap(), 120);
    assert_eq!(
        store.record_loyalty(user, "refund:x", -20).await.unwrap(),
        Some(100)
    );
    assert_eq!(
        store.record_loyalty(user, "refund:x", -20).await.unwrap(),
        None,
        "once"
    );
    assert_eq!(
        store
            .loyalty_points(UserId::from_uuid(Uuid::new_v4()))
            .await
            .unwrap(),
        0
    );
}

pub(super) async fn rewards_reveal_once_and_void_only_unrevealed(store: Db) {
    let reward = |booking| RewardRecord {
        booking_id: booking,
        user_id: None,
        prize: "beverage".into(),
        revealed: false,
        voided: false,
        created_at: now(),
        claim_code: None,
    };
    let scratched = BookingId::from_uuid(Uuid::new_v4());
    store.insert_reward(&reward(scratched)).await.unwrap();
    let racers: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.reveal_reward(scratched).await.unwrap() })
        })
        .collect();
    let mut reveals = 0;
    for racer in racers {
        reveals += usize::from(racer.await.unwrap().is_some());
    }
    assert_eq!(reveals, 1, "one reveal of concurrent scratches");
    assert!(
        !store.void_reward(scratched).await.unwrap(),
        "a revealed card is not voided"
    );
    let unscratched = BookingId::from_uuid(Uuid::new_v4());
    store.insert_reward(&reward(unscratched)).await.unwrap();
    assert!(store.void_reward(unscratched).await.unwrap());
    assert_eq!(
        store.reveal_reward(unscratched).await.unwrap(),
        None,
        "voided cards cannot be revealed"
    );
    let stats = store.reward_stats().await.unwrap();
    assert_eq!((stats.issued, stats.revealed, stats.voided), (2, 1, 1));
}

pub(super) async fn a_claim_code_gives_its_card_to_one_customer(store: Db) {
    let card = |booking, code: &str| RewardRecord {
        booking_id: booking,
        user_id: None,
        prize: "free popcorn".into(),
        revealed: false,
        voided: false,
        created_at: now(),
        claim_code: Some(code.into()),
    };
    let suffix = &Uuid::new_v4().simple().to_string()[..4].to_uppercase();
    let (code, voided_code) = (format!("AAAA-BBBB-{suffix}"), format!("VVVV-BBBB-{suffix}"));
    let booking = BookingId::from_uuid(Uuid::new_v4());
    store.insert_reward(&card(booking, &code)).await.unwrap();
    assert_eq!(
        store
            .reward_by_claim_code(&code)
            .await
            .unwrap()
            .map(|r| r.booking_id),
        Some(booking)
    );
    let customers: Vec<UserId> = (0..20).map(|_| UserId::from_uuid(Uuid::new_v4())).collect();
    let racers: Vec<_> = customers
        .iter()
        .map(|&user| {
            let (store, code) = (store.clone(), code.clone());
            tokio::spawn(async move { store.claim_reward(&code, user).await.unwrap() })
        })
        .collect();
    let mut winners = Vec::new();
    for racer in racers {
        winners.extend(racer.await.unwrap());
    }
    assert_eq!(winners.len(), 1, "one of 20 concurrent claims wins");
    let owner = winners[0].user_id;
    assert_eq!(store.reward(booking).await.unwrap().unwrap().user_id, owner);
    assert_eq!(store.claim_reward(&code, customers[0]).await.unwrap(), None);
    assert_eq!(
        store.reward_by_claim_code("NONE-SUCH-CODE").await.unwrap(),
        None
    );

    let refunded = BookingId::from_uuid(Uuid::new_v4());
    store
        .insert_reward(&card(refunded, &voided_code))
        .await
        .unwrap();
    assert!(store.void_reward(refunded).await.unwrap());
    assert_eq!(
        store
            .claim_reward(&voided_code, customers[0])
            .await
            .unwrap(),
        None,
        "a voided card is not claimed"
    );
}
