//! Exact assignment (the OT map between two equal-size samples) by ε-scaling auction.
//!
//! Bertsekas' forward auction with three accelerations:
//! - coarse to fine: an eighth of the rows and columns is solved first (recursively) and its
//!   prices, extended to every column by the c-transform, start the full problem;
//! - ε-scaling: prices are kept from phase to phase, and rows still within the new ε of their
//!   best column keep their assignment;
//! - candidate lists: each row remembers its cheapest columns (with their costs, so a bid never
//!   touches the cost matrix) and a lower bound for all the others. Prices only rise, so the
//!   bound stays valid: most bids look at a few columns, and a row is rescanned (one f32 pass
//!   over its row) only when its bound is crossed by more than a fraction of ε. Every bid is
//!   therefore within ε of the best against the full row, as the auction requires.
//!
//! The result satisfies ε-complementary slackness on the full matrix with n·ε below
//! `RELATIVE_GAP` times its cost, so its cost is optimal to that relative precision.

use super::CostMatrix;
use crate::rng::Rng;

/// What the solver reads of a square cost matrix: a dense one, or costs computed on demand.
pub trait AssignmentCosts: Sized {
    fn n(&self) -> usize;
    /// An upper bound on every entry; the solver's tolerances scale with it.
    fn max(&self) -> f32;
    /// The entry c(i, j) by which the answer is judged.
    fn get(&self, i: usize, j: usize) -> f32;
    /// Row i plus the prices, c(i, j) + p_j for every column, written into `buffer` in f32
    /// (the cost rounded to f32 first, then the sum); returns the bound on how far the costs
    /// may be from `get`. Inlined, so that the solver's AVX2 copy vectorises it too.
    fn priced_row(&self, i: usize, prices: &[f32], buffer: &mut Vec<f32>) -> f32;
    /// The problem restricted to the rows and columns `indices`.
    fn restricted(&self, indices: &[usize]) -> Self;
}

impl AssignmentCosts for CostMatrix {
    fn n(&self) -> usize {
        CostMatrix::n(self)
    }
    fn max(&self) -> f32 {
        CostMatrix::max(self)
    }
    fn get(&self, i: usize, j: usize) -> f32 {
        CostMatrix::get(self, i, j)
    }
    #[inline(always)]
    fn priced_row(&self, i: usize, prices: &[f32], buffer: &mut Vec<f32>) -> f32 {
        buffer.clear();
        buffer.extend(
            CostMatrix::row(self, i)
                .iter()
                .zip(prices)
                .map(|(&c, &p)| c + p),
        );
        0.0
    }
    fn restricted(&self, indices: &[usize]) -> Self {
        self.submatrix(indices, indices)
    }
}

/// Candidate columns remembered per row.
const CANDIDATES: usize = 16;
/// A row keeps at most this many times `CANDIDATES` columns.
const CAPACITY_FACTOR: usize = 2;
/// A bid may go to a candidate up to this fraction of ε above the bound on the other columns:
/// the assignment then stays within ε of the row's best, and the price still rises by at least
/// (1 − BID_SLACK)·ε, while rows rescan less often.
const BID_SLACK: f64 = 0.9;
/// Factor by which ε shrinks between phases.
const EPSILON_FACTOR: f64 = 16.0;
/// Target bound on (cost − optimal cost) / cost.
const RELATIVE_GAP: f64 = 1e-9;
/// Problems at least this large first solve a subsample for starting prices.
const MULTISCALE_MIN: usize = 128;
/// Each coarser level keeps 1/MULTISCALE_RATIO of the rows and columns.
const MULTISCALE_RATIO: usize = 8;
/// Coarse levels stop at ε = COARSE_FINAL × their mean cost ...
const COARSE_FINAL: f64 = 1e-3;
/// ... and the finer level starts at ε = FINE_START × the coarse mean cost.
const FINE_START: f64 = 0.05;

/// A row's cheapest columns at the time of its last scan, and a lower bound on the
/// (cost + price) of every other column. Each row has `capacity` slots, `lengths[i]` in use.
struct Candidates {
    columns: Vec<u32>,
    /// The costs of `columns`, kept beside them so a bid never touches the cost matrix.
    costs: Vec<f32>,
    lengths: Vec<u32>,
    bound: Vec<f64>,
    /// Columns a rescan aims to keep (more pass its threshold, up to `capacity`).
    target: usize,
    capacity: usize,
}

/// Solves min Σ_i c(i, σ(i)) over permutations σ. Returns σ (column for each row).
pub fn solve_assignment(cost: &impl AssignmentCosts) -> Vec<usize> {
    let n = cost.n();
    if n <= 1 || cost.max() <= 0.0 {
        return (0..n).collect();
    }
    let (assignment, _) = solve_level(cost, Stop::Optimal, &mut Rng::new(0x5EED));
    assignment
}

/// When a level's ε-scaling stops.
#[derive(Clone, Copy)]
enum Stop {
    /// n·ε below `RELATIVE_GAP` times the assignment's cost: the answer.
    Optimal,
    /// ε below this value: prices good enough to start the next finer level.
    Coarse(f64),
}

/// Solves one level; a random eighth of its rows and columns is solved first (recursively)
/// to give starting prices, extended to every column by the c-transform.
fn solve_level<C: AssignmentCosts>(cost: &C, stop: Stop, rng: &mut Rng) -> (Vec<usize>, Vec<f64>) {
    let n = cost.n();
    let max_cost = cost.max() as f64;
    if n < MULTISCALE_MIN {
        return auction(cost, vec![0.0; n], max_cost / 4.0, stop);
    }
    // A random subsample whatever order the caller's points come in; sorted, so gathering a
    // dense one walks the matrix forwards.
    let m = n / MULTISCALE_RATIO;
    let mut sample: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut sample);
    sample.truncate(m);
    sample.sort_unstable();
    let coarse = cost.restricted(&sample);
    let typical =
        ((0..m).map(|i| coarse.get(i, i) as f64).sum::<f64>() / m as f64).max(max_cost * 1e-6);
    let (coarse_assignment, coarse_prices) =
        solve_level(&coarse, Stop::Coarse(typical * COARSE_FINAL), rng);
    // Row values of the coarse solution, then prices p_j = max_r (u_r − c_rj) for every column:
    // the largest prices under which no coarse row prefers column j to its own (to f32
    // precision: any prices are a valid start).
    let mut prices = vec![f64::NEG_INFINITY; n];
    let (no_prices, mut row) = (vec![0.0; n], Vec::new());
    for (r, &j) in coarse_assignment.iter().enumerate() {
        let u = coarse.get(r, j) as f64 + coarse_prices[j];
        cost.priced_row(sample[r], &no_prices, &mut row);
        for (p, &c) in prices.iter_mut().zip(&row) {
            *p = p.max(u - c as f64);
        }
    }
    auction(cost, prices, typical * FINE_START, stop)
}

/// ε-scaling forward auction from `prices`, starting at ε = `epsilon`.
fn auction(
    cost: &impl AssignmentCosts,
    prices: Vec<f64>,
    epsilon: f64,
    stop: Stop,
) -> (Vec<usize>, Vec<f64>) {
    // The rescans' f32 passes, most of the time, run twice as wide with AVX2.
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { auction_avx2(cost, prices, epsilon, stop) };
    }
    auction_portable(cost, prices, epsilon, stop)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn auction_avx2(
    cost: &impl AssignmentCosts,
    prices: Vec<f64>,
    epsilon: f64,
    stop: Stop,
) -> (Vec<usize>, Vec<f64>) {
    auction_portable(cost, prices, epsilon, stop)
}

#[inline(always)]
fn auction_portable(
    cost: &impl AssignmentCosts,
    prices: Vec<f64>,
    mut epsilon: f64,
    stop: Stop,
) -> (Vec<usize>, Vec<f64>) {
    let n = cost.n();
    let max_cost = cost.max() as f64;
    let mut prices = Prices::new(prices);
    let mut owner = vec![NONE; n];
    let mut assigned = vec![NONE; n];
    let target = CANDIDATES.min(n - 1);
    let capacity = (CAPACITY_FACTOR * target).min(n);
    let mut candidates = Candidates {
        columns: vec![0; n * capacity],
        costs: vec![0.0; n * capacity],
        lengths: vec![0; n],
        bound: vec![f64::NEG_INFINITY; n],
        target,
        capacity,
    };
    let mut scratch = Scratch::default();
    let mut queue: Vec<u32> = (0..n as u32).rev().collect();
    let min_epsilon = max_cost * 1e-14;
    epsilon = epsilon.max(min_epsilon);
    loop {
        while let Some(i) = queue.pop() {
            let i = i as usize;
            let (best, increment) = bid(cost, i, &prices, &mut candidates, &mut scratch, epsilon);
            prices.raise(best, increment);
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
            let best_value = cost.get(i, best) as f64 + prices.exact[best];
            if cost.get(i, j) as f64 + prices.exact[j] > best_value + epsilon {
                owner[j] = NONE;
                assigned[i] = NONE;
                queue.push(i as u32);
            }
        }
    }
    (
        assigned.into_iter().map(|j| j as usize).collect(),
        prices.exact,
    )
}

/// Column prices, and an f32 copy for the vectorised first pass of a rescan.
struct Prices {
    exact: Vec<f64>,
    single: Vec<f32>,
}

impl Prices {
    fn new(exact: Vec<f64>) -> Self {
        let single = exact.iter().map(|&p| p as f32).collect();
        Self { exact, single }
    }

    fn raise(&mut self, j: usize, increment: f64) {
        self.exact[j] += increment;
        self.single[j] = self.exact[j] as f32;
    }
}

const NONE: u32 = u32::MAX;

/// Row i's bid: the column with the lowest cost + price, and by how much to raise its price
/// (the gap to the second lowest plus ε).
#[inline(always)]
fn bid(
    cost: &impl AssignmentCosts,
    i: usize,
    prices: &Prices,
    candidates: &mut Candidates,
    scratch: &mut Scratch,
    epsilon: f64,
) -> (usize, f64) {
    let slots = i * candidates.capacity;
    loop {
        // The initial bound is −∞, so a row's first bid always scans it.
        let bound = candidates.bound[i];
        let len = candidates.lengths[i] as usize;
        let columns = &candidates.columns[slots..slots + len];
        let costs = &candidates.costs[slots..slots + len];
        // Branch-free: which candidate is cheapest is unpredictable.
        let (mut best, mut best_value, mut second) = (0usize, f64::INFINITY, f64::INFINITY);
        for (&j, &c) in columns.iter().zip(costs) {
            let j = j as usize;
            let value = c as f64 + prices.exact[j];
            let lower = value < best_value;
            // Plain comparisons, not f64::min: its NaN handling lengthens the dependency chain.
            let displaced = if lower { best_value } else { value };
            second = if displaced < second {
                displaced
            } else {
                second
            };
            best = if lower { j } else { best };
            best_value = if lower { value } else { best_value };
        }
        if best_value <= bound + BID_SLACK * epsilon {
            return (best, second.min(bound) - best_value + epsilon);
        }
        rescan(cost, i, prices, candidates, scratch);
    }
}

/// A value with more than `k` of `minima` at or below it, and not many more: bisection
/// between the smallest and the largest, which costs a few vector counts where an exact
/// selection costs a sort.
#[inline(always)]
fn selection_threshold(minima: &[f32], k: usize) -> f32 {
    // Counted in u32, eight to a vector.
    let count = |t: f32| minima.iter().map(|&m| u32::from(m <= t)).sum::<u32>() as usize;
    let (mut low, mut high) = minima
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &m| {
            (lo.min(m), hi.max(m))
        });
    for _ in 0..SELECTION_STEPS {
        let middle = 0.5 * (low + high);
        let below = count(middle);
        if below > k {
            high = middle;
            if below <= k + SELECTION_SLACK {
                break;
            }
        } else {
            low = middle;
        }
    }
    high
}

/// At most this many bisection steps per rescan ...
const SELECTION_STEPS: usize = 12;
/// ... and they stop early once no more than k + SELECTION_SLACK minima pass.
const SELECTION_SLACK: usize = 1;

/// Reusable buffers for rescans.
#[derive(Default)]
struct Scratch {
    /// The row's costs plus prices, in f32.
    row: Vec<f32>,
    block_minima: Vec<f32>,
    /// Passing columns: (exact value, column, cost).
    picked: Vec<(f64, u32, f32)>,
}

/// Lowers each `minima[l]` to `values[l]` where that is smaller.
#[inline(always)]
fn fold_minima(minima: &mut [f32], values: &[f32]) {
    for (m, &v) in minima.iter_mut().zip(values) {
        // Not a select: LLVM makes that a masked store, which is slow.
        *m = m.min(v);
    }
}

/// The block count of rows with more than `CANDIDATES` columns.
const BLOCKS: usize = BLOCKS_PER_CANDIDATE * CANDIDATES;

/// Rows are split into about this many strided blocks per kept candidate to find a selection
/// threshold quickly: enough blocks that the threshold is tight, few enough to count cheaply.
const BLOCKS_PER_CANDIDATE: usize = 2;

/// Recomputes row i's cheapest columns from the full row, and a lower bound on the others.
///
/// A cut with more than k block minima (block j mod B) at or below it has more than k values
/// of the row at or below it, so one vectorisable pass in f32 filters the row down to a few
/// candidates, whose values are then taken exactly in f64. Columns left out are below the
/// threshold by at most f32 rounding, which the bound allows for.
#[inline(always)]
fn rescan(
    cost: &impl AssignmentCosts,
    i: usize,
    prices: &Prices,
    candidates: &mut Candidates,
    scratch: &mut Scratch,
) {
    let k = candidates.target;
    let Scratch {
        row: values,
        block_minima,
        picked,
    } = scratch;
    let row_error = cost.priced_row(i, &prices.single, values);
    let block_count = (BLOCKS_PER_CANDIDATE * k).min(values.len());
    block_minima.clear();
    block_minima.resize(block_count, f32::INFINITY);
    if block_count == BLOCKS {
        // The usual case, with the minima held in registers.
        let mut minima = [f32::INFINITY; BLOCKS];
        let mut chunks = values.chunks_exact(BLOCKS);
        for chunk in &mut chunks {
            fold_minima(&mut minima, chunk);
        }
        fold_minima(&mut minima, chunks.remainder());
        block_minima.copy_from_slice(&minima);
    } else {
        for chunk in values.chunks(block_count) {
            fold_minima(block_minima, chunk);
        }
    }
    // A row has more than k columns, so more than k blocks.
    let cut = selection_threshold(block_minima, k);
    // f32 values are off by at most half of `rounding`: picking up to cut + 2·rounding keeps
    // every column whose exact value could be below cut + rounding, the bound.
    let rounding = (4.0 * cut.abs() + 2.0 * cost.max()) * f32::EPSILON + 4.0 * row_error;
    let threshold = cut + 2.0 * rounding;
    picked.clear();
    // Few values pass, so test thirty-two at a time and visit only the ones that pass.
    const LANES: usize = 32;
    for (chunk, values) in values.chunks(LANES).enumerate() {
        let mut passed = values.iter().enumerate().fold(0u32, |mask, (lane, &v)| {
            mask | u32::from(v <= threshold) << lane
        });
        while passed != 0 {
            let lane = passed.trailing_zeros() as usize;
            passed &= passed - 1;
            let j = chunk * LANES + lane;
            let c = cost.get(i, j);
            picked.push((c as f64 + prices.exact[j], j as u32, c));
        }
    }
    let mut bound = cut as f64 + rounding as f64;
    if picked.len() > candidates.capacity {
        let (_, next, _) =
            picked.select_nth_unstable_by(candidates.capacity, |a, b| a.0.total_cmp(&b.0));
        bound = bound.min(next.0);
        picked.truncate(candidates.capacity);
    }
    let slots = i * candidates.capacity;
    let slots = candidates.columns[slots..slots + picked.len()]
        .iter_mut()
        .zip(&mut candidates.costs[slots..slots + picked.len()]);
    for ((column, slot), &(_, j, c)) in slots.zip(picked.iter()) {
        *column = j;
        *slot = c;
    }
    candidates.lengths[i] = picked.len() as u32;
    candidates.bound[i] = bound;
}
