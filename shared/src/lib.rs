//! The types both sides of Eventory speak: the server (`eventory-server`) and the desktop app
//! (`eventory-desktop` / `eventory-ui`).
//!
//! No I/O and no async runtime live here, so the crate compiles for native targets and for
//! `wasm32-unknown-unknown` alike. Everything that crosses the wire is defined once, in this
//! crate: ids, seats, venue layouts, shows, money, bookings, roles, every HTTP request/response
//! body, every live (websocket) message and the error codes.

pub mod api;
pub mod booking;
pub mod error;
pub mod events;
pub mod ids;
pub mod integral;
pub mod live;
pub mod member;
pub mod money;
pub mod role;
pub mod seat;
pub mod seat_map;
pub mod show;
pub mod ticket_type;
pub mod venue;

pub use booking::{Booking, BookingStatus, Channel, PaymentMethod};
pub use error::{ApiErrorBody, ErrorCode};
pub use ids::{BookingId, HoldId, ShowId, TicketId, UserId, VenueId};
pub use money::{Currency, Money, MoneyError};
pub use role::Role;
pub use seat::{SeatId, SeatIdError, SeatState};
pub use seat_map::{SeatMap, Version};
pub use show::{Show, ShowStatus};
pub use ticket_type::{TicketType, DEFAULT_TICKET_TYPE};
pub use venue::{CategoryId, LayoutError, PriceCategory, RowLayout, SeatSpec, Venue, VenueLayout};

/// A string schema with a description, an example and a pattern (types that are strings on
/// the wire but structs in code).
#[cfg(feature = "openapi")]
pub(crate) fn openapi_string_schema(
    description: &str,
    example: &str,
    pattern: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .examples([example])
        .pattern(Some(pattern))
        .into()
}
