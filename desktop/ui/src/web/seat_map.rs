//! The live seat map: a seat per button, readable without colour (each state has a pattern and
//! a mark), driven by click, touch or keyboard (arrows move, space/enter selects).

use dioxus::prelude::*;
use eventory_shared::{SeatId, SeatState};

use super::app::Ctx;
use crate::selection::Move;

fn state_class(state: SeatState) -> &'static str {
    match state {
        SeatState::Available => "available",
        SeatState::Held => "held",
        SeatState::Processing => "processing",
        SeatState::Sold => "sold",
    }
}

fn state_mark(state: SeatState) -> &'static str {
    match state {
        SeatState::Available => "",
        SeatState::Held => "H",
        SeatState::Processing => "…",
        SeatState::Sold => "✕",
    }
}

#[component]
pub fn SeatMapView(large: bool, locked: bool) -> Element {
    let ctx = use_context::<Ctx>();
    let mut selection = ctx.selection;
    let live = ctx.live.read();
    let Some(live) = live.as_ref() else {
        return rsx! { div { class: "muted", "Pick a show." } };
    };
    let stale = live.is_stale();
    let Some(map) = live.map() else {
        return rsx! { div { class: "seatmap-wrap stale", div { class: "muted", "Loading the seat map…" } } };
    };
    let cursor = selection.read().cursor().cloned();
    let categories = map.layout.categories.clone();
    // Each price category's seats carry its mark (premium rows look different), up to four.
    let category_class: std::collections::BTreeMap<_, String> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), format!("cat-{}", i.min(3))))
        .collect();
    let category_name: std::collections::BTreeMap<_, String> = categories
        .iter()
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect();
    let cancelled = live.is_cancelled();
    let interactive = !stale && !locked && !cancelled;
    let keymap = map.clone();
    let onkeydown = move |e: KeyboardEvent| {
        if !interactive {
            return;
        }
        let step = match e.key() {
            Key::ArrowLeft => Some(Move::Left),
            Key::ArrowRight => Some(Move::Right),
            Key::ArrowUp => Some(Move::Up),
            Key::ArrowDown => Some(Move::Down),
            _ => None,
        };
        if let Some(step) = step {
            e.prevent_default();
            selection.write().move_cursor(&keymap, step);
            return;
        }
        let toggle = matches!(e.key(), Key::Enter) || e.key() == Key::Character(" ".into());
        if toggle {
            e.prevent_default();
            let seat = selection.read().cursor().cloned();
            if let Some(seat) = seat {
                selection.write().toggle(&keymap, &seat);
            }
        }
    };
    // The kiosk sizes its seats to the screen: the grid's columns and rows as CSS variables.
    let columns = map
        .layout
        .rows
        .iter()
        .flat_map(|r| r.seats.iter().map(|s| s.column + 1))
        .max()
        .unwrap_or(1);
    let grid = format!("--cols: {columns}; --rows: {};", map.layout.rows.len());
    let wrap_class = format!(
        "seatmap-wrap{}{}",
        if stale { " stale" } else { "" },
        if large { " large" } else { "" }
    );
    rsx! {
        div { class: "{wrap_class}", id: "seatmap", tabindex: "0", onkeydown, style: "{grid}",
            "aria-label": "Seat map. Arrow keys move, space selects.",
            if cancelled {
                div { class: "cancelled-note", role: "alert", id: "show-cancelled", "This show was cancelled: nothing more is sold, its tickets are being refunded." }
            } else if stale {
                div { class: "stale-note", role: "status", "Re-syncing — the map is not current" }
            }
            div { class: "screen-label", "SCREEN" }
            for row in map.layout.rows.iter() {
                div { class: "row", key: "{row.label}",
                    span { class: "row-label", "{row.label}" }
                    {
                        let mut next_column = 0u16;
                        let cursor = cursor.clone();
                        let (category_class, category_name) = (category_class.clone(), category_name.clone());
                        row.seats.iter().map(move |spec| {
                            let gap = spec.column.saturating_sub(next_column);
                            next_column = spec.column + 1;
                            let id: SeatId = format!("{}{}", row.label, spec.number).parse().expect("layout seats parse");
                            let state = map.state(&id);
                            let selected = selection.read().is_selected(&id);
                            let is_cursor = cursor.as_ref() == Some(&id);
                            let class = format!(
                                "seat {} {}{}{}{}",
                                state_class(state),
                                category_class.get(&spec.category).map_or("cat-0", String::as_str),
                                if selected { " selected" } else { "" },
                                if is_cursor { " cursor" } else { "" },
                                if spec.accessible { " accessible" } else { "" },
                            );
                            let mark = if selected { "✓" } else { state_mark(state) };
                            let title = format!(
                                "{id} — {state}, {}{}",
                                category_name.get(&spec.category).map_or("", String::as_str),
                                if spec.accessible { ", accessible" } else { "" }
                            );
                            let click_map = map.clone();
                            let click_id = id.clone();
                            let label = id.to_string();
                            rsx! {
                                for _ in 0..gap { span { class: "gap" } }
                                button {
                                    class: "{class}",
                                    "data-seat": "{label}",
                                    "data-state": "{state}",
                                    title: "{title}",
                                    disabled: !interactive || (state != SeatState::Available && !selected),
                                    onclick: move |_| { selection.write().toggle(&click_map, &click_id); },
                                    span { class: "num", "{spec.number}" }
                                    span { class: "mark", "{mark}" }
                                }
                            }
                        })
                    }
                }
            }
            div { class: "legend",
                span { class: "seat available demo", span { class: "num", "1" } } " available "
                span { class: "seat selected demo", span { class: "mark", "✓" } } " selected "
                span { class: "seat held demo", span { class: "mark", "H" } } " held "
                span { class: "seat processing demo", span { class: "mark", "…" } } " paying "
                span { class: "seat sold demo", span { class: "mark", "✕" } } " sold "
                for (i, c) in categories.iter().enumerate() {
                    span { class: "seat available demo cat-{i.min(3)}", key: "{c.id.as_str()}", span { class: "num", "1" } }
                    span { class: "cat", " {c.name} " }
                }
            }
        }
    }
}
