//! `kipp-chicago-stmath`: build ST Math's rosters; `apply` sends them.

fn main() -> std::process::ExitCode {
    roster::vendor_main_as(
        roster::binary!(kipp_chicago_stmath::ABOUT),
        kipp_chicago_stmath::job(),
        kipp_chicago_stmath::site(),
        kipp_chicago_stmath::unset(),
    )
}
