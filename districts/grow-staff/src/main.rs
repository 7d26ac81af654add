//! `grow-staff`: SchoolMint Grow's user upload; `apply` sends it.

fn main() -> std::process::ExitCode {
    roster::vendor_main(grow_staff::job(), grow_staff::site())
}
