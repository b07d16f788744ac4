//! The `opendrs` binary.

use clap::Parser;

/// mimalloc: the service allocates many small, short-lived buffers per request.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = opendrs_server::cli::Cli::parse();
    match opendrs_server::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("opendrs: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
