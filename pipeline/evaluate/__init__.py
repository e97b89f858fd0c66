"""The evaluate job: a model's colors measured against ground truth, beside the grayscale copy."""
