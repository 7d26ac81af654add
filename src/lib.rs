//! roster: keep a school district's accounts and vendor rosters in step with its SIS.
pub use roster_core as core;
pub use roster_google as google;
pub use roster_sftp as sftp;
pub use roster_sis as sis;
