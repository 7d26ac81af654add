//! `d118-students`: D118's nightly PowerSchool -> Google student sync.
//! `d118-students` plans; `d118-students apply` writes; `--help` for the rest.

fn main() -> std::process::ExitCode {
    roster::accounts_main_as(
        roster::binary!(d118_students::ABOUT),
        d118_students::job(),
        d118_students::site(),
    )
}
