"""The ingestion API of `serve`: `POST /api/v1/usage`, `/api/v1/accounts`, `/api/v1/team`."""
