//! Fetch mode: each connection long-polls its partitions with one Fetch in flight (as a consumer
//! does), advancing past every complete batch it gets. `Replay` re-reads a partition from offset 0
//! once it reaches the high watermark, so a fixed data set measures reads from the page cache for a
//! set duration (latency = per Fetch request). `Follow` reads new data as it arrives and, from the send
//! time the producer stamped into each batch, records end-to-end latency per record; batches stamped
//! before this run started (or not stamped at all) are counted but not timed.

use crate::batch;
use crate::conn;
use crate::messages::{fetch_request, fetch_response, FetchPartition};
use crate::produce::{now_us, partitions_of};
use crate::stats::{self, Live};
use crate::wire::set_correlation_id;
use hdrhistogram::Histogram;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FetchMode {
    Replay,
    Follow,
}

#[derive(Clone)]
pub struct FetchConfig {
    pub bootstrap: String,
    pub topic: String,
    pub partitions: i32,
    pub connections: usize,
    pub record_size: usize,
    pub max_wait_ms: i32,
    pub max_bytes: i32,
    pub partition_max_bytes: i32,
    pub mode: FetchMode,
}

pub fn start(cfg: &FetchConfig, live: &Arc<Live>) -> std::io::Result<Vec<JoinHandle<Histogram<u64>>>> {
    let mut handles = Vec::new();
    for c in 0..cfg.connections {
        let (mut writer, mut reader) = conn::connect(&cfg.bootstrap)?;
        let mut parts: Vec<FetchPartition> = partitions_of(c, cfg.connections, cfg.partitions)
            .into_iter()
            .map(|partition| FetchPartition { partition, offset: 0 })
            .collect();
        let (cfg, live, started_us) = (cfg.clone(), live.clone(), now_us());
        handles.push(std::thread::spawn(move || {
            let mut h = stats::histogram();
            let mut body = Vec::new();
            let mut correlation = 0i32;
            while !live.stop.load(Relaxed) {
                let mut frame =
                    fetch_request(&cfg.topic, cfg.max_wait_ms, cfg.max_bytes, cfg.partition_max_bytes, &parts);
                correlation = correlation.wrapping_add(1);
                set_correlation_id(&mut frame, correlation);
                let sent = Instant::now();
                if writer.send(&frame).is_err() || reader.read_response(&mut body).ok() != Some(correlation) {
                    live.broken();
                    live.stop.store(true, Relaxed);
                    break;
                }
                let request_us = sent.elapsed().as_micros() as u64;
                let Ok((error, fetched)) = fetch_response(&body) else {
                    live.broken();
                    break;
                };
                if error != 0 {
                    live.error(1, error);
                    continue;
                }
                let (mut records, arrived_us) = (0u64, now_us());
                for fp in fetched {
                    let Some(p) = parts.iter_mut().find(|p| p.partition == fp.partition) else { continue };
                    if fp.error_code != 0 {
                        live.error(1, fp.error_code);
                        continue;
                    }
                    for b in batch::batches(fp.records) {
                        p.offset = p.offset.max(b.base_offset + b.last_offset_delta as i64 + 1);
                        records += b.record_count as u64;
                        if cfg.mode == FetchMode::Follow && !b.compressed {
                            if let Some(v) = batch::first_value(b.bytes).and_then(|v| v.get(..8)) {
                                let stamped = u64::from_be_bytes(v.try_into().unwrap());
                                if (started_us..=arrived_us).contains(&stamped) {
                                    stats::record(&mut h, &live, arrived_us - stamped, b.record_count as u64);
                                }
                            }
                        }
                    }
                    if cfg.mode == FetchMode::Replay && p.offset >= fp.high_watermark {
                        p.offset = 0;
                    }
                }
                live.add(records, records * cfg.record_size as u64);
                if cfg.mode == FetchMode::Replay {
                    live.latency(request_us);
                    stats::record(&mut h, &live, request_us, 1);
                }
            }
            h
        }));
    }
    Ok(handles)
}
