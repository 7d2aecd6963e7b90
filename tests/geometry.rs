//! Spaces: exp/log round trips, geodesic endpoints, tangent velocities, wrap-around, and the
//! batched tensor versions agreeing with the f64 reference.

use burn::tensor::{Device, Tensor, TensorData};
use flowscope::geometry::Scheduler;
use flowscope::rng::Rng;
use flowscope::space::SpaceKind;

const SPACES: [SpaceKind; 4] = [
    SpaceKind::PLANE,
    SpaceKind::SPHERE,
    SpaceKind::TORUS,
    SpaceKind::HYPERBOLIC,
];

fn close(a: &[f64], b: &[f64], tol: f64) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

/// Points equal on the space (angles compared modulo 2π on the torus).
fn same_point(space: SpaceKind, a: &[f64], b: &[f64], tol: f64) -> bool {
    space.geometry().distance(a, b) <= tol
}

fn random_pairs(space: SpaceKind, n: usize, seed: u64) -> Vec<(Vec<f64>, Vec<f64>)> {
    let geometry = space.geometry();
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let mut x = vec![0.0; geometry.dim()];
            let mut y = vec![0.0; geometry.dim()];
            geometry.sample_uniform(&mut rng, &mut x);
            geometry.sample_uniform(&mut rng, &mut y);
            (x, y)
        })
        .collect()
}

#[test]
fn exp_of_log_returns_the_target_on_every_space() {
    for space in SPACES {
        let geometry = space.geometry();
        for (x, y) in random_pairs(space, 500, 1) {
            let mut v = vec![0.0; geometry.dim()];
            let mut back = vec![0.0; geometry.dim()];
            geometry.log(&x, &y, &mut v);
            geometry.exp(&x, &v, &mut back);
            assert!(
                same_point(space, &back, &y, 1e-9),
                "{space:?}: exp(log) {back:?} != {y:?}"
            );
            // The Riemannian norm: the disk's metric is λ_x² times the chart's.
            let metric = if space == SpaceKind::HYPERBOLIC {
                flowscope::geometry::Hyperbolic::conformal_factor(&x)
            } else {
                1.0
            };
            let norm = metric * v.iter().map(|c| c * c).sum::<f64>().sqrt();
            assert!(
                (norm - geometry.distance(&x, &y)).abs() < 1e-9 * norm.max(1.0),
                "{space:?}: |log| is the distance ({norm} vs {})",
                geometry.distance(&x, &y)
            );
        }
    }
}

#[test]
fn interpolant_starts_at_x0_ends_at_x1_and_moves_tangentially() {
    for scheduler in [
        Scheduler::Linear,
        Scheduler::Cosine,
        Scheduler::Polynomial { exponent: 2.0 },
    ] {
        assert_eq!(scheduler.kappa(0.0), 0.0);
        assert!((scheduler.kappa(1.0) - 1.0).abs() < 1e-12);
        for space in SPACES {
            let geometry = space.geometry();
            let d = geometry.dim();
            for (x0, x1) in random_pairs(space, 200, 2) {
                let (mut xt, mut ut) = (vec![0.0; d], vec![0.0; d]);
                geometry.interpolate(
                    &x0,
                    &x1,
                    scheduler.kappa(0.0),
                    scheduler.dkappa(0.0),
                    &mut xt,
                    &mut ut,
                );
                assert!(same_point(space, &xt, &x0, 1e-9));
                geometry.interpolate(
                    &x0,
                    &x1,
                    scheduler.kappa(1.0),
                    scheduler.dkappa(1.0),
                    &mut xt,
                    &mut ut,
                );
                assert!(
                    same_point(space, &xt, &x1, 1e-7),
                    "{space:?} {scheduler:?}: end {xt:?} != {x1:?}"
                );
                // Velocity: tangent and equal to a finite difference of the path.
                let t = 0.37;
                geometry.interpolate(
                    &x0,
                    &x1,
                    scheduler.kappa(t),
                    scheduler.dkappa(t),
                    &mut xt,
                    &mut ut,
                );
                let mut projected = ut.clone();
                geometry.project_tangent(&xt, &mut projected);
                assert!(
                    close(&projected, &ut, 1e-9),
                    "{space:?}: velocity not tangent"
                );
                let h = 1e-6;
                let (mut ahead, mut unused) = (vec![0.0; d], vec![0.0; d]);
                geometry.interpolate(
                    &x0,
                    &x1,
                    scheduler.kappa(t + h),
                    0.0,
                    &mut ahead,
                    &mut unused,
                );
                let mut difference = vec![0.0; d];
                geometry.log(&xt, &ahead, &mut difference);
                let numeric: Vec<f64> = difference.iter().map(|c| c / h).collect();
                assert!(
                    close(&numeric, &ut, 1e-4),
                    "{space:?}: u_t {ut:?} vs finite difference {numeric:?}"
                );
            }
        }
    }
}

#[test]
fn torus_geodesics_wrap_around_the_seam() {
    let torus = SpaceKind::TORUS.geometry();
    let (x, y) = ([0.1, 6.2], [6.2, 0.1]);
    let mut v = [0.0; 2];
    torus.log(&x, &y, &mut v);
    // The short way crosses the seam: about −0.183 in θ and +0.183 in φ.
    assert!(
        v[0] < 0.0 && v[0] > -0.2 && v[1] > 0.0 && v[1] < 0.2,
        "log took the long way: {v:?}"
    );
    let mut mid = [0.0; 2];
    let mut u = [0.0; 2];
    torus.interpolate(&x, &y, 0.9, 1.0, &mut mid, &mut u);
    assert!(
        mid.iter().all(|a| (0.0..std::f64::consts::TAU).contains(a)),
        "angles stay in [0, 2π): {mid:?}"
    );
    assert!(
        mid[0] > 6.0 && mid[1] < 0.2,
        "both angles have crossed the seam: {mid:?}"
    );
    let mut far = [0.0; 2];
    torus.exp(&[6.0, 0.5], &[1.0, -1.0], &mut far);
    assert!(
        (far[0] - (7.0 - std::f64::consts::TAU)).abs() < 1e-12
            && (far[1] - (std::f64::consts::TAU - 0.5)).abs() < 1e-12
    );
}

#[test]
fn sphere_exp_and_log_handle_tiny_and_antipodal_cases() {
    let sphere = SpaceKind::SPHERE.geometry();
    let x = [0.0, 0.0, 1.0];
    let mut out = [0.0; 3];
    sphere.exp(&x, &[0.0, 0.0, 0.0], &mut out);
    assert!(close(&out, &x, 1e-15));
    let mut v = [0.0; 3];
    sphere.log(&x, &x, &mut v);
    assert!(v.iter().all(|c| c.abs() < 1e-12 && c.is_finite()));
    // Half a turn along the equator direction lands on the antipode.
    sphere.exp(&x, &[std::f64::consts::PI, 0.0, 0.0], &mut out);
    assert!(close(&out, &[0.0, 0.0, -1.0], 1e-12));
    assert!((sphere.distance(&x, &[0.0, 0.0, -1.0]) - std::f64::consts::PI).abs() < 1e-12);
}

fn tensor(data: &[Vec<f64>], device: &Device) -> Tensor<2> {
    let n = data.len();
    let d = data[0].len();
    let flat: Vec<f32> = data.iter().flatten().map(|&v| v as f32).collect();
    Tensor::from_data(TensorData::new(flat, [n, d]), device)
}

fn rows(t: Tensor<2>) -> Vec<Vec<f64>> {
    let d = t.dims()[1];
    let values: Vec<f32> = t.into_data().try_to_vec().expect("f32 tensor");
    values
        .chunks(d)
        .map(|r| r.iter().map(|&v| v as f64).collect())
        .collect()
}

#[test]
fn batched_tensor_maps_agree_with_the_f64_reference() {
    let device = Device::flex();
    for space in SPACES {
        let geometry = space.geometry();
        let d = geometry.dim();
        let pairs = random_pairs(space, 64, 3);
        let x0: Vec<Vec<f64>> = pairs.iter().map(|p| p.0.clone()).collect();
        let x1: Vec<Vec<f64>> = pairs.iter().map(|p| p.1.clone()).collect();
        let kappa: Vec<Vec<f64>> = (0..64).map(|i| vec![i as f64 / 63.0]).collect();
        let dkappa: Vec<Vec<f64>> = (0..64).map(|_| vec![1.0]).collect();
        let (xt, ut) = geometry.interpolate_tensor(
            tensor(&x0, &device),
            tensor(&x1, &device),
            tensor(&kappa, &device),
            tensor(&dkappa, &device),
        );
        let logs = rows(geometry.log_tensor(tensor(&x0, &device), tensor(&x1, &device)));
        let exps = rows(geometry.exp_tensor(tensor(&x0, &device), tensor(&logs, &device)));
        for (i, ((xt, ut), (log, exp))) in rows(xt)
            .iter()
            .zip(rows(ut))
            .zip(logs.iter().zip(&exps))
            .enumerate()
        {
            let (mut ref_xt, mut ref_ut, mut ref_log) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
            geometry.interpolate(&x0[i], &x1[i], kappa[i][0], 1.0, &mut ref_xt, &mut ref_ut);
            geometry.log(&x0[i], &x1[i], &mut ref_log);
            assert!(
                same_point(space, xt, &ref_xt, 1e-4),
                "{space:?} x_t {xt:?} vs {ref_xt:?}"
            );
            assert!(
                close(&ut, &ref_ut, 2e-3),
                "{space:?} u_t {ut:?} vs {ref_ut:?}"
            );
            assert!(
                close(log, &ref_log, 1e-4),
                "{space:?} log {log:?} vs {ref_log:?}"
            );
            assert!(
                same_point(space, exp, &x1[i], 1e-3),
                "{space:?} exp(log) {exp:?} vs {:?}",
                x1[i]
            );
        }
    }
}

#[test]
fn tensor_tangent_projection_removes_the_normal_component() {
    let device = Device::flex();
    let sphere = SpaceKind::SPHERE.geometry();
    let x = tensor(&[vec![0.0, 0.0, 1.0], vec![1.0, 0.0, 0.0]], &device);
    let v = tensor(&[vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]], &device);
    let projected = rows(sphere.project_tangent_tensor(x, v));
    assert!(close(&projected[0], &[1.0, 2.0, 0.0], 1e-6));
    assert!(close(&projected[1], &[0.0, 5.0, 6.0], 1e-6));
}
