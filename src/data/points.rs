use std::io::Write;
use std::path::Path;

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
