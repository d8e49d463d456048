"""The outbox: what to send under a typed key, claimed, sent, judged and finished, at most once.

`outgoing` says what goes to whom under which key; `delivery` claims each message's `delivery` row,
sends it, judges what Slack answered and records it; `report` counts how it went. The morning round
(`bot.jobs`) and an applied plan's handoff DMs (`bot.slack.plan_dms`) both send through it.
"""
