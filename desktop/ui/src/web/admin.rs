//! Admin: analytics with charts, bookings with filters (and CSV export), shows and venues, the
//! audit log.

use chrono::Local;
use dioxus::prelude::*;
use eventory_shared::{BookingStatus, Channel, Money};

use super::bridge;
use super::widgets::{local_time, ErrorBox, TopBar};
use crate::chart::{bars, bars_against, Bar};
use crate::protocol::BookingQuery;
use crate::protocol::{
    AdminAnalytics, AdminAudit, AdminBookings, AdminCreateShow, AdminCreateVenue, AdminExportCsv,
    AdminVenues,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tab {
    Analytics,
    Bookings,
    Shows,
    Audit,
}

#[component]
pub fn Admin() -> Element {
    let mut tab = use_signal(|| Tab::Analytics);
    let tab_button = move |t: Tab, id: &'static str, label: &'static str| {
        rsx! { button { class: if tab() == t { "tab active" } else { "tab" }, id: "{id}", onclick: move |_| tab.set(t), "{label}" } }
    };
    rsx! {
        TopBar { title: "Admin",
            {tab_button(Tab::Analytics, "tab-analytics", "Analytics")}
            {tab_button(Tab::Bookings, "tab-bookings", "Bookings")}
            {tab_button(Tab::Shows, "tab-shows", "Shows & venues")}
            {tab_button(Tab::Audit, "tab-audit", "Audit log")}
        }
        main { class: "admin",
            match tab() {
                Tab::Analytics => rsx! { Analytics {} },
                Tab::Bookings => rsx! { Bookings {} },
                Tab::Shows => rsx! { ShowsAndVenues {} },
                Tab::Audit => rsx! { Audit {} },
            }
        }
    }
}

#[component]
fn BarChart(title: String, bars: Vec<Bar>) -> Element {
    rsx! {
        figure { class: "chart",
            figcaption { "{title}" }
            if bars.is_empty() { p { class: "muted", "No data yet." } }
            for bar in bars {
                div { class: "bar-row", key: "{bar.label}",
                    span { class: "bar-label", "{bar.label}" }
                    span { class: "bar-track", span { class: "bar", style: "width: {bar.percent}%" } }
                    span { class: "bar-value", "{bar.value_label}" }
                }
            }
        }
    }
}

fn money(minor: i64, like: Option<Money>) -> String {
    match like {
        Some(m) => Money::new(minor, m.currency).to_string(),
        None => format!("{:.2}", minor as f64 / 100.0),
    }
}

#[component]
fn Analytics() -> Element {
    let data = use_resource(|| async { bridge::invoke(&AdminAnalytics {}).await });
    let read = data.read();
    let a = match &*read {
        None => return rsx! { p { "Loading…" } },
        Some(Err(e)) => return rsx! { ErrorBox { message: Some(e.friendly()) } },
        Some(Ok(a)) => a.clone(),
    };
    let eur = Some(Money::new(0, eventory_shared::Currency::EUR));
    let mut by_day: std::collections::BTreeMap<String, i64> = Default::default();
    let mut by_channel: std::collections::BTreeMap<String, i64> = Default::default();
    for d in &a.sales.by_day {
        *by_day.entry(d.day.clone()).or_default() += d.revenue_minor;
        *by_channel.entry(format!("{:?}", d.channel)).or_default() += d.revenue_minor;
    }
    let day_bars = bars(by_day.into_iter().map(|(d, v)| (d, v, money(v, eur))));
    let channel_bars = bars(by_channel.into_iter().map(|(c, v)| (c, v, money(v, eur))));
    let titles: std::collections::BTreeMap<_, _> = a
        .occupancy
        .iter()
        .map(|o| (o.show_id, o.title.clone()))
        .collect();
    let top_bars = bars(a.sales.by_show.iter().take(8).map(|s| {
        let name = titles
            .get(&s.show_id)
            .cloned()
            .unwrap_or_else(|| s.show_id.to_string()[..8].to_string());
        (
            name,
            s.revenue_minor,
            format!("{} · {} seats", money(s.revenue_minor, eur), s.seats),
        )
    }));
    let occupancy_bars = bars_against(
        a.occupancy.iter().take(12).map(|o| {
            let pct = (o.sold * 100).checked_div(o.capacity).unwrap_or(0) as i64;
            (
                format!(
                    "{} {}",
                    o.starts_at.with_timezone(&Local).format("%a %H:%M"),
                    o.title
                ),
                pct,
                format!("{}/{} ({pct}%)", o.sold, o.capacity),
            )
        }),
        100,
    );
    let type_bars = bars(
        a.sales
            .by_ticket_type
            .iter()
            .map(|(kind, seats)| (kind.clone(), *seats as i64, format!("{seats} seats"))),
    );
    rsx! {
        div { class: "charts", id: "analytics",
            BarChart { title: "Revenue per day", bars: day_bars }
            BarChart { title: "Revenue per channel", bars: channel_bars }
            BarChart { title: "Top shows", bars: top_bars }
            BarChart { title: "Occupancy of upcoming shows", bars: occupancy_bars }
            BarChart { title: "Seats by ticket type", bars: type_bars }
            div { class: "panel",
                h3 { "Scratch cards" }
                p { "Issued {a.rewards.issued} · revealed {a.rewards.revealed} · voided {a.rewards.voided}" }
            }
        }
    }
}

#[component]
fn Bookings() -> Element {
    let mut status = use_signal(String::new);
    let mut channel = use_signal(String::new);
    let mut days = use_signal(|| "7".to_string());
    let mut note = use_signal(|| None::<String>);
    let query = move || BookingQuery {
        show_id: None,
        status: serde_json::from_value::<BookingStatus>(serde_json::Value::String(status())).ok(),
        channel: serde_json::from_value::<Channel>(serde_json::Value::String(channel())).ok(),
        days: days().parse().ok(),
    };
    let list =
        use_resource(
            move || async move { bridge::invoke(&AdminBookings { query: query() }).await },
        );
    let export = move |_| {
        spawn(async move {
            match bridge::invoke(&AdminExportCsv { query: query() }).await {
                Ok(path) => note.set(Some(format!("Exported to {path}"))),
                Err(e) => note.set(Some(e.friendly())),
            }
        });
    };
    rsx! {
        div { class: "filters inline",
            label { "Status "
                select { id: "filter-status", onchange: move |e| status.set(e.value()),
                    option { value: "", "any" }
                    for s in ["pending", "processing", "confirmed", "cancelled", "refunded"] { option { value: "{s}", "{s}" } }
                }
            }
            label { "Channel "
                select { id: "filter-channel", onchange: move |e| channel.set(e.value()),
                    option { value: "", "any" }
                    for c in ["counter", "kiosk", "online"] { option { value: "{c}", "{c}" } }
                }
            }
            label { "Last "
                select { id: "filter-days", onchange: move |e| days.set(e.value()),
                    for d in ["1", "7", "30", "365"] { option { value: "{d}", selected: days() == d, "{d} days" } }
                }
            }
            button { class: "secondary", id: "export-csv", onclick: export, "Export CSV" }
        }
        if let Some(n) = note() { p { class: "muted", "{n}" } }
        match &*list.read() {
            None => rsx! { p { "Loading…" } },
            Some(Err(e)) => rsx! { ErrorBox { message: Some(e.friendly()) } },
            Some(Ok(bookings)) => rsx! {
                p { class: "muted", "{bookings.len()} booking(s)" }
                table { id: "bookings-table",
                    thead { tr { th { "When" } th { "Code" } th { "Seats" } th { "Amount" } th { "Channel" } th { "Payment" } th { "Status" } } }
                    tbody {
                        for b in bookings.iter() {
                            tr { key: "{b.id}",
                                td { {local_time(&b.created_at, "%d %b %H:%M")} }
                                td { "{b.code}" }
                                td { "{b.seats.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(\" \")}" }
                                td { "{b.amount}" } td { "{b.channel:?}" } td { "{b.payment_method:?}" } td { "{b.status:?}" }
                            }
                        }
                    }
                }
            },
        }
    }
}

#[component]
fn ShowsAndVenues() -> Element {
    let mut venues = use_resource(|| async { bridge::invoke(&AdminVenues {}).await });
    let mut analytics = use_resource(|| async { bridge::invoke(&AdminAnalytics {}).await });
    rsx! {
        if let Some(Ok(list)) = &*venues.read() {
            NewShow { venues: list.clone(), on_created: move |_| analytics.restart() }
        }
        div { class: "two-col",
            div { class: "panel",
                h3 { "Upcoming shows" }
                match &*analytics.read() {
                    None => rsx! { p { "Loading…" } },
                    Some(Err(e)) => rsx! { ErrorBox { message: Some(e.friendly()) } },
                    Some(Ok(a)) => rsx! {
                        table {
                            thead { tr { th { "Starts" } th { "Title" } th { "Sold" } th { "Capacity" } th {} } }
                            tbody {
                                for o in a.occupancy.iter() {
                                    tr { key: "{o.show_id}",
                                        td { {local_time(&o.starts_at, "%a %d %b %H:%M")} }
                                        td { "{o.title}" } td { "{o.sold}" } td { "{o.capacity}" }
                                        td { super::show_cancel::CancelShow { show_id: o.show_id, title: o.title.clone(), on_done: move |_| {} } }
                                    }
                                }
                            }
                        }
                    },
                }
            }
            div { class: "panel",
                h3 { "Venues" }
                match &*venues.read() {
                    None => rsx! { p { "Loading…" } },
                    Some(Err(e)) => rsx! { ErrorBox { message: Some(e.friendly()) } },
                    Some(Ok(list)) => rsx! {
                        ul {
                            for v in list.iter() {
                                li { key: "{v.id}",
                                    strong { "{v.name}" }
                                    " — {v.layout.rows.len()} rows, {v.layout.capacity()} seats; categories: {v.layout.categories.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join(\", \")}"
                                }
                            }
                        }
                    },
                }
                NewVenue { on_created: move |_| venues.restart() }
                p { class: "muted small", "Layout edits (gaps, accessible seats, categories) go through PUT /api/admin/venues; every change is audited." }
            }
        }
    }
}

#[component]
fn NewShow(venues: Vec<eventory_shared::Venue>, on_created: EventHandler<()>) -> Element {
    let mut venue_index = use_signal(|| 0usize);
    let mut form = use_signal(crate::admin_forms::ShowForm::default);
    let mut message = use_signal(|| None::<(bool, String)>);
    let Some(venue) = venues.get(venue_index()).cloned() else {
        return rsx! { p { class: "muted", "Create a venue first." } };
    };
    if form.read().prices.len() != venue.layout.categories.len() {
        form.write().prices = vec![String::new(); venue.layout.categories.len()];
    }
    let categories = venue.layout.categories.clone();
    let create = move |e: FormEvent| {
        e.prevent_default();
        let built = crate::admin_forms::show_request(
            &form.read(),
            &venue,
            eventory_shared::Currency::EUR,
            chrono::Utc::now(),
            |naive| {
                naive
                    .and_local_timezone(Local)
                    .single()
                    .map(|t| t.with_timezone(&chrono::Utc))
            },
        );
        match built {
            Err(why) => message.set(Some((false, why))),
            Ok(request) => {
                spawn(async move {
                    match bridge::invoke(&AdminCreateShow { show: request }).await {
                        Ok(show) => {
                            message.set(Some((
                                true,
                                format!("Created “{}”, on sale now.", show.title),
                            )));
                            form.set(Default::default());
                            on_created.call(());
                        }
                        Err(e) => message.set(Some((false, e.friendly()))),
                    }
                });
            }
        }
    };
    rsx! {
        form { class: "panel", id: "new-show", onsubmit: create,
            h3 { "New show" }
            div { class: "inline",
                label { "Venue "
                    select { id: "new-show-venue", onchange: move |e| venue_index.set(e.value().parse().unwrap_or(0)),
                        for (i, v) in venues.iter().enumerate() { option { key: "{v.id}", value: "{i}", selected: i == venue_index(), "{v.name}" } }
                    }
                }
                label { "Title " input { id: "new-show-title", value: "{form.read().title}", oninput: move |e| form.write().title = e.value() } }
                label { "Date " input { id: "new-show-date", r#type: "date", value: "{form.read().date}", oninput: move |e| form.write().date = e.value() } }
                label { "Starts " input { id: "new-show-time", r#type: "time", value: "{form.read().time}", oninput: move |e| form.write().time = e.value() } }
                for (i, c) in categories.iter().enumerate() {
                    label { key: "{c.id.as_str()}", "{c.name} (EUR) "
                        input { class: "price", id: "price-{i}", inputmode: "decimal", value: "{form.read().prices.get(i).cloned().unwrap_or_default()}",
                            oninput: move |e| { if let Some(p) = form.write().prices.get_mut(i) { *p = e.value(); } } }
                    }
                }
                button { r#type: "submit", class: "primary", id: "create-show", "Create show" }
            }
            if let Some((ok, text)) = message() {
                p { class: if ok { "ok" } else { "error-box" }, id: "new-show-message", "{text}" }
            }
        }
    }
}

#[component]
fn NewVenue(on_created: EventHandler<()>) -> Element {
    let mut name = use_signal(String::new);
    let mut rows = use_signal(|| "10".to_string());
    let mut per_row = use_signal(|| "20".to_string());
    let mut aisle = use_signal(|| "10".to_string());
    let mut message = use_signal(|| None::<(bool, String)>);
    let create = move |e: FormEvent| {
        e.prevent_default();
        match crate::admin_forms::venue_request(
            &name.read(),
            &rows.read(),
            &per_row.read(),
            &aisle.read(),
        ) {
            Err(why) => message.set(Some((false, why))),
            Ok(request) => {
                spawn(async move {
                    match bridge::invoke(&AdminCreateVenue { venue: request }).await {
                        Ok(v) => {
                            message.set(Some((
                                true,
                                format!("Created {} ({} seats).", v.name, v.layout.capacity()),
                            )));
                            name.set(String::new());
                            on_created.call(());
                        }
                        Err(e) => message.set(Some((false, e.friendly()))),
                    }
                });
            }
        }
    };
    rsx! {
        form { class: "new-venue", onsubmit: create,
            h4 { "New venue" }
            div { class: "inline",
                label { "Name " input { id: "new-venue-name", value: "{name}", oninput: move |e| name.set(e.value()) } }
                label { "Rows " input { class: "num", value: "{rows}", oninput: move |e| rows.set(e.value()) } }
                label { "Seats/row " input { class: "num", value: "{per_row}", oninput: move |e| per_row.set(e.value()) } }
                label { "Aisle every " input { class: "num", value: "{aisle}", oninput: move |e| aisle.set(e.value()) } }
                button { r#type: "submit", class: "secondary", "Create venue" }
            }
            if let Some((ok, text)) = message() {
                p { class: if ok { "ok" } else { "error-box" }, "{text}" }
            }
        }
    }
}

#[component]
fn Audit() -> Element {
    let log = use_resource(|| async { bridge::invoke(&AdminAudit {}).await });
    rsx! {
        match &*log.read() {
            None => rsx! { p { "Loading…" } },
            Some(Err(e)) => rsx! { ErrorBox { message: Some(e.friendly()) } },
            Some(Ok(entries)) => rsx! {
                table { id: "audit-table",
                    thead { tr { th { "When" } th { "Who" } th { "Action" } th { "Subject" } th { "Detail" } } }
                    tbody {
                        for (i, a) in entries.iter().enumerate() {
                            tr { key: "{i}",
                                td { {local_time(&a.at, "%d %b %H:%M:%S")} }
                                td { "{a.actor.map(|u| u.to_string()[..8].to_string()).unwrap_or_else(|| \"system\".into())}" }
                                td { "{a.action}" } td { "{a.subject}" } td { "{a.detail}" }
                            }
                        }
                    }
                }
            },
        }
    }
}
