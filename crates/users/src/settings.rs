//! Workspace settings (Rocket.Chat's runtime settings, not the server config): the registry's defaults
//! overlaid with stored values, cached in memory for reads.

use apogee_core::names::{SettingDef, SettingType, settings_registry};
use apogee_core::{Error, Result, Timestamp};
use apogee_storage::{Db, repo};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// A setting as clients see it.
#[derive(Debug, Clone)]
pub struct SettingValue {
    /// The setting `_id`.
    pub id: &'static str,
    /// Current value.
    pub value: Value,
    /// Default value.
    pub default: Value,
    /// Readable without a login.
    pub public: bool,
    /// Value type.
    pub ty: SettingType,
    /// Admin UI group.
    pub group: &'static str,
    /// Last change (ms), 0 when never changed.
    pub updated_at: i64,
}

/// The settings service. Reads come from memory; writes go to the database first, then the cache.
///
/// With several instances, another instance's change reaches this cache when the bus carries it
/// (the realtime issue wires that); until then each instance sees its own writes immediately.
#[derive(Clone)]
pub struct Settings {
    db: Db,
    defs: Arc<Vec<SettingDef>>,
    cache: Arc<RwLock<HashMap<&'static str, (Value, i64)>>>,
    publisher: crate::Publisher,
}

impl Settings {
    /// Loads stored values over the registry defaults. `defaults` overrides registry defaults that
    /// depend on the deployment (e.g. `Site_Url` from `ROOT_URL`).
    pub async fn load(db: Db, defaults: &[(&str, Value)]) -> Result<Self> {
        let mut defs = settings_registry();
        for (id, v) in defaults {
            if let Some(d) = defs.iter_mut().find(|d| d.id == *id) {
                d.default = v.clone();
            }
        }
        let s = Self {
            db,
            defs: Arc::new(defs),
            cache: Arc::new(RwLock::new(HashMap::new())),
            publisher: crate::Publisher::default(),
        };
        s.reload().await?;
        Ok(s)
    }

    /// Re-reads every stored value (after another instance changed one, or at start).
    pub async fn reload(&self) -> Result<()> {
        let stored = repo::settings::all(&self.db).await?;
        let mut map = HashMap::new();
        for def in self.defs.iter() {
            map.insert(def.id, (def.default.clone(), 0));
        }
        for row in stored {
            if let Some(def) = self.defs.iter().find(|d| d.id == row.id) {
                let v = serde_json::from_str(&row.value).unwrap_or_else(|_| def.default.clone());
                map.insert(def.id, (v, row.updated_at));
            }
        }
        if let Ok(mut c) = self.cache.write() {
            *c = map;
        }
        Ok(())
    }

    fn def(&self, id: &str) -> Option<&SettingDef> {
        self.defs.iter().find(|d| d.id == id)
    }

    /// Current value of a setting (`Null` for unknown ids).
    pub fn get(&self, id: &str) -> Value {
        self.cache
            .read()
            .ok()
            .and_then(|c| c.get(id).map(|v| v.0.clone()))
            .unwrap_or(Value::Null)
    }

    /// A boolean setting (false when unset or not a boolean).
    pub fn bool(&self, id: &str) -> bool {
        match self.get(id) {
            Value::Bool(b) => b,
            Value::String(s) => s == "true",
            _ => false,
        }
    }

    /// An integer setting (0 when unset).
    pub fn int(&self, id: &str) -> i64 {
        match self.get(id) {
            Value::Number(n) => n.as_i64().unwrap_or(0),
            Value::String(s) => s.parse().unwrap_or(0),
            _ => 0,
        }
    }

    /// A string setting ("" when unset).
    pub fn string(&self, id: &str) -> String {
        match self.get(id) {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }

    /// Every known setting with its current value, in registry order.
    pub fn all(&self) -> Vec<SettingValue> {
        let cache = self.cache.read().map(|c| c.clone()).unwrap_or_default();
        self.defs
            .iter()
            .map(|d| {
                let (value, updated_at) =
                    cache.get(d.id).cloned().unwrap_or((d.default.clone(), 0));
                SettingValue {
                    id: d.id,
                    value,
                    default: d.default.clone(),
                    public: d.public,
                    ty: d.ty,
                    group: d.group,
                    updated_at,
                }
            })
            .collect()
    }

    /// One setting with its metadata.
    pub fn one(&self, id: &str) -> Option<SettingValue> {
        self.all().into_iter().find(|s| s.id == id)
    }

    /// Converts a value to the setting's type, accepting the string forms environment variables and
    /// lenient clients use (`"true"`, `"42"`).
    pub fn coerce(&self, id: &str, value: Value) -> Result<Value> {
        let def = self
            .def(id)
            .ok_or_else(|| Error::NotFound("Resource not found".into()))?;
        let bad = || Error::invalid_params(format!("Invalid value for setting {id}"));
        Ok(match (def.ty, value) {
            (SettingType::Boolean, Value::Bool(b)) => Value::Bool(b),
            (SettingType::Boolean, Value::String(s)) => match s.to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(bad()),
            },
            (SettingType::Int, Value::Number(n)) => {
                Value::from(n.as_f64().map(|f| f as i64).ok_or_else(bad)?)
            }
            (SettingType::Int, Value::String(s)) => {
                Value::from(s.trim().parse::<i64>().map_err(|_| bad())?)
            }
            (SettingType::String | SettingType::Select, Value::String(s)) => Value::String(s),
            (
                SettingType::String | SettingType::Select,
                v @ (Value::Number(_) | Value::Bool(_)),
            ) => Value::String(v.to_string()),
            (SettingType::Json, Value::String(s)) => serde_json::from_str(&s).map_err(|_| bad())?,
            (SettingType::Json, v) => v,
            _ => return Err(bad()),
        })
    }

    /// Stores a new value (type-checked) and updates the cache.
    pub async fn set(&self, id: &str, value: Value) -> Result<()> {
        let value = self.coerce(id, value)?;
        let def_id = self
            .def(id)
            .map(|d| d.id)
            .ok_or_else(|| Error::NotFound("Resource not found".into()))?;
        let now = Timestamp::now().millis();
        repo::settings::put(&self.db, id, value.to_string(), now).await?;
        if let Ok(mut c) = self.cache.write() {
            c.insert(def_id, (value, now));
        }
        self.publisher.publish(
            apogee_core::Topic::All,
            apogee_core::EventKind::SettingChanged {
                id: def_id.to_owned(),
            },
        );
        Ok(())
    }

    /// Where the accounts domain publishes its events (shared with [`crate::Users`]).
    pub fn publisher(&self) -> &crate::Publisher {
        &self.publisher
    }

    /// Whether a setting id exists.
    pub fn exists(&self, id: &str) -> bool {
        self.def(id).is_some()
    }
}
