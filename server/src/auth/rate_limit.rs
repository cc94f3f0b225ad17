//! Sign-in rate limits: a fixed window per account and per client address, so neither a
//! password-guessing run against one account nor one address spraying many accounts gets
//! far. With Redis the counters are shared by every instance (INCR + PEXPIRE); without it they
//! live in this process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

/// Attempts allowed per key and window.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub attempts: u32,
    pub window: Duration,
}

/// Counts attempts per key.
pub struct RateLimiter {
    limit: Limit,
    backend: Backend,
}

enum Backend {
    Memory(Mutex<HashMap<String, (Instant, u32)>>),
    Redis {
        conn: ConnectionManager,
        prefix: String,
    },
}

impl RateLimiter {
    pub fn in_process(limit: Limit) -> Self {
        Self {
            limit,
            backend: Backend::Memory(Mutex::new(HashMap::new())),
        }
    }

    pub fn redis(limit: Limit, conn: ConnectionManager, prefix: impl Into<String>) -> Self {
        Self {
            limit,
            backend: Backend::Redis {
                conn,
                prefix: prefix.into(),
            },
        }
    }

    /// Counts one attempt for `key`; `false` when the key is over its limit for this window.
    /// A Redis failure lets the attempt through (logged): an outage must not lock everyone out.
    pub async fn allow(&self, key: &str) -> bool {
        match &self.backend {
            Backend::Memory(counters) => {
                let now = Instant::now();
                let mut counters = counters.lock().expect("rate limit lock");
                if counters.len() > 100_000 {
                    counters.retain(|_, (start, _)| now.duration_since(*start) < self.limit.window);
                }
                let entry = counters.entry(key.to_owned()).or_insert((now, 0));
                if now.duration_since(entry.0) >= self.limit.window {
                    *entry = (now, 0);
                }
                entry.1 += 1;
                entry.1 <= self.limit.attempts
            }
            Backend::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let key = format!("{prefix}:{key}");
                let result: redis::RedisResult<(u32, ())> = redis::pipe()
                    .atomic()
                    .incr(&key, 1u32)
                    .cmd("PEXPIRE")
                    .arg(&key)
                    .arg(self.limit.window.as_millis() as u64)
                    .arg("NX")
                    .query_async(&mut conn)
                    .await;
                match result {
                    Ok((count, ())) => count <= self.limit.attempts,
                    Err(e) => {
                        tracing::warn!("rate limit check failed, allowing: {e}");
                        true
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_per_key_within_the_window() {
        let limiter = RateLimiter::in_process(Limit {
            attempts: 3,
            window: Duration::from_millis(100),
        });
        for _ in 0..3 {
            assert!(limiter.allow("a").await);
        }
        assert!(!limiter.allow("a").await);
        assert!(limiter.allow("b").await, "keys are independent");
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert!(limiter.allow("a").await, "a new window");
    }
}
