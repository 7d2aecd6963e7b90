//! `results.csv`: one row per finished run — a column per varied key, `seed`, then every scalar
//! metric of the run's metrics.json under its own name — rewritten whole (write-then-rename)
//! each time a row arrives, so it is never half-written.

use std::collections::BTreeMap;
use std::path::Path;

use crate::{Error, Result};

/// One finished run.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The value of each varied key, as written in the file.
    pub values: Vec<String>,
    pub seed: u64,
    /// Every scalar of the run's report, by name.
    pub metrics: BTreeMap<String, f64>,
}

impl Row {
    /// The row of a run from its report as JSON: top-level numbers under their names, numbers
    /// of nested objects as `object.name`; lists (the curves) are left out.
    pub fn from_report(values: Vec<String>, seed: u64, report: &serde_json::Value) -> Row {
        let mut metrics = BTreeMap::new();
        if let serde_json::Value::Object(fields) = report {
            for (name, value) in fields {
                match value {
                    serde_json::Value::Number(number) => {
                        if let Some(x) = number.as_f64() {
                            metrics.insert(name.clone(), x);
                        }
                    }
                    serde_json::Value::Object(inner) => {
                        for (field, value) in inner {
                            if let Some(x) = value.as_f64() {
                                metrics.insert(format!("{name}.{field}"), x);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Row {
            values,
            seed,
            metrics,
        }
    }
}

/// The table of a sweep's finished runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub keys: Vec<String>,
    pub rows: Vec<Row>,
}

impl Results {
    pub fn new(keys: Vec<String>) -> Results {
        Results {
            keys,
            rows: Vec::new(),
        }
    }

    /// Whether the run with these values and seed has a row.
    pub fn has(&self, values: &[String], seed: u64) -> bool {
        self.rows
            .iter()
            .any(|row| row.seed == seed && row.values == values)
    }

    /// Adds a row, replacing one for the same run.
    pub fn insert(&mut self, row: Row) {
        self.rows
            .retain(|old| !(old.seed == row.seed && old.values == row.values));
        self.rows.push(row);
    }

    /// The metric columns: every name any row has, sorted.
    pub fn metric_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .rows
            .iter()
            .flat_map(|row| row.metrics.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Reads a results file written by [`Results::save`] for the sweep over `keys`; a file of
    /// another sweep (other key columns) is refused rather than mixed with.
    pub fn load(path: &Path, keys: &[String]) -> Result<Results> {
        let bad = |message: String| Error::BadFile {
            path: path.to_path_buf(),
            message,
        };
        let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| bad(e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        let expected: Vec<&str> = keys
            .iter()
            .map(String::as_str)
            .chain(std::iter::once("seed"))
            .collect();
        if header.len() < expected.len() || header[..expected.len()] != expected[..] {
            return Err(bad(format!(
                "it holds a sweep over other keys (its columns begin {}, this sweep's are {}); choose another --out",
                header.join(","),
                expected.join(",")
            )));
        }
        let metric_names = &header[expected.len()..];
        let mut results = Results::new(keys.to_vec());
        for (line, record) in reader.records().enumerate() {
            let record = record.map_err(|e| bad(e.to_string()))?;
            let cell = |i: usize| record.get(i).unwrap_or("");
            let at = |message: String| bad(format!("line {}: {message}", line + 2));
            let seed = cell(keys.len())
                .parse::<u64>()
                .map_err(|_| at(format!("seed '{}' is not a whole number", cell(keys.len()))))?;
            let mut metrics = BTreeMap::new();
            for (offset, name) in metric_names.iter().enumerate() {
                let text = cell(expected.len() + offset);
                if text.is_empty() {
                    continue;
                }
                let value = text
                    .parse::<f64>()
                    .map_err(|_| at(format!("{name} '{text}' is not a number")))?;
                metrics.insert(name.clone(), value);
            }
            results.rows.push(Row {
                values: (0..keys.len()).map(|i| cell(i).to_string()).collect(),
                seed,
                metrics,
            });
        }
        Ok(results)
    }

    /// Writes the table atomically, rows in the order given by `order` (a run's grid index).
    pub fn save(&self, path: &Path, order: impl Fn(&Row) -> usize) -> Result<()> {
        let names = self.metric_names();
        let mut rows: Vec<&Row> = self.rows.iter().collect();
        rows.sort_by_key(|row| order(row));
        let mut writer = csv::Writer::from_writer(Vec::new());
        let internal = |e: csv::Error| Error::Internal(format!("writing CSV in memory: {e}"));
        let header: Vec<&str> = self
            .keys
            .iter()
            .map(String::as_str)
            .chain(std::iter::once("seed"))
            .chain(names.iter().map(String::as_str))
            .collect();
        writer.write_record(&header).map_err(internal)?;
        for row in rows {
            let mut record: Vec<String> = row.values.clone();
            record.push(row.seed.to_string());
            for name in &names {
                record.push(row.metrics.get(name).map_or(String::new(), f64::to_string));
            }
            writer.write_record(&record).map_err(internal)?;
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| Error::Internal(format!("writing CSV in memory: {e}")))?;
        crate::data::write_atomically(path, &bytes)
    }
}
