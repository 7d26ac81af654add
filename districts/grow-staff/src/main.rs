//! `grow-staff`: build SchoolMint Grow's user upload; `apply` sends it.

fn main() -> std::process::ExitCode {
    roster::vendor_main_as(
        roster::binary!(grow_staff::ABOUT),
        grow_staff::job(),
        grow_staff::site(),
        grow_staff::unset(),
    )
}
