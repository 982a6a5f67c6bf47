//! Object 508 state and the Load Profile flow, independent of Zephyr.
//!
//! The engine glue drives it in steps so that the slow part runs outside the engine:
//! [`Nusim508::execute`] (engine thread, under the registry lock: copies the linked package,
//! so changing or deleting the instance afterwards does not affect this load), the driver
//! load (work queue, no lock), [`Nusim508::finish`] (work queue, under the lock); see
//! [`crate::load`].

use crate::result::LoadResult;
use crate::store::{PackageError, ProfileStore};
use crate::text::{self, Text};

/// Bytes of an EID buffer: 32 digits and a NUL (`LWM2M_NUSIM_EID_LEN`).
pub const EID_LEN: usize = 33;
/// Bytes of an ICCID buffer: up to 20 digits and a NUL (`LWM2M_NUSIM_ICCID_LEN`).
pub const ICCID_LEN: usize = 21;

/// Object ID of nuSIM Profile.
pub const OBJ_PROFILE: u16 = 507;
/// Object ID of nuSIM.
pub const OBJ_NUSIM: u16 = 508;

/// `struct lwm2m_objlnk` of `<zephyr/net/lwm2m.h>` (two u16, layout checked in the C glue).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjLnk {
    /// Object ID.
    pub obj_id: u16,
    /// Object instance ID.
    pub obj_inst: u16,
}

impl ObjLnk {
    /// The null link, 65535:65535.
    pub const NULL: ObjLnk = ObjLnk {
        obj_id: u16::MAX,
        obj_inst: u16::MAX,
    };
}

/// Why a write of 508/0/4 was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// Not a link to Object 507.
    WrongObject,
    /// No such 507 instance.
    NoInstance,
}

crate::log::describe_names!(LinkError {
    WrongObject => "not Object 507",
    NoInstance => "no such instance",
});

/// What an accepted execute of 508/0/5 led to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Started {
    /// The package (this many bytes) was copied out; hand it to the driver, then `finish`.
    Load(usize),
    /// Nothing to load (no link, dangling link, incomplete package): this is the result.
    Finished(LoadResult),
}

/// Why an execute of 508/0/5 was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecuteError {
    /// A load is running.
    Busy,
}

/// State of the single Object 508 instance. `C` bounds the certificate (DER bytes).
///
/// All-zero is the start state (no link, never loaded), so a `static` of it lives in `.bss`.
pub struct Nusim508<const C: usize> {
    /// 508/0/0, 32 digits.
    pub eid: Text<EID_LEN>,
    /// 508/0/1, the ICCID of the current profile (empty if none).
    pub iccid: Text<ICCID_LEN>,
    /// 508/0/2, as the nuSIM reports it.
    pub caps: [u8; 8],
    /// Valid bytes of `caps`.
    pub caps_len: usize,
    /// 508/0/3, CERT.NUSIM.ECDSA (DER; served as base64).
    pub cert: [u8; C],
    /// Valid bytes of `cert`.
    pub cert_len: usize,
    /// A link to Object 507, or obj_id 0 for "none" (0 is never a valid target).
    link: ObjLnk,
    /// Meaningful only once `ran`.
    result: LoadResult,
    ran: bool,
    busy: bool,
}

impl<const C: usize> Default for Nusim508<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const C: usize> Nusim508<C> {
    /// Before the driver was asked anything: no link, never loaded.
    pub const fn new() -> Self {
        Nusim508 {
            eid: Text::new(),
            iccid: Text::new(),
            caps: [0; 8],
            caps_len: 0,
            cert: [0; C],
            cert_len: 0,
            link: ObjLnk {
                obj_id: 0,
                obj_inst: 0,
            },
            result: LoadResult::Success,
            ran: false,
            busy: false,
        }
    }

    /// 508/0/4.
    pub fn link(&self) -> ObjLnk {
        if self.link.obj_id == OBJ_PROFILE {
            self.link
        } else {
            ObjLnk::NULL
        }
    }

    /// 508/0/6.
    pub fn result(&self) -> LoadResult {
        if self.ran {
            self.result
        } else {
            LoadResult::NeverLoaded
        }
    }

    fn set_result(&mut self, r: LoadResult) {
        self.result = r;
        self.ran = true;
    }

    /// Sets 508/0/6 outside a server's load: a value read back at start, a policy decision, the end
    /// of a fallback. [`LoadResult::NeverLoaded`] means "never ran".
    pub fn publish(&mut self, r: LoadResult) {
        self.result = r;
        self.ran = r != LoadResult::NeverLoaded;
    }

    /// Marks a load running that the module itself started (a fallback, a rollback, a load
    /// cut short by a restart); refused while one runs.
    pub fn start_internal(&mut self) -> Result<(), ExecuteError> {
        if self.busy {
            return Err(ExecuteError::Busy);
        }
        self.busy = true;
        self.set_result(LoadResult::InProgress);
        Ok(())
    }

    /// Ends a running load without changing 508/0/1 (a refusal before the nuSIM).
    pub fn abort(&mut self, r: LoadResult) {
        self.busy = false;
        self.set_result(r);
    }

    /// True while a load runs.
    pub fn busy(&self) -> bool {
        self.busy
    }

    /// Sets 508/0/4: the null link, or a link to an existing 507 instance.
    pub fn set_link<const N: usize, const W: usize>(
        &mut self,
        link: ObjLnk,
        store: &ProfileStore<N, W>,
    ) -> Result<(), LinkError> {
        if link != ObjLnk::NULL {
            if link.obj_id != OBJ_PROFILE {
                return Err(LinkError::WrongObject);
            }
            if store.get(link.obj_inst).is_none() {
                return Err(LinkError::NoInstance);
            }
        }
        self.put_back_link(link);
        Ok(())
    }

    /// Puts back a link this object held before (an undo after a failed store, or the
    /// stored link at start): unchecked, because a link that dangles stays what it was.
    pub fn put_back_link(&mut self, link: ObjLnk) {
        self.link = if link == ObjLnk::NULL {
            ObjLnk {
                obj_id: 0,
                obj_inst: 0,
            }
        } else {
            link
        };
    }

    /// 508/0/5: refused while a load runs. Otherwise copies the linked package into `out`
    /// and marks a load running ([`LoadResult::InProgress`]), or, if there is nothing to
    /// load, sets the result that says why.
    pub fn execute<const N: usize, const W: usize>(
        &mut self,
        store: &ProfileStore<N, W>,
        out: &mut [u8; W],
    ) -> Result<Started, ExecuteError> {
        if self.busy {
            return Err(ExecuteError::Busy);
        }
        match self.take_package(store, out) {
            Ok(n) => {
                self.busy = true;
                self.set_result(LoadResult::InProgress);
                Ok(Started::Load(n))
            }
            Err(r) => {
                self.set_result(r);
                Ok(Started::Finished(r))
            }
        }
    }

    /// Copies the linked package into `out`; returns its length, or the result that ends
    /// the load right here.
    fn take_package<const N: usize, const W: usize>(
        &self,
        store: &ProfileStore<N, W>,
        out: &mut [u8; W],
    ) -> Result<usize, LoadResult> {
        let link = self.link();
        if link == ObjLnk::NULL {
            return Err(LoadResult::NoLink);
        }
        let profile = store.get(link.obj_inst).ok_or(LoadResult::DanglingLink)?;
        let pkg = profile.package().map_err(|e| match e {
            PackageError::NoInstance => LoadResult::DanglingLink,
            PackageError::Incomplete(_) => LoadResult::Incomplete,
        })?;
        out[..pkg.len()].copy_from_slice(pkg);
        Ok(pkg.len())
    }

    /// Ends the running load with the driver's outcome; returns the result now in 508/0/6.
    /// A success whose ICCID is not 18..20 digits counts as a driver error.
    pub fn finish(&mut self, outcome: Result<&[u8], LoadResult>) -> LoadResult {
        debug_assert!(self.busy, "finish without a running load");
        self.busy = false;
        let r = match outcome {
            Ok(iccid) if text::is_iccid(iccid) && self.iccid.set(iccid) => LoadResult::Success,
            Ok(_) => LoadResult::DriverError,
            Err(r) => r,
        };
        self.set_result(r);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::HEADER_LEN;
    use crate::result::{reason, DriverError};

    const W: usize = HEADER_LEN + 32;
    type Store = ProfileStore<2, W>;

    /// A driver that records what it got and answers as told.
    struct Fake {
        got: usize,
        answer: Result<&'static [u8], DriverError>,
    }

    impl Fake {
        fn load(&mut self, package: &[u8], iccid: &mut [u8; 21]) -> Result<usize, DriverError> {
            self.got = package.len();
            self.answer.map(|id| {
                iccid[..id.len()].copy_from_slice(id);
                id.len()
            })
        }
    }

    /// A whole load in one go: execute, the driver, finish.
    fn run_load(
        n: &mut Nusim508<8>,
        store: &Store,
        driver: &mut Fake,
        scratch: &mut [u8; W],
    ) -> Result<LoadResult, ExecuteError> {
        let len = match n.execute(store, scratch)? {
            Started::Finished(r) => return Ok(r),
            Started::Load(len) => len,
        };
        let mut iccid = [0u8; 21];
        let outcome = driver.load(&scratch[..len], &mut iccid).map(|l| l.min(21));
        Ok(n.finish(outcome.map(|l| &iccid[..l]).map_err(LoadResult::from)))
    }

    fn full_store() -> Store {
        let mut s = Store::new();
        s.create(5).unwrap();
        let vals: [&str; 7] = [
            &"ab".repeat(32),
            &"cd".repeat(16),
            &format!("04{}", "11".repeat(64)),
            &"22".repeat(64),
            &format!("04{}", "33".repeat(64)),
            &"44".repeat(64),
            &format!("04{}", "55".repeat(64)),
        ];
        for (r, v) in vals.iter().enumerate() {
            let mut b = [0u8; 200];
            b[..v.len()].copy_from_slice(v.as_bytes());
            s.write_text(5, r as u16, &mut b, v.len()).unwrap();
        }
        s
    }

    extern crate std;
    use std::format;

    fn lnk(obj_id: u16, obj_inst: u16) -> ObjLnk {
        ObjLnk { obj_id, obj_inst }
    }

    #[test]
    fn link_rules() {
        let s = full_store();
        let mut n = Nusim508::<8>::new();
        assert_eq!(n.set_link(lnk(507, 5), &s), Ok(()));
        assert_eq!(n.set_link(lnk(507, 6), &s), Err(LinkError::NoInstance));
        assert_eq!(n.set_link(lnk(3, 5), &s), Err(LinkError::WrongObject));
        assert_eq!(n.link(), lnk(507, 5));
        assert_eq!(n.set_link(ObjLnk::NULL, &s), Ok(()));
        assert_eq!(n.link(), ObjLnk::NULL);
    }

    #[test]
    fn flow_results() {
        let mut s = full_store();
        let mut n = Nusim508::<8>::new();
        let mut buf = [0u8; W];
        assert_eq!(n.result(), LoadResult::NeverLoaded);
        let mut ok = Fake {
            got: 0,
            answer: Ok(b"8949000000000000017"),
        };
        assert_eq!(
            run_load(&mut n, &s, &mut ok, &mut buf),
            Ok(LoadResult::NoLink)
        );
        n.set_link(lnk(507, 5), &s).unwrap();
        assert_eq!(
            run_load(&mut n, &s, &mut ok, &mut buf),
            Ok(LoadResult::Success)
        );
        assert_eq!(ok.got, W);
        assert_eq!(n.iccid.as_bytes(), b"8949000000000000017");
        for (answer, want) in [
            (
                Err(DriverError::Refused(reason::CI_MISMATCH)),
                LoadResult::CiKeyMismatch,
            ),
            (
                Err(DriverError::Refused(reason::MAC)),
                LoadResult::MacMismatch,
            ),
            (
                Err(DriverError::Refused(reason::REPROVISIONING)),
                LoadResult::ReprovisioningRefused,
            ),
            (
                Err(DriverError::Refused(reason::SYNTAX)),
                LoadResult::NusimSyntaxError,
            ),
            (Err(DriverError::Busy), LoadResult::DriverBusy),
            (Err(DriverError::Io(-5)), LoadResult::DriverError),
            (Ok(&b"12345"[..]), LoadResult::DriverError),
        ] {
            let mut d = Fake { got: 0, answer };
            assert_eq!(run_load(&mut n, &s, &mut d, &mut buf), Ok(want));
            assert_eq!(n.iccid.as_bytes(), b"8949000000000000017", "{want:?}");
        }
        s.delete(5);
        assert_eq!(
            run_load(&mut n, &s, &mut ok, &mut buf),
            Ok(LoadResult::DanglingLink)
        );
        s.create(5).unwrap();
        assert_eq!(
            run_load(&mut n, &s, &mut ok, &mut buf),
            Ok(LoadResult::Incomplete)
        );
    }

    #[test]
    fn execute_copies_and_refuses_while_busy() {
        let mut s = full_store();
        let mut n = Nusim508::<8>::new();
        let mut buf = [0u8; W];
        n.set_link(lnk(507, 5), &s).unwrap();
        assert_eq!(n.execute(&s, &mut buf), Ok(Started::Load(W)));
        assert_eq!(n.result(), LoadResult::InProgress);
        assert_eq!(n.execute(&s, &mut buf), Err(ExecuteError::Busy));
        // The copy is independent of the store.
        s.delete(5);
        assert_eq!(buf[0], 0x04);
        assert_eq!(n.finish(Ok(b"8949000000000000025")), LoadResult::Success);
        assert!(!n.busy());
    }
}
