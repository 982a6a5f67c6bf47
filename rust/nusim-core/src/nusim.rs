//! Object 508 state and the Load Profile flow, independent of Zephyr.
//!
//! The engine glue drives it in three steps so that the slow part runs outside the engine:
//! [`Nusim508::execute`] (engine thread, returns at once), [`Nusim508::take_package`]
//! (work queue, under the registry lock: copies the package, so deleting the instance
//! meanwhile is harmless), the driver load (work queue, no lock), [`Nusim508::finish`].

use crate::result::{DriverError, LoadResult};
use crate::store::{PackageError, ProfileStore};
use crate::text::{self, Text};

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
    pub const NULL: ObjLnk = ObjLnk { obj_id: u16::MAX, obj_inst: u16::MAX };
}

/// Why a write of 508/0/4 was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// Not a link to Object 507.
    WrongObject,
    /// No such 507 instance.
    NoInstance,
}

/// Why an execute of 508/0/5 was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecuteError {
    /// A load is running.
    Busy,
}

/// What a driver must do for a load.
pub trait NusimDriver {
    /// Hands `package` (vendor wire order) to the nuSIM. On success the ICCID of the
    /// loaded profile is written to `iccid`, NUL-free, and its length returned.
    fn load(&mut self, package: &[u8], iccid: &mut [u8; 21]) -> Result<usize, DriverError>;
}

/// State of the single Object 508 instance. `C` bounds the certificate text (base64).
pub struct Nusim508<const C: usize> {
    /// 508/0/0, 32 digits.
    pub eid: Text<33>,
    /// 508/0/1, the ICCID of the current profile (empty if none).
    pub iccid: Text<21>,
    /// 508/0/2, as the nuSIM reports it.
    pub caps: [u8; 8],
    /// Valid bytes of `caps`.
    pub caps_len: usize,
    /// 508/0/3, CERT.NUSIM.ECDSA (DER) as base64.
    pub cert: Text<C>,
    link: ObjLnk,
    result: LoadResult,
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
            cert: Text::new(),
            link: ObjLnk::NULL,
            result: LoadResult::NeverLoaded,
            busy: false,
        }
    }

    /// 508/0/4.
    pub fn link(&self) -> ObjLnk {
        self.link
    }

    /// 508/0/6.
    pub fn result(&self) -> LoadResult {
        self.result
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
        self.link = link;
        Ok(())
    }

    /// 508/0/5: accepts a load unless one runs. The result becomes [`LoadResult::InProgress`].
    pub fn execute(&mut self) -> Result<(), ExecuteError> {
        if self.busy {
            return Err(ExecuteError::Busy);
        }
        self.busy = true;
        self.result = LoadResult::InProgress;
        Ok(())
    }

    /// Copies the linked package into `out`; returns its length, or the result that ends
    /// the load right here.
    pub fn take_package<const N: usize, const W: usize>(
        &self,
        store: &ProfileStore<N, W>,
        out: &mut [u8; W],
    ) -> Result<usize, LoadResult> {
        if self.link == ObjLnk::NULL {
            return Err(LoadResult::NoLink);
        }
        let profile = store.get(self.link.obj_inst).ok_or(LoadResult::DanglingLink)?;
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
        self.busy = false;
        self.result = match outcome {
            Ok(iccid) if text::is_iccid(iccid) && self.iccid.set(iccid) => LoadResult::Success,
            Ok(_) => LoadResult::DriverError,
            Err(r) => r,
        };
        self.result
    }

    /// Runs a whole load synchronously (take, load, finish): the host-side equivalent of
    /// what the glue spreads over the engine thread and the work queue.
    pub fn run_load<const N: usize, const W: usize, D: NusimDriver>(
        &mut self,
        store: &ProfileStore<N, W>,
        driver: &mut D,
        scratch: &mut [u8; W],
    ) -> LoadResult {
        let mut iccid = [0u8; 21];
        let outcome = self.take_package(store, scratch).and_then(|n| {
            driver
                .load(&scratch[..n], &mut iccid)
                .map(|l| l.min(iccid.len()))
                .map_err(LoadResult::from)
        });
        self.finish(outcome.map(|l| &iccid[..l]))
    }
}
