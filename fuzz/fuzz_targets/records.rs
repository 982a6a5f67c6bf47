//! The persisted records (read back from flash at every start, so outside bytes as far as
//! the parser knows): any bytes, as any record kind, are refused with an error or decoded;
//! a decoded record encodes again to a record that decodes to the same value, and a name
//! that parses prints back as itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nusim_core::persist::{
    InstanceRecord, Key, ResourceRecord, SlotRecord, StateRecord, NAME_MAX, OVERHEAD, STATE_MAX,
    SUBTREE,
};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rec)) = data.split_first() else {
        return;
    };
    let mut out = vec![0u8; rec.len() + OVERHEAD + STATE_MAX];
    match sel % 5 {
        0 => {
            if let Ok(s) = StateRecord::decode(rec) {
                let n = s.encode(&mut out).expect("a decoded state encodes");
                assert!(n <= STATE_MAX);
                assert_eq!(StateRecord::decode(&out[..n]), Ok(s));
            }
        }
        1 => {
            if let Ok(r) = ResourceRecord::decode(rec) {
                let n = r.encode(&mut out).expect("a decoded value encodes");
                assert_eq!(ResourceRecord::decode(&out[..n]), Ok(r));
            }
        }
        2 => {
            if let Ok(r) = SlotRecord::decode(rec) {
                let n = r.encode(&mut out).expect("a decoded package encodes");
                assert_eq!(SlotRecord::decode(&out[..n]), Ok(r));
            }
        }
        3 => {
            if InstanceRecord::decode(rec).is_ok() {
                let n = InstanceRecord.encode(&mut out).unwrap();
                assert!(InstanceRecord::decode(&out[..n]).is_ok());
            }
        }
        _ => {
            if let Some(k) = Key::parse(rec) {
                let mut name = [0u8; NAME_MAX + 1];
                let n = k.name(&mut name);
                assert_eq!(&name[SUBTREE.len() + 1..n], rec);
            }
        }
    }
});
