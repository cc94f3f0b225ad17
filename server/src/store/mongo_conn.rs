//! The MongoDB connection of the store.

use std::time::Duration;

use mongodb::bson::doc;
use mongodb::options::ClientOptions;
use mongodb::{Client, Database};

/// Opens a client for `uri` and picks `database`. The driver connects lazily; call [`ping`]
/// to prove the server answers.
pub async fn connect(uri: &str, database: &str) -> mongodb::error::Result<Database> {
    let mut options = ClientOptions::parse(uri).await?;
    options.app_name = Some("eventory-server".to_owned());
    options.server_selection_timeout = Some(Duration::from_secs(3));
    options.connect_timeout = Some(Duration::from_secs(3));
    Ok(Client::with_options(options)?.database(database))
}

/// `{ping: 1}` against the database.
pub async fn ping(db: &Database) -> mongodb::error::Result<()> {
    db.run_command(doc! { "ping": 1 }).await.map(|_| ())
}
