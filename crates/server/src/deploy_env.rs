//! Rocket.Chat's deployment variables that admins and test rigs already use: `ADMIN_USERNAME`,
//! `ADMIN_PASS`, `ADMIN_EMAIL`, `OVERWRITE_SETTING_<id>`, `CREATE_TOKENS_FOR_USERS(_SECRET)`,
//! `TEST_MODE`, `ROOT_URL`, `PORT`.

use apogee_users::AdminSeed;

/// The Rocket.Chat-style variables, parsed.
#[derive(Debug, Clone, Default)]
pub struct DeployEnv {
    /// First admin account.
    pub admin: AdminSeed,
    /// `OVERWRITE_SETTING_<id>=<value>` pairs, applied at every start.
    pub overwrite_settings: Vec<(String, String)>,
    /// `CREATE_TOKENS_FOR_USERS=true`.
    pub create_tokens_for_users: bool,
    /// `CREATE_TOKENS_FOR_USERS_SECRET`.
    pub create_tokens_secret: Option<String>,
    /// `TEST_MODE=true`.
    pub test_mode: bool,
    /// `ROOT_URL`.
    pub root_url: Option<String>,
    /// `PORT`.
    pub port: Option<u16>,
}

impl DeployEnv {
    /// Reads the variables from `(name, value)` pairs (the process environment in `main`).
    pub fn from_pairs(env: &[(String, String)]) -> Result<Self, String> {
        let get = |k: &str| {
            env.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        let truthy = |k: &str| get(k).is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
        let port = match get("PORT") {
            Some(p) => Some(
                p.parse::<u16>()
                    .map_err(|_| format!("PORT must be a port number, not {p:?}"))?,
            ),
            None => None,
        };
        let test_mode = truthy("TEST_MODE");
        let mut overwrite_settings: Vec<(String, String)> = env
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("OVERWRITE_SETTING_")
                    .map(|id| (id.to_owned(), v.clone()))
            })
            .collect();
        if test_mode {
            // TEST_MODE: what Rocket.Chat's test rigs expect (no rate limiter, open registration).
            for (id, v) in [
                ("API_Enable_Rate_Limiter", "false"),
                ("Accounts_RegistrationForm", "Public"),
            ] {
                if !overwrite_settings.iter().any(|(k, _)| k == id) {
                    overwrite_settings.push((id.to_owned(), v.to_owned()));
                }
            }
        }
        Ok(Self {
            admin: AdminSeed {
                username: get("ADMIN_USERNAME"),
                password: get("ADMIN_PASS"),
                email: get("ADMIN_EMAIL"),
            },
            overwrite_settings,
            create_tokens_for_users: truthy("CREATE_TOKENS_FOR_USERS"),
            create_tokens_secret: get("CREATE_TOKENS_FOR_USERS_SECRET"),
            test_mode,
            root_url: get("ROOT_URL"),
            port,
        })
    }

    /// Applies `ROOT_URL` and `PORT` to a config unless the `APOGEE_*` equivalents were given.
    pub fn apply_to(&self, config: &mut crate::Config, env: &[(String, String)]) {
        let has = |k: &str| env.iter().any(|(n, _)| n == k);
        if let Some(u) = &self.root_url
            && !has("APOGEE_ROOT_URL")
        {
            config.root_url = Some(u.clone());
        }
        if let Some(p) = self.port
            && !has("APOGEE_LISTEN")
        {
            let host = config
                .listen
                .rsplit_once(':')
                .map_or("0.0.0.0", |(h, _)| h)
                .to_owned();
            config.listen = format!("{host}:{p}");
        }
    }
}
