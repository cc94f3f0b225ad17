//! Placeholder for the Tauri/Dioxus desktop app (see the desktop issue). It exists so the
//! workspace has its final shape and the shared crate is already consumed by a second crate.

fn main() {
    let role = eventory_shared::Role::Cashier;
    println!("eventory-desktop is not built yet; it will start in {role} mode for cashiers");
}
