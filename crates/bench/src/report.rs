//! Benchmark reports: a plain-text table for people, JSON for machines.
//!
//! A report has scalar metrics (`restart to first answer: 85.2 ms`) and load-test rows (req/s
//! and latency percentiles). Metric keys are snake_case; the JSON key of a metric is
//! `key_unit` (`restart_to_first_answer_ms`), its text label the key with spaces.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::Result;
use crate::load::LoadResult;

/// One scalar line of a report.
#[derive(Debug, Clone)]
struct Metric {
    /// snake_case key.
    key: String,
    /// Value as printed.
    shown: String,
    /// Unit as printed (may be empty).
    unit: String,
    /// Value in JSON.
    value: Value,
}

/// One load-test row.
#[derive(Debug, Clone)]
struct LoadRow {
    /// Row name, also the JSON key.
    name: String,
    /// The numbers.
    result: LoadResult,
    /// Rate as a percentage of the bare yardstick's rate, when compared.
    pct_of_bare: Option<f64>,
}

/// A free-form table (rows of cells under column headings), for results that are not load tests.
#[derive(Debug, Clone)]
struct Table {
    /// Heading, also the JSON key.
    name: String,
    /// Column headings.
    columns: Vec<String>,
    /// Rows of cells as printed.
    rows: Vec<Vec<String>>,
    /// The same numbers for machines.
    json: Value,
}

/// A report being built.
#[derive(Debug, Clone)]
pub struct Report {
    /// Heading.
    title: String,
    /// Scalar metrics in insertion order.
    metrics: Vec<Metric>,
    /// Load-test rows in insertion order.
    loads: Vec<LoadRow>,
    /// Tables in insertion order.
    tables: Vec<Table>,
}

/// Milliseconds of a duration, as a float.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl Report {
    /// An empty report.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            metrics: Vec::new(),
            loads: Vec::new(),
            tables: Vec::new(),
        }
    }

    /// Adds a table: column headings, rows of printed cells (the first column left-aligned, the
    /// others right-aligned), and the same numbers as JSON.
    pub fn table(&mut self, name: &str, columns: &[&str], rows: Vec<Vec<String>>, json: Value) {
        self.tables.push(Table {
            name: name.to_owned(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows,
            json,
        });
    }

    /// Adds a numeric metric shown with 1 decimal (`unit` like `ms` or `MiB`).
    pub fn metric(&mut self, key: &str, value: f64, unit: &str) {
        self.metrics.push(Metric {
            key: key.to_owned(),
            shown: format!("{value:.1}"),
            unit: unit.to_owned(),
            value: json!(value),
        });
    }

    /// Adds a duration metric, in milliseconds.
    pub fn millis(&mut self, key: &str, value: Duration) {
        self.metric(key, ms(value), "ms");
    }

    /// Adds an integer metric with no unit.
    pub fn count(&mut self, key: &str, value: u64) {
        self.metrics.push(Metric {
            key: key.to_owned(),
            shown: value.to_string(),
            unit: String::new(),
            value: json!(value),
        });
    }

    /// Adds a text fact.
    pub fn text(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        self.metrics.push(Metric {
            key: key.to_owned(),
            shown: value.clone(),
            unit: String::new(),
            value: Value::String(value),
        });
    }

    /// Adds a load-test row.
    pub fn load(&mut self, name: &str, result: &LoadResult, pct_of_bare: Option<f64>) {
        self.loads.push(LoadRow {
            name: name.to_owned(),
            result: result.clone(),
            pct_of_bare,
        });
    }

    /// The report as a plain-text table.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "== {} ==", self.title);
        let width = self.metrics.iter().map(|m| m.key.len()).max().unwrap_or(0);
        for m in &self.metrics {
            let label = m.key.replace('_', " ");
            let line = format!("{label:<width$}  {} {}", m.shown, m.unit);
            let _ = writeln!(out, "{}", line.trim_end());
        }
        if !self.loads.is_empty() {
            if !self.metrics.is_empty() {
                out.push('\n');
            }
            let width = self
                .loads
                .iter()
                .map(|r| r.name.len())
                .max()
                .unwrap_or(0)
                .max("scenario".len());
            let _ = writeln!(
                out,
                "{:<width$}  {:>10}  {:>8}  {:>8}  {:>8}  {:>9}  {:>7}  {:>7}",
                "scenario", "req/s", "p50 ms", "p99 ms", "max ms", "ok", "errors", "% bare"
            );
            for row in &self.loads {
                let r = &row.result;
                let pct = row.pct_of_bare.map_or_else(
                    || "-".to_owned(),
                    |p| {
                        if p < 10.0 {
                            format!("{p:.1}%")
                        } else {
                            format!("{p:.0}%")
                        }
                    },
                );
                let _ = writeln!(
                    out,
                    "{:<width$}  {:>10.0}  {:>8.3}  {:>8.3}  {:>8.3}  {:>9}  {:>7}  {:>7}",
                    row.name,
                    r.rps,
                    ms(r.p50),
                    ms(r.p99),
                    ms(r.max),
                    r.ok,
                    r.errors,
                    pct
                );
            }
        }
        for table in &self.tables {
            out.push('\n');
            let _ = writeln!(out, "{}:", table.name);
            let widths: Vec<usize> = (0..table.columns.len())
                .map(|i| {
                    table
                        .rows
                        .iter()
                        .filter_map(|r| r.get(i))
                        .chain(table.columns.get(i))
                        .map(|c| c.chars().count())
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |cells: &[String]| -> String {
                let mut line = String::new();
                for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
                    if i == 0 {
                        let _ = write!(line, "{cell:<width$}");
                    } else {
                        let _ = write!(line, "  {cell:>width$}");
                    }
                }
                line
            };
            let _ = writeln!(out, "{}", line(&table.columns).trim_end());
            for row in &table.rows {
                let _ = writeln!(out, "{}", line(row).trim_end());
            }
        }
        out
    }

    /// The report as JSON: `{"title", "metrics": {key_unit: value}, "loads": {name: {...}}}`.
    pub fn to_json(&self) -> Value {
        let mut metrics = Map::new();
        for m in &self.metrics {
            let key = if m.unit.is_empty() {
                m.key.clone()
            } else {
                format!("{}_{}", m.key, m.unit.to_lowercase())
            };
            metrics.insert(key, m.value.clone());
        }
        let mut loads = Map::new();
        for row in &self.loads {
            let r = &row.result;
            loads.insert(
                row.name.clone(),
                json!({
                    "rps": r.rps,
                    "ok": r.ok,
                    "errors": r.errors,
                    "elapsed_s": r.elapsed.as_secs_f64(),
                    "mean_ms": ms(r.mean),
                    "p50_ms": ms(r.p50),
                    "p90_ms": ms(r.p90),
                    "p99_ms": ms(r.p99),
                    "max_ms": ms(r.max),
                    "pct_of_bare": row.pct_of_bare,
                    "first_error": r.first_error,
                }),
            );
        }
        let mut tables = Map::new();
        for table in &self.tables {
            tables.insert(table.name.clone(), table.json.clone());
        }
        json!({ "title": self.title, "metrics": metrics, "loads": loads, "tables": tables })
    }

    /// Writes [`Report::to_json`] to `path`.
    pub fn write_json(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(&self.to_json())?;
        std::fs::write(path, text + "\n")
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_json() {
        let mut report = Report::new("t");
        report.millis("restart_to_first_answer", Duration::from_micros(85_250));
        report.metric("idle_rss", 12.5, "MiB");
        report.count("logins", 50);
        let result = LoadResult {
            ok: 10,
            errors: 1,
            elapsed: Duration::from_secs(1),
            rps: 10.0,
            mean: Duration::from_millis(1),
            p50: Duration::from_millis(1),
            p90: Duration::from_millis(2),
            p99: Duration::from_millis(3),
            max: Duration::from_millis(4),
            first_error: None,
        };
        report.load("info", &result, Some(50.0));
        let text = report.render_text();
        assert!(text.contains("restart to first answer  85.2 ms"), "{text}");
        assert!(text.contains("50%"), "{text}");
        let v = report.to_json();
        assert_eq!(v["metrics"]["idle_rss_mib"], 12.5);
        assert_eq!(v["metrics"]["logins"], 50);
        assert_eq!(v["loads"]["info"]["p99_ms"], 3.0);
    }

    #[test]
    fn tables() {
        let mut report = Report::new("t");
        report.table(
            "fan-out",
            &["N", "p50 ms"],
            vec![
                vec!["apogee".into(), "1.5".into()],
                vec!["bare".into(), "12.25".into()],
            ],
            json!([{"n": 1}]),
        );
        let text = report.render_text();
        assert!(
            text.contains("fan-out:\nN       p50 ms\napogee     1.5\nbare     12.25\n"),
            "{text}"
        );
        assert_eq!(report.to_json()["tables"]["fan-out"][0]["n"], 1);
    }
}
