//! Finite symmetry groups of the plane: the cyclic group C_m of the m rotations by 2πk/m, and
//! the dihedral group D_m, those rotations and the m reflections R_k·F (F mirrors y). A scene
//! names one as `symmetry = "c5"` or `"d8"`.

use std::f64::consts::TAU;

/// A finite subgroup of O(2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symmetry {
    /// C_m: rotations by multiples of 2π/m.
    Cyclic(u32),
    /// D_m: C_m and its m reflections.
    Dihedral(u32),
}

/// A group element as a row-major 2×2 orthogonal matrix.
pub type Element = [f64; 4];

impl Symmetry {
    /// The m a scene may ask for.
    pub const ORDERS: std::ops::RangeInclusive<u32> = 2..=12;

    /// `"c5"` or `"d8"` (m from 2 to 12); the error says what is accepted.
    pub fn parse(name: &str) -> Result<Symmetry, String> {
        let lower = name.trim().to_ascii_lowercase();
        let (kind, order) = lower.split_at(lower.len().min(1));
        let order: Option<u32> = order.parse().ok().filter(|m| Self::ORDERS.contains(m));
        match (kind, order) {
            ("c", Some(m)) => Ok(Symmetry::Cyclic(m)),
            ("d", Some(m)) => Ok(Symmetry::Dihedral(m)),
            _ => Err(format!(
                "unknown symmetry '{name}': use cM (M rotations) or dM (M rotations and M reflections), M from {} to {}",
                Self::ORDERS.start(),
                Self::ORDERS.end()
            )),
        }
    }

    pub fn name(self) -> String {
        match self {
            Symmetry::Cyclic(m) => format!("c{m}"),
            Symmetry::Dihedral(m) => format!("d{m}"),
        }
    }

    /// Number of elements: m for C_m, 2m for D_m.
    pub fn order(self) -> usize {
        match self {
            Symmetry::Cyclic(m) => m as usize,
            Symmetry::Dihedral(m) => 2 * m as usize,
        }
    }

    /// Every element, the identity first: the rotations, then (for D_m) the reflections.
    pub fn elements(self) -> Vec<Element> {
        let (m, reflections) = match self {
            Symmetry::Cyclic(m) => (m, false),
            Symmetry::Dihedral(m) => (m, true),
        };
        let rotation = |k: u32| {
            let (s, c) = (TAU * f64::from(k) / f64::from(m)).sin_cos();
            [c, -s, s, c]
        };
        let mut elements: Vec<Element> = (0..m).map(rotation).collect();
        if reflections {
            // R_k·F with F = diag(1, −1).
            elements.extend((0..m).map(|k| {
                let [a, b, c, d] = rotation(k);
                [a, -b, c, -d]
            }));
        }
        elements
    }

    /// g·p.
    pub fn apply(g: &Element, p: &[f64]) -> [f64; 2] {
        [g[0] * p[0] + g[1] * p[1], g[2] * p[0] + g[3] * p[1]]
    }

    /// The point of the orbit of `x0` nearest `x1`, and its squared distance to `x1`.
    pub fn nearest_image(elements: &[Element], x0: &[f64], x1: &[f64]) -> ([f64; 2], f64) {
        let mut best = ([x0[0], x0[1]], f64::INFINITY);
        for g in elements {
            let image = Self::apply(g, x0);
            let cost = (image[0] - x1[0]).powi(2) + (image[1] - x1[1]).powi(2);
            if cost < best.1 {
                best = (image, cost);
            }
        }
        best
    }
}

impl std::str::FromStr for Symmetry {
    type Err = String;
    fn from_str(name: &str) -> Result<Symmetry, String> {
        Symmetry::parse(name)
    }
}

impl serde::Serialize for Symmetry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Symmetry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Symmetry::parse(&name).map_err(serde::de::Error::custom)
    }
}
