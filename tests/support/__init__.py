"""What the tests share, and the benchmarks too; test modules import from here, never from each other.

- `slack_standin` (with `slack_faults`, `slack_limits`, `slack_payloads`, `slack_wire`): a local
  HTTP server answering like Slack's Web API, which refuses what Slack refuses.
- `signing`: Slack-signed requests to a running `serve` (`AppClient`, the payload builders).
- `inprocess`: `serve`'s app and the CLI's verbs run inside the test process (`InProcessApp`,
  `InProcessCli`), what the `serve_app`, `served_app` and `cli` fixtures give by default.
- `appenv`, `processes`: `csm-coach` as a subprocess (`ServedApp`, `Cli`) with a clean environment,
  for what only a process shows (fixtures `serve_process`, `cli_process`; marker `process`).
- `clicks`: pressing the buttons of what the app posted, submitting its modals.
- `plan_flow`: the rebalancing plan as a manager drives it through `serve`, and its handoff DMs.
- `locks`: another connection holding the database locks a request needs.
- `company`, `factories`, `samples`, `importing`: the test company as CSV files, small records
  written to the database, plain values for the Block Kit builders, the importers' CSV helpers.
- `blockcheck`: does a message or view pass Slack's own validation and limits.

The `slack` fixture (tests/conftest.py) starts a stand-in per test.
"""
