//! CRC-32C (Castagnoli), the checksum of Kafka record batches; hardware-accelerated by the `crc32c` crate.

pub fn crc32c(bytes: &[u8]) -> u32 {
    crc32c::crc32c(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_vector() {
        assert_eq!(super::crc32c(b"123456789"), 0xE306_9283);
    }
}
