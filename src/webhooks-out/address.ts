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
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal"))
    return "must not point at this machine or a private network";
  const ip = v4(host);
  if (ip !== null) {
    for (const [base, bits] of PRIVATE_V4)
      if (ip >>> (32 - bits) === base >>> (32 - bits)) return "must not point at a private or loopback address";
    return null;
  }
  // IPv6 literals: loopback, unspecified, unique-local, link-local, and v4-mapped.
  if (host.includes(":") && (/^(::1?|f[cd][0-9a-f]{0,2}:|fe[89ab][0-9a-f]?:|::ffff:)/.test(host) || host === "::"))
    return "must not point at a private or loopback address";
  return null;
}
