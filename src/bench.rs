//! `flowscope bench`: the speed figures the README reports, measured on this machine.

use std::collections::BTreeMap;
use std::time::Instant;

use burn::tensor::Device;
use serde::Serialize;

use crate::Result;
use crate::coupling::{CostMatrix, CouplingMethod, solve_assignment};
use crate::data::{DistConfig, build_sampler};
use crate::flow::{Activation, Solver};
use crate::geometry::SpaceKind;
use crate::rng::Rng;
use crate::scene::Scene;
use crate::session::Session;

#[derive(Debug, Serialize)]
pub struct BenchReport {
    /// 3×64 SELU MLP, batch 512, gaussian → 8gaussians, independent coupling.
    pub train_steps_per_sec_independent: f64,
    /// Same with exact mini-batch OT, k = 512.
    pub train_steps_per_sec_exact_ot: f64,
    /// Exact OT solve (cost matrix included) in ms, N(0, I) against N(1, 4I) in 2-D, keyed by k.
    pub ot_ms: BTreeMap<String, f64>,
    /// Mean cost of each bench solve, to compare with an independent solver.
    pub ot_cost: BTreeMap<String, f64>,
    /// Particles × Euler steps per second when sampling 10 000 particles.
    pub sample_particle_steps_per_sec: f64,
}

fn bench_scene(method: CouplingMethod) -> Scene {
    let mut scene = Scene {
        source: DistConfig::named("gaussian"),
        target: DistConfig::named("8gaussians"),
        ..Scene::default()
    };
    scene.model.width = 64;
    scene.model.depth = 3;
    scene.model.activation = Activation::Selu;
    scene.train.batch = 512;
    scene.coupling.method = method;
    scene.coupling.k = 512;
    scene
}

fn train_rate(method: CouplingMethod, steps: usize, device: &Device) -> Result<f64> {
    let mut session = Session::new(bench_scene(method), device)?;
    for _ in 0..10 {
        session.step()?;
    }
    let start = Instant::now();
    for _ in 0..steps {
        session.step()?;
    }
    Ok(steps as f64 / start.elapsed().as_secs_f64())
}

/// Runs every benchmark; `quick` uses fewer repetitions.
pub fn run(quick: bool, device: &Device) -> Result<BenchReport> {
    let train_steps = if quick { 100 } else { 1000 };
    let train_steps_per_sec_independent =
        train_rate(CouplingMethod::Independent, train_steps, device)?;
    let train_steps_per_sec_exact_ot = train_rate(CouplingMethod::Exact, train_steps, device)?;

    let mut ot_ms = BTreeMap::new();
    let mut ot_cost = BTreeMap::new();
    let gaussian = build_sampler(SpaceKind::Plane, &DistConfig::named("gaussian"))?;
    let mut shifted = DistConfig::named("gaussian");
    shifted.params.insert("std".into(), 2.0);
    shifted.params.insert("mean_x".into(), 1.0);
    shifted.params.insert("mean_y".into(), 1.0);
    let shifted = build_sampler(SpaceKind::Plane, &shifted)?;
    let mut rng = Rng::new(0);
    for k in [256usize, 1024, 4096] {
        let repetitions = if quick { 1 } else { (4096 / k).max(2) };
        let mut total_secs = 0.0;
        let mut total_cost = 0.0;
        for _ in 0..repetitions {
            let a = gaussian.sample(k, &mut rng);
            let b = shifted.sample(k, &mut rng);
            let start = Instant::now();
            let costs = CostMatrix::squared_geodesic(SpaceKind::Plane, &a, &b);
            let assignment = solve_assignment(&costs);
            total_secs += start.elapsed().as_secs_f64();
            total_cost += costs.mean_cost(&assignment);
        }
        ot_ms.insert(k.to_string(), total_secs * 1e3 / repetitions as f64);
        ot_cost.insert(k.to_string(), total_cost / repetitions as f64);
    }

    let session = Session::new(bench_scene(CouplingMethod::Independent), device)?;
    let (particles, steps) = (10_000, if quick { 20 } else { 100 });
    session.sample(particles, 0, Solver::Euler, 2, false)?;
    let start = Instant::now();
    session.sample(particles, 0, Solver::Euler, steps, false)?;
    let sample_particle_steps_per_sec = (particles * steps) as f64 / start.elapsed().as_secs_f64();

    Ok(BenchReport {
        train_steps_per_sec_independent,
        train_steps_per_sec_exact_ot,
        ot_ms,
        ot_cost,
        sample_particle_steps_per_sec,
    })
}
