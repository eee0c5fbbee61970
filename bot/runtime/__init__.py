"""The process around the bot: health endpoint, metrics, logging, secrets and supervised background jobs."""
