//! The public C header says what the Rust code does: every 508/0/6 code of
//! `enum lwm2m_nusim_result` is a `LoadResult` of the same name and value and none is
//! missing; the object and resource IDs are the ones the objects use; the sources and the
//! policy's decisions are `Source` and `Decision`.

use nusim_core::field::Field;
use nusim_core::nusim::{OBJ_NUSIM, OBJ_PROFILE};
use nusim_core::objects::{res508, BACKUP_INST, EID_LEN, ICCID_LEN};
use nusim_core::platform::{Decision, Source};
use nusim_core::result::LoadResult;
use std::collections::BTreeMap;

fn header() -> String {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../include/nusim/lwm2m_nusim.h"
    );
    std::fs::read_to_string(p).expect("include/nusim/lwm2m_nusim.h")
}

/// `NAME = value` (enum) and `#define NAME value` lines with the prefix, as a map.
fn constants(h: &str, prefix: &str) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for line in h.lines() {
        let l = line
            .trim()
            .trim_start_matches("#define ")
            .trim_end_matches(',');
        let Some(rest) = l.strip_prefix(prefix) else {
            continue;
        };
        let mut parts = rest
            .split(|c: char| c == '=' || c.is_whitespace())
            .filter(|s| !s.is_empty());
        if let (Some(name), Some(v)) = (parts.next(), parts.next()) {
            if let Ok(v) = v.parse() {
                m.insert(name.to_string(), v);
            }
        }
    }
    m
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_uppercase)
        .collect()
}

#[test]
fn result_enum_matches_load_result() {
    let c = constants(&header(), "LWM2M_NUSIM_RESULT_");
    assert_eq!(c.len(), LoadResult::ALL.len(), "{c:?}");
    for r in LoadResult::ALL {
        let name = squash(&format!("{r:?}"));
        let found = c.iter().find(|(k, _)| squash(k) == name);
        assert_eq!(
            found.map(|(_, v)| *v),
            Some(r as u8 as i64),
            "{r:?} in the header"
        );
    }
}

#[test]
fn ids_and_sizes_match() {
    let c = constants(&header(), "LWM2M_NUSIM_");
    assert_eq!(c["OBJ_PROFILE"], i64::from(OBJ_PROFILE));
    assert_eq!(c["OBJ_NUSIM"], i64::from(OBJ_NUSIM));
    for f in Field::ALL {
        let name = format!("RES_{}", squash(&format!("{f:?}")));
        let v = c
            .iter()
            .find(|(k, _)| squash(k) == squash(&name))
            .map(|(_, v)| *v);
        assert_eq!(v, Some(f as i64), "{f:?}");
    }
    for (name, v) in [
        ("RES_EID", res508::EID),
        ("RES_ICCID", res508::ICCID),
        ("RES_CAPABILITIES", res508::CAPABILITIES),
        ("RES_CERTIFICATE", res508::CERTIFICATE),
        ("RES_PROFILE", res508::PROFILE),
        ("RES_LOAD_PROFILE", res508::LOAD_PROFILE),
        ("RES_LOAD_RESULT", res508::LOAD_RESULT),
    ] {
        assert_eq!(c[name], i64::from(v), "{name}");
    }
    assert_eq!(c["EID_LEN"], EID_LEN as i64);
    assert_eq!(c["ICCID_LEN"], ICCID_LEN as i64);
}

#[test]
fn backup_instance_matches() {
    let h = header();
    let line = h
        .lines()
        .find(|l| l.starts_with("#define LWM2M_NUSIM_BACKUP_INSTANCE "))
        .expect("LWM2M_NUSIM_BACKUP_INSTANCE");
    let v = line.rsplit(' ').next().unwrap().trim_start_matches("0x");
    assert_eq!(u16::from_str_radix(v, 16).unwrap(), BACKUP_INST);
}

#[test]
fn sources_and_decisions_match() {
    let h = header();
    let sources = constants(&h, "LWM2M_NUSIM_SOURCE_");
    assert_eq!(sources.len(), 4, "{sources:?}");
    for (name, v) in &sources {
        let s = Source::from_u8(u8::try_from(*v).unwrap()).expect(name);
        assert_eq!(squash(&format!("{s:?}")), squash(name));
    }
    assert_eq!(Source::from_u8(4), None);
    let c = constants(&h, "LWM2M_NUSIM_");
    for d in [Decision::Allow, Decision::Deny, Decision::Defer] {
        let name = squash(&format!("{d:?}"));
        assert_eq!(c.get(&name).copied(), Some(d as u8 as i64), "{d:?}");
    }
}
