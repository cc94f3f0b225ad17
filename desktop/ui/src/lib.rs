//! State logic of the Eventory desktop UI, free of any window or webview so it is tested
//! natively: the live seat map a screen shows, seat selection, best-available picks and the
//! hold countdown.

pub mod best_available;
pub mod countdown;
pub mod live_map;
pub mod selection;
