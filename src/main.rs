//! `qunfa`: the console, its command line and (later) its simulator in one
//! binary. Everything happens in the library; this only starts it.

use clap::Parser;

// glibc's malloc cost about a tenth of the server's time under callback load
// (benches/callback_load.sh); mimalloc's thread-local free lists do better.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
