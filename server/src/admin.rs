//! Administration: venues and shows, staff accounts, booking listings and exports, analytics.
//! Every change is written to the audit log with who made it.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use eventory_shared::api::{
    AnalyticsResponse, ShowOccupancy, ShowRequest, StaffRequest, VenueRequest,
};
use eventory_shared::{Role, SeatId, Show, ShowId, ShowStatus, UserId, Venue, VenueId};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::extract::Caller;
use crate::auth::password::{hash_password, MIN_PASSWORD_LEN};
use crate::store::{normalize_email, AuditEntry, BookingRecord, StoreError, UserRecord};

/// Why an admin change was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A layout edit would remove seats that are sold for upcoming shows.
    #[error("the new layout drops sold seats")]
    SoldSeatsRemoved(Vec<SeatId>),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

async fn audit(
    state: &AppState,
    caller: &Caller,
    action: &str,
    subject: String,
    detail: String,
) -> Result<(), AdminError> {
    state
        .store
        .append_audit(&AuditEntry {
            id: Uuid::new_v4(),
            at: Utc::now(),
            actor: Some(caller.user_id),
            action: action.into(),
            subject,
            detail,
        })
        .await?;
    Ok(())
}

fn check_name(name: &str) -> Result<String, AdminError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AdminError::Invalid(
            "a name of 1 to 200 characters is required".into(),
        ));
    }
    Ok(name.to_owned())
}

pub async fn create_venue(
    state: &AppState,
    caller: &Caller,
    request: VenueRequest,
) -> Result<Venue, AdminError> {
    let seats = request
        .layout
        .validate()
        .map_err(|e| AdminError::Invalid(e.to_string()))?;
    let venue = Venue {
        id: VenueId::from_uuid(Uuid::new_v4()),
        name: check_name(&request.name)?,
        layout: request.layout,
    };
    state.store.insert_venue(&venue).await?;
    audit(
        state,
        caller,
        "venue.created",
        format!("venue {}", venue.id),
        format!("{} ({} seats)", venue.name, seats.len()),
    )
    .await?;
    Ok(venue)
}

/// Replaces a venue's layout, refusing to drop any seat sold for an upcoming show.
pub async fn update_venue(
    state: &AppState,
    caller: &Caller,
    id: VenueId,
    request: VenueRequest,
) -> Result<Venue, AdminError> {
    let seats: BTreeSet<SeatId> = request
        .layout
        .validate()
        .map_err(|e| AdminError::Invalid(e.to_string()))?
        .into_iter()
        .collect();
    state
        .store
        .venue(id)
        .await?
        .ok_or(AdminError::NotFound("venue"))?;
    let shows: Vec<Show> = state
        .store
        .upcoming_shows(Utc::now())
        .await?
        .into_iter()
        .filter(|s| s.venue_id == id)
        .collect();
    let mut dropped = BTreeSet::new();
    for show in &shows {
        for ticket in state.store.live_tickets_of_show(show.id).await? {
            if !seats.contains(&ticket.seat_id) {
                dropped.insert(ticket.seat_id);
            }
        }
    }
    if !dropped.is_empty() {
        return Err(AdminError::SoldSeatsRemoved(dropped.into_iter().collect()));
    }
    let venue = Venue {
        id,
        name: check_name(&request.name)?,
        layout: request.layout,
    };
    state.store.update_venue(&venue).await?;
    for show in &shows {
        state.seat_maps.forget(show.id);
        crate::store::rebuild::rebuild_show(state.store.as_ref(), state.ledger.as_ref(), show.id)
            .await?;
    }
    audit(
        state,
        caller,
        "venue.updated",
        format!("venue {id}"),
        format!("{} ({} seats)", venue.name, seats.len()),
    )
    .await?;
    Ok(venue)
}

async fn check_show(state: &AppState, request: &ShowRequest) -> Result<(), AdminError> {
    let venue = state
        .store
        .venue(request.venue_id)
        .await?
        .ok_or(AdminError::NotFound("venue"))?;
    check_name(&request.title)?;
    if !(request.sale_opens_at < request.sale_closes_at
        && request.sale_closes_at <= request.starts_at)
    {
        return Err(AdminError::Invalid(
            "sales must open before they close, and close by the start".into(),
        ));
    }
    let currencies: BTreeSet<_> = request.prices.values().map(|m| m.currency).collect();
    if currencies.len() > 1 || request.prices.values().any(|m| m.amount_minor < 0) {
        return Err(AdminError::Invalid(
            "prices must be non-negative, in one currency".into(),
        ));
    }
    for category in &venue.layout.categories {
        if !request.prices.contains_key(&category.id) {
            return Err(AdminError::Invalid(format!(
                "no price for category {}",
                category.id.as_str()
            )));
        }
    }
    Ok(())
}

fn show_from(id: ShowId, request: ShowRequest) -> Show {
    Show {
        id,
        venue_id: request.venue_id,
        title: request.title.trim().to_owned(),
        description: request.description,
        starts_at: request.starts_at,
        prices: request.prices,
        sale_opens_at: request.sale_opens_at,
        sale_closes_at: request.sale_closes_at,
        status: request.status,
    }
}

pub async fn create_show(
    state: &AppState,
    caller: &Caller,
    request: ShowRequest,
) -> Result<Show, AdminError> {
    check_show(state, &request).await?;
    let show = show_from(ShowId::from_uuid(Uuid::new_v4()), request);
    state.store.insert_show(&show).await?;
    crate::store::rebuild::rebuild_show(state.store.as_ref(), state.ledger.as_ref(), show.id)
        .await?;
    audit(
        state,
        caller,
        "show.created",
        format!("show {}", show.id),
        format!("{} at {}", show.title, show.starts_at),
    )
    .await?;
    Ok(show)
}

pub async fn update_show(
    state: &AppState,
    caller: &Caller,
    id: ShowId,
    request: ShowRequest,
) -> Result<Show, AdminError> {
    let old = state
        .store
        .show(id)
        .await?
        .ok_or(AdminError::NotFound("show"))?;
    check_show(state, &request).await?;
    if old.venue_id != request.venue_id && !state.store.live_tickets_of_show(id).await?.is_empty() {
        return Err(AdminError::Conflict(
            "a show with sold seats cannot move to another venue".into(),
        ));
    }
    let show = show_from(id, request);
    state.store.update_show(&show).await?;
    state.catalog.forget(id);
    state.seat_maps.forget(id);
    if show.status != ShowStatus::Cancelled {
        crate::store::rebuild::rebuild_show(state.store.as_ref(), state.ledger.as_ref(), id)
            .await?;
    }
    audit(
        state,
        caller,
        "show.updated",
        format!("show {id}"),
        format!("{} at {}, {:?}", show.title, show.starts_at, show.status),
    )
    .await?;
    Ok(show)
}

pub async fn create_staff(
    state: &AppState,
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
    match state.store.insert_user(&user).await {
        Ok(()) => {}
        Err(StoreError::Duplicate(_)) => {
            return Err(AdminError::Conflict(
                "an account with this email exists".into(),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    audit(
        state,
        caller,
        "staff.created",
        format!("user {}", user.id),
        format!("{} {}", user.role, user.email),
    )
    .await?;
    Ok(user)
}

pub async fn set_disabled(
    state: &AppState,
    caller: &Caller,
    id: UserId,
    disabled: bool,
) -> Result<(), AdminError> {
    if id == caller.user_id {
        return Err(AdminError::Conflict(
            "you cannot disable your own account".into(),
        ));
    }
    if !state.store.set_user_disabled(id, disabled).await? {
        return Err(AdminError::NotFound("user"));
    }
    let action = if disabled {
        "user.disabled"
    } else {
        "user.enabled"
    };
    audit(state, caller, action, format!("user {id}"), String::new()).await
}

pub async fn analytics(
    state: &AppState,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<AnalyticsResponse, AdminError> {
    let sales = state.store.sales_report(from, to).await?;
    let rewards = state.store.reward_stats().await?;
    let mut occupancy = Vec::new();
    for show in state
        .store
        .upcoming_shows(Utc::now())
        .await?
        .into_iter()
        .take(200)
    {
        let capacity = match state.store.venue(show.venue_id).await? {
            Some(v) => v.layout.capacity() as u64,
            None => continue,
        };
        let sold = state.store.live_tickets_of_show(show.id).await?.len() as u64;
        occupancy.push(ShowOccupancy {
            show_id: show.id,
            title: show.title,
            starts_at: show.starts_at,
            sold,
            capacity,
        });
    }
    Ok(AnalyticsResponse {
        from,
        to,
        sales,
        occupancy,
        rewards,
    })
}

/// Bookings as CSV (RFC 4180 quoting), one line per booking.
pub fn bookings_csv(records: &[BookingRecord]) -> String {
    fn field(value: &str) -> String {
        if value.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", value.replace('"', "\"\""))
        } else {
            value.to_owned()
        }
    }
    let mut out = String::from("code,booking_id,show_id,channel,status,payment_method,seats,amount_minor,currency,created_at\r\n");
    for r in records {
        let b = &r.booking;
        let seats: Vec<String> = b.seats.iter().map(ToString::to_string).collect();
        let cells = [
            b.code.clone(),
            b.id.to_string(),
            b.show_id.to_string(),
            format!("{:?}", b.channel).to_lowercase(),
            format!("{:?}", b.status).to_lowercase(),
            format!("{:?}", b.payment_method).to_lowercase(),
            seats.join(" "),
            b.amount.amount_minor.to_string(),
            b.amount.currency.to_string(),
            b.created_at.to_rfc3339(),
        ];
        let line: Vec<String> = cells.iter().map(|c| field(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(bookings_csv(&[]).lines().count(), 1);
        let header = bookings_csv(&[]);
        assert!(header.starts_with("code,booking_id,"));
    }
}
