//! `centrale`: serve, migrate, create an admin, or run the demo.

use anyhow::Context as _;
use centrale_core::sip_credentials::SipCredentials;
use centrale_core::{EmailAddress, PasswordHash, Role, StaffDraft};
use centrale_server::{App, Flags, Settings, app, demo};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "centrale",
    version,
    about = "Centrale: the platform for telephone answering services"
)]
struct Cli {
    #[command(flatten)]
    flags: Flags,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (applies pending migrations first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Administration tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Serve on the embedded default with demo data seeded into an empty database.
    Demo {
        /// Also write the summary (URLs, logins, numbers, SIP accounts) as JSON to this file.
        #[arg(long)]
        summary_json: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin login (the first one, or another).
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,rsipstack=warn".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("centrale: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(&cli.flags).map_err(anyhow::Error::msg)?;
    match cli.command {
        Command::Serve => {
            let app = App::build(&settings).await?;
            tracing::info!(http = %app.http_addr(), sip = %app.sip_addr(), database = %settings.database_url_for_log(), "Centrale is serving");
            app.run_until(app::shutdown_signal()).await
        }
        Command::Migrate => {
            app::open_database(&settings).await?;
            println!("migrations applied to {}", settings.database_url_for_log());
            Ok(())
        }
        Command::Admin(AdminCommand::CreateAdmin {
            email,
            password,
            name,
        }) => {
            let db = app::open_database(&settings).await?;
            let draft = StaffDraft {
                email: EmailAddress::parse(&email).map_err(anyhow::Error::msg)?,
                name,
                role: Role::Admin,
                sip_username: None,
            }
            .validate()?;
            let hash = PasswordHash::create(&password).map_err(anyhow::Error::msg)?;
            let staff = centrale_core::ports::StaffStore::create_staff(
                &db,
                &draft,
                &hash,
                None::<&SipCredentials>,
            )
            .await
            .context("cannot create the admin")?;
            println!("admin {} created (id {})", staff.draft.email, staff.id);
            Ok(())
        }
        Command::Demo { summary_json } => {
            let app = App::build(&settings).await?;
            if demo::seed_if_empty(app.store().as_ref(), &settings.sip_realm).await? {
                tracing::info!("demo data seeded");
            }
            let summary =
                demo::summary(app.store().as_ref(), app.http_addr(), app.sip_addr()).await?;
            if let Some(path) = summary_json {
                std::fs::write(&path, serde_json::to_vec_pretty(&summary)?)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            demo::print_summary(&summary);
            app.run_until(app::shutdown_signal()).await
        }
    }
}
