"""Label Studio round trip: engine output in as pre-annotations, reviews out, rules measured.

Modules, one job each: ``config`` (the labeling interface), ``tasks`` (engine output →
tasks and predictions, pure), ``regions`` (Label Studio results → attributions, pure),
``client`` (the only module that talks to the server), ``push``, ``pull``, ``report``
(rule metrics), ``server`` (a local Label Studio process) and ``serve`` (the newcomer's
one-command setup).
"""
