//! Couplings: exact OT is a permutation with the optimal cost, Sinkhorn has the right
//! marginals, k = 1 is the independent coupling, and pairs are served as DESIGN.md says.

use flowscope::coupling::{
    AssignmentCosts, CostMatrix, CouplingConfig, CouplingMethod, PairStream, PlanarCosts,
    SinkhornPlan, couple, mean_pair_cost, optimal_assignment, solve_assignment,
};
use flowscope::data::{DistConfig, Points, build_sampler};
use flowscope::rng::Rng;
use flowscope::space::SpaceKind;

fn sample(space: SpaceKind, name: &str, n: usize, seed: u64) -> Points {
    build_sampler(space, &DistConfig::named(name))
        .expect("known distribution")
        .sample(n, &mut Rng::new(seed))
}

fn is_permutation(assignment: &[usize]) -> bool {
    let mut seen = vec![false; assignment.len()];
    assignment
        .iter()
        .all(|&j| j < seen.len() && !std::mem::replace(&mut seen[j], true))
}

fn total(cost: &CostMatrix, assignment: &[usize]) -> f64 {
    assignment
        .iter()
        .enumerate()
        .map(|(i, &j)| cost.get(i, j) as f64)
        .sum()
}

/// Minimum over all permutations, by enumeration.
fn brute_force(cost: &CostMatrix) -> f64 {
    fn search(cost: &CostMatrix, row: usize, used: &mut Vec<bool>, partial: f64, best: &mut f64) {
        if row == cost.n() {
            *best = best.min(partial);
            return;
        }
        for j in 0..cost.n() {
            if !used[j] {
                used[j] = true;
                search(cost, row + 1, used, partial + cost.get(row, j) as f64, best);
                used[j] = false;
            }
        }
    }
    let mut best = f64::INFINITY;
    search(cost, 0, &mut vec![false; cost.n()], 0.0, &mut best);
    best
}

/// An independent exact solver: the O(n³) Hungarian method with potentials.
fn hungarian(cost: &CostMatrix) -> f64 {
    let n = cost.n();
    let (mut u, mut v) = (vec![0.0f64; n + 1], vec![0.0f64; n + 1]);
    let (mut p, mut way) = (vec![0usize; n + 1], vec![0usize; n + 1]);
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![f64::INFINITY; n + 1];
        let mut used = vec![false; n + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let (mut delta, mut j1) = (f64::INFINITY, 0);
            for j in 1..=n {
                if !used[j] {
                    let cur = cost.get(i0 - 1, j - 1) as f64 - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=n {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    (1..=n).map(|j| cost.get(p[j] - 1, j - 1) as f64).sum()
}

#[test]
fn exact_ot_is_optimal_against_brute_force_for_small_k() {
    for space in [SpaceKind::PLANE, SpaceKind::SPHERE, SpaceKind::TORUS] {
        for (k, seed) in [(1, 0), (2, 1), (3, 2), (5, 3), (7, 4), (8, 5)] {
            let (source, target) = if space == SpaceKind::PLANE {
                ("gaussian", "moons")
            } else {
                ("uniform", "uniform")
            };
            let a = sample(space, source, k, seed);
            let b = sample(space, target, k, seed + 100);
            let cost = CostMatrix::squared_geodesic(space, &a, &b);
            let assignment = solve_assignment(&cost);
            assert!(
                is_permutation(&assignment),
                "{space:?} k={k}: not a permutation"
            );
            let optimum = brute_force(&cost);
            assert!(
                total(&cost, &assignment) <= optimum * (1.0 + 1e-9) + 1e-12,
                "{space:?} k={k}: not optimal"
            );
        }
    }
}

#[test]
fn exact_ot_matches_the_hungarian_method_on_geometric_costs() {
    for (space, source, target, k) in [
        (SpaceKind::PLANE, "gaussian", "8gaussians", 300),
        (SpaceKind::PLANE, "gaussian", "moons", 257),
        (SpaceKind::SPHERE, "uniform", "vmf", 200),
        (SpaceKind::TORUS, "uniform", "wrapped_gaussians", 200),
    ] {
        let a = sample(space, source, k, 7);
        let b = sample(space, target, k, 8);
        let cost = CostMatrix::squared_geodesic(space, &a, &b);
        let assignment = optimal_assignment(space, &a, &b);
        assert!(is_permutation(&assignment));
        let ours = total(&cost, &assignment);
        let reference = hungarian(&cost);
        assert!(
            (ours - reference).abs() <= 1e-6 * reference,
            "{space:?}: {ours} vs Hungarian {reference}"
        );
    }
}

#[test]
fn exact_ot_handles_ties_and_identical_points() {
    let n = 50;
    let same = Points::new(2, vec![1.0; 2 * n], None);
    let cost = CostMatrix::squared_geodesic(SpaceKind::PLANE, &same, &same);
    assert!(is_permutation(&solve_assignment(&cost)));
    assert!(is_permutation(&optimal_assignment(
        SpaceKind::PLANE,
        &same,
        &same
    )));
    // A grid matched to itself: the identity is the unique zero-cost answer.
    let grid: Vec<f64> = (0..n)
        .flat_map(|i| [(i % 10) as f64, (i / 10) as f64])
        .collect();
    let grid = Points::new(2, grid, None);
    let cost = CostMatrix::squared_geodesic(SpaceKind::PLANE, &grid, &grid);
    let assignment = solve_assignment(&cost);
    assert_eq!(assignment, (0..n).collect::<Vec<_>>());
    let assignment = optimal_assignment(SpaceKind::PLANE, &grid, &grid);
    assert_eq!(assignment, (0..n).collect::<Vec<_>>());
}

#[test]
fn exact_ot_matches_the_hungarian_method_on_larger_and_tied_problems() {
    // The benchmark's problem at k = 1024: two coarse levels before the full one.
    let a = sample(SpaceKind::PLANE, "gaussian", 1024, 11);
    let b: Vec<f64> = sample(SpaceKind::PLANE, "gaussian", 1024, 12)
        .data()
        .iter()
        .map(|&x| 1.0 + 2.0 * x)
        .collect();
    let b = Points::new(2, b, None);
    // Few distinct costs: many optimal assignments and long runs of equal values per row.
    let mut rng = Rng::new(13);
    let tied: Vec<f32> = (0..600 * 600).map(|_| rng.below(5) as f32).collect();
    let tied = CostMatrix::from_values(600, tied);
    let tied_assignment = solve_assignment(&tied);
    let plane = CostMatrix::squared_geodesic(SpaceKind::PLANE, &a, &b);
    for (cost, assignment) in [
        (plane, optimal_assignment(SpaceKind::PLANE, &a, &b)),
        (tied, tied_assignment),
    ] {
        assert!(is_permutation(&assignment));
        let (ours, reference) = (total(&cost, &assignment), hungarian(&cost));
        assert!(
            (ours - reference).abs() <= 1e-6 * reference.max(1.0),
            "n = {}: {ours} vs Hungarian {reference}",
            cost.n()
        );
    }
}

#[test]
fn costs_computed_on_demand_equal_the_dense_matrix_and_stay_optimal_far_from_the_origin() {
    let torus_a = sample(SpaceKind::TORUS, "uniform", 300, 16);
    let torus_b = sample(SpaceKind::TORUS, "wrapped_gaussians", 300, 17);
    // A wide cloud far from the origin: the f32 rows are far coarser than the entries.
    let far = |seed| {
        let points = sample(SpaceKind::PLANE, "8gaussians", 300, seed);
        let moved: Vec<f64> = points.data().iter().map(|&x| 5e4 + 300.0 * x).collect();
        Points::new(2, moved, None)
    };
    let (far_a, far_b) = (far(18), far(19));
    for (space, a, b, on_demand) in [
        (
            SpaceKind::TORUS,
            &torus_a,
            &torus_b,
            PlanarCosts::torus(&torus_a, &torus_b),
        ),
        (
            SpaceKind::PLANE,
            &far_a,
            &far_b,
            PlanarCosts::plane(&far_a, &far_b),
        ),
    ] {
        let dense = CostMatrix::squared_geodesic(space, a, b);
        for i in 0..300 {
            for j in 0..300 {
                let (d, o) = (dense.get(i, j), on_demand.get(i, j));
                assert!((d - o).abs() <= 1e-5 * d.max(1.0), "({i}, {j}): {d} vs {o}");
                assert!(o <= on_demand.max());
            }
        }
        let assignment = optimal_assignment(space, a, b);
        assert!(is_permutation(&assignment));
        let (ours, reference) = (total(&dense, &assignment), hungarian(&dense));
        assert!(
            (ours - reference).abs() <= 1e-6 * reference,
            "{space:?}: {ours} vs Hungarian {reference}"
        );
    }
}

#[test]
fn torus_costs_wrap_angles_given_outside_their_range() {
    let a = sample(SpaceKind::TORUS, "uniform", 40, 14);
    let b = sample(SpaceKind::TORUS, "uniform", 40, 15);
    let shifted: Vec<f64> = b
        .data()
        .iter()
        .enumerate()
        .map(|(i, &x)| x + [-2.0, 1.0, 3.0][i % 3] * std::f64::consts::TAU)
        .collect();
    let shifted = Points::new(2, shifted, None);
    let wrapped = CostMatrix::squared_geodesic(SpaceKind::TORUS, &a, &b);
    let unwrapped = CostMatrix::squared_geodesic(SpaceKind::TORUS, &a, &shifted);
    for i in 0..40 {
        for j in 0..40 {
            let (w, u) = (wrapped.get(i, j), unwrapped.get(i, j));
            assert!((w - u).abs() <= 1e-4 * w.max(1.0), "({i}, {j}): {w} vs {u}");
            assert!(w <= 2.0 * std::f32::consts::PI.powi(2) + 1e-4);
        }
    }
}

#[test]
fn ot_pairs_cost_less_than_independent_pairs() {
    let a = sample(SpaceKind::PLANE, "gaussian", 512, 1);
    let b = sample(SpaceKind::PLANE, "8gaussians", 512, 2);
    let mut rng = Rng::new(0);
    let exact = couple(
        SpaceKind::PLANE,
        CouplingMethod::Exact,
        0.05,
        &a,
        &b,
        &mut rng,
    );
    let independent = mean_pair_cost(SpaceKind::PLANE, &a, &b);
    assert!(
        exact.cost < 0.6 * independent,
        "OT {} vs independent {independent}",
        exact.cost
    );
}

#[test]
fn sinkhorn_plan_has_uniform_marginals() {
    let a = sample(SpaceKind::PLANE, "gaussian", 64, 1);
    let b = sample(SpaceKind::PLANE, "moons", 64, 2);
    let cost = CostMatrix::squared_geodesic(SpaceKind::PLANE, &a, &b);
    let plan = SinkhornPlan::solve(&cost, 0.5);
    let n = 64;
    for i in 0..n {
        let row: f64 = (0..n).map(|j| plan.plan(&cost, i, j)).sum();
        let column: f64 = (0..n).map(|j| plan.plan(&cost, j, i)).sum();
        assert!((row - 1.0 / n as f64).abs() < 1e-6, "row {i} sums to {row}");
        assert!(
            (column - 1.0 / n as f64).abs() < 1e-6,
            "column {i} sums to {column}"
        );
    }
    // Small ε concentrates the plan on the exact OT matching.
    let sharp = SinkhornPlan::solve(&cost, 0.01);
    let columns = sharp.sample_columns(&cost, &mut Rng::new(3));
    let exact = solve_assignment(&cost);
    let agreeing = columns.iter().zip(&exact).filter(|(a, b)| a == b).count();
    assert!(
        agreeing > 50,
        "only {agreeing}/64 Sinkhorn draws match the exact plan"
    );
}

fn stream(method: CouplingMethod, k: usize) -> PairStream {
    let source = build_sampler(SpaceKind::PLANE, &DistConfig::named("gaussian")).unwrap();
    let target = build_sampler(SpaceKind::PLANE, &DistConfig::named("8gaussians")).unwrap();
    let config = CouplingConfig {
        method,
        k,
        epsilon: 0.05,
        ..CouplingConfig::default()
    };
    PairStream::new(SpaceKind::PLANE, config, source, target, 42)
}

#[test]
fn k_equal_one_is_the_independent_coupling() {
    let mut independent = stream(CouplingMethod::Independent, 256);
    let mut exact_k1 = stream(CouplingMethod::Exact, 1);
    for _ in 0..3 {
        let a = independent.next_batch(64);
        let b = exact_k1.next_batch(64);
        assert_eq!(a.x0, b.x0);
        assert_eq!(a.x1, b.x1);
    }
}

#[test]
fn large_k_serves_consecutive_batches_from_one_solve() {
    // k = 256 with batch 64: four batches come from one matching of the same 256 draws.
    let mut pairs = stream(CouplingMethod::Exact, 256);
    let batches: Vec<_> = (0..4).map(|_| pairs.next_batch(64)).collect();
    let mut x0 = batches[0].x0.clone();
    let mut x1 = batches[0].x1.clone();
    for b in &batches[1..] {
        x0.extend(&b.x0);
        x1.extend(&b.x1);
    }
    let source = build_sampler(SpaceKind::PLANE, &DistConfig::named("gaussian")).unwrap();
    let target = build_sampler(SpaceKind::PLANE, &DistConfig::named("8gaussians")).unwrap();
    let draws0 = source.sample(256, &mut Rng::stream(42, "train-source"));
    let draws1 = target.sample(256, &mut Rng::stream(42, "train-target"));
    assert_eq!(x0, draws0, "sources served in draw order");
    let cost = CostMatrix::squared_geodesic(SpaceKind::PLANE, &draws0, &draws1);
    let optimum = hungarian(&cost) / 256.0;
    let served = mean_pair_cost(SpaceKind::PLANE, &x0, &x1);
    assert!(
        (served - optimum).abs() < 1e-5 * optimum,
        "served pairs are the k=256 OT matching"
    );
    // Each target draw is used exactly once.
    let mut used: Vec<_> = x1
        .iter()
        .map(|p| (p[0].to_bits(), p[1].to_bits()))
        .collect();
    used.sort();
    used.dedup();
    assert_eq!(used.len(), 256);
}

#[test]
fn small_k_solves_several_problems_per_batch() {
    // k = 16 with batch 64: four independent 16-point matchings fill one batch.
    let mut pairs = stream(CouplingMethod::Exact, 16);
    let batch = pairs.next_batch(64);
    assert_eq!(batch.x0.len(), 64);
    for block in 0..4 {
        let order: Vec<usize> = (block * 16..(block + 1) * 16).collect();
        let a = batch.x0.reordered(&order);
        let b = batch.x1.reordered(&order);
        let cost = CostMatrix::squared_geodesic(SpaceKind::PLANE, &a, &b);
        let identity: Vec<usize> = (0..16).collect();
        assert!(
            (total(&cost, &identity) - hungarian(&cost)).abs() < 1e-4,
            "block {block} is an optimal matching"
        );
    }
    assert!(
        batch.x1.labels().is_some(),
        "labelled targets keep their labels through the coupling"
    );
}

#[test]
fn exact_streams_serve_every_problem_in_draw_order_while_solving_ahead() {
    // Many batches, so the problems solved ahead on other threads are refilled many times:
    // k < B (two problems a batch), and k > B (one problem for two batches).
    for (k, batches) in [(32, 24), (128, 12)] {
        let mut pairs = stream(CouplingMethod::Exact, k);
        let served: Vec<_> = (0..batches).map(|_| pairs.next_batch(64)).collect();
        let source = build_sampler(SpaceKind::PLANE, &DistConfig::named("gaussian")).unwrap();
        let target = build_sampler(SpaceKind::PLANE, &DistConfig::named("8gaussians")).unwrap();
        let (mut source_rng, mut target_rng) = (
            Rng::stream(42, "train-source"),
            Rng::stream(42, "train-target"),
        );
        let (mut x0, mut x1) = (served[0].x0.clone(), served[0].x1.clone());
        for batch in &served[1..] {
            x0.extend(&batch.x0);
            x1.extend(&batch.x1);
        }
        for problem in 0..batches * 64 / k {
            let rows: Vec<usize> = (problem * k..(problem + 1) * k).collect();
            let (a, b) = (x0.reordered(&rows), x1.reordered(&rows));
            let draws0 = source.sample(k, &mut source_rng);
            let draws1 = target.sample(k, &mut target_rng);
            assert_eq!(a, draws0, "k = {k}: problem {problem} served in draw order");
            let optimum = hungarian(&CostMatrix::squared_geodesic(
                SpaceKind::PLANE,
                &draws0,
                &draws1,
            ));
            let cost = CostMatrix::squared_geodesic(SpaceKind::PLANE, &a, &b);
            let identity: Vec<usize> = (0..k).collect();
            assert!(
                (total(&cost, &identity) - optimum).abs() <= 1e-6 * optimum,
                "k = {k}: problem {problem} is its own draws' optimal matching"
            );
        }
    }
}

#[test]
fn w2_of_samples_holding_nan_is_an_error_not_a_hang() {
    let a = sample(SpaceKind::PLANE, "gaussian", 300, 20);
    let mut broken = a.data().to_vec();
    broken[17] = f64::NAN;
    let broken = Points::new(2, broken, None);
    let error =
        flowscope::metrics::w2(SpaceKind::PLANE, &a, &broken).expect_err("NaN samples have no W2");
    assert!(error.to_string().contains("NaN"), "{error}");
    assert!(flowscope::metrics::w2(SpaceKind::PLANE, &a, &a).is_ok());
}

#[test]
fn sphere_costs_are_squared_arc_lengths_everywhere_on_the_sphere() {
    let mut a = sample(SpaceKind::SPHERE, "uniform", 200, 21)
        .data()
        .to_vec();
    let b = sample(SpaceKind::SPHERE, "uniform", 200, 22)
        .data()
        .to_vec();
    let mut b_rows = b.clone();
    // Identical, antipodal and nearly identical pairs besides random ones.
    a[..3].copy_from_slice(&[0.0, 0.0, 1.0]);
    b_rows[..3].copy_from_slice(&[0.0, 0.0, 1.0]);
    a[3..6].copy_from_slice(&[1.0, 0.0, 0.0]);
    b_rows[3..6].copy_from_slice(&[-1.0, 0.0, 0.0]);
    let tilt = 1e-4_f64;
    a[6..9].copy_from_slice(&[0.0, 1.0, 0.0]);
    b_rows[6..9].copy_from_slice(&[0.0, tilt.cos(), tilt.sin()]);
    let (a, b) = (Points::new(3, a, None), Points::new(3, b_rows, None));
    let cost = CostMatrix::squared_geodesic(SpaceKind::SPHERE, &a, &b);
    let geometry = SpaceKind::SPHERE.geometry();
    for i in 0..200 {
        for j in 0..200 {
            let exact = geometry.squared_distance(a.point(i), b.point(j));
            let ours = cost.get(i, j) as f64;
            assert!(
                (ours - exact).abs() <= 1e-6 * exact + 1e-12,
                "({i}, {j}): {ours} vs {exact}"
            );
        }
    }
    assert!((cost.get(1, 1) as f64 - std::f64::consts::PI.powi(2)).abs() < 1e-5);
    assert!((cost.get(2, 2) as f64 - tilt * tilt).abs() < 1e-14);
}
