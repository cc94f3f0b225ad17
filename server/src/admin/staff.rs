//! Staff accounts: create cashiers and kiosks, disable and enable any account but one's own.

use chrono::Utc;
use eventory_shared::api::StaffRequest;
use eventory_shared::{Role, UserId};
use uuid::Uuid;

use super::check_name;
use super::{AdminDesk, AdminError};
use crate::auth::password::{hash_password, MIN_PASSWORD_LEN};
use crate::auth::Caller;
use crate::store::{normalize_email, RefreshScope, StoreError, UserRecord};

impl AdminDesk {
    pub async fn create_staff(
        &self,
        caller: &Caller,
        request: StaffRequest,
    ) -> Result<UserRecord, AdminError> {
        if !matches!(request.role, Role::Cashier | Role::Kiosk) {
            return Err(AdminError::Invalid(
                "staff accounts are cashier or kiosk".into(),
            ));
        }
        let email = normalize_email(&request.email);
        if !email.contains('@') || email.len() > 254 {
            return Err(AdminError::Invalid(
                "email must look like name@example.com".into(),
            ));
        }
        if request.password.chars().count() < MIN_PASSWORD_LEN {
            return Err(AdminError::Invalid(format!(
                "password must be at least {MIN_PASSWORD_LEN} characters"
            )));
        }
        let user = UserRecord {
            id: UserId::from_uuid(Uuid::new_v4()),
            email,
            display_name: check_name(&request.display_name)?,
            password_hash: hash_password(&request.password)?,
            role: request.role,
            disabled: false,
            created_at: Utc::now(),
        };
        match self.store.insert_user(&user).await {
            Ok(()) => {}
            Err(StoreError::Duplicate(_)) => {
                return Err(AdminError::Conflict(
                    "an account with this email exists".into(),
                ))
            }
            Err(e) => return Err(e.into()),
        }
        self.audit(
            caller,
            "staff.created",
            format!("user {}", user.id),
            format!("{} {}", user.role, user.email),
        )
        .await?;
        Ok(user)
    }

    pub async fn set_disabled(
        &self,
        caller: &Caller,
        id: UserId,
        disabled: bool,
    ) -> Result<(), AdminError> {
        if id == caller.user_id {
            return Err(AdminError::Conflict(
                "you cannot disable your own account".into(),
            ));
        }
        if !self.store.set_user_disabled(id, disabled).await? {
            return Err(AdminError::NotFound("user"));
        }
        let (action, detail) = if disabled {
            // Signed out everywhere: no refresh works again, and its live feeds close here
            // (on other instances they end with their session, one access-token lifetime).
            let revoked = self
                .store
                .revoke_refresh_tokens(RefreshScope::User(id), Utc::now())
                .await?;
            let closed = self.hub.close_sessions(id);
            (
                "user.disabled",
                format!("{revoked} refresh tokens revoked, {closed} live sessions closed"),
            )
        } else {
            ("user.enabled", String::new())
        };
        self.audit(caller, action, format!("user {id}"), detail)
            .await
    }
}
