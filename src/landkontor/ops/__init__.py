"""Operations: start and supervise the whole system, check the installation, prove it works.

- ``specs``       the services (Redis, migrations, API, worker, beat, Flower) and their probes
- ``supervisor``  starts them in dependency order, restarts with backoff, gives up on flapping
- ``control``     what ``status``, ``down`` and ``restart`` do from another process
- ``runfiles``    pid files, the supervisor's state file and control requests under var/run
- ``processes``   spawning, stopping process trees, who holds a port (psutil, cross-platform)
- ``redis_server``  the managed (embedded) Redis and its broker configuration
- ``notify``      crash/restart/give-up/recovery events to the log, a webhook and e-mail
- ``logfiles``    per-service logs under var/log: rotation, tail, follow
- ``doctor``      installation checks with safe repairs
- ``systemtest``  ordered end-to-end steps against a running system, with JUnit/JSON reports
"""
