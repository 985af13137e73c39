"""Tools that ship beside the platform, outside its runtime dependency graph: the demo's simulated
world and days (``simulation``), load generation (``loadgen``) and the benchmark and demo commands
(``cli``). They may use the platform; the platform never imports them (``.importlinter``): the
command line names their commands in its lazy table and loads them only when one is run."""
