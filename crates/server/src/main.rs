//! `centrale`: serve, migrate, create an admin or operators, or run the demo.

use anyhow::Context as _;
use centrale_core::sip_credentials::SipCredentials;
use centrale_core::{EmailAddress, PasswordHash, Role, StaffDraft};
use centrale_server::{App, Flags, Settings, admin, app, demo};
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
        #[command(flatten)]
        password: admin::PasswordSource,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
    /// Create COUNT operators with consecutive SIP users (for load tests and first setups).
    ///
    /// E-mail `op{SIP user}@{EMAIL_DOMAIN}`; the same login and SIP password for all (hashed
    /// once). With --tokens-file, also issues each an API token (valid token_ttl_hours) and
    /// writes `sip_user;email;token` lines there, so a load test can act as each operator,
    /// e.g. choose "available" (bench/sip.sh does).
    CreateOperators {
        #[arg(long)]
        count: u32,
        #[arg(long, default_value_t = 3000)]
        first_sip_user: u32,
        #[command(flatten)]
        password: admin::PasswordSource,
        #[arg(long, default_value = "operators.centrale.test")]
        email_domain: String,
        #[arg(long)]
        tokens_file: Option<PathBuf>,
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
            let hash = PasswordHash::create(&password.read()?).map_err(anyhow::Error::msg)?;
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
        Command::Admin(AdminCommand::CreateOperators {
            count,
            first_sip_user,
            password,
            email_domain,
            tokens_file,
        }) => {
            let password = password.read()?;
            let db = app::open_database(&settings).await?;
            let new = admin::NewOperators {
                count,
                first_sip_user,
                password: &password,
                email_domain: &email_domain,
                sip_realm: &settings.sip_realm,
            };
            let ttl = tokens_file
                .as_ref()
                .map(|_| std::time::Duration::from_secs(settings.token_ttl_hours * 3600));
            let created = admin::create_operators(&db, &new, ttl).await?;
            if let Some(path) = tokens_file {
                let lines: String = created
                    .iter()
                    .map(|op| {
                        format!(
                            "{};{};{}\n",
                            op.sip_user,
                            op.email,
                            op.token.as_deref().unwrap_or_default()
                        )
                    })
                    .collect();
                admin::write_private(&path, lines.as_bytes())?;
            }
            let (first, last) = (&created[0], &created[created.len() - 1]);
            println!(
                "{} operators created: SIP users {}..{}, e-mail {} .. {}",
                created.len(),
                first.sip_user,
                last.sip_user,
                first.email,
                last.email
            );
            Ok(())
        }
        Command::Demo { summary_json } => {
            let settings = demo::with_gateway(settings);
            let app = App::build(&settings).await?;
            if demo::seed_if_empty(app.store().as_ref(), &settings.sip_realm).await? {
                tracing::info!("demo data seeded");
            }
            let summary =
                demo::summary(app.store().as_ref(), app.http_addr(), app.sip_addr()).await?;
            if let Some(path) = summary_json {
                admin::write_private(&path, &serde_json::to_vec_pretty(&summary)?)?;
            }
            demo::print_summary(&summary);
            app.run_until(app::shutdown_signal()).await
        }
    }
}
