//! Asks a window to close the way a window manager does for Alt+F4 or its close button: a
//! `WM_DELETE_WINDOW` client message to the app's top-level windows (found by `_NET_WM_PID`),
//! on the display of `$DISPLAY`. libX11 is loaded at run time (x11-dl).

use std::ffi::CString;
use std::os::raw::{c_int, c_uchar, c_uint, c_ulong};
use std::path::Path;

use x11_dl::xlib;

/// The pid of the app process whose command line names `config_dir` (the e2e opens each app
/// instance with its own).
pub fn app_pid(config_dir: &Path) -> Option<u32> {
    let needle = config_dir.display().to_string();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
            let is_app = args
                .first()
                .is_some_and(|a| a.ends_with(b"eventory-desktop"));
            let names_dir = args.contains(&needle.as_bytes());
            (is_app && names_dir).then_some(pid)
        })
}

/// Sends `WM_DELETE_WINDOW` to every window of process `pid`; returns how many got it.
pub fn request_close(pid: u32) -> usize {
    let x = xlib::Xlib::open().expect("libX11 (apt-get install libx11-6)");
    let atom = |display, name: &str| {
        let name = CString::new(name).unwrap();
        // SAFETY: a valid display and a NUL-terminated name.
        unsafe { (x.XInternAtom)(display, name.as_ptr(), xlib::False) }
    };
    // SAFETY: plain Xlib calls on a display opened here and closed at the end; every buffer
    // Xlib returns is freed with XFree.
    unsafe {
        let display = (x.XOpenDisplay)(std::ptr::null());
        assert!(!display.is_null(), "cannot open the X display ($DISPLAY)");
        let (protocols, delete, wm_pid) = (
            atom(display, "WM_PROTOCOLS"),
            atom(display, "WM_DELETE_WINDOW"),
            atom(display, "_NET_WM_PID"),
        );
        let mut pending = vec![(x.XDefaultRootWindow)(display)];
        let mut sent = 0;
        while let Some(window) = pending.pop() {
            let (mut root, mut parent) = (0, 0);
            let mut children: *mut xlib::Window = std::ptr::null_mut();
            let mut count: c_uint = 0;
            if (x.XQueryTree)(
                display,
                window,
                &mut root,
                &mut parent,
                &mut children,
                &mut count,
            ) != 0
                && !children.is_null()
            {
                pending.extend_from_slice(std::slice::from_raw_parts(children, count as usize));
                (x.XFree)(children.cast());
            }
            let (mut kind, mut format, mut items, mut after) = (0, 0 as c_int, 0, 0);
            let mut value: *mut c_uchar = std::ptr::null_mut();
            let read = (x.XGetWindowProperty)(
                display,
                window,
                wm_pid,
                0,
                1,
                xlib::False,
                xlib::XA_CARDINAL,
                &mut kind,
                &mut format,
                &mut items,
                &mut after,
                &mut value,
            );
            if read != 0 || value.is_null() {
                continue;
            }
            let owner = if items == 1 && format == 32 {
                Some(*(value as *const c_ulong))
            } else {
                None
            };
            (x.XFree)(value.cast());
            if owner != Some(c_ulong::from(pid)) {
                continue;
            }
            let mut event: xlib::XEvent = std::mem::zeroed();
            event.client_message = xlib::XClientMessageEvent {
                type_: xlib::ClientMessage,
                serial: 0,
                send_event: xlib::True,
                display,
                window,
                message_type: protocols,
                format: 32,
                data: std::mem::zeroed(),
            };
            event.client_message.data.set_long(0, delete as i64);
            event
                .client_message
                .data
                .set_long(1, xlib::CurrentTime as i64);
            (x.XSendEvent)(display, window, xlib::False, xlib::NoEventMask, &mut event);
            sent += 1;
        }
        (x.XFlush)(display);
        (x.XCloseDisplay)(display);
        sent
    }
}
