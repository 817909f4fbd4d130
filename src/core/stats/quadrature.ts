// Gauss rules for the few integrals the analysis needs, computed once on first use by Newton's method
// on the orthonormal Hermite and the Legendre recurrences (the classic constructions).

export interface Rule {
  readonly x: readonly number[];
  readonly w: readonly number[];
}

const cache = new Map<string, Rule>();

/** Nodes and weights for ∫ e^{−x²} f(x) dx over the real line, n nodes. */
export function gaussHermite(n: number): Rule {
  const key = `h${n}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const half: number[] = [];
  const halfW: number[] = [];
  let z = 0;
  for (let i = 0; i < Math.floor((n + 1) / 2); i++) {
    // Starting guesses for the largest roots first (Numerical Recipes, gauher).
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * (2 * n + 1) ** (-1 / 6);
    else if (i === 1) z -= (1.14 * n ** 0.426) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * (half[0] as number);
    else if (i === 3) z = 1.91 * z - 0.91 * (half[1] as number);
    else z = 2 * z - (half[i - 2] as number);
    let derivative = 0;
    for (let iter = 0; iter < 100; iter++) {
      let p1 = Math.PI ** -0.25;
      let p2 = 0;
      for (let j = 0; j < n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / (j + 1)) * p2 - Math.sqrt(j / (j + 1)) * p3;
      }
      derivative = Math.sqrt(2 * n) * p2;
      const previous = z;
      z = previous - p1 / derivative;
      if (Math.abs(z - previous) < 1e-15) break;
    }
    half.push(z);
    halfW.push(2 / (derivative * derivative));
  }
  const x: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < half.length; i++) {
    x.push(half[i] as number);
    w.push(halfW[i] as number);
    if (!(n % 2 === 1 && i === half.length - 1)) {
      x.push(-(half[i] as number));
      w.push(halfW[i] as number);
    }
  }
  const rule = { x, w };
  cache.set(key, rule);
  return rule;
}

/** Nodes and weights for ∫_{−1}^{1} f(x) dx, n nodes. */
export function gaussLegendre(n: number): Rule {
  const key = `l${n}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const x: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let derivative = 0;
    for (let iter = 0; iter < 100; iter++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 0; j < n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j + 1) * z * p2 - j * p3) / (j + 1);
      }
      derivative = (n * (z * p1 - p2)) / (z * z - 1);
      const previous = z;
      z = previous - p1 / derivative;
      if (Math.abs(z - previous) < 1e-15) break;
    }
    x.push(z);
    w.push(2 / ((1 - z * z) * derivative * derivative));
  }
  const rule = { x, w };
  cache.set(key, rule);
  return rule;
}
