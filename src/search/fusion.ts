/**
 * Reciprocal rank fusion (Cormack et al.): score(d) = Σ 1 / (k + rank_i(d)) over the rankings that hold d.
 * Rankings are best first; ranks start at 1.
 */
export function reciprocalRankFusion(rankings: ReadonlyArray<readonly string[]>, k = 60): Map<string, number> {
  const scores = new Map<string, number>();
  for (const ranking of rankings) {
    ranking.forEach((id, index) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + index + 1)));
  }
  return scores;
}
