//! The LZ4 frame format (lz4's `lz4_Frame_format.md`) around `lz4_flex`'s block codec, as Kafka uses it.
//!
//! Frame: magic `04 22 4D 18` (little-endian 0x184D2204), FLG, BD, [content size u64], HC, then blocks
//! `[u32 LE size (bit 31: stored uncompressed) + data + [u32 block checksum]]…`, an end mark of 0, and
//! [u32 content checksum]. FLG bits: 7–6 version (01), 5 block independence, 4 block checksum, 3 content
//! size, 2 content checksum, 0 dictionary id. BD bits 6–4: maximum block size (4 = 64 KiB … 7 = 4 MiB).
//!
//! Why not `lz4_flex::frame`: its decoder copies every block through two internal buffers of the maximum
//! block size (allocated and zeroed per frame), which made a 16 KiB batch cost 20–45 µs to inflate where
//! decoding the blocks in place into the output costs a few. The encoder writes what Java's
//! `Lz4BlockOutputStream` writes: 64 KiB independent blocks, no checksums, a block stored raw when
//! compression does not shrink it. The decoder reads independent blocks of any size with or without
//! checksums (the `lz4` npm package behind kafkajs-lz4 writes 4 MiB blocks and a content checksum);
//! checksums are skipped, not verified, since the batch CRC already covers these bytes. Frames with
//! dependent blocks, which Kafka's Java client refuses to read, go to `lz4_flex::frame` as a fallback.

use std::io::Read;

use crate::error::{EngineError, Result};

const MAGIC: [u8; 4] = [0x04, 0x22, 0x4d, 0x18];
/// Version 01, independent blocks, no checksums, no content size.
const FLG: u8 = 0b0110_0000;
/// Maximum block size 64 KiB.
const BD: u8 = 0b0100_0000;
/// Header checksum of FLG and BD above: `(xxh32([FLG, BD], 0) >> 8) & 0xff`.
const HC: u8 = 0x82;
const BLOCK_SIZE: usize = 64 << 10;
const UNCOMPRESSED_BIT: u32 = 1 << 31;

const FLG_VERSION_MASK: u8 = 0b1100_0000;
const FLG_VERSION: u8 = 0b0100_0000;
const FLG_INDEPENDENT: u8 = 0b0010_0000;
const FLG_BLOCK_CHECKSUM: u8 = 0b0001_0000;
const FLG_CONTENT_SIZE: u8 = 0b0000_1000;
const FLG_CONTENT_CHECKSUM: u8 = 0b0000_0100;
const FLG_DICTIONARY_ID: u8 = 0b0000_0001;

pub(crate) fn compress(input: &[u8]) -> Result<Vec<u8>> {
    let blocks = input.len().div_ceil(BLOCK_SIZE);
    let mut output = Vec::with_capacity(7 + 4 + blocks * 4 + lz4_flex::block::get_maximum_output_size(input.len()));
    output.extend_from_slice(&MAGIC);
    output.extend_from_slice(&[FLG, BD, HC]);
    for block in input.chunks(BLOCK_SIZE) {
        let size_at = output.len();
        output.extend_from_slice(&[0; 4]);
        let start = output.len();
        output.resize(start + lz4_flex::block::get_maximum_output_size(block.len()), 0);
        let written = lz4_flex::block::compress_into(block, &mut output[start..])
            .map_err(|error| EngineError::Storage(format!("lz4 compression failed: {error}")))?;
        let size = if written < block.len() {
            output.truncate(start + written);
            written as u32
        } else {
            output.truncate(start);
            output.extend_from_slice(block);
            block.len() as u32 | UNCOMPRESSED_BIT
        };
        output[size_at..start].copy_from_slice(&size.to_le_bytes());
    }
    output.extend_from_slice(&[0; 4]);
    Ok(output)
}

/// Decompresses one or more concatenated frames; `too_large` and `corrupt` build the caller's errors.
pub(crate) fn decompress(
    input: &[u8],
    max_output: usize,
    too_large: impl Fn() -> EngineError,
    corrupt: impl Fn(&str) -> EngineError,
) -> Result<Vec<u8>> {
    let mut output = Vec::with_capacity(input.len().saturating_mul(4).min(max_output));
    let mut rest = input;
    while !rest.is_empty() {
        match decompress_frame(rest, &mut output, max_output, &too_large, &corrupt)? {
            Some(after) => rest = after,
            None => return decompress_dependent(input, max_output, too_large, corrupt),
        }
    }
    Ok(output)
}

/// Splits `count` bytes off the front of `bytes`.
fn take<'a>(bytes: &mut &'a [u8], count: usize, corrupt: &impl Fn(&str) -> EngineError) -> Result<&'a [u8]> {
    if bytes.len() < count {
        return Err(corrupt("lz4 frame is truncated"));
    }
    let (head, tail) = bytes.split_at(count);
    *bytes = tail;
    Ok(head)
}

fn take_u32(bytes: &mut &[u8], corrupt: &impl Fn(&str) -> EngineError) -> Result<u32> {
    Ok(u32::from_le_bytes(take(bytes, 4, corrupt)?.try_into().expect("4 bytes")))
}

/// Appends one frame's content to `output` and returns what follows the frame, or `None` for a frame of
/// dependent blocks.
fn decompress_frame<'a>(
    mut input: &'a [u8],
    output: &mut Vec<u8>,
    max_output: usize,
    too_large: &impl Fn() -> EngineError,
    corrupt: &impl Fn(&str) -> EngineError,
) -> Result<Option<&'a [u8]>> {
    if take(&mut input, 4, corrupt)? != MAGIC {
        return Err(corrupt("not an lz4 frame"));
    }
    let descriptor = take(&mut input, 2, corrupt)?;
    let (flg, bd) = (descriptor[0], descriptor[1]);
    if flg & FLG_VERSION_MASK != FLG_VERSION || flg & FLG_DICTIONARY_ID != 0 {
        return Err(corrupt("unsupported lz4 frame version or dictionary"));
    }
    if flg & FLG_INDEPENDENT == 0 {
        return Ok(None);
    }
    let max_block = match (bd >> 4) & 0x07 {
        4 => 64 << 10,
        5 => 256 << 10,
        6 => 1 << 20,
        7 => 4 << 20,
        _ => return Err(corrupt("invalid lz4 maximum block size")),
    };
    if flg & FLG_CONTENT_SIZE != 0 {
        take(&mut input, 8, corrupt)?;
    }
    take(&mut input, 1, corrupt)?;
    // Blocks are decoded in place into `output`, which needs initialised bytes: it is grown (zeroed) only
    // past its high-water mark, and `filled` tracks the content.
    let mut filled = output.len();
    loop {
        let size = take_u32(&mut input, corrupt)?;
        if size == 0 {
            break;
        }
        let length = (size & !UNCOMPRESSED_BIT) as usize;
        if length > max_block {
            return Err(corrupt("lz4 block is larger than the frame allows"));
        }
        let block = take(&mut input, length, corrupt)?;
        if flg & FLG_BLOCK_CHECKSUM != 0 {
            take(&mut input, 4, corrupt)?;
        }
        let limit = max_block.min(max_output - filled);
        if size & UNCOMPRESSED_BIT != 0 {
            if length > limit {
                return Err(too_large());
            }
            grow(output, filled + length);
            output[filled..filled + length].copy_from_slice(block);
            filled += length;
            continue;
        }
        // Most blocks inflate less than 8×: start there rather than zeroing a 4 MiB window for a small
        // block, and widen on the rare block that needs more.
        let mut window = limit.min(length.saturating_mul(8).max(64 << 10));
        loop {
            grow(output, filled + window);
            match lz4_flex::block::decompress_into(block, &mut output[filled..filled + window]) {
                Ok(written) => {
                    filled += written;
                    break;
                }
                Err(lz4_flex::block::DecompressError::OutputTooSmall { .. }) if window < limit => {
                    window = limit.min(window.saturating_mul(4));
                }
                Err(lz4_flex::block::DecompressError::OutputTooSmall { .. }) if limit < max_block => {
                    return Err(too_large())
                }
                Err(_) => return Err(corrupt("lz4 block does not decompress")),
            }
        }
    }
    output.truncate(filled);
    if flg & FLG_CONTENT_CHECKSUM != 0 {
        take(&mut input, 4, corrupt)?;
    }
    Ok(Some(input))
}

/// Zero-extends `output` to at least `len` bytes.
fn grow(output: &mut Vec<u8>, len: usize) {
    if output.len() < len {
        output.resize(len, 0);
    }
}

fn decompress_dependent(
    input: &[u8],
    max_output: usize,
    too_large: impl Fn() -> EngineError,
    corrupt: impl Fn(&str) -> EngineError,
) -> Result<Vec<u8>> {
    let limit = u64::try_from(max_output).unwrap_or(u64::MAX).saturating_add(1);
    let mut output = Vec::new();
    lz4_flex::frame::FrameDecoder::new(input)
        .take(limit)
        .read_to_end(&mut output)
        .map_err(|error| corrupt(&error.to_string()))?;
    if output.len() > max_output {
        return Err(too_large());
    }
    Ok(output)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn too_large() -> EngineError {
        EngineError::InvalidRecord("too large".into())
    }

    fn corrupt(reason: &str) -> EngineError {
        EngineError::CorruptMessage(reason.into())
    }

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| ((i / 7) % 251) as u8 ^ (i % 3) as u8).collect()
    }

    fn encode_with_lz4_flex(info: lz4_flex::frame::FrameInfo, input: &[u8]) -> Vec<u8> {
        let mut encoder = lz4_flex::frame::FrameEncoder::with_frame_info(info, Vec::new());
        encoder.write_all(input).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn header_matches_lz4_flex_for_the_same_settings() {
        let info = lz4_flex::frame::FrameInfo::new()
            .block_size(lz4_flex::frame::BlockSize::Max64KB)
            .block_mode(lz4_flex::frame::BlockMode::Independent);
        assert_eq!(&encode_with_lz4_flex(info, b"x")[..7], &compress(b"x").unwrap()[..7]);
    }

    #[test]
    fn lz4_flex_reads_what_we_write() {
        for len in [0, 1, 1000, BLOCK_SIZE, 3 * BLOCK_SIZE + 17] {
            let input = sample(len);
            let mut decoded = Vec::new();
            lz4_flex::frame::FrameDecoder::new(&compress(&input).unwrap()[..]).read_to_end(&mut decoded).unwrap();
            assert_eq!(decoded, input, "{len}");
        }
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let incompressible: Vec<u8> = (0..5000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 32) as u8
            })
            .collect();
        let frame = compress(&incompressible).unwrap();
        assert_ne!(u32::from_le_bytes(frame[7..11].try_into().unwrap()) & UNCOMPRESSED_BIT, 0);
        assert_eq!(decompress(&frame, 5000, too_large, corrupt).unwrap(), incompressible);
    }

    #[test]
    fn reads_every_independent_variant_and_concatenated_frames() {
        let input = sample(300_000);
        for block_size in [
            lz4_flex::frame::BlockSize::Max64KB,
            lz4_flex::frame::BlockSize::Max256KB,
            lz4_flex::frame::BlockSize::Max1MB,
            lz4_flex::frame::BlockSize::Max4MB,
        ] {
            for (block_checksums, content_checksum, content_size) in
                [(false, false, None), (true, true, Some(input.len() as u64)), (false, true, None)]
            {
                let mut info = lz4_flex::frame::FrameInfo::new()
                    .block_size(block_size)
                    .block_mode(lz4_flex::frame::BlockMode::Independent)
                    .block_checksums(block_checksums)
                    .content_checksum(content_checksum);
                info.content_size = content_size;
                let frame = encode_with_lz4_flex(info, &input);
                assert_eq!(decompress(&frame, input.len(), too_large, corrupt).unwrap(), input);
            }
        }
        let twice = [compress(&input[..1000]).unwrap(), compress(&input[1000..]).unwrap()].concat();
        assert_eq!(decompress(&twice, input.len(), too_large, corrupt).unwrap(), input);
    }

    #[test]
    fn dependent_blocks_fall_back_to_lz4_flex() {
        let input = sample(200_000);
        let info = lz4_flex::frame::FrameInfo::new().block_mode(lz4_flex::frame::BlockMode::Linked);
        let frame = encode_with_lz4_flex(info, &input);
        assert_eq!(decompress(&frame, input.len(), too_large, corrupt).unwrap(), input);
        assert!(matches!(decompress(&frame, input.len() - 1, too_large, corrupt), Err(EngineError::InvalidRecord(_))));
    }

    #[test]
    fn limit_and_damage_are_reported() {
        let input = sample(100_000);
        let frame = compress(&input).unwrap();
        assert!(matches!(decompress(&frame, input.len() - 1, too_large, corrupt), Err(EngineError::InvalidRecord(_))));
        for cut in [3, 6, 9, 40, frame.len() - 1] {
            assert!(
                matches!(decompress(&frame[..cut], 1 << 20, too_large, corrupt), Err(EngineError::CorruptMessage(_))),
                "cut {cut}"
            );
        }
        let mut bad_version = frame.clone();
        bad_version[4] = 0b1010_0000;
        assert!(matches!(decompress(&bad_version, 1 << 20, too_large, corrupt), Err(EngineError::CorruptMessage(_))));
    }
}
