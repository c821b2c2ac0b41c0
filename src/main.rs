//! `qunfa`: the console, its command line and (later) its simulator in one
//! binary. Everything happens in the library; this only starts it.

use clap::Parser;

// glibc's malloc cost about a tenth of the server's time under callback load
// (benches/callback_load.sh); mimalloc's thread-local free lists do better.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_arena_eager_commit` and `mi_option_purge_delay`
/// (`mimalloc.h`, the v3 the crate builds); the crate names neither.
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// A console spends most of its life idle between bursts (a page, a login's
/// 19 MiB password hash): memory freed in a burst goes back to the system at
/// once instead of being kept for the next (by default an arena is committed
/// whole and freed memory kept for up to 10 s). benches/footprint.py: 29 MiB
/// resident after start with these, 55 MiB without. Run as the program is
/// loaded, before the first allocation reserves mimalloc's first arena
/// (from `main` it would come too late for that one).
extern "C" fn give_freed_memory_back() {
    // SAFETY: setting an option is always allowed; these two are read when
    // memory is next reserved or freed.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

#[used]
#[unsafe(link_section = ".init_array")]
static GIVE_FREED_MEMORY_BACK: extern "C" fn() = give_freed_memory_back;

#[tokio::main]
async fn main() {
    use qunfa::shell::telemetry::{LogFormat, init_with};
    let cli = qunfa::shell::cli::Cli::parse();
    match LogFormat::parse(cli.settings.log_format.as_deref()) {
        Ok(format) => init_with(format),
        Err(problem) => {
            eprintln!("qunfa: cannot start: {problem}");
            std::process::exit(2);
        }
    }
    let code = qunfa::shell::cli::run(cli).await;
    std::process::exit(code);
}
