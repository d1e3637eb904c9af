"""Intake: how applications get into the queue, from `robot enqueue` and from the inbox folder.

    enqueue.py     `enqueue_paths` (files and folders, for both) and `enqueue` (documents)
    files.py       reading files with a size limit; folders; the inbox listing; the rejected folder
    documents.py   a document and what intake reads from it (id, period, channel, …) before storing
    deadlines.py   when an application may be processed, when its manual item is due, the SSBTEK cut-off
    inbox.py       the inbox the daemon watches: queued files are removed, the rest moved to rejected/
    casesystem.py  the case system's errands (caremanagement): poll, map to ansokan/1, store once

Storing is `robot.queue.intake`; the format itself is checked later, by the chain.
"""
