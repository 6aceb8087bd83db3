// Where a workspace may send its webhooks: not to this machine or its private network, which
// a webhook would otherwise let anyone with an API key reach (SSRF), unless the operator says so.

const PRIVATE_V4: [number, number][] = [
  [0x0a000000, 8], // 10/8
  [0x7f000000, 8], // 127/8
  [0xa9fe0000, 16], // 169.254/16, link-local and cloud metadata
  [0xac100000, 12], // 172.16/12
  [0xc0a80000, 16], // 192.168/16
  [0x64400000, 10], // 100.64/10, carrier-grade NAT
  [0x00000000, 8], // 0/8
  [0xc6120000, 15], // 198.18/15, benchmarking
  [0xc0000000, 24], // 192.0.0/24
  [0xe0000000, 4], // 224/4, multicast
  [0xf0000000, 4], // 240/4 and the broadcast address
];

function v4(host: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return (
    (((parts[0] as number) << 24) >>> 0) +
    ((parts[1] as number) << 16) +
    ((parts[2] as number) << 8) +
    (parts[3] as number)
  );
}

/** Why this URL may not receive webhooks, or null when it may. */
export function refusedAddress(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an http(s) URL";
  if (url.username || url.password) return "must not carry a user name or password";
  if (allowPrivate) return null;
  // "localhost." is localhost: a trailing dot is the same name.
  const host = url.hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.+$/, "");
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal"))
    return "must not point at this machine or a private network";
  return privateIp(host) ? "must not point at a private or loopback address" : null;
}

/**
 * Whether an IP address (as a resolver gives it) is loopback, private, link-local or otherwise
 * not on the public internet: IPv4 ranges, and IPv6 loopback, unique-local, link-local, site-local,
 * v4-mapped, NAT64 and 6to4.
 */
export function privateIp(address: string): boolean {
  const ip = v4(address);
  if (ip !== null) return PRIVATE_V4.some(([base, bits]) => ip >>> (32 - bits) === base >>> (32 - bits));
  const a = address.toLowerCase();
  if (!a.includes(":")) return false;
  return a === "::" || /^(::1$|f[c-d][0-9a-f]{0,2}:|fe[89a-f][0-9a-f]?:|::ffff:|64:ff9b:|2002:)/.test(a);
}
