//! Live tickets: how a websocket is opened without putting an access token in a URL (URLs end
//! up in proxy logs). A signed-in client asks `POST /api/live/ticket` for a ticket, then opens
//! `/api/live?ticket=…` within [`TICKET_TTL`]; the ticket works once. With Redis the tickets
//! are shared by every instance (the upgrade may reach another one than the request did).

use std::str::FromStr;
use std::time::Duration;

use eventory_shared::{Role, UserId};
use redis::aio::ConnectionManager;

use super::tokens::{new_refresh_token, refresh_token_hash};
use super::Caller;

/// How long a ticket may wait to be used.
pub const TICKET_TTL: Duration = Duration::from_secs(30);

/// Issues and redeems single-use tickets.
#[derive(Clone)]
pub struct LiveTickets {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Memory(moka::sync::Cache<String, Caller>),
    Redis {
        conn: ConnectionManager,
        prefix: String,
    },
}

impl LiveTickets {
    pub fn in_process() -> Self {
        Self {
            backend: Backend::Memory(
                moka::sync::Cache::builder()
                    .max_capacity(1_000_000)
                    .time_to_live(TICKET_TTL)
                    .build(),
            ),
        }
    }

    pub fn redis(conn: ConnectionManager, prefix: impl Into<String>) -> Self {
        Self {
            backend: Backend::Redis {
                conn,
                prefix: prefix.into(),
            },
        }
    }

    /// A new ticket for `caller` (kept only as its hash).
    pub async fn issue(&self, caller: Caller) -> anyhow::Result<String> {
        let ticket = new_refresh_token();
        let key = refresh_token_hash(&ticket);
        match &self.backend {
            Backend::Memory(cache) => cache.insert(key, caller),
            Backend::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                redis::cmd("SET")
                    .arg(format!("{prefix}:{key}"))
                    .arg(format!("{} {}", caller.user_id, caller.role.as_str()))
                    .arg("PX")
                    .arg(TICKET_TTL.as_millis() as u64)
                    .query_async::<()>(&mut conn)
                    .await?;
            }
        }
        Ok(ticket)
    }

    /// The caller a ticket was issued to, if it is valid and unused; using it uses it up.
    pub async fn redeem(&self, ticket: &str) -> anyhow::Result<Option<Caller>> {
        if ticket.is_empty() || ticket.len() > 128 {
            return Ok(None);
        }
        let key = refresh_token_hash(ticket);
        match &self.backend {
            Backend::Memory(cache) => Ok(cache.remove(&key)),
            Backend::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let value: Option<String> = redis::cmd("GETDEL")
                    .arg(format!("{prefix}:{key}"))
                    .query_async(&mut conn)
                    .await?;
                Ok(value.and_then(|v| parse(&v)))
            }
        }
    }
}

fn parse(value: &str) -> Option<Caller> {
    let (user, role) = value.split_once(' ')?;
    Some(Caller {
        user_id: UserId::from_str(user).ok()?,
        role: Role::ALL.into_iter().find(|r| r.as_str() == role)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[tokio::test]
    async fn a_ticket_works_once() {
        let tickets = LiveTickets::in_process();
        let caller = Caller {
            user_id: UserId::from_uuid(Uuid::new_v4()),
            role: Role::Cashier,
        };
        let ticket = tickets.issue(caller).await.unwrap();
        assert_eq!(tickets.redeem(&ticket).await.unwrap(), Some(caller));
        assert_eq!(tickets.redeem(&ticket).await.unwrap(), None, "used up");
        assert_eq!(tickets.redeem("made-up").await.unwrap(), None);
        assert_eq!(tickets.redeem("").await.unwrap(), None);
    }

    #[test]
    fn stored_callers_read_back() {
        let user = UserId::from_uuid(Uuid::new_v4());
        assert_eq!(
            parse(&format!("{user} kiosk")),
            Some(Caller {
                user_id: user,
                role: Role::Kiosk
            })
        );
        assert_eq!(parse("garbage"), None);
    }
}
