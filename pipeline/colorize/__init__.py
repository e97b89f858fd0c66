"""The colorize job: plan from the state record, colorize on Beam, write each photo in its own format, report."""
