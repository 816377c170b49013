"""Infrastructure: the embedded Apache Kafka broker, topic management and deployment configs."""
