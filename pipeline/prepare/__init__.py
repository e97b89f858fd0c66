"""The prepare job: CIFAR-10, TFDS datasets and photo folders -> grayscale/RGB TFRecord shards (schema.py owns their format)."""
