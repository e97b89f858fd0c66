"""The training job's data side: the tf.data reader of the shards, and the glue that hands them to model.train."""
