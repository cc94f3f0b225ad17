//! "Customer" on a sale: the member QR scanned (a scanner types it and presses Enter), a
//! member code or, at the counter, an email typed; the customer found earns the sale's points
//! and scratch card. Without one, nobody earns points and the tickets carry a claim code.

use dioxus::prelude::*;

use super::bridge;
use super::widgets::ErrorBox;
use crate::protocol::LookupCustomer;
use crate::sale::Sale;

#[component]
pub fn CustomerBox(sale: Signal<Sale>, kiosk: bool) -> Element {
    let mut typed = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let attached = sale.read().customer().cloned();
    let find = move |e: FormEvent| {
        e.prevent_default();
        let query = typed.read().trim().to_owned();
        if busy() || query.is_empty() {
            return;
        }
        busy.set(true);
        spawn(async move {
            match bridge::invoke(&LookupCustomer { query }).await {
                Ok(customer) => {
                    sale.write().attach_customer(Some(customer));
                    typed.set(String::new());
                    error.set(None);
                }
                Err(e) => error.set(Some(e.friendly())),
            }
            busy.set(false);
        });
    };
    let (label, hint) = match kiosk {
        true => (
            "Member? Scan your QR code (optional)",
            "Scan the QR code of your Eventory account",
        ),
        false => ("Customer", "Scan member QR, or type member code or email"),
    };
    rsx! {
        div { class: "customer", id: "customer-box",
            match attached {
                Some(customer) => {
                    let using = sale.read().coupon().map(|c| c.code.clone());
                    rsx! {
                        p { id: "customer-attached",
                            "Customer: " strong { "{customer.display_name}" } " · {customer.points} points"
                            button { class: "link", id: "customer-remove", onclick: move |_| sale.write().attach_customer(None), "Remove" }
                        }
                        for coupon in customer.coupons.iter().cloned() {
                            label { class: "check coupon", key: "{coupon.code}",
                                input { r#type: "checkbox", "data-coupon": "{coupon.code}", checked: using.as_deref() == Some(coupon.code.as_str()),
                                    onchange: move |e| sale.write().use_coupon(e.checked().then(|| coupon.clone())) }
                                " Use coupon {coupon.code} ({coupon.percent_off} % off)"
                            }
                        }
                    }
                }
                None => rsx! {
                    form { class: "inline", onsubmit: find,
                        label { "{label} "
                            input { id: "customer-scan", placeholder: "{hint}", autocomplete: "off", value: "{typed}", oninput: move |e| typed.set(e.value()) }
                        }
                        button { r#type: "submit", class: "secondary", id: "customer-find", disabled: busy(), "Find" }
                    }
                    if !kiosk { p { class: "muted small", "No customer: no points, and the scratch card's claim code is printed on the tickets." } }
                },
            }
            ErrorBox { message: error() }
        }
    }
}
