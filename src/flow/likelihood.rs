//! Exact log-likelihoods of a trained flow (a continuous normalizing flow): along the learned
//! ODE, d/dt log p_t(x_t) = −div v(x_t, t), so
//! log q(x1) = log p0(x0) − ∫₀¹ div v(x_t, t) dt with x_t integrated backwards from x1. The
//! divergence is exact, one vector–Jacobian product per coordinate through burn's autodiff.
//! So far on the plane, where the chart is the space and the divergence is the Jacobian's trace.

use burn::tensor::{Device, Tensor, TensorData};

use super::VelocityField;
use crate::data::Points;
use crate::space::SpaceKind;
use crate::{Error, Result};

/// The velocity and its exact divergence at each point (rows of `x`, `dim` columns) at time
/// `t`, for a model living on an autodiff device.
pub fn velocity_and_divergence(
    model: &VelocityField,
    space: SpaceKind,
    x: &[f64],
    dim: usize,
    t: f64,
    device: &Device,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let n = x.len() / dim.max(1);
    let io = space.model();
    let row = model.time_features(&[t as f32]);
    let data: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let read = |tensor: Tensor<2>| -> Result<Vec<f64>> {
        let values: Vec<f32> = tensor
            .to_data()
            .try_to_vec()
            .map_err(|e| Error::Device(format!("could not read the divergence back: {e:?}")))?;
        Ok(values.into_iter().map(f64::from).collect())
    };
    let mut velocity = Vec::new();
    let mut divergence = vec![0.0; n];
    // A backward pass consumes its graph, so each coordinate gets a fresh forward pass.
    for i in 0..dim {
        let input =
            Tensor::<2>::from_data(TensorData::new(data.clone(), [n, dim]), device).require_grad();
        let time = Tensor::<2>::from_data(TensorData::new(row.repeat(n), [n, row.len()]), device);
        let v = io.velocity(
            input.clone(),
            model.guided(io.features(input.clone()), time, None, None),
        );
        if i == 0 {
            velocity = read(v.clone().detach())?;
        }
        let gradients = v.slice([0..n, i..i + 1]).sum().backward();
        let column = input
            .grad(&gradients)
            .ok_or_else(|| Error::Internal("the input has no gradient".into()))?
            .slice([0..n, i..i + 1]);
        for (total, value) in divergence.iter_mut().zip(read(column)?) {
            *total += value;
        }
    }
    Ok((velocity, divergence))
}

/// log q(x1) − log p0(x0) = −∫₀¹ div v dt for each of `points`, with the x0 each one came
/// from: the augmented ODE (ẋ, ż) = (v, div v) integrated from t = 1 (z = 0) back to t = 0 by
/// `steps` steps of RK4. `model` must live on the autodiff `device`.
pub fn log_density_change(
    model: &VelocityField,
    space: SpaceKind,
    points: &Points,
    steps: usize,
    device: &Device,
) -> Result<(Points, Vec<f64>)> {
    if space != SpaceKind::PLANE {
        return Err(Error::invalid(format!(
            "likelihoods are computed on the plane so far, not on the {}",
            space.name()
        )));
    }
    if steps == 0 {
        return Err(Error::invalid(
            "the number of solver steps must be at least 1",
        ));
    }
    let dim = points.dim();
    let mut x: Vec<f64> = points.iter().flatten().copied().collect();
    let mut z = vec![0.0; points.len()];
    let h = -1.0 / steps as f64;
    let field = |x: &[f64], t: f64| velocity_and_divergence(model, space, x, dim, t, device);
    let shifted = |x: &[f64], k: &[f64], s: f64| -> Vec<f64> {
        x.iter().zip(k).map(|(a, b)| a + s * b).collect()
    };
    for step in 0..steps {
        let t = 1.0 + step as f64 * h;
        let (v1, d1) = field(&x, t)?;
        let (v2, d2) = field(&shifted(&x, &v1, h / 2.0), t + h / 2.0)?;
        let (v3, d3) = field(&shifted(&x, &v2, h / 2.0), t + h / 2.0)?;
        let (v4, d4) = field(&shifted(&x, &v3, h), t + h)?;
        for (i, xi) in x.iter_mut().enumerate() {
            *xi += h / 6.0 * (v1[i] + 2.0 * v2[i] + 2.0 * v3[i] + v4[i]);
        }
        for (i, zi) in z.iter_mut().enumerate() {
            *zi += h / 6.0 * (d1[i] + 2.0 * d2[i] + 2.0 * d3[i] + d4[i]);
        }
        if let Some(bad) = x.iter().chain(&z).find(|v| !v.is_finite()) {
            return Err(Error::invalid(format!(
                "the backward flow produced a non-finite value ({bad}) at t = {:.3}; the model has diverged",
                t + h
            )));
        }
    }
    Ok((Points::new(dim, x, None), z))
}
