//! The AT driver's transaction logic (`nusim-at`) against the AT modem emulator
//! (`nusim_sim::at_emul`) with real packages: every answer, every refusal code, every fault.
//! The same pair runs on native_sim over an emulated UART in `tests/nusim_at`.

use nusim_at::{transact, AtError, LineBuf, Port, Request};
use nusim_pkg::{Breakage, Builder};
use nusim_sim::at_emul::{AtModem, Fault};
use nusim_sim::{SimNusim, TEST_IDENTITY};
use std::collections::VecDeque;

const LINE: usize = 4096;

/// The modem on the far side of a perfect wire, answering as soon as a line is complete.
struct Wire {
    modem: Box<AtModem<LINE>>,
    rx: VecDeque<u8>,
    now: u64,
}

impl Wire {
    fn new(single_profile: bool) -> Self {
        Wire {
            modem: Box::new(AtModem::new(SimNusim::new(&TEST_IDENTITY, single_profile))),
            rx: VecDeque::new(),
            now: 0,
        }
    }
}

impl Port for Wire {
    fn write(&mut self, data: &[u8]) -> Result<(), i32> {
        let mut plain = vec![0u8; 2048];
        let rx = &mut self.rx;
        self.modem.feed(data, &mut plain, &mut |b: &[u8]| {
            rx.extend(b.iter().copied())
        });
        Ok(())
    }
    fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, i32> {
        // Deliver in odd-sized pieces: partial lines on every read.
        let n = buf.len().min(7).min(self.rx.len());
        if n == 0 {
            self.now += u64::from(timeout_ms);
        }
        for b in buf.iter_mut().take(n) {
            *b = self.rx.pop_front().unwrap();
        }
        self.now += 1;
        Ok(n)
    }
    fn discard_input(&mut self) {
        self.rx.clear();
    }
    fn now_ms(&mut self) -> u64 {
        self.now
    }
}

fn request(w: &mut Wire, req: Request, pkg: &[u8], out: &mut [u8]) -> Result<usize, AtError> {
    let mut lines = Box::new(LineBuf::<2112>::new());
    transact(w, &mut lines, req, pkg, out, 5000)
}

#[test]
fn identity_and_a_full_load() {
    let mut w = Wire::new(false);
    let mut out = [0u8; 2048];
    assert_eq!(request(&mut w, Request::GetEid, &[], &mut out), Ok(32));
    assert_eq!(&out[..32], TEST_IDENTITY.eid.as_bytes());
    assert_eq!(request(&mut w, Request::GetIccid, &[], &mut out), Ok(0));
    let n = request(&mut w, Request::GetCertificate, &[], &mut out).unwrap();
    assert_eq!(&out[..n], TEST_IDENTITY.cert_der);
    assert_eq!(
        request(&mut w, Request::GetCapabilities, &[], &mut out),
        Ok(2)
    );
    assert_eq!(out[..2], TEST_IDENTITY.capabilities);

    let pkg = Builder::test_identity()
        .profile("8949000000000000017", "262019876543210", "Test")
        .wire();
    assert_eq!(request(&mut w, Request::SetProfile, &pkg, &mut out), Ok(19));
    assert_eq!(&out[..19], b"8949000000000000017");
    assert_eq!(request(&mut w, Request::GetIccid, &[], &mut out), Ok(19));
}

#[test]
fn every_refusal_reaches_the_driver_with_its_code() {
    let b = Builder::test_identity();
    let mut out = [0u8; 64];
    for (brk, code) in [
        (Breakage::OtherCi, 541),
        (Breakage::SigKpubDp, 542),
        (Breakage::SigEKpubDp, 543),
        (Breakage::EncP, 544),
        (Breakage::Unparsable, 546),
    ] {
        let mut w = Wire::new(false);
        let pkg = brk.package(&b, "8949000000000000025").wire();
        assert_eq!(
            request(&mut w, Request::SetProfile, &pkg, &mut out),
            Err(AtError::Modem(code)),
            "{brk:?}"
        );
    }
    let mut w = Wire::new(true);
    let good = b
        .profile("8949000000000000017", "262019876543210", "T")
        .wire();
    assert_eq!(
        request(&mut w, Request::SetProfile, &good, &mut out),
        Ok(19)
    );
    assert_eq!(
        request(&mut w, Request::SetProfile, &good, &mut out),
        Err(AtError::Modem(545))
    );
    // A package the modem cannot even parse: syntax error 50.
    assert_eq!(
        request(&mut w, Request::SetProfile, &good[..100], &mut out),
        Err(AtError::Modem(50))
    );
}

#[test]
fn every_fault_ends_in_a_clear_outcome() {
    let pkg = Builder::test_identity()
        .profile("8949000000000000017", "262019876543210", "Test")
        .wire();
    let mut out = [0u8; 2048];
    for (fault, want_eid, want_load) in [
        (Fault::Echo, Ok(32), Ok(19)),
        (Fault::Noise, Ok(32), Ok(19)),
        (Fault::Silent, Err(AtError::Timeout), Err(AtError::Timeout)),
        (
            Fault::CmeError,
            Err(AtError::Modem(4)),
            Err(AtError::Modem(4)),
        ),
        (
            Fault::BareError,
            Err(AtError::Modem(4)),
            Err(AtError::Modem(4)),
        ),
        (Fault::NoFinal, Err(AtError::Timeout), Err(AtError::Timeout)),
        (
            Fault::NoInfo,
            Err(AtError::Malformed),
            Err(AtError::Malformed),
        ),
        (
            Fault::BadValue,
            Err(AtError::Malformed),
            Err(AtError::Malformed),
        ),
        (
            Fault::DoubleInfo,
            Err(AtError::Malformed),
            Err(AtError::Malformed),
        ),
        (
            Fault::Overlong,
            Err(AtError::Overlong),
            Err(AtError::Overlong),
        ),
    ] {
        let mut w = Wire::new(false);
        w.modem.fault = fault;
        assert_eq!(
            request(&mut w, Request::GetEid, &[], &mut out),
            want_eid,
            "{fault:?}"
        );
        assert_eq!(
            request(&mut w, Request::SetProfile, &pkg, &mut out),
            want_load,
            "{fault:?}"
        );
        // The fault over, the same modem answers properly: no stale bytes, no lost sync.
        w.modem.fault = Fault::None;
        assert_eq!(
            request(&mut w, Request::GetEid, &[], &mut out),
            Ok(32),
            "{fault:?}"
        );
    }
}

#[test]
fn a_lost_answer_to_a_load_that_worked() {
    let pkg = Builder::test_identity()
        .profile("8949000000000000017", "262019876543210", "Test")
        .wire();
    let mut out = [0u8; 64];
    let mut w = Wire::new(false);
    w.modem.fault = Fault::LoadThenSilent;
    assert_eq!(
        request(&mut w, Request::SetProfile, &pkg, &mut out),
        Err(AtError::Timeout)
    );
    // The chip has the profile: asking for the ICCID tells.
    assert_eq!(request(&mut w, Request::GetIccid, &[], &mut out), Ok(19));
    assert_eq!(&out[..19], b"8949000000000000017");
}
