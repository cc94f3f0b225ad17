//! Accounts: users (unique by email, injection-proof lookups) and refresh tokens.

use super::*;

pub(super) async fn users_are_unique_by_email_and_lookups_are_injection_proof(store: Db) {
    let alice = user("Alice@Example.com", Role::Customer);
    store.insert_user(&alice).await.unwrap();
    let twin = user("alice@example.COM ", Role::Admin);
    assert!(matches!(
        store.insert_user(&twin).await,
        Err(StoreError::Duplicate(_))
    ));
    let found = store
        .user_by_email("ALICE@example.com")
        .await
        .unwrap()
        .expect("case-insensitive");
    assert_eq!(found.id, alice.id);
    assert_eq!(found.email, "alice@example.com");
    for hostile in [
        r#"{"$ne": null}"#,
        r#"{"$gt": ""}"#,
        "/.*/",
        "alice@example.com' || '1'=='1",
        "",
    ] {
        assert_eq!(
            store.user_by_email(hostile).await.unwrap(),
            None,
            "{hostile}"
        );
    }
    assert_eq!(
        store.user(alice.id).await.unwrap().unwrap().role,
        Role::Customer
    );
    assert!(store.set_user_disabled(alice.id, true).await.unwrap());
    assert!(store.user(alice.id).await.unwrap().unwrap().disabled);
    assert!(!store
        .set_user_disabled(UserId::from_uuid(Uuid::new_v4()), true)
        .await
        .unwrap());
}

pub(super) async fn refresh_tokens_work_once(store: Db) {
    let user = UserId::from_uuid(Uuid::new_v4());
    let token = RefreshTokenRecord {
        token_hash: "a".repeat(64),
        user_id: user,
        expires_at: now() + Duration::days(1),
        revoked: false,
        family: None,
        family_expires_at: None,
        used_at: None,
    };
    store.insert_refresh_token(&token).await.unwrap();
    let attempts: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .consume_refresh_token(&"a".repeat(64), now())
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut wins = 0;
    for attempt in attempts {
        wins += usize::from(attempt.await.unwrap().is_some());
    }
    assert_eq!(wins, 1, "a refresh token works exactly once");
    let expired = RefreshTokenRecord {
        token_hash: "b".repeat(64),
        expires_at: now() - Duration::seconds(1),
        ..token
    };
    store.insert_refresh_token(&expired).await.unwrap();
    assert_eq!(
        store
            .consume_refresh_token(&"b".repeat(64), now())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .consume_refresh_token(r#"{"$ne": null}"#, now())
            .await
            .unwrap(),
        None
    );
}

fn family_token(hash: &str, user: UserId, family: Uuid) -> RefreshTokenRecord {
    RefreshTokenRecord {
        token_hash: hash.to_owned(),
        user_id: user,
        expires_at: now() + Duration::days(1),
        revoked: false,
        family: Some(family),
        family_expires_at: Some(now() + Duration::days(90)),
        used_at: None,
    }
}

pub(super) async fn refresh_families_and_accounts_are_revoked_together(store: Db) {
    let alice = UserId::from_uuid(Uuid::new_v4());
    let bob = UserId::from_uuid(Uuid::new_v4());
    let (laptop, phone) = (Uuid::new_v4(), Uuid::new_v4());
    let suffix = Uuid::new_v4().simple().to_string();
    let hash = |name: &str| format!("{name}-{suffix}");
    for (name, user, family) in [
        ("l1", alice, laptop),
        ("l2", alice, laptop),
        ("p1", alice, phone),
        ("b1", bob, Uuid::new_v4()),
    ] {
        store
            .insert_refresh_token(&family_token(&hash(name), user, family))
            .await
            .unwrap();
    }
    // Rotating marks the token used, and the lookup still finds it (to tell reuse).
    let at = now();
    let used = store
        .consume_refresh_token(&hash("l1"), at)
        .await
        .unwrap()
        .expect("valid once");
    assert_eq!(used.family, Some(laptop));
    let seen = store
        .refresh_token(&hash("l1"))
        .await
        .unwrap()
        .expect("still stored");
    assert!(seen.revoked);
    assert_eq!(seen.used_at, Some(at));
    assert!(store.refresh_token("no-such-hash").await.unwrap().is_none());

    // One family: the laptop's remaining token goes, the phone's stays.
    let revoked = store
        .revoke_refresh_tokens(RefreshScope::Family(laptop), now())
        .await
        .unwrap();
    assert_eq!(revoked, 1, "l2 (l1 was revoked already)");
    assert!(store
        .consume_refresh_token(&hash("l2"), now())
        .await
        .unwrap()
        .is_none());
    // The whole account: the phone goes too; bob is untouched.
    assert_eq!(
        store
            .revoke_refresh_tokens(RefreshScope::User(alice), now())
            .await
            .unwrap(),
        1
    );
    assert!(store
        .consume_refresh_token(&hash("p1"), now())
        .await
        .unwrap()
        .is_none());
    assert!(store
        .consume_refresh_token(&hash("b1"), now())
        .await
        .unwrap()
        .is_some());
}
