//! Checks the records of one producer batch as they come out of the decompressor, record by record, so a
//! compression bomb is refused at its first inconsistency instead of after it has been inflated whole.
//!
//! The rules are those of `iter.rs` for producer input: lengths and counts as zigzag varints (int32 at most
//! 5 bytes, int64 10), −1 the only negative length (of a nullable key, value or header value), offset deltas
//! 0..n−1, exactly `recordsCount` records and nothing after them. Keys and values are skipped, never held:
//! a batch that inflates to 60 MiB is read through a 64 KiB window. A length that runs past its record, or a
//! record that runs past the decompression limit, is refused before a byte of it is decompressed; the
//! decompressed size is counted as it is produced, so reaching the limit stops the decoder at once.
//!
//! Gzip and zstd stream (`Read` decoders). Snappy and lz4 blocks are inflated whole by `compression.rs`
//! within the same limit (their blocks are at most a few MiB and their decoders have no streaming form
//! worth its cost), then read through the same checks from memory; uncompressed records are read in place.

use std::io::Read;

use crate::error::{EngineError, Result};
use crate::record::compression::{corrupt, decompress, too_large, with_streaming_decoder, Compression};
use crate::record::varint::Reader;

/// Records larger than this are skipped through the window rather than held; varints need at most 10 bytes.
const WINDOW: usize = 64 << 10;
const MAX_VARINT_BYTES: usize = 10;

/// Checks the records of a batch body (`body`: the bytes after the 61-byte header) of codec `codec`.
pub(crate) fn check_records(
    codec: Compression,
    body: &[u8],
    records_count: i32,
    max_decompressed: usize,
    require_keys: bool,
) -> Result<()> {
    let rules = Rules { records_count, require_keys };
    if codec == Compression::None {
        return rules.check(&mut InPlace { bytes: body, position: 0 });
    }
    let streamed = with_streaming_decoder(codec, body, |decoder| {
        rules.check(&mut Streamed::new(codec, decoder, max_decompressed))
    });
    match streamed {
        Some(result) => result,
        None => rules.check(&mut InPlace { bytes: &decompress(codec, body, max_decompressed)?, position: 0 }),
    }
}

/// Decompressed record bytes as the checks read them.
trait Source {
    /// At least `wanted` bytes from the current position, fewer only where the records end.
    fn peek(&mut self, wanted: usize) -> Result<&[u8]>;
    /// Moves past `count` bytes, of which the first may have been peeked; past the end is invalid.
    fn skip(&mut self, count: usize) -> Result<()>;
    /// Bytes read so far.
    fn position(&self) -> usize;
    /// Whether `length` more bytes from here would stay within the decompression limit.
    fn fits(&self, length: usize) -> Result<()>;
}

/// Uncompressed records, or records inflated whole: read in place.
struct InPlace<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl Source for InPlace<'_> {
    fn peek(&mut self, _wanted: usize) -> Result<&[u8]> {
        Ok(&self.bytes[self.position..])
    }

    fn skip(&mut self, count: usize) -> Result<()> {
        if count > self.bytes.len() - self.position {
            return Err(invalid("length runs past the end of the records"));
        }
        self.position += count;
        Ok(())
    }

    fn position(&self) -> usize {
        self.position
    }

    fn fits(&self, _length: usize) -> Result<()> {
        // The bytes are all here; a record running past them is refused by `skip`.
        Ok(())
    }
}

/// Records coming out of a streaming decoder, through a window.
struct Streamed<'d> {
    codec: Compression,
    decoder: &'d mut dyn Read,
    window: Vec<u8>,
    start: usize,
    end: usize,
    /// Bytes the decoder has produced.
    produced: usize,
    max_decompressed: usize,
    finished: bool,
}

impl<'d> Streamed<'d> {
    fn new(codec: Compression, decoder: &'d mut dyn Read, max_decompressed: usize) -> Self {
        Streamed {
            codec,
            decoder,
            window: vec![0; WINDOW],
            start: 0,
            end: 0,
            produced: 0,
            max_decompressed,
            finished: false,
        }
    }

    /// Reads more from the decoder into the window after the unread bytes; false once the decoder is done.
    fn fill(&mut self) -> Result<bool> {
        if self.finished {
            return Ok(false);
        }
        if self.start > 0 {
            self.window.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        // Never ask for more than one byte past the limit: that byte proves the batch too large.
        let allowed = (self.max_decompressed - self.produced.min(self.max_decompressed)).saturating_add(1);
        let room = (self.window.len() - self.end).min(allowed);
        let read = loop {
            match self.decoder.read(&mut self.window[self.end..self.end + room]) {
                Ok(read) => break read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(corrupt(self.codec, error)),
            }
        };
        self.end += read;
        self.produced += read;
        if self.produced > self.max_decompressed {
            return Err(too_large(self.codec, self.max_decompressed));
        }
        self.finished = read == 0;
        Ok(!self.finished)
    }
}

impl Source for Streamed<'_> {
    fn peek(&mut self, wanted: usize) -> Result<&[u8]> {
        while self.end - self.start < wanted && self.fill()? {}
        Ok(&self.window[self.start..self.end])
    }

    fn skip(&mut self, mut count: usize) -> Result<()> {
        loop {
            let buffered = self.end - self.start;
            if count <= buffered {
                self.start += count;
                return Ok(());
            }
            count -= buffered;
            self.start = self.end;
            if !self.fill()? {
                return Err(invalid("length runs past the end of the records"));
            }
        }
    }

    fn position(&self) -> usize {
        self.produced - (self.end - self.start)
    }

    fn fits(&self, length: usize) -> Result<()> {
        if length > self.max_decompressed - self.position() {
            return Err(too_large(self.codec, self.max_decompressed));
        }
        Ok(())
    }
}

struct Rules {
    records_count: i32,
    require_keys: bool,
}

impl Rules {
    fn check(&self, source: &mut impl Source) -> Result<()> {
        for expected_delta in 0..self.records_count {
            let length = varint(source)?;
            if length < 0 {
                return Err(invalid("negative record length"));
            }
            let length = length as usize;
            source.fits(length)?;
            let mut record = Record { source, end: 0 };
            record.end = record.source.position() + length;
            record.skip(1)?;
            record.varlong()?;
            let offset_delta = record.varint()?;
            if offset_delta != expected_delta {
                return Err(invalid_owned(format!("record {expected_delta} has offset delta {offset_delta}")));
            }
            if record.nullable_bytes()?.is_none() && self.require_keys {
                return Err(invalid("compacted topic received a record without a key"));
            }
            record.nullable_bytes()?;
            let headers = record.varint()?;
            if headers < 0 {
                return Err(invalid("negative header count"));
            }
            for _ in 0..headers {
                let key_length = record.varint()?;
                if key_length < 0 {
                    return Err(invalid("negative header key length"));
                }
                record.skip(key_length as usize)?;
                record.nullable_bytes()?;
            }
            if record.source.position() != record.end {
                return Err(invalid("record has bytes past its headers"));
            }
        }
        if !source.peek(1)?.is_empty() {
            return Err(invalid("records remain past recordsCount"));
        }
        Ok(())
    }
}

/// One record being read: no field may run past its stated length.
struct Record<'s, S> {
    source: &'s mut S,
    end: usize,
}

impl<S: Source> Record<'_, S> {
    fn within(&self, count: usize) -> Result<()> {
        if count > self.end.saturating_sub(self.source.position()) {
            return Err(invalid("length runs past the end of the record"));
        }
        Ok(())
    }

    fn skip(&mut self, count: usize) -> Result<()> {
        self.within(count)?;
        self.source.skip(count)
    }

    fn varint(&mut self) -> Result<i32> {
        let value = varint(self.source)?;
        self.within(0)?;
        Ok(value)
    }

    fn varlong(&mut self) -> Result<i64> {
        let (value, used) = {
            let mut reader = Reader::new(self.source.peek(MAX_VARINT_BYTES)?);
            (reader.read_varlong()?, reader.position())
        };
        self.skip(used)?;
        Ok(value)
    }

    /// A length (−1: null) and that many bytes, skipped; whether it was present.
    fn nullable_bytes(&mut self) -> Result<Option<()>> {
        match self.varint()? {
            -1 => Ok(None),
            length if length < 0 => Err(invalid("negative length")),
            length => self.skip(length as usize).map(Some),
        }
    }
}

fn varint(source: &mut impl Source) -> Result<i32> {
    let (value, used) = {
        let mut reader = Reader::new(source.peek(MAX_VARINT_BYTES)?);
        (reader.read_varint()?, reader.position())
    };
    source.skip(used)?;
    Ok(value)
}

fn invalid(reason: &str) -> EngineError {
    EngineError::InvalidRecord(reason.to_string())
}

fn invalid_owned(reason: String) -> EngineError {
    EngineError::InvalidRecord(reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::batch::RECORDS_OFFSET;
    use crate::record::builder::BatchBuilder;
    use crate::record::compression::compress;

    const CODECS: [Compression; 5] =
        [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd];
    const LIMIT: usize = 64 << 20;

    fn records(count: usize, value: usize, keyed: bool) -> Vec<u8> {
        let mut builder = BatchBuilder::new(0);
        for i in 0..count {
            let key = format!("k{i}");
            builder.append(1, keyed.then_some(key.as_bytes()), Some(&vec![7u8; value]), &[(b"h", None)]).unwrap();
        }
        builder.build().unwrap()[RECORDS_OFFSET..].to_vec()
    }

    fn check(codec: Compression, plain: &[u8], count: i32, limit: usize, require_keys: bool) -> Result<()> {
        check_records(codec, &compress(codec, plain).unwrap(), count, limit, require_keys)
    }

    #[test]
    fn accepts_records_of_every_codec_larger_than_the_window() {
        let plain = records(3, WINDOW * 2 + 17, true);
        for codec in CODECS {
            check(codec, &plain, 3, LIMIT, true).unwrap_or_else(|error| panic!("{codec:?}: {error}"));
        }
    }

    #[test]
    fn counts_keys_and_trailing_bytes_are_checked() {
        let plain = records(3, 100, false);
        for codec in CODECS {
            assert!(matches!(check(codec, &plain, 4, LIMIT, false), Err(EngineError::InvalidRecord(_))), "{codec:?}");
            assert!(matches!(check(codec, &plain, 2, LIMIT, false), Err(EngineError::InvalidRecord(_))), "{codec:?}");
            assert!(matches!(check(codec, &plain, 3, LIMIT, true), Err(EngineError::InvalidRecord(_))), "{codec:?}");
            check(codec, &plain, 3, LIMIT, false).unwrap();
        }
    }

    #[test]
    fn a_record_past_the_limit_is_refused_before_it_is_inflated() {
        // One record stating a 1 GiB length, followed by 200 MiB of zeros: refused at the length.
        let mut plain = vec![0x80, 0x80, 0x80, 0x80, 0x08];
        plain.resize(200 << 20, 0);
        for codec in [Compression::Gzip, Compression::Zstd] {
            let compressed = compress(codec, &plain).unwrap();
            let produced = with_streaming_decoder(codec, &compressed, |decoder| {
                let mut source = Streamed::new(codec, decoder, LIMIT);
                let error = Rules { records_count: 1, require_keys: false }.check(&mut source).unwrap_err();
                assert!(matches!(error, EngineError::InvalidRecord(_)), "{codec:?}: {error}");
                Ok(source.produced)
            })
            .unwrap()
            .unwrap();
            assert!(produced <= WINDOW, "{codec:?} inflated {produced} bytes");
        }
    }

    #[test]
    fn zeros_are_refused_at_the_first_record() {
        let plain = vec![0u8; 100 << 20];
        for codec in [Compression::Gzip, Compression::Zstd] {
            let compressed = compress(codec, &plain).unwrap();
            let error = check_records(codec, &compressed, 1_000, LIMIT, false).unwrap_err();
            assert!(matches!(error, EngineError::InvalidRecord(_)), "{codec:?}: {error}");
        }
    }

    #[test]
    fn the_limit_refuses_compressed_records() {
        let plain = records(1, 4 << 20, false);
        for codec in [Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd] {
            let error = check(codec, &plain, 1, 1 << 20, false).unwrap_err();
            assert!(matches!(&error, EngineError::InvalidRecord(m) if m.contains("limit")), "{codec:?}: {error}");
        }
    }
}
