//! The `athena-doctor` binary: everything is in the library.

fn main() -> std::process::ExitCode {
    athena_doctor::main()
}
