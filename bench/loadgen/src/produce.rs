//! Produce mode: each connection cycles through Produce requests built once before the clock starts,
//! keeping up to `inflight` of them outstanding (a writer thread sends, a reader thread matches the
//! in-order responses), open-loop at a fixed rate or as fast as the broker answers. Latency is per
//! request, from the intended send time (so a stalled broker cannot hide queueing: no coordinated
//! omission) to the response. With `stamp`, each batch's first record carries its send time for the
//! end-to-end mode. With `leaders` (each partition's leader address, from the harness's Metadata), each
//! leader gets `connections` connections to its own partitions, as a client of a cluster would.

use crate::batch::{self, Compression};
use crate::conn;
use crate::messages::{produce_request, produce_response_errors, PartitionBatch};
use crate::stats::{self, Live};
use crate::wire::set_correlation_id;
use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::mpsc::sync_channel;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Clone)]
pub struct ProduceConfig {
    pub bootstrap: String,
    /// The leader's address of each partition, by partition index; empty sends everything to `bootstrap`.
    pub leaders: Vec<String>,
    pub topic: String,
    pub partitions: i32,
    pub record_size: usize,
    pub request_bytes: usize,
    pub partitions_per_request: usize,
    pub connections: usize,
    pub inflight: usize,
    pub acks: i16,
    pub timeout_ms: i32,
    pub compression: Compression,
    /// Records per second over all connections; 0 sends as fast as the broker answers.
    pub rate: f64,
    /// Stop after this many records in all (to fill a topic for a consume run); 0 runs for the duration.
    pub max_records: u64,
    pub stamp: bool,
}

/// Below the default `message.max.bytes` (1 MiB + 12) of both brokers, with room for the header.
const MAX_BATCH_BYTES: usize = 1_000_000;
/// Upper bound of a record's framing (length, attributes, deltas, key and value lengths, headers).
const RECORD_OVERHEAD: usize = 16;

/// A pre-built request and where its batches sit inside it (for stamping).
struct Prebuilt {
    frame: Vec<u8>,
    records: u64,
    batches: Vec<(usize, usize, Option<usize>)>,
}

/// The partitions connection `c` writes to: round-robin, and every connection gets at least one.
pub fn partitions_of(c: usize, connections: usize, partitions: i32) -> Vec<i32> {
    let owned: Vec<i32> = (0..partitions).filter(|p| *p as usize % connections == c).collect();
    if owned.is_empty() {
        vec![(c % partitions as usize) as i32]
    } else {
        owned
    }
}

/// Each connection's address and partitions: `connections` per leader, each with a round-robin share
/// of that leader's partitions.
fn connection_plan(cfg: &ProduceConfig) -> Vec<(String, Vec<i32>)> {
    if cfg.leaders.is_empty() {
        return (0..cfg.connections)
            .map(|c| (cfg.bootstrap.clone(), partitions_of(c, cfg.connections, cfg.partitions)))
            .collect();
    }
    let mut by_leader: Vec<(String, Vec<i32>)> = Vec::new();
    for (p, leader) in cfg.leaders.iter().enumerate().take(cfg.partitions as usize) {
        match by_leader.iter_mut().find(|(l, _)| l == leader) {
            Some((_, ps)) => ps.push(p as i32),
            None => by_leader.push((leader.clone(), vec![p as i32])),
        }
    }
    by_leader
        .into_iter()
        .flat_map(|(leader, ps)| {
            (0..cfg.connections).map(move |c| {
                let share = partitions_of(c, cfg.connections, ps.len() as i32);
                (leader.clone(), share.into_iter().map(|i| ps[i as usize]).collect())
            })
        })
        .collect()
}

/// Record values of random capital letters, as Kafka's ProducerPerformance makes them (compressible
/// about as much as text).
fn payload(size: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b'A' + (x % 26) as u8
        })
        .collect()
}

fn prebuild(cfg: &ProduceConfig, owned: &[i32]) -> Vec<Prebuilt> {
    let per_request = cfg.partitions_per_request.clamp(1, owned.len());
    let batch_bytes = (cfg.request_bytes / per_request).min(MAX_BATCH_BYTES);
    let records_per_batch = (batch_bytes / (cfg.record_size + RECORD_OVERHEAD)).max(1);
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
    owned
        .chunks(per_request)
        .map(|group| {
            let built: Vec<_> = group
                .iter()
                .map(|p| {
                    let values: Vec<Vec<u8>> = (0..records_per_batch)
                        .map(|i| payload(cfg.record_size, (*p as u64) << 32 | i as u64))
                        .collect();
                    let refs: Vec<&[u8]> = values.iter().map(|v| v.as_slice()).collect();
                    (*p, batch::build(&refs, now_ms, cfg.compression))
                })
                .collect();
            let parts: Vec<PartitionBatch> =
                built.iter().map(|(p, b)| PartitionBatch { partition: *p, records: &b.bytes }).collect();
            let (frame, starts) = produce_request(&cfg.topic, cfg.acks, cfg.timeout_ms, &parts);
            let batches =
                built.iter().zip(starts).map(|((_, b), start)| (start, b.bytes.len(), b.first_value_offset)).collect();
            Prebuilt { frame, records: (records_per_batch * group.len()) as u64, batches }
        })
        .collect()
}

/// Microseconds on the wall clock: the end-to-end consumer compares against it in the same process.
pub fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros() as u64
}

fn stamp(p: &mut Prebuilt) {
    let us = now_us();
    for &(start, len, value) in &p.batches {
        let b = &mut p.frame[start..start + len];
        if let Some(v) = value {
            b[v..v + 8].copy_from_slice(&us.to_be_bytes());
        }
        batch::set_timestamps(b, (us / 1000) as i64);
        batch::seal(b);
    }
}

/// Starts one writer and one reader per connection; the returned handles yield each reader's histogram.
pub fn start(cfg: &ProduceConfig, live: &Arc<Live>) -> std::io::Result<Vec<JoinHandle<Histogram<u64>>>> {
    let mut handles = Vec::new();
    let plan = connection_plan(cfg);
    let connections = plan.len();
    let running = Arc::new(AtomicUsize::new(connections));
    let quota = if cfg.max_records > 0 { cfg.max_records.div_ceil(connections as u64) } else { u64::MAX };
    for (address, owned) in plan {
        let (mut writer, mut reader) = conn::connect(&address)?;
        let mut requests = prebuild(cfg, &owned);
        let (tx, rx) = sync_channel::<(Instant, u64)>(cfg.inflight.max(1));
        let record_size = cfg.record_size as u64;
        let interval = if cfg.rate > 0.0 {
            let per_conn = cfg.rate / connections as f64;
            Some(Duration::from_secs_f64(requests[0].records as f64 / per_conn))
        } else {
            None
        };
        let (stamping, acks, live_w, running_w) = (cfg.stamp, cfg.acks, live.clone(), running.clone());
        handles.push(std::thread::spawn(move || {
            let mut next = Instant::now();
            let mut correlation = 0i32;
            let mut sent = 0u64;
            'send: while !live_w.stop.load(Relaxed) {
                for req in requests.iter_mut() {
                    if live_w.stop.load(Relaxed) || sent >= quota {
                        break 'send;
                    }
                    sent += req.records;
                    if interval.is_some() {
                        let now = Instant::now();
                        if next > now {
                            std::thread::sleep(next - now);
                        }
                    } else {
                        next = Instant::now();
                    }
                    if stamping {
                        stamp(req);
                    }
                    correlation = correlation.wrapping_add(1);
                    set_correlation_id(&mut req.frame, correlation);
                    if acks != 0 && tx.send((next, req.records)).is_err() {
                        break 'send;
                    }
                    if writer.send(&req.frame).is_err() {
                        live_w.broken();
                        live_w.stop.store(true, Relaxed);
                        break 'send;
                    }
                    if acks == 0 {
                        live_w.add(req.records, req.records * record_size);
                    }
                    if let Some(iv) = interval {
                        next += iv;
                    }
                }
            }
            if acks == 0 {
                finished(&running_w, &live_w);
            }
            stats::histogram()
        }));
        if cfg.acks == 0 {
            continue;
        }
        let (live_r, running_r) = (live.clone(), running.clone());
        handles.push(std::thread::spawn(move || {
            let mut h = stats::histogram();
            let mut body = Vec::new();
            let mut expected = 0i32;
            while let Ok((sent, records)) = rx.recv() {
                expected = expected.wrapping_add(1);
                match reader.read_response(&mut body) {
                    Ok(id) if id == expected => {}
                    _ => {
                        live_r.broken();
                        live_r.stop.store(true, Relaxed);
                        break;
                    }
                }
                let us = sent.elapsed().as_micros() as u64;
                match produce_response_errors(&body) {
                    Ok((0, _)) => {
                        live_r.add(records, records * record_size);
                        live_r.latency(us);
                        stats::record(&mut h, &live_r, us, 1);
                    }
                    Ok((failed, code)) => live_r.error(failed as u64, code),
                    Err(_) => live_r.broken(),
                }
            }
            finished(&running_r, &live_r);
            h
        }));
    }
    Ok(handles)
}

/// The last connection to finish ends the run (only before the duration when `max_records` is set).
fn finished(running: &AtomicUsize, live: &Live) {
    if running.fetch_sub(1, Relaxed) == 1 {
        live.stop.store(true, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_config() -> ProduceConfig {
        ProduceConfig {
            bootstrap: String::new(),
            leaders: Vec::new(),
            topic: "t".into(),
            partitions: 4,
            record_size: 1024,
            request_bytes: 64 * 1024,
            partitions_per_request: 2,
            connections: 1,
            inflight: 1,
            acks: 1,
            timeout_ms: 1000,
            compression: Compression::None,
            rate: 0.0,
            max_records: 0,
            stamp: true,
        }
    }

    #[test]
    fn every_partition_is_owned_and_every_connection_writes() {
        assert_eq!(partitions_of(0, 2, 4), vec![0, 2]);
        assert_eq!(partitions_of(3, 5, 2), vec![1]);
        let all: Vec<i32> = (0..3).flat_map(|c| partitions_of(c, 3, 16)).collect();
        assert_eq!(all.len(), 16);
    }

    #[test]
    fn each_leader_gets_its_own_connections_to_its_partitions() {
        let cfg = ProduceConfig {
            bootstrap: "b:1".into(),
            leaders: ["x:1", "y:2", "x:1", "y:2", "x:1"].map(String::from).to_vec(),
            partitions: 5,
            connections: 2,
            ..test_config()
        };
        let plan = connection_plan(&cfg);
        assert_eq!(
            plan,
            vec![
                ("x:1".to_string(), vec![0, 4]),
                ("x:1".to_string(), vec![2]),
                ("y:2".to_string(), vec![1]),
                ("y:2".to_string(), vec![3]),
            ]
        );
        let single = connection_plan(&ProduceConfig { leaders: Vec::new(), ..cfg });
        assert_eq!(single, vec![("b:1".to_string(), vec![0, 2, 4]), ("b:1".to_string(), vec![1, 3])]);
    }

    #[test]
    fn prebuilt_requests_fill_the_target_size_and_stamping_keeps_crc_valid() {
        let cfg = test_config();
        let mut reqs = prebuild(&cfg, &[0, 1, 2, 3]);
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].records, 2 * (32 * 1024 / (1024 + RECORD_OVERHEAD)) as u64);
        stamp(&mut reqs[0]);
        for &(start, len, value) in &reqs[0].batches {
            let b = &reqs[0].frame[start..start + len];
            assert_eq!(u32::from_be_bytes(b[17..21].try_into().unwrap()), crc32c::crc32c(&b[21..]));
            let v = value.unwrap();
            assert!(u64::from_be_bytes(b[v..v + 8].try_into().unwrap()) <= now_us());
        }
    }
}
