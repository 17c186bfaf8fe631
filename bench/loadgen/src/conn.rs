//! One TCP connection to a broker split into a write half and a read half, so a writer thread can
//! keep several requests in flight while a reader thread takes the responses in order.

use std::io::{self, BufReader, Read, Write};
use std::net::TcpStream;

pub struct Writer(TcpStream);
pub struct Reader(BufReader<TcpStream>);

pub fn connect(addr: &str) -> io::Result<(Writer, Reader)> {
    let s = TcpStream::connect(addr)?;
    s.set_nodelay(true)?;
    let r = s.try_clone()?;
    Ok((Writer(s), Reader(BufReader::with_capacity(1 << 20, r))))
}

impl Writer {
    pub fn send(&mut self, frame: &[u8]) -> io::Result<()> {
        self.0.write_all(frame)
    }
}

impl Reader {
    /// Reads one size-prefixed response into `buf`; returns its correlation id. `buf` then holds the
    /// body that follows the response header v0.
    pub fn read_response(&mut self, buf: &mut Vec<u8>) -> io::Result<i32> {
        let mut head = [0u8; 8];
        self.0.read_exact(&mut head)?;
        let size = i32::from_be_bytes(head[0..4].try_into().unwrap());
        if !(4..=(1 << 30)).contains(&size) {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("response size {size}")));
        }
        buf.resize(size as usize - 4, 0);
        self.0.read_exact(buf)?;
        Ok(i32::from_be_bytes(head[4..8].try_into().unwrap()))
    }
}
