//! Tests of the whole `Log`: append and read across segment boundaries, roll, retention,
//! truncation, checkpoints of offsets, and recovery from torn, zeroed and corrupt files.

use std::fs::{self, OpenOptions as FileOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::error::EngineError;
use crate::log::config::{LogConfig, WriteMode};
use crate::log::log::{AppendOptions, Log, OpenOptions};
use crate::log::segment::{delete_all, file_name};
use crate::record::batch::{BatchHeader, TimestampType};
use crate::record::builder::BatchBuilder;
use crate::record::compression::Compression;
use crate::record::validate::ValidationOptions;

fn config(segment_bytes: usize, mode: WriteMode) -> LogConfig {
    LogConfig { segment_bytes, index_interval_bytes: 256, write_mode: mode, ..LogConfig::default() }
}

fn open(dir: &Path, config: &LogConfig, clean: bool, recovery_point: i64) -> Log {
    let options = OpenOptions { recovery_point, log_start_offset: 0, clean_shutdown: clean, now_ms: 1_000 };
    Log::open(dir, config.clone(), options).unwrap().0
}

/// A batch of `records` records of `value_len` bytes with timestamps from `timestamp`.
fn batch(records: usize, value_len: usize, timestamp: i64, codec: Compression) -> Vec<u8> {
    let mut builder = BatchBuilder::new(0).compression(codec);
    for i in 0..records {
        let value = vec![(i % 251) as u8; value_len];
        builder.append(timestamp + i as i64, Some(format!("k{i}").as_bytes()), Some(&value), &[]).unwrap();
    }
    builder.build().unwrap()
}

fn append(log: &mut Log, bytes: &[u8]) -> i64 {
    let mut input = bytes.to_vec();
    let options = AppendOptions { leader_epoch: 0, timestamp_type: TimestampType::CreateTime, now_ms: 1_000 };
    log.append(&mut input, &ValidationOptions::default(), &options).unwrap().base_offset
}

/// Appends 40 batches of two 300-byte records (several 4 KiB segments), the batch `i` timestamped
/// `first_timestamp + i * timestamp_step`.
fn append_forty_batches(log: &mut Log, first_timestamp: i64, timestamp_step: i64) {
    for i in 0..40 {
        append(log, &batch(2, 300, first_timestamp + i * timestamp_step, Compression::None));
    }
}

/// Reads everything from `offset` to the log end in reads of `max_bytes`, returning batch headers.
fn read_all(log: &mut Log, mut offset: i64, max_bytes: usize) -> Vec<BatchHeader> {
    let mut headers = Vec::new();
    let end = log.log_end_offset();
    while let Some(slice) = log.read(offset, max_bytes, end).unwrap() {
        let bytes = slice.mapping.bytes(slice.position, slice.len).unwrap();
        let mut at = 0;
        while at < bytes.len() {
            let header = BatchHeader::parse(&bytes[at..]).unwrap();
            crate::record::batch::verify_crc(&bytes[at..at + header.size()]).unwrap();
            at += header.size();
            headers.push(header);
        }
        offset = slice.next_offset;
    }
    headers
}

#[test]
fn appends_assign_contiguous_offsets_and_reads_return_the_covering_batches_across_rolls() {
    for mode in [WriteMode::Mmap, WriteMode::Pwrite] {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(8 * 1024, mode);
        let mut log = open(dir.path(), &cfg, false, 0);
        let mut expected = Vec::new();
        for i in 0..60 {
            let records = 1 + i % 5;
            let base = append(&mut log, &batch(records, 100, 10_000 + i as i64, Compression::None));
            expected.push((base, base + records as i64 - 1));
        }
        assert_eq!(log.log_end_offset(), expected.last().unwrap().1 + 1);
        assert!(log.segment_infos().len() >= 3, "small segments roll");

        // Every offset, including the base offsets of segments, finds the batch holding it.
        for &(base, last) in &expected {
            for offset in [base, last] {
                let slice = log.read(offset, 1, log.log_end_offset()).unwrap().unwrap();
                assert_eq!(slice.first_offset, base, "offset {offset}");
            }
        }
        let all = read_all(&mut log, 0, 3000);
        assert_eq!(all.iter().map(|h| (h.base_offset, h.last_offset())).collect::<Vec<_>>(), expected);
        // Never past max_offset; at least one batch even when larger than max_bytes.
        let (second_base, _) = expected[1];
        assert!(log.read(0, 1, second_base - 1).unwrap().is_none());
        assert_eq!(log.read(0, 1, second_base).unwrap().unwrap().next_offset, second_base);
        assert!(log.read(log.log_end_offset(), 100, i64::MAX).unwrap().is_none());
        assert!(matches!(log.read(log.log_end_offset() + 1, 100, i64::MAX), Err(EngineError::OffsetOutOfRange(_))));
    }
}

#[test]
fn reopen_after_clean_close_keeps_everything_and_appends_continue() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(16 * 1024, WriteMode::Mmap);
    let mut log = open(dir.path(), &cfg, false, 0);
    for i in 0..40 {
        append(&mut log, &batch(3, 200, i, Compression::None));
    }
    let before = read_all(&mut log, 0, 1 << 20);
    let end = log.log_end_offset();
    log.close().unwrap();
    drop(log);
    let active = dir.path().join(file_name(*log_bases(dir.path()).last().unwrap(), "log"));
    assert!(fs::metadata(&active).unwrap().len() < 16 * 1024, "trimmed on close");

    let mut log = open(dir.path(), &cfg, true, end);
    assert_eq!(log.log_end_offset(), end);
    assert_eq!(read_all(&mut log, 0, 1 << 20), before);
    assert_eq!(append(&mut log, &batch(1, 10, 99, Compression::None)), end);
}

fn log_bases(dir: &Path) -> Vec<i64> {
    let mut bases: Vec<i64> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".log").map(|stem| stem.parse().unwrap())
        })
        .collect();
    bases.sort();
    bases
}

/// Appends 30 batches, "crashes" (drops the log without closing), damages the active segment with
/// `damage(path, batch_positions)` and reopens unclean; returns (valid batches before, after reopen).
fn crash_and_reopen(damage: impl Fn(&Path, &[u64])) -> (Vec<(i64, i64)>, Log, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(1 << 20, WriteMode::Mmap);
    let mut log = open(dir.path(), &cfg, false, 0);
    let mut batches = Vec::new();
    let mut positions = Vec::new();
    let mut position = 0u64;
    for i in 0..30 {
        let bytes = batch(2, 300, i, Compression::None);
        let base = append(&mut log, &bytes);
        batches.push((base, base + 1));
        positions.push(position);
        position += bytes.len() as u64;
    }
    drop(log);
    damage(&dir.path().join(file_name(0, "log")), &positions);
    let log = open(dir.path(), &cfg, false, 0);
    (batches, log, dir)
}

#[test]
fn recovery_truncates_a_torn_tail() {
    let (batches, mut log, _dir) = crash_and_reopen(|path, positions| {
        let file = FileOptions::new().write(true).open(path).unwrap();
        file.set_len(positions[29] + 100).unwrap();
    });
    assert_eq!(log.log_end_offset(), batches[28].1 + 1);
    assert_eq!(read_all(&mut log, 0, 1 << 20).len(), 29);
    assert_eq!(append(&mut log, &batch(1, 10, 5, Compression::None)), batches[28].1 + 1);
}

#[test]
fn recovery_stops_at_a_zero_filled_tail_and_at_flipped_bits() {
    let (batches, mut log, _dir) = crash_and_reopen(|path, positions| {
        let file = FileOptions::new().write(true).open(path).unwrap();
        file.write_all_at(&vec![0u8; 5000], positions[25]).unwrap();
    });
    assert_eq!(log.log_end_offset(), batches[24].1 + 1);
    assert_eq!(read_all(&mut log, 0, 1 << 20).len(), 25);

    let (batches, mut log, _dir) = crash_and_reopen(|path, positions| {
        let file = FileOptions::new().read(true).write(true).open(path).unwrap();
        let mut byte = [0u8; 1];
        file.read_exact_at(&mut byte, positions[20] + 200).unwrap();
        file.write_all_at(&[byte[0] ^ 0x01], positions[20] + 200).unwrap();
    });
    assert_eq!(log.log_end_offset(), batches[19].1 + 1);
    assert_eq!(read_all(&mut log, 0, 1 << 20).len(), 20);
}

#[test]
fn batches_left_past_a_zeroed_gap_are_not_resurrected_by_the_next_crash() {
    // Write-back out of order: batch 25 never reached the disk, 26..29 did.
    let (batches, mut log, dir) = crash_and_reopen(|path, positions| {
        let file = FileOptions::new().write(true).open(path).unwrap();
        file.write_all_at(&vec![0u8; (positions[26] - positions[25]) as usize], positions[25]).unwrap();
    });
    assert_eq!(log.log_end_offset(), batches[24].1 + 1);
    // The same size as the lost batch 25: the new data ends exactly where the stale batch 26 began, and the
    // stale one's offsets follow the new ones.
    append(&mut log, &batch(2, 300, 25, Compression::None));
    drop(log);
    let mut log = open(dir.path(), &config(1 << 20, WriteMode::Mmap), false, 0);
    assert_eq!(log.log_end_offset(), batches[25].1 + 1);
    assert_eq!(read_all(&mut log, 0, 1 << 20).len(), 26);
}

#[test]
fn corruption_in_a_middle_segment_truncates_there_and_deletes_later_segments() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(4 * 1024, WriteMode::Pwrite);
    let mut log = open(dir.path(), &cfg, false, 0);
    append_forty_batches(&mut log, 0, 1);
    drop(log);
    let bases = log_bases(dir.path());
    assert!(bases.len() >= 4);
    let victim = dir.path().join(file_name(bases[1], "log"));
    let file = FileOptions::new().write(true).open(&victim).unwrap();
    file.write_all_at(b"garbage!", 100).unwrap();
    let (mut log, report) = Log::open(
        dir.path(),
        cfg.clone(),
        OpenOptions { recovery_point: 0, log_start_offset: 0, clean_shutdown: false, now_ms: 0 },
    )
    .unwrap();
    assert_eq!(report.truncations.len(), 1);
    assert_eq!(report.deleted_segments, bases[2..].to_vec());
    assert_eq!(log.log_end_offset(), bases[1]);
    assert_eq!(log_bases(dir.path()), bases[..2].to_vec());
    assert_eq!(append(&mut log, &batch(1, 10, 5, Compression::None)), bases[1]);
}

#[test]
fn garbled_or_deleted_indexes_are_rebuilt_with_identical_reads() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(16 * 1024, WriteMode::Mmap);
    let mut log = open(dir.path(), &cfg, false, 0);
    for i in 0..200 {
        append(&mut log, &batch(1 + i % 3, 150, i as i64, Compression::None));
    }
    let end = log.log_end_offset();
    let expected: Vec<_> = (0..end).map(|o| log.read(o, 1, end).unwrap().unwrap().first_offset).collect();
    log.close().unwrap();
    drop(log);
    let bases = log_bases(dir.path());
    fs::remove_file(dir.path().join(file_name(bases[0], "index"))).unwrap();
    fs::write(dir.path().join(file_name(bases[1], "index")), [0xffu8; 64]).unwrap();
    let mut garbled =
        fs::OpenOptions::new().append(true).open(dir.path().join(file_name(bases[2], "timeindex"))).unwrap();
    garbled.write_all(&[7u8; 24]).unwrap();
    for clean in [true, false] {
        let mut log = open(dir.path(), &cfg, clean, if clean { end } else { 0 });
        let actual: Vec<_> = (0..end).map(|o| log.read(o, 1, end).unwrap().unwrap().first_offset).collect();
        assert_eq!(actual, expected);
        log.close().unwrap();
    }
    assert!(fs::metadata(dir.path().join(file_name(bases[0], "index"))).unwrap().len() > 0);
}

#[test]
fn truncate_to_drops_the_tail_even_across_segments_and_appends_reuse_the_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(4 * 1024, WriteMode::Mmap);
    let mut log = open(dir.path(), &cfg, false, 0);
    append_forty_batches(&mut log, 0, 1);
    let bases = log_bases(dir.path());
    let target = bases[1] + 3;
    let end = log.truncate_to(target).unwrap();
    assert!(end <= target && end > bases[1]);
    assert_eq!(log.log_end_offset(), end);
    assert_eq!(log_bases(dir.path()), bases[..2].to_vec());
    assert_eq!(append(&mut log, &batch(1, 10, 5, Compression::None)), end);
    assert_eq!(read_all(&mut log, 0, 1 << 20).last().unwrap().base_offset, end);
    drop(log);
    let mut reopened = open(dir.path(), &cfg, false, 0);
    assert_eq!(reopened.log_end_offset(), end + 1);
    assert_eq!(read_all(&mut reopened, 0, 1 << 20).len(), read_all(&mut reopened, 0, 1 << 20).len());
}

/// Retention as the engine's callers apply it: expire, then delete; how many segments went.
fn enforce_retention(log: &mut Log, now_ms: i64) -> usize {
    delete_all(log.expire_segments(now_ms).unwrap()).unwrap()
}

#[test]
fn expired_segments_leave_the_log_renamed_and_go_on_delete_or_on_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(4 * 1024, WriteMode::Pwrite);
    let mut log = open(dir.path(), &cfg, false, 0);
    append_forty_batches(&mut log, 1_000, 100);
    let oldest = log.segment_infos()[0].0;
    cfg.retention_ms = -1;
    cfg.retention_bytes = 8 * 1024;
    log.set_config(cfg.clone());
    let mut expired = log.expire_segments(10_000).unwrap();
    assert!(expired.len() > 1);
    assert!(log.segment_infos()[0].0 > oldest);
    let names = || {
        let mut names: Vec<String> =
            fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    };
    // The old names are free at once: only the renamed files wait for `delete`.
    assert!(!dir.path().join(file_name(oldest, "log")).exists());
    assert!(dir.path().join(format!("{}.deleted", file_name(oldest, "log"))).exists());
    let renamed = names().iter().filter(|n| n.ends_with(".deleted")).count();
    assert_eq!(renamed, 3 * expired.len());
    expired.pop().unwrap().delete().unwrap();
    assert_eq!(names().iter().filter(|n| n.ends_with(".deleted")).count(), renamed - 3);
    // The others never deleted, as when the process stops first: opening removes them.
    drop(expired);
    let kept = log.segment_infos();
    log.close().unwrap();
    let reopened = open(dir.path(), &cfg, true, 0);
    assert!(names().iter().all(|n| !n.ends_with(".deleted")), "{:?}", names());
    assert_eq!(reopened.segment_infos(), kept);
}

#[test]
fn retention_deletes_whole_closed_segments_by_size_and_by_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(4 * 1024, WriteMode::Mmap);
    let mut log = open(dir.path(), &cfg, false, 0);
    append_forty_batches(&mut log, 1_000, 100);
    let segments = log.segment_infos().len();
    cfg.retention_ms = -1;
    cfg.retention_bytes = 8 * 1024;
    log.set_config(cfg.clone());
    let deleted = enforce_retention(&mut log, 10_000);
    assert!(deleted > 0 && log.size() <= 8 * 1024 + 4 * 1024);
    assert_eq!(log.segment_infos().len(), segments - deleted);
    assert_eq!(log.log_start_offset(), log.segment_infos()[0].0);
    assert!(matches!(log.read(0, 100, i64::MAX), Err(EngineError::OffsetOutOfRange(_))));

    cfg.retention_bytes = -1;
    cfg.retention_ms = 1_000;
    log.set_config(cfg);
    enforce_retention(&mut log, 1_000 + 40 * 100 + 1_001);
    assert_eq!(log.segment_infos().len(), 1, "the expired active segment rolled, then went");
    assert_eq!(log.log_start_offset(), log.log_end_offset());
}

#[test]
fn delete_records_before_moves_the_log_start_and_drops_segments_below_it() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(4 * 1024, WriteMode::Mmap);
    let mut log = open(dir.path(), &cfg, false, 0);
    append_forty_batches(&mut log, 0, 1);
    let bases = log_bases(dir.path());
    assert_eq!(log.delete_records_before(bases[2] + 1, 0).unwrap(), bases[2] + 1);
    assert_eq!(log_bases(dir.path())[0], bases[2]);
    assert!(matches!(log.read(bases[2], 1, i64::MAX), Err(EngineError::OffsetOutOfRange(_))));
    assert!(log.read(bases[2] + 1, 1, i64::MAX).unwrap().is_some());
    assert!(log.delete_records_before(log.log_end_offset() + 1, 0).is_err());
}

#[test]
fn offset_for_timestamp_looks_inside_compressed_batches_and_max_timestamp_finds_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(4 * 1024, WriteMode::Mmap);
    let mut log = open(dir.path(), &cfg, false, 0);
    for i in 0..30i64 {
        // Records i*10 .. i*10+9, timestamps 1000 + i*100 + record.
        append(&mut log, &batch(10, 50, 1_000 + i * 100, Compression::Gzip));
    }
    let end = log.log_end_offset();
    let found = log.offset_for_timestamp(1_000 + 17 * 100 + 4, end).unwrap().unwrap();
    assert_eq!((found.offset, found.timestamp), (174, 2_704));
    let found = log.offset_for_timestamp(0, end).unwrap().unwrap();
    assert_eq!(found.offset, 0);
    assert!(log.offset_for_timestamp(100_000, end).unwrap().is_none());
    assert!(log.offset_for_timestamp(1_000 + 29 * 100, 290).unwrap().is_none(), "not past max_offset");
    let max = log.max_timestamp().unwrap().unwrap();
    assert_eq!((max.offset, max.timestamp), (299, 1_000 + 29 * 100 + 9));
}

#[test]
fn log_append_time_restamps_and_new_epochs_are_checkpointed() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(1 << 20, WriteMode::Mmap);
    let mut log = open(dir.path(), &cfg, false, 0);
    let mut input = batch(3, 10, 5, Compression::None);
    let options = AppendOptions { leader_epoch: 4, timestamp_type: TimestampType::LogAppendTime, now_ms: 77_000 };
    let info = log.append(&mut input, &ValidationOptions::default(), &options).unwrap();
    assert_eq!(info.log_append_time, 77_000);
    assert_eq!(info.batches[0].max_timestamp, 77_000);
    assert_eq!(info.batches[0].partition_leader_epoch, 4);
    let stored = log.read(0, 1 << 20, 3).unwrap().unwrap();
    crate::record::batch::verify_crc(stored.mapping.bytes(stored.position, stored.len).unwrap()).unwrap();
    assert_eq!(log.leader_epochs().end_offset_for(4, 3), Some((4, 3)));
    let text = fs::read_to_string(dir.path().join("leader-epoch-checkpoint")).unwrap();
    assert_eq!(text, "0\n1\n4 0\n");
}

#[test]
fn a_rejected_append_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(1 << 20, WriteMode::Mmap);
    let mut log = open(dir.path(), &cfg, false, 0);
    let mut input = batch(2, 10, 5, Compression::None);
    input.extend(batch(2, 10, 5, Compression::None));
    let last = input.len() - 1;
    input[last] ^= 0xff;
    let options = AppendOptions { leader_epoch: 0, timestamp_type: TimestampType::CreateTime, now_ms: 0 };
    assert!(matches!(
        log.append(&mut input, &ValidationOptions::default(), &options),
        Err(EngineError::CorruptMessage(_))
    ));
    assert_eq!(log.log_end_offset(), 0);
    assert_eq!(log.size(), 0);
}

#[test]
fn segment_ms_rolls_by_the_batches_own_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LogConfig { segment_ms: 1_000, ..config(1 << 20, WriteMode::Mmap) };
    let mut log = open(dir.path(), &cfg, false, 0);
    append(&mut log, &batch(1, 10, 5_000, Compression::None));
    append(&mut log, &batch(1, 10, 5_900, Compression::None));
    assert_eq!(log.segment_infos().len(), 1, "old timestamps alone do not roll");
    append(&mut log, &batch(1, 10, 6_001, Compression::None));
    assert_eq!(log.segment_infos().len(), 2);
}

#[test]
fn a_lost_or_garbled_leader_epoch_checkpoint_is_rebuilt_from_the_batches() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(4 * 1024, WriteMode::Pwrite);
    let mut log = open(dir.path(), &cfg, false, 0);
    for (epoch, count) in [(0, 5), (2, 7), (5, 3)] {
        for _ in 0..count {
            let mut input = batch(2, 300, 1, Compression::None);
            let options = AppendOptions { leader_epoch: epoch, timestamp_type: TimestampType::CreateTime, now_ms: 0 };
            log.append(&mut input, &ValidationOptions::default(), &options).unwrap();
        }
    }
    let expected = log.leader_epochs().entries().to_vec();
    assert_eq!(expected.iter().map(|e| (e.epoch, e.start_offset)).collect::<Vec<_>>(), vec![(0, 0), (2, 10), (5, 24)]);
    log.close().unwrap();
    drop(log);
    let checkpoint = dir.path().join("leader-epoch-checkpoint");
    for damage in [None, Some("0\n3\n0 0\n")] {
        match damage {
            None => fs::remove_file(&checkpoint).unwrap(),
            Some(text) => fs::write(&checkpoint, text).unwrap(),
        }
        let log = open(dir.path(), &cfg, true, 0);
        assert_eq!(log.leader_epochs().entries(), expected.as_slice());
        drop(log);
    }
}

/// Descriptors this process holds open on files under `dir` (other tests' files live elsewhere).
fn descriptors_under(dir: &Path) -> usize {
    fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|entry| fs::read_link(entry.ok()?.path()).ok())
        .filter(|target| target.starts_with(dir))
        .count()
}

#[test]
fn only_the_written_active_segment_keeps_a_descriptor_open() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let config = config(4096, WriteMode::Pwrite);
    let mut logs: Vec<Log> = (0..50).map(|p| open(&root.join(format!("t-{p}")), &config, true, 0)).collect();
    assert_eq!(descriptors_under(&root), 0);

    append_forty_batches(&mut logs[0], 1_000, 1);
    assert!(logs[0].segment_infos().len() > 3);
    assert_eq!(read_all(&mut logs[0], 0, 1 << 20).len(), 40);
    assert_eq!(logs[0].offset_for_timestamp(1_010, i64::MAX).unwrap().unwrap().offset, 19);
    assert_eq!(descriptors_under(&root), 1);

    for log in &mut logs {
        log.close().unwrap();
    }
    assert_eq!(descriptors_under(&root), 0);
    let mut reopened = open(&root.join("t-0"), &config, true, 80);
    assert_eq!(read_all(&mut reopened, 0, 1 << 20).len(), 40);
    assert_eq!(descriptors_under(&root), 0);
}

/// Every stored byte of `log` from its start to its end, batch after batch.
fn stored_bytes(log: &mut Log) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut offset = log.log_start_offset();
    let end = log.log_end_offset();
    while let Some(slice) = log.read(offset, 1 << 20, end).unwrap() {
        bytes.extend_from_slice(slice.mapping.bytes(slice.position, slice.len).unwrap());
        offset = slice.next_offset;
    }
    bytes
}

fn append_with_epoch(log: &mut Log, bytes: &[u8], leader_epoch: i32) {
    let mut input = bytes.to_vec();
    let options = AppendOptions { leader_epoch, timestamp_type: TimestampType::CreateTime, now_ms: 1_000 };
    log.append(&mut input, &ValidationOptions::default(), &options).unwrap();
}

fn append_replicated(log: &mut Log, bytes: &[u8]) -> crate::error::Result<crate::log::log::AppendInfo> {
    let validated = crate::record::validate::validate_replicated_batches(bytes)?;
    log.append_as_follower(bytes, &validated, 1_000)
}

#[test]
fn a_follower_stores_the_leaders_batches_byte_for_byte_with_its_epochs_across_rolls() {
    let leader_dir = tempfile::tempdir().unwrap();
    let follower_dir = tempfile::tempdir().unwrap();
    let cfg = config(4 * 1024, WriteMode::Pwrite);
    let mut leader = open(leader_dir.path(), &cfg, false, 0);
    for i in 0..30 {
        append_with_epoch(&mut leader, &batch(2, 300, i, Compression::None), if i < 10 { 0 } else { 3 });
    }
    append_with_epoch(&mut leader, &batch(5, 100, 40, Compression::Zstd), 5);
    let mut follower = open(follower_dir.path(), &cfg, false, 0);
    let mut offset = 0;
    let end = leader.log_end_offset();
    while let Some(slice) = leader.read(offset, 1_000, end).unwrap() {
        let fetched = slice.mapping.bytes(slice.position, slice.len).unwrap().to_vec();
        let info = append_replicated(&mut follower, &fetched).unwrap();
        assert_eq!(info.base_offset, offset);
        offset = slice.next_offset;
    }
    assert_eq!(follower.log_end_offset(), end);
    assert!(follower.segment_infos().len() > 1);
    assert_eq!(stored_bytes(&mut follower), stored_bytes(&mut leader));
    assert_eq!(follower.leader_epochs().entries(), leader.leader_epochs().entries());
    assert_eq!(follower.leader_epochs().end_offset_for(3, end), Some((3, 60)));
    drop(follower);
    let text = fs::read_to_string(follower_dir.path().join("leader-epoch-checkpoint")).unwrap();
    assert_eq!(text, "0\n3\n0 0\n3 20\n5 60\n");
}

#[test]
fn a_follower_refuses_batches_below_its_end_or_corrupt_and_appends_nothing() {
    let leader_dir = tempfile::tempdir().unwrap();
    let follower_dir = tempfile::tempdir().unwrap();
    let cfg = config(1 << 20, WriteMode::Mmap);
    let mut leader = open(leader_dir.path(), &cfg, false, 0);
    for i in 0..3 {
        append_with_epoch(&mut leader, &batch(2, 10, i, Compression::None), 1);
    }
    let all = stored_bytes(&mut leader);
    let mut follower = open(follower_dir.path(), &cfg, false, 0);
    append_replicated(&mut follower, &all).unwrap();
    assert!(matches!(append_replicated(&mut follower, &all), Err(EngineError::OffsetOutOfRange(_))));
    let mut corrupt = all.clone();
    let last = corrupt.len() - 1;
    corrupt[last] ^= 0xff;
    let mut fresh = open(tempfile::tempdir().unwrap().path(), &cfg, false, 0);
    assert!(matches!(append_replicated(&mut fresh, &corrupt), Err(EngineError::CorruptMessage(_))));
    assert_eq!(fresh.log_end_offset(), 0);
    // Batches out of order inside one input: refused whole.
    let first_len = BatchHeader::parse(&all).unwrap().size();
    let swapped = [&all[first_len..], &all[..first_len]].concat();
    let mut other = open(tempfile::tempdir().unwrap().path(), &cfg, false, 0);
    assert!(matches!(append_replicated(&mut other, &swapped), Err(EngineError::OffsetOutOfRange(_))));
    assert_eq!(other.log_end_offset(), 0);
    assert_eq!(follower.log_end_offset(), 6);
}

#[test]
fn a_follower_keeps_the_leaders_offset_gaps() {
    let follower_dir = tempfile::tempdir().unwrap();
    let cfg = config(1 << 20, WriteMode::Mmap);
    let mut follower = open(follower_dir.path(), &cfg, false, 0);
    let mut input = batch(2, 10, 5, Compression::None);
    crate::record::batch::stamp(&mut input, 10, 2);
    let info = append_replicated(&mut follower, &input).unwrap();
    assert_eq!((info.base_offset, info.last_offset), (10, 11));
    assert_eq!(follower.log_end_offset(), 12);
    assert_eq!(read_all(&mut follower, 0, 1 << 20)[0].base_offset, 10);
}

#[test]
fn truncating_fully_empties_the_leader_epoch_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(1 << 20, WriteMode::Mmap);
    let mut log = open(dir.path(), &cfg, false, 0);
    append_with_epoch(&mut log, &batch(2, 10, 5, Compression::None), 2);
    assert_eq!(log.truncate_fully_and_start_at(10).unwrap(), 10);
    assert!(log.leader_epochs().entries().is_empty());
    assert_eq!(log.leader_epochs().end_offset_for(2, 10), None);
    drop(log);
    assert_eq!(fs::read_to_string(dir.path().join("leader-epoch-checkpoint")).unwrap(), "0\n0\n");
}

#[test]
fn a_new_leaders_epoch_starts_at_the_log_end_before_it_writes_and_goes_when_it_follows_again() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(1 << 20, WriteMode::Mmap);
    let mut log = open(dir.path(), &cfg, false, 0);
    append_with_epoch(&mut log, &batch(3, 10, 5, Compression::None), 1);
    log.assign_epoch_start_offset(3).unwrap();
    log.assign_epoch_start_offset(2).unwrap();
    assert_eq!(log.leader_epochs().end_offset_for(1, 3), Some((1, 3)));
    assert_eq!(log.leader_epochs().end_offset_for(2, 3), Some((1, 3)));
    assert_eq!(log.leader_epochs().end_offset_for(3, 3), Some((3, 3)));
    assert_eq!(fs::read_to_string(dir.path().join("leader-epoch-checkpoint")).unwrap(), "0\n2\n1 0\n3 3\n");
    // Following a leader that never had epoch 3: truncating to the log end keeps every record but
    // drops the epoch it started without writing.
    assert_eq!(log.truncate_to(3).unwrap(), 3);
    assert_eq!(log.log_end_offset(), 3);
    assert_eq!(log.leader_epochs().latest().map(|e| (e.epoch, e.start_offset)), Some((1, 0)));
}
