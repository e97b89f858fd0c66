"""The colorizer as an Apache Beam ModelHandler, for `RunInference` in your own pipelines.

Images of any size go in as uint8 numpy arrays, RGB (H, W, 3) or grayscale (H, W); each comes
out as a `PredictionResult` whose `inference` is the colorized RGB (H, W, 3) uint8 array at the
same full resolution, its lightness the input's. The shipped model is the default. RunInference
batches the elements; the handler runs each batch's images of one working shape (the same
aspect ratio) in one network call, so a batch may mix sizes freely.

    import apache_beam as beam
    import numpy as np
    from apache_beam.ml.inference.base import RunInference
    from PIL import Image

    from pipeline.colorize.model_handler import ColorizerModelHandler

    with beam.Pipeline() as pipeline:
        (pipeline
         | beam.Create(["data/samples/forest1.jpg", "data/samples/fields1.png"])
         | beam.Map(lambda path: np.asarray(Image.open(path).convert("L")))
         | RunInference(ColorizerModelHandler())
         | beam.Map(lambda result: print(result.inference.shape, result.model_id)))

prints `(H, W, 3)` and the model's path for each (tests/pipeline/colorize/test_model_handler.py
runs this example). The colorize job keeps its own transform (pipeline/colorize/transform.py), which reads files, applies EXIF
orientation and colour profiles and records a reason for each file it cannot colorize.
"""

import numpy as np
from apache_beam.ml.inference.base import ModelHandler, PredictionResult

from model import default_model, inference
from pipeline.colorize import batching


class ColorizerModelHandler(ModelHandler[np.ndarray, PredictionResult, inference.Colorizer]):
    """Loads a colorization model (the shipped one by default) and colorizes uint8 image arrays.

    model_path: a model.keras written by colorize-train (its model.json beside it); the decoding
    settings default to that description's, as in the colorize job. max_batch_size and the other
    keyword arguments of ModelHandler (min_batch_size, max_batch_duration_secs, model_copies, ...)
    tune RunInference's batching. The model (16 MB) is loaded once per worker process and shared
    by its threads.
    """

    def __init__(self, model_path=None, *, temperature=None, working_size=None, saturation=None,
                 agreement_power=None, max_batch_size=batching.MAX_BATCH, **kwargs):
        super().__init__(max_batch_size=max_batch_size, **kwargs)
        self.model_path = model_path or default_model.path()
        self.settings = {"temperature": temperature, "working_size": working_size, "saturation": saturation,
                         "agreement_power": agreement_power}
        self.max_batch_size = max_batch_size

    def load_model(self):
        return inference.load(self.model_path, **self.settings)

    def run_inference(self, batch, model, inference_args=None):
        images = [checked_image(image) for image in batch]
        colorized = batching.colorize_all(model, images, max_batch=self.max_batch_size)
        return [PredictionResult(image, result, model_id=self.model_path) for image, result in zip(batch, colorized)]

    def validate_inference_args(self, inference_args):
        if inference_args:
            raise ValueError(f"ColorizerModelHandler takes no inference_args, got {sorted(inference_args)}; "
                             "pass the decoding settings (temperature, saturation, ...) to the handler")

    def update_model_path(self, model_path=None):
        if model_path:
            self.model_path = model_path

    def get_num_bytes(self, batch):
        return sum(np.asarray(image).nbytes for image in batch)

    def get_metrics_namespace(self):
        return "BeamColorize_RunInference"


def checked_image(image):
    """`image` as a uint8 array (H, W) or (H, W, 3); a ValueError that says what is expected otherwise."""
    array = np.asarray(image)
    if array.dtype != np.uint8 or not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 3)):
        raise ValueError(f"ColorizerModelHandler takes uint8 arrays (H, W) or (H, W, 3), got {array.dtype} "
                         f"{array.shape}; convert with np.asarray(PIL.Image.open(path).convert('RGB'))")
    if min(array.shape[:2]) < 1:
        raise ValueError(f"an image needs at least one pixel, got shape {array.shape}")
    return array

