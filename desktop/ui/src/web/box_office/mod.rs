//! Box office (cashier): today's shows, the live map, hold with a countdown, cash or card,
//! tickets; find a booking by code to refund, exchange or reprint; the end-of-shift report.
//! The sale itself is a [`crate::sale::Sale`], driven by the sale panel.

mod find_panel;
mod sale_panel;
mod shift_panel;

use chrono::{Duration, Local};
use dioxus::prelude::*;
use eventory_shared::api::ShowDetail;
use eventory_shared::Show;

use super::app::Ctx;
use super::bridge;
use super::sale_flow::follow_live;
use super::seat_map::SeatMapView;
use super::widgets::{local_time, ErrorBox, TopBar};
use crate::protocol::{GetShow, ListShows};
use crate::sale::{Sale, SaleKind};
use find_panel::FindPanel;
use sale_panel::SalePanel;
use shift_panel::ShiftPanel;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Panel {
    Sell,
    Find,
    Shift,
}

#[component]
pub fn BoxOffice() -> Element {
    let ctx = use_context::<Ctx>();
    let mut panel = use_signal(|| Panel::Sell);
    let mut day = use_signal(|| Local::now().date_naive());
    let mut detail = use_signal(|| None::<ShowDetail>);
    let mut sale = use_signal(|| Sale::new(SaleKind::Counter));
    let shows =
        use_resource(move || async move { bridge::invoke(&ListShows { date: Some(day()) }).await });
    follow_live(ctx, sale);

    let mut pick_show = move |show: Show| {
        sale.write().clear_error();
        spawn(async move {
            match bridge::invoke(&GetShow { show_id: show.id }).await {
                Ok(d) => {
                    ctx.follow(d.show.id);
                    detail.set(Some(d));
                }
                Err(e) => sale.write().report(e.friendly()),
            }
        });
    };
    let today = Local::now().date_naive();
    let selected_show = detail.read().as_ref().map(|d| d.show.id);
    rsx! {
        TopBar { title: "Box office",
            button { class: if panel() == Panel::Sell { "tab active" } else { "tab" }, id: "tab-sell", onclick: move |_| panel.set(Panel::Sell), "Sell" }
            button { class: if panel() == Panel::Find { "tab active" } else { "tab" }, id: "tab-find", onclick: move |_| panel.set(Panel::Find), "Find booking" }
            button { class: if panel() == Panel::Shift { "tab active" } else { "tab" }, id: "tab-shift", onclick: move |_| panel.set(Panel::Shift), "End of shift" }
        }
        div { class: "layout",
            aside { class: "shows",
                div { class: "days",
                    for offset in 0..3i64 {
                        {
                            let d = today + Duration::days(offset);
                            let label = match offset { 0 => "Today".to_string(), 1 => "Tomorrow".to_string(), _ => d.format("%a %d").to_string() };
                            rsx! { button { key: "{d}", class: if day() == d { "day active" } else { "day" }, onclick: move |_| day.set(d), "{label}" } }
                        }
                    }
                }
                match &*shows.read() {
                    None => rsx! { p { class: "muted", "Loading shows…" } },
                    Some(Err(e)) => rsx! { ErrorBox { message: Some(e.friendly()) } },
                    Some(Ok(list)) if list.is_empty() => rsx! { p { class: "muted", "No shows on {day}." } },
                    Some(Ok(list)) => rsx! {
                        ul { class: "show-list",
                            for show in list.iter().cloned() {
                                li { key: "{show.id}",
                                    button {
                                        class: if selected_show == Some(show.id) { "show active" } else { "show" },
                                        "data-show": "{show.id}",
                                        onclick: move |_| pick_show(show.clone()),
                                        span { class: "time", {local_time(&show.starts_at, "%H:%M")} }
                                        span { class: "title", "{show.title}" }
                                    }
                                }
                            }
                        }
                    },
                }
            }
            section { class: "map",
                if let Some(d) = detail() {
                    h2 { "{d.show.title} " span { class: "muted", "{d.venue_name} · " {local_time(&d.show.starts_at, "%a %d %b %H:%M")} } }
                }
                SeatMapView { large: false, locked: !sale.read().is_selecting() }
            }
            aside { class: "side",
                ErrorBox { message: sale.read().error().map(str::to_owned) }
                match panel() {
                    Panel::Sell => rsx! { SalePanel { detail: detail(), sale } },
                    Panel::Find => rsx! { FindPanel { sale } },
                    Panel::Shift => rsx! { ShiftPanel {} },
                }
            }
        }
    }
}
