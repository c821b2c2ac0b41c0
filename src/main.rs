//! `qunfa`: the console, its command line and (later) its simulator in one
//! binary. Everything happens in the library; this only starts it.

use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = qunfa::shell::cli::Cli::parse();
    qunfa::shell::telemetry::init();
    let code = qunfa::shell::cli::run(cli).await;
    std::process::exit(code);
}
