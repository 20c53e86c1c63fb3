//! `apogee`: the server binary and its operator commands.

use apogee::{Config, DeployEnv};
use apogee_users::{NewAccount, PasswordInput, UserFilter, UserSelector};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Apogee: a chat server that speaks Rocket.Chat's protocols.
#[derive(Parser)]
#[command(name = "apogee", version)]
struct Cli {
    /// Configuration file (default: /etc/apogee/apogee.toml when it exists).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Print the OpenAPI document of the REST API.
    Openapi,
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account.
    Add {
        /// Username.
        username: String,
        /// Email address.
        #[arg(long)]
        email: Option<String>,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Password (default: generated and printed).
        #[arg(long)]
        password: Option<String>,
        /// Give the admin role.
        #[arg(long)]
        admin: bool,
        /// Make it a bot account.
        #[arg(long)]
        bot: bool,
    },
    /// Set a user's password.
    Passwd {
        /// Username.
        username: String,
        /// New password (default: generated and printed).
        #[arg(long)]
        password: Option<String>,
    },
    /// List accounts.
    List,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print a commented example configuration with every key and its default.
    Example,
}

fn main() -> ExitCode {
    // One process-wide rustls provider (ring, which sqlx brings) before anything builds a TLS
    // client; see STACK.md, "TLS provider trap".
    apogee_outbound::install_default_crypto_provider();
    let cli = Cli::parse();
    if let Some(Command::Config(ConfigCommand::Example)) = &cli.command {
        print!("{}", Config::example());
        return ExitCode::SUCCESS;
    }
    let env: Vec<(String, String)> = std::env::vars().collect();
    let mut config = match Config::load(cli.config.as_deref(), &env) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("apogee: {e}");
            return ExitCode::from(2);
        }
    };
    let deploy = match DeployEnv::from_pairs(&env) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("apogee: {e}");
            return ExitCode::from(2);
        }
    };
    deploy.apply_to(&mut config, &env);
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    if matches!(cli.command, None | Some(Command::Serve)) {
        raise_open_files();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("apogee: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config, deploy)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("apogee: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Raises the soft limit on open files to the hard limit. Every websocket client holds a socket,
/// and the usual soft limit of 1,024 would cap the server near a thousand connections.
fn raise_open_files() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let (Some(soft), Some(hard)) = (limit.current, limit.maximum) else {
        return;
    };
    if soft >= hard {
        return;
    }
    let raised = Rlimit {
        current: Some(hard),
        maximum: Some(hard),
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => tracing::info!("open-file limit raised from {soft} to {hard}"),
        Err(e) => tracing::warn!("cannot raise the open-file limit from {soft} to {hard}: {e}"),
    }
}

async fn run(cmd: Command, config: Config, deploy: DeployEnv) -> Result<(), String> {
    let err = |e: apogee_core::Error| match e {
        apogee_core::Error::Internal(d) => d,
        other => other.to_string(),
    };
    match cmd {
        Command::Serve => {
            let running = apogee::start(&config, &deploy, true).await.map_err(err)?;
            tracing::info!(
                "Apogee listening on http://{} (public URL {}, database {})",
                running.addr,
                config.root_url(),
                if config.database_url().starts_with("sqlite:") {
                    "SQLite"
                } else {
                    "PostgreSQL"
                }
            );
            running.wait().await.map_err(|e| e.to_string())
        }
        Command::Migrate => {
            let users = apogee::open_services(&config, &deploy).await.map_err(err)?;
            users
                .seed_catalog(&deploy.overwrite_settings)
                .await
                .map_err(err)?;
            println!("database is up to date");
            Ok(())
        }
        Command::Openapi => {
            // The spec depends only on types, but the API structs carry a state: build one on an
            // in-memory database.
            let mut c = config.clone();
            c.database.url = Some("sqlite::memory:".into());
            let users = apogee::open_services(&c, &DeployEnv::default())
                .await
                .map_err(err)?;
            let state = apogee::build_state(&c, &DeployEnv::default(), users)
                .await
                .map_err(err)?;
            println!("{}", apogee_api::openapi_json(&state));
            Ok(())
        }
        Command::User(u) => user_command(u, &config, &deploy).await.map_err(err),
        Command::Config(_) => Ok(()),
    }
}

async fn user_command(
    cmd: UserCommand,
    config: &Config,
    deploy: &DeployEnv,
) -> apogee_core::Result<()> {
    let users = apogee::open_services(config, deploy).await?;
    users.seed_catalog(&deploy.overwrite_settings).await?;
    let generate = || apogee_core::random_secret()[..20].to_owned();
    match cmd {
        UserCommand::Add {
            username,
            email,
            name,
            password,
            admin,
            bot,
        } => {
            let generated = password.is_none();
            let password = password.unwrap_or_else(generate);
            let mut roles = vec![if bot { "bot" } else { "user" }.to_owned()];
            if admin {
                roles.push("admin".into());
            }
            let acc = users
                .create(NewAccount {
                    username,
                    email,
                    name,
                    password: Some(PasswordInput::Plain(password.clone())),
                    roles: Some(roles),
                    ..NewAccount::default()
                })
                .await?;
            println!(
                "created {} ({}) with roles {}",
                acc.user.username,
                acc.user.id,
                acc.roles.join(",")
            );
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::Passwd { username, password } => {
            let acc = users.get(&UserSelector::Username(username)).await?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(generate);
            users.set_password(&acc.user.id, &password).await?;
            println!("password of {} changed", acc.user.username);
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::List => {
            let (list, _) = users
                .list(&UserFilter::default(), &apogee_storage::Page::default())
                .await?;
            for a in list {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    a.user.id,
                    a.user.username,
                    a.user.email.unwrap_or_default(),
                    a.roles.join(","),
                    if a.user.active { "active" } else { "inactive" }
                );
            }
        }
    }
    users.db().clone().close().await;
    Ok(())
}
