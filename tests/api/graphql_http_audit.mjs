// Runs the GraphQL-over-HTTP audit suite of the `graphql-http` package against a served portal and
// prints one JSON array of {id, name, status, reason, httpStatus} (tests/api/test_graphql_http_audit.py
// reads it). Usage: node graphql_http_audit.mjs <url> [<extra headers as JSON>]
import { serverAudits } from "graphql-http";

const [url, headersJson] = process.argv.slice(2);
if (!url) {
  console.error("usage: node graphql_http_audit.mjs <url> [<headers json>]");
  process.exit(2);
}
const extra = headersJson ? JSON.parse(headersJson) : {};

// Every audit's request carries the extra headers (a bearer token), unless the audit sets its own.
function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(extra)) {
    if (!headers.has(name)) headers.set(name, value);
  }
  return fetch(input, { ...init, headers });
}

const results = [];
for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  let reason = null;
  let httpStatus = null;
  if (result.status !== "ok") {
    reason = result.reason;
    httpStatus = result.response ? result.response.status : null;
  }
  results.push({ id: result.id, name: result.name, status: result.status, reason, httpStatus });
}
process.stdout.write(JSON.stringify(results));
