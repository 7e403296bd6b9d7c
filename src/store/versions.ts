/** Minimal semver for capsule versions: MAJOR.MINOR.PATCH with an optional pre-release tag. */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$/;

export function isSemver(version: string): boolean {
  return SEMVER.test(version);
}

function parts(version: string): [number, number, number, string | undefined] {
  const m = SEMVER.exec(version);
  if (!m) throw new TypeError(`not a semantic version: ${version}`);
  return [Number(m[1]), Number(m[2]), Number(m[3]), m[4]];
}

/** Negative when a < b, 0 when equal, positive when a > b. A pre-release sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] as number) - (pb[i] as number);
  if (pa[3] === pb[3]) return 0;
  if (pa[3] === undefined) return 1;
  if (pb[3] === undefined) return -1;
  return pa[3] < pb[3] ? -1 : 1;
}

export function nextPatch(version: string): string {
  const [major, minor, patch, pre] = parts(version);
  return pre === undefined ? `${major}.${minor}.${patch + 1}` : `${major}.${minor}.${patch}`;
}

/**
 * Whether `version` satisfies a simple range: `*`, `x.y.z` (exact), `^x.y.z` (same major; same minor
 * below 1.0.0), `~x.y.z` (same minor), `>=x.y.z`, or several joined by `||`.
 */
export function satisfies(version: string, range: string): boolean {
  return range.split('||').some((part) => {
    const r = part.trim();
    if (r === '*' || r === '') return true;
    const op = /^(\^|~|>=)?\s*(.+)$/.exec(r);
    const base = op?.[2] ?? '';
    if (!isSemver(base)) return false;
    const [vMaj, vMin] = parts(version);
    const [bMaj, bMin] = parts(base);
    const atLeast = compareVersions(version, base) >= 0;
    switch (op?.[1]) {
      case '>=':
        return atLeast;
      case '~':
        return atLeast && vMaj === bMaj && vMin === bMin;
      case '^':
        return atLeast && vMaj === bMaj && (bMaj !== 0 || vMin === bMin);
      default:
        return compareVersions(version, base) === 0;
    }
  });
}
