"""Running Qingqian in production: health, readiness, metrics, logs and the server command.

See docs/operations.md."""
