//! The Redis connection of the seat ledger: one multiplexed, auto-reconnecting connection
//! shared by every request.

use redis::aio::ConnectionManager;

/// Connects to `url` (`redis://host:port[/db]`), failing fast when nothing answers.
pub async fn connect(url: &str) -> redis::RedisResult<ConnectionManager> {
    let client = redis::Client::open(url)?;
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(std::time::Duration::from_secs(3)))
        .set_response_timeout(Some(std::time::Duration::from_secs(3)))
        .set_number_of_retries(2);
    ConnectionManager::new_with_config(client, config).await
}

/// `PING`: proves the connection round-trips.
pub async fn ping(conn: &mut ConnectionManager) -> redis::RedisResult<()> {
    let pong: String = redis::cmd("PING").query_async(conn).await?;
    if pong == "PONG" {
        Ok(())
    } else {
        Err(redis::RedisError::from((
            redis::ErrorKind::UnexpectedReturnType,
            "unexpected PING answer",
            pong,
        )))
    }
}
