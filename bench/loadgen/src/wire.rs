//! Kafka wire primitives: big-endian integers, int16-length strings, int32-length bytes, zig-zag
//! varints, and the request header v1 that every request the load generator sends starts with.

/// Appends Kafka primitives to a growable buffer.
#[derive(Default)]
pub struct Encoder {
    pub buf: Vec<u8>,
}

impl Encoder {
    pub fn i8(&mut self, v: i8) -> &mut Self {
        self.buf.push(v as u8);
        self
    }
    pub fn i16(&mut self, v: i16) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn string(&mut self, s: &str) -> &mut Self {
        self.i16(s.len() as i16);
        self.buf.extend_from_slice(s.as_bytes());
        self
    }
    pub fn null_string(&mut self) -> &mut Self {
        self.i16(-1)
    }
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.i32(b.len() as i32);
        self.buf.extend_from_slice(b);
        self
    }
    /// Zig-zag varint (Kafka's `varint`/`varlong` inside records).
    pub fn varint(&mut self, v: i64) -> &mut Self {
        let mut z = ((v << 1) ^ (v >> 63)) as u64;
        while z >= 0x80 {
            self.buf.push((z as u8) | 0x80);
            z >>= 7;
        }
        self.buf.push(z as u8);
        self
    }
}

/// Reads Kafka primitives from a response frame; every read is bounds-checked.
pub struct Decoder<'a> {
    data: &'a [u8],
    pos: usize,
}

#[derive(Debug)]
pub struct Truncated;

impl<'a> Decoder<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Decoder { data, pos: 0 }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], Truncated> {
        let end = self.pos.checked_add(n).ok_or(Truncated)?;
        let s = self.data.get(self.pos..end).ok_or(Truncated)?;
        self.pos = end;
        Ok(s)
    }
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }
    pub fn i8(&mut self) -> Result<i8, Truncated> {
        Ok(self.take(1)?[0] as i8)
    }
    pub fn i16(&mut self) -> Result<i16, Truncated> {
        Ok(i16::from_be_bytes(self.take(2)?.try_into().unwrap()))
    }
    pub fn i32(&mut self) -> Result<i32, Truncated> {
        Ok(i32::from_be_bytes(self.take(4)?.try_into().unwrap()))
    }
    pub fn i64(&mut self) -> Result<i64, Truncated> {
        Ok(i64::from_be_bytes(self.take(8)?.try_into().unwrap()))
    }
    pub fn skip_string(&mut self) -> Result<(), Truncated> {
        let n = self.i16()?;
        if n > 0 {
            self.take(n as usize)?;
        }
        Ok(())
    }
    /// Nullable int32-length bytes; null reads as empty.
    pub fn bytes(&mut self) -> Result<&'a [u8], Truncated> {
        let n = self.i32()?;
        if n <= 0 {
            return Ok(&[]);
        }
        self.take(n as usize)
    }
    pub fn varint(&mut self) -> Result<i64, Truncated> {
        let mut z: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.i8()? as u8;
            z |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok((z >> 1) as i64 ^ -((z & 1) as i64));
            }
        }
        Err(Truncated)
    }
}

pub const CLIENT_ID: &str = "gregor-loadgen";

/// A size-prefixed request: length, request header v1 (api key, version, correlation id, client id), body.
/// The correlation id sits at bytes 8..12 so a pre-built request can be re-sent with a new one.
pub fn frame_request(api_key: i16, api_version: i16, body: &[u8]) -> Vec<u8> {
    let mut e = Encoder::default();
    e.i32(0).i16(api_key).i16(api_version).i32(0).string(CLIENT_ID);
    e.buf.extend_from_slice(body);
    let len = (e.buf.len() - 4) as i32;
    e.buf[0..4].copy_from_slice(&len.to_be_bytes());
    e.buf
}

pub fn set_correlation_id(frame: &mut [u8], id: i32) {
    frame[8..12].copy_from_slice(&id.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_round_trips_across_magnitudes() {
        for v in [0i64, 1, -1, 63, -64, 64, 300, -300, i32::MAX as i64, i64::MIN, i64::MAX] {
            let mut e = Encoder::default();
            e.varint(v);
            assert_eq!(Decoder::new(&e.buf).varint().unwrap(), v);
        }
    }

    #[test]
    fn frame_carries_length_header_and_correlation_id() {
        let mut f = frame_request(0, 7, &[1, 2, 3]);
        set_correlation_id(&mut f, 42);
        let mut d = Decoder::new(&f);
        assert_eq!(d.i32().unwrap() as usize, f.len() - 4);
        assert_eq!((d.i16().unwrap(), d.i16().unwrap(), d.i32().unwrap()), (0, 7, 42));
    }

    #[test]
    fn truncated_input_is_an_error_not_a_panic() {
        assert!(Decoder::new(&[0, 0, 0]).i32().is_err());
        assert!(Decoder::new(&[0, 0, 0, 9, 1]).bytes().is_err());
        assert!(Decoder::new(&[0x80; 12]).varint().is_err());
    }
}
