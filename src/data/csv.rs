//! Point sets as CSV files: a header row naming the space's columns (and optionally `label`),
//! then one point a row.

use std::path::Path;

use super::{Points, write_atomically};
use crate::space::SpaceKind;
use crate::{Error, Result};

impl Points {
    /// Reads a CSV with a header row naming the space's columns (and optionally `label`).
    pub fn read_csv(path: &Path, space: SpaceKind) -> Result<Points> {
        Ok(Self::read_csv_fitted(path, space)?.0)
    }

    /// Reads a CSV of `space` or, for a family of spaces, of the member its header names (a
    /// point cloud's shape), and that space.
    pub fn read_csv_fitted(path: &Path, space: SpaceKind) -> Result<(Points, SpaceKind)> {
        let text = std::fs::read_to_string(path).map_err(|cause| Error::Read {
            path: path.to_path_buf(),
            cause,
        })?;
        Self::parse_csv_fitted(&text, space).map_err(|message| Error::BadFile {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses CSV text; the error is a message without the file name.
    pub fn parse_csv(text: &str, space: SpaceKind) -> std::result::Result<Points, String> {
        Ok(Self::parse_csv_fitted(text, space)?.0)
    }

    /// Parses CSV text of `space`, or of the member of its family the header names.
    pub fn parse_csv_fitted(
        text: &str,
        space: SpaceKind,
    ) -> std::result::Result<(Points, SpaceKind), String> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((_, header)) = lines.next() else {
            return Err("the file is empty (expected a header row)".into());
        };
        let names: Vec<&str> = header.split(',').map(str::trim).collect();
        let coordinates = match names.split_last() {
            Some((&"label", rest)) => rest,
            _ => &names[..],
        };
        let space = space.fitted_to_columns(coordinates)?;
        let expected = space.columns();
        let has_label = names.len() == expected.len() + 1 && names.last() == Some(&"label");
        let coordinate_names = if has_label {
            &names[..expected.len()]
        } else {
            &names[..]
        };
        if coordinate_names != expected {
            return Err(format!(
                "header is '{}' but a {} file needs the columns {}{}",
                header.trim(),
                space.name(),
                expected.join(","),
                " (optionally followed by label)"
            ));
        }
        let dim = expected.len();
        let mut data = Vec::new();
        let mut labels = Vec::new();
        for (index, line) in lines {
            let row = index + 1;
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if fields.len() != names.len() {
                return Err(format!(
                    "line {row} has {} columns, expected {}",
                    fields.len(),
                    names.len()
                ));
            }
            let start = data.len();
            for (field, name) in fields[..dim].iter().zip(expected) {
                let value: f64 = field.parse().map_err(|_| {
                    format!("line {row}: '{field}' in column {name} is not a number")
                })?;
                if !value.is_finite() {
                    return Err(format!(
                        "line {row}: column {name} is {value}, not a finite number"
                    ));
                }
                data.push(value);
            }
            space
                .geometry()
                .accept_point(&mut data[start..])
                .map_err(|problem| format!("line {row}: {problem}"))?;
            if has_label {
                let field = fields[dim];
                let label: u32 = field.parse().map_err(|_| {
                    format!("line {row}: label '{field}' is not a non-negative integer")
                })?;
                labels.push(label);
            }
        }
        let n = data.len() / dim;
        if n < 2 {
            return Err(format!("needs at least 2 data rows, found {n}"));
        }
        Ok((Points::new(dim, data, has_label.then_some(labels)), space))
    }

    /// Writes a CSV with the space's header (and a `label` column when labelled), atomically.
    pub fn write_csv(&self, path: &Path, space: SpaceKind) -> Result<()> {
        self.write_csv_with(path, space, &[])
    }

    /// As [`Points::write_csv`], with more columns: each `(name, values)` one value per point.
    pub fn write_csv_with(
        &self,
        path: &Path,
        space: SpaceKind,
        extra: &[(&str, &[f64])],
    ) -> Result<()> {
        let mut text = String::with_capacity(self.len() * 24 * (self.dim() + 1));
        text.push_str(&space.columns().join(","));
        if self.labels().is_some() {
            text.push_str(",label");
        }
        for (name, _) in extra {
            text.push(',');
            text.push_str(name);
        }
        text.push('\n');
        for (i, p) in self.iter().enumerate() {
            let row: Vec<String> = p.iter().map(|v| format!("{v}")).collect();
            text.push_str(&row.join(","));
            if let Some(labels) = self.labels() {
                text.push_str(&format!(",{}", labels[i]));
            }
            for (_, values) in extra {
                text.push_str(&format!(",{}", values[i]));
            }
            text.push('\n');
        }
        write_atomically(path, text.as_bytes())
    }
}
