//! `d118-staff`: D118's nightly PowerSchool -> Google staff sync.

fn main() -> std::process::ExitCode {
    roster::accounts_main_as(
        roster::binary!(d118_staff::ABOUT),
        d118_staff::job(),
        d118_staff::site(),
    )
}
