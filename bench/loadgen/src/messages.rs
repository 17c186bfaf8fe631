//! The two requests the load generator speaks, Produce v7 and Fetch v11: the newest non-flexible
//! versions that both Apache Kafka 4 and gregor serve, so no tagged fields are needed. Topics are
//! created by the harness beforehand. Responses are read only as far as the load generator needs:
//! error codes, high watermarks and record sets.

use crate::wire::{frame_request, Decoder, Encoder, Truncated};

pub const PRODUCE: i16 = 0;
pub const PRODUCE_VERSION: i16 = 7;
pub const FETCH: i16 = 1;
pub const FETCH_VERSION: i16 = 11;

/// One partition's record set inside a Produce request.
pub struct PartitionBatch<'a> {
    pub partition: i32,
    pub records: &'a [u8],
}

/// Returns the framed request and where each record set starts inside it.
pub fn produce_request(topic: &str, acks: i16, timeout_ms: i32, batches: &[PartitionBatch]) -> (Vec<u8>, Vec<usize>) {
    let mut e = Encoder::default();
    e.null_string().i16(acks).i32(timeout_ms).i32(1).string(topic).i32(batches.len() as i32);
    let mut starts = Vec::with_capacity(batches.len());
    for b in batches {
        e.i32(b.partition).bytes(b.records);
        starts.push(e.buf.len() - b.records.len());
    }
    let frame = frame_request(PRODUCE, PRODUCE_VERSION, &e.buf);
    let header = frame.len() - e.buf.len();
    (frame, starts.into_iter().map(|s| s + header).collect())
}

/// Counts the partitions of a Produce v7 response whose error code is not NONE; returns the first
/// such code for the report.
pub fn produce_response_errors(body: &[u8]) -> Result<(u32, i16), Truncated> {
    let mut d = Decoder::new(body);
    let (mut failed, mut first) = (0u32, 0i16);
    for _ in 0..d.i32()?.max(0) {
        d.skip_string()?;
        for _ in 0..d.i32()?.max(0) {
            d.i32()?;
            let code = d.i16()?;
            d.i64()?;
            d.i64()?;
            d.i64()?;
            if code != 0 {
                failed += 1;
                if first == 0 {
                    first = code;
                }
            }
        }
    }
    Ok((failed, first))
}

pub struct FetchPartition {
    pub partition: i32,
    pub offset: i64,
}

pub fn fetch_request(
    topic: &str,
    max_wait_ms: i32,
    max_bytes: i32,
    partition_max_bytes: i32,
    parts: &[FetchPartition],
) -> Vec<u8> {
    let mut e = Encoder::default();
    e.i32(-1).i32(max_wait_ms).i32(1).i32(max_bytes).i8(0).i32(0).i32(-1);
    e.i32(1).string(topic).i32(parts.len() as i32);
    for p in parts {
        e.i32(p.partition).i32(-1).i64(p.offset).i64(-1).i32(partition_max_bytes);
    }
    e.i32(0).string("");
    frame_request(FETCH, FETCH_VERSION, &e.buf)
}

pub struct FetchedPartition<'a> {
    pub partition: i32,
    pub error_code: i16,
    pub high_watermark: i64,
    pub records: &'a [u8],
}

/// Reads a Fetch v11 response: top-level error code and each partition's data.
pub fn fetch_response(body: &[u8]) -> Result<(i16, Vec<FetchedPartition<'_>>), Truncated> {
    let mut d = Decoder::new(body);
    d.i32()?;
    let error = d.i16()?;
    d.i32()?;
    let mut out = Vec::new();
    for _ in 0..d.i32()?.max(0) {
        d.skip_string()?;
        for _ in 0..d.i32()?.max(0) {
            let partition = d.i32()?;
            let error_code = d.i16()?;
            let high_watermark = d.i64()?;
            d.i64()?;
            d.i64()?;
            for _ in 0..d.i32()?.max(0) {
                d.i64()?;
                d.i64()?;
            }
            d.i32()?;
            let records = d.bytes()?;
            out.push(FetchedPartition { partition, error_code, high_watermark, records });
        }
    }
    Ok((error, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn produce_errors_are_counted_per_partition() {
        let mut e = Encoder::default();
        e.i32(1).string("t").i32(2);
        e.i32(0).i16(0).i64(10).i64(-1).i64(0);
        e.i32(1).i16(6).i64(-1).i64(-1).i64(0);
        e.i32(0);
        assert_eq!(produce_response_errors(&e.buf).unwrap(), (1, 6));
        assert!(produce_response_errors(&e.buf[..20]).is_err());
    }

    #[test]
    fn fetch_response_yields_partition_records() {
        let mut e = Encoder::default();
        e.i32(0).i16(0).i32(0).i32(1).string("t").i32(1);
        e.i32(3).i16(0).i64(77).i64(77).i64(0).i32(-1).i32(-1).bytes(&[9, 9]);
        let (err, parts) = fetch_response(&e.buf).unwrap();
        assert_eq!((err, parts.len(), parts[0].partition, parts[0].high_watermark), (0, 1, 3, 77));
        assert_eq!(parts[0].records, &[9, 9]);
    }

    #[test]
    fn requests_have_the_header_the_broker_expects() {
        let (p, starts) = produce_request("t", -1, 30_000, &[PartitionBatch { partition: 0, records: &[1, 2] }]);
        assert_eq!(&p[4..8], &[0, 0, 0, 7]);
        assert_eq!(&p[starts[0]..starts[0] + 2], &[1, 2]);
        let f = fetch_request("t", 500, 1 << 20, 1 << 20, &[FetchPartition { partition: 0, offset: 5 }]);
        assert_eq!(&f[4..8], &[0, 1, 0, 11]);
    }
}
