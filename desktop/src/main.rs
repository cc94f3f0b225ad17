//! Until the Tauri shell lands: a small command-line check of the native side against a server
//! (`eventory-desktop <server-url> <email> <password>` signs in and lists today's shows).

use eventory_desktop::client::ApiClient;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, email, password] = args.as_slice() else {
        eprintln!("usage: eventory-desktop <server-url> <email> <password>");
        return std::process::ExitCode::from(2);
    };
    let client = match ApiClient::new(url) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    let result = async {
        let me = client.sign_in(email, password).await?;
        println!("signed in as {} ({})", me.email, me.role);
        for show in client.shows(Some(chrono::Utc::now().date_naive())).await? {
            println!(
                "{}  {}  {}",
                show.starts_at.format("%H:%M"),
                show.id,
                show.title
            );
        }
        Ok::<(), eventory_desktop::client::ClientError>(())
    }
    .await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}
