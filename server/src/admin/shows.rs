//! Shows: create and edit, checked against their venue; the ledger follows every change.

use std::collections::BTreeSet;

use eventory_shared::api::ShowRequest;
use eventory_shared::{Show, ShowId, ShowStatus};
use uuid::Uuid;

use super::check_name;
use super::{AdminDesk, AdminError};
use crate::auth::Caller;

impl AdminDesk {
    async fn check_show(&self, request: &ShowRequest) -> Result<(), AdminError> {
        let venue = self
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
        let mut ids = BTreeSet::new();
        for kind in &request.ticket_types {
            if let Some(why) = kind.problem() {
                return Err(AdminError::Invalid(why));
            }
            if !ids.insert(kind.id.as_str()) {
                return Err(AdminError::Invalid(format!(
                    "ticket type {} is listed twice",
                    kind.id
                )));
            }
            let wrong_price = kind.prices.iter().any(|(category, price)| {
                !request.prices.contains_key(category) || !currencies.contains(&price.currency)
            });
            if wrong_price {
                return Err(AdminError::Invalid(format!(
                    "ticket type {}: prices for the venue's categories, in the show's currency",
                    kind.id
                )));
            }
        }
        Ok(())
    }

    pub async fn create_show(
        &self,
        caller: &Caller,
        request: ShowRequest,
    ) -> Result<Show, AdminError> {
        self.check_show(&request).await?;
        let show = show_from(ShowId::from_uuid(Uuid::new_v4()), request);
        self.store.insert_show(&show).await?;
        crate::seats::rebuild::rebuild_show(self.store.as_ref(), self.ledger.as_ref(), show.id)
            .await?;
        self.audit(
            caller,
            "show.created",
            format!("show {}", show.id),
            format!("{} at {}", show.title, show.starts_at),
        )
        .await?;
        Ok(show)
    }

    pub async fn update_show(
        &self,
        caller: &Caller,
        id: ShowId,
        request: ShowRequest,
    ) -> Result<Show, AdminError> {
        let old = self
            .store
            .show(id)
            .await?
            .ok_or(AdminError::NotFound("show"))?;
        self.check_show(&request).await?;
        if old.venue_id != request.venue_id
            && !self.store.live_tickets_of_show(id).await?.is_empty()
        {
            return Err(AdminError::Conflict(
                "a show with sold seats cannot move to another venue".into(),
            ));
        }
        let show = show_from(id, request);
        self.store.update_show(&show).await?;
        self.catalog.forget(id);
        self.seat_maps.forget(id);
        if show.status != ShowStatus::Cancelled {
            crate::seats::rebuild::rebuild_show(self.store.as_ref(), self.ledger.as_ref(), id)
                .await?;
        }
        self.audit(
            caller,
            "show.updated",
            format!("show {id}"),
            format!("{} at {}, {:?}", show.title, show.starts_at, show.status),
        )
        .await?;
        Ok(show)
    }
}

impl AdminDesk {
    /// Cancels a show: it leaves sale at once (holds cannot be paid, no new ones), and every
    /// sold booking is refunded by [`crate::sales::cancellation`] (now, and by the reconciler
    /// after a restart). Cancelling a cancelled show again changes nothing.
    pub async fn cancel_show(
        &self,
        caller: &Caller,
        id: ShowId,
        reason: &str,
    ) -> Result<Show, AdminError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(AdminError::Invalid(
                "say why the show is cancelled (1 to 500 characters)".into(),
            ));
        }
        let mut show = self
            .store
            .show(id)
            .await?
            .ok_or(AdminError::NotFound("show"))?;
        if show.status == ShowStatus::Cancelled {
            return Ok(show);
        }
        show.status = ShowStatus::Cancelled;
        self.store.update_show(&show).await?;
        self.catalog.forget(id);
        self.seat_maps.forget(id);
        self.audit(
            caller,
            "show.cancelled",
            format!("show {id}"),
            format!("{}: {reason}; every sold booking is refunded", show.title),
        )
        .await?;
        Ok(show)
    }
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
        ticket_types: request.ticket_types,
    }
}
