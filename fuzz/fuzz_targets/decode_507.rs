//! The String value decoders of Object 507: any text, for any resource, is either refused
//! with an error or stored; a stored value reads back as the text written (hex in the case
//! it was written in when it was all one case).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nusim_core::field::HEADER_LEN;
use nusim_core::store::ProfileStore;

const ENCP_MAX: usize = 1024;
const W: usize = HEADER_LEN + ENCP_MAX;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, text)) = data.split_first() else {
        return;
    };
    let res = u16::from(sel % 8); // 7 is not a resource: must be refused
    let mut store = Box::new(ProfileStore::<1, W>::new());
    store.create(3).unwrap();
    let mut buf = vec![0u8; 2 * ENCP_MAX + 2];
    let len = text.len().min(buf.len());
    buf[..len].copy_from_slice(&text[..len]);
    if store.write_text(3, res, &mut buf, len).is_err() {
        return;
    }
    assert!(res < 7);
    let mut out = vec![0u8; 2 * ENCP_MAX + 2];
    let n = store
        .read_text(3, res, &mut out)
        .expect("a stored value reads back");
    let written = &text[..len];
    let back = &out[..n];
    let mixed_hex = written.iter().any(u8::is_ascii_lowercase)
        && written.iter().any(u8::is_ascii_uppercase)
        && written.iter().all(u8::is_ascii_hexdigit);
    if mixed_hex {
        assert!(back.eq_ignore_ascii_case(written));
    } else {
        assert_eq!(back, written, "read-back differs from what was written");
    }
});
