//! The records' CBOR (`nusim_core::cbor`). On any bytes, `skip` and the reads never panic
//! and never pass the end. On well-formed items of definite length that minicbor writes
//! from the fuzzer's choices (nested arrays and maps, tags, integers of every width,
//! negative ones, floats, simple values, byte and text strings), `skip` stops exactly at
//! the end of the item: what a newer format adds to a record is passed over, whole.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minicbor::Encoder;
use nusim_core::cbor::Decoder;

fn next(data: &mut &[u8]) -> u8 {
    let Some((&b, rest)) = data.split_first() else {
        return 0;
    };
    *data = rest;
    b
}

fn number(data: &mut &[u8]) -> u64 {
    // 1, 2, 4 or 8 bytes: every head width.
    let width = 1usize << (next(data) % 4);
    (0..width).fold(0, |v, _| v << 8 | u64::from(next(data)))
}

fn item(e: &mut Encoder<Vec<u8>>, data: &mut &[u8], depth: u32) {
    let nested = depth < 6;
    match next(data) % 10 {
        0 => drop(e.u64(number(data))),
        1 => drop(e.i64(-1 - (number(data) >> 1) as i64)),
        2 => drop(e.bytes(&vec![0xa5; usize::from(next(data))])),
        3 => drop(e.str(&"7".repeat(usize::from(next(data))))),
        4 if nested => {
            let k = u64::from(next(data) % 5);
            e.array(k).unwrap();
            for _ in 0..k {
                item(e, data, depth + 1);
            }
        }
        5 if nested => {
            let k = u64::from(next(data) % 4);
            e.map(k).unwrap();
            for _ in 0..2 * k {
                item(e, data, depth + 1);
            }
        }
        6 if nested => {
            e.tag(minicbor::data::Tag::new(number(data))).unwrap();
            item(e, data, depth + 1);
        }
        7 => match next(data) % 2 {
            0 => drop(e.f64(f64::from_bits(number(data)))),
            _ => drop(e.f32(f32::from_bits(number(data) as u32))),
        },
        8 => match next(data) % 4 {
            0 => drop(e.bool(true)),
            1 => drop(e.null()),
            2 => drop(e.undefined()),
            // The simple values minicbor writes: 0..=19 and 32..=255.
            _ => drop(e.simple(match next(data) {
                v @ 20..=31 => v + 12,
                v => v,
            })),
        },
        _ => drop(e.u8(next(data))),
    }
}

fuzz_target!(|data: &[u8]| {
    // Any bytes: no panic, nothing past the end.
    let mut d = Decoder::new(data);
    if d.skip().is_ok() {
        assert!(d.position() <= data.len());
    }
    let mut d = Decoder::new(data);
    let _ = (d.map(), d.u16(), d.bytes(), d.text());
    assert!(d.position() <= data.len());

    // Well-formed definite items: skip ends exactly where the item does.
    let mut input = data;
    let mut e = Encoder::new(Vec::new());
    item(&mut e, &mut input, 0);
    e.u8(7).unwrap();
    let v = e.into_writer();
    let mut d = Decoder::new(&v);
    assert_eq!(d.skip(), Ok(()), "{v:02x?}");
    assert_eq!(d.uint(), Ok(7), "{v:02x?}");
    assert_eq!(d.remaining(), 0);
});
