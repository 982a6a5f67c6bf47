//! The AT driver's response parser: arbitrary bytes from the modem, in arbitrary pieces,
//! for every request. It ends (final result code, or the deadline) and what it accepts is
//! what the request returns.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nusim_at::{is_eid, is_iccid, transact, AtError, LineBuf, Port, Request};

/// Plays the input as the modem's output: each byte of `cuts` sets the size of the next
/// piece; every read advances the clock by 1 ms.
struct Replay<'a> {
    data: &'a [u8],
    cuts: &'a [u8],
    now: u64,
}

impl Port for Replay<'_> {
    fn write(&mut self, _: &[u8]) -> Result<(), i32> {
        Ok(())
    }
    fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, i32> {
        if self.data.is_empty() {
            self.now += u64::from(timeout_ms);
            return Ok(0);
        }
        let cut = self
            .cuts
            .first()
            .map_or(buf.len(), |&c| usize::from(c).max(1));
        self.cuts = self.cuts.get(1..).unwrap_or(&[]);
        let n = cut.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.now += 1;
        Ok(n)
    }
    fn discard_input(&mut self) {}
    fn now_ms(&mut self) -> u64 {
        self.now
    }
}

const REQUESTS: [Request; 5] = [
    Request::SetProfile,
    Request::GetEid,
    Request::GetIccid,
    Request::GetCertificate,
    Request::GetCapabilities,
];

fuzz_target!(|input: &[u8]| {
    let Some((&sel, rest)) = input.split_first() else {
        return;
    };
    let req = REQUESTS[usize::from(sel) % REQUESTS.len()];
    let split = usize::from(sel >> 3).min(rest.len());
    let (cuts, data) = rest.split_at(split);
    let mut port = Replay { data, cuts, now: 0 };
    let mut lines = LineBuf::<256>::new();
    let mut out = [0u8; 128];
    match transact(&mut port, &mut lines, req, &[1, 2, 3], &mut out, 10_000) {
        Ok(n) => {
            assert!(n <= out.len());
            match req {
                Request::GetEid => assert!(is_eid(&out[..n]) && out[n] == 0),
                Request::SetProfile => assert!(is_iccid(&out[..n]) && out[n] == 0),
                Request::GetIccid => assert!((n == 0 || is_iccid(&out[..n])) && out[n] == 0),
                Request::GetCapabilities => assert_eq!(n, 2),
                Request::GetCertificate => assert!(n > 0),
            }
        }
        // Silence or no final result code: only once the deadline has passed.
        Err(AtError::Timeout) => assert!(port.now >= 10_000),
        Err(_) => {}
    }
});
