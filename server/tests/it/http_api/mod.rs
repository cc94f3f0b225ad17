//! The HTTP API on the real services: accounts and sessions, what each role may reach, staff
//! refunds and exchanges, shows with seat maps, and two server instances sharing live updates.

mod accounts;
mod exchanges;
mod roles;
mod shows;
mod ticket_types;
