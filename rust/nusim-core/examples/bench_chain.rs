//! Host side of `scripts/bench`: the device-side check on the public A.1 vectors, once,
//! in functions callgrind can count alone (`run_one`, `run_chain`).

use nusim_core::chain;
use nusim_core::field::Field;

const HEADER_HEX: &str = concat!(
    "04A47A63C15060F1B524C58082A2956C2139B2FD8688274CD5D756189B84F94E400CD691ED9BE1F0F8A2D206850D08328426FA0C092BCE39B98A50ED0B2ED871DE",
    "D2B5E42DB1579FC7D215CF172C0D98FA",
    "84016A0A2A314C557F7AD5CF35A48D5872F495902494F967643E8BBB46567BFD89165D2AA825A5BBD57A715A4B6332332A42EE8F64A9068B62A1C730598CCF72",
    "041B7CC46825B5EBF4CBA03D4DBFDC1DDC2EB32F10F72CA52B64F9C58EDFECE3668376C741D31598E38C1C22E873BAD20DA1506BCF9004C305DCBE8782835D58FA",
    "6E13ECF5E7A7C948CE85A38024F19272A84006D3F233931AA3AE7A45457A66108E447B66B4C05287593086CD586C07CB8DD5372BCB640F3D4AC838A87632CA91",
    "04451669370A39C14AA166048A939C6061DC6066418E885FB71B4D595647E02DA287553A538A081B2CBCE2EEC79043F4DC674371456FBA5D818BE58B35393B3BF4",
);

#[inline(never)]
#[no_mangle]
fn run_one(h: &[u8]) -> bool {
    let f = |f: Field| &h[f.wire_offset()..f.wire_offset() + f.fixed_len().unwrap_or(0)];
    chain::verify(f(Field::KpubCI), f(Field::KpubDP), f(Field::SigKpubDP))
}

#[inline(never)]
#[no_mangle]
fn run_chain(h: &[u8]) -> bool {
    chain::verify_chain(h).is_ok()
}

fn main() {
    let h: Vec<u8> = (0..HEADER_HEX.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&HEADER_HEX[i..i + 2], 16).unwrap())
        .collect();
    let ok = match std::env::args().nth(1).as_deref() {
        Some("one") => run_one(std::hint::black_box(&h)),
        _ => run_chain(std::hint::black_box(&h)),
    };
    assert!(ok, "the public vectors must verify");
}
