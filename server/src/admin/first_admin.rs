//! `eventory-server create-admin`: the first administrator of a real deployment (`seed-demo`
//! also adds demo shows). Idempotent: an existing admin with that email is left as it is; an
//! existing account of another role is refused, never promoted silently.

use chrono::Utc;
use eventory_shared::{Role, UserId};
use uuid::Uuid;

use crate::auth::password::hash_password;
use crate::store::{normalize_email, Store, StoreError, UserRecord};

/// Shortest admin password: longer than a customer's.
pub const MIN_ADMIN_PASSWORD_LEN: usize = 12;

/// What `create-admin` did.
#[derive(Debug, PartialEq, Eq)]
pub enum CreateAdmin {
    Created(UserId),
    /// An admin with this email exists; nothing changed (its password neither).
    AlreadyThere(UserId),
}

/// Why no admin was created.
#[derive(Debug, thiserror::Error)]
pub enum CreateAdminError {
    #[error("{0}")]
    Weak(String),
    #[error("email must look like name@example.com")]
    BadEmail,
    #[error(
        "{email} is a {role} account: it is not made an admin (disable it, or use another email)"
    )]
    OtherRole { email: String, role: Role },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Refuses passwords an attacker would try first.
pub fn check_admin_password(email: &str, password: &str) -> Result<(), CreateAdminError> {
    let chars = password.chars().count();
    if chars < MIN_ADMIN_PASSWORD_LEN || password.len() > 1024 {
        return Err(CreateAdminError::Weak(format!(
            "an admin password needs {MIN_ADMIN_PASSWORD_LEN} to 1024 characters"
        )));
    }
    let distinct: std::collections::BTreeSet<char> = password.chars().collect();
    if distinct.len() < 5 {
        return Err(CreateAdminError::Weak(
            "the password repeats too few characters".into(),
        ));
    }
    let lower = password.to_lowercase();
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    let guessable = [
        "password", "eventory", "admin", "qwerty", "123456", "letmein",
    ];
    if guessable.iter().any(|word| lower.contains(word))
        || (!local.is_empty() && lower.contains(&local))
    {
        return Err(CreateAdminError::Weak(
            "the password contains a common word or the email's name".into(),
        ));
    }
    Ok(())
}

/// Creates the admin `email` with `password`, unless it exists already.
pub async fn create_admin(
    store: &dyn Store,
    email: &str,
    password: &str,
) -> Result<CreateAdmin, CreateAdminError> {
    if !crate::auth::accounts::is_valid_email(email.trim()) {
        return Err(CreateAdminError::BadEmail);
    }
    let email = normalize_email(email);
    if let Some(existing) = store.user_by_email(&email).await? {
        return match existing.role {
            Role::Admin => Ok(CreateAdmin::AlreadyThere(existing.id)),
            role => Err(CreateAdminError::OtherRole { email, role }),
        };
    }
    check_admin_password(&email, password)?;
    let user = UserRecord {
        id: UserId::from_uuid(Uuid::new_v4()),
        email: email.clone(),
        display_name: "Administrator".into(),
        password_hash: hash_password(password)?,
        role: Role::Admin,
        disabled: false,
        created_at: Utc::now(),
    };
    match store.insert_user(&user).await {
        Ok(()) => Ok(CreateAdmin::Created(user.id)),
        // Another create-admin got there first: the same answer as a second run.
        Err(StoreError::Duplicate(_)) => match store.user_by_email(&email).await? {
            Some(u) if u.role == Role::Admin => Ok(CreateAdmin::AlreadyThere(u.id)),
            Some(u) => Err(CreateAdminError::OtherRole {
                email,
                role: u.role,
            }),
            None => Err(StoreError::NotFound("user").into()),
        },
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::password::verify_password;
    use crate::store::{AccountStore, EmbeddedStore};

    async fn store() -> (EmbeddedStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(&dir.path().join("t.redb")).unwrap();
        store.migrate().await.unwrap();
        (store, dir)
    }

    #[tokio::test]
    async fn creates_once_and_then_leaves_it_alone() {
        let (store, _dir) = store().await;
        let first = create_admin(&store, "Boss@Venue.example", "correct horse battery staple")
            .await
            .unwrap();
        let CreateAdmin::Created(id) = first else {
            panic!("{first:?}")
        };
        let again = create_admin(&store, "boss@venue.example", "another long phrase here")
            .await
            .unwrap();
        assert_eq!(again, CreateAdmin::AlreadyThere(id));
        let stored = store
            .user_by_email("boss@venue.example")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.role, Role::Admin);
        assert!(
            verify_password("correct horse battery staple", &stored.password_hash),
            "a second run does not change the password"
        );
    }

    #[tokio::test]
    async fn weak_passwords_bad_emails_and_other_roles_are_refused() {
        let (store, _dir) = store().await;
        for weak in [
            "short",
            "aaaaaaaaaaaaaaaa",
            "my eventory admin 2026",
            "boss-is-the-best-1",
        ] {
            assert!(
                matches!(
                    create_admin(&store, "boss@venue.example", weak).await,
                    Err(CreateAdminError::Weak(_))
                ),
                "{weak}"
            );
        }
        assert!(matches!(
            create_admin(&store, "not an email", "correct horse battery staple").await,
            Err(CreateAdminError::BadEmail)
        ));
        let cashier = UserRecord {
            id: UserId::from_uuid(Uuid::new_v4()),
            email: "till@venue.example".into(),
            display_name: "Till".into(),
            password_hash: hash_password("till password 1").unwrap(),
            role: Role::Cashier,
            disabled: false,
            created_at: Utc::now(),
        };
        store.insert_user(&cashier).await.unwrap();
        assert!(matches!(
            create_admin(&store, "till@venue.example", "correct horse battery staple").await,
            Err(CreateAdminError::OtherRole {
                role: Role::Cashier,
                ..
            })
        ));
    }
}
