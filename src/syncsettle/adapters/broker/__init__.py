"""Message brokers the outbox is published to (NATS JetStream)."""
