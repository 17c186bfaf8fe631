//! The compression codecs of record batches (attributes bits 0–2), byte-compatible with Kafka clients.
//!
//! A compressed batch carries its records as one blob after the 61-byte header. Every decoder here takes
//! an output limit and fails once the output would pass it, so a small batch cannot expand into gigabytes
//! (a compression bomb): `InvalidRecord` for an over-limit output, `CorruptMessage` for undecodable input.
//!
//! Crates, and why:
//! - gzip: `flate2` (RFC 1952 streams, what `java.util.zip.GZIPOutputStream` writes). Decoding accepts
//!   concatenated members, as Java's `GZIPInputStream` does.
//! - snappy: `snap`'s raw block format (`snap::raw`; its own frame format is Google's, which no Kafka
//!   client uses). Java writes xerial framing (`SnappyOutputStream`): magic `82 53 4E 41 50 50 59 00`,
//!   int32 version 1, int32 compatible version 1, then `[int32 length + raw block]…` of 32 KiB of input
//!   each; librdkafka, franz-go and kafkajs-snappy write one raw block. Decoding recognises the xerial
//!   magic and otherwise reads one raw block; encoding writes xerial, so Java consumers can read it.
//!   Raw blocks state their decompressed length up front, so the limit is checked before allocating.
//! - lz4: the LZ4 frame format (what Kafka uses) in `lz4_frame`, around `lz4_flex`'s block codec (pure
//!   Rust, fast); see that module for why not `lz4_flex`'s own frame module. Java writes 64 KiB
//!   independent blocks without checksums and cannot read dependent blocks, so we write exactly that.
//! - zstd: the `zstd` crate (bindings to the reference libzstd, the fastest and the one every client uses).
//!   Frames may omit their content size (franz-go streams), so decoding streams through a bounded reader.

use std::cell::RefCell;
use std::io::{Read, Write};

use crate::error::{EngineError, Result};
use crate::record::lz4_frame;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compression {
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,
    Zstd = 4,
}

const XERIAL_MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
const XERIAL_VERSION: i32 = 1;
const XERIAL_COMPATIBLE_VERSION: i32 = 1;
const XERIAL_HEADER_LEN: usize = 16;
/// Input bytes per xerial block, `SnappyOutputStream.DEFAULT_BLOCK_SIZE`.
const XERIAL_BLOCK_SIZE: usize = 32 * 1024;
/// Kafka's default zstd level (`ZstdCompression`, libzstd's default).
const ZSTD_LEVEL: i32 = 3;

thread_local! {
    // libzstd contexts are large (a compression context at level 3 is over 1 MiB) and cost more to
    // create and clear than to use on a 16 KiB batch, so each thread keeps one of each.
    static ZSTD_COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    static ZSTD_DECOMPRESSOR: RefCell<Option<zstd::zstd_safe::DCtx<'static>>> = const { RefCell::new(None) };
}

impl Compression {
    /// The codec named by attributes bits 0–2; 5–7 are not codecs.
    pub fn from_attributes(attributes: i16) -> Result<Compression> {
        Compression::from_id((attributes & 0x07) as i32)
    }

    /// The codec with Kafka's id (`compression.type` as the wire spells it).
    pub fn from_id(id: i32) -> Result<Compression> {
        match id {
            0 => Ok(Compression::None),
            1 => Ok(Compression::Gzip),
            2 => Ok(Compression::Snappy),
            3 => Ok(Compression::Lz4),
            4 => Ok(Compression::Zstd),
            other => Err(EngineError::UnsupportedCompression(format!("compression codec {other}"))),
        }
    }

    pub fn id(self) -> i16 {
        self as i16
    }

    /// Kafka's name (`compression.type` values).
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }
}

/// Compresses `input` as a Kafka client of that codec would.
pub fn compress(codec: Compression, input: &[u8]) -> Result<Vec<u8>> {
    match codec {
        Compression::None => Ok(input.to_vec()),
        Compression::Gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::with_capacity(input.len() / 2 + 64), flate2::Compression::default());
            encoder.write_all(input)?;
            Ok(encoder.finish()?)
        }
        Compression::Snappy => compress_xerial(input),
        Compression::Lz4 => lz4_frame::compress(input),
        Compression::Zstd => ZSTD_COMPRESSOR.with(|cell| {
            let mut slot = cell.borrow_mut();
            let compressor = match slot.as_mut() {
                Some(compressor) => compressor,
                None => slot.insert(zstd::bulk::Compressor::new(ZSTD_LEVEL)?),
            };
            Ok(compressor.compress(input)?)
        }),
    }
}

/// Decompresses `input`, failing once the output would exceed `max_output` bytes.
pub fn decompress(codec: Compression, input: &[u8], max_output: usize) -> Result<Vec<u8>> {
    match codec {
        Compression::None => {
            if input.len() > max_output {
                return Err(too_large(codec, max_output));
            }
            Ok(input.to_vec())
        }
        Compression::Snappy => decompress_snappy(input, max_output),
        Compression::Lz4 => {
            lz4_frame::decompress(input, max_output, || too_large(codec, max_output), |reason| corrupt(codec, reason))
        }
        Compression::Gzip | Compression::Zstd => {
            with_streaming_decoder(codec, input, |decoder| read_bounded(codec, decoder, input.len(), max_output))
                .expect("gzip and zstd stream")
        }
    }
}

/// Runs `read` over a streaming decoder of `input` for the codecs that have one (gzip, zstd; zstd on this
/// thread's reused context), None for the others.
pub(crate) fn with_streaming_decoder<T>(
    codec: Compression,
    input: &[u8],
    read: impl FnOnce(&mut dyn Read) -> Result<T>,
) -> Option<Result<T>> {
    match codec {
        Compression::Gzip => Some(read(&mut flate2::read::MultiGzDecoder::new(input))),
        Compression::Zstd => Some(ZSTD_DECOMPRESSOR.with(|cell| {
            let mut slot = cell.borrow_mut();
            let context = slot.get_or_insert_with(zstd::zstd_safe::DCtx::create);
            let mut decoder = zstd::stream::read::Decoder::with_context(input, context);
            read(&mut decoder)
        })),
        Compression::None | Compression::Snappy | Compression::Lz4 => None,
    }
}

pub(crate) fn too_large(codec: Compression, max_output: usize) -> EngineError {
    EngineError::InvalidRecord(format!("{} records decompress to more than the {max_output}-byte limit", codec.name()))
}

pub(crate) fn corrupt(codec: Compression, error: impl std::fmt::Display) -> EngineError {
    EngineError::CorruptMessage(format!("{} records do not decompress: {error}", codec.name()))
}

/// Reads a streaming decoder to its end, at most `max_output` bytes: one byte past the limit proves a bomb
/// without ever holding more than the limit.
fn read_bounded(codec: Compression, decoder: &mut dyn Read, input_len: usize, max_output: usize) -> Result<Vec<u8>> {
    let limit = u64::try_from(max_output).unwrap_or(u64::MAX).saturating_add(1);
    let mut output = Vec::with_capacity(input_len.saturating_mul(4).min(max_output).max(64));
    decoder.take(limit).read_to_end(&mut output).map_err(|error| corrupt(codec, error))?;
    if output.len() > max_output {
        return Err(too_large(codec, max_output));
    }
    Ok(output)
}

fn compress_xerial(input: &[u8]) -> Result<Vec<u8>> {
    let blocks = input.len().div_ceil(XERIAL_BLOCK_SIZE);
    let mut output = Vec::with_capacity(
        XERIAL_HEADER_LEN + blocks * 4 + snap::raw::max_compress_len(XERIAL_BLOCK_SIZE.min(input.len())) * blocks,
    );
    output.extend_from_slice(&XERIAL_MAGIC);
    output.extend_from_slice(&XERIAL_VERSION.to_be_bytes());
    output.extend_from_slice(&XERIAL_COMPATIBLE_VERSION.to_be_bytes());
    let mut encoder = snap::raw::Encoder::new();
    for block in input.chunks(XERIAL_BLOCK_SIZE) {
        let length_at = output.len();
        output.extend_from_slice(&[0; 4]);
        let start = output.len();
        output.resize(start + snap::raw::max_compress_len(block.len()), 0);
        let written = encoder
            .compress(block, &mut output[start..])
            .map_err(|error| EngineError::Storage(format!("snappy compression failed: {error}")))?;
        output.truncate(start + written);
        output[length_at..start].copy_from_slice(&(written as u32).to_be_bytes());
    }
    Ok(output)
}

fn decompress_snappy(input: &[u8], max_output: usize) -> Result<Vec<u8>> {
    if !input.starts_with(&XERIAL_MAGIC) {
        let mut output = Vec::new();
        decompress_raw_snappy(input, &mut output, max_output)?;
        return Ok(output);
    }
    if input.len() < XERIAL_HEADER_LEN {
        return Err(corrupt(Compression::Snappy, "xerial header is truncated"));
    }
    let mut output = Vec::new();
    let mut position = XERIAL_HEADER_LEN;
    while position < input.len() {
        let length_bytes = input
            .get(position..position + 4)
            .ok_or_else(|| corrupt(Compression::Snappy, "xerial block length is truncated"))?;
        let length = u32::from_be_bytes(length_bytes.try_into().expect("4 bytes")) as usize;
        position += 4;
        let block = input
            .get(position..position.saturating_add(length))
            .ok_or_else(|| corrupt(Compression::Snappy, "xerial block runs past the end"))?;
        position += length;
        decompress_raw_snappy(block, &mut output, max_output)?;
    }
    Ok(output)
}

/// Appends one raw snappy block to `output`; its stated length is checked against the limit first.
fn decompress_raw_snappy(block: &[u8], output: &mut Vec<u8>, max_output: usize) -> Result<()> {
    let length = snap::raw::decompress_len(block).map_err(|error| corrupt(Compression::Snappy, error))?;
    if length > max_output.saturating_sub(output.len()) {
        return Err(too_large(Compression::Snappy, max_output));
    }
    let start = output.len();
    output.resize(start + length, 0);
    let written = snap::raw::Decoder::new()
        .decompress(block, &mut output[start..])
        .map_err(|error| corrupt(Compression::Snappy, error))?;
    output.truncate(start + written);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODECS: [Compression; 5] =
        [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd];

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8 ^ (i / 1000) as u8).collect()
    }

    #[test]
    fn every_codec_round_trips() {
        for codec in CODECS {
            for len in [0, 1, 100, XERIAL_BLOCK_SIZE, XERIAL_BLOCK_SIZE + 1, 300_000] {
                let input = sample(len);
                let compressed = compress(codec, &input).unwrap();
                assert_eq!(decompress(codec, &compressed, len).unwrap(), input, "{codec:?} {len}");
            }
        }
    }

    #[test]
    fn bombs_stop_at_the_limit_for_every_codec() {
        let zeros = vec![0u8; 4 << 20];
        for codec in CODECS {
            let compressed = compress(codec, &zeros).unwrap();
            let error = decompress(codec, &compressed, 1 << 20).unwrap_err();
            assert!(matches!(error, EngineError::InvalidRecord(_)), "{codec:?}: {error}");
            assert_eq!(decompress(codec, &compressed, 4 << 20).unwrap().len(), 4 << 20);
        }
    }

    #[test]
    fn snappy_reads_xerial_and_raw() {
        let input = sample(100_000);
        let xerial = compress(Compression::Snappy, &input).unwrap();
        assert_eq!(&xerial[..8], &XERIAL_MAGIC);
        assert_eq!(&xerial[8..16], &[0, 0, 0, 1, 0, 0, 0, 1]);
        let first_block = u32::from_be_bytes(xerial[16..20].try_into().unwrap()) as usize;
        let first = snap::raw::Decoder::new().decompress_vec(&xerial[20..20 + first_block]).unwrap();
        assert_eq!(first, &input[..XERIAL_BLOCK_SIZE]);

        let raw = snap::raw::Encoder::new().compress_vec(&input).unwrap();
        assert_eq!(decompress(Compression::Snappy, &raw, input.len()).unwrap(), input);
        assert_eq!(decompress(Compression::Snappy, &xerial, input.len()).unwrap(), input);
    }

    #[test]
    fn truncated_xerial_is_corrupt() {
        let xerial = compress(Compression::Snappy, &sample(1_000)).unwrap();
        for cut in [10, 18, xerial.len() - 1] {
            let error = decompress(Compression::Snappy, &xerial[..cut], 1 << 20).unwrap_err();
            assert!(matches!(error, EngineError::CorruptMessage(_)), "cut {cut}: {error}");
        }
    }

    #[test]
    fn lz4_frames_are_independent_64k_blocks() {
        let compressed = compress(Compression::Lz4, &sample(10)).unwrap();
        assert_eq!(&compressed[..4], &[0x04, 0x22, 0x4d, 0x18]);
        // FLG: version 01, block independence set, no block or content checksum, no content size.
        assert_eq!(compressed[4], 0b0110_0000);
        // BD: maximum block size 64 KiB.
        assert_eq!(compressed[5], 0b0100_0000);
    }

    #[test]
    fn zstd_frames_without_content_size_decode() {
        let input = sample(200_000);
        let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
        encoder.include_contentsize(false).unwrap();
        encoder.write_all(&input).unwrap();
        let streamed = encoder.finish().unwrap();
        assert_eq!(decompress(Compression::Zstd, &streamed, input.len()).unwrap(), input);
    }

    #[test]
    fn garbage_is_corrupt_not_a_panic() {
        for codec in [Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd] {
            let error = decompress(codec, b"definitely not compressed data", 1 << 20).unwrap_err();
            assert!(matches!(error, EngineError::CorruptMessage(_)), "{codec:?}: {error}");
        }
    }

    #[test]
    fn codec_ids_follow_the_attributes() {
        for codec in CODECS {
            assert_eq!(Compression::from_attributes(codec.id() | 0x18).unwrap(), codec);
        }
        assert!(matches!(Compression::from_attributes(5), Err(EngineError::UnsupportedCompression(_))));
    }
}
