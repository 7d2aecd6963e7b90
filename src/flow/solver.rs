//! ODE solvers for sampling: dx/dt = v_θ(x, t) from t = 0 to 1, stepping through the space's
//! exp map so every state lies on the space.

use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::{Guidance, VelocityField};
use crate::data::Points;
use crate::space::SpaceKind;
use crate::{Error, Result};

/// Integration scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Solver {
    Euler,
    Midpoint,
    Rk4,
    /// Adaptive Dormand–Prince 5(4), plane only; `steps` sets the recorded time grid.
    Dopri5,
}

/// Tolerances of the adaptive solver.
const DOPRI_RTOL: f32 = 1e-5;
const DOPRI_ATOL: f32 = 1e-5;

/// The result of integrating a batch of particles.
pub struct Integration {
    pub n: usize,
    pub dim: usize,
    /// States at t = k/steps for k = 0..=steps, row-major `[steps + 1, n, dim]`
    /// (only the first and last state when trajectories were not requested).
    pub trajectory: Vec<f32>,
    /// Recorded time of each state in `trajectory`.
    pub times: Vec<f64>,
    /// Network evaluations per particle.
    pub nfe: usize,
    /// Mean over particles of Σ_k |step velocity|²·h: the path energy ∫|ẋ|² dt.
    pub path_energy: f64,
    /// Mean over particles of Σ_k |step velocity|·h: the path length ∫|ẋ| dt.
    pub path_length: f64,
}

impl Integration {
    /// The last recorded state.
    pub fn final_points(&self) -> Points {
        let size = self.n * self.dim;
        let last = &self.trajectory[self.trajectory.len() - size..];
        Points::new(self.dim, last.iter().map(|&v| v as f64).collect(), None)
    }
}

/// What particles are conditioned on while they are integrated.
#[derive(Debug, Clone, Copy, Default)]
pub struct Conditioning<'a> {
    /// Classifier-free guidance; without it the unconditional field.
    pub guidance: Option<&'a Guidance>,
    /// The observation each particle restores (paired data, conditional-model approach).
    pub observation: Option<&'a Points>,
}

impl Conditioning<'_> {
    /// The observations' model features on `device`. # Shapes: `[N, F]`
    fn observation_features(&self, space: SpaceKind, device: &Device) -> Option<Tensor<2>> {
        self.observation.map(|points| {
            let y = Tensor::<2>::from_data(
                TensorData::new(points.to_f32(), [points.len(), points.dim()]),
                device,
            );
            space.model().features(y)
        })
    }
}

/// The model's velocity (a tangent vector) at each of `points` at time `t`, as f64 rows.
pub fn velocity_at(
    model: &VelocityField,
    space: SpaceKind,
    points: &Points,
    t: f64,
    conditioning: Conditioning,
    device: &Device,
) -> Result<Vec<f64>> {
    let (n, dim) = (points.len(), points.dim());
    let io = space.model();
    let x = Tensor::<2>::from_data(TensorData::new(points.to_f32(), [n, dim]), device);
    let row = model.time_features(&[t as f32]);
    let time = Tensor::<2>::from_data(TensorData::new(row.repeat(n), [n, row.len()]), device);
    let raw = model.guided(
        io.features(x.clone()),
        time,
        conditioning.guidance,
        conditioning.observation_features(space, device),
    );
    let velocity: Vec<f32> = io
        .velocity(x, raw)
        .to_data()
        .try_to_vec()
        .map_err(|e| Error::Device(format!("could not read velocities back: {e:?}")))?;
    Ok(velocity.into_iter().map(f64::from).collect())
}

/// Integrates `x0` with `steps` steps of `solver` under `conditioning` (by default the
/// unconditional field, the null label of a conditional model). Keeps every step when
/// `record_trajectory` is set.
#[allow(clippy::too_many_arguments)]
pub fn integrate(
    model: &VelocityField,
    space: SpaceKind,
    x0: &Points,
    solver: Solver,
    steps: usize,
    conditioning: Conditioning,
    record_trajectory: bool,
    device: &Device,
) -> Result<Integration> {
    if steps == 0 {
        return Err(Error::invalid(
            "the number of solver steps must be at least 1",
        ));
    }
    if solver == Solver::Dopri5 && !space.geometry().is_euclidean() {
        return Err(Error::invalid(format!(
            "dopri5 integrates in flat spaces only (the plane, point clouds); use euler, midpoint or rk4 on the {}",
            space.name()
        )));
    }
    let (geometry, io) = (space.geometry(), space.model());
    let (n, dim) = (x0.len(), x0.dim());
    if conditioning.observation.is_some_and(|y| y.len() != n) {
        return Err(Error::invalid(
            "every particle needs its own observation to be restored",
        ));
    }
    let observation = conditioning.observation_features(space, device);
    let velocity = |x: &Tensor<2>, t: f64| -> Tensor<2> {
        let row = model.time_features(&[t as f32]);
        let time = Tensor::<2>::from_data(TensorData::new(row.repeat(n), [n, row.len()]), device);
        let raw = model.guided(
            io.features(x.clone()),
            time,
            conditioning.guidance,
            observation.clone(),
        );
        io.velocity(x.clone(), raw)
    };
    let mut x = Tensor::<2>::from_data(TensorData::new(x0.to_f32(), [n, dim]), device);
    let mut trajectory = x0.to_f32();
    let mut times = vec![0.0];
    let mut energy = Tensor::<1>::zeros([1], device);
    let mut length = Tensor::<1>::zeros([1], device);
    let mut nfe = 0;
    let h = 1.0 / steps as f64;
    for k in 0..steps {
        let t = k as f64 * h;
        let (next, step_velocity, evaluations) = match solver {
            Solver::Euler => {
                let v = velocity(&x, t);
                (geometry.exp_tensor(x.clone(), v.clone() * h), v, 1)
            }
            Solver::Midpoint => {
                let v1 = velocity(&x, t);
                let mid = geometry.exp_tensor(x.clone(), v1 * (h / 2.0));
                let v2 = geometry.project_tangent_tensor(x.clone(), velocity(&mid, t + h / 2.0));
                (geometry.exp_tensor(x.clone(), v2.clone() * h), v2, 2)
            }
            Solver::Rk4 => {
                let at = |v: Tensor<2>, s: f64| geometry.exp_tensor(x.clone(), v * s);
                let k1 = velocity(&x, t);
                let k2 = geometry.project_tangent_tensor(
                    x.clone(),
                    velocity(&at(k1.clone(), h / 2.0), t + h / 2.0),
                );
                let k3 = geometry.project_tangent_tensor(
                    x.clone(),
                    velocity(&at(k2.clone(), h / 2.0), t + h / 2.0),
                );
                let k4 =
                    geometry.project_tangent_tensor(x.clone(), velocity(&at(k3.clone(), h), t + h));
                let v = (k1 + k2 * 2.0 + k3 * 2.0 + k4) / 6.0;
                (geometry.exp_tensor(x.clone(), v.clone() * h), v, 4)
            }
            Solver::Dopri5 => {
                let (next, evaluations) = dopri5_interval(&velocity, x.clone(), t, t + h)?;
                let v = (next.clone() - x.clone()) / h;
                (next, v, evaluations)
            }
        };
        nfe += evaluations;
        let squared_speed = geometry.squared_norm_tensor(x.clone(), step_velocity);
        length = length + squared_speed.clone().sqrt().sum().reshape([1]) * (h / n as f64);
        energy = energy + squared_speed.sum().reshape([1]) * (h / n as f64);
        x = next;
        if record_trajectory || k + 1 == steps {
            let state: Vec<f32> = x
                .to_data()
                .try_to_vec()
                .map_err(|e| Error::Device(format!("could not read particles back: {e:?}")))?;
            if let Some(bad) = state.iter().find(|v| !v.is_finite()) {
                return Err(Error::invalid(format!(
                    "the flow produced a non-finite position ({bad}) at t = {:.3}; the model has diverged",
                    t + h
                )));
            }
            trajectory.extend_from_slice(&state);
            times.push(t + h);
        }
    }
    let path_energy = energy.into_scalar::<f32>() as f64;
    let path_length = length.into_scalar::<f32>() as f64;
    Ok(Integration {
        n,
        dim,
        trajectory,
        times,
        nfe,
        path_energy,
        path_length,
    })
}

/// Dormand–Prince 5(4): the stages' times and weights.
pub(super) const DOPRI_C: [f64; 6] = [1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0];
pub(super) const DOPRI_A: [&[f64]; 6] = [
    &[1.0 / 5.0],
    &[3.0 / 40.0, 9.0 / 40.0],
    &[44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0],
    &[
        19372.0 / 6561.0,
        -25360.0 / 2187.0,
        64448.0 / 6561.0,
        -212.0 / 729.0,
    ],
    &[
        9017.0 / 3168.0,
        -355.0 / 33.0,
        46732.0 / 5247.0,
        49.0 / 176.0,
        -5103.0 / 18656.0,
    ],
    &[
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
    ],
];
/// Fifth-order weights are the last row of `DOPRI_A`; these are fifth minus fourth order.
pub(super) const DOPRI_E: [f64; 7] = [
    71.0 / 57600.0,
    0.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
];

/// Adaptive Dormand–Prince from `t0` to `t1` (the plane's exp map is addition).
fn dopri5_interval(
    velocity: &dyn Fn(&Tensor<2>, f64) -> Tensor<2>,
    mut x: Tensor<2>,
    t0: f64,
    t1: f64,
) -> Result<(Tensor<2>, usize)> {
    let mut t = t0;
    let mut h = t1 - t0;
    let mut evaluations = 0;
    let mut k1 = velocity(&x, t);
    evaluations += 1;
    for _ in 0..10_000 {
        if t >= t1 - 1e-12 {
            return Ok((x, evaluations));
        }
        h = h.min(t1 - t);
        let mut stages = vec![k1.clone()];
        for (row, c) in DOPRI_A.iter().zip(DOPRI_C) {
            let mut state = x.clone();
            for (a, k) in row.iter().zip(&stages) {
                if *a != 0.0 {
                    state = state + k.clone() * (h * a);
                }
            }
            stages.push(velocity(&state, t + c * h));
            evaluations += 1;
            if stages.len() == 7 {
                // The 7th stage is evaluated at the fifth-order solution (first-same-as-last).
                let error = stages
                    .iter()
                    .zip(DOPRI_E)
                    .filter(|(_, e)| *e != 0.0)
                    .map(|(k, e)| k.clone() * (h * e))
                    .reduce(|a, b| a + b)
                    .expect("Dormand–Prince has non-zero error weights");
                let scale = x.clone().abs().max_pair(state.clone().abs()) * DOPRI_RTOL + DOPRI_ATOL;
                let ratio: f32 = (error / scale).abs().max().into_scalar();
                if !ratio.is_finite() {
                    return Err(Error::invalid(
                        "the flow produced non-finite positions; the model has diverged",
                    ));
                }
                if ratio <= 1.0 {
                    t += h;
                    x = state;
                    k1 = stages.pop().expect("seven stages");
                }
                let factor = if ratio == 0.0 {
                    5.0
                } else {
                    (0.9 * (1.0 / ratio as f64).powf(0.2)).clamp(0.2, 5.0)
                };
                h *= factor;
                break;
            }
        }
    }
    Err(Error::invalid(
        "dopri5 did not reach the end of the interval in 10000 steps",
    ))
}
