//! `nusim-tool`: builds packages for the simulated nuSIM and prints what a server writes.
//!
//! ```text
//! nusim-tool package --iccid 8949000000000000017 [--imsi 262010000000017] [--operator NAME]
//!                    [--break other-ci|sig-kpubdp|sig-ekpubdp|encp|unparsable] [--hex]
//! nusim-tool identity
//! nusim-tool c-header      # tests/lwm2m_nusim/src/packages.h
//! nusim-tool c-header-wire # tests/nusim_at/src/wire_packages.h
//! ```
//! `package` prints one line per 507 resource, `<res id> <name> <text>`: mac as hex,
//! the rest as base64 (with `--hex`, every value as hex).

use nusim_core::field::Field;
use nusim_pkg::{Breakage, Builder};
use std::process::ExitCode;

const NAMES: [&str; 7] = [
    "encP",
    "mac",
    "eKpubDP",
    "SigEKpubDP",
    "KpubDP",
    "SigKpubDP",
    "KpubCI",
];

fn usage() -> ExitCode {
    eprintln!(
        "usage: nusim-tool package --iccid ICCID [--imsi IMSI] [--operator NAME] [--break KIND] \
         [--encp-size BYTES] [--hex | --json]"
    );
    eprintln!("       nusim-tool identity");
    eprintln!("       nusim-tool c-header");
    eprintln!("       nusim-tool c-header-wire");
    eprintln!("KIND: {}", Breakage::ALL.map(Breakage::name).join(", "));
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |k: &str| {
        args.iter()
            .position(|a| a == k)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    match args.first().map(String::as_str) {
        Some("c-header") => {
            print!("{}", nusim_pkg::c_header());
            ExitCode::SUCCESS
        }
        Some("c-header-wire") => {
            print!("{}", nusim_pkg::c_header_wire());
            ExitCode::SUCCESS
        }
        Some("identity") => {
            use nusim_sim::test_identity as t;
            println!("EID {}", t::EID);
            println!("KpubCI {}", hex(&t::CI_PUBLIC));
            println!("nuSIM public key {}", hex(&t::NUSIM_PUBLIC));
            ExitCode::SUCCESS
        }
        Some("package") => {
            let Some(iccid) = get("--iccid") else {
                return usage();
            };
            if !nusim_core::text::is_iccid(iccid.as_bytes()) {
                eprintln!("ICCID must be 18 to 20 digits");
                return ExitCode::from(2);
            }
            let imsi = get("--imsi").unwrap_or_else(|| "001010123456789".into());
            let operator = get("--operator").unwrap_or_else(|| "Test operator".into());
            let b = Builder::test_identity();
            let encp_size = match get("--encp-size").map(|v| v.parse::<usize>()) {
                None => None,
                Some(Ok(n)) if n >= 64 && n % 16 == 0 => Some(n),
                Some(_) => {
                    eprintln!("--encp-size: a multiple of 16, at least 64");
                    return ExitCode::from(2);
                }
            };
            let pkg = match (get("--break"), encp_size) {
                (Some(_), Some(_)) => return usage(),
                (None, Some(n)) => b.build(
                    &nusim_pkg::profile_cbor_sized(&iccid, &imsi, &operator, n),
                    &iccid,
                ),
                (None, None) => b.profile(&iccid, &imsi, &operator),
                (Some(k), None) => match Breakage::ALL.iter().find(|x| x.name() == k) {
                    Some(br) => br.package(&b, &iccid),
                    None => return usage(),
                },
            };
            if args.iter().any(|a| a == "--json") {
                // For scripts: what a server writes (text) and the same bytes as hex.
                let obj = |g: &dyn Fn(Field) -> String| {
                    Field::ALL
                        .map(|f| format!("\"{}\": \"{}\"", f as u16, g(f)))
                        .join(", ")
                };
                println!(
                    "{{\"iccid\": \"{iccid}\", \"text\": {{{}}}, \"hex\": {{{}}}}}",
                    obj(&|f| pkg.text(f)),
                    obj(&|f| hex(&pkg.fields[f as usize]))
                );
                return ExitCode::SUCCESS;
            }
            for f in Field::ALL {
                let text = if args.iter().any(|a| a == "--hex") {
                    hex(&pkg.fields[f as usize])
                } else {
                    pkg.text(f)
                };
                println!("{} {} {}", f as u16, NAMES[f as usize], text);
            }
            ExitCode::SUCCESS
        }
        _ => usage(),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}
