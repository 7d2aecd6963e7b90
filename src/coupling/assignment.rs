//! Exact assignment (the OT map between two equal-size samples) by ε-scaling auction.
//!
//! Bertsekas' forward auction with three accelerations:
//! - coarse to fine: a quarter of the rows and columns is solved first (recursively) and its
//!   prices, extended to every column by the c-transform, start the full problem;
//! - ε-scaling: prices are kept from phase to phase, and rows still within the new ε of their
//!   best column keep their assignment;
//! - candidate lists: each row remembers its cheapest columns (with their costs, so a bid never
//!   touches the cost matrix) and a lower bound for all the others. Prices only rise, so the
//!   bound stays valid: most bids look at a few columns, and a row is rescanned only when its
//!   bound is crossed. Every bid is therefore still optimal against the full row.
//!
//! The result satisfies ε-complementary slackness on the full matrix with n·ε below
//! `RELATIVE_GAP` times its cost, so its cost is optimal to that relative precision.

use super::CostMatrix;
use crate::rng::Rng;

/// Candidate columns remembered per row.
const CANDIDATES: usize = 48;
/// Factor by which ε shrinks between phases.
const EPSILON_FACTOR: f64 = 8.0;
/// Target bound on (cost − optimal cost) / cost.
const RELATIVE_GAP: f64 = 1e-9;
/// Problems at least this large first solve a subsample for starting prices.
const MULTISCALE_MIN: usize = 256;
/// Each coarser level keeps 1/MULTISCALE_RATIO of the rows and columns.
const MULTISCALE_RATIO: usize = 4;
/// Coarse levels stop at ε = COARSE_FINAL × their mean cost ...
const COARSE_FINAL: f64 = 1e-3;
/// ... and the finer level starts at ε = FINE_START × the coarse mean cost.
const FINE_START: f64 = 0.05;

/// A row's cheapest columns at the time of its last scan, and a lower bound on the
/// (cost + price) of every other column.
struct Candidates {
    columns: Vec<u32>,
    /// The costs of `columns`, kept beside them so a bid never touches the cost matrix.
    costs: Vec<f32>,
    bound: Vec<f64>,
    len: usize,
}

/// Solves min Σ_i c(i, σ(i)) over permutations σ. Returns σ (column for each row).
pub fn solve_assignment(cost: &CostMatrix) -> Vec<usize> {
    let n = cost.n();
    if n <= 1 || cost.max() <= 0.0 {
        return (0..n).collect();
    }
    // A fixed pseudo-random order makes every prefix an unbiased subsample for the coarse
    // levels, whatever order the caller's points come in.
    let mut order: Vec<usize> = (0..n).collect();
    Rng::new(0x5EED).shuffle(&mut order);
    let shuffled = cost.submatrix(&order, &order);
    let (assignment, _) = solve_level(&shuffled, Stop::Optimal);
    let mut result = vec![0; n];
    for (row, column) in assignment.into_iter().enumerate() {
        result[order[row]] = order[column];
    }
    result
}

/// When a level's ε-scaling stops.
#[derive(Clone, Copy)]
enum Stop {
    /// n·ε below `RELATIVE_GAP` times the assignment's cost: the answer.
    Optimal,
    /// ε below this value: prices good enough to start the next finer level.
    Coarse(f64),
}

/// Solves one level; its first quarter of rows and columns is solved first (recursively) to
/// give starting prices, extended to every column by the c-transform.
fn solve_level(cost: &CostMatrix, stop: Stop) -> (Vec<usize>, Vec<f64>) {
    let n = cost.n();
    let max_cost = cost.max() as f64;
    if n < MULTISCALE_MIN {
        return auction(cost, vec![0.0; n], max_cost / 4.0, stop);
    }
    let m = n / MULTISCALE_RATIO;
    let head: Vec<usize> = (0..m).collect();
    let coarse = cost.submatrix(&head, &head);
    let typical = coarse
        .mean_cost(&(0..m).collect::<Vec<_>>())
        .max(max_cost * 1e-6);
    let (coarse_assignment, coarse_prices) =
        solve_level(&coarse, Stop::Coarse(typical * COARSE_FINAL));
    // Row values of the coarse solution, then prices p_j = max_r (u_r − c_rj) for every column:
    // the largest prices under which no coarse row prefers column j to its own.
    let values: Vec<f64> = (0..m)
        .map(|r| coarse.get(r, coarse_assignment[r]) as f64 + coarse_prices[coarse_assignment[r]])
        .collect();
    let mut prices = vec![f64::NEG_INFINITY; n];
    for (r, &u) in values.iter().enumerate() {
        for (p, &c) in prices.iter_mut().zip(cost.row(r)) {
            *p = p.max(u - c as f64);
        }
    }
    auction(cost, prices, typical * FINE_START, stop)
}

/// ε-scaling forward auction from `prices`, starting at ε = `epsilon`.
fn auction(
    cost: &CostMatrix,
    prices: Vec<f64>,
    mut epsilon: f64,
    stop: Stop,
) -> (Vec<usize>, Vec<f64>) {
    let n = cost.n();
    let max_cost = cost.max() as f64;
    let mut prices = prices;
    let mut owner = vec![NONE; n];
    let mut assigned = vec![NONE; n];
    let keep = CANDIDATES.min(n - 1);
    let mut candidates = Candidates {
        columns: vec![0; n * keep],
        costs: vec![0.0; n * keep],
        bound: vec![f64::NEG_INFINITY; n],
        len: keep,
    };
    let mut scratch = Scratch::default();
    let mut queue: Vec<u32> = (0..n as u32).rev().collect();
    let min_epsilon = max_cost * 1e-14;
    epsilon = epsilon.max(min_epsilon);
    loop {
        while let Some(i) = queue.pop() {
            let i = i as usize;
            let (best, increment) = bid(cost, i, &prices, &mut candidates, &mut scratch, epsilon);
            prices[best] += increment;
            let previous = std::mem::replace(&mut owner[best], i as u32);
            assigned[i] = best as u32;
            if previous != NONE {
                assigned[previous as usize] = NONE;
                queue.push(previous);
            }
        }
        let done = match stop {
            Stop::Optimal => {
                let total: f64 = (0..n)
                    .map(|i| cost.get(i, assigned[i] as usize) as f64)
                    .sum();
                n as f64 * epsilon <= RELATIVE_GAP * total
            }
            Stop::Coarse(target) => epsilon <= target,
        };
        if done || epsilon <= min_epsilon {
            break;
        }
        epsilon = (epsilon / EPSILON_FACTOR).max(min_epsilon);
        // Rows still within the new ε of their best column keep it; the others bid again.
        for i in (0..n).rev() {
            let j = assigned[i] as usize;
            let (best, _) = bid(cost, i, &prices, &mut candidates, &mut scratch, 0.0);
            let best_value = cost.get(i, best) as f64 + prices[best];
            if cost.get(i, j) as f64 + prices[j] > best_value + epsilon {
                owner[j] = NONE;
                assigned[i] = NONE;
                queue.push(i as u32);
            }
        }
    }
    (assigned.into_iter().map(|j| j as usize).collect(), prices)
}

const NONE: u32 = u32::MAX;

/// Row i's bid: the column with the lowest cost + price, and by how much to raise its price
/// (the gap to the second lowest plus ε).
fn bid(
    cost: &CostMatrix,
    i: usize,
    prices: &[f64],
    candidates: &mut Candidates,
    scratch: &mut Scratch,
    epsilon: f64,
) -> (usize, f64) {
    let k = candidates.len;
    loop {
        // The initial bound is −∞, so a row's first bid always scans it.
        let bound = candidates.bound[i];
        let columns = &candidates.columns[i * k..(i + 1) * k];
        let costs = &candidates.costs[i * k..(i + 1) * k];
        let (mut best, mut best_value, mut second) = (0usize, f64::INFINITY, f64::INFINITY);
        for (&j, &c) in columns.iter().zip(costs) {
            let j = j as usize;
            let value = c as f64 + prices[j];
            if value < best_value {
                second = best_value;
                best_value = value;
                best = j;
            } else if value < second {
                second = value;
            }
        }
        if best_value <= bound {
            return (best, second.min(bound) - best_value + epsilon);
        }
        rescan(cost.row(i), prices, i, candidates, scratch);
    }
}

/// Reusable buffers for rescans.
#[derive(Default)]
struct Scratch {
    values: Vec<f64>,
    block_minima: Vec<f64>,
    picked: Vec<(f64, u32)>,
}

/// Rows are split into about this many blocks per kept candidate to find a selection
/// threshold quickly: enough blocks that the threshold is tight, few enough to select among.
const BLOCKS_PER_CANDIDATE: usize = 4;

/// Recomputes row i's cheapest columns from the full row, and the next value as the bound.
///
/// The (k+1)-th smallest block minimum bounds the (k+1)-th smallest value from above, so one
/// vectorisable pass filters the row down to a few candidates before an exact selection.
fn rescan(
    row: &[f32],
    prices: &[f64],
    i: usize,
    candidates: &mut Candidates,
    scratch: &mut Scratch,
) {
    let k = candidates.len;
    let Scratch {
        values,
        block_minima,
        picked,
    } = scratch;
    values.clear();
    values.extend(row.iter().zip(prices).map(|(&c, &p)| c as f64 + p));
    let block = (values.len() / (BLOCKS_PER_CANDIDATE * k)).max(1);
    block_minima.clear();
    block_minima.extend(values.chunks(block).map(|b| {
        b.iter()
            .fold(f64::INFINITY, |m, &v| if v < m { v } else { m })
    }));
    let threshold = if block_minima.len() > k {
        *block_minima.select_nth_unstable_by(k, f64::total_cmp).1
    } else {
        f64::INFINITY
    };
    picked.clear();
    for (j, &v) in values.iter().enumerate() {
        if v <= threshold {
            picked.push((v, j as u32));
        }
    }
    let (smallest, next, _) = picked.select_nth_unstable_by(k, |a, b| a.0.total_cmp(&b.0));
    let slots = candidates.columns[i * k..(i + 1) * k]
        .iter_mut()
        .zip(&mut candidates.costs[i * k..(i + 1) * k]);
    for ((column, cost), &(_, j)) in slots.zip(smallest.iter()) {
        *column = j;
        *cost = row[j as usize];
    }
    candidates.bound[i] = next.0;
}
