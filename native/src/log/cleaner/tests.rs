//! Cleaning passes over real logs: what survives, what goes, what never changes, and what a crash
//! during the swap leaves.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::*;
use crate::log::log::{AppendOptions, Log, OpenOptions};
use crate::log::WriteMode;
use crate::record::batch::{verify_crc, TimestampType};
use crate::record::validate::ValidationOptions;
use crate::record::{BatchBuilder, Compression};

const NOW: i64 = 1_000_000;

/// One record as read back: offset, timestamp, key, value (None: tombstone).
type Row = (i64, i64, Vec<u8>, Option<Vec<u8>>);

fn log_config() -> LogConfig {
    LogConfig {
        segment_bytes: 1 << 20,
        index_interval_bytes: 128,
        write_mode: WriteMode::Pwrite,
        ..LogConfig::default()
    }
}

fn cleaner_config() -> CleanerConfig {
    CleanerConfig { delete_retention_ms: 5_000, min_cleanable_dirty_ratio: 0.0, ..CleanerConfig::default() }
}

fn open(dir: &Path) -> SharedLog {
    let options = OpenOptions { recovery_point: 0, log_start_offset: 0, clean_shutdown: false, now_ms: NOW };
    SharedLog::new(Log::open(dir, log_config(), options).unwrap().0)
}

fn partition_dir(root: &tempfile::TempDir) -> PathBuf {
    root.path().join("compacted-0")
}

/// Appends one batch of (key, value) records stamped `timestamp`, from producer 4 when `idempotent`.
fn append(log: &SharedLog, codec: Compression, records: &[(&str, Option<&str>)], timestamp: i64) -> i64 {
    let mut builder = BatchBuilder::new(0).compression(codec);
    for (key, value) in records {
        builder.append(timestamp, Some(key.as_bytes()), value.map(str::as_bytes), &[]).unwrap();
    }
    let mut bytes = builder.build().unwrap();
    let options = AppendOptions { leader_epoch: 3, timestamp_type: TimestampType::CreateTime, now_ms: timestamp };
    log.lock().unwrap().append(&mut bytes, &ValidationOptions::default(), &options).unwrap().base_offset
}

fn roll(log: &SharedLog) {
    log.lock().unwrap().roll(NOW, 0).unwrap();
}

/// Every record from the log start to the end, checking CRCs and that batches come in offset order.
fn read_all(log: &SharedLog) -> Vec<Row> {
    let mut log = log.lock().unwrap();
    let (mut offset, end) = (log.log_start_offset(), log.log_end_offset());
    let mut rows = Vec::new();
    while let Some(slice) = log.read(offset, 1 << 16, end).unwrap() {
        let bytes = slice.mapping.bytes(slice.position, slice.len).unwrap();
        for batch in batches(bytes) {
            let (position, header) = batch.unwrap();
            let batch = &bytes[position..position + header.size()];
            verify_crc(batch).unwrap();
            assert!(header.base_offset >= offset, "batches in offset order");
            for record in BatchRecords::new(batch, 1 << 20).unwrap().iter() {
                let record = record.unwrap();
                rows.push((
                    record.offset,
                    record.timestamp,
                    record.key.unwrap().to_vec(),
                    record.value.map(<[u8]>::to_vec),
                ));
            }
        }
        offset = slice.next_offset;
    }
    rows
}

/// What a perfect compaction of `rows` up to `up_to` keeps: below it, the latest record of each key
/// among those below it; from it on, everything.
fn compacted(rows: &[Row], up_to: i64) -> Vec<Row> {
    let latest: BTreeMap<&[u8], i64> = rows.iter().filter(|row| row.0 < up_to).map(|row| (&row.2[..], row.0)).collect();
    rows.iter().filter(|row| row.0 >= up_to || latest[&row.2[..]] == row.0).cloned().collect()
}

fn cleaned(cleaning: Cleaning) -> CleanerStats {
    match cleaning {
        Cleaning::Cleaned(stats) => stats,
        other => panic!("expected a cleaning pass, got {other:?}"),
    }
}

/// Three closed segments of overwritten keys (every codec) and an active segment that repeats a key.
fn overwritten_log(dir: &Path) -> (SharedLog, Vec<Row>) {
    let log = open(dir);
    let codecs = [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd];
    for round in 0..3 {
        for (index, codec) in codecs.iter().enumerate() {
            let value = format!("v{round}-{index}");
            append(
                &log,
                *codec,
                &[("a", Some(&value)), (&format!("k{index}"), Some(&value)), ("b", Some(&value))],
                NOW - 60_000 + round,
            );
        }
        roll(&log);
    }
    append(&log, Compression::None, &[("a", Some("active-1")), ("a", Some("active-2"))], NOW);
    let rows = read_all(&log);
    (log, rows)
}

#[test]
fn keeps_the_latest_record_of_every_key_at_its_offset_and_leaves_the_active_segment_alone() {
    let root = tempfile::tempdir().unwrap();
    let (log, before) = overwritten_log(&partition_dir(&root));
    let active_base = log.lock().unwrap().segment_infos().last().unwrap().0;
    let size_before = log.lock().unwrap().size();

    let stats = cleaned(clean(&log, &cleaner_config(), NOW, i64::MAX).unwrap());
    assert_eq!((stats.first_dirty_offset, stats.cleaned_up_to), (0, active_base));
    assert_eq!(stats.records_read, 45);
    assert_eq!(stats.records_kept, 7, "a, b and k0..k4 once each below the active segment");
    let after = read_all(&log);
    assert_eq!(after, compacted(&before, active_base));
    assert!(after.iter().filter(|row| row.0 >= active_base).count() == 2, "the active segment keeps both");
    assert!(log.lock().unwrap().size() < size_before / 3);
    assert_eq!(checkpoint::first_dirty_offset(&partition_dir(&root)).unwrap(), Some(active_base));

    // Reopening finds the same log; a second pass has nothing new to do.
    drop(log);
    let log = open(&partition_dir(&root));
    assert_eq!(read_all(&log), after);
    let config = CleanerConfig { min_cleanable_dirty_ratio: 0.5, ..cleaner_config() };
    assert_eq!(clean(&log, &config, NOW, i64::MAX).unwrap(), Cleaning::NotNeeded { dirty_ratio: 0.0 });
}

#[test]
fn rewritten_batches_keep_codec_producer_and_timestamps() {
    let root = tempfile::tempdir().unwrap();
    let log = open(&partition_dir(&root));
    let mut builder = BatchBuilder::new(0).compression(Compression::Zstd).producer(77, 5, 100);
    builder.append(NOW - 10, Some(b"x"), Some(b"old"), &[]).unwrap();
    builder.append(NOW - 9, Some(b"y"), Some(b"kept"), &[]).unwrap();
    let mut bytes = builder.build().unwrap();
    let options = AppendOptions { leader_epoch: 8, timestamp_type: TimestampType::CreateTime, now_ms: NOW };
    log.lock().unwrap().append(&mut bytes, &ValidationOptions::default(), &options).unwrap();
    append(&log, Compression::None, &[("x", Some("new"))], NOW - 5);
    roll(&log);
    append(&log, Compression::None, &[("z", Some("active"))], NOW);

    cleaned(clean(&log, &cleaner_config(), NOW, i64::MAX).unwrap());
    let mut locked = log.lock().unwrap();
    let slice = locked.read(0, 1 << 20, i64::MAX).unwrap().unwrap();
    let header = BatchHeader::parse(slice.mapping.bytes(slice.position, slice.len).unwrap()).unwrap();
    assert_eq!(header.compression().unwrap(), Compression::Zstd);
    assert_eq!((header.producer_id, header.producer_epoch, header.base_sequence), (77, 5, 100));
    assert_eq!((header.base_offset, header.last_offset(), header.records_count), (0, 1, 1));
    assert_eq!((header.partition_leader_epoch, header.max_timestamp), (8, NOW - 9));
    drop(locked);
    assert_eq!(read_all(&log)[0], (1, NOW - 9, b"y".to_vec(), Some(b"kept".to_vec())));
}

#[test]
fn tombstones_survive_the_first_pass_and_expire_after_delete_retention() {
    let root = tempfile::tempdir().unwrap();
    let log = open(&partition_dir(&root));
    append(&log, Compression::Lz4, &[("user-1", Some("alice")), ("user-2", Some("bob"))], NOW - 100);
    append(&log, Compression::Lz4, &[("user-1", None)], NOW - 50);
    roll(&log);
    append(&log, Compression::None, &[("user-3", Some("carol"))], NOW);
    let config = cleaner_config();

    cleaned(clean(&log, &config, NOW, i64::MAX).unwrap());
    let rows = read_all(&log);
    assert_eq!(rows.iter().map(|row| (row.0, row.3.is_some())).collect::<Vec<_>>(), [(1, true), (2, false), (3, true)]);

    // Nothing is dirty and the horizon (NOW + 5 s) is ahead: nothing to do.
    let strict = CleanerConfig { min_cleanable_dirty_ratio: 0.5, ..config.clone() };
    assert!(matches!(clean(&log, &strict, NOW + 4_999, i64::MAX).unwrap(), Cleaning::NotNeeded { .. }));
    // Once it has passed, the horizon alone brings a pass, which drops the tombstone.
    let stats = cleaned(clean(&log, &strict, NOW + 5_000, i64::MAX).unwrap());
    assert_eq!(stats.records_kept, 1);
    let rows = read_all(&log);
    assert_eq!(rows.iter().map(|row| row.2.clone()).collect::<Vec<_>>(), [b"user-2".to_vec(), b"user-3".to_vec()]);
    assert_eq!(rows[0].1, NOW - 100, "timestamps survive the horizon stamp");
}

#[test]
fn honours_the_compaction_lag_the_dirty_ratio_and_the_callers_bound() {
    let root = tempfile::tempdir().unwrap();
    let (log, before) = overwritten_log(&partition_dir(&root));
    let infos = log.lock().unwrap().segment_infos();
    let bases: Vec<i64> = infos.iter().map(|info| info.0).collect();

    // Segment 3 is 1 ms newer than the lag allows: it stays dirty.
    let lagging = CleanerConfig { min_compaction_lag_ms: 60_000 - 1, ..cleaner_config() };
    let stats = cleaned(clean(&log, &lagging, NOW, i64::MAX).unwrap());
    assert_eq!(stats.cleaned_up_to, bases[2]);
    assert_eq!(read_all(&log), compacted(&before, bases[2]));

    // Now segments 1–2 are one clean segment and segment 3 is dirty: the pass runs at that ratio, not
    // above it.
    let infos = log.lock().unwrap().segment_infos();
    assert_eq!(infos.iter().map(|info| info.0).collect::<Vec<_>>(), [0, bases[2], bases[3]]);
    let ratio = infos[1].1 as f64 / (infos[0].1 + infos[1].1) as f64;
    let above = CleanerConfig { min_cleanable_dirty_ratio: ratio + 1e-9, ..cleaner_config() };
    assert_eq!(clean(&log, &above, NOW, i64::MAX).unwrap(), Cleaning::NotNeeded { dirty_ratio: ratio });
    let at = CleanerConfig { min_cleanable_dirty_ratio: ratio, ..cleaner_config() };
    assert_eq!(cleaned(clean(&log, &at, NOW, i64::MAX).unwrap()).dirty_ratio, ratio);

    // Nothing at or past the caller's bound (the high watermark) is cleaned.
    let root = tempfile::tempdir().unwrap();
    let (log, before) = overwritten_log(&partition_dir(&root));
    let stats = cleaned(clean(&log, &cleaner_config(), NOW, bases[2] - 1).unwrap());
    assert_eq!(stats.cleaned_up_to, bases[1]);
    assert_eq!(read_all(&log), compacted(&before, bases[1]));
}

#[test]
fn a_small_dedupe_buffer_cleans_in_several_passes() {
    let root = tempfile::tempdir().unwrap();
    let log = open(&partition_dir(&root));
    for round in 0..4 {
        for key in 0..50 {
            append(&log, Compression::None, &[(&format!("key-{key}"), Some(&format!("{round}")))], NOW);
        }
        roll(&log);
    }
    append(&log, Compression::None, &[("tail", Some("t"))], NOW);
    let before = read_all(&log);
    let end = log.lock().unwrap().segment_infos().last().unwrap().0;
    let config = CleanerConfig { dedupe_buffer_bytes: 30 * (48 + 6), ..cleaner_config() };
    let mut passes = 0;
    loop {
        let stats = cleaned(clean(&log, &config, NOW, i64::MAX).unwrap());
        passes += 1;
        if stats.cleaned_up_to == end {
            break;
        }
        assert!(passes < 20, "passes make progress");
    }
    assert!(passes > 1);
    assert_eq!(read_all(&log), compacted(&before, end));
}

#[test]
fn views_of_replaced_segments_stay_readable() {
    let root = tempfile::tempdir().unwrap();
    let (log, _) = overwritten_log(&partition_dir(&root));
    let slice = log.lock().unwrap().read(0, 1 << 20, i64::MAX).unwrap().unwrap();
    let copy = slice.mapping.bytes(slice.position, slice.len).unwrap().to_vec();
    cleaned(clean(&log, &cleaner_config(), NOW, i64::MAX).unwrap());
    assert!(!partition_dir(&root).join(format!("{}.swap", file_name(0, "log"))).exists());
    assert_eq!(slice.mapping.bytes(slice.position, slice.len).unwrap(), &copy[..]);
}

#[test]
fn the_last_batch_of_a_producer_stays_as_an_empty_batch() {
    let root = tempfile::tempdir().unwrap();
    let log = open(&partition_dir(&root));
    let mut builder = BatchBuilder::new(0).producer(42, 0, 0);
    builder.append(NOW, Some(b"k"), Some(b"first"), &[]).unwrap();
    builder.append(NOW, Some(b"k"), Some(b"second"), &[]).unwrap();
    let mut bytes = builder.build().unwrap();
    let options = AppendOptions { leader_epoch: 0, timestamp_type: TimestampType::CreateTime, now_ms: NOW };
    log.lock().unwrap().append(&mut bytes, &ValidationOptions::default(), &options).unwrap();
    append(&log, Compression::None, &[("k", Some("third"))], NOW);
    append(&log, Compression::None, &[("other", Some("x"))], NOW);
    roll(&log);
    append(&log, Compression::None, &[("k", Some("fourth"))], NOW);

    cleaned(clean(&log, &cleaner_config(), NOW, i64::MAX).unwrap());
    let headers = log.lock().unwrap().batch_headers(0, 10).unwrap();
    let producer = headers.iter().find(|header| header.producer_id == 42).expect("producer 42's batch");
    assert_eq!((producer.base_offset, producer.last_offset(), producer.records_count), (0, 1, 0));
    assert_eq!(read_all(&log).iter().map(|row| row.0).collect::<Vec<_>>(), [2, 3, 4]);
}

#[test]
fn opening_finishes_a_swap_that_a_crash_interrupted() {
    // Two identical logs; the second is cleaned, and its new segment is dropped into the first as
    // `.swap` files, as if a crash had struck the first one's pass just after step 2.
    let (root_a, root_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (dir_a, dir_b) = (partition_dir(&root_a), partition_dir(&root_b));
    let (log_a, _) = overwritten_log(&dir_a);
    let (log_b, _) = overwritten_log(&dir_b);
    cleaned(clean(&log_b, &cleaner_config(), NOW, i64::MAX).unwrap());
    let expected = read_all(&log_b);
    drop((log_a, log_b));
    for kind in ["index", "timeindex", "log"] {
        fs::copy(dir_b.join(file_name(0, kind)), dir_a.join(format!("{}.swap", file_name(0, kind)))).unwrap();
    }
    fs::create_dir(dir_a.join(swap::STAGING_DIR)).unwrap();

    let log_a = open(&dir_a);
    assert_eq!(read_all(&log_a), expected);
    let mut names: Vec<String> =
        fs::read_dir(&dir_a).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.retain(|name| name.contains("swap") || name.starts_with('.'));
    assert!(names.is_empty(), "{names:?}");
}
