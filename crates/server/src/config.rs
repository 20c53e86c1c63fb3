//! Server configuration: built-in defaults < TOML file (`--config`, else `/etc/apogee/apogee.toml`
//! when it exists) < `APOGEE_*` environment variables. Unknown keys are errors that name the key.
//! The commented example (`apogee config example`, `deploy/apogee.toml`) is generated from here.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Declares a config section: the struct, its defaults and its field docs from one list, so the
/// example config cannot drift from the code.
macro_rules! section {
    ($(#[doc = $sdoc:literal])* $name:ident { $( $(#[doc = $doc:literal])* $field:ident : $ty:ty = $default:expr ),* $(,)? }) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name { $( $(#[doc = $doc])* pub $field: $ty, )* }

        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }

        impl $name {
            /// Each field's key and doc lines, in declaration order.
            pub fn docs() -> Vec<FieldDoc> {
                vec![ $( (stringify!($field), vec![$($doc),*]) ),* ]
            }
        }
    };
}

section! {
    /// The whole configuration.
    Config {
        /// Address and port to listen on (`APOGEE_LISTEN`; Rocket.Chat's `PORT` also works).
        listen: String = "0.0.0.0:3000".into(),
        /// Where the embedded database and other data live (`APOGEE_DATA_DIR`).
        data_dir: PathBuf = PathBuf::from("./data"),
        /// Public URL of this server, used in links (`APOGEE_ROOT_URL`; Rocket.Chat's `ROOT_URL`
        /// also works). Default: http://localhost:<port>.
        root_url: Option<String> = None,
        /// Log filter, e.g. "info" or "apogee=debug,info" (`APOGEE_LOG`).
        log: String = "info".into(),
        /// The database.
        database: Database = Database::default(),
        /// Password hashing (argon2id).
        security: Security = Security::default(),
        /// The realtime API (DDP over `/websocket`).
        realtime: Realtime = Realtime::default(),
        /// Requests the server makes itself (avatars from a URL).
        outbound: Outbound = Outbound::default(),
    }
}

section! {
    /// The database.
    Database {
        /// `sqlite://PATH` or `postgres://user@host/db` (`APOGEE_DATABASE_URL`).
        /// Default: SQLite at <data_dir>/apogee.db.
        url: Option<String> = None,
        /// Pooled connections (reads on SQLite, all on PostgreSQL).
        max_connections: u32 = 8,
        /// SQLite durability: "full" survives power loss, "normal" survives process crashes.
        sqlite_synchronous: String = "full".into(),
    }
}

section! {
    /// Password hashing (argon2id).
    Security {
        /// Memory per hash in KiB (OWASP minimum: 19456).
        argon2_memory_kib: u32 = 19_456,
        /// Passes over memory (OWASP minimum with 19 MiB: 2).
        argon2_iterations: u32 = 2,
    }
}

section! {
    /// The realtime API (DDP over `/websocket`).
    Realtime {
        /// Frames a connection may have waiting to be written; a client further behind is
        /// disconnected (it never slows down the others).
        queue_frames: usize = 1024,
        /// Seconds of silence from a client after which the server pings it (Meteor: 15).
        ping_after_secs: u64 = 15,
        /// Seconds to wait for anything from a pinged client before closing (Meteor: 15).
        pong_timeout_secs: u64 = 15,
        /// Websocket read buffer per connection, in bytes (idle connections cost about this).
        read_buffer_bytes: usize = 4096,
    }
}

section! {
    /// Requests the server makes itself (avatars from a URL).
    Outbound {
        /// Private destinations that may be reached anyway, separated by commas: host names
        /// ("images.intranet"), addresses ("10.1.2.3") or networks ("10.0.0.0/8")
        /// (`APOGEE_OUTBOUND_ALLOW`). Otherwise only http(s) to public addresses is allowed:
        /// never loopback, private, link-local, cloud metadata or other reserved ranges.
        allow: String = String::new(),
        /// Seconds a whole request may take, redirects included (`APOGEE_OUTBOUND_TIMEOUT_SECS`).
        timeout_secs: u64 = 10,
    }
}

/// A key and its doc lines.
type FieldDoc = (&'static str, Vec<&'static str>);

/// The tables below the top level, with their field docs.
fn tables() -> Vec<(&'static str, Vec<FieldDoc>)> {
    vec![
        ("database", Database::docs()),
        ("security", Security::docs()),
        ("realtime", Realtime::docs()),
        ("outbound", Outbound::docs()),
    ]
}

/// Top-level keys that hold plain values (not tables).
fn top_keys() -> Vec<FieldDoc> {
    let tables: Vec<&str> = tables().iter().map(|t| t.0).collect();
    Config::docs()
        .into_iter()
        .filter(|(k, _)| !tables.contains(k))
        .collect()
}

impl Config {
    /// Loads the layers: defaults, then the file, then `APOGEE_*` variables from `env`.
    pub fn load(file: Option<&Path>, env: &[(String, String)]) -> Result<Self, String> {
        let mut table = toml::Table::new();
        let path = match file {
            Some(p) => Some(p.to_path_buf()),
            None => {
                let etc = PathBuf::from("/etc/apogee/apogee.toml");
                etc.exists().then_some(etc)
            }
        };
        if let Some(p) = &path {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            table = text
                .parse::<toml::Table>()
                .map_err(|e| format!("{}: {e}", p.display()))?;
        }
        apply_env(&mut table, env)?;
        Config::deserialize(toml::Value::Table(table)).map_err(|e| {
            let source = path
                .as_ref()
                .map_or("configuration".to_owned(), |p| p.display().to_string());
            format!("{source}: {e}")
        })
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(u) if !u.is_empty() => u.clone(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("apogee.db").display()
            ),
        }
    }

    /// The public URL in force (no trailing slash).
    pub fn root_url(&self) -> String {
        match &self.root_url {
            Some(u) if !u.is_empty() => u.trim_end_matches('/').to_owned(),
            _ => {
                let port = self.listen.rsplit(':').next().unwrap_or("3000");
                format!("http://localhost:{port}")
            }
        }
    }

    /// A commented example configuration listing every key with its default.
    pub fn example() -> String {
        let defaults = toml::Value::try_from(Config::default())
            .unwrap_or(toml::Value::Table(toml::Table::new()));
        let mut out = String::from(
            "# Apogee configuration. Every key is optional; shown values are the defaults.\n\
             # Precedence: defaults < this file < APOGEE_* environment variables\n\
             # (APOGEE_<KEY>, or APOGEE_<TABLE>_<KEY>, e.g. APOGEE_DATABASE_URL).\n",
        );
        let write = |out: &mut String, table: Option<&toml::Value>, docs: &[FieldDoc]| {
            for (key, lines) in docs {
                out.push('\n');
                for l in lines {
                    out.push_str(&format!("#{l}\n"));
                }
                match table.and_then(|t| t.get(*key)) {
                    Some(v) => out.push_str(&format!("{key} = {v}\n")),
                    None => out.push_str(&format!("# {key} = \n")),
                }
            }
        };
        write(&mut out, Some(&defaults), &top_keys());
        let all_docs = Config::docs();
        for (name, docs) in tables() {
            let doc = all_docs
                .iter()
                .find(|d| d.0 == name)
                .map(|d| d.1.join(" "))
                .unwrap_or_default();
            out.push_str(&format!("\n#{doc}\n[{name}]\n"));
            write(&mut out, defaults.get(name), &docs);
        }
        out
    }
}

/// Applies `APOGEE_<KEY>` / `APOGEE_<TABLE>_<KEY>` variables onto the file's table, typed like the
/// key's default (so `APOGEE_DATABASE_MAX_CONNECTIONS=4` is a number).
fn apply_env(table: &mut toml::Table, env: &[(String, String)]) -> Result<(), String> {
    let defaults = toml::Value::try_from(Config::default()).map_err(|e| e.to_string())?;
    let typed =
        |default: Option<&toml::Value>, name: &str, raw: &str| -> Result<toml::Value, String> {
            Ok(match default {
                Some(toml::Value::Integer(_)) => toml::Value::Integer(
                    raw.trim()
                        .parse()
                        .map_err(|_| format!("{name} must be a whole number, not {raw:?}"))?,
                ),
                Some(toml::Value::Boolean(_)) => toml::Value::Boolean(
                    raw.trim()
                        .parse()
                        .map_err(|_| format!("{name} must be true or false, not {raw:?}"))?,
                ),
                _ => toml::Value::String(raw.to_owned()),
            })
        };
    for (name, raw) in env {
        let Some(rest) = name.strip_prefix("APOGEE_") else {
            continue;
        };
        let key = rest.to_ascii_lowercase();
        if top_keys().iter().any(|d| d.0 == key) {
            let v = typed(defaults.get(&key), name, raw)?;
            table.insert(key, v);
            continue;
        }
        for (tname, docs) in tables() {
            if let Some(field) = key.strip_prefix(&format!("{tname}_"))
                && docs.iter().any(|d| d.0 == field)
            {
                let v = typed(defaults.get(tname).and_then(|t| t.get(field)), name, raw)?;
                let entry = table
                    .entry(tname.to_owned())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                if let toml::Value::Table(t) = entry {
                    t.insert(field.to_owned(), v);
                }
            }
        }
        // Other APOGEE_* names (e.g. APOGEE_TEST_DATABASE_URL) belong to tools, not the server.
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn layers_and_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:4000\"\n[database]\nmax_connections = 3\n",
        )
        .unwrap();
        let c = Config::load(
            Some(&file),
            &env(&[("APOGEE_DATABASE_MAX_CONNECTIONS", "5")]),
        )
        .unwrap();
        assert_eq!(c.listen, "127.0.0.1:4000");
        assert_eq!(c.database.max_connections, 5);
        assert_eq!(c.root_url(), "http://localhost:4000");

        std::fs::write(&file, "[database]\nmax_conections = 3\n").unwrap();
        let err = Config::load(Some(&file), &[]).unwrap_err();
        assert!(err.contains("max_conections"), "{err}");
        std::fs::write(&file, "lisen = \"x\"\n").unwrap();
        let err = Config::load(Some(&file), &[]).unwrap_err();
        assert!(err.contains("lisen"), "{err}");

        let err =
            Config::load(None, &env(&[("APOGEE_DATABASE_MAX_CONNECTIONS", "many")])).unwrap_err();
        assert!(err.contains("APOGEE_DATABASE_MAX_CONNECTIONS"), "{err}");
    }

    #[test]
    fn outbound_table_and_variables() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.toml");
        std::fs::write(
            &file,
            "[outbound]\nallow = \"10.0.0.0/8\"\ntimeout_secs = 3\n",
        )
        .unwrap();
        let c = Config::load(Some(&file), &[]).unwrap();
        assert_eq!(c.outbound.allow, "10.0.0.0/8");
        assert_eq!(c.outbound.timeout_secs, 3);
        let c = Config::load(
            Some(&file),
            &env(&[
                ("APOGEE_OUTBOUND_ALLOW", "127.0.0.1/32, localhost"),
                ("APOGEE_OUTBOUND_TIMEOUT_SECS", "20"),
            ]),
        )
        .unwrap();
        assert_eq!(c.outbound.allow, "127.0.0.1/32, localhost");
        assert_eq!(c.outbound.timeout_secs, 20);
        assert_eq!(Config::default().outbound.allow, "");
        assert_eq!(Config::default().outbound.timeout_secs, 10);
    }

    #[test]
    fn example_parses_back_to_defaults() {
        let text = Config::example();
        let parsed: Config = toml::from_str(&text).unwrap();
        assert_eq!(parsed, Config::default());
        assert!(text.contains("# Address and port"));
    }

    #[test]
    fn example_file_is_current() {
        let committed = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../deploy/apogee.toml"
        ))
        .unwrap();
        assert_eq!(
            committed,
            Config::example(),
            "deploy/apogee.toml is stale: run `apogee config example > deploy/apogee.toml`"
        );
    }
}
