use std::process::ExitCode;

use clap::Parser;

mod cli;
mod interrupt;

fn main() -> ExitCode {
    keep_freed_memory_for_reuse();
    let args = cli::Cli::parse();
    if args.opens_window() {
        share_allocator_arenas();
    }
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => match error.downcast_ref::<interrupt::Interrupted>() {
            Some(stopped) => {
                eprintln!("\ninterrupted: {stopped}");
                ExitCode::from(interrupt::EXIT_STATUS)
            }
            None => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Training and sampling allocate and free the same few MiB-sized tensors at every step. glibc
/// hands blocks above its mmap threshold (128 KiB at first) back to the kernel when freed, so
/// each step would fault their pages in again; serving them from the heap keeps them warm.
fn keep_freed_memory_for_reuse() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; it is called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

/// The window starts threads all lecture long (a run, an export and its encoder, an OT solver,
/// a sweep), and glibc gives each new thread an arena of its own, up to eight per core, which
/// keeps its scattered free memory after the thread ends: cycling scenes, exports and reflows
/// grew the window by 30–75 MB a cycle. Two shared arenas keep it flat.
fn share_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: as above, called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
