//! Package assembly: arbitrary sequences of 507 writes, instance creation and deletion,
//! 508/0/4 links and 508/0/5 executes. Whatever the sequence, a load gets either a whole
//! package in wire order (every field in place, encP last) or a result that says why not,
//! and the device-side check of what was assembled never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nusim_core::chain;
use nusim_core::field::{Field, HEADER_LEN};
use nusim_core::nusim::{Nusim508, ObjLnk, Started};
use nusim_core::result::LoadResult;
use nusim_core::store::ProfileStore;
use nusim_core::trust::TrustAnchors;

const ENCP_MAX: usize = 64;
const W: usize = HEADER_LEN + ENCP_MAX;

fuzz_target!(|data: &[u8]| {
    let mut store = ProfileStore::<2, W>::new();
    let mut n508 = Nusim508::<16>::new();
    let mut scratch = [0u8; W];
    let trust = TrustAnchors::<1>::new();
    let mut ops = data;
    while let Some((&op, rest)) = ops.split_first() {
        ops = rest;
        let inst = u16::from(op >> 4 & 3);
        match op & 7 {
            0 => {
                let _ = store.create(inst);
            }
            1 => {
                store.delete(inst);
            }
            2 => {
                let _ = n508.set_link(
                    ObjLnk {
                        obj_id: 507,
                        obj_inst: inst,
                    },
                    &store,
                );
            }
            3 => {
                let _ = n508.set_link(
                    ObjLnk {
                        obj_id: u16::from(op),
                        obj_inst: inst,
                    },
                    &store,
                );
            }
            4 => match n508.execute(&store, &mut scratch) {
                Ok(Started::Load(n)) => {
                    assert!(n > HEADER_LEN && n <= W);
                    let link = n508.link();
                    let p = store
                        .get(link.obj_inst)
                        .expect("loaded from a live instance");
                    for f in Field::ALL {
                        let v = p.value(f).expect("every field present");
                        let o = f.wire_offset();
                        assert_eq!(&scratch[o..o + v.len()], v, "{f:?} in place");
                    }
                    let _ = chain::check_package(&scratch[..n], &trust);
                    let _ = n508.finish(Err(LoadResult::DriverError));
                }
                Ok(Started::Finished(r)) => {
                    assert!(matches!(
                        r,
                        LoadResult::NoLink | LoadResult::DanglingLink | LoadResult::Incomplete
                    ));
                }
                Err(_) => unreachable!("no load is left running"),
            },
            _ => {
                // A write: resource, length, then that many bytes of text.
                let Some((&len, rest)) = ops.split_first() else {
                    return;
                };
                let len = usize::from(len).min(rest.len());
                let mut buf = [0u8; 2 * ENCP_MAX + 2];
                let l = len.min(buf.len());
                buf[..l].copy_from_slice(&rest[..l]);
                let _ = store.write_text(inst, u16::from(op >> 3 & 7), &mut buf, l);
                ops = &rest[len..];
            }
        }
    }
});
