"""Beam's DaskRunner with the gaps closed that stop our jobs: run them on a Dask cluster.

    dask scheduler --host 127.0.0.1 --port 8786 &
    dask worker tcp://127.0.0.1:8786 --nworkers 2 --nthreads 1 &
    colorize --input photos --output colored --runner=DaskRunner --dask_client_address=127.0.0.1:8786

Beam 2.77's `apache_beam.runners.dask.dask_runner.DaskRunner` turns a pipeline into Dask
bags, but (read in its source, and seen running the jobs on a two-worker cluster):

- it computes only the bag of the pipeline's last transform, so any other sink never runs;
- a multi-output ParDo's bag holds all its outputs mixed, so every consumer of one tagged
  output also receives the others;
- a side input is computed inside each task that reads it (Beam's file sinks read their
  written shards as a side input), so everything upstream of a sink runs twice;
- `setup()` and `teardown()` run around every partition, and partition receivers are shared
  by the tasks of one process;
- a Create of fewer than 128 elements is one partition, so a small job runs on one worker;
- there are no metrics, and workers' progress stays in the workers' terminals.

`DaskRunner` below keeps the upstream runner's options (`--dask_client_address`,
`--dask_npartitions`, ...), its overrides and its GroupByKey and Flatten translations, and
replaces the rest: every unconsumed collection is computed, in one graph, so shared steps
run once; tagged outputs are split; a side input is an ordinary dependency of the tasks
that read it, computed once; a DoFn instance is set up once and reused by the bundles of
one worker thread; a Create is cut into a few partitions per worker thread; and
`console.Progress` counts made on the workers are summed into progress lines on the driver.
Metrics stay unsupported: the jobs count from their outputs, not from metrics.
"""

import collections
import functools
import threading
import time
import uuid

from apache_beam import pvalue
from apache_beam.pipeline import PipelineVisitor
from apache_beam.runners.common import (
    DoFnContext,
    DoFnInvoker,
    DoFnSignature,
    Receiver,
    _OutputHandler,
)
from apache_beam.runners.dask import dask_runner as upstream
from apache_beam.runners.dask import transform_evaluator
from apache_beam.runners.dask.overrides import (
    _Create,
    _Flatten,
    _GroupByKeyOnly,
    dask_overrides,
)
from apache_beam.transforms.core import DoFn, ParDo
from apache_beam.transforms.sideinputs import SideInputMap

from pipeline.io import console
from pipeline.io.console import logger

PARTITIONS_PER_THREAD = 4  # partitions of a Create per worker thread: balance without much overhead
PROGRESS_TOPIC = "beam-colorize-progress"
PROGRESS_SEND_INTERVAL = 1.0  # seconds between a worker's progress messages for one count

MAIN_TAG = None


# ---------------------------------------------------------------------------------------
# On the workers: run one bundle (a Dask partition) through a DoFn.


_IDLE_DOFNS = collections.defaultdict(list)  # (run id, step label) -> DoFn invokers set up and idle
_IDLE_DOFNS_LOCK = threading.Lock()


class _ListReceiver(Receiver):
    """Collects one output tag's windowed values as (tag, value) pairs."""

    def __init__(self, tag, values):
        self.tag = tag
        self.values = values

    def receive(self, windowed_value):
        self.values.append((self.tag, windowed_value.value))


class _Receivers(dict):
    """One receiver per output tag, made on first use, all writing to one list."""

    def __init__(self):
        super().__init__()
        self.values = []

    def __missing__(self, tag):
        self[tag] = _ListReceiver(tag, self.values)
        return self[tag]


def _invoker(fn, window_fn, label, args, kwargs, side_inputs):
    """A DoFnInvoker whose output goes to a fresh list: (invoker, receivers)."""
    receivers = _Receivers()
    handler = _OutputHandler(window_fn=window_fn, main_receivers=receivers[MAIN_TAG], tagged_receivers=receivers,
                             per_element_output_counter=None, output_batch_converter=None,
                             process_yields_batches=False, process_batch_yields_elements=False)
    invoker = DoFnInvoker.create_invoker(
        DoFnSignature(fn), handler, context=DoFnContext(label, state=None), side_inputs=side_inputs,
        input_args=args, input_kwargs=kwargs, user_state_context=None,
        bundle_finalizer_param=DoFn.BundleFinalizerParam())
    return invoker, receivers


def run_bundle(items, step, *side_values):
    """Process one partition; returns its outputs as (tag, value) pairs.

    A DoFn instance set up by an earlier bundle of this process is reused (Beam calls
    setup() once per instance, and one instance serves one thread at a time).
    """
    run_id, label, fn, window_fn, args, kwargs, side_views = step
    _forward_progress_from_worker()
    side_inputs = [SideInputMap(view_class, view_options, [transform_evaluator.get_windowed_value(value, None)
                                                           for value in values])
                   for (view_class, view_options), values in zip(side_views, side_values)]
    key = (run_id, label)
    with _IDLE_DOFNS_LOCK:
        fn = _IDLE_DOFNS[key].pop() if _IDLE_DOFNS[key] else fn
        fresh = not getattr(fn, "_dask_set_up", False)
    invoker, receivers = _invoker(fn, window_fn, label, args, kwargs, side_inputs)
    if fresh:
        invoker.invoke_setup()
        fn._dask_set_up = True
    invoker.invoke_start_bundle()
    for item in items:
        invoker.invoke_process(transform_evaluator.get_windowed_value(item, window_fn))
    invoker.invoke_finish_bundle()
    with _IDLE_DOFNS_LOCK:
        _IDLE_DOFNS[key].append(fn)
    _ProgressSender.instance().flush()
    return receivers.values


class _ProgressSender:
    """Sums this worker's `console.Progress` counts and sends them to the driver about once a second."""

    _instance = None
    _instance_lock = threading.Lock()

    def __init__(self):
        self.pending = {}  # key -> [what, total, count not yet sent]
        self.last_sent = time.monotonic()
        self.lock = threading.Lock()

    @classmethod
    def instance(cls):
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def add(self, key, what, total, count):
        with self.lock:
            entry = self.pending.setdefault(key, [what, total, 0])
            entry[2] += count
        if time.monotonic() - self.last_sent >= PROGRESS_SEND_INTERVAL:
            self.flush()

    def flush(self):
        with self.lock:
            messages = [{"key": key, "what": what, "total": total, "count": count}
                        for key, (what, total, count) in self.pending.items() if count]
            self.pending.clear()
            self.last_sent = time.monotonic()
        if messages:
            from distributed import get_worker

            try:
                get_worker().log_event(PROGRESS_TOPIC, messages)
            except ValueError:  # Not on a Dask worker (a task run in the driver): nobody to tell.
                pass


def _forward_progress_from_worker():
    console.forward_progress(_ProgressSender.instance().add)


# ---------------------------------------------------------------------------------------
# On the driver: translate the pipeline into bags, compute them, show progress.


class ProgressLines:
    """The driver's progress: the workers' counts summed per count and logged as usual."""

    def __init__(self):
        self.progress = {}

    def __call__(self, event):
        _, messages = event
        for message in messages:
            if message["key"] not in self.progress:
                self.progress[message["key"]] = console.Progress(message["what"], message["total"])
            self.progress[message["key"]].add(message["count"])


def default_partitions(count, threads):
    """Partitions for a Create of `count` elements on a cluster with `threads` worker threads."""
    return max(1, min(count, PARTITIONS_PER_THREAD * max(1, threads)))


class _BagVisitor(PipelineVisitor):
    """Turns every primitive transform into a Dask bag, one bag per output collection."""

    def __init__(self, run_id, bag_options, threads):
        self.run_id = run_id
        self.bag_options = bag_options
        self.threads = threads
        self.bags = {}  # PCollection -> bag
        self.consumed = set()  # PCollections that some transform reads

    def visit_transform(self, node):
        from dask import bag

        inputs = [value for value in node.inputs if not isinstance(value, pvalue.PBegin)]
        self.consumed.update(inputs)
        self.consumed.update(side_input.pvalue for side_input in node.side_inputs)
        transform = node.transform
        if isinstance(transform, _Create):
            options = dict(self.bag_options) or {
                "npartitions": default_partitions(len(transform.values), self.threads)}
            result = bag.from_sequence(list(transform.values), **options)
        elif type(transform) is ParDo:  # WindowInto and other ParDo subclasses are identities, as upstream
            result = self._pardo(node, self.bags[inputs[0]])
        elif isinstance(transform, _GroupByKeyOnly):
            result = transform_evaluator.GroupByKey(node).apply(self.bags[inputs[0]])
        elif isinstance(transform, _Flatten):
            result = bag.concat([self.bags[value] for value in inputs])
        else:
            result = self.bags[inputs[0]] if inputs else None
        outputs = dict(node.outputs)
        if type(transform) is ParDo:
            for tag, collection in outputs.items():
                wanted = None if tag in (None, "None") else tag
                self.bags[collection] = result.filter(functools.partial(_has_tag, tag=wanted)).map(_value)
        elif result is not None:
            for collection in outputs.values():
                self.bags[collection] = result

    def _pardo(self, node, input_bag):
        import dask

        transform = node.transform
        args, kwargs = transform.raw_side_inputs
        main_input = next(iter(node.main_inputs.values()))
        window_fn = main_input.windowing.windowfn if hasattr(main_input, "windowing") else None
        side_views = [(type(side_input), side_input._view_options()) for side_input in node.side_inputs]
        # The side input's own tasks, not an optimized copy of them (which would run them again).
        side_values = [dask.delayed(_concatenate)(self.bags[side_input.pvalue].to_delayed(optimize_graph=False))
                       for side_input in node.side_inputs]
        step = (self.run_id, node.full_label, transform.fn, window_fn, list(args), kwargs, side_views)
        return input_bag.map_partitions(run_bundle, step, *side_values)

    def sinks(self):
        """The bags that nothing reads: computing them all computes the whole pipeline, once."""
        return [bag for collection, bag in self.bags.items() if collection not in self.consumed]


def _concatenate(partitions):
    return [value for partition in partitions for value in partition]


def _has_tag(pair, tag):
    return pair[0] == tag


def _value(pair):
    return pair[1]


class DaskRunnerResult(upstream.DaskRunnerResult):
    """Waits for the computation, then stops listening for progress and closes the client."""

    def wait_until_finish(self, duration=None):
        try:
            return super().wait_until_finish(duration)
        finally:
            if self._state in (upstream.PipelineState.DONE, upstream.PipelineState.FAILED):
                self.client.unsubscribe_topic(PROGRESS_TOPIC)
                self.client.close()


class DaskRunner(upstream.DaskRunner):
    """Executes a Beam pipeline on a Dask cluster, with each step run once and every sink written."""

    def run_pipeline(self, pipeline, options):
        import distributed

        dask_options = options.view_as(upstream.DaskOptions).get_all_options(drop_default=True, current_only=True)
        bag_options = upstream.DaskOptions._extract_bag_kwargs(dask_options)
        client = distributed.Client(**dask_options)
        threads = sum(client.nthreads().values())
        logger.info(f"running on the Dask cluster at {client.scheduler.address}: "
                    f"{len(client.nthreads())} workers, {threads} threads")
        pipeline.replace_all(dask_overrides())
        visitor = _BagVisitor(uuid.uuid4().hex, bag_options, threads)
        pipeline.visit(visitor)
        client.subscribe_topic(PROGRESS_TOPIC, ProgressLines())
        # One count per sink, in one graph: shared steps run once, nothing large comes back.
        return DaskRunnerResult(client, client.compute([sink.count() for sink in visitor.sinks()]))

