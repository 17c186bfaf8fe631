//! External ArrayBuffers over segment mappings: the JavaScript side of `log::mmap`, and the only
//! `unsafe` of the N-API shell.
//!
//! One ArrayBuffer per mapping (per `NativeLog` object), created on the first read from it; every
//! read is a view of it and counts one reference until JS releases it. A mapping is unmapped only
//! after its ArrayBuffer is detached, which happens once the engine has retired the mapping (segment
//! rolled, deleted, evicted, log closed) and no view is outstanding. A detached ArrayBuffer has length
//! zero in every view, so JS can never reach memory that was unmapped: reads through a released view
//! see an empty buffer instead of a freed page. Unmapping never waits for garbage collection.

use std::collections::HashMap;
use std::sync::Arc;

use napi::bindgen_prelude::{ArrayBuffer, Env, JsValue, Unknown};
use napi::UnknownRef;

use crate::log::mmap::Mapping;

struct Export {
    mapping: Arc<Mapping>,
    buffer: UnknownRef,
    views: u32,
}

#[derive(Default)]
pub struct MappedBuffers {
    exports: HashMap<u64, Export>,
}

impl MappedBuffers {
    /// The ArrayBuffer over `mapping`, counting one more view of it.
    pub fn acquire<'env>(&mut self, env: &'env Env, mapping: &Arc<Mapping>) -> napi::Result<ArrayBuffer<'env>> {
        if let Some(export) = self.exports.get_mut(&mapping.id()) {
            let buffer = export.buffer.get_value(env)?;
            export.views += 1;
            // SAFETY: the reference was created from an ArrayBuffer in this same env (below), and a
            // napi_ref keeps the value's type.
            return unsafe { buffer.cast::<ArrayBuffer<'env>>() };
        }
        // SAFETY: the mapping's `len()` bytes from `as_ptr()` stay mapped for as long as the
        // `Arc<Mapping>` kept in `exports` lives, and that entry is removed only after the ArrayBuffer
        // was detached (`sweep`) or, when the buffer outlives this table, leaked (`Drop`). The finalizer
        // does nothing: the mapping's lifetime is managed here, not by the garbage collector.
        let buffer = unsafe { ArrayBuffer::from_external(env, mapping.as_ptr(), mapping.len(), (), |_, ()| {}) }?;
        let reference = buffer.to_unknown().create_ref()?;
        self.exports.insert(mapping.id(), Export { mapping: Arc::clone(mapping), buffer: reference, views: 1 });
        Ok(buffer)
    }

    /// One view of mapping `id` is done; detaches what is no longer needed.
    pub fn release(&mut self, env: &Env, id: u64) -> napi::Result<()> {
        if let Some(export) = self.exports.get_mut(&id) {
            export.views = export.views.saturating_sub(1);
        }
        self.sweep(env)
    }

    /// Detaches and unmaps the buffers of retired mappings that no view uses any more.
    pub fn sweep(&mut self, env: &Env) -> napi::Result<()> {
        let idle: Vec<u64> = self
            .exports
            .iter()
            .filter(|(_, export)| export.views == 0 && export.mapping.is_retired())
            .map(|(id, _)| *id)
            .collect();
        for id in idle {
            let export = self.exports.remove(&id).expect("listed export");
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
