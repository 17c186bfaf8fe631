//! Property tests: no input makes the record decoders panic (a panic across N-API kills Node), and what
//! the builder writes, the iterator and validation read back unchanged.

use proptest::collection::vec;
use proptest::prelude::*;

use crate::record::batch::{update_crc, verify_crc, BatchHeader, HEADER_LEN};
use crate::record::builder::BatchBuilder;
use crate::record::compression::{compress, decompress, Compression};
use crate::record::iter::BatchRecords;
use crate::record::validate::{validate_batches, ValidationOptions};

const LIMIT: usize = 1 << 20;

type Header = (Vec<u8>, Option<Vec<u8>>);

#[derive(Clone, Debug)]
struct TestRecord {
    timestamp: i64,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<Header>,
}

fn codec() -> impl Strategy<Value = Compression> {
    prop_oneof![
        Just(Compression::None),
        Just(Compression::Gzip),
        Just(Compression::Snappy),
        Just(Compression::Lz4),
        Just(Compression::Zstd),
    ]
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..max)
}

fn record() -> impl Strategy<Value = TestRecord> {
    (
        any::<i64>(),
        proptest::option::of(bytes(40)),
        proptest::option::of(bytes(200)),
        vec((bytes(10), proptest::option::of(bytes(20))), 0..3),
    )
        .prop_map(|(timestamp, key, value, headers)| TestRecord { timestamp, key, value, headers })
}

fn build(base_offset: i64, codec: Compression, records: &[TestRecord]) -> Vec<u8> {
    let mut builder = BatchBuilder::new(base_offset).compression(codec).producer(5, 2, 100);
    for record in records {
        let headers: Vec<(&[u8], Option<&[u8]>)> =
            record.headers.iter().map(|(k, v)| (k.as_slice(), v.as_deref())).collect();
        builder.append(record.timestamp, record.key.as_deref(), record.value.as_deref(), &headers).unwrap();
    }
    builder.build().unwrap()
}

/// Runs every decoder over `bytes`; only the absence of a panic matters.
fn decode_everything(bytes: &[u8]) {
    let _ = BatchHeader::parse(bytes);
    let _ = verify_crc(bytes);
    let _ = validate_batches(bytes, &ValidationOptions { max_decompressed_bytes: LIMIT, ..Default::default() });
    if let Ok(records) = BatchRecords::new(bytes, LIMIT) {
        for record in records.iter().flatten() {
            record.headers.iter().for_each(drop);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(input in bytes(400)) {
        decode_everything(&input);
        for codec in [Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd] {
            let _ = decompress(codec, &input, LIMIT);
        }
    }

    #[test]
    fn arbitrary_bytes_behind_a_plausible_header_never_panic(
        codec in codec(),
        count in any::<i32>(),
        body in bytes(300),
        snappy_framing in any::<bool>(),
    ) {
        // A header that passes the cheap checks, so the record parser and the decompressors see the body.
        let mut batch = build(0, codec, &[]);
        batch.truncate(HEADER_LEN);
        if codec == Compression::Snappy && snappy_framing {
            batch.extend_from_slice(&[0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1]);
        }
        batch.extend_from_slice(&body);
        let length = (batch.len() - 12) as i32;
        batch[8..12].copy_from_slice(&length.to_be_bytes());
        batch[23..27].copy_from_slice(&count.wrapping_sub(1).to_be_bytes());
        batch[57..61].copy_from_slice(&count.to_be_bytes());
        update_crc(&mut batch);
        decode_everything(&batch);
    }

    #[test]
    fn mutated_batches_never_panic(
        codec in codec(),
        records in vec(record(), 1..6),
        mutations in vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        fix_crc in any::<bool>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut batch = build(0, codec, &records);
        for (at, byte) in mutations {
            let at = at.index(batch.len());
            batch[at] = byte;
        }
        if fix_crc && batch.len() >= HEADER_LEN {
            update_crc(&mut batch);
        }
        decode_everything(&batch);
        decode_everything(&batch[..cut.index(batch.len() + 1)]);
    }

    #[test]
    fn builder_round_trips_through_the_iterator(
        codec in codec(),
        base_offset in 0i64..(1 << 50),
        records in vec(record(), 1..20),
    ) {
        let batch = build(base_offset, codec, &records);
        let validated = validate_batches(&batch, &ValidationOptions::default()).unwrap();
        prop_assert_eq!(validated.len(), 1);
        let header = validated[0].header;
        prop_assert_eq!(header.records_count as usize, records.len());
        prop_assert_eq!(header.max_timestamp, records.iter().map(|r| r.timestamp).max().unwrap());
        let decoded = BatchRecords::new(&batch, LIMIT).unwrap();
        let mut count = 0;
        for (index, (record, expected)) in decoded.iter().zip(&records).enumerate() {
            let record = record.unwrap();
            prop_assert_eq!(record.offset, base_offset + index as i64);
            prop_assert_eq!(record.timestamp, expected.timestamp);
            prop_assert_eq!(record.key, expected.key.as_deref());
            prop_assert_eq!(record.value, expected.value.as_deref());
            let headers: Vec<Header> = record.headers.iter().map(|(k, v)| (k.to_vec(), v.map(<[u8]>::to_vec))).collect();
            prop_assert_eq!(&headers, &expected.headers);
            count += 1;
        }
        prop_assert_eq!(count, records.len());
    }

    #[test]
    fn every_truncation_of_a_valid_batch_is_refused(codec in codec(), records in vec(record(), 1..4)) {
        let batch = build(0, codec, &records);
        for cut in 0..batch.len() {
            prop_assert!(validate_batches(&batch[..cut], &ValidationOptions::default()).is_err());
        }
    }
}

proptest! {
    // Inputs up to 70 KB cross snappy's 32 KiB and lz4's 64 KiB blocks; fewer cases keep debug runs short.
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_codec_round_trips_arbitrary_bytes(codec in codec(), input in bytes(70_000)) {
        let compressed = compress(codec, &input).unwrap();
        prop_assert_eq!(decompress(codec, &compressed, input.len()).unwrap(), input.clone());
        if !input.is_empty() {
            prop_assert!(decompress(codec, &compressed, input.len() - 1).is_err());
        }
    }
}
