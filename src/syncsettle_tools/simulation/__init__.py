"""``syncsettle demo``'s simulation: a realistic world built through the platform's own services,
and simulated days of care through the real hospital interface (docs/demo.md).

- :mod:`calendar` — the demo year (2026), its dates and the simulated clock;
- :mod:`population`, :mod:`places` — the insured households and the hospitals;
- :mod:`products`, :mod:`world` — filings, prefunding, enrollments, consents: the world built;
- :mod:`bills`, :mod:`schedule` — who is treated where, for what, when;
- :mod:`his`, :mod:`visits` — the hospitals' HIS terminals and one visit through ``POST /fsi/api``;
- :mod:`incidents`, :mod:`days` — the bad day's outage and suspension; a whole day, its clearing and
  reconciliation;
- :mod:`run`, :mod:`summary`, :mod:`logins` — the run, its summary from the database, console logins.
"""
