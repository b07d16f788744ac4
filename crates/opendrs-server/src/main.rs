//! The `opendrs` binary.

use clap::Parser;

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
