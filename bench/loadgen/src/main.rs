//! gregor-loadgen: drives a Kafka-protocol broker with pre-built Produce requests and Fetch loops over
//! N pipelined connections and reports throughput and HDR latency percentiles as one JSON object on
//! stdout (progress lines on stderr every report interval, like kafka-producer-perf-test).
//!
//! Modes: `produce`, `fetch` (re-reads a filled topic from the page cache), `e2e` (rate-limited
//! produce plus a following consumer: end-to-end latency), `sink` (a TCP sink answering Produce
//! requests, to measure the load generator itself).

mod args;
mod batch;
mod conn;
mod fetch;
mod messages;
mod produce;
mod sink;
mod stats;
mod wire;

use args::Args;
use batch::Compression;
use fetch::{FetchConfig, FetchMode};
use produce::ProduceConfig;
use stats::Live;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&argv) {
        eprintln!("gregor-loadgen: {e}");
        std::process::exit(2);
    }
}

fn run(argv: &[String]) -> Result<(), String> {
    let (mode, rest) = argv.split_first().ok_or(USAGE)?;
    let mut a = Args::parse(rest)?;
    if mode == "sink" {
        let listen = a.string("listen", "127.0.0.1:0");
        a.done()?;
        return sink::serve(&listen).map_err(|e| e.to_string());
    }
    let warmup = Duration::from_secs_f64(a.num("warmup-s", 2.0)?);
    let duration = Duration::from_secs_f64(a.num("duration-s", 10.0)?);
    let report = Duration::from_secs_f64(a.num("report-interval-s", 5.0)?);
    let bootstrap = a.string("bootstrap", "127.0.0.1:9092");
    let topic = a.string("topic", "loadgen");
    let partitions = a.num("partitions", 1.0)? as i32;
    let connections = a.num("connections", 1.0)? as usize;
    let record_size = a.num("record-size", 1024.0)? as usize;
    let fetch_cfg = |a: &mut Args, mode| -> Result<FetchConfig, String> {
        Ok(FetchConfig {
            bootstrap: bootstrap.clone(),
            topic: topic.clone(),
            partitions,
            connections: a.num("fetch-connections", connections as f64)? as usize,
            record_size,
            max_wait_ms: a.num("max-wait-ms", 500.0)? as i32,
            max_bytes: a.num("fetch-max-bytes", 52_428_800.0)? as i32,
            partition_max_bytes: a.num("partition-max-bytes", 1_048_576.0)? as i32,
            mode,
        })
    };
    let produce_cfg = |a: &mut Args, stamp| -> Result<ProduceConfig, String> {
        Ok(ProduceConfig {
            bootstrap: bootstrap.clone(),
            leaders: a.string("leaders", "").split(',').filter(|l| !l.is_empty()).map(String::from).collect(),
            topic: topic.clone(),
            partitions,
            record_size,
            request_bytes: a.num("request-bytes", 1_048_576.0)? as usize,
            partitions_per_request: a.num("partitions-per-request", 16.0)? as usize,
            connections,
            inflight: a.num("inflight", 4.0)? as usize,
            acks: a.num("acks", 1.0)? as i16,
            timeout_ms: a.num("timeout-ms", 30_000.0)? as i32,
            compression: Compression::parse(&a.string("compression", "none"))?,
            rate: a.num("rate", 0.0)?,
            max_records: a.num("max-records", 0.0)? as u64,
            stamp,
        })
    };
    let io = |e: std::io::Error| format!("cannot connect to {bootstrap}: {e}");
    let report_json = match mode.as_str() {
        "produce" | "fetch" => {
            let live = Arc::new(Live::default());
            let handles = if mode == "produce" {
                let cfg = produce_cfg(&mut a, false)?;
                a.done()?;
                produce::start(&cfg, &live).map_err(io)?
            } else {
                let cfg = fetch_cfg(&mut a, FetchMode::Replay)?;
                a.done()?;
                fetch::start(&cfg, &live).map_err(io)?
            };
            let window = stats::sample(&live, &[], warmup, duration, report);
            let h = stats::merge(handles.into_iter().map(|h| h.join().expect("load thread")));
            stats::window_json(mode, &live, &window).raw("latencyUs", stats::latency_json(&h)).finish()
        }
        "e2e" => {
            let producer_cfg = produce_cfg(&mut a, true)?;
            let consumer_cfg = fetch_cfg(&mut a, FetchMode::Follow)?;
            a.done()?;
            if producer_cfg.rate <= 0.0 || producer_cfg.compression != Compression::None {
                return Err("e2e needs --rate > 0 and no compression".into());
            }
            let (consumed, produced) = (Arc::new(Live::default()), Arc::new(Live::default()));
            let consumers = fetch::start(&consumer_cfg, &consumed).map_err(io)?;
            let producers = produce::start(&producer_cfg, &produced).map_err(io)?;
            let window = stats::sample(&consumed, &[&produced], warmup, duration, report);
            let e2e = stats::merge(consumers.into_iter().map(|h| h.join().expect("consumer thread")));
            let acks = stats::merge(producers.into_iter().map(|h| h.join().expect("producer thread")));
            stats::window_json(mode, &consumed, &window)
                .num("producerErrors", produced.errors.load(Relaxed) as f64)
                .num("producerFirstErrorCode", produced.first_error.load(Relaxed) as u16 as i16 as f64)
                .num("producerIoErrors", produced.io_errors.load(Relaxed) as f64)
                .raw("latencyUs", stats::latency_json(&e2e))
                .raw("produceLatencyUs", stats::latency_json(&acks))
                .finish()
        }
        other => return Err(format!("unknown mode '{other}'\n{USAGE}")),
    };
    println!("{report_json}");
    Ok(())
}

const USAGE: &str = "usage: gregor-loadgen <produce|fetch|e2e|sink> [--bootstrap host:port] [--topic T] \
[--partitions N] [--connections N] [--inflight N] [--record-size B] [--request-bytes B] \
[--partitions-per-request N] [--leaders host:port,... (per partition)] [--acks 0|1|-1] [--compression none|lz4] [--rate records/s] \
[--max-records N] [--warmup-s S] [--duration-s S] [--report-interval-s S] [--max-wait-ms MS] [--fetch-max-bytes B] \
[--partition-max-bytes B] [--fetch-connections N] [--listen host:port]";
