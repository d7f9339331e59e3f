"""Label Studio round trip: engine output in as pre-annotations, reviews out, rules measured.

Modules, one job each: ``config`` (the labeling interface), ``tasks`` (engine output →
tasks and predictions, pure), ``regions`` (Label Studio results → attributions, pure),
``client`` (the only module that talks to the server), ``store`` (the local copy of
every prediction pushed, so reviews stay measurable after the rules change), ``push``,
``pull``, ``report`` (rule metrics per rule version), ``agreement`` (between reviewers),
``suggest`` (rule suggestions from reviewers' additions), ``server`` (a local Label
Studio process) and ``serve`` (the newcomer's one-command setup).
"""
