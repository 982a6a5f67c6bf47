extern crate std;
use super::*;
use std::vec::Vec;

/// A modem scripted as chunks of input that arrive at given times; the clock advances to
/// each chunk's time when the driver waits, or to the deadline when nothing is left.
struct Script {
    sent: Vec<u8>,
    stale: Vec<u8>,
    chunks: Vec<(u64, Vec<u8>)>,
    now: u64,
}

impl Script {
    fn new(chunks: &[(u64, &[u8])]) -> Self {
        Script {
            sent: Vec::new(),
            stale: Vec::new(),
            chunks: chunks.iter().rev().map(|(t, c)| (*t, c.to_vec())).collect(),
            now: 0,
        }
    }
}

impl Port for Script {
    fn write(&mut self, data: &[u8]) -> Result<(), i32> {
        self.sent.extend_from_slice(data);
        Ok(())
    }
    fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, i32> {
        match self.chunks.last() {
            Some((t, _)) if *t <= self.now + u64::from(timeout_ms) => {
                let (t, mut c) = self.chunks.pop().unwrap();
                self.now = self.now.max(t);
                let n = c.len().min(buf.len());
                buf[..n].copy_from_slice(&c[..n]);
                if n < c.len() {
                    self.chunks.push((t, c.split_off(n)));
                }
                Ok(n)
            }
            _ => {
                self.now += u64::from(timeout_ms);
                Ok(0)
            }
        }
    }
    fn discard_input(&mut self) {
        self.stale.clear();
    }
    fn now_ms(&mut self) -> u64 {
        self.now
    }
}

fn run(req: Request, chunks: &[(u64, &[u8])], out: &mut [u8]) -> Result<usize, AtError> {
    let mut port = Script::new(chunks);
    let mut lines = LineBuf::<128>::new();
    transact(&mut port, &mut lines, req, &[0xAB, 0x01], out, 1000)
}

const EID: &[u8] = b"89999000000000000000000000000130";

#[test]
fn command_lines_are_exact() {
    let mut v = Vec::new();
    write_command::<()>(Request::SetProfile, &[0x00, 0xAB, 0x5F], &mut |b| {
        v.extend_from_slice(b);
        Ok(())
    })
    .unwrap();
    assert_eq!(v, b"AT+NSESIM=SETPROFILE,3,00AB5F\r");
    let long: Vec<u8> = (0..=255).collect();
    v.clear();
    write_command::<()>(Request::SetProfile, &long, &mut |b| {
        assert!(b.len() <= 64);
        v.extend_from_slice(b);
        Ok(())
    })
    .unwrap();
    assert!(v.starts_with(b"AT+NSESIM=SETPROFILE,256,000102"));
    assert_eq!(v.len(), b"AT+NSESIM=SETPROFILE,256,".len() + 512 + 1);
    v.clear();
    write_command::<()>(Request::GetEid, &[], &mut |b| {
        v.extend_from_slice(b);
        Ok(())
    })
    .unwrap();
    assert_eq!(v, b"AT+NSESIM=GETEID\r");
}

#[test]
fn clean_answers_decode() {
    let mut out = [0u8; 64];
    let n = run(
        Request::GetEid,
        &[(
            0,
            b"\r\n+GETEID: 89999000000000000000000000000130\r\n\r\nOK\r\n",
        )],
        &mut out,
    );
    assert_eq!(n, Ok(32));
    assert_eq!(&out[..33], [EID, b"\0"].concat().as_slice());
    let n = run(
        Request::SetProfile,
        &[(0, b"+SETPROFILE: 8949000000000000017\r\nOK\r\n")],
        &mut out,
    );
    assert_eq!(n, Ok(19));
    assert_eq!(&out[..19], b"8949000000000000017");
    let n = run(
        Request::GetCapabilities,
        &[(0, b"+GETCAPABILITIES: 01,01\r\nOK\r\n")],
        &mut out,
    );
    assert_eq!((n, &out[..2]), (Ok(2), &[1u8, 1][..]));
    let n = run(
        Request::GetCertificate,
        &[(0, b"+GETCERTIFICATE:3003020105\r\nOK\r\n")],
        &mut out,
    );
    assert_eq!(
        (n, &out[..5]),
        (Ok(5), &[0x30u8, 0x03, 0x02, 0x01, 0x05][..])
    );
    // No profile loaded: an empty ICCID is a valid answer.
    let n = run(Request::GetIccid, &[(0, b"+NCCID: \r\nOK\r\n")], &mut out);
    assert_eq!((n, out[0]), (Ok(0), 0));
}

#[test]
fn echo_unsolicited_garbage_and_split_lines_are_survived() {
    let mut out = [0u8; 64];
    let chunks: &[(u64, &[u8])] = &[
        (0, b"AT+NSESIM=GETEID\r\r\n"),
        (5, b"\x00\xff garbage \x1b[0m\r\n+CEREG: 1\r"),
        (10, b"\n+GETEID: 8999900000"),
        (20, b"0000000000000000000130\r"),
        (30, b"\n+CSCON: 0\r\n"),
        (40, b"O"),
        (50, b"K\r\n"),
    ];
    assert_eq!(run(Request::GetEid, chunks, &mut out), Ok(32));
}

#[test]
fn error_codes_are_reported() {
    let mut out = [0u8; 64];
    for code in [4u16, 50, 541, 542, 543, 544, 545, 546] {
        let line = std::format!("+CME ERROR: {code}\r\n");
        assert_eq!(
            run(Request::SetProfile, &[(0, line.as_bytes())], &mut out),
            Err(AtError::Modem(code))
        );
    }
    assert_eq!(
        run(Request::SetProfile, &[(0, b"+CME ERROR:546\r\n")], &mut out),
        Err(AtError::Modem(546))
    );
    assert_eq!(
        run(Request::GetEid, &[(0, b"ERROR\r\n")], &mut out),
        Err(AtError::Modem(4))
    );
    for bad in [
        &b"+CME ERROR: \r\n"[..],
        b"+CME ERROR: 99999999\r\n",
        b"+CME ERROR: x5\r\n",
    ] {
        assert_eq!(
            run(Request::GetEid, &[(0, bad)], &mut out),
            Err(AtError::Malformed)
        );
    }
}

#[test]
fn malformed_answers_are_refused() {
    let mut out = [0u8; 64];
    let cases: &[(Request, &[u8])] = &[
        (Request::GetEid, b"OK\r\n"),
        (Request::GetEid, b"+GETEID: 8999900000000000000000000000013\r\nOK\r\n"),
        (Request::GetEid, b"+GETEID: 8999900000000000000000000000013X\r\nOK\r\n"),
        (Request::GetEid, b"+GETEID: 89999000000000000000000000000130\r\n+GETEID: 89999000000000000000000000000130\r\nOK\r\n"),
        (Request::SetProfile, b"+SETPROFILE: 12345\r\nOK\r\n"),
        (Request::SetProfile, b"+SETPROFILE: \r\nOK\r\n"),
        (Request::SetProfile, b"+GETEID: 89999000000000000000000000000130\r\nOK\r\n"),
        (Request::GetCertificate, b"+GETCERTIFICATE: 3082a\r\nOK\r\n"),
        (Request::GetCertificate, b"+GETCERTIFICATE: 30zz\r\nOK\r\n"),
        (Request::GetCertificate, b"+GETCERTIFICATE: \r\nOK\r\n"),
        (Request::GetCapabilities, b"+GETCAPABILITIES: 1,1\r\nOK\r\n"),
        (Request::GetCapabilities, b"+GETCAPABILITIES: 01,01,02\r\nOK\r\n"),
        (Request::GetCapabilities, b"+GETCAPABILITIES: 0101\r\nOK\r\n"),
    ];
    for (req, answer) in cases {
        assert_eq!(
            run(*req, &[(0, answer)], &mut out),
            Err(AtError::Malformed),
            "{}",
            std::string::String::from_utf8_lossy(answer)
        );
    }
    let mut small = [0u8; 2];
    assert_eq!(
        run(
            Request::GetCertificate,
            &[(0, b"+GETCERTIFICATE: 308201\r\nOK\r\n")],
            &mut small
        ),
        Err(AtError::TooLarge)
    );
}

#[test]
fn overlong_lines_void_the_answer_unless_echo() {
    let mut out = [0u8; 64];
    let long_echo = [
        b"AT+NSESIM=SETPROFILE,1000,".as_slice(),
        &[b'A'; 300],
        b"\r\n+SETPROFILE: 8949000000000000017\r\nOK\r\n",
    ]
    .concat();
    assert_eq!(
        run(Request::SetProfile, &[(0, &long_echo)], &mut out),
        Ok(19)
    );
    let long_junk = [
        &[b'Z'; 300][..],
        b"\r\n+SETPROFILE: 8949000000000000017\r\nOK\r\n",
    ]
    .concat();
    assert_eq!(
        run(Request::SetProfile, &[(0, &long_junk)], &mut out),
        Err(AtError::Overlong)
    );
}

#[test]
fn a_certificate_must_be_der_of_its_own_length() {
    let mut out = [0u8; 600];
    // 0x30 0x82 0x01 0x00: 256 bytes of content follow.
    let mut der = std::vec![0x30u8, 0x82, 0x01, 0x00];
    der.extend(core::iter::repeat_n(0x5a, 256));
    let line = |d: &[u8]| {
        let hex: std::string::String = d.iter().map(|b| std::format!("{b:02X}")).collect();
        std::format!("+GETCERTIFICATE: {hex}\r\nOK\r\n").into_bytes()
    };
    let cert = |text: &[u8], out: &mut [u8]| {
        let mut port = Script::new(&[(0, text)]);
        let mut lines = LineBuf::<600>::new();
        transact(
            &mut port,
            &mut lines,
            Request::GetCertificate,
            &[],
            out,
            1000,
        )
    };
    assert_eq!(cert(&line(&der), &mut out), Ok(260));
    // One byte (two hex digits) lost on the line, or one too many: refused.
    for bad in [&der[..259], &[&der[..], &[0u8][..]].concat()[..], &der[1..]] {
        assert_eq!(cert(&line(bad), &mut out), Err(AtError::Malformed));
    }
    assert_eq!(
        (quiet_ms(300), quiet_ms(2000), quiet_ms(30000)),
        (100, 500, 2000)
    );
    assert_eq!(der_len(&[0x30, 0x05]), Some(7));
    assert_eq!(der_len(&[0x30, 0x81, 0x80]), Some(131));
    assert_eq!(der_len(&[0x30, 0x81, 0x7f]), None, "not minimal");
    assert_eq!(der_len(&[0x30, 0x82, 0x00, 0x80]), None, "not minimal");
    assert_eq!(der_len(&[0x30, 0x84, 1, 0, 0, 0]), None);
    assert_eq!(der_len(&[0x31, 0x00]), None);
    assert_eq!(der_len(&[0x30]), None);
}

#[test]
fn a_late_answer_is_drained_after_a_timeout() {
    let mut out = [0u8; 64];
    let mut port = Script::new(&[
        // The answer to the first command comes 200 ms after its 1 s deadline...
        (1200, b"+SETPROFILE: 8949000000000000017\r\nOK\r\n"),
        // ...and the second command's own answer after that.
        (1500, b"+SETPROFILE: 89490000000000000330\r\nOK\r\n"),
    ]);
    let mut lines = LineBuf::<128>::new();
    let mut load = |port: &mut Script, out: &mut [u8]| {
        transact(port, &mut lines, Request::SetProfile, &[1], out, 1000)
    };
    assert_eq!(load(&mut port, &mut out), Err(AtError::Timeout));
    // The late answer was read and dropped while the line settled.
    assert!(port.now >= 1200 + u64::from(quiet_ms(1000)), "{}", port.now);
    assert_eq!(load(&mut port, &mut out), Ok(20));
    assert_eq!(&out[..20], b"89490000000000000330");
}

#[test]
fn silent_and_babbling_modems_time_out() {
    let mut out = [0u8; 64];
    assert_eq!(run(Request::GetEid, &[], &mut out), Err(AtError::Timeout));
    // An unterminated partial answer.
    assert_eq!(
        run(Request::GetEid, &[(0, b"+GETEID: 8999")], &mut out),
        Err(AtError::Timeout)
    );
    // Unsolicited lines forever, never a final result code.
    let babble: Vec<(u64, &[u8])> = (0..2000).map(|t| (t, &b"+CEREG: 2\r\n"[..])).collect();
    assert_eq!(
        run(Request::GetEid, &babble, &mut out),
        Err(AtError::Timeout)
    );
    // The final result code after the deadline is too late.
    assert_eq!(
        run(
            Request::GetIccid,
            &[(1500, b"+NCCID: 8949000000000000017\r\nOK\r\n")],
            &mut out
        ),
        Err(AtError::Timeout)
    );
}

#[test]
fn port_errors_end_the_exchange() {
    struct Broken;
    impl Port for Broken {
        fn write(&mut self, _: &[u8]) -> Result<(), i32> {
            Err(-5)
        }
        fn read(&mut self, _: &mut [u8], _: u32) -> Result<usize, i32> {
            Err(-5)
        }
        fn discard_input(&mut self) {}
        fn now_ms(&mut self) -> u64 {
            0
        }
    }
    let mut lines = LineBuf::<16>::new();
    assert_eq!(
        transact(
            &mut Broken,
            &mut lines,
            Request::GetEid,
            &[],
            &mut [0; 8],
            10
        ),
        Err(AtError::Port(-5))
    );
}

#[test]
fn line_buffer_bounds() {
    let mut l = LineBuf::<4>::new();
    let mut got = Vec::new();
    for &b in b"\r\n\r\nab\rabcd\nabcde\r\nATxyz\r" {
        if let Some(line) = l.push(b) {
            got.push(match line {
                Line::Text(t) => std::format!("T:{}", std::str::from_utf8(t).unwrap()),
                Line::Overlong { echo } => std::format!("O:{echo}"),
            });
        }
    }
    assert_eq!(got, ["T:ab", "T:abcd", "O:false", "O:true"]);
}

#[test]
fn modem_side_parses_what_the_driver_writes() {
    let pkg: Vec<u8> = (0..400u16).map(|i| (i * 7) as u8).collect();
    let mut line = Vec::new();
    write_command::<()>(Request::SetProfile, &pkg, &mut |b| {
        line.extend_from_slice(b);
        Ok(())
    })
    .unwrap();
    line.pop(); // CR
    assert_eq!(parse_command(&mut line), Ok(Command::SetProfile(&pkg[..])));
    for (text, want) in [
        (&b"AT+NSESIM=GETEID"[..], Ok(Command::GetEid)),
        (b"at+nccid", Ok(Command::GetIccid)),
        (b" AT ", Ok(Command::Attention)),
        (b"AT+NSESIM=GETCAPABILITIES", Ok(Command::GetCapabilities)),
        (b"AT+NSESIM=GETCERTIFICATE", Ok(Command::GetCertificate)),
        (b"AT+NSESIM=SETPROFILE,2,00", Err(CommandError::Syntax)),
        (b"AT+NSESIM=SETPROFILE,1,0G", Err(CommandError::Syntax)),
        (b"AT+NSESIM=SETPROFILE,0,", Err(CommandError::Syntax)),
        (b"AT+NSESIM=SETPROFILE,x,00", Err(CommandError::Syntax)),
        (b"AT+NSESIM=SETPROFILE,100000,00", Err(CommandError::Syntax)),
        (b"AT+NSESIM=SETPROFILE,", Err(CommandError::Syntax)),
        (b"AT+CFUN=0", Err(CommandError::Unknown)),
        (b"", Err(CommandError::Unknown)),
    ] {
        let mut l = text.to_vec();
        assert_eq!(
            parse_command(&mut l),
            want,
            "{}",
            std::string::String::from_utf8_lossy(text)
        );
    }
}
