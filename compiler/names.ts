// "Did you mean ...?": the closest candidate by edit distance (case-insensitive, with
// adjacent transpositions), if it is close enough to be a likely typo.

export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > 3) return Math.max(n, m);
  const d: number[][] = Array.from({ length: n + 1 }, (_, i) => {
    const row = new Array<number>(m + 1).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= m; j++) d[0]![j] = j;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[n]![m]!;
}

export function closest(name: string, candidates: Iterable<string>): string | undefined {
  return closestAll(name, candidates)[0];
}

/** Every candidate at the smallest distance, if it is close enough to be a likely typo. */
export function closestAll(name: string, candidates: Iterable<string>): string[] {
  const lower = name.toLowerCase();
  let best: string[] = [];
  let bestScore = Infinity;
  for (const c of new Set(candidates)) {
    if (c === name) continue;
    const score = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase());
    if (score < bestScore) {
      best = [c];
      bestScore = score;
    } else if (score === bestScore) best.push(c);
  }
  const limit = name.length <= 3 ? 1 : name.length <= 6 ? 2 : 3;
  return bestScore <= limit ? best : [];
}
