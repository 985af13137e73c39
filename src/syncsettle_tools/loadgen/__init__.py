"""Driving a real server over HTTP: start/stop a ``syncsettle serve`` process, seed it, and run
complete hospital visits against it. Used by ``syncsettle bench service`` and the crash test."""
