//! SchoolMint Grow's user upload: every active staff member, every time (a full refresh),
//! matched by Internal ID so an email change does not archive a profile.

use roster::core::{Staff, StaffType, VendorExport};
use roster::sftp::vendor::{Grow, GrowRole};
use roster::{SftpSettings, Site, VendorJob};

/// `USERS.GROUPVALUE` of building administrators in this district.
pub const ADMIN_GROUP: i64 = 9;

/// Grow's role for a staff member: teachers and substitutes are Teachers, building
/// administrators School Admins, other staff Coaches.
pub fn role(s: &Staff) -> Option<GrowRole> {
    match s.home_assignment().map(|a| a.staff_type) {
        Some(StaffType::Teacher | StaffType::Substitute) => Some(GrowRole::Teacher),
        Some(StaffType::Staff) if s.group == Some(ADMIN_GROUP) => Some(GrowRole::SchoolAdmin),
        Some(StaffType::Staff) => Some(GrowRole::Coach),
        _ => None,
    }
}

/// School names exactly as they were created in Grow (column E must match them).
pub const GROW_SCHOOLS: &[(i64, &str)] = &[
    (110, "Alder Creek Elementary"),
    (120, "Birchwood Elementary"),
    (130, "Cedar Ridge Elementary"),
    (210, "Maple Grove Middle"),
    (220, "Oak Hill Middle"),
    (310, "Riverside High"),
    (400, "Early Learning Center"),
    (500, "Alternative Learning Academy"),
    (900, "Substitute Pool"),
];

pub fn sftp() -> SftpSettings {
    SftpSettings {
        host: "grow-sftp-connect.schoolmint.com".into(),
        port: 22,
        // From `sftp-fingerprint grow-sftp-connect.schoolmint.com` at setup (placeholder).
        host_key_sha256: "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s".into(),
        remote_dir: String::new(),
        user_env: "GROW_SFTP_USER".into(),
        password_env: "GROW_SFTP_PASSWORD".into(),
    }
}

pub fn job() -> VendorJob {
    let mut grow = Grow::new().role(role);
    for (number, name) in GROW_SCHOOLS {
        grow = grow.school_name(*number, *name);
    }
    let exports: Vec<Box<dyn VendorExport>> = vec![Box::new(grow)];
    VendorJob {
        name: "grow-staff".into(),
        students: Box::new(|_| false),
        exports,
        sftp: Some(sftp()),
    }
}

pub fn site() -> Site {
    Site {
        domain: "d118.org".into(),
        powerschool: Default::default(),
    }
}
