//! Validates the record batches of one produce partition before anything is appended, as Kafka's
//! `LogValidator` and `UnifiedLog.analyzeAndValidateRecords` do. All or nothing: the first bad batch fails
//! the whole input.
//!
//! Checks, in order, and the error each gives:
//! - a batch header cut short, a batchLength below the header or past the input: `CorruptMessage`;
//! - magic other than 2 (legacy message sets are refused, as Kafka 4 does): `InvalidRecord`;
//! - a batch larger than `max_batch_bytes` (`max.message.bytes`): `MessageTooLarge`;
//! - the CRC-32C: `CorruptMessage`;
//! - codec ids 5–7: `UnsupportedCompression`;
//! - recordsCount ≤ 0 or ≠ lastOffsetDelta + 1, a control batch (only coordinators write those), a
//!   producer id without a base sequence: `InvalidRecord`;
//! - with `validate_records`, every record is parsed while it is decompressed (`record_check`, at most
//!   `max_decompressed_bytes`): bad varints, lengths past the end, offset deltas other than 0..n−1, a
//!   count that does not match the records, a record without a key under `require_keys`, and a
//!   decompressed size over the limit give `InvalidRecord`; compressed bytes that do not decode give
//!   `CorruptMessage`.
//!
//! Kafka rebuilds a compressed batch whose offset deltas are not 0..n−1; gregor stores batches as the
//! producer sent them, so it refuses such a batch instead (no client writes one).

use crate::error::{EngineError, Result};
use crate::record::batch::{
    read_i32, verify_crc, BatchHeader, BATCH_LENGTH_OFFSET, HEADER_LEN, LOG_OVERHEAD, MAGIC, MAGIC_OFFSET,
};
use crate::record::record_check::check_records;

#[derive(Clone, Debug)]
pub struct ValidationOptions {
    /// Largest batch accepted, header included (the topic's `max.message.bytes`).
    pub max_batch_bytes: usize,
    /// Largest decompressed size of a compressed batch's records (a compression-bomb guard).
    pub max_decompressed_bytes: usize,
    /// Parse every record (Kafka always does for producer batches); off, only headers and CRCs are checked.
    pub validate_records: bool,
    /// Refuse records without a key (a compacted topic's input); checked only with `validate_records`.
    pub require_keys: bool,
}

impl Default for ValidationOptions {
    /// Kafka's `message.max.bytes` default (1 MiB + 12), a 64 MiB decompression limit, records checked,
    /// keys not required.
    fn default() -> Self {
        ValidationOptions {
            max_batch_bytes: 1_048_588,
            max_decompressed_bytes: 64 << 20,
            validate_records: true,
            require_keys: false,
        }
    }
}

/// One valid batch of the input: `input[position..position + size]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidatedBatch {
    pub position: usize,
    pub size: usize,
    pub header: BatchHeader,
}

/// Validates every batch of `input`, which must be whole batches back to back (one or more).
pub fn validate_batches(input: &[u8], options: &ValidationOptions) -> Result<Vec<ValidatedBatch>> {
    if input.is_empty() {
        return Err(EngineError::InvalidRecord("no record batch".into()));
    }
    let mut batches = Vec::with_capacity(1);
    let mut position = 0;
    while position < input.len() {
        let size = frame(&input[position..], options)?;
        let batch = &input[position..position + size];
        let header = validate_batch(batch, options).map_err(|error| at_position(error, position))?;
        batches.push(ValidatedBatch { position, size, header });
        position += size;
    }
    Ok(batches)
}

/// The size of the batch at the start of `rest`, after the checks that need only its first bytes.
fn frame(rest: &[u8], options: &ValidationOptions) -> Result<usize> {
    if rest.len() > MAGIC_OFFSET && rest[MAGIC_OFFSET] as i8 != MAGIC {
        return Err(EngineError::InvalidRecord(format!(
            "record batch magic {} (only magic {MAGIC} is accepted)",
            rest[MAGIC_OFFSET] as i8
        )));
    }
    if rest.len() < HEADER_LEN {
        return Err(EngineError::CorruptMessage(format!(
            "trailing {} bytes are not a whole record batch header",
            rest.len()
        )));
    }
    let batch_length = read_i32(rest, BATCH_LENGTH_OFFSET);
    let size = usize::try_from(batch_length)
        .ok()
        .map(|length| length + LOG_OVERHEAD)
        .filter(|size| *size >= HEADER_LEN)
        .ok_or_else(|| EngineError::CorruptMessage(format!("record batch length {batch_length}")))?;
    if size > rest.len() {
        return Err(EngineError::CorruptMessage(format!(
            "record batch of {size} bytes is truncated to {}",
            rest.len()
        )));
    }
    if size > options.max_batch_bytes {
        return Err(EngineError::MessageTooLarge(format!(
            "record batch of {size} bytes exceeds max.message.bytes {}",
            options.max_batch_bytes
        )));
    }
    Ok(size)
}

/// Checks batches a follower fetched from its leader, which validated them when it appended them:
/// framing, magic, CRC, codec and the record count against lastOffsetDelta. Records are not parsed and
/// the producer rules are not applied again (Kafka's follower append does the same); the size limit is
/// the leader's concern too.
pub fn validate_replicated_batches(input: &[u8]) -> Result<Vec<ValidatedBatch>> {
    if input.is_empty() {
        return Err(EngineError::InvalidRecord("no record batch".into()));
    }
    let unbounded =
        ValidationOptions { max_batch_bytes: usize::MAX, validate_records: false, ..ValidationOptions::default() };
    let mut batches = Vec::new();
    let mut position = 0;
    while position < input.len() {
        let size = frame(&input[position..], &unbounded)?;
        let batch = &input[position..position + size];
        let header = replicated_header(batch).map_err(|error| at_position(error, position))?;
        batches.push(ValidatedBatch { position, size, header });
        position += size;
    }
    Ok(batches)
}

fn replicated_header(batch: &[u8]) -> Result<BatchHeader> {
    verify_crc(batch)?;
    let header = BatchHeader::parse(batch)?;
    header.compression()?;
    if header.records_count < 0 || i64::from(header.last_offset_delta) < i64::from(header.records_count) - 1 {
        return Err(invalid(format!(
            "lastOffsetDelta {} with recordsCount {}",
            header.last_offset_delta, header.records_count
        )));
    }
    Ok(header)
}

fn validate_batch(batch: &[u8], options: &ValidationOptions) -> Result<BatchHeader> {
    verify_crc(batch)?;
    let header = BatchHeader::parse(batch)?;
    header.compression()?;
    if header.records_count <= 0 {
        return Err(invalid(format!("recordsCount {}", header.records_count)));
    }
    if i64::from(header.last_offset_delta) + 1 != i64::from(header.records_count) {
        return Err(invalid(format!(
            "lastOffsetDelta {} does not match recordsCount {}",
            header.last_offset_delta, header.records_count
        )));
    }
    if header.is_control() {
        return Err(invalid("control batches are written by coordinators, not producers".into()));
    }
    if header.has_producer_id() && header.base_sequence < 0 {
        return Err(invalid(format!("producer {} sent baseSequence {}", header.producer_id, header.base_sequence)));
    }
    if options.validate_records {
        check_records(
            header.compression()?,
            &batch[HEADER_LEN..],
            header.records_count,
            options.max_decompressed_bytes,
            options.require_keys,
        )?;
    }
    Ok(header)
}

fn invalid(reason: String) -> EngineError {
    EngineError::InvalidRecord(reason)
}

fn at_position(error: EngineError, position: usize) -> EngineError {
    match error {
        EngineError::CorruptMessage(m) => EngineError::CorruptMessage(format!("batch at byte {position}: {m}")),
        EngineError::InvalidRecord(m) => EngineError::InvalidRecord(format!("batch at byte {position}: {m}")),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::batch::{
        update_crc, BASE_SEQUENCE_OFFSET, CRC_OFFSET, LAST_OFFSET_DELTA_OFFSET, RECORDS_COUNT_OFFSET, RECORDS_OFFSET,
    };
    use crate::record::builder::BatchBuilder;
    use crate::record::compression::Compression;

    const CODECS: [Compression; 5] =
        [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd];

    fn batch(codec: Compression, records: usize) -> Vec<u8> {
        let mut builder = BatchBuilder::new(0).compression(codec).producer(1, 0, 0);
        for i in 0..records {
            builder.append(1_000 + i as i64, Some(format!("key-{i}").as_bytes()), Some(&[i as u8; 40]), &[]).unwrap();
        }
        builder.build().unwrap()
    }

    fn options() -> ValidationOptions {
        ValidationOptions::default()
    }

    fn is_invalid(result: Result<Vec<ValidatedBatch>>) -> bool {
        matches!(result, Err(EngineError::InvalidRecord(_)))
    }

    fn is_corrupt(result: Result<Vec<ValidatedBatch>>) -> bool {
        matches!(result, Err(EngineError::CorruptMessage(_)))
    }

    /// Overwrites bytes of a batch and recomputes its CRC, so only the intended check can fail.
    fn altered(mut batch: Vec<u8>, at: usize, bytes: &[u8]) -> Vec<u8> {
        batch[at..at + bytes.len()].copy_from_slice(bytes);
        update_crc(&mut batch);
        batch
    }

    #[test]
    fn accepts_several_batches_of_every_codec() {
        let mut input = Vec::new();
        for codec in CODECS {
            input.extend(batch(codec, 10));
        }
        let batches = validate_batches(&input, &options()).unwrap();
        assert_eq!(batches.len(), 5);
        assert_eq!(batches[0].position, 0);
        assert_eq!(batches[4].position + batches[4].size, input.len());
        for (validated, codec) in batches.iter().zip(CODECS) {
            assert_eq!(validated.header.compression().unwrap(), codec);
            assert_eq!(validated.header.size(), validated.size);
        }
    }

    #[test]
    fn bad_crc_is_corrupt() {
        let mut input = batch(Compression::None, 3);
        input[CRC_OFFSET] ^= 1;
        assert!(is_corrupt(validate_batches(&input, &options())));
    }

    #[test]
    fn truncated_or_trailing_bytes_are_corrupt() {
        let whole = batch(Compression::None, 3);
        assert!(is_corrupt(validate_batches(&whole[..whole.len() - 1], &options())));
        assert!(is_corrupt(validate_batches(&whole[..40], &options())));
        let mut trailing = whole.clone();
        trailing.extend_from_slice(&whole[..30]);
        assert!(is_corrupt(validate_batches(&trailing, &options())));
        let short_length = altered(whole, BATCH_LENGTH_OFFSET, &10i32.to_be_bytes());
        assert!(is_corrupt(validate_batches(&short_length, &options())));
    }

    #[test]
    fn empty_input_and_wrong_magic_are_invalid() {
        assert!(is_invalid(validate_batches(&[], &options())));
        let mut legacy = batch(Compression::None, 1);
        legacy[MAGIC_OFFSET] = 1;
        assert!(is_invalid(validate_batches(&legacy, &options())));
    }

    #[test]
    fn oversized_batch_is_too_large() {
        let input = batch(Compression::None, 10);
        let small = ValidationOptions { max_batch_bytes: input.len() - 1, ..options() };
        assert!(matches!(validate_batches(&input, &small), Err(EngineError::MessageTooLarge(_))));
        let exact = ValidationOptions { max_batch_bytes: input.len(), ..options() };
        validate_batches(&input, &exact).unwrap();
    }

    #[test]
    fn header_inconsistencies_are_invalid() {
        let base = batch(Compression::None, 3);
        let cases = [
            altered(base.clone(), LAST_OFFSET_DELTA_OFFSET, &1i32.to_be_bytes()),
            altered(base.clone(), RECORDS_COUNT_OFFSET, &2i32.to_be_bytes()),
            altered(
                altered(base.clone(), RECORDS_COUNT_OFFSET, &0i32.to_be_bytes()),
                LAST_OFFSET_DELTA_OFFSET,
                &(-1i32).to_be_bytes(),
            ),
            altered(base.clone(), BASE_SEQUENCE_OFFSET, &(-1i32).to_be_bytes()),
        ];
        for (index, input) in cases.iter().enumerate() {
            assert!(is_invalid(validate_batches(input, &options())), "case {index}");
        }
        let mut control = BatchBuilder::new(0).control(true);
        control.append(1, None, None, &[]).unwrap();
        assert!(is_invalid(validate_batches(&control.build().unwrap(), &options())));
    }

    #[test]
    fn count_mismatch_inside_compressed_records_is_invalid() {
        // Header says 4 records with lastOffsetDelta 3, but the compressed blob holds 3.
        for codec in CODECS {
            let input = altered(batch(codec, 3), RECORDS_COUNT_OFFSET, &4i32.to_be_bytes());
            let input = altered(input, LAST_OFFSET_DELTA_OFFSET, &3i32.to_be_bytes());
            assert!(is_invalid(validate_batches(&input, &options())), "{codec:?}");
        }
    }

    #[test]
    fn bad_varint_under_a_valid_crc_is_invalid() {
        // An overlong varint in the first record's length.
        let input = altered(batch(Compression::None, 2), RECORDS_OFFSET, &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        assert!(is_invalid(validate_batches(&input, &options())));
        let relaxed = ValidationOptions { validate_records: false, ..options() };
        validate_batches(&input, &relaxed).unwrap();
    }

    #[test]
    fn bad_varints_inside_compressed_records_are_invalid() {
        let mut records = batch(Compression::None, 2)[RECORDS_OFFSET..].to_vec();
        // The first record's timestamp delta becomes a varint of 11 bytes.
        records[2..13].fill(0xff);
        for codec in [Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd] {
            let mut input = batch(codec, 2);
            input.truncate(RECORDS_OFFSET);
            input.extend(crate::record::compression::compress(codec, &records).unwrap());
            let length = (input.len() - LOG_OVERHEAD) as i32;
            input[BATCH_LENGTH_OFFSET..BATCH_LENGTH_OFFSET + 4].copy_from_slice(&length.to_be_bytes());
            update_crc(&mut input);
            assert!(is_invalid(validate_batches(&input, &options())), "{codec:?}");
        }
    }

    #[test]
    fn offset_deltas_must_run_from_zero() {
        let mut builder = BatchBuilder::new(0).last_offset_delta(1);
        builder.append_at(1, 1, None, Some(b"a"), &[]).unwrap();
        builder.append_at(2, 1, None, Some(b"b"), &[]).unwrap();
        let input = altered(builder.build().unwrap(), LAST_OFFSET_DELTA_OFFSET, &1i32.to_be_bytes());
        assert!(is_invalid(validate_batches(&input, &options())));
    }

    #[test]
    fn compression_bombs_are_refused_for_every_codec() {
        for codec in [Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd] {
            let mut builder = BatchBuilder::new(0).compression(codec);
            builder.append(1, None, Some(&vec![0u8; 8 << 20]), &[]).unwrap();
            let input = builder.build().unwrap();
            let tight = ValidationOptions { max_decompressed_bytes: 1 << 20, ..options() };
            assert!(is_invalid(validate_batches(&input, &tight)), "{codec:?}");
        }
    }

    #[test]
    fn error_names_the_failing_batch() {
        let mut input = batch(Compression::None, 1);
        let mut second = batch(Compression::None, 1);
        second[CRC_OFFSET] ^= 1;
        let position = input.len();
        input.extend(second);
        let error = validate_batches(&input, &options()).unwrap_err();
        assert!(error.to_string().contains(&format!("byte {position}")), "{error}");
    }

    #[test]
    fn replicated_batches_are_checked_for_framing_and_crc_only() {
        let mut control = BatchBuilder::new(0).control(true);
        control.append(1, None, None, &[]).unwrap();
        let unsequenced = altered(batch(Compression::None, 2), BASE_SEQUENCE_OFFSET, &(-1i32).to_be_bytes());
        let garbled_records =
            altered(batch(Compression::None, 2), RECORDS_OFFSET, &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        let input = [control.build().unwrap(), unsequenced, garbled_records, batch(Compression::Zstd, 3)].concat();
        assert_eq!(validate_replicated_batches(&input).unwrap().len(), 4);
        let mut corrupt = input.clone();
        let last = corrupt.len() - 1;
        corrupt[last] ^= 0xff;
        assert!(is_corrupt(validate_replicated_batches(&corrupt)));
        assert!(is_corrupt(validate_replicated_batches(&input[..input.len() - 1])));
        assert!(is_invalid(validate_replicated_batches(&[])));
    }
}
