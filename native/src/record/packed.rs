//! Records packed the way the embedded producer stages them: the bytes of every record back to back in one
//! area, and a layout of lengths. A batch of records then crosses N-API as one Buffer and one Int32Array
//! instead of one Buffer per key and value (each of which N-API converts with several calls), and a
//! compressing build can run on another thread because nothing in it is a JS object.
//!
//! Per record, the layout holds its key length, value length (−1: null) and header count, then each
//! header's key and value lengths; the bytes hold the key, the value, then each header's key and value.

use crate::error::{EngineError, Result};
use crate::record::builder::{BatchBuilder, RecordHeader};

pub struct PackedRecords<'a> {
    pub bytes: &'a [u8],
    pub layout: &'a [i32],
    pub count: usize,
    /// Milliseconds since the epoch per record; a negative entry, or no column, means `now`.
    pub timestamps: Option<&'a [f64]>,
}

/// Appends the packed records to `builder` in order.
pub fn append_packed(builder: &mut BatchBuilder, packed: &PackedRecords<'_>, now: i64) -> Result<()> {
    if packed.timestamps.is_some_and(|timestamps| timestamps.len() < packed.count) {
        return Err(malformed("fewer timestamps than records"));
    }
    let mut cursor = Cursor { packed, at: 0, layout_at: 0 };
    let mut headers: Vec<RecordHeader<'_>> = Vec::new();
    for index in 0..packed.count {
        let key = cursor.field()?;
        let value = cursor.field()?;
        let header_count = cursor.length()?;
        headers.clear();
        for _ in 0..header_count.max(0) {
            let header_key = cursor.field()?.ok_or_else(|| malformed("a null header key"))?;
            headers.push((header_key, cursor.field()?));
        }
        let timestamp = match packed.timestamps.map(|timestamps| timestamps[index]) {
            Some(timestamp) if timestamp >= 0.0 => timestamp as i64,
            _ => now,
        };
        builder.append(timestamp, key, value, &headers)?;
    }
    if cursor.at != packed.bytes.len() || cursor.layout_at != packed.layout.len() {
        return Err(malformed("bytes or layout left over after the last record"));
    }
    Ok(())
}

struct Cursor<'p, 'a> {
    packed: &'p PackedRecords<'a>,
    at: usize,
    layout_at: usize,
}

impl<'a> Cursor<'_, 'a> {
    fn length(&mut self) -> Result<i32> {
        let length = *self.packed.layout.get(self.layout_at).ok_or_else(|| malformed("the layout ends early"))?;
        self.layout_at += 1;
        Ok(length)
    }

    fn field(&mut self) -> Result<Option<&'a [u8]>> {
        let length = self.length()?;
        if length < 0 {
            return Ok(None);
        }
        let end = self.at + length as usize;
        let bytes = self.packed.bytes.get(self.at..end).ok_or_else(|| malformed("a length runs past the bytes"))?;
        self.at = end;
        Ok(Some(bytes))
    }
}

fn malformed(what: &str) -> EngineError {
    EngineError::InvalidRecord(format!("packed records: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::iter::BatchRecords;

    fn build(packed: &PackedRecords<'_>) -> Result<Vec<u8>> {
        let mut builder = BatchBuilder::new(0);
        append_packed(&mut builder, packed, 1_000)?;
        builder.build()
    }

    #[test]
    fn records_come_out_as_packed() {
        let bytes = b"k1v1hkhvv2";
        let layout = [2, 2, 1, 2, 2, -1, 2, 0];
        let batch = build(&PackedRecords { bytes, layout: &layout, count: 2, timestamps: Some(&[5.0, -1.0]) }).unwrap();
        let decoded = BatchRecords::new(&batch, 1 << 20).unwrap();
        let records: Vec<_> = decoded.iter().map(|r| r.unwrap()).collect();
        assert_eq!(records.len(), 2);
        assert_eq!((records[0].key, records[0].value, records[0].timestamp), (Some(&b"k1"[..]), Some(&b"v1"[..]), 5));
        assert_eq!(records[0].headers.iter().collect::<Vec<_>>(), vec![(&b"hk"[..], Some(&b"hv"[..]))]);
        assert_eq!((records[1].key, records[1].value, records[1].timestamp), (None, Some(&b"v2"[..]), 1_000));
        assert_eq!(records[1].offset, 1);
    }

    #[test]
    fn malformed_layouts_are_refused() {
        let cases: [(&[u8], &[i32], usize); 4] = [
            (b"abc", &[-1, 5, 0], 1),       // runs past the bytes
            (b"abc", &[-1, 3], 1),          // layout ends early
            (b"abcd", &[-1, 3, 0], 1),      // bytes left over
            (b"ab", &[-1, 0, 1, -1, 2], 1), // null header key
        ];
        for (bytes, layout, count) in cases {
            let error = build(&PackedRecords { bytes, layout, count, timestamps: None }).unwrap_err();
            assert!(matches!(error, EngineError::InvalidRecord(_)), "{bytes:?} {layout:?}");
        }
    }
}
