//! Google Admin SDK Directory API support for roster.
//!
//! * [`emulator`]: a local emulator of the Directory API and Google's OAuth token endpoint
//!   (library module and the `directory-emulator` binary) for tests and benchmarks.

pub mod emulator;
