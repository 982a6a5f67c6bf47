//! The modem side of the dialect (the emulator's command parser): any command line is
//! understood or refused, and a SETPROFILE it understands carries exactly the bytes
//! its hex said.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nusim_at::{parse_command, Command};

fuzz_target!(|data: &[u8]| {
    let mut line = data.to_vec();
    if let Ok(Command::SetProfile(pkg)) = parse_command(&mut line) {
        assert!(!pkg.is_empty());
        let text = String::from_utf8_lossy(data).to_ascii_uppercase();
        let hex: String = pkg.iter().map(|b| format!("{b:02X}")).collect();
        assert!(text.trim_end_matches(' ').ends_with(&hex));
    }
});
