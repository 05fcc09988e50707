// Shared step runner for the e2e scripts: runs named steps in order, records
// each outcome, and prints one JSON document on stdout for the Go test
// (test/e2e) to parse. Nothing else may write to stdout.

/**
 * errorInfo reduces a thrown value (Cognito SDK error, Amplify AuthError,
 * plain Error) to the fields the Go test asserts on.
 */
export function errorInfo(err) {
  if (err == null) return null;
  return {
    name: String(err.name ?? ''),
    code: String(err.code ?? err.name ?? ''),
    message: String(err.message ?? err),
  };
}

/**
 * runSteps runs steps (an array of [name, async fn]) whose names are in
 * wanted (all when wanted is empty). It stops at the first failure unless
 * keepGoing. It returns {ok, steps:[{name, ok, ms, detail?, error?}]}.
 */
export async function runSteps(steps, { wanted = [], keepGoing = false } = {}) {
  const out = [];
  let ok = true;
  for (const [name, fn] of steps) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    const start = Date.now();
    try {
      const detail = await fn();
      out.push({ name, ok: true, ms: Date.now() - start, detail: detail ?? null });
    } catch (err) {
      ok = false;
      out.push({ name, ok: false, ms: Date.now() - start, error: errorInfo(err) });
      if (!keepGoing) break;
    }
  }
  return { ok, steps: out };
}

/** envList splits a comma-separated environment variable. */
export function envList(value) {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** mustEnv returns process.env[name] or exits with a message on stderr. */
export function mustEnv(name) {
  const v = process.env[name];
  if (!v) {
    process.stderr.write(`e2e: environment variable ${name} is required\n`);
    process.exit(2);
  }
  return v;
}
