"""colorize-review: a local web page over a colorize run's input and output folders.

gallery.py reads what the last run did (its state record and report.json) into the list the
page shows, worst first; photos.py reads, previews and suggests colors for one photo; server.py
serves the page, the two folders' images and the hints CSV it writes, to this machine only.
"""
