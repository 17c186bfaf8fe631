//! External ArrayBuffers over segment mappings: the JavaScript side of `log::mmap`, and the only
//! `unsafe` of the N-API shell.
//!
//! A read is a view of an ArrayBuffer over its segment's mapping that counts one reference until JS
//! releases it. ArrayBuffers cover what the mapping holds when they are made (a closed segment: all of
//! it; the active segment: the bytes reserved so far, not its whole capacity, because V8 counts an
//! ArrayBuffer's length as external memory and schedules full GCs by it). So an active segment gets a
//! new ArrayBuffer (a "generation", same base address) when reads reach past the current one; reads
//! within one generation share it.
//!
//! A buffer is detached once no view uses it and it is either superseded by a newer generation or its
//! mapping was retired by the engine (segment rolled, deleted, evicted, log closed); only then is the
//! mapping released. A detached ArrayBuffer has length zero in every view, so JS never reaches memory
//! that was unmapped: a released view reads as empty instead of as a freed page. Unmapping never waits
//! for garbage collection.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use napi::bindgen_prelude::{ArrayBuffer, Env, JsValue, Unknown};
use napi::UnknownRef;

use crate::log::mmap::Mapping;

static NEXT_BUFFER_ID: AtomicU64 = AtomicU64::new(1);

struct Export {
    mapping: Arc<Mapping>,
    buffer: UnknownRef,
    len: usize,
    views: u32,
}

#[derive(Default)]
pub struct MappedBuffers {
    /// By buffer id.
    exports: HashMap<u64, Export>,
    /// Mapping id → id of its newest buffer.
    newest: HashMap<u64, u64>,
}

impl MappedBuffers {
    /// An ArrayBuffer over `mapping` covering at least its first `end` bytes, counting one more view
    /// of it; returns it with its buffer id (what `release` takes).
    pub fn acquire<'env>(
        &mut self,
        env: &'env Env,
        mapping: &Arc<Mapping>,
        end: usize,
    ) -> napi::Result<(ArrayBuffer<'env>, u64)> {
        if let Some(&id) = self.newest.get(&mapping.id()) {
            let export = self.exports.get_mut(&id).expect("newest buffer is exported");
            if export.len >= end {
                let buffer = export.buffer.get_value(env)?;
                export.views += 1;
                // SAFETY: the reference was created from an ArrayBuffer in this same env (below), and a
                // napi_ref keeps the value's type.
                return Ok((unsafe { buffer.cast::<ArrayBuffer<'env>>() }?, id));
            }
        }
        let len = mapping.reserved().min(mapping.len()).max(end);
        if len > mapping.len() {
            return Err(napi::Error::from_reason("read past the end of a segment mapping"));
        }
        // SAFETY: the first `len` bytes from `as_ptr()` are mapped (len ≤ mapping.len()) and stay
        // mapped while the `Arc<Mapping>` kept in `exports` lives; that entry is removed only after the
        // ArrayBuffer was detached (`sweep`) or, when the buffer may outlive this table, leaked
        // (`Drop`). The finalizer does nothing: the mapping's lifetime is managed here, not by GC.
        let buffer = unsafe { ArrayBuffer::from_external(env, mapping.as_ptr(), len, (), |_, ()| {}) }?;
        let reference = buffer.to_unknown().create_ref()?;
        let id = NEXT_BUFFER_ID.fetch_add(1, Ordering::Relaxed);
        self.exports.insert(id, Export { mapping: Arc::clone(mapping), buffer: reference, len, views: 1 });
        self.newest.insert(mapping.id(), id);
        Ok((buffer, id))
    }

    /// One view of buffer `id` is done; detaches what is no longer needed.
    pub fn release(&mut self, env: &Env, id: u64) -> napi::Result<()> {
        if let Some(export) = self.exports.get_mut(&id) {
            export.views = export.views.saturating_sub(1);
        }
        self.sweep(env)
    }

    /// Detaches (and lets go of the mappings of) buffers that no view uses and that are superseded
    /// or whose mapping was retired.
    pub fn sweep(&mut self, env: &Env) -> napi::Result<()> {
        let idle: Vec<u64> = self
            .exports
            .iter()
            .filter(|(id, export)| {
                export.views == 0 && (export.mapping.is_retired() || self.newest.get(&export.mapping.id()) != Some(id))
            })
            .map(|(id, _)| *id)
            .collect();
        for id in idle {
            let export = self.exports.remove(&id).expect("listed export");
            if self.newest.get(&export.mapping.id()) == Some(&id) {
                self.newest.remove(&export.mapping.id());
            }
            detach(env, export)?;
        }
        Ok(())
    }

    /// Views handed out and not yet released.
    pub fn outstanding_views(&self) -> u32 {
        self.exports.values().map(|export| export.views).sum()
    }
}

fn detach(env: &Env, export: Export) -> napi::Result<()> {
    let value: Unknown<'_> = export.buffer.get_value(env)?;
    // SAFETY: as in `acquire`, the reference holds the ArrayBuffer created there.
    let buffer = unsafe { value.cast::<ArrayBuffer<'_>>() }?;
    buffer.detach()?;
    export.buffer.unref(env)?;
    drop(export.mapping);
    Ok(())
}

impl Drop for MappedBuffers {
    /// Dropped without an env (the owning JS object was collected): buffers that were not detached
    /// may still be reachable from JS, so their mappings are leaked rather than unmapped under them.
    fn drop(&mut self) {
        for (_, export) in self.exports.drain() {
            std::mem::forget(export.mapping);
            std::mem::forget(export.buffer);
        }
    }
}
