use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "candor", about = "Candor, the privacy-first recruiting portal")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Runs the portal (the default).
    Serve {
        /// Seeds a demo organisation with one user per role and prints their credentials.
        #[arg(long, env = "CANDOR_DEMO")]
        demo: bool,
    },
    /// Verifies every sealed audit chain; exits non-zero if an event was changed or removed.
    VerifyAudit,
    /// Verifies a consent receipt (a JWS from the confirmation e-mail) against this portal's
    /// signing key and prints what it states; exits non-zero if it was not issued here or was
    /// changed. Reads the file, or standard input when none is given.
    VerifyReceipt {
        /// The file holding the receipt.
        file: Option<std::path::PathBuf>,
    },
}
