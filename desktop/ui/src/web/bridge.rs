//! The screens' only way out: Tauri commands (`window.__TAURI__.core.invoke`) and the live
//! event (`window.__TAURI__.event.listen`). Values cross as JSON, typed on both sides by the
//! shared crate and [`crate::protocol`]: [`invoke`] takes any request of a
//! [`Command`] and answers its response type.

use futures::channel::mpsc::UnboundedSender;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::protocol::{Command, CommandError, LiveUpdate, LIVE_EVENT, REQUEST_ARG};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    async fn tauri_listen(
        event: &str,
        handler: &Closure<dyn FnMut(JsValue)>,
    ) -> Result<JsValue, JsValue>;
}

fn to_js<A: Serialize>(value: &A) -> JsValue {
    let text = serde_json::to_string(value).expect("command arguments serialise");
    js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL)
}

fn from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    if value.is_undefined() || value.is_null() {
        return serde_json::from_str("null").map_err(|e| e.to_string());
    }
    let text: String = js_sys::JSON::stringify(value)
        .map_err(|e| format!("{e:?}"))?
        .into();
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Calls the command `request` is the request of; its error arrives as a [`CommandError`].
pub async fn invoke<C: Command>(request: &C) -> Result<C::Response, CommandError> {
    let name = C::NAME;
    let mut args = serde_json::Map::new();
    args.insert(
        REQUEST_ARG.to_owned(),
        serde_json::to_value(request).expect("command requests serialise"),
    );
    let args = to_js(&args);
    match tauri_invoke(name, args).await {
        Ok(value) => from_js(&value)
            .map_err(|e| CommandError::local(format!("unexpected answer to {name}: {e}"))),
        Err(error) => Err(from_js::<CommandError>(&error).unwrap_or_else(|_| {
            CommandError::local(
                error
                    .as_string()
                    .unwrap_or_else(|| format!("{name} failed: {error:?}")),
            )
        })),
    }
}

/// Forwards every live update to `sink` for the life of the app.
pub async fn listen_live(sink: UnboundedSender<LiveUpdate>) -> Result<(), CommandError> {
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let payload =
            js_sys::Reflect::get(&event, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
        if let Ok(update) = from_js::<LiveUpdate>(&payload) {
            let _ = sink.unbounded_send(update);
        }
    });
    tauri_listen(LIVE_EVENT, &handler)
        .await
        .map_err(|e| CommandError::local(format!("cannot listen to the live feed: {e:?}")))?;
    handler.forget(); // lives as long as the window
    Ok(())
}

/// Calls `on_event` each time the native side emits `event` (a payload-less signal) for the
/// life of the app.
pub async fn listen_signal(
    event: &'static str,
    mut on_event: impl FnMut() + 'static,
) -> Result<(), CommandError> {
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| on_event());
    tauri_listen(event, &handler)
        .await
        .map_err(|e| CommandError::local(format!("cannot listen to {event}: {e:?}")))?;
    handler.forget(); // lives as long as the window
    Ok(())
}
