//! A plain TCP sink that reads Produce requests and answers each with an empty Produce v7 response
//! (no acks=0 answer, as Kafka): the load generator's ceiling on this machine, so a broker's result
//! can be shown not to be limited by the load generator. Runs until killed.

use crate::wire::{Decoder, Encoder};
use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

pub fn serve(listen: &str) -> std::io::Result<()> {
    let listener = TcpListener::bind(listen)?;
    println!("listening {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    for stream in listener.incoming() {
        let stream = stream?;
        std::thread::spawn(move || answer(stream));
    }
    Ok(())
}

fn answer(stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::with_capacity(1 << 20, stream.try_clone()?);
    let mut writer = stream;
    let mut frame = Vec::new();
    loop {
        let mut size = [0u8; 4];
        reader.read_exact(&mut size)?;
        frame.resize(i32::from_be_bytes(size).clamp(0, 1 << 30) as usize, 0);
        reader.read_exact(&mut frame)?;
        let mut d = Decoder::new(&frame);
        let (_api_key, _version, correlation) = (d.i16(), d.i16(), d.i32());
        let acks = d.skip_string().and_then(|_| d.skip_string()).and_then(|_| d.i16());
        let (Ok(correlation), Ok(acks)) = (correlation, acks) else { return Ok(()) };
        if acks == 0 {
            continue;
        }
        // Answered at once: holding a response back until more input arrives would stall a client
        // that waits for it before sending more.
        let mut e = Encoder::default();
        e.i32(12).i32(correlation).i32(0).i32(0);
        writer.write_all(&e.buf)?;
    }
}
