//! `candor`: runs the portal, or one of its maintenance commands.

use candor_server::{cli, config::Config, memory, startup, telemetry};
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    memory::tune_allocator();
    telemetry::init();
    let args = cli::Cli::parse();
    let config = Config::from_env(|key| std::env::var(key).ok())?;
    match args.command.unwrap_or(cli::Command::Serve { demo: false }) {
        cli::Command::Serve { demo } => startup::serve(config, demo).await,
        cli::Command::VerifyAudit => startup::verify_audit(config).await,
        cli::Command::VerifyReceipt { file } => startup::verify_receipt(&config, file.as_deref()),
    }
}
