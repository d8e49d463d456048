"""`csm-coach playground`: a web page on 127.0.0.1 that plays Slack's part, so a person can try csm-coach
before anyone installs an app.

- `workspace`: what the make-believe workspace holds (people, channels, posts, modals, App Home) and its
  Web API methods, answered as Slack answers them;
- `requests`: what a person does on the page, as the Slack-signed payloads Slack would send;
- `server`: one Starlette app on one uvicorn server: the page, the Web API (the app's `SLACK_API_URL`),
  response URLs, and the app's own ASGI stack (`bot.web.create_asgi`), whose `/slack/events` gets
  those payloads over HTTP like any workspace's;
- `static/`: the page (HTML, CSS, one script; no build step).

Nothing here is imported by `serve`, `run` or `clock`.
"""
