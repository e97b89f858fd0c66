"""The runner our jobs use on one machine: Beam's FnApiRunner, never Prism.

Beam 2.77's DirectRunner (`SwitchingDirectRunner`) first tries to run a batch pipeline on
Prism, which it downloads from GitHub, and falls back to the FnApiRunner only when that
fails. On a machine with GitHub the jobs would run on a downloaded binary that no test
here runs; on one where the download hangs rather than fails (a slow DNS, a proxy) every
run would wait for it. Here the download fails at once, so the attempt costs nothing
measurable, but it is made (`--verbose` shows it), and `--direct_running_mode` does not
stop it. `LocalRunner` goes straight to the FnApiRunner, as the DirectRunner
does after Prism fails, with the same options, so `--direct_running_mode` and
`--direct_num_workers` keep their meaning. An explicit `--runner=DirectRunner` still gets
Beam's own behaviour. Its worker processes (multi_processing) start through
pipeline/runners/worker.py, which keeps a quiet job's terminal free of their log lines.
"""

import shlex
import sys

from apache_beam.portability import python_urns
from apache_beam.portability.api import beam_provision_api_pb2
from apache_beam.runners.portability.fn_api_runner import fn_runner
from apache_beam.runners.portability.portable_runner import JobServiceHandle
from apache_beam.runners.runner import PipelineRunner

from pipeline.runners import worker


class LocalRunner(PipelineRunner):
    """Runs a batch pipeline in this process (or its worker processes) on Beam's FnApiRunner."""

    def run_pipeline(self, pipeline, options):
        # The provision info hands the options to the SDK workers, as the DirectRunner does.
        encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
        provision_info = fn_runner.ExtendedProvisionInfo(
            beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded))
        return _FnApiRunner(provision_info=provision_info).run_pipeline(pipeline, options)


class _FnApiRunner(fn_runner.FnApiRunner):
    """Beam's FnApiRunner, its worker processes started as pipeline/runners/worker.py."""

    def run_via_runner_api(self, pipeline_proto, options):
        for environment in pipeline_proto.components.environments.values():
            if environment.urn == python_urns.SUBPROCESS_SDK:  # the command that starts a worker process
                environment.payload = f"{shlex.quote(sys.executable)} -m {worker.__name__}".encode()
        return super().run_via_runner_api(pipeline_proto, options)
