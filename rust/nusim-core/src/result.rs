//! Values of 508/0/6 "Load Profile Result" and the nuSIM's own refusal reasons.
//!
//! 0 and 1 are the registry's; every other value is this implementation's and documented
//! in docs/objects.md, "Result codes", and in `enum lwm2m_nusim_result`. The nuSIM reason codes are those of the public AT dialect (541..546 etc.).

/// 508/0/6 values.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadResult {
    /// The profile was loaded; 508/0/1 holds its ICCID.
    Success = 0,
    /// Not successful, for a reason none of the codes below names.
    Failed = 1,
    /// A load was accepted and is running.
    InProgress = 2,
    /// 508/0/4 is the null link (or was never written).
    NoLink = 3,
    /// 508/0/4 names a 507 instance that does not exist (any more).
    DanglingLink = 4,
    /// The linked 507 instance lacks at least one of its seven values.
    Incomplete = 5,
    /// KpubCI is not the CI key the nuSIM trusts (nuSIM 541).
    CiKeyMismatch = 6,
    /// SigKpubDP does not verify over KpubDP with KpubCI (nuSIM 542).
    SigKpubDpInvalid = 7,
    /// SigEKpubDP does not verify over eKpubDP with KpubDP (nuSIM 543).
    SigEKpubDpInvalid = 8,
    /// The MAC over encP does not match (nuSIM 544).
    MacMismatch = 9,
    /// The decrypted profile could not be parsed (nuSIM 546).
    ProfileUnparsable = 10,
    /// The nuSIM holds a profile and does not support reprovisioning (nuSIM 545).
    ReprovisioningRefused = 11,
    /// The driver or modem is busy; try again later.
    DriverBusy = 12,
    /// The driver or modem failed: I/O error, timeout, an answer that could not be parsed,
    /// or a refusal code the dialect does not define.
    DriverError = 13,
    /// The nuSIM reported a general error (nuSIM 4).
    NusimGeneralError = 14,
    /// The nuSIM or modem reported a syntax error in the package or command (nuSIM 50).
    NusimSyntaxError = 15,
    /// The application's policy refused the switch (`lwm2m_nusim_set_callbacks()`).
    PolicyDenied = 16,
    /// The application's policy deferred the switch; the module asks again later.
    PolicyDeferred = 17,
    /// The switch failed (the nuSIM lost its profile, or the new one did not reach the
    /// network in time) and the backup profile was loaded again; or a rollback asked for
    /// by the application succeeded.
    RolledBack = 18,
    /// The switch failed and the backup could not be loaded again, or there is no backup.
    RollbackFailed = 19,
    /// A restart cut the load short and the nuSIM kept the profile it had.
    Interrupted = 20,
    /// No load has run since the device was provisioned.
    NeverLoaded = 255,
}

crate::log::describe_names!(LoadResult {
    Success => "success",
    Failed => "failed",
    InProgress => "in progress",
    NoLink => "no link",
    DanglingLink => "dangling link",
    Incomplete => "incomplete profile",
    CiKeyMismatch => "CI key mismatch",
    SigKpubDpInvalid => "SigKpubDP invalid",
    SigEKpubDpInvalid => "SigEKpubDP invalid",
    MacMismatch => "MAC mismatch",
    ProfileUnparsable => "profile unparsable",
    ReprovisioningRefused => "reprovisioning refused",
    DriverBusy => "driver busy",
    DriverError => "driver error",
    NusimGeneralError => "nuSIM general error",
    NusimSyntaxError => "nuSIM syntax error",
    PolicyDenied => "policy denied",
    PolicyDeferred => "policy deferred",
    RolledBack => "rolled back",
    RollbackFailed => "rollback failed",
    Interrupted => "interrupted",
    NeverLoaded => "never loaded",
});

impl LoadResult {
    /// Every value, for lookups.
    pub const ALL: [LoadResult; 22] = [
        LoadResult::Success,
        LoadResult::Failed,
        LoadResult::InProgress,
        LoadResult::NoLink,
        LoadResult::DanglingLink,
        LoadResult::Incomplete,
        LoadResult::CiKeyMismatch,
        LoadResult::SigKpubDpInvalid,
        LoadResult::SigEKpubDpInvalid,
        LoadResult::MacMismatch,
        LoadResult::ProfileUnparsable,
        LoadResult::ReprovisioningRefused,
        LoadResult::DriverBusy,
        LoadResult::DriverError,
        LoadResult::NusimGeneralError,
        LoadResult::NusimSyntaxError,
        LoadResult::PolicyDenied,
        LoadResult::PolicyDeferred,
        LoadResult::RolledBack,
        LoadResult::RollbackFailed,
        LoadResult::Interrupted,
        LoadResult::NeverLoaded,
    ];

    /// The result with value `v`, if there is one.
    pub fn from_u8(v: u8) -> Option<LoadResult> {
        Self::ALL.iter().copied().find(|r| *r as u8 == v)
    }
}

/// nuSIM reason codes of the public AT dialect.
pub mod reason {
    /// General error.
    pub const GENERAL: u16 = 4;
    /// Syntax error.
    pub const SYNTAX: u16 = 50;
    /// KpubCI does not match the stored KpubCI.
    pub const CI_MISMATCH: u16 = 541;
    /// SigKpubDP verification failed.
    pub const SIG_KPUB_DP: u16 = 542;
    /// SigEKpubDP verification failed.
    pub const SIG_EKPUB_DP: u16 = 543;
    /// MAC mismatch.
    pub const MAC: u16 = 544;
    /// A profile is loaded and reprovisioning is not supported.
    pub const REPROVISIONING: u16 = 545;
    /// The decrypted profile could not be parsed.
    pub const UNPARSABLE: u16 = 546;
}

/// How a driver's load failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriverError {
    /// The nuSIM refused the package with this reason code.
    Refused(u16),
    /// Busy; nothing was attempted.
    Busy,
    /// Any other failure (negative errno from the driver).
    Io(i32),
}

impl From<DriverError> for LoadResult {
    fn from(e: DriverError) -> Self {
        match e {
            DriverError::Refused(reason::CI_MISMATCH) => LoadResult::CiKeyMismatch,
            DriverError::Refused(reason::SIG_KPUB_DP) => LoadResult::SigKpubDpInvalid,
            DriverError::Refused(reason::SIG_EKPUB_DP) => LoadResult::SigEKpubDpInvalid,
            DriverError::Refused(reason::MAC) => LoadResult::MacMismatch,
            DriverError::Refused(reason::REPROVISIONING) => LoadResult::ReprovisioningRefused,
            DriverError::Refused(reason::UNPARSABLE) => LoadResult::ProfileUnparsable,
            DriverError::Refused(reason::GENERAL) => LoadResult::NusimGeneralError,
            DriverError::Refused(reason::SYNTAX) => LoadResult::NusimSyntaxError,
            DriverError::Refused(_) | DriverError::Io(_) => LoadResult::DriverError,
            DriverError::Busy => LoadResult::DriverBusy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dialect_code_has_its_own_result() {
        let codes = [4u16, 50, 541, 542, 543, 544, 545, 546];
        let results: [LoadResult; 8] = codes.map(|c| DriverError::Refused(c).into());
        for (i, a) in results.iter().enumerate() {
            assert_ne!(*a, LoadResult::DriverError, "code {}", codes[i]);
            for b in &results[i + 1..] {
                assert_ne!(a, b, "codes {} and another share a result", codes[i]);
            }
        }
        assert_eq!(
            LoadResult::from(DriverError::Refused(999)),
            LoadResult::DriverError
        );
    }

    #[test]
    fn from_u8_round_trips() {
        for v in 0..=255u8 {
            if let Some(r) = LoadResult::from_u8(v) {
                assert_eq!(r as u8, v);
            }
        }
        assert_eq!(LoadResult::from_u8(20), Some(LoadResult::Interrupted));
        assert_eq!(LoadResult::from_u8(21), None);
    }
}
