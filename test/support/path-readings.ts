// How lenient servers read a path, for tests of the path rules (core/paths.ts): an independent model,
// written from the behaviours the path-traversal corpora exploit, not from our own checks. A path is
// safe to hand to an origin when none of these readings holds a `.` or `..` segment.

const OVERLONG: Record<string, string> = {
  // Overlong UTF-8 of '.', '/' and '\' (2, 3 and 4 bytes), which old decoders accepted.
  "%c0%ae": ".",
  "%e0%80%ae": ".",
  "%f0%80%80%ae": ".",
  "%c0%af": "/",
  "%e0%80%af": "/",
  "%f0%80%80%af": "/",
  "%c1%9c": "\\",
  "%e0%81%9c": "\\",
  "%c0%2e": ".",
  "%c0%2f": "/",
  "%c0%5c": "\\",
};

/** One pass of a decoder that takes %XX as bytes, forgives broken UTF-8, knows overlongs and IIS's %uXXXX. */
function lenientDecode(s: string): string {
  let out = s.replace(/%(?:f0%80%80%[0-9a-f]{2}|e0%8[01]%[0-9a-f]{2}|c[01]%[0-9a-f]{2})/gi, (m) => OVERLONG[m.toLowerCase()] ?? m);
  out = out.replace(/%u([0-9a-f]{4})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  return out.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    }
  });
}

const LOOKALIKE_SLASHES = /[\u2044\u2215\u29f8\uff0f]/g;
const LOOKALIKE_BACKSLASHES = /[\u2216\u29f5\u29f9\ufe68\uff3c]/g;

/** The path as servers that decode once, twice or three times, fold Unicode and treat \ as / would read it. */
export function lenientReadings(path: string): string[] {
  const readings = [path];
  let current = path;
  for (let i = 0; i < 3; i++) {
    current = lenientDecode(current);
    readings.push(current);
  }
  return readings.flatMap((r) => {
    const folded = r.normalize("NFKC").replace(LOOKALIKE_SLASHES, "/").replace(LOOKALIKE_BACKSLASHES, "\\");
    return [r, folded, folded.replace(/\\/g, "/")];
  });
}

/**
 * Whether one reading of a path steps out of the directory it names: a segment that is `.` or `..` once a
 * `;parameter` tail is dropped (servlet containers) and trailing dots and spaces are trimmed (Windows
 * servers), so any segment made only of dots and spaces.
 */
export function readingTraverses(reading: string): boolean {
  return reading
    .split("\u0000")
    .join("/")
    .split("/")
    .some((segment) => {
      const semi = segment.indexOf(";");
      const name = semi === -1 ? segment : segment.slice(0, semi);
      return /^[\s.]*\.[\s.]*$/.test(name);
    });
}

/** Whether any lenient reading of `path` traverses. */
export function traversesSomewhere(path: string): boolean {
  return lenientReadings(path).some(readingTraverses);
}
