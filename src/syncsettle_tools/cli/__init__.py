"""The tools' commands (``syncsettle demo``, ``syncsettle bench …``), registered by the platform's
command line from its table, by module name."""
