//! Rate limits: a fixed window per key (an account, a client address, an email, a pair of
//! them). With Redis the counters are shared by every instance (INCR + PEXPIRE in one
//! transaction) — the reason this is not `governor`, whose state lives in one process; without
//! Redis they live in this process, in a bounded map.
//!
//! Three ways to count: [`RateLimiter::allow`] counts every attempt (floods);
//! [`RateLimiter::is_blocked`] + [`RateLimiter::record`] count only what went wrong (wrong
//! passwords), so attempts that are refused anyway do not stretch a lockout; and
//! [`RateLimiter::used_up`] + [`RateLimiter::count_done`] count only what was done (holds that
//! took seats) and remember locally which keys are used up, so the hot path (a hold refused
//! because the seat is taken) costs no round-trip to Redis.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

/// Attempts allowed per key and window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub attempts: u32,
    pub window: Duration,
}

impl Limit {
    pub const fn per_minute(attempts: u32) -> Self {
        Limit {
            attempts,
            window: Duration::from_secs(60),
        }
    }

    pub const fn per_hour(attempts: u32) -> Self {
        Limit {
            attempts,
            window: Duration::from_secs(3600),
        }
    }
}

/// Where counters live: this process, or a Redis shared by every instance.
#[derive(Clone)]
pub enum Counters {
    InProcess,
    Redis {
        conn: ConnectionManager,
        prefix: String,
    },
}

impl Counters {
    /// A limiter of `limit` whose keys are put under `name` (so limiters never share a counter).
    pub fn limiter(&self, name: &str, limit: Limit) -> RateLimiter {
        let backend = match self {
            Counters::InProcess => Backend::Memory(Arc::new(Mutex::new(HashMap::new()))),
            Counters::Redis { conn, prefix } => Backend::Redis {
                conn: conn.clone(),
                prefix: format!("{prefix}:{name}"),
            },
        };
        RateLimiter {
            limit,
            backend,
            used_up: moka::sync::Cache::builder()
                .max_capacity(MEMORY_KEYS as u64)
                .time_to_live(limit.window)
                .build(),
        }
    }
}

/// Counts attempts per key.
#[derive(Clone)]
pub struct RateLimiter {
    limit: Limit,
    backend: Backend,
    /// Keys that used up their window (for [`RateLimiter::used_up`]), forgotten after it.
    used_up: moka::sync::Cache<String, ()>,
}

/// Most keys the in-process map keeps before it drops those whose window has passed.
const MEMORY_KEYS: usize = 100_000;

#[derive(Clone)]
enum Backend {
    Memory(Arc<Mutex<HashMap<String, (Instant, u32)>>>),
    Redis {
        conn: ConnectionManager,
        prefix: String,
    },
}

impl RateLimiter {
    pub fn in_process(limit: Limit) -> Self {
        Counters::InProcess.limiter("", limit)
    }

    /// Counts one attempt for `key`; `false` when the key is over its limit for this window.
    /// A Redis failure lets the attempt through (logged): an outage must not lock everyone out.
    pub async fn allow(&self, key: &str) -> bool {
        self.add(key).await <= self.limit.attempts
    }

    /// Counts one attempt for `key` (a failure, for [`RateLimiter::is_blocked`]).
    pub async fn record(&self, key: &str) {
        self.add(key).await;
    }

    /// Whether `key` has used up its attempts of this window, without counting one.
    pub async fn is_blocked(&self, key: &str) -> bool {
        self.count(key).await >= self.limit.attempts
    }

    /// Whether `key` used up its window, as far as this process saw: no round-trip.
    pub fn used_up(&self, key: &str) -> bool {
        self.used_up.contains_key(key)
    }

    /// Counts one thing done for `key`; once the window's count reaches the limit, the key is
    /// [`RateLimiter::used_up`] here until the window has passed.
    pub async fn count_done(&self, key: &str) {
        if self.add(key).await >= self.limit.attempts {
            self.used_up.insert(key.to_owned(), ());
        }
    }

    async fn add(&self, key: &str) -> u32 {
        match &self.backend {
            Backend::Memory(counters) => {
                let now = Instant::now();
                let mut counters = counters.lock().expect("rate limit lock");
                if counters.len() >= MEMORY_KEYS {
                    counters.retain(|_, (start, _)| now.duration_since(*start) < self.limit.window);
                }
                let entry = counters.entry(key.to_owned()).or_insert((now, 0));
                if now.duration_since(entry.0) >= self.limit.window {
                    *entry = (now, 0);
                }
                entry.1 = entry.1.saturating_add(1);
                entry.1
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
                result.map(|(count, ())| count).unwrap_or_else(|e| {
                    tracing::warn!("rate limit count failed, allowing: {e}");
                    0
                })
            }
        }
    }

    async fn count(&self, key: &str) -> u32 {
        match &self.backend {
            Backend::Memory(counters) => {
                let counters = counters.lock().expect("rate limit lock");
                counters
                    .get(key)
                    .filter(|(start, _)| start.elapsed() < self.limit.window)
                    .map_or(0, |(_, n)| *n)
            }
            Backend::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let result: redis::RedisResult<Option<u32>> = redis::cmd("GET")
                    .arg(format!("{prefix}:{key}"))
                    .query_async(&mut conn)
                    .await;
                result.map(Option::unwrap_or_default).unwrap_or_else(|e| {
                    tracing::warn!("rate limit read failed, allowing: {e}");
                    0
                })
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

    #[tokio::test]
    async fn failures_block_only_once_recorded() {
        let limiter = RateLimiter::in_process(Limit::per_minute(2));
        assert!(!limiter.is_blocked("pair").await);
        assert!(!limiter.is_blocked("pair").await, "looking does not count");
        limiter.record("pair").await;
        assert!(!limiter.is_blocked("pair").await);
        limiter.record("pair").await;
        assert!(limiter.is_blocked("pair").await);
        assert!(!limiter.is_blocked("other").await);
    }

    #[tokio::test]
    async fn what_was_done_uses_up_the_window() {
        let limiter = RateLimiter::in_process(Limit::per_minute(2));
        assert!(!limiter.used_up("alice"));
        limiter.count_done("alice").await;
        assert!(!limiter.used_up("alice"));
        limiter.count_done("alice").await;
        assert!(limiter.used_up("alice"), "two done: the window is used up");
        assert!(!limiter.used_up("bob"));
    }

    #[tokio::test]
    async fn limiters_of_one_backend_do_not_share_counters() {
        let counters = Counters::InProcess;
        let a = counters.limiter("a", Limit::per_minute(1));
        let b = counters.limiter("b", Limit::per_minute(1));
        assert!(a.allow("k").await);
        assert!(b.allow("k").await);
        assert!(!a.allow("k").await);
    }
}
