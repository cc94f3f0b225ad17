//! Venues: create, and replace a layout without dropping a seat sold for an upcoming show.

use std::collections::BTreeSet;

use chrono::Utc;
use eventory_shared::api::VenueRequest;
use eventory_shared::{SeatId, Show, Venue, VenueId};
use uuid::Uuid;

use super::check_name;
use super::{AdminDesk, AdminError};
use crate::auth::Caller;

impl AdminDesk {
    pub async fn create_venue(
        &self,
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
        self.store.insert_venue(&venue).await?;
        self.audit(
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
        &self,
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
        self.store
            .venue(id)
            .await?
            .ok_or(AdminError::NotFound("venue"))?;
        let shows: Vec<Show> = self
            .store
            .upcoming_shows(Utc::now())
            .await?
            .into_iter()
            .filter(|s| s.venue_id == id)
            .collect();
        let mut dropped = BTreeSet::new();
        for show in &shows {
            for ticket in self.store.live_tickets_of_show(show.id).await? {
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
        self.store.update_venue(&venue).await?;
        for show in &shows {
            self.seat_maps.forget(show.id);
            crate::seats::rebuild::rebuild_show(self.store.as_ref(), self.ledger.as_ref(), show.id)
                .await?;
        }
        self.audit(
            caller,
            "venue.updated",
            format!("venue {id}"),
            format!("{} ({} seats)", venue.name, seats.len()),
        )
        .await?;
        Ok(venue)
    }
}
