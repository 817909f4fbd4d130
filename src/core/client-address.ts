// Which client a request comes from, for limits: Cloudflare's `CF-Connecting-IP`, parsed, and reduced
// to the unit one party controls. An IPv4 address is one client; an IPv6 client is its /64, because a
// single host routinely holds a whole /64 (SLAAC, privacy addresses) and can rotate through 2^64
// addresses without leaving it. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is that IPv4 address.
// Nothing else (a malformed header, a zone id, a port) names a client: it parses to null, and the
// caller falls back to something that is never one bucket shared by everyone. Imports nothing.

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** The four octets of a dotted-quad IPv4 address, or null. Leading zeros are refused (some read them as octal). */
function ipv4Octets(s: string): number[] | null {
  const m = IPV4.exec(s);
  if (m === null) return null;
  const octets: number[] = [];
  for (let i = 1; i <= 4; i++) {
    const part = m[i] as string;
    if (part.length > 1 && part[0] === "0") return null;
    const n = Number(part);
    if (n > 255) return null;
    octets.push(n);
  }
  return octets;
}

/** The eight 16-bit groups of an IPv6 address (with `::` compression and an embedded IPv4 tail), or null. */
export function ipv6Groups(s: string): number[] | null {
  if (s.length < 2 || s.length > 45) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string, isTail: boolean): number[] | null => {
    if (part === "") return [];
    const pieces = part.split(":");
    const out: number[] = [];
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] as string;
      if (isTail && i === pieces.length - 1 && piece.includes(".")) {
        const v4 = ipv4Octets(piece);
        if (v4 === null) return null;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else if (HEX_GROUP.test(piece)) out.push(Number.parseInt(piece, 16));
      else return null;
    }
    return out;
  };
  const head = parse(halves[0] as string, halves.length === 1);
  const tail = halves.length === 2 ? parse(halves[1] as string, true) : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : null;
}

/**
 * The limit bucket of a client address: `ip4:<a.b.c.d>` for IPv4 (and IPv4-mapped IPv6), `ip6:<first
 * four groups>::/64` for IPv6; null when the value is not an address, or is a loopback address.
 *
 * Loopback (127.0.0.0/8, `::1`, `::ffff:127.x.y.z`) is never a visitor's address at Cloudflare's edge;
 * it is what `wrangler dev` puts in `CF-Connecting-IP` for every local request, so it tells clients
 * apart no better than no header at all and is treated as none (never one bucket for everyone).
 */
export function clientBucket(address: string | null | undefined): string | null {
  if (address === null || address === undefined) return null;
  const s = address.trim();
  const v4 = ipv4Octets(s);
  if (v4 !== null) return v4[0] === 127 ? null : `ip4:${v4.join(".")}`;
  const g = ipv6Groups(s);
  if (g === null) return null;
  if (g.every((x, i) => x === (i === 7 ? 1 : 0))) return null; // ::1
  // ::ffff:a.b.c.d, the IPv4-mapped form: the same client as a.b.c.d.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    if ((g[6] as number) >> 8 === 127) return null;
    return `ip4:${(g[6] as number) >> 8}.${(g[6] as number) & 255}.${(g[7] as number) >> 8}.${(g[7] as number) & 255}`;
  }
  return `ip6:${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(":")}::/64`;
}

/** The limit bucket of the client of `request` (its `CF-Connecting-IP`), or null when it names none. */
export function requestClientBucket(request: Request): string | null {
  return headersClientBucket(request.headers);
}

/** The same, from a request's headers already in hand (each read of `request.headers` is a call into the runtime). */
export function headersClientBucket(headers: Headers): string | null {
  return clientBucket(headers.get("cf-connecting-ip"));
}
