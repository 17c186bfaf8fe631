//! Prefaulting off the hot path: one background thread faults in (MADV_POPULATE_WRITE) the reserved
//! pages ahead of each writer, so an append through a mapping copies into pages that are already
//! mapped instead of taking a page fault per 4 KiB.
//!
//! Requests hold an `Arc` of their mapping, so a mapping cannot be unmapped under the thread. The
//! queue is bounded: when the thread falls behind, requests are dropped and writers fault pages in
//! themselves, which is slower but correct.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, OnceLock};
use std::thread;

use crate::log::mmap::Mapping;

const QUEUE_DEPTH: usize = 1024;

struct Request {
    mapping: Arc<Mapping>,
    position: usize,
    len: usize,
}

/// Set when the kernel lacks MADV_POPULATE_WRITE (before Linux 5.14): asking again is pointless.
static UNSUPPORTED: AtomicBool = AtomicBool::new(false);

fn queue() -> &'static SyncSender<Request> {
    static QUEUE: OnceLock<SyncSender<Request>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (sender, receiver) = sync_channel::<Request>(QUEUE_DEPTH);
        thread::Builder::new()
            .name("gregor-prefault".into())
            .spawn(move || {
                for request in receiver {
                    if request.mapping.is_retired() {
                        continue;
                    }
                    if let Err(error) = request.mapping.populate_write(request.position, request.len) {
                        if error.raw_os_error() == Some(rustix::io::Errno::INVAL.raw_os_error()) {
                            UNSUPPORTED.store(true, Ordering::Relaxed);
                        }
                    }
                }
            })
            .expect("spawn the prefault thread");
        sender
    })
}

/// Asks the background thread to fault in `[position, position + len)` of `mapping`.
pub fn request(mapping: &Arc<Mapping>, position: usize, len: usize) {
    if UNSUPPORTED.load(Ordering::Relaxed) || len == 0 {
        return;
    }
    let request = Request { mapping: Arc::clone(mapping), position, len };
    if let Err(TrySendError::Disconnected(_)) = queue().try_send(request) {
        UNSUPPORTED.store(true, Ordering::Relaxed);
    }
}
