// Health check of a Tickwire container: GET http://127.0.0.1:$TICKWIRE_PORT<path> (default
// /healthz) and exit 0 on a 2xx answer, 1 otherwise or after 2 s. The image has no curl; Node
// has fetch. Usage: node healthcheck.mjs [/healthz | /readyz]
const path = process.argv[2] ?? "/healthz";
const port = process.env.TICKWIRE_PORT || "8080";
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) process.stderr.write(`${path}: HTTP ${res.status} ${await res.text()}\n`);
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`${path}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
