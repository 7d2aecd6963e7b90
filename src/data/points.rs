use std::io::Write;
use std::path::Path;

use crate::space::SpaceKind;
use crate::{Error, Result};

/// A set of points in storage coordinates, row-major, with optional class labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Points {
    dim: usize,
    data: Vec<f64>,
    labels: Option<Vec<u32>>,
}

impl Points {
    pub fn new(dim: usize, data: Vec<f64>, labels: Option<Vec<u32>>) -> Self {
        debug_assert_eq!(data.len() % dim, 0);
        Self { dim, data, labels }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }
    pub fn len(&self) -> usize {
        self.data.len() / self.dim
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    pub fn point(&self, i: usize) -> &[f64] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }
    pub fn data(&self) -> &[f64] {
        &self.data
    }
    pub fn labels(&self) -> Option<&[u32]> {
        self.labels.as_deref()
    }
    pub fn iter(&self) -> impl Iterator<Item = &[f64]> {
        self.data.chunks_exact(self.dim)
    }

    /// The points as f32, row-major (for upload to a device).
    pub fn to_f32(&self) -> Vec<f32> {
        self.data.iter().map(|&v| v as f32).collect()
    }

    /// Rows reordered: row i of the result is row `order[i]` of self.
    pub fn reordered(&self, order: &[usize]) -> Points {
        let mut data = Vec::with_capacity(order.len() * self.dim);
        for &i in order {
            data.extend_from_slice(self.point(i));
        }
        let labels = self
            .labels
            .as_ref()
            .map(|l| order.iter().map(|&i| l[i]).collect());
        Points::new(self.dim, data, labels)
    }

    /// Appends the rows of `other` (labels are kept only if both sides have them).
    pub fn extend(&mut self, other: &Points) {
        self.data.extend_from_slice(&other.data);
        self.labels = match (self.labels.take(), &other.labels) {
            (Some(mut a), Some(b)) => {
                a.extend_from_slice(b);
                Some(a)
            }
            _ => None,
        };
    }

    /// Removes and returns the first `n` rows.
    pub fn take_front(&mut self, n: usize) -> Points {
        let rest_data = self.data.split_off(n * self.dim);
        let front_data = std::mem::replace(&mut self.data, rest_data);
        let front_labels = self.labels.as_mut().map(|l| {
            let rest = l.split_off(n);
            std::mem::replace(l, rest)
        });
        Points::new(self.dim, front_data, front_labels)
    }

    /// Reads a CSV with a header row naming the space's columns (and optionally `label`).
    pub fn read_csv(path: &Path, space: SpaceKind) -> Result<Points> {
        let text = std::fs::read_to_string(path).map_err(|cause| Error::Read {
            path: path.to_path_buf(),
            cause,
        })?;
        Self::parse_csv(&text, space).map_err(|message| Error::BadFile {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses CSV text; the error is a message without the file name.
    pub fn parse_csv(text: &str, space: SpaceKind) -> std::result::Result<Points, String> {
        let expected = space.columns();
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((_, header)) = lines.next() else {
            return Err("the file is empty (expected a header row)".into());
        };
        let names: Vec<&str> = header.split(',').map(str::trim).collect();
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
        Ok(Points::new(dim, data, has_label.then_some(labels)))
    }

    /// Writes a CSV with the space's header (and a `label` column when labelled), atomically.
    pub fn write_csv(&self, path: &Path, space: SpaceKind) -> Result<()> {
        let mut text = String::with_capacity(self.len() * 24 * self.dim);
        text.push_str(&space.columns().join(","));
        if self.labels.is_some() {
            text.push_str(",label");
        }
        text.push('\n');
        for (i, p) in self.iter().enumerate() {
            let row: Vec<String> = p.iter().map(|v| format!("{v}")).collect();
            text.push_str(&row.join(","));
            if let Some(labels) = &self.labels {
                text.push_str(&format!(",{}", labels[i]));
            }
            text.push('\n');
        }
        write_atomically(path, text.as_bytes())
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it into place, so a failure
/// never leaves a partial file under the target name.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let write_error = |cause| Error::Write {
        path: path.to_path_buf(),
        cause,
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| write_error(std::io::Error::other("not a file path")))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(".partial");
    let tmp = path.with_file_name(tmp_name);
    let result = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = result.and_then(|_| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(write_error(e));
    }
    Ok(())
}
