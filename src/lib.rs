//! flowscope: train small flow-matching models in the plane, on the sphere and on the flat
//! torus, and follow their particles.
//!
//! Data flows one way: a [`scene::Scene`] (every setting) builds a [`session::Session`]
//! (data → coupling → path → model → optimiser), which produces losses, metrics and particle
//! trajectories. The CLI drives the same session headless. Every space — its geometry,
//! datasets, pair cost, model inputs and pictures — is one entry of the [`space`] registry.
//!
//! Conventions: time runs from t = 0 (source, usually noise) to t = 1 (target, data).

pub mod bench;
pub mod coupling;
pub mod data;
pub mod device;
mod error;
pub mod export;
pub mod flow;
pub mod geometry;
pub mod metrics;
pub mod render;
pub mod rng;
pub mod scene;
pub mod session;
pub mod space;
pub mod sweep;
pub mod ui;

pub use error::{Error, Result};
