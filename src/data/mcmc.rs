//! Metropolis sampling of a particle system's Boltzmann density exp(−E(x)) at temperature 1:
//! several independent chains, each started from its own draw, a burn-in during which the
//! proposal width adapts towards a target acceptance, then sweeps kept every `thin`-th one.
//! Seeded and deterministic; the chains run on all cores, each with its own stream.

use crate::geometry::Cloud;
use crate::rng::Rng;

/// How a system is sampled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct McmcConfig {
    pub chains: usize,
    /// Sweeps (one proposed move per particle) discarded at the start of each chain.
    pub burn_in: usize,
    /// Sweeps between kept configurations.
    pub thin: usize,
    /// Configurations kept in all, spread evenly over the chains.
    pub samples: usize,
    /// Proposal width a chain starts its burn-in with.
    pub step: f64,
    pub seed: u64,
}

/// The configurations kept and how well the chains mixed.
#[derive(Debug, Clone)]
pub struct McmcRun {
    pub config: McmcConfig,
    /// Mean-free configurations, `samples × n·d`, chain after chain.
    pub samples: Vec<f64>,
    /// Their energies.
    pub energies: Vec<f64>,
    /// Accepted moves after burn-in, as a fraction of proposals.
    pub acceptance: f64,
    /// Integrated autocorrelation time of the energy, in sweeps, averaged over chains.
    pub autocorrelation_sweeps: f64,
}

impl McmcRun {
    /// Roughly independent configurations: the kept sweeps over the autocorrelation time.
    pub fn effective_samples(&self) -> f64 {
        let sweeps = (self.energies.len() * self.config.thin) as f64;
        (sweeps / self.autocorrelation_sweeps.max(1.0)).min(self.energies.len() as f64)
    }

    /// One line on the chains: how many, their acceptance and autocorrelation.
    pub fn summary(&self) -> String {
        let mean = self.energies.iter().sum::<f64>() / self.energies.len().max(1) as f64;
        format!(
            "{} Metropolis chains, {} burn-in and {} sweeps between kept configurations; acceptance {:.2}, energy autocorrelation {:.1} sweeps, {} configurations (about {:.0} independent), mean energy {:.2}",
            self.config.chains,
            self.config.burn_in,
            self.config.thin,
            self.acceptance,
            self.autocorrelation_sweeps,
            self.energies.len(),
            self.effective_samples(),
            mean
        )
    }
}

/// The acceptance the burn-in steers the proposal width towards.
const TARGET_ACCEPTANCE: f64 = 0.4;

/// One chain's output.
struct Chain {
    samples: Vec<f64>,
    energies: Vec<f64>,
    accepted: usize,
    proposed: usize,
    autocorrelation_sweeps: f64,
}

/// Samples `exp(−energy)` on `cloud` with `config`; `start` draws a chain's first
/// configuration.
pub fn metropolis(
    cloud: Cloud,
    energy: fn(&Cloud, &[f64]) -> f64,
    start: fn(&Cloud, &mut Rng, &mut [f64]),
    config: &McmcConfig,
) -> McmcRun {
    let chains = config.chains.max(1);
    let per_chain = config.samples.div_ceil(chains).max(1);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let run_chain = |index: usize| -> Chain {
        let mut rng = Rng::stream(config.seed, &format!("mcmc-chain-{index}"));
        run_one_chain(cloud, energy, start, config, per_chain, &mut rng)
    };
    let mut results: Vec<(usize, Chain)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores)
            .map(|worker| {
                let run_chain = &run_chain;
                scope.spawn(move || {
                    (worker..chains)
                        .step_by(cores)
                        .map(|index| (index, run_chain(index)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    results.sort_by_key(|(index, _)| *index);
    let dim = cloud.n * cloud.d;
    let mut run = McmcRun {
        config: *config,
        samples: Vec::with_capacity(config.samples * dim),
        energies: Vec::with_capacity(config.samples),
        acceptance: 0.0,
        autocorrelation_sweeps: 0.0,
    };
    let (mut accepted, mut proposed) = (0, 0);
    for (_, chain) in &results {
        run.samples.extend_from_slice(&chain.samples);
        run.energies.extend_from_slice(&chain.energies);
        accepted += chain.accepted;
        proposed += chain.proposed;
        run.autocorrelation_sweeps += chain.autocorrelation_sweeps / chains as f64;
    }
    run.samples.truncate(config.samples * dim);
    run.energies.truncate(config.samples);
    run.acceptance = accepted as f64 / proposed.max(1) as f64;
    run
}

fn run_one_chain(
    cloud: Cloud,
    energy: fn(&Cloud, &[f64]) -> f64,
    start: fn(&Cloud, &mut Rng, &mut [f64]),
    config: &McmcConfig,
    kept: usize,
    rng: &mut Rng,
) -> Chain {
    let (n, d) = (cloud.n, cloud.d);
    let mut x = vec![0.0; n * d];
    start(&cloud, rng, &mut x);
    let mut e = energy(&cloud, &x);
    let mut step = config.step;
    let mut old = vec![0.0; d];
    let mut chain = Chain {
        samples: Vec::with_capacity(kept * n * d),
        energies: Vec::with_capacity(kept),
        accepted: 0,
        proposed: 0,
        autocorrelation_sweeps: 1.0,
    };
    let thin = config.thin.max(1);
    let total_sweeps = config.burn_in + kept * thin;
    let mut trace = Vec::with_capacity(kept * thin);
    let mut window_accepted = 0;
    for sweep in 0..total_sweeps {
        let burning = sweep < config.burn_in;
        for i in 0..n {
            let particle = &mut x[i * d..][..d];
            old.copy_from_slice(particle);
            for v in particle.iter_mut() {
                *v += step * rng.normal();
            }
            let proposed = energy(&cloud, &x);
            let delta = proposed - e;
            let accept = delta <= 0.0 || rng.uniform() < (-delta).exp();
            if accept && proposed.is_finite() {
                e = proposed;
                window_accepted += 1;
                if !burning {
                    chain.accepted += 1;
                }
            } else {
                x[i * d..][..d].copy_from_slice(&old);
            }
            if !burning {
                chain.proposed += 1;
            }
        }
        // Every 20 burn-in sweeps the width moves towards the target acceptance.
        if burning && (sweep + 1) % 20 == 0 {
            let rate = window_accepted as f64 / (20 * n) as f64;
            step *= (1.0 + (rate - TARGET_ACCEPTANCE)).clamp(0.5, 1.5);
            window_accepted = 0;
        }
        if burning {
            continue;
        }
        trace.push(e);
        if (sweep - config.burn_in + 1).is_multiple_of(thin) {
            let start = chain.samples.len();
            chain.samples.extend_from_slice(&x);
            cloud.remove_centre(&mut chain.samples[start..]);
            chain.energies.push(e);
        }
    }
    chain.autocorrelation_sweeps = integrated_autocorrelation(&trace);
    chain
}

/// τ = 1 + 2 Σ_k ρ_k, summed while the autocorrelation stays positive (Geyer's initial
/// positive sequence, in its simplest form); 1 for a trace too short to tell.
pub fn integrated_autocorrelation(trace: &[f64]) -> f64 {
    let n = trace.len();
    if n < 4 {
        return 1.0;
    }
    let mean = trace.iter().sum::<f64>() / n as f64;
    let centred: Vec<f64> = trace.iter().map(|v| v - mean).collect();
    let variance = centred.iter().map(|v| v * v).sum::<f64>() / n as f64;
    if variance <= 0.0 {
        return 1.0;
    }
    let mut tau = 1.0;
    for lag in 1..n / 2 {
        let rho = centred[..n - lag]
            .iter()
            .zip(&centred[lag..])
            .map(|(a, b)| a * b)
            .sum::<f64>()
            / (n as f64 * variance);
        if rho <= 0.0 {
            break;
        }
        tau += 2.0 * rho;
    }
    tau
}
