//! The `govcheck` binary: everything is in the library; this only sets the allocator
//! and the exit code.

/// mimalloc: loading a national registry makes about a million small allocations, which
/// the system allocator serves markedly slower on a fresh process (and musl's far slower).
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(govcheck::cli::run());
}
