"""The worker process of a local multi-process run (`--direct_running_mode=multi_processing`).

LocalRunner starts each worker as `python -m pipeline.runners.worker` instead of Beam's
`python -m apache_beam.runners.worker.sdk_worker_main`: the same worker, with its logging
set up by console.quiet_worker_logging before Beam is imported.
"""

import sys

from pipeline.io import console


def main():
    console.quiet_worker_logging()
    from apache_beam.runners.worker import sdk_worker_main

    sdk_worker_main.main(sys.argv)


if __name__ == "__main__":
    main()
