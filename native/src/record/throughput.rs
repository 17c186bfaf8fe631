//! Validation and builder throughput, printed rather than asserted (timings on a shared machine are not
//! pass/fail material). Run with
//! `cargo test --release -p gregor-native record::throughput -- --ignored --nocapture`.

use std::time::{Duration, Instant};

use crate::record::builder::BatchBuilder;
use crate::record::compression::Compression;
use crate::record::iter::BatchRecords;
use crate::record::validate::{validate_batches, ValidationOptions};

/// Log-like 100-byte values: compressible, but not trivially.
fn value(i: usize) -> Vec<u8> {
    let mut value = format!(
        "{{\"ts\":{},\"level\":\"info\",\"host\":\"web-{}\",\"msg\":\"request {} served in {} ms\"}}",
        1_700_000_000_000u64 + i as u64 * 7,
        i % 17,
        i.wrapping_mul(2_654_435_761) % 100_000,
        i % 250
    )
    .into_bytes();
    value.resize(100, b' ');
    value
}

fn batch(records_bytes: usize, codec: Compression) -> (Vec<u8>, usize) {
    let values: Vec<Vec<u8>> = (0..records_bytes / 100).map(value).collect();
    let mut builder = BatchBuilder::new(0).compression(codec).producer(1, 0, 0);
    for (i, value) in values.iter().enumerate() {
        builder.append(1_700_000_000_000 + i as i64, None, Some(value), &[]).unwrap();
    }
    let uncompressed = builder.records_size();
    (builder.build().unwrap(), uncompressed)
}

/// Time of one `run`: the best mean over rounds of ~10 ms within `total`, so that other processes on a
/// shared machine inflate the figure less.
fn time(total: Duration, mut run: impl FnMut()) -> Duration {
    run();
    let start = Instant::now();
    let mut best = Duration::MAX;
    while start.elapsed() < total {
        let round = Instant::now();
        let mut iterations = 0u32;
        while round.elapsed() < Duration::from_millis(10) {
            run();
            iterations += 1;
        }
        best = best.min(round.elapsed() / iterations);
    }
    best
}

#[test]
#[ignore = "prints throughput figures; run explicitly"]
fn validation_throughput() {
    let options = ValidationOptions { max_batch_bytes: usize::MAX, ..ValidationOptions::default() };
    println!("records of 100 B; MB/s of uncompressed record bytes (batch MB/s for compressed input in brackets)");
    for size in [16 << 10, 1 << 20] {
        for codec in [Compression::None, Compression::Lz4, Compression::Zstd, Compression::Snappy, Compression::Gzip] {
            let (input, uncompressed) = batch(size, codec);
            let per_validation = time(Duration::from_millis(400), || {
                validate_batches(&input, &options).unwrap();
            });
            let headers_only = ValidationOptions { validate_records: false, ..options.clone() };
            let per_header_check = time(Duration::from_millis(200), || {
                validate_batches(&input, &headers_only).unwrap();
            });
            let per_iteration = time(Duration::from_millis(200), || {
                let records = BatchRecords::new(&input, usize::MAX).unwrap();
                assert!(records.iter().all(|record| record.is_ok()));
            });
            let mbps = |bytes: usize, per: Duration| bytes as f64 / per.as_secs_f64() / 1e6;
            println!(
                "{:>5} KiB {:<6} batch {:>7} B: validate {:>7.1} µs = {:>6.0} MB/s [{:>5.0}] | CRC+header only {:>6.0} MB/s | iterate {:>6.0} MB/s",
                size >> 10,
                codec.name(),
                input.len(),
                per_validation.as_secs_f64() * 1e6,
                mbps(uncompressed, per_validation),
                mbps(input.len(), per_validation),
                mbps(input.len(), per_header_check),
                mbps(uncompressed, per_iteration),
            );
        }
    }
}

#[test]
#[ignore = "prints throughput figures; run explicitly"]
fn builder_throughput() {
    let values: Vec<Vec<u8>> = (0..100).map(value).collect();
    for codec in [Compression::None, Compression::Lz4, Compression::Zstd] {
        let per_batch = time(Duration::from_millis(300), || {
            let mut builder = BatchBuilder::new(0).compression(codec).with_capacity(100 * 110);
            for value in &values {
                builder.append(1_700_000_000_000, None, Some(value), &[]).unwrap();
            }
            builder.build().unwrap();
        });
        println!("build 100 records of 100 B, {:<6}: {:>6.2} µs", codec.name(), per_batch.as_secs_f64() * 1e6);
    }
}

#[test]
#[ignore = "prints throughput figures; run explicitly"]
fn decompression_cost() {
    let values: Vec<u8> = (0..110).flat_map(value).collect();
    for codec in [Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd] {
        let compressed = crate::record::compression::compress(codec, &values).unwrap();
        let per = time(Duration::from_millis(300), || {
            crate::record::compression::decompress(codec, &compressed, 1 << 20).unwrap();
        });
        println!(
            "decompress {} B of {:<6} to {} B: {:>6.2} µs",
            compressed.len(),
            codec.name(),
            values.len(),
            per.as_secs_f64() * 1e6
        );
    }
}
