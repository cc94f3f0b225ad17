//! The kiosk's list of the next shows (the next 24 hours), large tiles.

use chrono::{Local, Utc};
use dioxus::prelude::*;

use super::super::app::Ctx;
use super::super::bridge;
use super::super::sale_flow::dispatch;
use super::super::widgets::{local_time, ErrorBox};
use super::Step;
use crate::protocol::{GetShow, ListShows};
use crate::sale::{Sale, SaleEvent};

/// "20:45" today, "Thu 09:30" tomorrow.
fn kiosk_time(at: &chrono::DateTime<Utc>) -> String {
    let same_day = at.with_timezone(&Local).date_naive() == Local::now().date_naive();
    local_time(at, if same_day { "%H:%M" } else { "%a %H:%M" })
}

#[component]
pub fn KioskShows(step: Signal<Step>, sale: Signal<Sale>) -> Element {
    let ctx = use_context::<Ctx>();
    // The next 24 hours: today's shows, and after late evening the next morning's too.
    let shows = use_resource(move || async move {
        let now = Utc::now();
        let today = Local::now().date_naive();
        let mut list = bridge::invoke(&ListShows { date: Some(today) }).await?;
        list.extend(
            bridge::invoke(&ListShows {
                date: today.succ_opt(),
            })
            .await?,
        );
        list.retain(|s| s.starts_at > now && s.starts_at < now + chrono::Duration::hours(24));
        list.sort_by_key(|s| s.starts_at);
        list.dedup_by_key(|s| s.id);
        Ok::<_, crate::protocol::CommandError>(list)
    });
    rsx! {
        div { class: "kiosk-panel",
            h2 { "Next shows" }
            match &*shows.read() {
                None => rsx! { p { "Loading…" } },
                Some(Err(e)) => rsx! { ErrorBox { message: Some(e.friendly()) } },
                Some(Ok(list)) if list.is_empty() => rsx! { p { class: "big", "No more shows in the next 24 hours." } },
                Some(Ok(list)) => rsx! {
                    div { class: "tiles",
                        for show in list.iter().cloned() {
                            button { class: "tile", key: "{show.id}", "data-show": "{show.id}", onclick: move |_| {
                                let id = show.id;
                                spawn(async move {
                                    match bridge::invoke(&GetShow { show_id: id }).await {
                                        Ok(d) => { ctx.follow(id); dispatch(ctx, sale, SaleEvent::Reset); step.set(Step::Sale(d)); }
                                        Err(e) => sale.write().report(e.friendly()),
                                    }
                                });
                            },
                                span { class: "time", {kiosk_time(&show.starts_at)} }
                                span { class: "title", "{show.title}" }
                            }
                        }
                    }
                },
            }
        }
    }
}
