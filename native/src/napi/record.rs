//! N-API exports for record batches and compression: argument conversion around `crate::record`.
//!
//! Hot paths of the embedded producer and consumer, so every call handles a whole batch and JS objects
//! are avoided where N-API makes them dear (measured on the project's 2-core box, 100 records of 100 B):
//! - the builder takes columns (an array of values, optional arrays of keys and headers, one
//!   BigInt64Array of timestamps): 13–23 µs per batch, where an array of one object per record took
//!   90–150 µs (N-API reads each property separately);
//! - `decodeRecordBatchColumns` returns spans into one Buffer plus typed arrays (~9 µs native, ~19 µs with
//!   the consumer's JS loop building records from `subarray` views), where `decodeRecordBatch`, which
//!   builds the record objects natively, takes ~130 µs (about 1 µs per object) and copies the records
//!   once, so its results never alias the caller's batch;
//! - inputs are read in place (`BufferSlice`: no reference, no copy); outputs under 1 MiB are copied into
//!   V8-allocated Buffers, cheaper there than handing over a Rust allocation (see `to_buffer`).

use napi::bindgen_prelude::{
    i64n, AsyncTask, BigInt, BigInt64Array, BigInt64ArraySlice, Buffer, BufferSlice, Either, Env, Float64Array, FnArgs,
    Function, Int32Array, JsObjectValue, Null,
};
use napi::Task;
use napi_derive::napi;

use super::convert::{int64, optional_int64};
use super::error::{invalid_arg, napi_failure, rejection, Result};
use crate::clock::now_ms;
use crate::error::EngineError;
use crate::record::batch::{verify_crc, BatchHeader, HEADER_LEN};
use crate::record::builder::BatchBuilder;
use crate::record::compression::{self, Compression};
use crate::record::iter::BatchRecords;
use crate::record::packed::{append_packed, PackedRecords};
use crate::record::validate::{self, ValidationOptions};

/// Records for `buildRecordBatch`, one entry per record in each column.
#[napi(object)]
pub struct RecordColumns<'a> {
    pub values: Vec<Option<BufferSlice<'a>>>,
    pub keys: Option<Vec<Option<BufferSlice<'a>>>>,
    /// Milliseconds since the epoch per record; absent, every record gets the base timestamp.
    pub timestamps: Option<BigInt64ArraySlice<'a>>,
    pub headers: Option<Vec<Option<Vec<RecordHeader<'a>>>>>,
}

#[napi(object)]
pub struct RecordHeader<'a> {
    pub key: String,
    pub value: Option<BufferSlice<'a>>,
}

#[napi(object)]
pub struct BuildRecordBatchOptions {
    /// Kafka's codec id: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd.
    pub compression: Option<u32>,
    pub base_offset: Option<BigInt>,
    pub producer_id: Option<BigInt>,
    pub producer_epoch: Option<i32>,
    pub base_sequence: Option<i32>,
    /// Defaults to the first record's timestamp, or now when there are no timestamps.
    pub base_timestamp: Option<BigInt>,
    pub transactional: Option<bool>,
}

#[napi(object, object_from_js = false)]
pub struct DecodedRecord<'a> {
    pub offset: i64n,
    pub timestamp: i64n,
    pub key: Either<BufferSlice<'a>, Null>,
    pub value: Either<BufferSlice<'a>, Null>,
    pub headers: Vec<DecodedHeader<'a>>,
}

#[napi(object, object_from_js = false)]
pub struct DecodedHeader<'a> {
    pub key: String,
    pub value: Either<BufferSlice<'a>, Null>,
}

#[napi(object)]
pub struct ValidateBatchesOptions {
    /// The topic's `max.message.bytes`.
    pub max_batch_bytes: Option<u32>,
    pub max_decompressed_bytes: Option<u32>,
    pub validate_records: Option<bool>,
    /// Refuse records without a key (a compacted topic's input).
    pub require_keys: Option<bool>,
}

/// One batch that passed validation: where it is in the input and what its header says.
#[napi(object, object_from_js = false)]
pub struct ValidatedBatchInfo {
    pub position: u32,
    pub size: u32,
    pub compression: u32,
    pub records_count: i32,
    pub last_offset_delta: i32,
    pub base_timestamp: i64n,
    pub max_timestamp: i64n,
    pub producer_id: i64n,
    pub producer_epoch: i32,
    pub base_sequence: i32,
    pub is_transactional: bool,
}

fn codec(id: u32) -> Result<Compression> {
    Ok(Compression::from_id(id as i32)?)
}

/// Outputs from this size up become external Buffers; smaller ones are copied into V8's memory.
const EXTERNAL_BUFFER_BYTES: usize = 1 << 20;

/// The bytes as a new Buffer. Measured best of several runs on the project's box, a Buffer copied into
/// V8's memory against an external Buffer over a Rust allocation: 0.5 vs 0.7 µs at 100 B, 1.7 vs 2.2 µs at
/// 11 KB, 20 vs 120 µs at 100 KB, but 2.2 vs 1.6 ms at 1 MB.
fn to_buffer<'env>(env: &'env Env, bytes: &[u8]) -> Result<BufferSlice<'env>> {
    if bytes.len() < EXTERNAL_BUFFER_BYTES {
        BufferSlice::copy_from(env, bytes).map_err(napi_failure)
    } else {
        BufferSlice::from_data(env, bytes.to_vec()).map_err(napi_failure)
    }
}

fn column_len<T>(column: &Option<Vec<T>>, records: usize, name: &str) -> Result<()> {
    match column {
        Some(column) if column.len() != records => {
            Err(invalid_arg(format!("{name} has {} entries for {records} records", column.len())))
        }
        _ => Ok(()),
    }
}

/// A builder with the options' producer fields, codec and base offset. The base timestamp is set only when
/// given; otherwise the builder takes the first record's.
fn builder_from(options: Option<BuildRecordBatchOptions>, capacity: usize) -> Result<BatchBuilder> {
    let Some(options) = options else {
        return Ok(BatchBuilder::new(0).with_capacity(capacity));
    };
    let producer_epoch = i16::try_from(options.producer_epoch.unwrap_or(-1))
        .map_err(|_| invalid_arg("producerEpoch does not fit in an int16"))?;
    let base_offset = optional_int64(options.base_offset.as_ref(), "baseOffset")?.unwrap_or(0);
    let producer_id = optional_int64(options.producer_id.as_ref(), "producerId")?.unwrap_or(-1);
    let mut builder = BatchBuilder::new(base_offset)
        .with_capacity(capacity)
        .compression(codec(options.compression.unwrap_or(0))?)
        .producer(producer_id, producer_epoch, options.base_sequence.unwrap_or(-1))
        .transactional(options.transactional.unwrap_or(false));
    if let Some(timestamp) = &options.base_timestamp {
        builder = builder.base_timestamp(int64(timestamp, "baseTimestamp")?);
    }
    Ok(builder)
}

/// Builds one RecordBatch v2 from columns of records, compressing it when asked.
#[napi]
pub fn build_record_batch<'env>(
    env: &'env Env,
    records: RecordColumns<'_>,
    options: Option<BuildRecordBatchOptions>,
) -> Result<BufferSlice<'env>> {
    let count = records.values.len();
    column_len(&records.keys, count, "keys")?;
    column_len(&records.headers, count, "headers")?;
    let timestamps: &[i64] = records.timestamps.as_deref().unwrap_or(&[]);
    if records.timestamps.is_some() && timestamps.len() != count {
        return Err(invalid_arg(format!("timestamps has {} entries for {count} records", timestamps.len())));
    }
    let base_timestamp = match options.as_ref().and_then(|options| options.base_timestamp.as_ref()) {
        Some(timestamp) => int64(timestamp, "baseTimestamp")?,
        None => timestamps.first().copied().unwrap_or_else(now_ms),
    };
    let value_bytes: usize = records.values.iter().flatten().map(|value| value.len()).sum();
    let mut builder = builder_from(options, value_bytes + count * 16)?.base_timestamp(base_timestamp);
    let mut record_headers: Vec<(&[u8], Option<&[u8]>)> = Vec::new();
    for (index, value) in records.values.iter().enumerate() {
        let key = records.keys.as_ref().and_then(|keys| keys[index].as_deref());
        record_headers.clear();
        if let Some(Some(headers)) = records.headers.as_ref().map(|headers| &headers[index]) {
            record_headers.extend(headers.iter().map(|header| (header.key.as_bytes(), header.value.as_deref())));
        }
        let timestamp = timestamps.get(index).copied().unwrap_or(base_timestamp);
        builder.append(timestamp, key, value.as_deref(), &record_headers)?;
    }
    let batch = builder.build()?;
    to_buffer(env, &batch)
}

/// Records as the embedded producer stages them (layout in `crate::record::packed`).
#[napi(object)]
pub struct PackedRecordColumns {
    /// Per record: key, value, then each header's key and value, back to back.
    pub bytes: Buffer,
    /// Per record: key length, value length (−1: null), header count, then each header's key and value lengths.
    pub layout: Int32Array,
    pub count: u32,
    /// Milliseconds since the epoch per record; negative, or no column: now.
    pub timestamps: Option<Float64Array>,
}

/// One RecordBatch v2 of packed records, built on whichever thread runs it.
pub struct PackedBuild {
    records: PackedRecordColumns,
    builder: Option<BatchBuilder>,
}

impl PackedBuild {
    fn new(records: PackedRecordColumns, options: Option<BuildRecordBatchOptions>) -> Result<PackedBuild> {
        Ok(PackedBuild { builder: Some(builder_from(options, 0)?), records })
    }

    /// The batch, built in `buffer`.
    fn build(&mut self, buffer: Vec<u8>) -> Result<Vec<u8>> {
        let builder =
            self.builder.take().ok_or_else(|| napi_failure(napi::Error::from_reason("the batch was already built")))?;
        let mut builder = builder.with_buffer(buffer);
        let records = &self.records;
        let packed = PackedRecords {
            bytes: &records.bytes,
            layout: &records.layout,
            count: records.count as usize,
            timestamps: records.timestamps.as_deref(),
        };
        append_packed(&mut builder, &packed, now_ms())?;
        Ok(builder.build()?)
    }
}

thread_local! {
    /// Where batches are built on the JS thread before they are copied out: reused, because a fresh
    /// megabyte per batch spent a third of the build in page faults.
    static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Builds one RecordBatch v2 from packed records on the calling thread. With `output`, the batch is written
/// at its start and the result is a view of it (a caller reusing `output` avoids a new allocation per
/// batch); without it, or when it is too small, into a new Buffer.
#[napi]
pub fn build_packed_record_batch<'env>(
    env: &'env Env,
    records: PackedRecordColumns,
    options: Option<BuildRecordBatchOptions>,
    output: Option<BufferSlice<'env>>,
) -> Result<BufferSlice<'env>> {
    let batch = PackedBuild::new(records, options)?.build(SCRATCH.take())?;
    let result = match output {
        Some(mut output) if output.len() >= batch.len() => {
            output[..batch.len()].copy_from_slice(&batch);
            let subarray: Function<'env, FnArgs<(u32, u32)>, BufferSlice<'env>> =
                output.get_named_property("subarray").map_err(napi_failure)?;
            subarray.apply(&output, FnArgs::from((0, batch.len() as u32))).map_err(napi_failure)
        }
        _ => to_buffer(env, &batch),
    };
    SCRATCH.set(batch);
    result
}

/// `buildPackedRecordBatch` on the libuv thread pool, for compressed batches: compressing a megabyte takes
/// about a millisecond, which the event loop should not spend. The records' Buffer and arrays are held
/// (referenced) until the task ends, so the caller must not reuse them before the promise settles.
#[napi(ts_return_type = "Promise<Buffer>")]
pub fn build_packed_record_batch_async(
    records: PackedRecordColumns,
    options: Option<BuildRecordBatchOptions>,
) -> Result<AsyncTask<PackedBuild>> {
    Ok(AsyncTask::new(PackedBuild::new(records, options)?))
}

impl Task for PackedBuild {
    type Output = Result<Vec<u8>>;
    type JsValue = Buffer;

    fn compute(&mut self) -> napi::Result<Result<Vec<u8>>> {
        let records = &self.records;
        Ok(self.build(Vec::with_capacity(records.bytes.len() + records.count as usize * 16)))
    }

    fn resolve(&mut self, env: Env, batch: Result<Vec<u8>>) -> napi::Result<Buffer> {
        batch.map(Buffer::from).map_err(|error| rejection(env, error))
    }
}

/// The records of one batch (CRC checked, decompressed when needed). Keys, values and header values are
/// `subarray` views of one new Buffer holding the batch's records, never of `batch` itself: callers may
/// keep them after `batch` (often a view of a mapped segment) is released. A view costs one call back
/// into JS (~0.1 µs) where a Buffer created natively per key and value costs ~1 µs.
#[napi]
pub fn decode_record_batch<'env>(
    env: &'env Env,
    batch: BufferSlice<'_>,
    max_decompressed_bytes: Option<u32>,
) -> Result<Vec<DecodedRecord<'env>>> {
    let limit = max_decompressed_bytes.map_or(ValidationOptions::default().max_decompressed_bytes, |l| l as usize);
    let header = BatchHeader::parse(&batch)?;
    verify_crc(&batch[..header.size().clamp(HEADER_LEN, batch.len())])?;
    let records = BatchRecords::new(&batch, limit)?;
    let source = records.bytes();
    let holder = &to_buffer(env, source)?;
    let subarray: Function<'env, FnArgs<(u32, u32)>, BufferSlice<'env>> =
        holder.get_named_property("subarray").map_err(napi_failure)?;
    let view = |bytes: Option<&[u8]>| -> Result<Either<BufferSlice<'env>, Null>> {
        let Some(bytes) = bytes else {
            return Ok(Either::B(Null));
        };
        // `bytes` lies inside `source`, which `holder` is a copy of.
        let start = (bytes.as_ptr() as usize - source.as_ptr() as usize) as u32;
        Ok(Either::A(subarray.apply(holder, FnArgs::from((start, start + bytes.len() as u32))).map_err(napi_failure)?))
    };
    let mut decoded = Vec::with_capacity(usize::try_from(header.records_count).unwrap_or(0).min(batch.len()));
    for record in records.iter() {
        let record = record?;
        let headers = record
            .headers
            .iter()
            .map(|(key, value)| {
                let key = std::str::from_utf8(key)
                    .map_err(|_| EngineError::InvalidRecord("record header key is not UTF-8".into()))?;
                Ok(DecodedHeader { key: key.to_owned(), value: view(value)? })
            })
            .collect::<Result<Vec<_>>>()?;
        decoded.push(DecodedRecord {
            offset: i64n(record.offset),
            timestamp: i64n(record.timestamp),
            key: view(record.key)?,
            value: view(record.value)?,
            headers,
        });
    }
    Ok(decoded)
}

/// The records of one batch as columns, for consumers that build their own record objects: one native
/// call and three typed arrays per batch instead of one JS object per record. Spans are positions in
/// `bytes`; a length of −1 is null.
#[napi(object, object_from_js = false)]
pub struct RecordBatchColumns<'a> {
    /// What the spans point into: the batch itself when uncompressed (no copy), else its decompressed records.
    pub bytes: BufferSlice<'a>,
    /// Per record: offset, timestamp.
    pub offsets_and_timestamps: BigInt64Array,
    /// Per record: keyStart, keyLength, valueStart, valueLength, firstHeader, headerCount.
    pub record_spans: Int32Array,
    /// Per header, in record order: keyStart, keyLength, valueStart, valueLength.
    pub header_spans: Int32Array,
}

/// `decodeRecordBatch` as columns (see `RecordBatchColumns`); about ten times cheaper per record. For an
/// uncompressed batch the spans point into `batch` itself, so views made from them share its lifetime:
/// a consumer reading a mapped segment keeps that read unreleased while it holds them.
#[napi]
pub fn decode_record_batch_columns<'env>(
    env: &'env Env,
    batch: BufferSlice<'env>,
    max_decompressed_bytes: Option<u32>,
) -> Result<RecordBatchColumns<'env>> {
    let limit = max_decompressed_bytes.map_or(ValidationOptions::default().max_decompressed_bytes, |l| l as usize);
    let header = BatchHeader::parse(&batch)?;
    verify_crc(&batch[..header.size().clamp(HEADER_LEN, batch.len())])?;
    let records = BatchRecords::new(&batch, limit)?;
    let source: &[u8] = if records.is_compressed() { records.bytes() } else { &batch };
    if source.len() > i32::MAX as usize {
        return Err(EngineError::MessageTooLarge(format!("{} bytes of records", source.len())).into());
    }
    let span = |bytes: Option<&[u8]>| match bytes {
        // Inside `source`, which is under 2 GiB.
        Some(bytes) => [(bytes.as_ptr() as usize - source.as_ptr() as usize) as i32, bytes.len() as i32],
        None => [0, -1],
    };
    let expected = usize::try_from(header.records_count).unwrap_or(0).min(source.len());
    let mut offsets_and_timestamps = Vec::with_capacity(expected * 2);
    let mut record_spans = Vec::with_capacity(expected * 6);
    let mut header_spans = Vec::new();
    for record in records.iter() {
        let record = record?;
        offsets_and_timestamps.extend_from_slice(&[record.offset, record.timestamp]);
        record_spans.extend_from_slice(&span(record.key));
        record_spans.extend_from_slice(&span(record.value));
        record_spans.extend_from_slice(&[(header_spans.len() / 4) as i32, record.headers.len() as i32]);
        for (key, value) in record.headers.iter() {
            header_spans.extend_from_slice(&span(Some(key)));
            header_spans.extend_from_slice(&span(value));
        }
    }
    let bytes = if records.is_compressed() { to_buffer(env, records.bytes())? } else { batch };
    Ok(RecordBatchColumns {
        bytes,
        offsets_and_timestamps: BigInt64Array::new(offsets_and_timestamps),
        record_spans: Int32Array::new(record_spans),
        header_spans: Int32Array::new(header_spans),
    })
}

/// Validates every batch of a produce partition's records (all or nothing), as the log does on append.
#[napi]
pub fn validate_batches(
    input: BufferSlice<'_>,
    options: Option<ValidateBatchesOptions>,
) -> Result<Vec<ValidatedBatchInfo>> {
    let batches = validate::validate_batches(&input, &validation_options(options))?;
    Ok(batches.iter().map(validated_info).collect())
}

/// `validateBatches` on the libuv thread pool, for compressed batches: inflating and checking their records
/// costs up to tens of milliseconds (64 MiB), which the event loop should not spend. `input` is held until
/// the task ends; the caller must not change it before the promise settles.
#[napi(ts_return_type = "Promise<Array<ValidatedBatchInfo>>")]
pub fn validate_batches_async(input: Buffer, options: Option<ValidateBatchesOptions>) -> AsyncTask<Validation> {
    AsyncTask::new(Validation { input, options: validation_options(options) })
}

pub struct Validation {
    input: Buffer,
    options: ValidationOptions,
}

impl Task for Validation {
    type Output = Result<Vec<validate::ValidatedBatch>>;
    type JsValue = Vec<ValidatedBatchInfo>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(validate::validate_batches(&self.input, &self.options).map_err(Into::into))
    }

    fn resolve(&mut self, env: Env, batches: Self::Output) -> napi::Result<Vec<ValidatedBatchInfo>> {
        batches.map(|batches| batches.iter().map(validated_info).collect()).map_err(|error| rejection(env, error))
    }
}

fn validation_options(options: Option<ValidateBatchesOptions>) -> ValidationOptions {
    let defaults = ValidationOptions::default();
    let Some(options) = options else {
        return defaults;
    };
    ValidationOptions {
        max_batch_bytes: options.max_batch_bytes.map_or(defaults.max_batch_bytes, |v| v as usize),
        max_decompressed_bytes: options.max_decompressed_bytes.map_or(defaults.max_decompressed_bytes, |v| v as usize),
        validate_records: options.validate_records.unwrap_or(defaults.validate_records),
        require_keys: options.require_keys.unwrap_or(defaults.require_keys),
    }
}

fn validated_info(batch: &validate::ValidatedBatch) -> ValidatedBatchInfo {
    let header = batch.header;
    ValidatedBatchInfo {
        position: batch.position as u32,
        size: batch.size as u32,
        compression: header.compression().map_or(0, |codec| codec.id() as u32),
        records_count: header.records_count,
        last_offset_delta: header.last_offset_delta,
        base_timestamp: i64n(header.base_timestamp),
        max_timestamp: i64n(header.max_timestamp),
        producer_id: i64n(header.producer_id),
        producer_epoch: i32::from(header.producer_epoch),
        base_sequence: header.base_sequence,
        is_transactional: header.is_transactional(),
    }
}

/// Compresses bytes with a Kafka codec (0–4), as a Kafka client of that codec would.
#[napi]
pub fn compress<'env>(env: &'env Env, codec_id: u32, input: BufferSlice<'_>) -> Result<BufferSlice<'env>> {
    let output = compression::compress(codec(codec_id)?, &input)?;
    to_buffer(env, &output)
}

/// Decompresses bytes of a Kafka codec (0–4), failing past `maxOutputBytes` (default 64 MiB).
#[napi]
pub fn decompress<'env>(
    env: &'env Env,
    codec_id: u32,
    input: BufferSlice<'_>,
    max_output_bytes: Option<u32>,
) -> Result<BufferSlice<'env>> {
    let limit = max_output_bytes.map_or(ValidationOptions::default().max_decompressed_bytes, |l| l as usize);
    let output = compression::decompress(codec(codec_id)?, &input, limit)?;
    to_buffer(env, &output)
}
