/** Outcome of a minimisation: the best point found, its value, and whether the tolerance was met. */
export interface MinimizeResult {
  x: number[];
  value: number;
  iterations: number;
  /** Calls of the objective: what a minimisation costs. */
  evaluations: number;
  converged: boolean;
}

export interface NelderMeadOptions {
  maxIterations?: number;
  /** Stop when the simplex's function values differ by less than this (relative to |f|) ... */
  functionTolerance?: number;
  /** ... and its vertices lie within this distance of the best one. */
  pointTolerance?: number;
  /** Size of the initial simplex along each axis. */
  initialStep?: number;
}

/**
 * Nelder-Mead simplex minimisation (standard coefficients: reflect 1, expand 2, contract ½, shrink ½).
 * Derivative-free, so likelihoods need no gradients; non-finite values count as +∞ so the simplex walks
 * away from invalid regions instead of poisoning the search with NaN.
 */
export function nelderMead(
  f: (x: number[]) => number,
  start: number[],
  options: NelderMeadOptions = {},
): MinimizeResult {
  const n = start.length;
  const maxIterations = options.maxIterations ?? 2000 * n;
  const fTol = options.functionTolerance ?? 1e-10;
  const xTol = options.pointTolerance ?? 1e-8;
  const step = options.initialStep ?? 0.5;
  let evaluations = 0;
  const safe = (x: number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };

  const simplex: number[][] = [start.slice()];
  for (let i = 0; i < n; i++) {
    const vertex = start.slice();
    vertex[i] = (vertex[i] as number) + step;
    simplex.push(vertex);
  }
  const values = simplex.map(safe);
  const order = simplex.map((_, i) => i);

  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    order.sort((i, j) => (values[i] as number) - (values[j] as number));
    const best = order[0] as number;
    const worst = order[n] as number;
    const secondWorst = order[n - 1] as number;
    const bestValue = values[best] as number;
    if (isSettled(simplex, values, best, fTol, xTol)) {
      converged = Number.isFinite(bestValue);
      break;
    }
    iterations++;

    const centroid = new Array<number>(n).fill(0);
    for (const i of order.slice(0, n)) {
      const vertex = simplex[i] as number[];
      for (let d = 0; d < n; d++) centroid[d] = (centroid[d] as number) + (vertex[d] as number) / n;
    }
    const worstVertex = simplex[worst] as number[];
    const along = (t: number): number[] => centroid.map((c, d) => c + t * (c - (worstVertex[d] as number)));

    const reflected = along(1);
    const reflectedValue = safe(reflected);
    if (reflectedValue < bestValue) {
      const expanded = along(2);
      const expandedValue = safe(expanded);
      const takeExpanded = expandedValue < reflectedValue;
      simplex[worst] = takeExpanded ? expanded : reflected;
      values[worst] = takeExpanded ? expandedValue : reflectedValue;
      continue;
    }
    if (reflectedValue < (values[secondWorst] as number)) {
      simplex[worst] = reflected;
      values[worst] = reflectedValue;
      continue;
    }
    const outside = reflectedValue < (values[worst] as number);
    const contracted = along(outside ? 0.5 : -0.5);
    const contractedValue = safe(contracted);
    if (contractedValue < (outside ? reflectedValue : (values[worst] as number))) {
      simplex[worst] = contracted;
      values[worst] = contractedValue;
      continue;
    }
    const bestVertex = simplex[best] as number[];
    for (const i of order.slice(1)) {
      simplex[i] = (simplex[i] as number[]).map(
        (v, d) => (bestVertex[d] as number) + 0.5 * (v - (bestVertex[d] as number)),
      );
      values[i] = safe(simplex[i] as number[]);
    }
  }
  order.sort((i, j) => (values[i] as number) - (values[j] as number));
  const best = order[0] as number;
  return {
    x: (simplex[best] as number[]).slice(),
    value: values[best] as number,
    iterations,
    evaluations,
    converged,
  };
}

function isSettled(simplex: number[][], values: number[], best: number, fTol: number, xTol: number): boolean {
  const bestValue = values[best] as number;
  const bestVertex = simplex[best] as number[];
  for (let i = 0; i < simplex.length; i++) {
    if (Math.abs((values[i] as number) - bestValue) > fTol * (Math.abs(bestValue) + fTol)) return false;
    const vertex = simplex[i] as number[];
    for (let d = 0; d < vertex.length; d++) {
      if (Math.abs((vertex[d] as number) - (bestVertex[d] as number)) > xTol) return false;
    }
  }
  return true;
}
